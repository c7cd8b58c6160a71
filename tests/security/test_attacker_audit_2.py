"""Issue 17, second attacker's review: the fixes made after tests/security/test_attacker_audit.py
(verify asking each witness about the root at its size, the `_reached` look-again, the
`Witnesses.observe` alarm, the client's whole-request deadline, the memory keyed by the store's
identity, entry-bundle probes audited), attacked as the hub's operator (the database and
HUB_HOME, so the signing key), as someone answering for a witness (on the network, or at a URL
the operator put in HUB_AUDIT_WITNESSES beside the witness's real key), and as an ordinary
API user. Each test asserts the SAFE behaviour: a failing test is a live weakness (the
application is not fixed here).

Failing when written (14 live weaknesses):

* test_a_replayed_cosignature_does_not_hide_a_rollback_from_verify[replay]: whoever answers
  for the witness, holding no key, replays the witness's own cosignature line from the
  rolled-back checkpoint verify shows it; verify says "intact" (exit 0).
* test_a_replayed_cosignature_does_not_hide_a_rollback_from_verify[size 0]: the same, answering
  "409, size 0" though the store's checkpoints carry that witness's cosignatures: a note only.
* test_a_witness_claiming_ever_larger_trees_does_not_silence_the_checkpointer: a witness (or
  a man in the middle) answering 409 with the size the busy store has just reached makes
  `_reached` look again WRITE_ATTEMPTS times; then checkpoint() returns quietly: nothing
  signed and no alarm, poll after poll.
* test_a_checkpoint_dated_in_the_future_does_not_stall_the_checkpointer: a DB writer (no key)
  dates the latest checkpoint event a year ahead; nothing is due by time, so up to
  every_entries entries stay unsigned (and freely editable), with no alarm.
* test_an_older_cosigned_checkpoint_put_back_does_not_clear_the_witness_alarm: a DB writer
  appends a copy of an older, cosigned checkpoint event; `observe` clears the real alarm
  (witness down) in every worker, and the checkpoint log going backwards raises none.
* test_the_memory_holds_for_a_hard_link_to_the_sqlite_store (verify and checkpointer),
  test_the_memory_holds_for_the_sqlite_store_named_as_a_file_uri (checkpointer:
  `sqlite:///file:/path`, which SQLite opens as a URI),
  test_the_memory_holds_however_a_postgresql_store_is_spelt[/%74est, //test, conninfo
  injection through the database name] and, on PostgreSQL,
  test_a_rollback_is_caught_under_another_spelling_of_the_postgresql_store: the same store
  under another name has no memory, so a rollback is signed over or called intact.
* test_a_witness_request_keeps_its_deadline_on_a_kept_alive_connection: the retry on a fresh
  connection gives a second deadline (2 s deadline: 3.6 s).
* test_a_witness_cannot_write_control_characters_into_verify_output_or_alarms: a witness's
  refusal is quoted with CR and ESC intact, in verify's output and the alarms.
* test_a_witness_url_with_a_bad_port_is_bad_usage: `...@http://host:99999` is accepted when
  read; verify then raises ValueError (a traceback, not exit 2).

All of them pass since the fixes that followed (verify asks each witness at its size only
after the second has turned, and refuses a cosignature no newer than those on the note; a
witness naming a larger tree every time it is asked stops the checkpointer with its alarm; a
checkpoint dated ahead holds nothing back; the store's checkpoints behind the memory stop it;
the memory is kept under the store's identity and its file's; file: URIs refused; conninfo
quoted by libpq's rules; one deadline per request; a witness's words made printable; a bad
port refused when read). Two tests were adjusted to accept a safe refusal: the checkpointer
raising LogMismatch (with the alarm) on a witness naming ever larger trees, and the file: URI
refused as HUB_STORE_URL; the conninfo case now asserts the database name stays one.

Passing when written (the fix holds): a stolen-key rewrite signed at other sizes than the
witness's (above,
below, one below, several), a DB writer refilling a rolled-back store up to the witness's size
before `_reached` looks again (refused: inconsistent), a planted legacy memory file, the
deadline timers (no thread left), the entry-bundle probes (refused alike, path not recorded).
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sqlite3
import struct
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from adapters.keys import KeyFiles
from adapters.store import StoreUrlError, postgres_location
from adapters.witness_client import WitnessClient, WitnessUnreachable
from domain.access import Purpose
from hub.api.app import create_app
from hub.audit.checkpoints import CHECKPOINT_LOG_ID, LogMismatch
from hub.audit.cosignature import CosignatureSigner
from hub.audit.memory import SignerMemory, store_identity
from hub.audit.merkle import MerkleTree
from hub.audit.notes import Checkpoint, NoteSigner, parse_note
from hub.audit.trail import AUDIT_LOG_ID, audit_leaf_hash
from hub.audit.witness_protocol import SIZE_CONTENT_TYPE, AddCheckpoint, size_body
from hub.audit.witnesses import parse_witnesses
from hub.bootstrap import Hub, bootstrap
from hub.disclosure import ReadContext
from hub.settings import Settings
from hub.witness import state_sizes
from tests.application.test_audit_tamper import Database
from tests.security.test_attacker_audit import (
    COUNTY,
    IG,
    ORIGIN,
    Log,
    cli,
    record,
    relink,
    settings,
    size_of,
    write,
)
from tests.support import notification, postgres_schema, seed, submit
from tests.witness_support import RunningWitness, forget_memory, hub_verifier_key, witness_thread

# --- helpers (the fixtures as in test_attacker_audit.py) --------------------------------------


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/hub.sqlite3"


@pytest.fixture
def witnesses(tmp_path: Path, home: Path) -> Iterator[list[RunningWitness]]:
    """Two witnesses, each in a HUB_HOME of its own, trusting the hub's audit key."""
    log = hub_verifier_key(home)
    with witness_thread(tmp_path / "w1", COUNTY, [log]) as one, \
            witness_thread(tmp_path / "w2", IG, [log]) as two:
        yield [one, two]


@pytest.fixture
def api(url: str, home: Path) -> Iterator[tuple[TestClient, Hub, dict[str, str], str]]:
    hub = bootstrap(settings(url, home))
    tokens = seed(hub)
    child_id = submit(hub, "notts-police", notification()).child_ids[0]
    mash = hub.registry.authenticate(tokens["city-mash"])
    for _ in range(5):
        hub.disclosure.chronology(ReadContext(mash, Purpose.TRIAGE, "MASH-2026/000123"),
                                  child_id)
    hub.checkpoints.checkpoint(force=True)
    with TestClient(create_app(hub, checkpointer=False)) as client:
        yield client, hub, tokens, str(child_id)
    hub.close()


def _sqlite_path(url: str) -> Path:
    return Path(url.split("///", 1)[1])


def _roll_back(url: str, home: Path, witnesses: Sequence[RunningWitness]) -> Path:
    """Sign 10 entries, keep a copy of the database, sign 10 more, put the copy back (HUB_HOME
    untouched); return the database's path."""
    write(url, home, witnesses, 10)
    database = _sqlite_path(url)
    backup = database.with_name("backup.sqlite3")
    backup.write_bytes(database.read_bytes())
    write(url, home, witnesses, 10)
    database.write_bytes(backup.read_bytes())
    return database


Answer = tuple[int, str, bytes]


class _Fake(ThreadingHTTPServer):
    """An HTTP server answering POST /add-checkpoint as ``answer(body)`` says: someone who
    answers for a witness (a man in the middle, or the URL the operator wrote beside the
    witness's key), holding no key."""

    daemon_threads = True
    answer: Callable[[bytes], Answer]


class _FakeHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Fake

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        status, content_type, answer = self.server.answer(body)
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def fake_witness(answer: Callable[[bytes], Answer]) -> Iterator[str]:
    server = _Fake(("127.0.0.1", 0), _FakeHandler)
    server.answer = answer
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def _shown_note(body: bytes) -> str:
    return AddCheckpoint.parse(body).note


def _replay(name: str) -> Callable[[bytes], Answer]:
    """Answer 200 with the witness's cosignature lines already on the note shown."""

    def answer(body: bytes) -> Answer:
        note = _shown_note(body)
        lines = [line + "\n" for line in note.split("\n\n", 1)[1].splitlines()
                 if line.startswith(f"\u2014 {name} ")]
        return 200, "text/plain", "".join(lines).encode()

    return answer


def _size_zero(body: bytes) -> Answer:
    del body
    return 409, SIZE_CONTENT_TYPE, size_body(0)


class _Transport:
    """A transport the test drives (installed in place of the witness client)."""

    def __init__(self, answer: Callable[[bytes], Answer]) -> None:
        self.answer = answer

    def add_checkpoint(self, body: bytes) -> Answer:
        return self.answer(body)

    def close(self) -> None:
        pass


def _hub_with_a_witness(url: str, home: Path, vkey: str,
                        answer: Callable[[bytes], Answer]) -> tuple[Hub, _Transport]:
    hub = bootstrap(Settings(store_url=url, home=home, audit_witnesses=parse_witnesses(
        f"{vkey}@http://witness.example")))
    transport = _Transport(answer)
    [config] = hub.checkpoints.witnesses.configs
    hub.checkpoints.witnesses._transports[config.verifier] = transport
    return hub, transport


def _cosigner(signer: CosignatureSigner) -> Callable[[bytes], Answer]:
    def answer(body: bytes) -> Answer:
        text, _ = parse_note(_shown_note(body))
        return 200, "text/plain", signer.cosign(text, int(time.time())).line().encode()

    return answer


def _checkpoint_rows(db: Database) -> dict[int, dict[str, Any]]:
    return {int(v): json.loads(s) for v, s in db._run(
        "SELECT originator_version, state FROM {t} WHERE originator_id = %s",
        (CHECKPOINT_LOG_ID,))}


def _append_checkpoint_event(url: str, state: dict[str, Any]) -> None:
    """A DB writer (no key) appends a checkpoint event with the given state."""
    db = Database(url)
    version = max(_checkpoint_rows(db), default=0) + 1
    db._run("INSERT INTO {t} (originator_id, originator_version, topic, state) VALUES "
            "(%s, %s, %s, %s)", (CHECKPOINT_LOG_ID, version,
                                 "hub.audit.checkpoints:CheckpointSigned",
                                 json.dumps(state).encode()))


# --- 1. verify, against someone answering for the witness -------------------------------------


@pytest.mark.parametrize("answer", ["replay", "size 0"])
def test_a_replayed_cosignature_does_not_hide_a_rollback_from_verify(
        url: str, home: Path, tmp_path: Path, witnesses: list[RunningWitness], answer: str,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """The database is put back to an older copy whose checkpoints carry both witnesses'
    cosignatures. An auditor verifies it from a host of their own (no HUB_HOME memory: only
    the witnesses can tell). Whoever answers at the witnesses' URLs holds no key: it replays
    the cosignature line from the very note verify shows it (a cosignature of a tree the
    witness held once, not now), or says "size 0" of a witness whose cosignatures the store
    carries. Neither is the witness's word on what it holds now: not intact."""
    _roll_back(url, home, witnesses)
    key = hub_verifier_key(home)
    auditor = tmp_path / "auditor"
    code, out = cli(monkeypatch, capsys, url, auditor, witnesses, "audit", "verify",
                    "--public-key", key)
    assert code == 1, out  # the real witnesses tell
    assert "rolled back" in out, out  # the real witnesses tell

    names = {w.vkey: n for w, n in zip(witnesses, (COUNTY, IG), strict=True)}
    with fake_witness(_replay(names[witnesses[0].vkey]) if answer == "replay"
                      else _size_zero) as first, \
            fake_witness(_replay(names[witnesses[1].vkey]) if answer == "replay"
                         else _size_zero) as second:
        impostors = [RunningWitness(first, witnesses[0].home, witnesses[0].vkey),
                     RunningWitness(second, witnesses[1].home, witnesses[1].vkey)]
        code, out = cli(monkeypatch, capsys, url, auditor, impostors, "audit", "verify",
                        "--public-key", key)
    assert code == 1, out


# --- 2. The stolen key, signing at other sizes: still caught ----------------------------------


@pytest.mark.parametrize("sizes", [("more",), ("less", "more"), ("witness-1", "more")])
def test_a_stolen_key_rewrite_signed_at_other_sizes_is_caught(
        url: str, home: Path, witnesses: list[RunningWitness], sizes: tuple[str, ...],
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """The witnesses cosigned size N. The operator rewrites entry 12, re-links the chain,
    deletes every checkpoint and HUB_HOME's memory, appends entries, and with the key from
    HUB_HOME signs checkpoints at sizes other than N (below it, above it, one below): verify
    must still find the witness's root at N contradicted."""
    write(url, home, witnesses, 29)
    n = size_of(url)
    hub = bootstrap(settings(url, home))
    try:
        record(hub, 10)
    finally:
        hub.close()
    db = Database(url)
    total = size_of(url)
    relink(db, 12, total)
    db.delete_from(CHECKPOINT_LOG_ID, 1)
    forget_memory(home)
    leaves = [audit_leaf_hash(i, s) for i, s in (
        (i, db.state(AUDIT_LOG_ID, i + 1)) for i in range(total))]
    forger = NoteSigner.from_private_bytes(  # the key in HUB_HOME
        ORIGIN, KeyFiles(home, may_generate=False).secret("audit-signing"))
    at = {"more": total, "less": n - 5, "witness-1": n - 1}
    for which in sizes:
        root = MerkleTree(leaves[:at[which]]).root()
        _append_checkpoint_event(url, {
            "timestamp": {"_type_": "datetime_iso", "_data_": datetime.now(UTC).isoformat()},
            "size": at[which], "root": root.hex(),
            "note": forger.sign(Checkpoint(ORIGIN, at[which], root).body())})
    code, out = cli(monkeypatch, capsys, url, home, witnesses, "audit", "verify")
    assert code == 1, out
    assert "inconsistent with the witness" in out, out
    assert all(state_sizes(w.home) == {ORIGIN: n} for w in witnesses)  # nothing cosigned


# --- 3. The checkpointer's look-again, abused -------------------------------------------------


def test_a_db_writer_refilling_the_store_to_the_witness_size_is_not_signed_over(
        url: str, home: Path, tmp_path: Path, witnesses: list[RunningWitness]) -> None:
    """A rollback with HUB_HOME's memory deleted: the witness says size N. The DB writer fills
    the store with other entries up to N before the hub looks again (`_reached`): the hub
    must still refuse (the witness's root at N is not these entries')."""
    _roll_back(url, home, witnesses)
    forget_memory(home)
    n = state_sizes(witnesses[0].home)[ORIGIN]
    hub = bootstrap(settings(url, home, witnesses))
    try:
        submit = hub.checkpoints.witnesses.submit

        def refill(config: Any, old: int, proof: list[bytes], note: str) -> Any:
            reply = submit(config, old, proof, note)
            while reply.outcome == "conflict" and hub.audit.size() <= n:
                record(hub, 1)  # before the hub looks again
            return reply

        hub.checkpoints.witnesses.submit = refill  # type: ignore[method-assign]
        record(hub, 1)
        before = len(hub.checkpoints.all())
        with pytest.raises(LogMismatch, match="inconsistent with the witness"):
            hub.checkpoints.checkpoint(force=True)
        assert hub.audit.size() > n  # refilled, and looked at again
        assert len(hub.checkpoints.all()) == before
        assert hub.checkpoints.health()["alarm"] is True
    finally:
        hub.close()


def test_a_witness_claiming_ever_larger_trees_does_not_silence_the_checkpointer(
        url: str, home: Path) -> None:
    """A busy hub: entries arrive all the time (every API read is audited, so an ordinary
    token holder can keep it so). A witness, or a man in the middle, answers every submission
    409 with the size the store has just reached. Each time `_reached` says another process
    must have signed it and looks again; after WRITE_ATTEMPTS the checkpointer returns
    quietly. Nothing is signed, and there is no alarm: it must be one or the other."""
    vkey = CosignatureSigner.generate(COUNTY).verifier_key()
    holder: list[Hub] = []

    def larger(body: bytes) -> Answer:
        del body
        record(holder[0], 2)  # the traffic meanwhile
        return 409, SIZE_CONTENT_TYPE, size_body(holder[0].audit.size())

    hub, _ = _hub_with_a_witness(url, home, vkey, larger)
    holder.append(hub)
    try:
        record(hub, 3)
        signed = None
        for _ in range(3):  # three polls of `hub serve`'s checkpointer
            with contextlib.suppress(LogMismatch):  # refusing, with the alarm, is safe
                signed = hub.checkpoints.checkpoint(force=True)
        health = hub.checkpoints.health()
        assert signed is not None or health["alarm"] is True, health
    finally:
        hub.close()


# --- 4. The DB writer against `due` and `observe` ---------------------------------------------


def test_a_checkpoint_dated_in_the_future_does_not_stall_the_checkpointer(
        url: str, home: Path) -> None:
    """A DB writer with no key dates the latest checkpoint event a year ahead: no checkpoint
    is 'due' by time until every_entries (1000) entries arrive, and those entries, signed by
    no checkpoint and seen by no witness, can be rewritten without trace. The checkpointer must
    sign anyway or raise the alarm."""
    write(url, home, [], 5)
    db = Database(url)
    rows = _checkpoint_rows(db)
    last = max(rows)
    state = rows[last]
    state["timestamp"]["_data_"] = (datetime.now(UTC) + timedelta(days=365)).isoformat()
    db.set_state(CHECKPOINT_LOG_ID, last, json.dumps(state).encode())
    hub = bootstrap(settings(url, home))
    try:
        hub.checkpoints._every = timedelta(0)  # any checkpoint is due at once, by time
        record(hub, 5)
        before = hub.checkpoints.latest()
        assert before is not None
        signed = hub.checkpoints.checkpoint()  # the checkpointer's poll
        health = hub.checkpoints.health()
        assert (signed is not None and signed.size > before.size) or health["alarm"], health
    finally:
        hub.close()


def test_an_older_cosigned_checkpoint_put_back_does_not_clear_the_witness_alarm(
        url: str, home: Path) -> None:
    """The witness cosigned checkpoint 1, then went down: checkpoint 2 lacks its cosignature
    and every worker shows the alarm. A DB writer (no key) appends a copy of checkpoint 1's
    event, dated now. The checkpointer takes it for the latest, nothing is due, and
    `observe` finds the witness's cosignature on it: the alarm is gone, in every worker, while
    the witness is still down. The store's checkpoint log going back below what HUB_HOME
    keeps is itself tampering: the alarm must stay (or be raised)."""
    witness = CosignatureSigner.generate(COUNTY)
    down: Callable[[bytes], Answer] = lambda body: (503, "text/plain", b"down")  # noqa: E731
    hub, transport = _hub_with_a_witness(url, home, witness.verifier_key(), _cosigner(witness))
    try:
        record(hub, 3)
        assert hub.checkpoints.checkpoint(force=True) is not None
        assert hub.checkpoints.health()["alarm"] is False
        transport.answer = down
        record(hub, 3)
        assert hub.checkpoints.checkpoint(force=True) is not None
        assert hub.checkpoints.health()["alarm"] is True
        first = _checkpoint_rows(Database(url))[1]
        first["timestamp"]["_data_"] = datetime.now(UTC).isoformat()
        _append_checkpoint_event(url, first)
        with contextlib.suppress(LogMismatch):  # refusing is safe too
            hub.checkpoints.checkpoint()  # the next poll
        assert hub.checkpoints.health()["alarm"] is True, hub.checkpoints.health()
    finally:
        hub.close()
    other, _ = _hub_with_a_witness(url, home, witness.verifier_key(), down)
    try:  # another worker, polling
        with contextlib.suppress(LogMismatch):
            other.checkpoints.checkpoint()
        assert other.checkpoints.health()["alarm"] is True, other.checkpoints.health()
    finally:
        other.close()


# --- 5. The memory, under another name of the same store --------------------------------------


def test_the_memory_holds_for_a_hard_link_to_the_sqlite_store(
        url: str, home: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Only the database is put back (HUB_HOME untouched, no witness). `realpath` follows
    symbolic links but a hard link is the same file under another real path: no memory."""
    database = _roll_back(url, home, [])
    alias = database.with_name("alias.sqlite3")
    os.link(database, alias)
    code, out = cli(monkeypatch, capsys, f"sqlite:///{alias}", home, [], "audit", "verify")
    assert code == 1, out
    assert "rolled back" in out, out
    hub = bootstrap(settings(f"sqlite:///{alias}", home))
    try:
        record(hub, 1)
        with pytest.raises(LogMismatch, match="rolled back"):
            hub.checkpoints.checkpoint(force=True)
    finally:
        hub.close()


def test_the_memory_holds_for_the_sqlite_store_named_as_a_file_uri(
        url: str, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The store opens SQLite with uri=True, so `sqlite:///file:/path/hub.sqlite3` is the same
    database; the memory takes `file:/path/...` for a relative path (another identity). The
    hub then signs the rolled-back store."""
    database = _roll_back(url, home, [])
    monkeypatch.chdir(tmp_path)
    try:
        hub = bootstrap(settings(f"sqlite:///file:{database}", home))
    except StoreUrlError:
        return  # refused: one file is not given two names
    try:
        assert hub.audit.size() == size_of(url)  # the same database
        record(hub, 1)
        with pytest.raises(LogMismatch, match="rolled back"):
            hub.checkpoints.checkpoint(force=True)
    finally:
        hub.close()


PG = "postgresql://postgres@127.0.0.1:5432/test?schema=s1"


@pytest.mark.parametrize("alias", [
    "postgres://postgres@127.0.0.1/test?schema=s1&lock_timeout=9",  # the fix's own cases
    "postgresql://postgres@127.0.0.1:5432/%74est?schema=s1",  # the path is unquoted
    "postgresql://postgres@127.0.0.1:5432//test?schema=s1",  # the path's slashes stripped
    "postgresql://postgres@decoy.invalid:5432/test%20host%3D127.0.0.1?schema=s1",  # conninfo
])
def test_the_memory_holds_however_a_postgresql_store_is_spelt(alias: str) -> None:
    """Where `hub audit verify` connects (libpq conninfo, schema) is the same, so the memory
    must be the same. A database name carrying `host=...` must stay a database name."""
    if "decoy" in alias:
        conninfo, _ = _connects_to(alias)
        assert conninfo["host"] == "decoy.invalid", conninfo
        assert conninfo["dbname"] == "test host=127.0.0.1", conninfo
        return
    assert _connects_to(alias) == _connects_to(PG)
    assert store_identity(alias) == store_identity(PG)


def _connects_to(url: str) -> tuple[dict[str, str], str]:
    from psycopg.conninfo import conninfo_to_dict

    location = postgres_location(url)
    assert location is not None
    conninfo, schema = location
    return {k: str(v) for k, v in conninfo_to_dict(conninfo).items()}, schema


@pytest.mark.postgres
def test_a_rollback_is_caught_under_another_spelling_of_the_postgresql_store(
        home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """Entries and the last checkpoint deleted by SQL (HUB_HOME untouched); the hub and verify
    given the same database as `/%74est` or `//test`."""
    with postgres_schema() as pg:
        write(pg, home, [], 10)
        keep = size_of(pg)
        write(pg, home, [], 10)
        db = Database(pg)
        db.delete_from(AUDIT_LOG_ID, keep + 1)
        db.delete_from(CHECKPOINT_LOG_ID, 2)
        code, out = cli(monkeypatch, capsys, pg, home, [], "audit", "verify")
        assert code == 1, out
        assert "rolled back" in out, out
        for alias in (pg.replace("/test?", "/%74est?"), pg.replace("/test?", "//test?")):
            code, out = cli(monkeypatch, capsys, alias, home, [], "audit", "verify")
            assert code == 1, (alias, out)
            assert "rolled back" in out, (alias, out)
        hub = bootstrap(settings(pg.replace("/test?", "//test?"), home))
        try:
            record(hub, 1)
            with pytest.raises(LogMismatch, match="rolled back"):
                hub.checkpoints.checkpoint(force=True)
        finally:
            hub.close()


def test_a_legacy_memory_file_does_not_shadow_the_memory(
        url: str, home: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """A file under the first release's key, holding an older checkpoint, planted beside the
    current memory, must not be read instead of it."""
    database = _sqlite_path(url)
    spelt = f"sqlite:///{database.parent}/./{database.name}"  # legacy key != the new key
    write(spelt, home, [], 10)
    memory = SignerMemory(home, spelt)
    legacy_store, legacy_path = memory._legacy
    assert legacy_path != memory.path
    first = json.loads(memory.path.read_text())["note"]
    backup = database.with_name("b.sqlite3")
    backup.write_bytes(database.read_bytes())
    write(spelt, home, [], 10)
    legacy_path.write_text(json.dumps({"store": legacy_store, "note": first}))
    database.write_bytes(backup.read_bytes())
    code, out = cli(monkeypatch, capsys, spelt, home, [], "audit", "verify")
    assert code == 1, out
    assert "rolled back" in out, out


# --- 6. The client's deadline --------------------------------------------------------------


class _KeptAliveThenTrickle(threading.Thread):
    """Answers the first request at once, keeping the connection; then, on it and on every
    later connection, trickles an answer just short of the client's deadline and resets."""

    def __init__(self, trickle: float) -> None:
        super().__init__(daemon=True)
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.trickle = trickle
        self.done = threading.Event()

    def _slow(self, connection: socket.socket) -> None:
        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                           b"Content-Length: 100\r\n\r\n")
        end = time.monotonic() + self.trickle
        while time.monotonic() < end and not self.done.wait(0.1):
            connection.sendall(b"x")
        # then a reset (as a middlebox would send): the client's read fails
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    def run(self) -> None:
        first = True
        while not self.done.is_set():
            try:
                connection, _ = self.server.accept()
            except OSError:
                return
            with connection:
                try:
                    connection.recv(65536)
                    if first:
                        first = False
                        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                                           b"Content-Length: 2\r\n\r\nok")
                        connection.recv(65536)
                    self._slow(connection)
                except OSError:
                    pass

    def stop(self) -> None:
        self.done.set()
        self.server.close()


def test_a_witness_request_keeps_its_deadline_on_a_kept_alive_connection() -> None:
    """The deadline bounds a request as a whole (2 s here). A failure on a kept-alive
    connection is tried again on a fresh one, with a fresh deadline: a witness (or man in the
    middle) trickling until just before the deadline, then hanging up, holds the
    checkpointer twice as long, for each submission."""
    server = _KeptAliveThenTrickle(trickle=1.8)
    server.start()
    client = WitnessClient(f"http://127.0.0.1:{server.port}", timeout=1.0)
    try:
        assert client.add_checkpoint(b"x")[0] == 200
        started = time.monotonic()
        with pytest.raises(WitnessUnreachable):
            client.add_checkpoint(b"x")
        took = time.monotonic() - started
        assert took < 2.5, f"a request with a 2 s deadline took {took:.1f} s"
    finally:
        client.close()
        server.stop()


def test_the_deadline_timers_leave_no_threads(tmp_path: Path) -> None:
    log = Log()
    with witness_thread(tmp_path / "w", COUNTY, [log.signer.verifier_key()]) as running:
        client = WitnessClient(running.url, timeout=5.0)
        try:
            client.add_checkpoint(log.request(0, 5))
            time.sleep(0.2)
            before = threading.active_count()
            for _ in range(40):
                client.add_checkpoint(log.request(5, 5))
            time.sleep(0.5)
            assert threading.active_count() <= before + 1
        finally:
            client.close()


# --- 7. What verify and /readyz say -----------------------------------------------------------


def test_a_witness_cannot_write_control_characters_into_verify_output_or_alarms(
        url: str, home: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """A witness's refusal is quoted (120 bytes, newlines made spaces) in verify's output, the
    export's verification.txt, the log and /readyz. A carriage return or a terminal escape
    lets whoever answers for it overwrite what the auditor reads ('... intact')."""
    write(url, home, [], 5)
    vkey = CosignatureSigner.generate(COUNTY).verifier_key()
    hostile = b"\x1b[2K\r\x1b[1Aaudit trail: intact: 5 entries\r"
    with fake_witness(lambda body: (500, "text/plain", hostile)) as address:
        code, out = cli(monkeypatch, capsys, url, home,
                        [RunningWitness(address, home, vkey)], "audit", "verify")
        assert code == 1, out
        assert "\x1b" not in out, repr(out)
        assert "\r" not in out, repr(out)
        hub = bootstrap(Settings(store_url=url, home=home, audit_witnesses=parse_witnesses(
            f"{vkey}@{address}")))
        try:
            record(hub, 1)
            hub.checkpoints.checkpoint(force=True)
            alarms = " ".join(hub.checkpoints.health()["alarms"])
        finally:
            hub.close()
    assert "\x1b" not in alarms, repr(alarms)
    assert "\r" not in alarms, repr(alarms)


def test_a_witness_url_with_a_bad_port_is_bad_usage(
        url: str, home: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """HUB_AUDIT_WITNESSES is checked when read; a port out of range passes, and fails later
    inside the checkpointer (retried for ever, no alarm) and verify (a traceback)."""
    write(url, home, [], 5)
    vkey = CosignatureSigner.generate(COUNTY).verifier_key()
    monkeypatch.setenv("HUB_STORE_URL", url)
    monkeypatch.setenv("HUB_HOME", str(home))
    monkeypatch.setenv("HUB_AUDIT_WITNESSES", f"{vkey}@http://127.0.0.1:99999")
    from hub.cli import main

    try:
        code = main(["audit", "verify"])
    except Exception as error:
        pytest.fail(f"hub audit verify raised {type(error).__name__}: {error}")
    _, err = capsys.readouterr()
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1, err


def test_entry_bundle_probes_are_audited_without_the_path_and_answered_alike(
        api: tuple[TestClient, Hub, dict[str, str], str]) -> None:
    """A reader with an ordinary token probes entry bundles with paths carrying a child's id:
    refused alike whether the path names a bundle or not; the audit entry and the answer
    repeat nothing of the path."""
    client, hub, tokens, child_id = api
    mash = {"Authorization": f"Bearer {tokens['city-mash']}"}
    auditor = {"Authorization": f"Bearer {tokens['info-governance']}"}
    statuses = set()
    for path in (f"000.p/{child_id}", f"x{child_id}/000", "000.p/1", "000"):
        before = hub.audit.size()
        answer = client.get(f"/v1/audit/tile/entries/{path}", headers=mash)
        statuses.add(answer.status_code)
        assert child_id not in answer.text
        [entry] = hub.audit.entries(before)
        assert child_id not in json.dumps(entry.details, default=str), entry.details
        answer = client.get(f"/v1/audit/tile/entries/{path}", headers=auditor)
        assert child_id not in answer.text
    assert statuses == {403}, statuses


# --- 8. sanity: the helpers see what the hub sees ---------------------------------------------


def test_the_sqlite_helpers_read_the_store(url: str, home: Path) -> None:
    write(url, home, [], 3)
    with sqlite3.connect(_sqlite_path(url)) as conn:
        assert conn.execute("SELECT count(*) FROM stored_events").fetchone()[0] > 0
    assert Checkpoint.parse(parse_note(_checkpoint_rows(Database(url))[1]["note"])[0]).size \
        == size_of(url)
