"""The signer's memory outside the database it protects, in ``HUB_HOME/audit/``.

The checkpointer's only record of what it signed used to be the database: someone who could
write the database could restore an older copy, or edit an entry, re-link the chain and
delete the checkpoints, and the hub would sign the result. Now it also keeps, beside its key:

``last-checkpoint-<store>.json``
    the last checkpoint it signed for that store (the signed note, with the witnesses'
    cosignatures), written after each checkpoint, atomically, 0600. It never signs a tree that
    is not a consistent extension of it, and ``hub audit verify`` reports a store behind it
    as rolled back. ``<store>`` is a digest of which store it is, however its URL is spelt
    (:func:`store_identity`), so one ``HUB_HOME`` serving several stores (a simulation beside
    the real one) keeps one memory per store. A ``memory://`` store, gone when its process
    ends, has none.
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
from urllib.parse import parse_qs, quote, unquote, urlsplit

from hub.audit.notes import Checkpoint, parse_note
from hub.files import private_dir, private_file

AUDIT_FOLDER = "audit"
VERIFIER_KEY = "verifier-key"


_LOCAL_HOSTS = frozenset({"", "localhost", "127.0.0.1", "::1"})


def store_identity(url: str) -> str:
    """Which store the URL names, however it is spelt: a SQLite file by its real path (no
    ``.`` or ``..``, symbolic links followed); PostgreSQL by server, port, database and schema
    as the store itself reads them (the database name unquoted, its leading slashes dropped;
    the host in lower case, the machine's own under one name; no user, password or options).
    The memory is kept per store, so naming the same store another way must not lose it."""
    if url.startswith("sqlite:///"):
        return "sqlite:///" + os.path.realpath(url[len("sqlite:///"):].partition("?")[0])
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    host = "localhost" if host in _LOCAL_HOSTS else host.rstrip(".")
    schema = parse_qs(parts.query).get("schema", ["public"])[0]
    database = quote(unquote(parts.path.lstrip("/")), safe="")
    return f"postgresql://{host}:{parts.port or 5432}/{database}?schema={quote(schema)}"


def file_identity(url: str) -> str | None:
    """A SQLite store's file by device and inode: the same file under another real path (a
    hard link) is the same store. None for other stores, or a file not there yet."""
    if not url.startswith("sqlite:///"):
        return None
    try:
        status = os.stat(url[len("sqlite:///"):].partition("?")[0])
    except OSError:
        return None
    return f"sqlite-file:{status.st_dev}:{status.st_ino}"


def legacy_identity(url: str) -> str:
    """How the first witnessed release named a store (the URL as written, less its password): its
    memory is still read."""
    if url.startswith("sqlite:///"):
        return "sqlite:///" + url[len("sqlite:///"):].partition("?")[0]
    parts = urlsplit(url)
    user = f"{parts.username}@" if parts.username else ""
    port = f":{parts.port}" if parts.port else ""
    schema = parse_qs(parts.query).get("schema", ["public"])[0]
    return f"{parts.scheme}://{user}{parts.hostname}{port}{parts.path}?schema={schema}"


def _memory_file(folder: Path, identity: str) -> Path:
    return folder / f"last-checkpoint-{hashlib.sha256(identity.encode()).hexdigest()[:16]}.json"


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
    """The last checkpoint this hub signed for one store, kept under each name of the store:
    its identity (:func:`store_identity`) and, for SQLite, its file (:func:`file_identity`).
    A store put back under another path keeps the first; one reached through a hard link, the
    second. Reading takes the largest checkpoint kept under any of them."""

    def __init__(self, home: Path, store_url: str) -> None:
        self.url = store_url
        self.store = store_identity(store_url)
        self.folder = home / AUDIT_FOLDER
        self.path = _memory_file(self.folder, self.store)
        legacy = legacy_identity(store_url)
        self._legacy = (legacy, _memory_file(self.folder, legacy))

    def _names(self) -> list[tuple[str, Path]]:
        names = [(self.store, self.path)]
        by_file = file_identity(self.url)
        if by_file is not None:
            names.append((by_file, _memory_file(self.folder, by_file)))
        return names

    def load(self) -> str | None:
        """The note, or None if this hub has signed nothing for the store. A file that cannot
        be read as one raises ValueError: the memory is damaged, and nothing is signed."""
        names = self._names()
        if not self.path.exists() and self._legacy[1].exists():
            names.append(self._legacy)
        notes = [_read(identity, path) for identity, path in names if path.exists()]
        return max(notes, key=_size, default=None)

    def save(self, note: str) -> None:
        for identity, path in self._names():
            _write_private(path, json.dumps({"store": identity, "note": note}) + "\n")

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


def _read(identity: str, path: Path) -> str:
    try:
        kept = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ValueError(f"{path} is unreadable ({error})") from None
    note = kept.get("note") if isinstance(kept, dict) else None
    if not isinstance(note, str) or kept.get("store") != identity:
        raise ValueError(f"{path} is not this store's last checkpoint")
    return note


def _size(note: str) -> int:
    """The size of a kept checkpoint (ValueError if it is not one: the memory is damaged)."""
    return Checkpoint.parse(parse_note(note)[0]).size
