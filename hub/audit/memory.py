"""The signer's memory outside the database it protects, in ``HUB_HOME/audit/``.

The checkpointer's only record of what it signed used to be the database: someone who could
write the database could restore an older copy, or edit an entry, re-link the chain and
delete the checkpoints, and the hub would sign the result. Now it also keeps, beside its key:

``last-checkpoint-<store>.json``
    the last checkpoint it signed for that store (the signed note, with the witnesses'
    cosignatures), written after each checkpoint, atomically, 0600. It never signs a tree that
    is not a consistent extension of it, and ``hub audit verify`` reports a store behind it
    as rolled back. ``<store>`` is a digest of the store's URL without password or options,
    so one ``HUB_HOME`` serving several stores (a simulation beside the real one) keeps one
    memory per store. A ``memory://`` store, gone when its process ends, has none.
``verifier-key``
    the audit signing key's public half, which ``hub audit verify`` trusts by default on the
    hub's host (it never reads the private key).
``signer.lock``
    held while a checkpoint is signed, so that processes sharing ``HUB_HOME`` take turns.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from hub.files import private_dir, private_file

AUDIT_FOLDER = "audit"
VERIFIER_KEY = "verifier-key"


def store_identity(url: str) -> str:
    """The store's URL without a password or options (but a PostgreSQL schema), so that a new
    password or lock timeout is the same store."""
    if url.startswith("sqlite:///"):
        return "sqlite:///" + url[len("sqlite:///"):].partition("?")[0]
    parts = urlsplit(url)
    user = f"{parts.username}@" if parts.username else ""
    port = f":{parts.port}" if parts.port else ""
    schema = parse_qs(parts.query).get("schema", ["public"])[0]
    return f"{parts.scheme}://{user}{parts.hostname}{port}{parts.path}?schema={schema}"


def _write_private(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` in one step (a reader sees the old or the new), 0600."""
    private_dir(path.parent)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")  # 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def publish_verifier_key(home: Path, vkey: str) -> None:
    """Keep the audit key's public half in ``HUB_HOME/audit/verifier-key``."""
    path = home / AUDIT_FOLDER / VERIFIER_KEY
    if not path.exists() or path.read_text(encoding="utf-8").strip() != vkey:
        _write_private(path, vkey + "\n")


def published_verifier_key(home: Path) -> str | None:
    path = home / AUDIT_FOLDER / VERIFIER_KEY
    return path.read_text(encoding="utf-8").strip() if path.is_file() else None


class SignerMemory:
    """The last checkpoint this hub signed for one store."""

    def __init__(self, home: Path, store_url: str) -> None:
        self.store = store_identity(store_url)
        digest = hashlib.sha256(self.store.encode()).hexdigest()[:16]
        self.folder = home / AUDIT_FOLDER
        self.path = self.folder / f"last-checkpoint-{digest}.json"

    def load(self) -> str | None:
        """The note, or None if this hub has signed nothing for the store. A file that cannot
        be read as one raises ValueError: the memory is damaged, and nothing is signed."""
        if not self.path.exists():
            return None
        try:
            kept = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise ValueError(f"{self.path} is unreadable ({error})") from None
        note = kept.get("note") if isinstance(kept, dict) else None
        if not isinstance(note, str) or kept.get("store") != self.store:
            raise ValueError(f"{self.path} is not this store's last checkpoint")
        return note

    def save(self, note: str) -> None:
        _write_private(self.path, json.dumps({"store": self.store, "note": note}) + "\n")

    @contextmanager
    def turn(self) -> Iterator[None]:
        """Hold ``signer.lock`` (an exclusive advisory lock) while signing."""
        lock = private_file(self.folder / "signer.lock")
        with open(lock, "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
