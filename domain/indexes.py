"""Unique keys held as tiny aggregates whose identity is derived from the key.

Saving two index records for one key conflicts in the event store (same id, version 1),
so a key can never point at two records, even with several hub processes writing at once.
Keys are namespaced strings; any personal part of a key is a keyed hash, never plaintext.
"""

from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event


class KeyIndex(Aggregate):
    """Points a unique key (a source reference, a token hash, a link hash) at a record."""

    class Claimed(Aggregate.Created):
        class_version = 1
        key: str
        target: UUID

    @event(Claimed)
    def __init__(self, key: str, target: UUID) -> None:
        self.key = key
        self.target = target

    @staticmethod
    def create_id(key: str) -> UUID:
        return index_id(key)


def index_id(key: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"/hub/index/{key}")
