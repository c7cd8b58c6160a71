"""Tiles of the audit trail, against the examples of the C2SP tlog-tiles specification.

The examples quoted below are from https://c2sp.org/tlog-tiles, (c) the C2SP authors,
licensed under CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/); they are copied as
test data, unchanged.
"""

import hashlib

import pytest

from hub.audit.merkle import MerkleTree, leaf_hash, node_hash
from hub.audit.tiles import (
    TILE_WIDTH,
    TilePath,
    bundle_range,
    encode_index,
    entry_bundle,
    parse_tile_path,
    read_bundle,
    tile_hashes,
)
from hub.audit.verify import audit_leaf
from hub.errors import NotFound


def tiles_of(size: int) -> dict[int, tuple[int, int | None]]:
    """Per level: (full tiles, width of the partial tile or None), for a tree of ``size``."""
    shape = {}
    level = 0
    while size >= TILE_WIDTH ** level:
        hashes = size // TILE_WIDTH ** level
        full, partial = divmod(hashes, TILE_WIDTH)
        shape[level] = (full, partial or None)
        level += 1
    return shape


def test_the_spec_example_index_encoding() -> None:
    # "index 1234067 will be encoded as x001/x234/067"
    assert encode_index(1234067) == "x001/x234/067"
    assert parse_tile_path("0/x001/x234/067") == TilePath(0, 1234067)
    assert encode_index(0) == "000"
    assert TilePath(None, 5, 17).path() == "tile/entries/005.p/17"


def test_the_spec_example_tree_of_70000() -> None:
    # "a tree of size 70,000 will be represented by 273 full level 0 tiles, one partial
    # level 0 tile of width 112, one full level 1 tile, one partial level 1 tile of width 17,
    # and one partial level 2 tile of width 1."
    assert tiles_of(70_000) == {0: (273, 112), 1: (1, 17), 2: (0, 1)}
    # "Note that a tree of size 256 will be represented by a full level 0 tile and a partial
    # level 1 tile of width 1."
    assert tiles_of(256) == {0: (1, None), 1: (0, 1)}
    tree = MerkleTree(hashlib.sha256(i.to_bytes(4, "big")).digest() for i in range(70_000))
    for level, (full, partial) in tiles_of(70_000).items():
        for index in range(full):
            assert len(tile_hashes(tree, 70_000, TilePath(level, index))) == 8192
        if partial:
            tile = TilePath(level, full, partial)
            assert len(tile_hashes(tree, 70_000, tile)) == 32 * partial
            with pytest.raises(NotFound):  # one hash more than the tree holds
                tile_hashes(tree, 70_000, TilePath(level, full, partial + 1))
        with pytest.raises(NotFound):
            tile_hashes(tree, 70_000, TilePath(level, full))


@pytest.mark.parametrize("path", [
    "00/000", "64/000", "0/1", "0/0000", "0/x000/001", "0/001.p/0", "0/001.p/256",
    "0/001.p/07", "0/x1/000", "0/001/x002", "0", "entries", "-1/000", "0/abc", "0/001.p",
    "tiles/000", "0/000/",
])
def test_only_canonical_paths_are_tiles(path: str) -> None:
    with pytest.raises(ValueError, match=r"."):
        parse_tile_path(path)


def test_tiles_give_every_root_and_proof() -> None:
    """A client holding only tiles recomputes the root of any size (the tree is RFC 6962's)."""
    leaves = [leaf_hash(i.to_bytes(8, "big")) for i in range(1000)]
    tree = MerkleTree(leaves)
    level0 = b"".join(tile_hashes(tree, 1000, TilePath(0, n)) for n in range(3))
    level0 += tile_hashes(tree, 1000, TilePath(0, 3, 1000 - 768))
    assert [level0[i:i + 32] for i in range(0, len(level0), 32)] == leaves
    level1 = tile_hashes(tree, 1000, TilePath(1, 0, 3))
    for n in range(3):  # a level-1 hash is the root of a full level-0 tile
        assert level1[32 * n:32 * n + 32] == MerkleTree(leaves[256 * n:256 * n + 256]).root()

    def mth(hashes: list[bytes]) -> bytes:
        if len(hashes) == 1:
            return hashes[0]
        k = 1 << ((len(hashes) - 1).bit_length() - 1)
        return node_hash(mth(hashes[:k]), mth(hashes[k:]))

    assert mth(leaves) == tree.root()
    subtrees = [level1[i:i + 32] for i in range(0, 96, 32)]
    assert mth([*subtrees, mth(leaves[768:])]) == tree.root()


def test_an_entry_bundle_hashes_to_its_level_0_tile() -> None:
    stored = [f'{{"n":{i}}}'.encode() for i in range(300)]
    tree = MerkleTree(leaf_hash(audit_leaf(i, s)) for i, s in enumerate(stored))
    start, end = bundle_range(300, TilePath(None, 1, 44))
    assert (start, end) == (256, 300)
    bundle = entry_bundle(((i, stored[i]) for i in range(start, end)), start, end)
    entries = read_bundle(bundle)
    tile = tile_hashes(tree, 300, TilePath(0, 1, 44))
    assert [leaf_hash(e) for e in entries] == [tile[i:i + 32] for i in range(0, 44 * 32, 32)]
    assert entries[0] == (256).to_bytes(8, "big") + stored[256]
    with pytest.raises(NotFound):  # the store lacks entry 257
        entry_bundle(((i, stored[i]) for i in (256, 258)), 256, 259)
    with pytest.raises(NotFound):
        bundle_range(300, TilePath(None, 1))  # not yet full
