"""Verify the audit trail against signed checkpoints, trusting only one public key.

Used on the live store and on an exported bundle alike.  Entry ``i`` is the leaf
``audit_leaf(i, stored)`` of an RFC 9162 Merkle tree, and its stored bytes are a
JSON object whose ``"previous"`` field is the hex leaf hash of entry ``i - 1``
(``""`` for entry 0).  Two kinds of evidence follow:

* a checkpoint signed by the trusted key (or a key reached through key
  transitions) certifies every entry below its size, but can only say that
  *some* entry in an interval changed;
* the indices and the ``previous`` chain name the exact entry that was edited,
  deleted, swapped or inserted, unless the forger rewrote everything after it.

:func:`verify_log` streams the entries once, growing a Merkle tree and checking
each checkpoint as the tree reaches its size, so a million entries cost about
what hashing them costs.  It never raises on bad input: everything wrong becomes
a one-line problem in the :class:`Report`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from hashlib import sha256

from hub.audit.merkle import EMPTY_ROOT, MerkleTree, leaf_hash, verify_consistency
from hub.audit.notes import Checkpoint, KeyChain, NoteVerifier, parse_note

__all__ = ["Report", "audit_leaf", "verify_checkpoint_consistency", "verify_log"]

MAX_PROBLEMS = 100
_MAX_INDEX = 2**64 - 1


def audit_leaf(index: int, stored: bytes) -> bytes:
    """The Merkle leaf of entry ``index``: uint64 big-endian index, then the stored bytes.

    Binding the index into the leaf means an entry cannot be moved to another
    position without changing the tree, even if its bytes are unchanged.
    """
    if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index <= _MAX_INDEX:
        raise ValueError("an audit entry index is an int in the uint64 range")
    return index.to_bytes(8, "big") + bytes(stored)


@dataclass
class Report:
    """The verdict: ``ok`` only if nothing at all was found wrong.

    ``first_bad_index`` is the first entry shown to be bad (by its index, the
    hash chain, or a verified checkpoint that disagrees), ``covered`` the number
    of leading entries certified by a verified checkpoint.
    """

    ok: bool
    entries: int
    checkpoints_checked: int
    first_bad_index: int | None
    problems: list[str]
    covered: int = 0
    tree: MerkleTree | None = field(default=None, repr=False, compare=False)
    """The tree of the entries as read, for checks against checkpoints held elsewhere."""


@dataclass
class _Findings:
    """Problems and evidence gathered while streaming."""

    problems: list[str] = field(default_factory=list)
    extra: int = 0
    suspects: list[int] = field(default_factory=list)  # entries that are bad
    intervals: list[tuple[int, int]] = field(default_factory=list)  # a bad entry in [lo, hi)
    matched: list[int] = field(default_factory=list)  # sizes whose root matched
    mismatched: list[int] = field(default_factory=list)

    def add(self, message: str, suspect: int | None = None) -> None:
        """Record a problem (one line, capped) and, if known, the entry it blames."""
        message = " ".join(message.split())
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(message)
        else:
            self.extra += 1
        if suspect is not None:
            self.suspects.append(suspect)

    def first_bad(self) -> int | None:
        """Combine the evidence: precise suspects first, checkpoint intervals otherwise.

        A matched checkpoint certifies everything below its size, so no suspect
        can lie below the largest one; a mismatch that a later checkpoint
        contradicts blames that checkpoint, not the entries.
        """
        covered = max(self.matched, default=0)
        best = max(min(self.suspects), covered) if self.suspects else None
        if self.intervals:
            lo, hi = min(self.intervals)
            if best is None or best >= hi:
                return max(lo, covered)
        return best


def _claimed_size(note: object) -> str:
    """Best-effort size label for an unverifiable checkpoint, for messages only."""
    try:
        if isinstance(note, (str, bytes)):
            return str(Checkpoint.parse(parse_note(note)[0]).size)
    except ValueError:
        pass
    return "?"


def _open_checkpoints(
    chain: KeyChain, notes: Iterable[str], origin: str, found: _Findings
) -> dict[int, set[bytes]]:
    """Verify every checkpoint's signature and origin; return size -> signed roots."""
    roots: dict[int, set[bytes]] = {}
    number = 0
    try:
        for number, note in enumerate(notes, 1):
            try:
                checkpoint = chain.open_checkpoint(note, origin)
            except Exception as error:
                found.add(f"checkpoint {_claimed_size(note)} (#{number}): {error}")
                continue
            roots.setdefault(checkpoint.size, set()).add(checkpoint.root)
    except Exception as error:
        found.add(f"checkpoints unreadable after #{number}: {error}")
    for size, signed in sorted(roots.items()):
        if len(signed) > 1:
            found.add(f"checkpoint {size}: {len(signed)} different roots signed for one size")
    return roots


_decode_json = json.JSONDecoder().decode
_BATCH = 4096  # leaves handed to MerkleTree.extend at once, which hashes in bulk


_PREVIOUS = b'"previous":"'
_HEX = frozenset(b"0123456789abcdef")


def _previous_of(stored: bytes) -> str | None:
    """The entry's ``previous`` field, or None if it is not a UTF-8 JSON object with one.

    The hub writes compact JSON with ``previous`` once, as a plain string of 64 hex digits
    (or empty); such an entry is read without parsing it whole, which is most of the cost of
    verifying. Anything that does not look exactly like that is parsed in full.
    """
    start = stored.find(_PREVIOUS)
    if start > 0 and stored[:1] == b"{" and stored.count(b'"previous"') == 1:
        value = start + len(_PREVIOUS)
        if stored[value:value + 1] == b'"':
            return ""
        digits = stored[value:value + 64]
        if stored[value + 64:value + 65] == b'"' and _HEX.issuperset(digits):
            return digits.decode("ascii")
    try:
        value = _decode_json(stored.decode("utf-8"))
    except (ValueError, RecursionError):
        return None
    previous = value.get("previous") if isinstance(value, dict) else None
    return previous if isinstance(previous, str) else None


class _Stream:
    """One pass over the entries: indices, hash chain and checkpoint roots."""

    def __init__(self, roots: dict[int, set[bytes]], found: _Findings) -> None:
        self.roots, self.found = roots, found
        self.sizes = sorted(s for s in roots if s > 0)
        self.next_size = 0
        self.due = self.sizes[0] if self.sizes else -1  # the next checkpoint's size
        self.tree = MerkleTree()
        self.batch: list[bytes] = []
        self.count = 0  # entries accepted so far: the position of the next one
        self.expected = 0  # the index the next entry should carry
        self.prev_hash = b""
        self.chain_break: int | None = None  # first unexplained chain break, awaiting the next
        self.checked = 0
        if 0 in roots:
            self._compare(0, EMPTY_ROOT)

    def run(self, entries: Iterable[tuple[int, bytes]]) -> None:
        """Feed every entry; a read error ends the stream and is reported, not raised."""
        try:
            for item in entries:
                if not self.entry(self.count, item):
                    break
                self.count += 1
        except Exception as error:
            self.found.add(f"entry {self.count}: unreadable ({error})", self.count)
        self.tree.extend(self.batch)
        self.finish(self.count)

    def entry(self, position: int, item: tuple[int, bytes]) -> bool:
        """Check one entry; False (after reporting) if it cannot even be hashed.

        The common case (the next index, its ``previous`` naming the entry before, once) is
        settled by two byte scans; anything else takes the full checks below.
        """
        if type(item) is tuple and len(item) == 2 and self.chain_break is None:
            index, stored = item
            if (type(index) is int and index == self.expected and type(stored) is bytes
                    and stored[:1] == b"{" and stored.count(b'"previous"') == 1
                    and stored.find(_PREVIOUS + (self.prev_hash.hex().encode() if position
                                                 else b"") + b'"') > 0):
                self.expected = index + 1
                self.prev_hash = sha256(b"\x00" + index.to_bytes(8, "big") + stored).digest()
                self.batch.append(self.prev_hash)
                if position + 1 == self.due or len(self.batch) >= _BATCH:
                    self._settle(position)
                return True
        return self._entry(position, item)

    def _settle(self, position: int) -> None:
        """Hand the batch to the tree; compare the root if a checkpoint is due here."""
        self.tree.extend(self.batch)
        self.batch.clear()
        if position + 1 == self.due:
            self._compare(position + 1, self.tree.root())
            self.next_size += 1
            self.due = self.sizes[self.next_size] if self.next_size < len(self.sizes) else -1

    def _entry(self, position: int, item: tuple[int, bytes]) -> bool:
        index, stored = item if isinstance(item, tuple) and len(item) == 2 else (None, None)
        if not isinstance(index, int) or isinstance(index, bool) or not isinstance(stored, bytes):
            self.found.add(f"entry {position}: not an (index, bytes) pair", position)
            return False
        if not 0 <= index <= _MAX_INDEX:
            self.found.add(f"entry {position}: index {index} out of range", position)
            return False
        expected, moved = self.expected, index != self.expected
        if index > expected:
            missing = f"{expected}..{index - 1}" if index - expected > 1 else expected
            self.found.add(f"entry {missing} missing or moved: {index} in its place", expected)
        elif moved:
            self.found.add(f"entry {index} duplicated or out of order (position {position})", index)
        self.expected = max(expected, index + 1)
        self._link(position, index, stored, moved)
        self.prev_hash = leaf_hash(index.to_bytes(8, "big") + stored)  # audit_leaf, inlined
        self.batch.append(self.prev_hash)
        if position + 1 == self.due or len(self.batch) >= _BATCH:
            self._settle(position)
        return True

    def _link(self, position: int, index: int, stored: bytes, moved: bool) -> None:
        """Check the ``previous`` link; a lone break blames the entry before it."""
        previous = _previous_of(stored)
        broken = previous != (self.prev_hash.hex() if position else "")
        if self.chain_break is not None:
            # A break followed by a good link means the entry before the break changed
            # (its hash moved); followed by another break, the entry at the break did.
            # An unreadable next entry proves nothing, so blame the earlier one.
            alone = previous is None or not (broken or moved)
            self.found.suspects.append(self.chain_break - 1 if alone else self.chain_break)
            self.chain_break = None
        if previous is None:
            self.found.add(f"entry {index}: not a JSON object with a 'previous' string", position)
        elif broken and not moved and position == 0:
            self.found.add("entry 0: 'previous' is not empty", 0)
        elif broken and not moved:
            self.found.add(f"entry {index}: 'previous' is not the leaf hash of entry {index - 1}")
            self.chain_break = position

    def _compare(self, size: int, root: bytes) -> None:
        self.checked += 1
        if root in self.roots[size]:
            self.found.matched.append(size)
        else:
            self.found.mismatched.append(size)

    def finish(self, count: int) -> None:
        """Settle a pending chain break and judge the checkpoints."""
        if self.chain_break is not None:  # the last link: either entry may be the bad one
            self.found.suspects.append(self.chain_break - 1)
        matched, found = self.found.matched, self.found
        unexplained = []
        for size in found.mismatched:
            later = [m for m in matched if m >= size]
            if later:  # the entries below a later match are certified: this checkpoint lies
                found.add(f"checkpoint {size}: root contradicts checkpoint {min(later)}")
            else:
                unexplained.append(size)
        if unexplained:
            size, lo = unexplained[0], max(matched, default=0)
            found.add(f"checkpoint {size}: root does not match entries {lo}..{size - 1}")
            found.intervals.append((lo, size))
            _summarise(found, unexplained[1:], "root also disagrees with the entries")
        beyond = self.sizes[self.next_size :]
        if beyond:
            found.add(f"checkpoint {beyond[0]}: only {count} entries present (tail missing)")
            found.intervals.append((count, beyond[0]))
            _summarise(found, beyond[1:], f"also beyond the {count} entries present")


def _summarise(found: _Findings, sizes: list[int], what: str) -> None:
    """One line for the checkpoints that repeat a problem already reported."""
    if len(sizes) == 1:
        found.add(f"checkpoint {sizes[0]}: {what}")
    elif sizes:
        found.add(f"checkpoints {sizes[0]}..{sizes[-1]} ({len(sizes)}): {what}")


def verify_log(
    entries: Iterable[tuple[int, bytes]],
    checkpoints: Iterable[str],
    transitions: Iterable[str],
    trusted_key: str,
    origin: str,
) -> Report:
    """Verify entries against checkpoints signed by ``trusted_key`` (or its predecessors).

    Nothing is taken from the caller's data on trust: the key is the caller's,
    older keys count only through transition notes chained back from it, and
    checkpoints that fail any check are reported, not used.
    """
    found = _Findings()
    try:
        trusted = NoteVerifier.parse(trusted_key)
    except ValueError:
        return Report(False, 0, 0, None, ["the trusted key is not a valid verifier key"])
    try:
        chain = KeyChain.build(trusted, transitions, origin)
    except Exception as error:
        chain = KeyChain({trusted: None}, [f"key transitions unreadable: {error}"])
    for problem in chain.problems:
        found.add(problem)
    roots = _open_checkpoints(chain, checkpoints, origin, found)
    stream = _Stream(roots, found)
    stream.run(entries)
    count = stream.count
    if count and not roots:
        found.add("no checkpoint signed by the trusted key: the entries are not certified")
    if found.extra:
        found.problems.append(f"... and {found.extra} more problems")
    return Report(
        ok=not found.problems,
        entries=count,
        checkpoints_checked=stream.checked,
        first_bad_index=found.first_bad(),
        problems=found.problems,
        covered=max(found.matched, default=0),
        tree=stream.tree,
    )


def verify_checkpoint_consistency(
    old_note: str,
    new_note: str,
    proof: Sequence[bytes],
    trusted_key: str,
    origin: str,
    transitions: Iterable[str] = (),
) -> bool:
    """True if both checkpoints are trusted and ``proof`` shows new extends old.

    For an auditor holding an earlier checkpoint: a server that forked or
    rewrote the log cannot produce a proof that passes.  Never raises.
    """
    try:
        chain = KeyChain.build(NoteVerifier.parse(trusted_key), transitions, origin)
        old = chain.open_checkpoint(old_note, origin)
        new = chain.open_checkpoint(new_note, origin)
        if old.size == 0:  # every tree extends the empty one; nothing to prove
            return old.root == EMPTY_ROOT and isinstance(proof, Sequence) and len(proof) == 0
        return verify_consistency(old.size, new.size, old.root, new.root, proof)
    except Exception:
        return False
