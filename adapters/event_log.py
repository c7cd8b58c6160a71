"""The store's log, followed in order (the port ``hub.ports.EventLog``), and where projections
keep their state between runs (``hub.ports.StateFiles``).

One loop reads the log for everything that follows it: the work index, the indicators, the
Kafka relay and retention. It reads in batches from a position, of some
topics only if asked, and decodes an event only when its reader asks for it. A log read
``blind`` cannot decrypt: personal values come out empty (the indicators never open them).
"""

import json
import os
import tempfile
from collections.abc import Iterator, Sequence
from functools import partial
from pathlib import Path
from typing import Any
from uuid import UUID

from eventsourcing.persistence import (
    ApplicationRecorder,
    DatetimeAsISO,
    DecimalAsStr,
    JSONTranscoder,
    Mapper,
    Notification,
    Transcoding,
    UUIDAsHex,
)

from domain.personal import Personal
from hub.files import private_dir
from hub.ports import Logged
from hub.store import DateAsISO, HubStore


class _Unopened(Transcoding):
    """Reads a sealed personal value as an empty one: a blind log never decrypts."""

    type = Personal
    name = "personal"

    def encode(self, obj: Personal) -> dict[str, Any]:
        raise TypeError(f"a blind reader of the log writes no events ({type(obj).__name__})")

    def decode(self, data: dict[str, Any]) -> Personal:
        return Personal(UUID(data["h"]), data["f"], None)


def blind_mapper(store: HubStore) -> Mapper[Any]:
    transcoder = JSONTranscoder()
    for transcoding in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO(), _Unopened(),
                        DateAsISO()):
        transcoder.register(transcoding)
    mapper: Mapper[Any] = store.factory.mapper(transcoder=transcoder)
    return mapper


class StoreLog:
    """The event store's notification log, read through a mapper."""

    def __init__(self, recorder: ApplicationRecorder, mapper: Mapper[Any]) -> None:
        self._recorder = recorder
        self._mapper = mapper

    @classmethod
    def of(cls, store: HubStore, *, blind: bool = False) -> "StoreLog":
        return cls(store.recorder, blind_mapper(store) if blind else store.mapper)

    def _logged(self, row: Notification) -> Logged:
        return Logged(row.id, UUID(str(row.originator_id)),
                      partial(self._mapper.to_domain_event, row))

    def end(self) -> int:
        return self._recorder.max_notification_id() or 0

    def first(self) -> Logged | None:
        rows = self._recorder.select_notifications(start=1, limit=1)
        return self._logged(rows[0]) if rows else None

    def follow(self, after: int, topics: Sequence[str] = (),
               batch: int = 1000) -> Iterator[Sequence[Logged]]:
        while True:
            rows = self._recorder.select_notifications(start=after + 1, limit=batch,
                                                       topics=topics)
            if rows:
                yield [self._logged(row) for row in rows]
                after = rows[-1].id
            if len(rows) < batch:
                return


class JsonStateFiles:
    """Each state a JSON file in a folder of its own (0700), replaced atomically."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def load(self, name: str) -> dict[str, Any] | None:
        path = self.folder / f"{name}.json"
        if not path.exists():
            return None
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            return None  # unreadable: rebuilt from the log, which is the truth
        return data if isinstance(data, dict) else None

    def save(self, name: str, data: dict[str, Any]) -> None:
        private_dir(self.folder)
        fd, temporary = tempfile.mkstemp(dir=self.folder, prefix=f".{name}-")
        with os.fdopen(fd, "w") as out:
            json.dump(data, out)
        os.replace(temporary, self.folder / f"{name}.json")


class NoStateFiles:
    """A memory:// store keeps nothing between runs, and neither do its projections."""

    def load(self, _name: str) -> dict[str, Any] | None:
        return None

    def save(self, _name: str, _data: dict[str, Any]) -> None:
        return
