"""Secret keys kept as files under ``HUB_HOME/keys``, and private files and folders.

In development a missing key is generated (random, 256 bits, readable by the owner only);
in production a missing key is an error, so that keys are made deliberately
(``hub keys init``) and backed up, never conjured up by a restart.

Everything the hub creates in ``HUB_HOME`` (and the SQLite store's file) is the owner's only:
folders 0700, files 0600, whatever the umask. SQLite gives a database's -wal, -shm and
-journal files the mode of the database file itself, so creating that file 0600 first covers
them too. What already exists is left as it is.
"""

import base64
import os
import secrets
import tempfile
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path


def private_dir(path: Path) -> Path:
    """Create ``path`` and any missing parents, each 0700; an existing folder is left as is."""
    missing = []
    folder = path
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for folder in reversed(missing):
        with suppress(FileExistsError):
            folder.mkdir(mode=0o700)
    return path


def private_file(path: Path) -> Path:
    """Create an empty file 0600 (and its folder, 0700) unless it exists."""
    private_dir(path.parent)
    with suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    return path


def private_text(path: Path, new: Callable[[], str]) -> str:
    """The text of ``path``; if there is none, ``new()`` written there first (0600) in one
    step, so that processes starting together all read the same text."""
    if not path.exists():
        private_dir(path.parent)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")  # 0600
        try:
            with os.fdopen(fd, "w") as out:
                out.write(new() + "\n")
            with suppress(FileExistsError):  # another process was first: its text stands
                os.link(temporary, path)
        finally:
            os.unlink(temporary)
    return path.read_text().strip()


class KeyMissing(RuntimeError):
    """A key that must exist is not in ``HUB_HOME/keys``."""


class KeyFiles:
    """Named 256-bit secrets, one file each."""

    def __init__(self, home: Path, *, may_generate: bool) -> None:
        self.folder = home / "keys"
        self.may_generate = may_generate

    def path(self, name: str) -> Path:
        return self.folder / f"{name}.key"

    def secret(self, name: str) -> bytes:
        path = self.path(name)
        if not path.exists():
            if not self.may_generate:
                raise KeyMissing(f"key '{name}' is missing from {self.folder}; run 'hub keys init'")
            self.create(name)
        return base64.b64decode(path.read_bytes().strip(), validate=True)

    def create(self, name: str) -> bool:
        """Write a new random key unless one exists; True if one was written."""
        try:
            self.write(name, secrets.token_bytes(32))
        except FileExistsError:
            return False
        return True

    def write(self, name: str, secret: bytes) -> None:
        """Write a key that must not exist yet, readable by the owner only."""
        private_dir(self.folder)
        fd = os.open(self.path(name), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(base64.b64encode(secret) + b"\n")
