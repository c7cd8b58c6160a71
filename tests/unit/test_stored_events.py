"""Events already stored still load after the domain moved.

eventsourcing stores each event's class as a topic (``module:QualName``), and each aggregate's
"created" event names the aggregate class too. ``stored/events_before_issue16.json`` holds
events exactly as the code before issue 16 stored them (the front door's three aggregates in
``domain/front_door.py``; each per-child record opening itself): written once, never
regenerated. Each must still resolve, decode and rebuild its aggregate.
"""

import json
from pathlib import Path
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import Mapper, StoredEvent
from eventsourcing.utils import get_topic, resolve_topic

from domain.front_door import Allocation, MashContact, NeedRecord
from domain.lawful_basis import SharingLedger
from domain.missing import MissingRecord
from domain.subject_access import SubjectAccessFile

STORED = Path(__file__).parent / "stored" / "events_before_issue16.json"
CHILD = UUID("5b0f4f3e-7c1a-4e59-9a59-3c2f0d7e1a01")


def _rebuilt() -> dict[UUID, Any]:
    mapper: Mapper[UUID] = Application[UUID]().mapper
    aggregates: dict[UUID, Any] = {}
    for row in json.loads(STORED.read_text()):
        ident = UUID(row["originator_id"])
        stored = StoredEvent(originator_id=ident, originator_version=row["originator_version"],
                             topic=row["topic"],
                             state=json.dumps(row["state"], separators=(",", ":")).encode())
        event = mapper.to_domain_event(stored)
        assert isinstance(event, Aggregate.Event)
        aggregates[ident] = event.mutate(aggregates.get(ident))
    return aggregates


def test_the_fixture_holds_the_old_topics() -> None:
    topics = {row["topic"] for row in json.loads(STORED.read_text())}
    assert "domain.front_door:MashContact.Opened" in topics
    assert "domain.front_door:Allocation.Opened" in topics
    assert "domain.front_door:NeedRecord.Opened" in topics


def test_events_stored_before_the_move_rebuild_their_aggregates() -> None:
    by_type: dict[type[Aggregate], Any] = {type(a): a for a in _rebuilt().values()}
    assert set(by_type) == {MashContact, Allocation, NeedRecord, SharingLedger, MissingRecord,
                            SubjectAccessFile}
    contact = by_type[MashContact]
    assert contact.child_ids == [CHILD]
    assert contact.rating is not None
    assert contact.rating.rag == "red"
    assert contact.acknowledged is not None
    assert contact.research_outstanding() == ["notts-police"]
    assert by_type[Allocation].worker == {"user_id": "9f7d", "agency": "city-mash",
                                          "role": "social-worker"}
    for kind in (Allocation, NeedRecord, SharingLedger, MissingRecord, SubjectAccessFile):
        record = by_type[kind]
        assert record.child_id == CHILD
        assert record.id == kind.create_id(CHILD)
    assert by_type[NeedRecord].level is None
    assert by_type[MissingRecord].episodes == []
    assert by_type[SharingLedger].consents == []
    assert by_type[SubjectAccessFile].requests == []


def test_new_events_take_their_module_and_old_topics_still_resolve() -> None:
    assert get_topic(MashContact.Rated) == "domain.front_door.contact:MashContact.Rated"
    assert get_topic(Allocation.Opened) == "domain.front_door.allocation:Allocation.Opened"
    assert resolve_topic("domain.front_door:MashContact.Rated") is MashContact.Rated
    assert resolve_topic("domain.front_door:NeedRecord.Opened") is NeedRecord.Opened
    # The shared opening is each record's own event, under the record's name.
    assert get_topic(MissingRecord.Opened) == "domain.missing:MissingRecord.Opened"
    assert MissingRecord.Opened is not SharingLedger.Opened
