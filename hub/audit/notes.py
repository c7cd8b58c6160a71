"""C2SP signed notes and checkpoints with Ed25519, and signed key transitions.

Checkpoints are published as signed notes (https://c2sp.org/signed-note) whose
text is a tlog checkpoint (https://c2sp.org/tlog-checkpoint), so auditors can
check them with standard transparency tooling (e.g. golang.org/x/mod/sumdb/note)
and need to trust nothing but one verifier key string:

    <key name>+<8 hex key ID>+<base64(0x01 || 32-byte Ed25519 public key)>

Parsing is strict and total: anything malformed raises :class:`ValueError` (or
its subclass :class:`BadSignature` for notes), never another exception, because
notes, keys and checkpoints arrive from outside and a crash is not a verdict.

Keys rotate.  So that checkpoints signed by retired keys stay verifiable from
the newest key alone, the hub publishes a *key transition* note, signed by both
keys, whose text is exactly (see :class:`KeyTransition`)::

    hub-audit key transition
    <origin>
    <old verifier key>
    <new verifier key>
    <tree size N>

meaning: the old key's checkpoints are valid up to and including size N, the
new key signs everything after.  :class:`KeyChain` walks such notes back from
the one trusted key; a retired key never gets authority beyond its successor's.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

__all__ = [
    "TRANSITION_HEADER",
    "BadSignature",
    "Checkpoint",
    "KeyChain",
    "KeyTransition",
    "NoteSignature",
    "NoteSigner",
    "NoteVerifier",
    "check_transition",
    "make_transition",
    "parse_note",
]

ALG_ED25519 = 0x01
MAX_SIGNATURES = 100  # the spec asks for at least 16; sumdb/note stops at 100
MAX_NOTE_CHARS = 1 << 20
MAX_TREE_SIZE = 2**64 - 1
TRANSITION_HEADER = "hub-audit key transition"
_SIG_PREFIX = "\u2014 "  # em dash, space
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f]")
_DECIMAL = re.compile(r"0|[1-9][0-9]*", re.ASCII)
_HEX8 = re.compile(r"[0-9a-fA-F]{8}", re.ASCII)


class BadSignature(ValueError):
    """A note is malformed or not validly signed by the key asked about."""


def _b64decode(text: str, what: str) -> bytes:
    """Strict, canonical base64: one encoding per value, so text and bytes agree."""
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeError, ValueError):
        raise ValueError(f"{what} is not valid base64") from None
    if base64.b64encode(raw).decode("ascii") != text:
        raise ValueError(f"{what} is not canonical base64")
    return raw


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _valid_name(name: str) -> bool:
    """Key names are non-empty, without spaces, '+' or control characters (C2SP)."""
    spaced = any(c.isspace() for c in name)
    return bool(name) and "+" not in name and not spaced and not _CONTROL.search(name)


def _key_id(name: str, public_key: bytes) -> bytes:
    """SHA-256(name || 0x0A || 0x01 || public key)[:4], as C2SP recommends."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([ALG_ED25519]) + public_key).digest()[:4]


def _check_text(text: str) -> None:
    """Note text must end in a newline and be UTF-8 without other control characters."""
    if not isinstance(text, str) or not text.endswith("\n") or _CONTROL.search(text):
        raise ValueError("note text must end with a newline and hold no control characters")
    try:
        text.encode("utf-8")
    except UnicodeError:
        raise ValueError("note text is not valid UTF-8") from None


@dataclass(frozen=True)
class NoteSignature:
    """One signature line: who claims to have signed (name, key ID) and the raw signature."""

    name: str
    key_id: bytes
    signature: bytes

    def line(self) -> str:
        """The signature line exactly as it appears in a note."""
        return f"{_SIG_PREFIX}{self.name} {_b64(self.key_id + self.signature)}\n"


def parse_note(note: str | bytes) -> tuple[str, tuple[NoteSignature, ...]]:
    """Split a signed note into its text and signature lines, checking only syntax.

    The text runs to the last blank line; every line after it must be a signature
    line.  The signatures are *not* verified: callers pick the keys they trust.
    """
    try:
        if isinstance(note, bytes):
            note = note.decode("utf-8")
        if not isinstance(note, str) or len(note) > MAX_NOTE_CHARS:
            raise BadSignature("note is not text or is too large")
        _check_text(note)
        split = note.rfind("\n\n")
        if split < 0:
            raise BadSignature("note has no blank line before its signatures")
        text, block = note[: split + 1], note[split + 2 :]
        lines = block.split("\n")[:-1]  # block ends in "\n" (checked above)
        if not lines or len(lines) > MAX_SIGNATURES:
            raise BadSignature("note has no signatures or too many")
        signatures = []
        for line in lines:
            name, _, b64 = line.removeprefix(_SIG_PREFIX).partition(" ")
            if not line.startswith(_SIG_PREFIX) or not _valid_name(name):
                raise BadSignature("malformed signature line")
            raw = _b64decode(b64, "signature")
            if len(raw) < 5:
                raise BadSignature("signature too short")
            signatures.append(NoteSignature(name, raw[:4], raw[4:]))
    except BadSignature:
        raise
    except ValueError as error:  # UnicodeDecodeError and our own checks
        raise BadSignature(f"malformed note: {error}") from None
    return text, tuple(signatures)


@dataclass(frozen=True)
class NoteVerifier:
    """An Ed25519 note verifier key; equal when name and public key are equal."""

    name: str
    public_key: bytes
    key_id: bytes = field(init=False, repr=False, compare=False)
    _key: Ed25519PublicKey = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        """Validate eagerly so a verifier that exists can always be used."""
        if not isinstance(self.name, str) or not _valid_name(self.name):
            raise ValueError("invalid key name")
        if not isinstance(self.public_key, bytes) or len(self.public_key) != 32:
            raise ValueError("an Ed25519 public key is 32 bytes")
        try:
            key = Ed25519PublicKey.from_public_bytes(self.public_key)
        except Exception:
            raise ValueError("invalid Ed25519 public key") from None
        object.__setattr__(self, "key_id", _key_id(self.name, self.public_key))
        object.__setattr__(self, "_key", key)

    @classmethod
    def parse(cls, vkey: str) -> NoteVerifier:
        """Parse ``name+keyid+base64(0x01 || key)``; ValueError if anything is off."""
        if not isinstance(vkey, str):
            raise ValueError("a verifier key is a string")
        name, _, rest = vkey.partition("+")
        hex_id, _, b64 = rest.partition("+")
        if not _HEX8.fullmatch(hex_id):
            raise ValueError("malformed verifier key")
        raw = _b64decode(b64, "verifier key")
        if len(raw) != 33 or raw[0] != ALG_ED25519:
            raise ValueError("not an Ed25519 verifier key")
        verifier = cls(name, raw[1:])
        if verifier.key_id != bytes.fromhex(hex_id):
            raise ValueError("verifier key ID does not match the key")
        return verifier

    def verifier_key(self) -> str:
        """The canonical verifier key string."""
        return f"{self.name}+{self.key_id.hex()}+{_b64(bytes([ALG_ED25519]) + self.public_key)}"

    def __str__(self) -> str:
        return self.verifier_key()

    def label(self) -> str:
        """Short ``name+keyid`` form for messages."""
        return f"{self.name}+{self.key_id.hex()}"

    def matches(self, sig: NoteSignature) -> bool:
        """True if the line claims this key (name and key ID both match)."""
        return sig.name == self.name and sig.key_id == self.key_id

    def check(self, text: str, sig: NoteSignature) -> bool:
        """True if ``sig`` is this key's valid signature over ``text``; never raises."""
        if not self.matches(sig) or len(sig.signature) != 64:
            return False
        try:
            self._key.verify(sig.signature, text.encode("utf-8"))
        except (InvalidSignature, ValueError):
            return False
        return True

    def verify(self, note: str | bytes) -> str:
        """Return the note text if this key validly signed it, else raise BadSignature.

        Lines by other keys are ignored (C2SP: unknown keys MUST be ignored), but
        a line claiming this key that does not verify rejects the whole note.
        """
        text, sigs = parse_note(note)
        mine = [sig for sig in sigs if self.matches(sig)]
        if not mine:
            raise BadSignature(f"note is not signed by {self.label()}")
        if not all(self.check(text, sig) for sig in mine):
            raise BadSignature(f"invalid signature by {self.label()}")
        return text


class NoteSigner:
    """An Ed25519 note signing key with its C2SP key name."""

    __slots__ = ("_key", "_verifier")

    def __init__(self, name: str, private_key: Ed25519PrivateKey) -> None:
        """Bind a key to a name; ValueError for a name C2SP does not allow."""
        self._key = private_key
        self._verifier = NoteVerifier(name, private_key.public_key().public_bytes_raw())

    @classmethod
    def generate(cls, name: str) -> NoteSigner:
        """A fresh random key."""
        return cls(name, Ed25519PrivateKey.generate())

    @classmethod
    def from_private_bytes(cls, name: str, raw: bytes) -> NoteSigner:
        """Load a key from its 32-byte RFC 8032 seed."""
        if not isinstance(raw, bytes) or len(raw) != 32:
            raise ValueError("an Ed25519 private key is 32 bytes")
        return cls(name, Ed25519PrivateKey.from_private_bytes(raw))

    @property
    def name(self) -> str:
        return self._verifier.name

    @property
    def key_id(self) -> bytes:
        return self._verifier.key_id

    def private_bytes(self) -> bytes:
        """The 32-byte seed, for the key store; keep it secret."""
        return self._key.private_bytes_raw()

    def verifier(self) -> NoteVerifier:
        return self._verifier

    def verifier_key(self) -> str:
        return self._verifier.verifier_key()

    def _signature(self, text: str) -> NoteSignature:
        return NoteSignature(self.name, self.key_id, self._key.sign(text.encode("utf-8")))

    def sign(self, text: str) -> str:
        """Return the signed note for ``text`` (which must end in a newline)."""
        _check_text(text)
        return text + "\n" + self._signature(text).line()

    def cosign(self, note: str) -> str:
        """Add this key's signature to a signed note, replacing any earlier one by it."""
        text, sigs = parse_note(note)
        kept = "".join(sig.line() for sig in sigs if not self._verifier.matches(sig))
        return text + "\n" + kept + self._signature(text).line()


def _parse_size(line: str) -> int:
    """Canonical ASCII decimal within uint64, as checkpoints require."""
    if not _DECIMAL.fullmatch(line) or len(line) > 20 or int(line) > MAX_TREE_SIZE:
        raise ValueError("tree size is not a canonical decimal")
    return int(line)


@dataclass(frozen=True)
class Checkpoint:
    """A tlog checkpoint body: origin, tree size, root hash, optional extension lines."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        """Refuse values that would not round-trip through :meth:`body`."""
        lines = (self.origin, *self.extensions)
        if not all(isinstance(x, str) and x and "\n" not in x for x in lines):
            raise ValueError("origin and extension lines must be non-empty single lines")
        if not isinstance(self.size, int) or isinstance(self.size, bool):
            raise ValueError("tree size must be an int")
        if not 0 <= self.size <= MAX_TREE_SIZE:
            raise ValueError("tree size out of range")
        if not isinstance(self.root, bytes) or len(self.root) != 32:
            raise ValueError("root hash must be 32 bytes")

    def body(self) -> str:
        """The note text to sign."""
        lines = (self.origin, self.size, _b64(self.root), *self.extensions)
        return "".join(f"{x}\n" for x in lines)

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        """Parse a checkpoint note text strictly; ValueError if malformed."""
        if not isinstance(text, str) or not text.endswith("\n"):
            raise ValueError("checkpoint text must end with a newline")
        lines = text[:-1].split("\n")
        if len(lines) < 3:
            raise ValueError("checkpoint needs origin, size and root lines")
        root = _b64decode(lines[2], "root hash")
        return cls(lines[0], _parse_size(lines[1]), root, tuple(lines[3:]))


@dataclass(frozen=True)
class KeyTransition:
    """The statement that ``new_key`` succeeds ``old_key`` after tree size ``from_size``."""

    origin: str
    old_key: str
    new_key: str
    from_size: int

    def body(self) -> str:
        """The note text to sign (by both keys)."""
        fields = (TRANSITION_HEADER, self.origin, self.old_key, self.new_key, self.from_size)
        return "".join(f"{x}\n" for x in fields)

    @classmethod
    def parse(cls, text: str) -> KeyTransition:
        """Parse a transition text strictly; both keys must be valid and distinct."""
        lines = text[:-1].split("\n") if isinstance(text, str) and text.endswith("\n") else []
        if len(lines) != 5 or lines[0] != TRANSITION_HEADER or not lines[1]:
            raise ValueError("not a key transition")
        old, new = NoteVerifier.parse(lines[2]), NoteVerifier.parse(lines[3])
        if old == new:
            raise ValueError("a key cannot succeed itself")
        return cls(lines[1], old.verifier_key(), new.verifier_key(), _parse_size(lines[4]))


def make_transition(old: NoteSigner, new: NoteSigner, origin: str, from_size: int) -> str:
    """The transition note from ``old`` to ``new`` at ``from_size``, signed by both."""
    text = KeyTransition(origin, old.verifier_key(), new.verifier_key(), from_size).body()
    KeyTransition.parse(text)  # validate before signing anything
    return new.cosign(old.sign(text))


def check_transition(note: str, successor: NoteVerifier, origin: str) -> KeyTransition:
    """Return the transition to the trusted ``successor`` if both keys signed it.

    Raises BadSignature (a ValueError) otherwise.  The new key's signature makes
    the old key trusted; the old key's shows the handover was not one-sided.
    """
    text, _ = parse_note(note)
    try:
        transition = KeyTransition.parse(text)
    except ValueError as error:
        raise BadSignature(f"malformed key transition: {error}") from None
    if transition.origin != origin:
        raise BadSignature("key transition is for another log")
    if NoteVerifier.parse(transition.new_key) != successor:
        raise BadSignature(f"key transition is not to {successor.label()}")
    old = NoteVerifier.parse(transition.old_key)
    successor.verify(note)
    old.verify(note)
    return transition


@dataclass
class KeyChain:
    """Keys reached from one trusted key through valid transitions, with their limits.

    ``keys`` maps each verifier to the largest tree size it may sign (``None``:
    unlimited, for the trusted key).  ``problems`` lists transition notes that
    were malformed, badly signed or not connected to the trusted key.
    """

    keys: dict[NoteVerifier, int | None]
    problems: list[str]

    @classmethod
    def build(cls, trusted: NoteVerifier, transitions: Iterable[str], origin: str) -> KeyChain:
        """Walk transitions back from ``trusted``; never raises on bad notes."""
        chain = cls({trusted: None}, [])
        pending: list[tuple[int, str, KeyTransition]] = []
        for number, note in enumerate(transitions, 1):
            try:
                pending.append((number, note, KeyTransition.parse(parse_note(note)[0])))
            except ValueError as error:
                chain.problems.append(f"key transition #{number}: {error}")
        frontier, accepted = [trusted], set[KeyTransition]()
        while frontier:
            successor = frontier.pop()
            for number, note, t in pending:
                if t.new_key != successor.verifier_key():
                    continue
                try:
                    check_transition(note, successor, origin)
                except ValueError as error:
                    chain.problems.append(f"key transition #{number}: {error}")
                    continue
                old = NoteVerifier.parse(t.old_key)
                bound = chain.keys[successor]
                if t in accepted:
                    continue  # the same transition exported twice
                if old in chain.keys:  # a loop, or one key handed over twice
                    chain.problems.append(f"key transition #{number}: {old.label()} seen before")
                    continue
                accepted.add(t)
                chain.keys[old] = t.from_size if bound is None else min(t.from_size, bound)
                frontier.append(old)
        known = {k.verifier_key() for k in chain.keys}
        for number, _, t in pending:
            if t.new_key not in known:
                chain.problems.append(f"key transition #{number}: does not lead to the trusted key")
        return chain

    def open_checkpoint(self, note: str, origin: str) -> Checkpoint:
        """Return the checkpoint if a key of the chain may sign it; else raise ValueError."""
        text, sigs = parse_note(note)
        signers: list[NoteVerifier] = []
        for sig in sigs:
            for key in self.keys:
                if key.matches(sig):
                    if not key.check(text, sig):
                        raise BadSignature(f"invalid signature by {key.label()}")
                    signers.append(key)
        if not signers:
            raise BadSignature("not signed by the trusted key or a key reached by transitions")
        checkpoint = Checkpoint.parse(text)
        if checkpoint.origin != origin:
            raise ValueError(f"origin {checkpoint.origin[:80]!r} is not {origin[:80]!r}")
        limits = [self.keys[key] for key in signers]
        if None not in limits and checkpoint.size > (limit := max(x or 0 for x in limits)):
            raise BadSignature(f"signed only by a key retired after tree size {limit}")
        return checkpoint
