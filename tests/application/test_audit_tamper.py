"""Tampering with the stored audit trail is detected, on SQLite and PostgreSQL.

The trail is written through the hub, checkpoints are signed, then the database itself is
altered the way an insider with database access could: a flipped byte, a deleted, swapped or
inserted entry, a truncated tail, a rewritten or re-signed checkpoint. A fresh hub process
verifying the store must report each, naming the first bad entry where one can be named.
"""

import json
import random
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
import pytest

from domain.audit import AuditKind
from hub.audit.checkpoints import CHECKPOINT_LOG_ID
from hub.audit.notes import Checkpoint, NoteSigner, parse_note
from hub.audit.trail import AUDIT_LOG_ID
from hub.audit.verify import Report, verify_log
from hub.bootstrap import Hub, bootstrap
from hub.settings import Settings
from tests.support import POSTGRES, postgres_schema

ENTRIES, EVERY = 45, 10


class Database:
    """Raw access to the events table, bypassing the hub."""

    def __init__(self, url: str) -> None:
        self.url = url

    def _run(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        if self.url.startswith("sqlite"):
            conn = sqlite3.connect(self.url.split("///", 1)[1], isolation_level=None)
            try:
                return conn.execute(sql.replace("%s", "?").replace("{t}", "stored_events"),
                                    [p.hex if isinstance(p, UUID) else p for p in params]
                                    ).fetchall()
            finally:
                conn.close()
        schema = self.url.rsplit("schema=", 1)[1]
        with psycopg.connect(POSTGRES, autocommit=True) as pg:
            cursor = pg.execute(sql.replace("{t}", f'"{schema}".hub_events'), params)
            return cursor.fetchall() if cursor.description else []

    def state(self, originator: UUID, version: int) -> bytes:
        rows = self._run("SELECT state FROM {t} WHERE originator_id = %s AND "
                         "originator_version = %s", (originator, version))
        return bytes(rows[0][0])

    def set_state(self, originator: UUID, version: int, state: bytes) -> None:
        self._run("UPDATE {t} SET state = %s WHERE originator_id = %s AND "
                  "originator_version = %s", (state, originator, version))

    def delete(self, originator: UUID, version: int) -> None:
        self._run("DELETE FROM {t} WHERE originator_id = %s AND originator_version = %s",
                  (originator, version))

    def delete_from(self, originator: UUID, version: int) -> None:
        self._run("DELETE FROM {t} WHERE originator_id = %s AND originator_version >= %s",
                  (originator, version))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/hub.sqlite3"
    else:
        with postgres_schema() as url:
            yield url


def write_trail(url: str, home: Path) -> None:
    hub = bootstrap(Settings(store_url=url, home=home))
    try:
        for i in range(ENTRIES):
            hub.audit.record(kind=AuditKind.DENIAL, action="read-chronology",
                             actor={"user_id": f"u{i}", "agency": "a", "agency_kind": "police",
                                    "role": "police-officer"}, purpose="triage",
                             details={"n": i})
            if (i + 1) % EVERY == 0:
                hub.checkpoints.checkpoint(force=True)
    finally:
        hub.close()


def verify(url: str, home: Path) -> Report:
    """What a fresh hub process finds (it trusts only its own public key)."""
    hub: Hub = bootstrap(Settings(store_url=url, home=home))
    try:
        return verify_log(hub.audit.stored_entries(), [c.note for c in hub.checkpoints.all()],
                          hub.checkpoints.transitions(),
                          hub.checkpoints._keys.verifier_key(), hub.checkpoints.origin)
    finally:
        hub.close()


def flip(db: Database, k: int) -> int:
    state = bytearray(db.state(AUDIT_LOG_ID, k + 1))
    state[len(state) // 2] ^= 0x01
    db.set_state(AUDIT_LOG_ID, k + 1, bytes(state))
    return k


def delete(db: Database, k: int) -> int:
    db.delete(AUDIT_LOG_ID, k + 1)
    return k


def swap(db: Database, k: int) -> int:
    a, b = db.state(AUDIT_LOG_ID, k + 1), db.state(AUDIT_LOG_ID, k + 2)
    db.set_state(AUDIT_LOG_ID, k + 1, b)
    db.set_state(AUDIT_LOG_ID, k + 2, a)
    return k


def insert(db: Database, k: int) -> int:
    """Shift every entry from k one place up, and put a forged entry at k."""
    states = [db.state(AUDIT_LOG_ID, v + 1) for v in range(k, ENTRIES)]
    db.delete_from(AUDIT_LOG_ID, k + 1)
    forged = json.loads(db.state(AUDIT_LOG_ID, k))
    forged["details"] = {"forged": True}
    for offset, state in enumerate([json.dumps(forged).encode(), *states]):
        db._run("INSERT INTO {t} (originator_id, originator_version, topic, state) "
                "VALUES (%s, %s, %s, %s)", (AUDIT_LOG_ID, k + 1 + offset,
                                           "domain.audit:AuditEntryRecorded", state))
    return k


def truncate(db: Database, k: int) -> int:
    db.delete_from(AUDIT_LOG_ID, k + 1)
    return k


TAMPERS: dict[str, Callable[[Database, int], int]] = {
    "flip a byte": flip, "delete an entry": delete, "swap two entries": swap,
    "insert an entry": insert, "truncate the tail": truncate,
}


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("tamper", list(TAMPERS))
def test_entry_tampering_is_detected_and_named(store: str, tmp_path: Path, tamper: str,
                                               seed: int) -> None:
    write_trail(store, tmp_path)
    assert verify(store, tmp_path).ok
    k = random.Random(f"{tamper}{seed}").randrange(1, ENTRIES - 2)
    TAMPERS[tamper](Database(store), k)
    report = verify(store, tmp_path)
    assert not report.ok, tamper
    assert report.first_bad_index == k, (tamper, k, report.problems)


@pytest.mark.parametrize("forgery", ["rewrite the root", "re-sign with another key"])
def test_checkpoint_tampering_is_detected(store: str, tmp_path: Path, forgery: str) -> None:
    write_trail(store, tmp_path)
    db = Database(store)
    state = json.loads(db.state(CHECKPOINT_LOG_ID, 2))
    text, _ = parse_note(state["note"])
    checkpoint = Checkpoint.parse(text)
    if forgery == "rewrite the root":
        forged = Checkpoint(checkpoint.origin, checkpoint.size, bytes(32))
        state["note"] = state["note"].replace(text, forged.body())
    else:
        state["note"] = NoteSigner.generate(checkpoint.origin).sign(text)
    db.set_state(CHECKPOINT_LOG_ID, 2, json.dumps(state).encode())
    report = verify(store, tmp_path)
    assert not report.ok
    assert any(str(checkpoint.size) in p for p in report.problems), report.problems


def test_two_hub_processes_extend_one_linear_history(store: str, tmp_path: Path) -> None:
    """Two hubs on one store append and checkpoint in turn: one history, and it verifies."""
    first = bootstrap(Settings(store_url=store, home=tmp_path))
    second = bootstrap(Settings(store_url=store, home=tmp_path))
    try:
        for i in range(30):
            writer = first if i % 3 else second
            writer.audit.record(kind=AuditKind.DENIAL, action="read-chronology",
                                actor={"user_id": f"u{i}", "agency": "a", "role": "r",
                                       "agency_kind": "police"}, details={"n": i})
            if i % 4 == 0:
                (second if i % 8 else first).checkpoints.checkpoint(force=True)
        first.checkpoints.checkpoint(force=True)
        sizes = [c.size for c in second.checkpoints.all()]
        assert sizes == sorted(set(sizes))
        assert sizes[-1] == first.audit.size()
    finally:
        first.close()
        second.close()
    assert verify(store, tmp_path).ok
