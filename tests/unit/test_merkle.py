"""Tests for hub.audit.merkle: RFC 9162 Merkle hashing, proofs and verification.

Three independent sources of truth are used so that a shared misreading of the
RFC cannot pass unnoticed: the transparency-dev/merkle test vectors (JSON files
kept in this repository under ``tests/vectors/merkle``; see
``tests/vectors/README.md``), the published roots of the RFC 6962 reference
tree, and a literal, memoised transcription of the RFC recursions below.
Property tests then check that proofs bind what they claim and that the
verifiers never raise on hostile input.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.audit.merkle import (
    EMPTY_ROOT,
    MerkleTree,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root_hash,
    verify_consistency,
    verify_inclusion,
)

VECTORS_DIR = Path(__file__).resolve().parents[1] / "vectors" / "merkle"

# The transparency-dev reference tree (testonly/constants.go: LeafInputs, RootHashes).
REFERENCE_LEAVES = [
    bytes.fromhex(h)
    for h in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]
REFERENCE_ROOTS = [  # indexed by tree size, 0..8
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
REFERENCE_LEAF_HASHES = [  # testonly/constants.go: NodeHashes()[0]
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
    "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
    "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
    "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
    "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
]
# Siblings of leaf 0 in the 8-leaf tree: NodeHashes()[0][1], [1][1], [2][1].
REFERENCE_PATH_OF_LEAF_0 = [
    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
]
EXPECTED_VECTOR_FILES = 98  # per kind, in the transparency-dev corpus we ship


class RFCReference:
    """Literal transcription of RFC 9162 2.1.1, 2.1.3.1 and 2.1.4.1 over leaf hashes.

    Deliberately naive (recursive, own hashing, own split) so that it shares no
    code or cleverness with the implementation under test; memoised only so the
    exhaustive 70-leaf comparison stays fast.
    """

    def __init__(self, hashes: Sequence[bytes]) -> None:
        self.hashes = list(hashes)
        self._memo: dict[tuple[int, int], bytes] = {}

    @staticmethod
    def split(n: int) -> int:
        k = 1
        while 2 * k < n:
            k *= 2
        return k

    def mth(self, lo: int, hi: int) -> bytes:
        if (lo, hi) not in self._memo:
            n = hi - lo
            if n == 0:
                value = hashlib.sha256(b"").digest()
            elif n == 1:
                value = self.hashes[lo]
            else:
                k = self.split(n)
                value = hashlib.sha256(
                    b"\x01" + self.mth(lo, lo + k) + self.mth(lo + k, hi)
                ).digest()
            self._memo[lo, hi] = value
        return self._memo[lo, hi]

    def path(self, m: int, lo: int, hi: int) -> list[bytes]:
        n = hi - lo
        if n == 1:
            return []
        k = self.split(n)
        if m < k:
            return [*self.path(m, lo, lo + k), self.mth(lo + k, hi)]
        return [*self.path(m - k, lo + k, hi), self.mth(lo, lo + k)]

    def subproof(self, m: int, lo: int, hi: int, whole: bool) -> list[bytes]:
        n = hi - lo
        if m == n:
            return [] if whole else [self.mth(lo, hi)]
        k = self.split(n)
        if m <= k:
            return [*self.subproof(m, lo, lo + k, whole), self.mth(lo + k, hi)]
        return [*self.subproof(m - k, lo + k, hi, False), self.mth(lo, lo + k)]


# --------------------------------------------------------------------------- vectors


def _vector_params(kind: str) -> list[Any]:
    """One pytest param per vector file; a single failing sentinel if none exist."""
    base = VECTORS_DIR / kind
    files = sorted(base.rglob("*.json")) if base.is_dir() else []
    if not files:
        return [pytest.param(None, id=f"{kind}-vectors-missing")]
    return [pytest.param(f, id=f.relative_to(VECTORS_DIR).as_posix()) for f in files]


def _load(path: Path | None) -> dict[str, Any]:
    if path is None:
        pytest.fail(
            f"Merkle test vectors missing: expected transparency-dev JSON files under "
            f"{VECTORS_DIR} (inclusion/ and consistency/); they are required, not optional"
        )
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _b64(text: str) -> bytes:
    return base64.b64decode(text, validate=True)


def _proof(vector: dict[str, Any]) -> list[bytes]:
    """JSON ``null`` is Go's nil slice, i.e. an empty proof."""
    return [_b64(p) for p in vector["proof"] or []]


def test_vector_corpus_is_complete() -> None:
    """Guard against a silently truncated corpus making the suite vacuous."""
    assert VECTORS_DIR.is_dir(), f"Merkle test vectors missing: {VECTORS_DIR}"
    for kind in ("inclusion", "consistency"):
        count = len(list((VECTORS_DIR / kind).rglob("*.json")))
        assert count >= EXPECTED_VECTOR_FILES, f"only {count} {kind} vectors in {VECTORS_DIR}"


@pytest.mark.parametrize("path", _vector_params("inclusion"))
def test_inclusion_vector(path: Path | None) -> None:
    v = _load(path)
    ok = verify_inclusion(
        _b64(v["leafHash"]), v["leafIdx"], v["treeSize"], _proof(v), _b64(v["root"])
    )
    assert ok is (not v["wantErr"]), v["desc"]


@pytest.mark.parametrize("path", _vector_params("consistency"))
def test_consistency_vector(path: Path | None) -> None:
    v = _load(path)
    ok = verify_consistency(v["size1"], v["size2"], _b64(v["root1"]), _b64(v["root2"]), _proof(v))
    assert ok is (not v["wantErr"]), v["desc"]


def _happy_params(kind: str) -> list[Any]:
    return [
        p
        for p in _vector_params(kind)
        if p.values[0] is None or p.values[0].name == "happy-path.json"
    ]


@pytest.mark.parametrize("path", _happy_params("inclusion"))
def test_generated_inclusion_proof_matches_vector(path: Path | None) -> None:
    """Happy-path vectors are proofs over the reference tree: we must emit them."""
    v = _load(path)
    index, size = v["leafIdx"], v["treeSize"]
    assert _b64(v["leafHash"]) == leaf_hash(REFERENCE_LEAVES[index])
    assert _b64(v["root"]) == root_hash(REFERENCE_LEAVES[:size])
    assert inclusion_proof(REFERENCE_LEAVES[:size], index) == _proof(v)


@pytest.mark.parametrize("path", _happy_params("consistency"))
def test_generated_consistency_proof_matches_vector(path: Path | None) -> None:
    v = _load(path)
    first, second = v["size1"], v["size2"]
    assert _b64(v["root1"]) == root_hash(REFERENCE_LEAVES[:first])
    assert _b64(v["root2"]) == root_hash(REFERENCE_LEAVES[:second])
    assert consistency_proof(REFERENCE_LEAVES[:second], first) == _proof(v)


# ------------------------------------------------------------------ reference tree


def test_hash_primitives_use_rfc_domain_separation() -> None:
    assert leaf_hash(b"x") == hashlib.sha256(b"\x00x").digest()
    assert node_hash(b"l", b"r") == hashlib.sha256(b"\x01lr").digest()
    assert root_hash([]) == EMPTY_ROOT == hashlib.sha256(b"").digest()
    assert [leaf_hash(d).hex() for d in REFERENCE_LEAVES] == REFERENCE_LEAF_HASHES


@pytest.mark.parametrize("size", range(9))
def test_reference_tree_roots(size: int) -> None:
    assert root_hash(REFERENCE_LEAVES[:size]).hex() == REFERENCE_ROOTS[size]
    tree = MerkleTree(leaf_hash(d) for d in REFERENCE_LEAVES)
    assert tree.root(size).hex() == REFERENCE_ROOTS[size]


def test_reference_tree_inclusion_path_of_leaf_0() -> None:
    assert [h.hex() for h in inclusion_proof(REFERENCE_LEAVES, 0)] == REFERENCE_PATH_OF_LEAF_0


@pytest.mark.parametrize("size", range(1, 9))
def test_reference_tree_proofs_verify(size: int) -> None:
    leaves = REFERENCE_LEAVES[:size]
    root = bytes.fromhex(REFERENCE_ROOTS[size])
    for index in range(size):
        proof = inclusion_proof(leaves, index)
        assert verify_inclusion(leaf_hash(leaves[index]), index, size, proof, root)
    for first in range(1, size + 1):
        first_root = bytes.fromhex(REFERENCE_ROOTS[first])
        proof = consistency_proof(leaves, first)
        assert verify_consistency(first, size, first_root, root, proof)


# ------------------------------------------------- class vs functions vs the RFC

AGREEMENT_LEAVES = [f"audit-entry-{i}".encode() for i in range(70)]
AGREEMENT_REF = RFCReference([leaf_hash(d) for d in AGREEMENT_LEAVES])


@pytest.fixture(scope="module")
def agreement_tree() -> MerkleTree:
    tree = MerkleTree()
    for i, data in enumerate(AGREEMENT_LEAVES):
        assert tree.append(leaf_hash(data)) == i
        assert tree.size == i + 1
        assert tree.root() == AGREEMENT_REF.mth(0, i + 1)
    return tree


@pytest.mark.parametrize("n", range(71), ids=lambda n: f"n={n}")
def test_tree_agrees_with_functions_and_rfc(agreement_tree: MerkleTree, n: int) -> None:
    leaves, ref = AGREEMENT_LEAVES[:n], AGREEMENT_REF
    root = agreement_tree.root(n)
    assert root == root_hash(leaves) == ref.mth(0, n)
    for i in range(n):
        proof = agreement_tree.inclusion_proof(i, n)
        assert proof == inclusion_proof(leaves, i) == ref.path(i, 0, n)
        assert verify_inclusion(leaf_hash(leaves[i]), i, n, proof, root)
    for m in range(1 if n else 0, n + 1):
        proof = agreement_tree.consistency_proof(m, n)
        assert proof == consistency_proof(leaves, m) == ref.subproof(m, 0, n, True)
        assert verify_consistency(m, n, agreement_tree.root(m), root, proof)


@given(chunks=st.lists(st.integers(0, 9), max_size=12))
def test_extend_in_any_batches_equals_appending(chunks: list[int]) -> None:
    hashes = [leaf_hash(i.to_bytes(2, "big")) for i in range(sum(chunks))]
    batched, single = MerkleTree(), MerkleTree()
    start = 0
    for size in chunks:
        batched.extend(hashes[start : start + size])
        start += size
    for h in hashes:
        single.append(h)
    assert batched.size == single.size == len(hashes)
    for n in range(len(hashes) + 1):
        expected = root_hash([i.to_bytes(2, "big") for i in range(n)])
        assert batched.root(n) == single.root(n) == expected


# ---------------------------------------------------------------- error handling


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: inclusion_proof([], 0), "out of range"),
        (lambda: inclusion_proof([b"a", b"b"], 2), "out of range"),
        (lambda: inclusion_proof([b"a", b"b"], -1), "out of range"),
        (lambda: consistency_proof([b"a"], 2), "out of range"),
        (lambda: consistency_proof([b"a"], -1), "out of range"),
        (lambda: consistency_proof([b"a"], 0), "empty tree"),
        (lambda: MerkleTree().root(1), "out of range"),
        (lambda: MerkleTree([EMPTY_ROOT]).root(-1), "out of range"),
        (lambda: MerkleTree([EMPTY_ROOT]).inclusion_proof(0, 2), "out of range"),
        (lambda: MerkleTree([EMPTY_ROOT] * 3).consistency_proof(2, 1), "out of range"),
        (lambda: MerkleTree().append(b"short"), "32 bytes"),
    ],
)
def test_generators_reject_out_of_range_arguments(call: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()


def test_generators_reject_wrong_types() -> None:
    with pytest.raises(TypeError, match="index must be an int"):
        inclusion_proof([b"a", b"b"], True)
    with pytest.raises(TypeError, match="leaf hash must be bytes"):
        MerkleTree().append("0" * 32)  # type: ignore[arg-type]


def test_extend_is_all_or_nothing() -> None:
    tree = MerkleTree([leaf_hash(b"a")])
    with pytest.raises(ValueError, match="32 bytes"):
        tree.extend([leaf_hash(b"b"), b"bad"])
    assert tree.size == 1
    assert tree.root() == root_hash([b"a"])


def test_trivial_consistency_proofs() -> None:
    assert consistency_proof([], 0) == []
    assert consistency_proof([b"a", b"b"], 2) == []
    assert verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])
    assert not verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, None)  # type: ignore[arg-type]


# -------------------------------------------------------------- property tests

unique_leaves = st.lists(st.binary(max_size=12), min_size=1, max_size=40, unique=True)


def _flips(proof: list[bytes], bit: int) -> Iterator[list[bytes]]:
    """Every copy of ``proof`` with one bit flipped in one byte of one element."""
    for i, element in enumerate(proof):
        for j in range(len(element)):
            mutated = bytearray(element)
            mutated[j] ^= 1 << bit
            yield [*proof[:i], bytes(mutated), *proof[i + 1 :]]


@settings(deadline=None)
@given(leaves=unique_leaves, data=st.data())
def test_inclusion_proofs_verify_and_bind(leaves: list[bytes], data: st.DataObject) -> None:
    n = len(leaves)
    tree = MerkleTree(leaf_hash(d) for d in leaves)
    index = data.draw(st.integers(0, n - 1), label="index")
    proof, root, leaf = inclusion_proof(leaves, index), tree.root(), leaf_hash(leaves[index])
    assert verify_inclusion(leaf, index, n, proof, root)
    assert verify_inclusion(leaf, index, n, tuple(proof), root)
    bit = data.draw(st.integers(0, 7), label="bit")
    for forged in _flips(proof, bit):
        assert not verify_inclusion(leaf, index, n, forged, root)
    for other in range(n):  # unique leaves: no other position holds this leaf
        assert verify_inclusion(leaf, other, n, proof, root) is (other == index)
    for size in range(index + 1, n):  # each size judged against its own root
        assert not verify_inclusion(leaf, index, size, proof, tree.root(size))
    assert not verify_inclusion(leaf, index, n, [*proof, root], root)
    if proof:
        assert not verify_inclusion(leaf, index, n, proof[:-1], root)
        assert not verify_inclusion(leaf, index, n, proof[::-1], root) or len(set(proof)) == 1


@settings(deadline=None)
@given(leaves=unique_leaves, data=st.data())
def test_consistency_proofs_verify_and_bind(leaves: list[bytes], data: st.DataObject) -> None:
    n = len(leaves)
    tree = MerkleTree(leaf_hash(d) for d in leaves)
    first = data.draw(st.integers(1, n), label="first")
    proof, old, new = consistency_proof(leaves, first), tree.root(first), tree.root()
    assert verify_consistency(first, n, old, new, proof)
    bit = data.draw(st.integers(0, 7), label="bit")
    for forged in _flips(proof, bit):
        assert not verify_consistency(first, n, old, new, forged)
    for other in range(1, n + 1):
        assert verify_consistency(other, n, tree.root(other), new, proof) is (other == first)
        if other != first:
            assert not verify_consistency(first, n, tree.root(other), new, proof)
    for second in range(first, n):
        assert not verify_consistency(first, second, old, tree.root(second), proof)
    assert not verify_consistency(first, n, new, old, proof) or first == n
    assert not verify_consistency(first, n, old, new, [*proof, new])


def test_root_alone_does_not_commit_to_size() -> None:
    """Why checkpoints must sign (size, root) together: this is inherent to RFC 9162.

    The proof for leaf 2 of a 3-leaf tree is a single left sibling, which is
    exactly the shape of a proof for leaf 1 of a 2-leaf tree.
    """
    leaves = [b"a", b"b", b"c"]
    proof, root = inclusion_proof(leaves, 2), root_hash(leaves)
    assert verify_inclusion(leaf_hash(b"c"), 2, 3, proof, root)
    assert verify_inclusion(leaf_hash(b"c"), 1, 2, proof, root)


# ------------------------------------------------------------ hostile input

garbage = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(),
    st.binary(max_size=40),
    st.text(max_size=4),
    st.lists(st.one_of(st.none(), st.integers(), st.text(max_size=2)), max_size=3),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=2),
)
hashes = st.binary(min_size=32, max_size=32)
sizes = st.one_of(st.integers(0, 70), st.just(2**64 - 1), st.just(2**64), garbage)
hash_like = st.one_of(hashes, garbage)
proofs = st.one_of(garbage, st.lists(hash_like, max_size=8), st.tuples(hashes, hash_like))


class ExplodingProof(Sequence[bytes]):
    """A hostile Sequence whose every method raises."""

    def __len__(self) -> int:
        raise RuntimeError("boom")

    def __getitem__(self, index: Any) -> Any:
        raise RuntimeError("boom")


@settings(max_examples=300, deadline=None)
@given(leaf=hash_like, index=sizes, size=sizes, proof=proofs, root=hash_like)
def test_verify_inclusion_never_raises(
    leaf: Any, index: Any, size: Any, proof: Any, root: Any
) -> None:
    assert verify_inclusion(leaf, index, size, proof, root) in (True, False)


@settings(max_examples=300, deadline=None)
@given(first=sizes, second=sizes, root1=hash_like, root2=hash_like, proof=proofs)
def test_verify_consistency_never_raises(
    first: Any, second: Any, root1: Any, root2: Any, proof: Any
) -> None:
    assert verify_consistency(first, second, root1, root2, proof) in (True, False)


@pytest.mark.parametrize(
    "proof",
    [None, ExplodingProof(), b"\x00" * 32, "abc", 7, [None], [EMPTY_ROOT] * 1000, {1: 2}],
    ids=["none", "exploding", "bytes", "str", "int", "none-element", "huge", "dict"],
)
def test_verifiers_reject_malformed_proof_containers(proof: Any) -> None:
    leaves = [b"a", b"b"]
    root = root_hash(leaves)
    assert verify_inclusion(leaf_hash(b"a"), 0, 2, proof, root) is False
    assert verify_consistency(1, 2, root_hash(leaves[:1]), root, proof) is False
