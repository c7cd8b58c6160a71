"""Witness cosignatures on checkpoints, per https://c2sp.org/tlog-cosignature (Ed25519).

A cosignature is one more signature line on a checkpoint note, by a witness:

    — <witness name> base64(key ID || timestamped_signature)

where the key ID is ``SHA-256(<name> || "\\n" || 0x04 || Ed25519 public key)[:4]``, the
``timestamped_signature`` is a big-endian uint64 of seconds since the UNIX epoch followed by a
64-byte Ed25519 signature, and what is signed is::

    cosignature/v1
    time <timestamp, decimal>
    <the whole checkpoint text: origin, size, root and any extension lines>

It says that, as of that time, this was the largest tree consistent with everything the
witness had seen of the log with that origin. Witness keys are written as C2SP verifier keys
with signature type 0x04: ``<name>+<8 hex key ID>+<base64(0x04 || public key)>``.

Like :mod:`hub.audit.notes`, parsing is strict and raises ValueError (BadSignature for notes)
on anything malformed; checking a signature never raises.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from hub.audit.notes import (
    _HEX8,
    BadSignature,
    NoteSignature,
    _b64,
    _b64decode,
    _check_text,
    _valid_name,
    parse_note,
)

__all__ = [
    "ALG_COSIGNATURE_V1",
    "COSIGNATURE_HEADER",
    "CosignatureSigner",
    "CosignatureVerifier",
    "cosigned_message",
]

ALG_COSIGNATURE_V1 = 0x04
COSIGNATURE_HEADER = "cosignature/v1"
MAX_TIMESTAMP = 2**63 - 1
_SIGNATURE_BYTES = 8 + 64


def _key_id(name: str, public_key: bytes) -> bytes:
    """SHA-256(name || 0x0A || 0x04 || public key)[:4]."""
    material = name.encode() + b"\n" + bytes([ALG_COSIGNATURE_V1]) + public_key
    return hashlib.sha256(material).digest()[:4]


def cosigned_message(text: str, timestamp: int) -> bytes:
    """What a cosignature signs: the header line, the time line, then the checkpoint text."""
    if not isinstance(timestamp, int) or isinstance(timestamp, bool) or not (
            0 <= timestamp <= MAX_TIMESTAMP):
        raise ValueError("a cosignature timestamp is a uint64 below 2**63")
    _check_text(text)
    return f"{COSIGNATURE_HEADER}\ntime {timestamp}\n{text}".encode()


@dataclass(frozen=True)
class CosignatureVerifier:
    """A witness's Ed25519 cosignature/v1 key; equal when name and public key are equal."""

    name: str
    public_key: bytes
    key_id: bytes = field(init=False, repr=False, compare=False)
    _key: Ed25519PublicKey = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not _valid_name(self.name):
            raise ValueError("invalid witness key name")
        if not isinstance(self.public_key, bytes) or len(self.public_key) != 32:
            raise ValueError("an Ed25519 public key is 32 bytes")
        try:
            key = Ed25519PublicKey.from_public_bytes(self.public_key)
        except Exception:
            raise ValueError("invalid Ed25519 public key") from None
        object.__setattr__(self, "key_id", _key_id(self.name, self.public_key))
        object.__setattr__(self, "_key", key)

    @classmethod
    def parse(cls, vkey: str) -> CosignatureVerifier:
        """Parse ``name+keyid+base64(0x04 || key)``; ValueError if anything is off."""
        if not isinstance(vkey, str):
            raise ValueError("a witness key is a string")
        name, _, rest = vkey.strip().partition("+")
        hex_id, _, b64 = rest.partition("+")
        if not _HEX8.fullmatch(hex_id):
            raise ValueError("malformed witness key")
        raw = _b64decode(b64, "witness key")
        if len(raw) != 33 or raw[0] != ALG_COSIGNATURE_V1:
            raise ValueError("not an Ed25519 cosignature/v1 key (type 0x04)")
        verifier = cls(name, raw[1:])
        if verifier.key_id != bytes.fromhex(hex_id):
            raise ValueError("witness key ID does not match the key")
        return verifier

    def verifier_key(self) -> str:
        return (f"{self.name}+{self.key_id.hex()}+"
                f"{_b64(bytes([ALG_COSIGNATURE_V1]) + self.public_key)}")

    def __str__(self) -> str:
        return self.verifier_key()

    def label(self) -> str:
        return f"{self.name}+{self.key_id.hex()}"

    def matches(self, sig: NoteSignature) -> bool:
        """True if the line claims this key (name and key ID both match)."""
        return sig.name == self.name and sig.key_id == self.key_id

    def timestamp(self, text: str, sig: NoteSignature) -> int | None:
        """The time of ``sig`` if it is this witness's valid cosignature over ``text``."""
        if not self.matches(sig) or len(sig.signature) != _SIGNATURE_BYTES:
            return None
        timestamp = int.from_bytes(sig.signature[:8], "big")
        try:
            self._key.verify(sig.signature[8:], cosigned_message(text, timestamp))
        except (InvalidSignature, ValueError):
            return None
        return timestamp

    def verify(self, note: str | bytes) -> tuple[str, int]:
        """The note's text and the time of this witness's cosignature on it; BadSignature if
        it carries none that verifies (lines by other keys are ignored)."""
        text, sigs = parse_note(note)
        for sig in sigs:
            timestamp = self.timestamp(text, sig)
            if timestamp is not None:
                return text, timestamp
        raise BadSignature(f"note is not cosigned by {self.label()}")


class CosignatureSigner:
    """A witness's Ed25519 key with its name: makes cosignature/v1 lines."""

    __slots__ = ("_key", "_verifier")

    def __init__(self, name: str, private_key: Ed25519PrivateKey) -> None:
        self._key = private_key
        self._verifier = CosignatureVerifier(name, private_key.public_key().public_bytes_raw())

    @classmethod
    def generate(cls, name: str) -> CosignatureSigner:
        return cls(name, Ed25519PrivateKey.generate())

    @classmethod
    def from_private_bytes(cls, name: str, raw: bytes) -> CosignatureSigner:
        if not isinstance(raw, bytes) or len(raw) != 32:
            raise ValueError("an Ed25519 private key is 32 bytes")
        return cls(name, Ed25519PrivateKey.from_private_bytes(raw))

    @property
    def name(self) -> str:
        return self._verifier.name

    def verifier(self) -> CosignatureVerifier:
        return self._verifier

    def verifier_key(self) -> str:
        return self._verifier.verifier_key()

    def cosign(self, text: str, timestamp: int) -> NoteSignature:
        """The cosignature of a checkpoint text at ``timestamp`` (seconds since the epoch)."""
        signature = self._key.sign(cosigned_message(text, timestamp))
        return NoteSignature(self.name, self._verifier.key_id,
                             timestamp.to_bytes(8, "big") + signature)
