"""Signed checkpoints of the audit trail, made by following the log.

A checkpoint is a C2SP signed note (origin, tree size, root) over the RFC 9162 tree of the
entries' stored bytes. The checkpointer keeps the tree in memory, catches up with new
entries, and signs a checkpoint at least every ``every_seconds`` or ``every_entries`` while
entries arrive. Each checkpoint is one event in a log of its own: its size is the position the
checkpointer reached, written in the same transaction as the checkpoint, and the store refuses
two checkpoints at one position, so several hub processes extend one linear history. Before
signing, the tree must reproduce the last checkpoint's root: a store altered under the hub is
refused, never signed over.

Signing keys live in ``HUB_HOME/keys``; a rotation publishes a key-transition note signed by
both keys, so checkpoints signed by the old key still verify under the new one.
"""

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from threading import Lock
from uuid import NAMESPACE_URL, uuid5

from eventsourcing.application import EventSourcedLog
from eventsourcing.domain import DomainEvent
from eventsourcing.persistence import IntegrityError

from adapters.keys import KeyFiles
from hub.audit.merkle import MerkleTree
from hub.audit.notes import Checkpoint, NoteSigner, NoteVerifier, make_transition
from hub.audit.trail import AuditTrail, audit_leaf_hash
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

    def __init__(self, keys: KeyFiles, origin: str) -> None:
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


class Checkpoints:
    def __init__(self, store: HubStore, audit: AuditTrail, keys: SigningKeys,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 every_entries: int = 1000, every_seconds: float = 10.0) -> None:
        self._store = store
        self._audit = audit
        self._keys = keys
        self._clock = clock
        self._every_entries = every_entries
        self._every = timedelta(seconds=every_seconds)
        self._log = EventSourcedLog(store.events, CHECKPOINT_LOG_ID, CheckpointSigned)
        self._transitions = EventSourcedLog(store.events, TRANSITION_LOG_ID, SigningKeyRotated)
        self._tree = MerkleTree()
        self._lock = Lock()

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

    def checkpoint(self, force: bool = False) -> CheckpointSigned | None:
        """Sign a checkpoint if one is due (or ``force``); return the latest one."""
        with self._lock:
            for _ in range(WRITE_ATTEMPTS):
                tree = self.catch_up()
                last = self.latest()
                size = tree.size
                if last is not None:
                    if size == last.size:
                        return last
                    if tree.root(last.size).hex() != last.root:
                        raise LogMismatch(
                            f"the stored audit entries no longer give the root signed at size "
                            f"{last.size}; refusing to sign (run 'hub audit verify')")
                    due = (size - last.size >= self._every_entries
                           or self._clock() - last.timestamp >= self._every)
                    if not (force or due):
                        return last
                elif size == 0 and not force:
                    return None
                root = tree.root(size)
                note = self._keys.signer().sign(Checkpoint(self.origin, size, root).body())
                signed = CheckpointSigned(
                    originator_id=CHECKPOINT_LOG_ID,
                    originator_version=(last.originator_version + 1) if last else 1,
                    timestamp=self._clock(), size=size, root=root.hex(), note=note)
                try:
                    self._store.save(signed)
                except IntegrityError:
                    continue  # another process signed first: look again
                return signed
        return self.latest()

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
                log.error("audit checkpointer stopped: %s", error)
                return
            trouble.over("audit checkpoints are made again")


class PublicKeyError(ValueError):
    """The verifier key given is not one (reported as bad usage, exit 2)."""


def trusted_verifier(public_key: str | None, keys: SigningKeys) -> NoteVerifier:
    """The key a verification trusts: given explicitly, else this hub's own."""
    if public_key is None:
        return keys.signer().verifier()
    path = Path(public_key)
    text = path.read_text(encoding="utf-8").strip() if path.is_file() else public_key.strip()
    try:
        return NoteVerifier.parse(text)
    except ValueError:
        raise PublicKeyError("--public-key: not a verifier key (name+keyid+base64 key)") from None
