"""An audit trail that someone with the database cannot roll back or rewrite unnoticed, on
SQLite and PostgreSQL.

The hub submits every checkpoint to its witnesses (here two, each in a HUB_HOME of its own)
and keeps their cosignatures; it keeps the last checkpoint it signed in HUB_HOME too. Then the
database is attacked the ways the issue lists: an earlier backup restored; an entry edited,
the chain re-linked and the checkpoints deleted (keys untouched); an entry deleted, the tail
truncated, two entries swapped. The checkpointer refuses to sign over any of it, and
``hub audit verify`` (which only reads: the store is byte-identical afterwards) exits 1,
naming the witness or the first bad entry, never with a traceback.
"""

import hashlib
import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from domain.audit import AuditKind
from hub.audit.checkpoints import CHECKPOINT_LOG_ID, LogMismatch
from hub.audit.cosignature import CosignatureVerifier
from hub.audit.memory import SignerMemory
from hub.audit.notes import parse_note
from hub.audit.trail import AUDIT_LOG_ID, audit_leaf_hash
from hub.audit.witnesses import parse_witnesses
from hub.bootstrap import bootstrap
from hub.cli import main
from hub.settings import Settings
from hub.witness import state_sizes
from tests.application.test_audit_tamper import Database, delete, swap, truncate, write_trail
from tests.support import POSTGRES, postgres_schema
from tests.witness_support import RunningWitness, forget_memory, hub_verifier_key, witness_thread


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/hub.sqlite3"
    else:
        with postgres_schema() as url:
            yield url


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def witnesses(tmp_path: Path, home: Path) -> Iterator[list[RunningWitness]]:
    """Two witnesses, as another local authority and information governance would run."""
    log = hub_verifier_key(home)
    with witness_thread(tmp_path / "w1", "county.example.gov.uk/witness", [log]) as one, \
            witness_thread(tmp_path / "w2", "ig.example.nhs.uk/witness", [log]) as two:
        yield [one, two]


def settings(url: str, home: Path, witnesses: Sequence[RunningWitness] = ()) -> Settings:
    return Settings(store_url=url, home=home, audit_witnesses=parse_witnesses(
        ",".join(w.config for w in witnesses)))


def write(url: str, home: Path, witnesses: Sequence[RunningWitness], count: int) -> str:
    """Append ``count`` entries and sign a checkpoint; return its note."""
    hub = bootstrap(settings(url, home, witnesses))
    try:
        for i in range(count):
            hub.audit.record(kind=AuditKind.DENIAL, action="read-chronology",
                             actor={"user_id": f"u{i}", "agency": "a", "agency_kind": "police",
                                    "role": "police-officer"}, purpose="triage",
                             details={"n": i})
        signed = hub.checkpoints.checkpoint(force=True)
        assert signed is not None
        return signed.note
    finally:
        hub.close()


def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], url: str,
        home: Path, witnesses: Sequence[RunningWitness], *args: str) -> tuple[int, str]:
    """Run ``hub`` in this process (the witnesses are served from it); exit code and output."""
    monkeypatch.setenv("HUB_STORE_URL", url)
    monkeypatch.setenv("HUB_HOME", str(home))
    monkeypatch.setenv("HUB_AUDIT_WITNESSES", ",".join(w.config for w in witnesses))
    code = main(list(args))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out + err


@dataclass
class Snapshot:
    """The whole store as bytes: the SQLite file and what is beside it, or every row of every
    table of the PostgreSQL schema."""

    url: str

    def take(self) -> Any:
        if self.url.startswith("sqlite"):
            path = Path(self.url.split("///", 1)[1])
            return ({p.name for p in path.parent.iterdir() if p.name.startswith(path.name)},
                    hashlib.sha256(path.read_bytes()).hexdigest())
        schema = self.url.rsplit("schema=", 1)[1]
        with psycopg.connect(POSTGRES) as db:
            tables = [t for (t,) in db.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = %s "
                "ORDER BY table_name", (schema,))]
            return {t: db.execute(sql.SQL("SELECT * FROM {}.{} ORDER BY 1, 2").format(
                sql.Identifier(schema), sql.Identifier(t))).fetchall() for t in tables}


class Backup:
    """An earlier copy of the event store, and its restoration over the live one."""

    def __init__(self, url: str, tmp_path: Path) -> None:
        self.url = url
        self.copy = tmp_path / "backup.sqlite3"
        self.rows: list[tuple[Any, ...]] = []
        self.columns: list[str] = []
        if url.startswith("sqlite"):
            shutil.copy(self.path, self.copy)
        else:
            with psycopg.connect(POSTGRES) as db:
                cursor = db.execute(sql.SQL("SELECT * FROM {}").format(self.table))
                self.columns = [c.name for c in cursor.description or []]
                self.rows = cursor.fetchall()

    @property
    def path(self) -> Path:
        return Path(self.url.split("///", 1)[1])

    @property
    def table(self) -> sql.Composable:
        return sql.Identifier(self.url.rsplit("schema=", 1)[1], "hub_events")

    def restore(self) -> None:
        if self.url.startswith("sqlite"):
            shutil.copy(self.copy, self.path)
            return
        with psycopg.connect(POSTGRES, autocommit=True) as db:
            db.execute(sql.SQL("DELETE FROM {}").format(self.table))
            with db.cursor() as cursor:
                cursor.executemany(sql.SQL("INSERT INTO {} ({}) VALUES ({})").format(
                    self.table, sql.SQL(", ").join(map(sql.Identifier, self.columns)),
                    sql.SQL(", ").join(sql.Placeholder() * len(self.columns))), self.rows)


def test_every_checkpoint_is_cosigned_by_the_witnesses_and_kept_in_hub_home(
        store: str, home: Path, witnesses: list[RunningWitness],
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    note = write(store, home, witnesses, 10)
    text, signatures = parse_note(note)
    assert len(signatures) == 3  # the hub's, and one cosignature per witness
    for witness in witnesses:
        assert CosignatureVerifier.parse(witness.vkey).verify(note)[0] == text
        assert state_sizes(witness.home) == {"safeguarding-hub/audit": 11}
    kept = SignerMemory(home, store)
    assert kept.load() == note
    assert stat.S_IMODE(os.stat(kept.path).st_mode) == 0o600
    note = write(store, home, witnesses, 5)  # the next one is proved consistent to them
    assert all(state_sizes(w.home) == {"safeguarding-hub/audit": 16} for w in witnesses)
    code, out = cli(monkeypatch, capsys, store, home, witnesses, "audit", "verify")
    assert code == 0, out
    assert "intact: 16 entries" in out
    assert all(f"witness {w.vkey.split('+')[0]} cosigned size 16: the same tree" in out
               for w in witnesses)


def test_restoring_an_earlier_backup_is_caught(
        store: str, home: Path, tmp_path: Path, witnesses: list[RunningWitness],
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    county = witnesses[0].vkey.split("+")[0]
    write(store, home, witnesses, 10)
    backup = Backup(store, tmp_path)
    later = write(store, home, witnesses, 10)
    kept = tmp_path / "auditor-kept.note"
    kept.write_text(later)  # an auditor's copy of the checkpoint of 21 entries
    backup.restore()

    # Only the database was restored: HUB_HOME still knows what was signed, and so do the
    # witnesses.
    code, out = cli(monkeypatch, capsys, store, home, witnesses, "audit", "verify")
    assert code == 1
    assert f"rolled back: the witness {county} cosigned size 21; the store holds 11 " \
           "entries" in out
    assert "first bad entry 11" in out
    hub = bootstrap(settings(store, home, witnesses))
    try:
        hub.audit.record(kind=AuditKind.DENIAL, action="x", actor={"user_id": "u"})
        with pytest.raises(LogMismatch, match="rolled back"):
            hub.checkpoints.checkpoint(force=True)
    finally:
        hub.close()

    # Whoever restored it removed the hub's memory too: the witnesses still say so, and the
    # checkpointer learns it from them before it signs anything.
    forget_memory(home)
    code, out = cli(monkeypatch, capsys, store, home, witnesses, "audit", "verify")
    assert code == 1
    assert f"rolled back: the witness {county} cosigned size 21" in out
    hub = bootstrap(settings(store, home, witnesses))
    try:
        with pytest.raises(LogMismatch, match=f"rolled back: the witness {county} cosigned "
                                              "size 21"):
            hub.checkpoints.checkpoint(force=True)
    finally:
        hub.close()
    assert all(state_sizes(w.home) == {"safeguarding-hub/audit": 21} for w in witnesses)

    # An auditor without the witnesses, with the checkpoint they kept; live, and on an export
    # (of the store as it is: evidence), offline.
    code, out = cli(monkeypatch, capsys, store, home, [], "audit", "verify",
                    "--trusted-checkpoint", str(kept))
    assert code == 1
    assert "rolled back: the trusted checkpoint has size 21; the store holds 12 entries" in out
    code, out = cli(monkeypatch, capsys, store, home, witnesses, "audit", "export", "--out",
                    str(tmp_path / "evidence"))
    assert code == 1  # written as it is, with what the witnesses said
    assert f"rolled back: the witness {county} cosigned size 21" in (
        tmp_path / "evidence" / "verification.txt").read_text()
    code, out = cli(monkeypatch, capsys, store, tmp_path / "auditor", [], "audit", "verify",
                    "--export", str(tmp_path / "evidence"), "--public-key",
                    (home / "audit" / "verifier-key").read_text().strip(),
                    "--trusted-checkpoint", str(kept))
    assert code == 1
    assert "rolled back: the trusted checkpoint has size 21; the store holds 12 entries" in out
    code, out = cli(monkeypatch, capsys, store, home, [], "audit", "verify",
                    "--trusted-checkpoint", str(tmp_path / "missing.note"))
    assert code == 2
    code, out = cli(monkeypatch, capsys, store, home, witnesses[:1], "audit", "verify",
                    "--trusted-checkpoint", str(kept))
    assert code == 1
    assert f"rolled back: the witness {county} cosigned size 21" in out


def relink(db: Database, k: int, size: int) -> None:
    """Edit entry ``k``, and make every later entry's ``previous`` name its new predecessor."""
    previous = None
    for index in range(k, size):
        state = json.loads(db.state(AUDIT_LOG_ID, index + 1))
        if index == k:
            state["details"] = {"n": "rewritten"}
        else:
            state["previous"] = previous
        stored = json.dumps(state, separators=(",", ":")).encode()
        db.set_state(AUDIT_LOG_ID, index + 1, stored)
        previous = audit_leaf_hash(index, stored).hex()


def test_a_database_only_rewrite_is_refused_and_reported(
        store: str, home: Path, witnesses: list[RunningWitness],
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    write(store, home, [], 29)
    db = Database(store)
    relink(db, 12, 30)
    db.delete_from(CHECKPOINT_LOG_ID, 1)  # the keys are untouched
    code, out = cli(monkeypatch, capsys, store, home, [], "audit", "verify")
    assert code == 1
    assert "not intact" in out.lower()
    hub = bootstrap(settings(store, home))
    try:
        with pytest.raises(LogMismatch, match="not a consistent extension of the checkpoint "
                                              "this hub last signed"):
            hub.checkpoints.checkpoint(force=True)
        assert hub.checkpoints.all() == []  # nothing signed over it
    finally:
        hub.close()
    code, out = cli(monkeypatch, capsys, store, home, [], "audit", "checkpoint")
    assert code == 1
    assert "hub audit checkpoint: refused: the stored audit entries are not a consistent " \
           "extension" in out


def test_a_rewrite_is_refused_by_the_witnesses_when_hub_home_forgot(
        store: str, home: Path, witnesses: list[RunningWitness],
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    write(store, home, witnesses, 29)
    db = Database(store)
    relink(db, 12, 30)
    db.delete_from(CHECKPOINT_LOG_ID, 1)
    forget_memory(home)
    hub = bootstrap(settings(store, home, witnesses))
    try:
        hub.audit.record(kind=AuditKind.DENIAL, action="x", actor={"user_id": "u"})
        with pytest.raises(LogMismatch, match="inconsistent with the witness"):
            hub.checkpoints.checkpoint(force=True)
        assert hub.checkpoints.all() == []
    finally:
        hub.close()
    assert all(state_sizes(w.home) == {"safeguarding-hub/audit": 30} for w in witnesses)
    code, _ = cli(monkeypatch, capsys, store, home, witnesses, "audit", "verify")
    assert code == 1


@pytest.mark.parametrize("tamper", ["delete", "truncate", "swap"])
def test_live_damage_names_the_first_bad_entry_without_a_traceback(
        store: str, tmp_path: Path, tamper: str) -> None:
    write_trail(store, tmp_path)
    k = 17
    {"delete": delete, "truncate": truncate, "swap": swap}[tamper](Database(store), k)
    env = {**{n: v for n, v in os.environ.items() if not n.startswith("HUB_")},
           "HUB_STORE_URL": store, "HUB_HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "hub", "audit", "verify"], env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert f"first bad entry {k}" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stdout + done.stderr


def test_verify_and_export_only_read_even_a_damaged_store(
        store: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    write_trail(store, tmp_path)
    home_files = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()
                  and "hub.sqlite3" not in p.name}
    snapshot = Snapshot(store)
    before = snapshot.take()
    code, out = cli(monkeypatch, capsys, store, tmp_path, [], "audit", "verify")
    assert code == 0, out
    assert snapshot.take() == before

    truncate(Database(store), 30)
    damaged = snapshot.take()
    code, out = cli(monkeypatch, capsys, store, tmp_path, [], "audit", "verify")
    assert code == 1
    assert "first bad entry 30" in out
    code, out = cli(monkeypatch, capsys, store, tmp_path, [], "audit", "export", "--out",
                    str(tmp_path / "evidence"))
    assert code == 1  # written, and not intact
    assert snapshot.take() == damaged  # nothing appended, nothing signed
    result = (tmp_path / "evidence" / "verification.txt").read_text()
    assert "result: NOT intact: first bad entry 30: 30 entries" in result
    assert len((tmp_path / "evidence" / "entries.jsonl").read_text().splitlines()) == 30
    code, out = cli(monkeypatch, capsys, store, tmp_path, [], "audit", "verify", "--export",
                    str(tmp_path / "evidence"), "--public-key",
                    str(tmp_path / "audit" / "verifier-key"))
    assert code == 1
    assert "first bad entry 30" in out
    assert {p: p.read_bytes() for p in home_files} == home_files  # HUB_HOME untouched too
    if store.startswith("sqlite"):
        with sqlite3.connect(Path(store.split("///", 1)[1])) as db:
            assert db.execute("SELECT count(*) FROM stored_events WHERE originator_id = ?",
                              (AUDIT_LOG_ID.hex,)).fetchone() == (30,)


def test_verify_without_a_key_of_its_own(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    """An auditor's machine: --export needs a key from the command line (or a file), never a
    signing key; without one it says so in one line (exit 2)."""
    url = f"sqlite:///{tmp_path}/hub.sqlite3"
    write_trail(url, tmp_path / "hub-home")
    code, _ = cli(monkeypatch, capsys, url, tmp_path / "hub-home", [], "audit", "export",
                  "--out", str(tmp_path / "bundle"))
    assert code == 0
    auditor = tmp_path / "auditor-home"
    code, out = cli(monkeypatch, capsys, url, auditor, [], "audit", "verify", "--export",
                    str(tmp_path / "bundle"))
    assert code == 2
    assert "give --public-key" in out
    assert len(out.strip().splitlines()) == 1
    assert not auditor.exists()  # nothing made, no key generated
    key = (tmp_path / "hub-home" / "audit" / "verifier-key").read_text().strip()
    code, out = cli(monkeypatch, capsys, url, auditor, [], "audit", "verify", "--export",
                    str(tmp_path / "bundle"), "--public-key", key)
    assert code == 0, out
