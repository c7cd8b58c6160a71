"""A transparency-log witness (https://c2sp.org/tlog-witness), run by another organisation.

``hub witness serve`` answers ``POST /add-checkpoint``. For each log it is told to trust (a
log is its origin and the verifier keys that may sign its checkpoints) it keeps the latest
checkpoint it cosigned, and cosigns a new one only if the log's key signed it and a
consistency proof shows that it extends that one: never a smaller tree, never a fork. Its key
(``HUB_HOME/keys/witness-signing.key``) and its state (``HUB_HOME/witness.sqlite3``) are its
own, in a ``HUB_HOME`` of its own: a witness that shares the hub's store or keys witnesses
nothing. Checking the old size and recording the new checkpoint happen in one SQLite write
transaction, so two requests racing can never roll the witness back.

Requests it refuses although the log's key signed them (a conflict, a proof that does not
verify) are kept as evidence in the table ``refused``.

Its state is what makes it a witness: started afresh, it would cosign any tree, a rolled-back
one included. So the state is made together with the key (``hub witness key``, or the first
``hub witness serve`` where it may make a key), and a witness whose key exists without its
state (deleted, truncated) refuses to start, unless its operator says to start again with an
empty state (``new_state``: ``hub witness serve --new-state``). A state file that is not a
witness's SQLite database is refused too.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

from hub.audit.cosignature import CosignatureSigner
from hub.audit.merkle import EMPTY_ROOT, verify_consistency
from hub.audit.notes import Checkpoint, NoteVerifier, parse_note
from hub.audit.witness_protocol import SIZE_CONTENT_TYPE, AddCheckpoint, size_body
from hub.bootstrap import key_files
from hub.files import private_file

__all__ = [
    "WITNESS_KEY",
    "Answer",
    "Witness",
    "WitnessSetupError",
    "WitnessState",
    "open_witness",
    "trusted_logs",
    "witness_signer",
]

WITNESS_KEY = "witness-signing"
HUB_SIGNING_KEY = "audit-signing"
STATE_FILE = "witness.sqlite3"
TEXT = "text/plain; charset=utf-8"


class WitnessSetupError(ValueError):
    """The witness cannot start as configured (bad usage: exit 2)."""


@dataclass(frozen=True)
class Answer:
    """An HTTP answer: status, content type and body."""

    status: int
    content_type: str
    body: bytes


def _text(status: int, message: str) -> Answer:
    return Answer(status, TEXT, (message + "\n").encode())


def trusted_logs(vkeys: Iterable[str]) -> dict[str, tuple[NoteVerifier, ...]]:
    """Origin -> the verifier keys that may sign its checkpoints. A log's origin is its key's
    name, as the hub signs them; several keys for one origin cover a key rotation."""
    logs: dict[str, list[NoteVerifier]] = {}
    for vkey in vkeys:
        try:
            verifier = NoteVerifier.parse(vkey.strip())
        except ValueError:
            raise WitnessSetupError(f"not a log verifier key: {vkey.strip()[:60]!r}") from None
        logs.setdefault(verifier.name, []).append(verifier)
    if not logs:
        raise WitnessSetupError("no log to witness: give --log VKEY or set HUB_WITNESS_LOGS")
    return {origin: tuple(keys) for origin, keys in logs.items()}


def witness_signer(home: Path, name: str, *, may_generate: bool) -> CosignatureSigner:
    """The witness's key in its own ``HUB_HOME``; refused in a ``HUB_HOME`` that holds a hub's
    audit signing key (a witness must not share the hub's keys). A key made here is made with
    an empty state, the state first: never a new key without its state."""
    keys = key_files(home, may_generate=may_generate)
    if keys.path(HUB_SIGNING_KEY).exists():
        raise WitnessSetupError(f"{home} holds a hub's audit signing key: a witness needs a "
                                "HUB_HOME of its own")
    if may_generate and not keys.path(WITNESS_KEY).exists():
        WitnessState(home / STATE_FILE).close()
    try:
        return CosignatureSigner.from_private_bytes(name, keys.secret(WITNESS_KEY))
    except ValueError as error:
        raise WitnessSetupError(f"HUB_WITNESS_NAME: {error}") from None


class WitnessState:
    """The latest cosigned checkpoint per origin, and refused requests, in SQLite."""

    def __init__(self, path: Path) -> None:
        """Open the state in ``path``, made (empty) if there is none: ``open_witness`` decides
        whether an empty one may be made."""
        private_file(path)
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False,
                                   timeout=30)
        self._lock = threading.Lock()
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("CREATE TABLE IF NOT EXISTS latest (origin TEXT PRIMARY KEY, "
                             "size TEXT NOT NULL, root BLOB NOT NULL, note TEXT NOT NULL, "
                             "cosigned_at INTEGER NOT NULL)")
            self._db.execute("CREATE TABLE IF NOT EXISTS refused (at INTEGER NOT NULL, "
                             "origin TEXT NOT NULL, status INTEGER NOT NULL, "
                             "request TEXT NOT NULL)")
        except sqlite3.DatabaseError as error:
            self._db.close()
            raise _unreadable(path, error) from None

    @staticmethod
    def exists(path: Path) -> bool:
        """Whether ``path`` holds a witness's state (its tables; maybe no row yet), read only.
        False for no file or an empty one (SQLite takes an empty file for an empty database);
        ``WitnessSetupError`` for a file that is not a SQLite database."""
        if not path.exists():
            return False
        try:
            with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
                tables = {str(name) for (name,) in db.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table'")}
        except sqlite3.DatabaseError as error:
            raise _unreadable(path, error) from None
        return {"latest", "refused"} <= tables

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken before anything is read (BEGIN IMMEDIATE): checking
        and updating are one step, against threads and other processes alike."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    @staticmethod
    def latest(db: sqlite3.Connection, origin: str) -> tuple[int, bytes]:
        row = db.execute("SELECT size, root FROM latest WHERE origin = ?", (origin,)).fetchone()
        return (int(row[0]), bytes(row[1])) if row else (0, EMPTY_ROOT)

    def size_of(self, origin: str) -> int:
        with self.transaction() as db:
            return self.latest(db, origin)[0]

    def refusals(self) -> list[tuple[str, int]]:
        with self._lock:
            return [(str(o), int(s)) for o, s in self._db.execute(
                "SELECT origin, status FROM refused ORDER BY rowid")]

    def close(self) -> None:
        self._db.close()


class Witness:
    """Answers add-checkpoint requests for the logs it trusts."""

    def __init__(self, signer: CosignatureSigner, logs: dict[str, tuple[NoteVerifier, ...]],
                 state: WitnessState, clock: Callable[[], float] = time.time) -> None:
        self.signer = signer
        self.logs = logs
        self.state = state
        self._clock = clock

    def add_checkpoint(self, body: bytes) -> Answer:
        """The whole of c2sp.org/tlog-witness add-checkpoint, in the spec's order."""
        try:
            request = AddCheckpoint.parse(body)
            text, signatures = parse_note(request.note)
            checkpoint = Checkpoint.parse(text)
        except ValueError as error:
            return _text(400, f"malformed request: {error}")
        keys = self.logs.get(checkpoint.origin)
        if keys is None:
            return _text(404, "unknown log origin")
        if not any(key.check(text, sig) for sig in signatures for key in keys):
            return _text(403, "no signature by a key this witness trusts for the origin")
        if request.old_size > checkpoint.size:
            return _text(400, "the old size is larger than the checkpoint's")
        with self.state.transaction() as db:
            size, root = WitnessState.latest(db, checkpoint.origin)
            refusal = self._refusal(request, checkpoint, size, root)
            if refusal is not None:
                db.execute("INSERT INTO refused VALUES (?, ?, ?, ?)", (
                    int(self._clock()), checkpoint.origin, refusal.status,
                    body.decode("utf-8")))
                return refusal
            timestamp = int(self._clock())
            line = self.signer.cosign(text, timestamp).line()
            db.execute("INSERT INTO latest VALUES (?, ?, ?, ?, ?) ON CONFLICT (origin) DO "
                       "UPDATE SET size = excluded.size, root = excluded.root, "
                       "note = excluded.note, cosigned_at = excluded.cosigned_at",
                       (checkpoint.origin, str(checkpoint.size), checkpoint.root,
                        request.note, timestamp))
        return Answer(200, TEXT, line.encode("utf-8"))

    @staticmethod
    def _refusal(request: AddCheckpoint, checkpoint: Checkpoint, size: int,
                 root: bytes) -> Answer | None:
        if request.old_size != size:
            return Answer(409, SIZE_CONTENT_TYPE, size_body(size))
        if request.old_size == 0:
            if request.proof:
                return _text(400, "a proof from size 0 must be empty")
            if checkpoint.size == 0 and checkpoint.root != EMPTY_ROOT:
                return _text(422, "the empty tree has another root")
            return None
        if request.old_size == checkpoint.size:
            if checkpoint.root != root:
                return Answer(409, SIZE_CONTENT_TYPE, size_body(size))
            return _text(422, "a proof between equal sizes is empty") if request.proof else None
        if not verify_consistency(size, checkpoint.size, root, checkpoint.root,
                                  list(request.proof)):
            return _text(422, "the consistency proof does not verify")
        return None


def _unreadable(path: Path, error: sqlite3.Error) -> WitnessSetupError:
    return WitnessSetupError(
        f"{path} is not a witness's state ({error}): move it aside, as evidence, then retire "
        "the witness or, having told the hub's operator, start it once with --new-state "
        "(deploy/README.md, \"Witnesses\")")


def open_witness(home: Path, name: str, log_keys: Iterable[str], *, may_generate: bool,
                 new_state: bool = False) -> Witness:
    """The witness of ``home``: its key, the logs it trusts and its state.

    A key made now comes with an empty state. A key that exists needs its state: if the state
    is missing or empty, ``WitnessSetupError``, unless ``new_state`` (its operator's word that
    the witness may start again from nothing: it will then cosign whatever tree a log sends
    first). ``new_state`` with a state present is refused too, so that it is not left on."""
    logs = trusted_logs(log_keys)
    path = home / STATE_FILE
    made_now = may_generate and not key_files(home, may_generate=False).path(WITNESS_KEY).exists()
    signer = witness_signer(home, name, may_generate=may_generate)
    if not made_now:
        present = WitnessState.exists(path)
        if present and new_state:
            raise WitnessSetupError(f"--new-state: {path} holds this witness's state; start "
                                    "it without --new-state")
        if not present and not new_state:
            raise WitnessSetupError(
                f"{path} is missing or empty but the witness's key exists: it has lost what "
                "it cosigned, and started afresh it would cosign a log rolled back. Retire it "
                "(a new HUB_HOME and key), or, having told the hub's operator, start it once "
                "with --new-state (deploy/README.md, \"Witnesses\")")
    return Witness(signer, logs, WitnessState(path))


def state_sizes(home: Path) -> dict[str, int]:
    """What the witness in ``home`` has cosigned, per origin (read only; for operators)."""
    path = home / STATE_FILE
    if not path.exists():
        return {}
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        return {str(o): int(s) for o, s in db.execute("SELECT origin, size FROM latest")}
