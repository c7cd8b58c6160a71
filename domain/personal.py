"""Personal data as it is held in events.

Every personal value (a name, a date of birth, an identifier, an address, free text) is
wrapped in ``Personal``, naming the person it belongs to (the holder) and the field. The
store's transcoding decides how a ``Personal`` is written: a later layer encrypts each one
under the holder's key, bound to holder and field, without changing the events' shape.
A value whose key has been destroyed reads back with ``value=None``.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID


@dataclass(frozen=True, slots=True)
class Personal:
    """One personal value, held for one person (the holder) under one field name."""

    holder: UUID
    field: str
    value: str | None

    @property
    def erased(self) -> bool:
        return self.value is None


def reveal(value: object) -> object:
    """Replace every ``Personal`` inside plain data (dicts, lists) by its plaintext."""
    if isinstance(value, Personal):
        return value.value
    if isinstance(value, dict):
        return {k: reveal(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [reveal(v) for v in value]
    return value


def reveal_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    """A mapping with every ``Personal`` inside replaced by its plaintext."""
    return {k: reveal(v) for k, v in fields.items()}
