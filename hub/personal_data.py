"""Sealing personal values: AES-256-GCM under the data key of the person they belong to.

The associated data binds the holder, the field and the key version, so a ciphertext copied
into another person's record, or under another field, fails to open. A value whose holder's key
was destroyed opens as erased (None). Unwrapped keys are cached briefly in each process; an
erasure in one process is honoured by every other within ``KEY_CACHE_SECONDS``.
"""

import base64
import logging
import os
import time
from threading import Lock
from typing import Any
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eventsourcing.persistence import Transcoding

from domain.personal import Personal
from hub.ports import DataKey, DataKeys

log = logging.getLogger("hub.personal")
# How long a process trusts a key it has looked up. An erasure made by another process (the
# CLI, another worker) takes effect everywhere within this time; in the same process, at once.
KEY_CACHE_SECONDS = 1.0


def _aad(holder: UUID, field: str, version: int) -> bytes:
    return f"hub-personal|{holder}|{field}|{version}".encode()


class PersonalCipher:
    def __init__(self, keys: DataKeys) -> None:
        self.keys = keys
        self._cache: dict[UUID, tuple[float, DataKey | None]] = {}
        self._lock = Lock()

    def _key(self, holder: UUID, create: bool) -> DataKey | None:
        now = time.monotonic()
        cached = self._cache.get(holder)
        if cached is not None and now - cached[0] < KEY_CACHE_SECONDS and cached[1] is not None:
            return cached[1]
        with self._lock:
            key = self.keys.get_or_create(holder) if create else self.keys.get(holder)
            self._cache[holder] = (now, key)
            return key

    def prepare(self, holders: list[UUID]) -> None:
        """Make the keys a write will need in one go (a commit per new person is slow)."""
        self.keys.ensure(holders)

    def forget(self, holder: UUID) -> None:
        self._cache.pop(holder, None)

    def seal(self, value: Personal) -> dict[str, Any]:
        sealed: dict[str, Any] = {"h": str(value.holder), "f": value.field}
        text = value.value
        key = self._key(value.holder, create=True) if text is not None else None
        if text is None or key is None:  # erased already (or no value): nothing to seal
            sealed["x"] = 1
            return sealed
        nonce = os.urandom(12)
        ciphertext = AESGCM(key.key).encrypt(
            nonce, text.encode(), _aad(value.holder, value.field, key.version))
        sealed.update(k=key.version, n=base64.b64encode(nonce).decode(),
                      c=base64.b64encode(ciphertext).decode())
        return sealed

    def open(self, data: dict[str, Any]) -> Personal:
        holder, field = UUID(data["h"]), data["f"]
        if "v" in data:  # written before encryption existed
            return Personal(holder, field, data["v"])
        if "c" not in data:
            return Personal(holder, field, None)
        key = self._key(holder, create=False)
        if key is None or key.version != data["k"]:
            return Personal(holder, field, None)
        try:
            plaintext = AESGCM(key.key).decrypt(
                base64.b64decode(data["n"]), base64.b64decode(data["c"]),
                _aad(holder, field, key.version))
        except (InvalidTag, ValueError):
            log.warning("a sealed personal value failed authentication (field %s)", field)
            return Personal(holder, field, None)
        return Personal(holder, field, plaintext.decode())


class SealedPersonal(Transcoding):
    """How a ``Personal`` is written in an event: sealed under its holder's data key."""

    type = Personal
    name = "personal"

    def __init__(self, cipher: PersonalCipher) -> None:
        self._cipher = cipher

    def encode(self, obj: Personal) -> dict[str, Any]:
        return self._cipher.seal(obj)

    def decode(self, data: dict[str, Any]) -> Personal:
        return self._cipher.open(data)
