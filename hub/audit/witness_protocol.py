"""The wire format of https://c2sp.org/tlog-witness ``add-checkpoint``, for both ends.

Request (``POST <submission prefix>/add-checkpoint``), every line ending in U+000A::

    old <size the client believes the witness last cosigned, decimal, no leading zeros>
    <zero to 63 lines: the RFC 9162 consistency proof from that size, one base64 hash each>
    <an empty line>
    <the checkpoint, as a signed note, with one or more signatures>

Answers: 200 with one or more cosignature lines (``— <name> <base64>``, each ending in a
newline); 409 ``text/x.tlog.size`` with the witness's size and a newline when the old size is
not the witness's (or the sizes match and the roots do not); 400 malformed; 403 no signature
by a key the witness trusts for the origin; 404 an origin the witness does not know; 422 a
consistency proof that does not verify.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass

from hub.audit.merkle import HASH_SIZE
from hub.audit.notes import NoteSignature, _b64decode, parse_note

__all__ = [
    "MAX_PROOF_LINES",
    "SIZE_CONTENT_TYPE",
    "AddCheckpoint",
    "parse_cosignatures",
    "parse_size",
    "size_body",
]

MAX_PROOF_LINES = 63
MAX_REQUEST_BYTES = 1 << 16
SIZE_CONTENT_TYPE = "text/x.tlog.size"
_DECIMAL = re.compile(r"0|[1-9][0-9]{0,19}", re.ASCII)
_MAX_SIZE = 2**64 - 1


def _size(text: str, what: str) -> int:
    if not _DECIMAL.fullmatch(text) or int(text) > _MAX_SIZE:
        raise ValueError(f"{what} is not a decimal size without leading zeros")
    return int(text)


@dataclass(frozen=True)
class AddCheckpoint:
    """One add-checkpoint request: the old size, the proof from it, and the signed note."""

    old_size: int
    proof: tuple[bytes, ...]
    note: str

    def encode(self) -> bytes:
        if not 0 <= self.old_size <= _MAX_SIZE or len(self.proof) > MAX_PROOF_LINES:
            raise ValueError("old size out of range, or more than 63 proof lines")
        lines = [f"old {self.old_size}\n",
                 *(base64.b64encode(h).decode("ascii") + "\n" for h in self.proof), "\n"]
        return ("".join(lines) + self.note).encode("utf-8")

    @classmethod
    def parse(cls, body: bytes) -> AddCheckpoint:
        """Parse a request body strictly; ValueError (a 400) if it is malformed."""
        if not isinstance(body, bytes) or len(body) > MAX_REQUEST_BYTES:
            raise ValueError("the request body is missing or too large")
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError("the request body is not UTF-8") from None
        lines = text.split("\n")
        if len(lines) < 3 or not lines[0].startswith("old "):
            raise ValueError("the first line must be 'old <size>'")
        old = _size(lines[0][4:], "the old size")
        proof: list[bytes] = []
        position = 1
        while position < len(lines) and lines[position] != "":
            if len(proof) == MAX_PROOF_LINES:
                raise ValueError("more than 63 consistency proof lines")
            node = _b64decode(lines[position], "a consistency proof line")
            if len(node) != HASH_SIZE:
                raise ValueError("a consistency proof line is not a 32-byte hash")
            proof.append(node)
            position += 1
        if position >= len(lines):
            raise ValueError("no empty line before the checkpoint")
        note = "\n".join(lines[position + 1:])
        parse_note(note)  # syntax only; the witness checks the signatures it trusts
        return cls(old, tuple(proof), note)


def size_body(size: int) -> bytes:
    """The body of a 409: the witness's latest cosigned size and a newline."""
    return f"{size}\n".encode("ascii")


def parse_size(body: bytes) -> int:
    """The size in a 409 answer; ValueError if it is not ``<decimal>\\n``."""
    try:
        text = body.decode("ascii")
    except UnicodeDecodeError:
        raise ValueError("a size answer is ASCII") from None
    if not text.endswith("\n"):
        raise ValueError("a size answer ends with a newline")
    return _size(text[:-1], "the witness's size")


def parse_cosignatures(note: str, body: bytes) -> tuple[NoteSignature, ...]:
    """The signature lines of a 200 answer, read as the spec suggests: appended to the
    checkpoint note and parsed with it. ValueError if they are not note signature lines."""
    try:
        lines = body.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError("the cosignatures are not UTF-8") from None
    if not lines.endswith("\n") or not lines.startswith("\u2014 "):
        raise ValueError("the answer is not signature lines")
    _, before = parse_note(note)
    _, after = parse_note(note + lines)
    return after[len(before):]
