"""The audit export bundle: a directory an auditor can carry away and verify offline.

Layout (``hub audit export --out DIR``)::

    DIR/entries.jsonl        one line per entry: {"index": i, "stored": base64(bytes)}
                             plus "entry", the decoded JSON, for human readers only
    DIR/checkpoints/<size>.note   signed checkpoints, size zero-padded to 20 digits
    DIR/transitions/<n>.note      signed key-transition notes, in publication order
    DIR/public-key           the hub's current verifier key (informational)
    DIR/README.txt           how to verify
    DIR/verification.txt     what the exporting hub found (written by ``hub audit export``)

The verifier uses only ``index`` and ``stored``: ``entry`` is a convenience that
a forger could edit freely, and ``public-key`` came with the bundle, so it proves
nothing; the auditor must obtain the key out of band.  Entries are streamed both
ways so a million of them never sit in memory as Python objects.  Reading a
damaged bundle raises :class:`BundleError` naming the file and line, never a
bare traceback from deep inside ``json`` or ``base64``.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from hub.audit.notes import Checkpoint, NoteVerifier, parse_note

__all__ = ["Bundle", "BundleError", "EntryFile", "read_bundle", "write_bundle"]

ENTRIES = "entries.jsonl"
CHECKPOINTS = "checkpoints"
TRANSITIONS = "transitions"
PUBLIC_KEY = "public-key"
README = "README.txt"
_MAX_NOTE_BYTES = 1 << 20
_decode_json = json.JSONDecoder().decode


def _no_constants(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


_strict_json = json.JSONDecoder(parse_constant=_no_constants).decode

README_TEXT = """\
Audit trail export
==================

entries.jsonl   one JSON object per line: "index" and "stored" (base64 of the entry's
                exact stored bytes). "entry" is the same bytes decoded, for reading
                only: verification ignores it.
checkpoints/    signed checkpoints (C2SP tlog-checkpoint in a C2SP signed note, Ed25519),
                with the witnesses' cosignatures (C2SP tlog-cosignature) as further
                signature lines
transitions/    "hub-audit key transition" notes, signed by the old and the new key
public-key      the hub's current verifier key, as claimed by whoever gave you this
                folder: compare it with a copy obtained independently before use

verification.txt  what the exporting hub found when it wrote this folder (who exported it,
                when, and every problem), for information: verify it yourself

To verify:  hub audit verify --export THIS_FOLDER --public-key KEY   (exit 0 = intact,
            1 = not), KEY being the hub's verifier key (or a file holding it) that you
            obtained from its operator by another route; add --trusted-checkpoint FILE with
            a checkpoint you kept earlier, to catch a log that was rolled back since

By hand: the leaf of entry i is SHA-256(0x00 || uint64_be(i) || stored), the tree is
RFC 9162, and each checkpoint's root must equal the root of the first <size> leaves.
Each stored entry is a JSON object whose "previous" is the hex leaf hash of the
entry before it ("" for entry 0), which pinpoints an edited entry. Checkpoints signed
by an older key count only through transition notes leading to the key you trust.
"""


class BundleError(ValueError):
    """The bundle is damaged or incomplete; ``line`` is the entries.jsonl line, if any."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


def _note_size(note: str) -> int:
    """The tree size a checkpoint note claims (unverified), for naming its file."""
    return Checkpoint.parse(parse_note(note)[0]).size


def _entry_line(index: int, stored: bytes, readable: bool) -> str:
    """One JSONL line; the readable copy is the stored JSON itself, kept on one line."""
    if not isinstance(index, int) or isinstance(index, bool) or index < 0:
        raise ValueError(f"entry index {index!r} is not a non-negative int")
    if not isinstance(stored, bytes):
        raise TypeError(f"entry {index}: stored value must be bytes")
    line = f'{{"index": {index}, "stored": "{base64.b64encode(stored).decode()}"'
    if readable:
        # Valid UTF-8 JSON can be embedded as is: raw CR/LF can only be whitespace
        # between tokens there, so blanking them keeps the meaning and the one line.
        # Anything else is left out; the verifier will report it from "stored".
        with contextlib.suppress(ValueError, RecursionError):
            text = stored.decode("utf-8")
            _strict_json(text)
            line += ', "entry": ' + text.replace("\r", " ").replace("\n", " ")
    return line + "}\n"


def write_bundle(
    folder: str | os.PathLike[str],
    entries: Iterable[tuple[int, bytes]],
    checkpoints: Iterable[str],
    transitions: Iterable[str],
    verifier_key: str,
    *,
    readable: bool = True,
) -> None:
    """Write a bundle into ``folder``, which must be new or empty.

    Refusing a non-empty folder keeps stale checkpoints of an earlier export
    from mixing into this one.  Entries are written to a temporary name and
    renamed last, so an interrupted export is visibly incomplete.
    """
    root = Path(folder)
    if root.exists() and any(root.iterdir()):
        raise FileExistsError(f"{root} is not empty")
    key = NoteVerifier.parse(verifier_key).verifier_key()
    for sub in (CHECKPOINTS, TRANSITIONS):
        (root / sub).mkdir(parents=True, exist_ok=True)
    for number, note in enumerate(checkpoints, 1):
        try:
            stem = f"{_note_size(note):020d}"
        except ValueError:  # written as it is, for the verifier to report
            stem = f"unreadable-{number:04d}"
        path, n = root / CHECKPOINTS / f"{stem}.note", 1
        while path.exists():  # two notes for one size: keep both, the verifier judges
            path, n = root / CHECKPOINTS / f"{stem}-{n}.note", n + 1
        path.write_bytes(note.encode("utf-8", "surrogateescape"))
    for number, note in enumerate(transitions, 1):  # damaged ones too, as they are
        (root / TRANSITIONS / f"{number:04d}.note").write_bytes(
            note.encode("utf-8", "surrogateescape"))
    (root / PUBLIC_KEY).write_text(key + "\n", encoding="utf-8")
    partial = root / (ENTRIES + ".partial")
    with partial.open("w", encoding="utf-8", newline="\n") as out:
        for index, stored in entries:
            out.write(_entry_line(index, stored, readable))
    partial.replace(root / ENTRIES)
    (root / README).write_text(README_TEXT, encoding="utf-8")


class EntryFile:
    """``entries.jsonl`` as a re-iterable stream of ``(index, stored bytes)``."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __iter__(self) -> Iterator[tuple[int, bytes]]:
        number = 0
        try:
            with self.path.open("rb") as lines:
                for number, raw in enumerate(lines, 1):
                    yield self._parse(raw, number)
        except OSError as error:
            raise BundleError(f"{ENTRIES} line {number + 1}: {error.strerror}", number) from None

    @staticmethod
    def _parse(raw: bytes, number: int) -> tuple[int, bytes]:
        where = f"{ENTRIES} line {number}"
        try:
            line = _decode_json(raw.decode("utf-8"))
        except (ValueError, RecursionError):
            raise BundleError(f"{where}: not JSON", number) from None
        index = line.get("index") if isinstance(line, dict) else None
        encoded = line.get("stored") if isinstance(line, dict) else None
        if not isinstance(index, int) or isinstance(index, bool) or index < 0:
            raise BundleError(f"{where}: no valid \"index\"", number)
        if not isinstance(encoded, str):
            raise BundleError(f"{where}: no \"stored\" string", number)
        try:
            return index, binascii.a2b_base64(encoded, strict_mode=True)
        except (binascii.Error, ValueError):
            raise BundleError(f"{where}: \"stored\" is not base64", number) from None


@dataclass(frozen=True)
class Bundle:
    """A bundle as read: nothing here is trusted until verified against a key."""

    folder: Path
    entries: EntryFile
    checkpoints: tuple[str, ...]
    transitions: tuple[str, ...]
    public_key: str


def _read_text(path: Path) -> str:
    try:
        with path.open("rb") as file:
            data = file.read(_MAX_NOTE_BYTES + 1)
    except OSError as error:
        raise BundleError(f"{path.name}: {error.strerror}") from None
    if len(data) > _MAX_NOTE_BYTES:
        raise BundleError(f"{path.name}: too large")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise BundleError(f"{path.name}: not UTF-8") from None


def _read_notes(folder: Path) -> tuple[str, ...]:
    if not folder.is_dir():
        raise BundleError(f"missing {folder.name}/")
    return tuple(_read_text(p) for p in sorted(folder.iterdir()) if p.suffix == ".note")


def read_bundle(folder: str | os.PathLike[str]) -> Bundle:
    """Open a bundle; BundleError if a part is missing or unreadable.

    Entries are read lazily: a damaged line raises BundleError (with ``line``)
    when iteration reaches it, which :func:`~hub.audit.verify.verify_log`
    reports as a problem at that entry.
    """
    root = Path(folder)
    if not (root / ENTRIES).is_file():
        raise BundleError(f"missing {ENTRIES}")
    if not (root / PUBLIC_KEY).is_file():
        raise BundleError(f"missing {PUBLIC_KEY}")
    return Bundle(
        folder=root,
        entries=EntryFile(root / ENTRIES),
        checkpoints=_read_notes(root / CHECKPOINTS),
        transitions=_read_notes(root / TRANSITIONS),
        public_key=_read_text(root / PUBLIC_KEY).strip(),
    )
