"""Private files and folders: everything the hub creates in ``HUB_HOME`` (and the SQLite
store's file) is the owner's only, folders 0700 and files 0600, whatever the umask. SQLite gives
a database's -wal, -shm and -journal files the mode of the database file itself, so creating
that file 0600 first covers them too. What already exists is left as it is.
"""

import os
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
