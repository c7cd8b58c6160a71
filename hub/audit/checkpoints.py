"""Signed checkpoints of the audit trail, made by following the log.

A checkpoint is a C2SP signed note (origin, tree size, root) over the RFC 9162 tree whose leaf
``i`` is SHA-256(0x00 || uint64_be(i) || the entry's stored bytes). The checkpointer keeps the
tree in memory, catches up with new entries, and signs a checkpoint at least every
``every_seconds`` or ``every_entries`` while entries arrive. Each checkpoint is one event in a
log of its own: its size is the position the checkpointer reached, written in the same
transaction as the checkpoint, and the store refuses two checkpoints at one position, so
several hub processes extend one linear history.

It never signs a tree that is not a consistent extension of what it signed before: the
store's latest checkpoint, the last checkpoint it signed for this store as kept in
``HUB_HOME`` (:mod:`hub.audit.memory`, outside the database it protects), and what the
witnesses cosigned (:mod:`hub.audit.witnesses`). A store rolled back or altered under the hub
is refused (:class:`LogMismatch`), never signed over; the checkpointer then stops and says
why (``stopped``), for the log, the metrics and ``/readyz``.

Signing keys live in ``HUB_HOME/keys``; a rotation publishes a key-transition note signed by
both keys, so checkpoints signed by the old key still verify under the new one.
"""

import logging
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from threading import Lock
from typing import Any
from uuid import NAMESPACE_URL, uuid5

from eventsourcing.application import EventSourcedLog
from eventsourcing.domain import DomainEvent
from eventsourcing.persistence import IntegrityError

from hub.audit.memory import SignerMemory, publish_verifier_key
from hub.audit.merkle import MerkleTree
from hub.audit.notes import Checkpoint, NoteSigner, make_transition, parse_note
from hub.audit.trail import AuditTrail, audit_leaf_hash
from hub.audit.witnesses import Witnesses, WitnessRefused
from hub.ports import Keys
from hub.retrying import Stopped, Trouble
from hub.retrying import call as retry
from hub.store import WRITE_ATTEMPTS, HubStore

log = logging.getLogger("hub.audit")

CHECKPOINT_LOG_ID = uuid5(NAMESPACE_URL, "/hub/audit-checkpoints")
TRANSITION_LOG_ID = uuid5(NAMESPACE_URL, "/hub/audit-key-transitions")
SIGNING_KEY = "audit-signing"


@dataclass(frozen=True)
class CheckpointSigned(DomainEvent):
    """A signed checkpoint: the tree of the first ``size`` entries has this root."""

    class_version = 1
    size: int
    root: str
    note: str


@dataclass(frozen=True)
class SigningKeyRotated(DomainEvent):
    """The audit signing key changed; the note is signed by the old key and the new."""

    class_version = 1
    note: str
    from_size: int


class LogMismatch(RuntimeError):
    """The stored entries no longer give the root of a checkpoint already signed."""


class SigningKeys:
    """The audit signing key in ``HUB_HOME/keys`` (a 32-byte Ed25519 seed)."""

    def __init__(self, keys: Keys, origin: str) -> None:
        self._keys = keys
        self.origin = origin

    def signer(self) -> NoteSigner:
        return NoteSigner.from_private_bytes(self.origin, self._keys.secret(SIGNING_KEY))

    def verifier_key(self) -> str:
        return self.signer().verifier_key()

    def replace(self, new: NoteSigner, retired_as: str) -> None:
        path = self._keys.path(SIGNING_KEY)
        path.rename(self._keys.path(retired_as))
        self._keys.write(SIGNING_KEY, new.private_bytes())
        self.publish()

    def publish(self) -> None:
        """Keep the public half in ``HUB_HOME/audit/verifier-key`` for ``hub audit verify``."""
        publish_verifier_key(self._keys.folder.parent, self.verifier_key())


class Checkpoints:
    def __init__(self, store: HubStore, audit: AuditTrail, keys: SigningKeys,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 every_entries: int = 1000, every_seconds: float = 10.0,
                 memory: SignerMemory | None = None,
                 witnesses: Witnesses | None = None) -> None:
        self._store = store
        self.memory = memory
        self.witnesses = witnesses or Witnesses(())
        self.stopped: str | None = None  # why the checkpointer refused to sign, once it has
        self._audit = audit
        self._keys = keys
        self._clock = clock
        self._every_entries = every_entries
        self._every = timedelta(seconds=every_seconds)
        self._log = EventSourcedLog(store.events, CHECKPOINT_LOG_ID, CheckpointSigned)
        self._transitions = EventSourcedLog(store.events, TRANSITION_LOG_ID, SigningKeyRotated)
        self._tree = MerkleTree()
        self._lock = Lock()  # the tree: readers (tiles, proofs) and the checkpointer
        self._signing = Lock()  # one checkpoint at a time in this process

    @property
    def origin(self) -> str:
        return self._keys.origin

    def catch_up(self) -> MerkleTree:
        """Extend the in-memory tree with entries appended since it was last read."""
        for index, stored in self._audit.stored_entries(self._tree.size):
            self._tree.append(audit_leaf_hash(index, stored))
        return self._tree

    def latest(self) -> CheckpointSigned | None:
        return self._log.get_last()

    def all(self) -> list[CheckpointSigned]:
        return list(self._log.get())

    def transitions(self) -> list[str]:
        return [t.note for t in self._transitions.get()]

    def tree(self) -> MerkleTree:
        with self._lock:
            return self.catch_up()

    def _turn(self) -> AbstractContextManager[None]:
        return self.memory.turn() if self.memory is not None else nullcontext()

    def remembered(self) -> tuple[str, Checkpoint] | None:
        """The last checkpoint this hub signed for the store, as kept in HUB_HOME. A memory
        that cannot be read as a checkpoint is damaged: nothing is signed (LogMismatch)."""
        if self.memory is None:
            return None
        try:
            note = self.memory.load()
            return None if note is None else (note, Checkpoint.parse(parse_note(note)[0]))
        except ValueError as error:
            raise LogMismatch(f"the checkpoint this hub keeps in HUB_HOME is damaged: {error}; "
                              "refusing to sign") from None

    @staticmethod
    def _opened(last: CheckpointSigned | None) -> Checkpoint | None:
        """The store's latest checkpoint, read from its note, which must say what the event
        says: a note overwritten in the database stops the checkpointer, not a silent loop."""
        if last is None:
            return None
        try:
            checkpoint = Checkpoint.parse(parse_note(last.note)[0])
        except ValueError as error:
            raise LogMismatch(f"the store's latest signed checkpoint (size {last.size}) is "
                              f"unreadable ({error}); refusing to sign") from None
        if checkpoint.size != last.size or checkpoint.root.hex() != last.root:
            raise LogMismatch(f"the store's latest signed checkpoint (size {last.size}) does "
                              "not say what its note says; refusing to sign")
        return checkpoint

    @staticmethod
    def _require_extension(tree: MerkleTree, size: int, root: bytes, what: str) -> None:
        """Refuse unless the tree's first ``size`` leaves give ``root``."""
        if tree.size < size:
            raise LogMismatch(f"rolled back: {what} has size {size}; the store holds "
                              f"{tree.size} entries; refusing to sign (run 'hub audit verify')")
        if tree.root(size) != root:
            raise LogMismatch(f"the stored audit entries are not a consistent extension of "
                              f"{what} (size {size}); refusing to sign (run 'hub audit verify')")

    def checkpoint(self, force: bool = False) -> CheckpointSigned | None:
        """Sign a checkpoint if one is due (or ``force``); return the latest one.

        Raises LogMismatch, signing nothing, if the entries do not extend the store's latest
        checkpoint or the one kept in HUB_HOME, or a witness knows a larger or other tree;
        the checkpointer is then ``stopped``.
        """
        try:
            with self._signing, self._turn():
                return self._checkpoint(force)
        except LogMismatch as error:
            self.stopped = str(error)
            raise

    def _read(self) -> tuple[int, bytes, CheckpointSigned | None, str | None, str | None]:
        """Under the tree's lock: the size and root to sign, the store's latest checkpoint,
        what HUB_HOME keeps, and the larger of the two notes (refusing if either does not
        extend)."""
        with self._lock:  # held briefly: the witnesses are asked without it
            tree = self.catch_up()
            last = self.latest()
            stored = self._opened(last)
            kept = self.remembered()
            if last is not None and stored is not None:
                self._require_extension(tree, stored.size, stored.root,
                                        "the store's latest signed checkpoint")
            if kept is not None:
                self._require_extension(tree, kept[1].size, kept[1].root,
                                        "the checkpoint this hub last signed (kept in "
                                        "HUB_HOME)")
                if stored is None or stored.size < kept[1].size:
                    raise LogMismatch(
                        f"the store's latest signed checkpoint (size "
                        f"{stored.size if stored else 0}) is older than the one this hub "
                        f"last signed (size {kept[1].size}, kept in HUB_HOME): its "
                        "checkpoints were removed or put back; refusing to sign")
            notes = [(c.size, n) for c, n in ((stored, last.note if last else None),
                                                (kept[1] if kept else None,
                                                 kept[0] if kept else None))
                     if c is not None and n is not None]
            latest = max(notes, key=lambda pair: pair[0])[1] if notes else None
            return tree.size, tree.root(tree.size), last, kept[0] if kept else None, latest

    def _due(self, last: CheckpointSigned, size: int) -> bool:
        """Enough entries, or time, since the last checkpoint; one dated in the future (a
        clock put back, or an event edited in the database) holds nothing back."""
        since = self._clock() - last.timestamp
        return (size - last.size >= self._every_entries or since >= self._every
                or since < -self._every)

    def _checkpoint(self, force: bool) -> CheckpointSigned | None:
        looked_again: WitnessRefused | None = None
        for _ in range(WRITE_ATTEMPTS):
            size, root, last, kept, latest = self._read()
            if last is not None:
                if size == last.size or not (force or self._due(last, size)):
                    self.witnesses.observe(last.note)
                    return last
            elif size == 0 and not force:
                return None
            checkpoint = Checkpoint(self.origin, size, root)
            try:
                self.witnesses.prepare(kept, latest, size)
                note = self._keys.signer().sign(checkpoint.body())
                cosignatures = self.witnesses.cosign(note, checkpoint, self._proof)
            except WitnessRefused as error:
                if error.outcome == "rolled-back" and self._reached(error.size):
                    looked_again = error
                    continue  # another process signed a larger tree meanwhile: look again
                self.witnesses.refused(error)
                raise LogMismatch(f"{error}; refusing to sign") from None
            note += "".join(line.line() for line in cosignatures)
            signed = CheckpointSigned(
                originator_id=CHECKPOINT_LOG_ID,
                originator_version=(last.originator_version + 1) if last else 1,
                timestamp=self._clock(), size=size, root=root.hex(), note=note)
            try:
                self._store.save(signed)
            except IntegrityError:
                continue  # another process signed first: look again
            if self.memory is not None:
                self.memory.save(note)
            return signed
        if looked_again is not None:  # a witness named a larger tree each time it was asked
            self.witnesses.refused(looked_again)
            raise LogMismatch(f"{looked_again}, each of {WRITE_ATTEMPTS} times it was asked; "
                              "refusing to sign")
        return self.latest()

    def _reached(self, size: int | None) -> bool:
        """Whether the store now holds ``size`` entries (a witness's larger size was another
        process's checkpoint, not a rollback)."""
        with self._lock:
            return size is not None and self.catch_up().size >= size

    def _proof(self, first: int, second: int) -> list[bytes]:
        with self._lock:
            return self._tree.consistency_proof(first, second)

    def rotate_key(self, archive_path: Callable[[], str]) -> str:
        """Sign the log so far with the old key, then hand over to a new key."""
        final = self.checkpoint(force=True)
        old = self._keys.signer()
        new = NoteSigner.generate(self.origin)
        size = final.size if final else 0
        note = make_transition(old, new, self.origin, size)
        last = self._transitions.get_last()
        self._store.save(SigningKeyRotated(
            originator_id=TRANSITION_LOG_ID,
            originator_version=(last.originator_version + 1) if last else 1,
            timestamp=self._clock(), note=note, from_size=size))
        self._keys.replace(new, archive_path())
        return new.verifier_key()

    def health(self) -> dict[str, Any]:
        """The audit alarms, for /readyz: the checkpointer stopped, a witness failing."""
        alarms = [f"checkpointer stopped: {self.stopped}"] if self.stopped else []
        alarms += self.witnesses.alarms()
        return {"alarm": bool(alarms), "alarms": alarms,
                "checkpointer": "stopped" if self.stopped else "running",
                "witnesses": [{k: v for k, v in w.items() if k != "url"}
                              for w in self.witnesses.status()]}

    def run(self, stop: threading.Event, poll_seconds: float = 1.0) -> None:
        """Follow the log until ``stop`` is set (the HTTP server runs this in a thread). A
        failure (the store briefly unavailable) is retried with backoff and jitter, up to
        half a minute apart, and said at most once a minute; a log that no longer gives a
        signed root stops it."""
        trouble = Trouble(log, "checkpoint-failed", "audit checkpoint not made")
        while not stop.wait(poll_seconds):
            try:
                retry(self.checkpoint, stop, Exception, trouble.happened,
                      initial=poll_seconds, give_up=LogMismatch)
            except Stopped:
                return
            except LogMismatch as error:
                self.stopped = str(error)
                log.error("audit checkpointer alarm: stopped: %s", error)
                return
            trouble.over("audit checkpoints are made again")


class PublicKeyError(ValueError):
    """The verifier key given is not one (reported as bad usage, exit 2)."""
