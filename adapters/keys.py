"""Secret keys kept as files under ``HUB_HOME/keys`` (the port: ``hub.ports.Keys``).

In development a missing key is generated (random, 256 bits, readable by the owner only);
in production a missing key is an error, so that keys are made deliberately
(``hub keys init``) and backed up, never conjured up by a restart.

Keys are private files (``hub.files``): 0600, in a folder 0700.
"""

import base64
import os
import secrets
from pathlib import Path

from hub.files import private_dir
from hub.ports import KeyMissing

__all__ = ["KeyFiles", "KeyMissing"]


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
