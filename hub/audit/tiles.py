"""The audit trail as a tiled transparency log (https://c2sp.org/tlog-tiles).

A standard mirror, monitor or witness can follow the log from static, cacheable resources
instead of the hub's own API:

    <prefix>/checkpoint                     the latest signed checkpoint (a C2SP signed note)
    <prefix>/tile/<L>/<N>[.p/<W>]           256 (or W) Merkle tree hashes at level L
    <prefix>/tile/entries/<N>[.p/<W>]       the entries themselves, as an entry bundle

with ``<prefix>`` = ``/v1/audit``. A tile at level ``L`` holds the hashes of complete subtrees
of ``256**L`` leaves: level 0 the leaf hashes, every level above the root of each full tile
below. ``<N>`` is written in 3-digit groups, all but the last starting with ``x``
(``1234067`` is ``x001/x234/067``).

An entry bundle is a sequence of entries, each a big-endian uint16 length and then the bytes
whose RFC 9162 leaf hash is the level-0 tile's hash. For this log that is the leaf data
``uint64_be(index) || stored bytes``, so a bundle entry is 8 bytes of index then the entry's
exact stored bytes. An entry of more than 65,535 bytes cannot be written in that format; its
bundle is then refused (the auditor's API, ``/v1/audit/entries``, still serves it).

Tile hashes are public (a hash says nothing about the entry); entry bundles hold ids, roles,
purposes and case references about pseudonymous children, so they go to auditors only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from hub.audit.merkle import MerkleTree
from hub.audit.verify import audit_leaf
from hub.errors import HubError, NotFound

__all__ = [
    "TILE_HEIGHT",
    "TILE_WIDTH",
    "BundleTooLarge",
    "TilePath",
    "entry_bundle",
    "parse_tile_path",
    "tile_hashes",
]

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT
MAX_LEVEL = 63
MAX_BUNDLE_ENTRY = 0xFFFF
_MAX_GROUPS = 8  # 1000**8 tiles is far beyond any uint64 tree
_LEVEL = re.compile(r"0|[1-9][0-9]?", re.ASCII)
_WIDTH = re.compile(r"[1-9][0-9]{0,2}", re.ASCII)
_GROUP = re.compile(r"[0-9]{3}", re.ASCII)


class BundleTooLarge(HubError):
    """An entry in the bundle is longer than the format's uint16 length can say."""

    code = "not_implemented"


@dataclass(frozen=True)
class TilePath:
    """A tile (``level`` 0-63) or, with ``level`` None, an entry bundle."""

    level: int | None
    index: int
    width: int = TILE_WIDTH

    @property
    def partial(self) -> bool:
        return self.width < TILE_WIDTH

    def path(self) -> str:
        """The canonical path, from ``tile/`` on."""
        level = "entries" if self.level is None else str(self.level)
        suffix = f".p/{self.width}" if self.partial else ""
        return f"tile/{level}/{encode_index(self.index)}{suffix}"


def encode_index(index: int) -> str:
    """``1234067`` -> ``x001/x234/067``: 3-digit groups, all but the last ``x``-prefixed."""
    if not isinstance(index, int) or isinstance(index, bool) or index < 0:
        raise ValueError("a tile index is a non-negative int")
    groups = []
    while True:
        index, group = divmod(index, 1000)
        groups.append(f"{group:03d}")
        if index == 0:
            break
    groups.reverse()
    return "/".join([*(f"x{g}" for g in groups[:-1]), groups[-1]])


def parse_tile_path(path: str) -> TilePath:
    """Parse ``<L>/<N>[.p/<W>]`` or ``entries/<N>[.p/<W>]`` (the part after ``tile/``).

    Only the canonical spelling is accepted (no leading zeros in the level or the width, no
    leading ``x000`` groups), so each resource has one URL. ValueError otherwise.
    """
    parts = path.split("/") if isinstance(path, str) else []
    if len(parts) < 2:
        raise ValueError("a tile path is <level>/<index>[.p/<width>]")
    width = TILE_WIDTH
    if len(parts) >= 3 and parts[-2].endswith(".p"):
        if not _WIDTH.fullmatch(parts[-1]) or not 1 <= int(parts[-1]) < TILE_WIDTH:
            raise ValueError("a partial tile's width is 1 to 255")
        width = int(parts[-1])
        parts = [*parts[:-2], parts[-2][:-2]]
    level_text, groups = parts[0], parts[1:]
    if level_text == "entries":
        level: int | None = None
    elif _LEVEL.fullmatch(level_text) and int(level_text) <= MAX_LEVEL:
        level = int(level_text)
    else:
        raise ValueError("a tile level is 0 to 63, or 'entries'")
    if not 1 <= len(groups) <= _MAX_GROUPS:
        raise ValueError("a tile index has 1 to 8 groups of 3 digits")
    index = 0
    for position, group in enumerate(groups):
        last = position == len(groups) - 1
        digits = group if last else group.removeprefix("x")
        if (not last and not group.startswith("x")) or not _GROUP.fullmatch(digits):
            raise ValueError("a tile index is written in 3-digit groups, all but the last "
                             "beginning with 'x'")
        index = index * 1000 + int(digits)
    tile = TilePath(level, index, width)
    if tile.path() != f"tile/{path}":
        raise ValueError("not the canonical spelling of this tile's index")
    return tile


def _covered(tile: TilePath, size: int) -> bool:
    """Whether a tree of ``size`` leaves holds every hash (or entry) of the tile."""
    span = 1 << (TILE_HEIGHT * (tile.level or 0))
    return (tile.index * TILE_WIDTH + tile.width) * span <= size


def tile_hashes(tree: MerkleTree, size: int, tile: TilePath) -> bytes:
    """The tile's hashes, if the first ``size`` leaves (a signed checkpoint's) hold them all.

    Hash ``i`` of tile ``N`` at level ``L`` is MTH(D[(N*256 + i) * 256**L : (N*256 + i + 1)
    * 256**L]): a complete subtree, which never changes once it exists.
    """
    if tile.level is None:
        raise ValueError("an entry bundle is not a tile of hashes")
    if not _covered(tile, min(size, tree.size)):
        raise NotFound("no such tile in the signed tree")
    return tree.complete_subtrees(TILE_HEIGHT * tile.level, tile.index * TILE_WIDTH,
                                  tile.width)


def bundle_range(size: int, tile: TilePath) -> tuple[int, int]:
    """The entry indices ``[start, end)`` of an entry bundle, if the signed tree holds them."""
    if tile.level is not None:
        raise ValueError("not an entry bundle")
    if not _covered(tile, size):
        raise NotFound("no such entry bundle in the signed tree")
    start = tile.index * TILE_WIDTH
    return start, start + tile.width


def entry_bundle(entries: Iterable[tuple[int, bytes]], start: int, end: int) -> bytes:
    """The bundle of entries ``[start, end)``: each a uint16 length, then index and bytes.

    The store must hand over exactly those entries, in order: a damaged store is reported
    (NotFound), never papered over.
    """
    out = bytearray()
    expected = start
    for index, stored in entries:
        if index != expected:
            break
        leaf = audit_leaf(index, stored)
        if len(leaf) > MAX_BUNDLE_ENTRY:
            raise BundleTooLarge(f"entry {index} is longer than an entry bundle can hold "
                                 f"({MAX_BUNDLE_ENTRY} bytes); read it from /v1/audit/entries")
        out += len(leaf).to_bytes(2, "big") + leaf
        expected += 1
    if expected != end:
        raise NotFound(f"entry {expected} is not in the store")
    return bytes(out)


def read_bundle(data: bytes) -> list[bytes]:
    """Split an entry bundle into its entries (the leaf data of each); ValueError if the
    lengths do not add up."""
    entries, offset = [], 0
    while offset < len(data):
        if offset + 2 > len(data):
            raise ValueError("an entry bundle ends inside a length")
        length = int.from_bytes(data[offset:offset + 2], "big")
        offset += 2
        if offset + length > len(data):
            raise ValueError("an entry bundle ends inside an entry")
        entries.append(bytes(data[offset:offset + length]))
        offset += length
    return entries
