"""RFC 9162 (Certificate Transparency v2) Merkle tree hashing with SHA-256.

The audit trail commits to its entries with a Merkle tree so that anyone holding
a signed (size, root) checkpoint can check that an entry is in the log (inclusion
proof) and that a later log only appended to an earlier one (consistency proof),
without trusting the hub.  Hashing follows RFC 9162 section 2.1 exactly, so the
proofs interoperate with standard transparency-log tooling:

* leaf hashes and interior node hashes use distinct prefixes (0x00 / 0x01), so a
  leaf can never be passed off as an interior node (second-preimage defence);
* the tree over ``n`` entries splits at the largest power of two below ``n``.

Verifiers are written for hostile input: they return ``False`` for anything
malformed and never raise, because a proof usually arrives from outside and an
exception would turn a forged proof into a crash instead of a rejection.
Generators raise ``ValueError`` because bad arguments there are caller bugs.

:class:`MerkleTree` works on leaf *hashes* and keeps every complete subtree hash,
so each stored entry is hashed once, each interior node is hashed once, and any
prefix root or proof costs O(log n) lookups and hashes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import TypeGuard

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "MerkleTree",
    "consistency_proof",
    "inclusion_proof",
    "leaf_hash",
    "node_hash",
    "root_hash",
    "verify_consistency",
    "verify_inclusion",
]

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()
"""MTH({}) - the root of the empty tree (RFC 9162 2.1.1)."""

_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"
_MAX_TREE_SIZE = 2**64 - 1  # RFC 9162 tree sizes are uint64; bounds verifier work.
_MAX_PROOF_LEN = 2 * 64 + 2  # comfortably above any valid proof for a uint64 tree


def leaf_hash(data: bytes) -> bytes:
    """Return ``SHA-256(0x00 || data)``, the hash of one raw log entry."""
    return hashlib.sha256(_LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Return ``SHA-256(0x01 || left || right)``, the hash of an interior node."""
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


class MerkleTree:
    """An append-only Merkle tree over leaf hashes, answering for any prefix size.

    ``_levels[k]`` is a flat ``bytearray`` of the hashes of all *complete*
    subtrees of ``2**k`` leaves, left to right: level 0 holds the leaf hashes and
    node ``i`` of level ``k + 1`` hashes the adjacent pair ``2i, 2i + 1`` of level
    ``k``.  A complete subtree never changes once its leaves exist, so every
    interior hash is computed exactly once, and every node of the RFC tree for
    any prefix is either a lookup or a fold of O(log n) lookups.  Flat byte
    arrays keep ~1M entries at about 64 MB instead of ~150 MB of bytes objects.
    Not thread-safe: serialise appends with reads if sharing an instance.
    """

    __slots__ = ("_levels",)

    def __init__(self, leaf_hashes: Iterable[bytes] = ()) -> None:
        """Create a tree, optionally pre-loaded with ``leaf_hashes`` in order."""
        self._levels: list[bytearray] = [bytearray()]
        self.extend(leaf_hashes)

    @property
    def size(self) -> int:
        """Number of leaves appended so far."""
        return len(self._levels[0]) // HASH_SIZE

    def append(self, leaf_hash: bytes) -> int:
        """Append one leaf hash and return its index (amortised O(1) hashing)."""
        _require_hash(leaf_hash, "leaf hash")
        levels = self._levels
        index = node = self.size
        levels[0] += leaf_hash
        level = 0
        while node & 1:  # this node completes a pair: hash it into the level above
            if level + 1 == len(levels):
                levels.append(bytearray())
            off = (node - 1) * HASH_SIZE
            pair = levels[level][off : off + 2 * HASH_SIZE]
            levels[level + 1] += hashlib.sha256(_NODE_PREFIX + pair).digest()
            node >>= 1
            level += 1
        return index

    def extend(self, leaf_hashes: Iterable[bytes]) -> None:
        """Append leaf hashes in order; all-or-nothing if any is malformed."""
        batch = list(leaf_hashes)
        for item in batch:
            _require_hash(item, "leaf hash")
        if batch:
            self._levels[0] += b"".join(batch)
            self._build_complete_subtrees()

    def root(self, size: int | None = None) -> bytes:
        """Return MTH of the first ``size`` leaves (default: all of them)."""
        size = self._check_size(size)
        return self._subtree(0, size) if size else EMPTY_ROOT

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """Return PATH(index, D[0:size]) per RFC 9162 2.1.3.1, leaf level first."""
        size = self._check_size(size)
        _require_int(index, "index")
        if not 0 <= index < size:
            raise ValueError(f"index {index} out of range for tree size {size}")
        siblings: list[bytes] = []  # collected root-down, returned leaf-up
        start, end = 0, size
        while end - start > 1:
            mid = start + _split(end - start)
            if index < mid:
                siblings.append(self._subtree(mid, end))
                end = mid
            else:
                siblings.append(self._subtree(start, mid))
                start = mid
        siblings.reverse()
        return siblings

    def consistency_proof(self, first: int, second: int | None = None) -> list[bytes]:
        """Return PROOF(first, D[0:second]) per RFC 9162 2.1.4.1.

        ``first == second`` gives an empty proof.  ``first == 0 < second`` is
        rejected: every tree extends the empty tree, so such a "proof" would
        prove nothing and RFC 9162 defines proofs only for ``0 < first``.
        """
        second = self._check_size(second)
        _require_int(first, "first")
        if not 0 <= first <= second:
            raise ValueError(f"first size {first} out of range for second size {second}")
        if first == 0 and second > 0:
            raise ValueError("a consistency proof from the empty tree proves nothing")
        nodes: list[bytes] = []  # collected root-down, returned leaf-up
        start, end, whole = 0, second, True
        while first != end:  # invariant: start <= first < end
            mid = start + _split(end - start)
            if first <= mid:
                nodes.append(self._subtree(mid, end))
                end = mid
            else:
                nodes.append(self._subtree(start, mid))
                start, whole = mid, False
        if not whole:  # SUBPROOF(m, D[m], false) = {MTH(D[m])}
            nodes.append(self._subtree(start, end))
        nodes.reverse()
        return nodes

    def complete_subtrees(self, level: int, start: int, count: int) -> bytes:
        """The hashes of ``count`` complete subtrees of ``2**level`` leaves, from the
        ``start``-th, concatenated: MTH(D[i * 2**level : (i + 1) * 2**level]) for ``i`` in
        ``[start, start + count)``. A tlog tile at level ``L`` is this at level ``8 * L``.
        """
        for value, name in ((level, "level"), (start, "start"), (count, "count")):
            _require_int(value, name)
        if level < 0 or start < 0 or count < 0:
            raise ValueError("level, start and count must not be negative")
        if level >= len(self._levels) and count:
            raise ValueError(f"no complete subtree of 2**{level} leaves yet")
        hashes = self._levels[level] if level < len(self._levels) else bytearray()
        if (start + count) * HASH_SIZE > len(hashes):
            raise ValueError(f"only {len(hashes) // HASH_SIZE} complete subtrees at that level")
        return bytes(hashes[start * HASH_SIZE:(start + count) * HASH_SIZE])

    def _check_size(self, size: int | None) -> int:
        """Default ``size`` to the full tree and reject sizes we do not have."""
        if size is None:
            return self.size
        _require_int(size, "size")
        if not 0 <= size <= self.size:
            raise ValueError(f"size {size} out of range for tree of {self.size} leaves")
        return size

    def _build_complete_subtrees(self) -> None:
        """Hash every newly completed pair, level by level, once each."""
        sha256, pair = hashlib.sha256, 2 * HASH_SIZE
        level = 0
        while (complete := len(self._levels[level]) // pair) > 0:
            if level + 1 == len(self._levels):
                self._levels.append(bytearray())
            below, above = self._levels[level], self._levels[level + 1]
            done = len(above) // HASH_SIZE
            if done == complete:
                return  # nothing new here means nothing new further up either
            above += b"".join(
                sha256(_NODE_PREFIX + below[off : off + pair]).digest()
                for off in range(done * pair, complete * pair, pair)
            )
            level += 1

    def _subtree(self, start: int, end: int) -> bytes:
        """MTH(D[start:end]) for a non-empty node of some prefix's RFC tree.

        Such a node's ``start`` is a multiple of the smallest power of two
        >= ``end - start``, so its binary decomposition (largest part first)
        yields aligned complete subtrees that are all stored lookups; folding
        them right to left reproduces the RFC recursion.
        """
        parts: list[bytes] = []
        while start < end:
            level = (end - start).bit_length() - 1
            offset = (start >> level) * HASH_SIZE
            parts.append(bytes(self._levels[level][offset : offset + HASH_SIZE]))
            start += 1 << level
        acc = parts.pop()
        while parts:
            acc = node_hash(parts.pop(), acc)
        return acc


def root_hash(leaves: Sequence[bytes]) -> bytes:
    """Return MTH(D_n) over raw entries (hashed here); ``SHA-256(b"")`` if empty."""
    return _tree_of(leaves).root()


def inclusion_proof(leaves: Sequence[bytes], index: int) -> list[bytes]:
    """Return the RFC 9162 inclusion proof for ``leaves[index]`` (raw entries)."""
    return _tree_of(leaves).inclusion_proof(index)


def consistency_proof(leaves: Sequence[bytes], first: int) -> list[bytes]:
    """Return the RFC 9162 consistency proof from size ``first`` to ``len(leaves)``."""
    return _tree_of(leaves).consistency_proof(first)


def verify_inclusion(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """Check an inclusion proof with the RFC 9162 2.1.3.2 algorithm; never raises.

    Note that a root alone does not commit to a size: callers must take
    ``size`` and ``root`` together from the same signed checkpoint.
    """
    path = _as_path(proof)
    if (
        path is None
        or not (_is_size(index) and _is_size(size) and index < size)
        or not (_is_hash(leaf_hash) and _is_hash(root))
    ):
        return False
    fn, sn, r = index, size - 1, leaf_hash
    for p in path:
        if sn == 0 or not _is_hash(p):
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> bool:
    """Check a consistency proof with the RFC 9162 2.1.4.2 algorithm; never raises.

    Beyond the RFC's ``0 < first < second`` case: equal sizes need an empty
    proof and equal roots (the empty root when both are 0), and ``first == 0 <
    second`` is refused because it would vouch for any second tree at all.
    """
    path = _as_path(proof)
    if path is None or not (_is_size(first) and _is_size(second)) or first > second:
        return False
    if not (isinstance(first_root, bytes) and isinstance(second_root, bytes)):
        return False
    if first == second:
        return not path and first_root == second_root and (first > 0 or first_root == EMPTY_ROOT)
    if first == 0 or not path or not (_is_hash(first_root) and _is_hash(second_root)):
        return False
    if first & (first - 1) == 0:  # a power of two: the old root is itself a node
        path = [first_root, *path]
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    seed = path[0]
    if not _is_hash(seed):
        return False
    fr = sr = seed
    for c in path[1:]:
        if sn == 0 or not _is_hash(c):
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == first_root and sr == second_root


def _tree_of(leaves: Sequence[bytes]) -> MerkleTree:
    """Build a tree over raw entries, so the functions and the class cannot drift."""
    return MerkleTree(leaf_hash(entry) for entry in leaves)


def _split(n: int) -> int:
    """Largest power of two strictly below ``n`` (``n >= 2``): the RFC's ``k``."""
    return 1 << ((n - 1).bit_length() - 1)


def _require_int(value: object, name: str) -> None:
    """Reject non-integers (including bool) before they reach range checks."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")


def _require_hash(value: object, name: str) -> None:
    """Reject anything but a 32-byte ``bytes`` value."""
    if not isinstance(value, bytes):
        raise TypeError(f"{name} must be bytes, not {type(value).__name__}")
    if len(value) != HASH_SIZE:
        raise ValueError(f"{name} must be {HASH_SIZE} bytes, got {len(value)}")


def _is_hash(value: object) -> TypeGuard[bytes]:
    """True for a 32-byte ``bytes`` value."""
    return isinstance(value, bytes) and len(value) == HASH_SIZE


def _is_size(value: object) -> bool:
    """True for a non-bool int within the uint64 range RFC 9162 uses."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= _MAX_TREE_SIZE


def _as_path(proof: object) -> list[object] | None:
    """Snapshot a proof as a list, or ``None`` if it cannot be a list of hashes.

    ``None`` is refused rather than read as "empty": an absent proof must not
    verify by accident.  ``bytes``/``str`` are sequences but never a hash list.
    Overlong proofs are refused before copying so garbage cannot cost memory,
    and the broad except keeps the never-raise promise against a hostile
    ``Sequence`` whose ``__len__``/``__iter__`` raises.
    """
    if not isinstance(proof, Sequence) or isinstance(proof, (bytes, bytearray, str)):
        return None
    try:
        return list(proof) if len(proof) <= _MAX_PROOF_LEN else None
    except Exception:
        return None
