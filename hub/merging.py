"""Merge and split: a MASH team manager makes two records of one child one, or undoes it.

The rules (what follows the survivor, what keeps its home on the merged person, why a merge
widens no one's access) are in ``domain.merging``. Here: the capability (``merge-children``,
the MASH team manager; deny by default), one atomic save of both records and the merge, an
audit entry naming both children (never the reason's words, sealed under the survivor's key),
and a notice in the access-notification feed of every agency whose records moved.

Who saw the merged records is listed by ``hub audit who-saw --child`` of either child: a read
of the survivor's chronology judges (and audits) each merged notification under the person it
came from, so the reads of one child's records while they were shown as the other's are
listed under both.
"""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

from domain.audit import AuditKind
from domain.matching import LinkRule
from domain.merging import PersonMerge, merge, split
from domain.notifications import Notification
from domain.people import PersonRecord
from domain.personal import reveal
from hub.audit.trail import AuditTrail, Notice
from hub.capabilities import Requirement
from hub.errors import NotFound
from hub.registry import Caller
from hub.store import HubStore
from policies.decision_point import CapabilityPolicy

CAPABILITY = "merge-children"
PURPOSE = "record-correction"


class Merging:
    def __init__(self, store: HubStore, capabilities: CapabilityPolicy, audit: AuditTrail,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._store = store
        self._audit = audit
        self._clock = clock
        self.require = Requirement(capabilities, audit)

    def merge(self, caller: Caller, child_id: UUID, into: UUID, reason: str) -> dict[str, Any]:
        """Merge the child ``child_id`` into ``into`` (the record that stays), with a reason."""
        self.require(caller, CAPABILITY, "merge-children", [child_id, into])
        at = self._clock()
        merge_id = uuid4()

        def attempt() -> PersonMerge:
            survivor, merged = self._store.child(into), self._store.child(child_id)
            record = merge(merge_id, survivor, merged, reason, caller.as_actor(), at)
            self._store.save(survivor, merged, record)
            return record

        record = self._store.write(attempt)
        self._audited(caller, "merge-children", record, record.notification_ids)
        return self.view(record)

    def split(self, caller: Caller, child_id: UUID, notifications: list[UUID],
              reason: str) -> dict[str, Any]:
        """Undo the merge into ``child_id`` of the person these notifications came from:
        they go back to that person; the rest of what the merge moved stays on ``child_id``."""
        self.require(caller, CAPABILITY, "split-child", [child_id])
        at = self._clock()

        def attempt() -> PersonMerge:
            survivor = self._store.child(child_id)
            merge_id = next((m["merge_id"] for m in survivor.merged_in
                             if set(notifications) & set(m["notification_ids"])), None)
            record = (self._store.find(merge_id, PersonMerge)
                      if merge_id is not None else None)
            if record is None:
                raise NotFound("no merge into this child moved these notifications")
            merged = self._store.child(record.merged_id)
            split(record, survivor, merged, notifications, reason, caller.as_actor(), at)
            self._store.save(survivor, merged, record)
            return record

        record = self._store.write(attempt)
        returned: list[UUID] = (record.split or {}).get("returned", [])
        self._audited(caller, "split-child", record, returned)
        return self.view(record)

    # Helpers ---------------------------------------------------------------------------

    def _audited(self, caller: Caller, action: str, record: PersonMerge,
                 moved: list[UUID]) -> None:
        """One entry naming both children (no words), and a notice to each agency whose
        records moved, naming the child and the records."""
        owners: dict[str, list[UUID]] = {}
        for notification_id in moved:
            n = self._store.find(notification_id, Notification)
            if n is not None:
                owners.setdefault(n.source_agency, []).append(n.id)
        change = "merge" if action == "merge-children" else "split"
        notices = [Notice(owner, {
            "reader_agency": caller.agency_id, "reader_role": caller.role,
            "purpose": PURPOSE, "child_id": child, "break_glass": False,
            "records": [{"record": str(i), "record_type": "notification",
                         "data_classes": [], "visibility": "summary", "basis": change}
                        for i in ids]})
            for owner, ids in sorted(owners.items()) if owner != caller.agency_id
            for child in (record.merged_id, record.survivor_id)]
        self._audit.record(
            kind=AuditKind.MATCHING, action=action, actor=caller.as_actor(), purpose=PURPOSE,
            child_ids=[record.merged_id, record.survivor_id],
            details={"merge": str(record.id), "survivor": str(record.survivor_id),
                     "merged": str(record.merged_id),
                     "notifications": [str(i) for i in moved]},
            notices=notices)

    @staticmethod
    def view(record: PersonMerge) -> dict[str, Any]:
        done = record.split
        return {
            "id": str(record.id), "survivor_id": str(record.survivor_id),
            "merged_id": str(record.merged_id),
            "notifications": [str(i) for i in record.notification_ids],
            "merged_by": record.merged_by, "merged_at": record.merged_at.isoformat(),
            "reason": reveal(record.reason),
            "split": None if done is None else {
                "returned": [str(i) for i in done["returned"]],
                "kept": [str(i) for i in done["kept"]], "by": done["by"],
                "at": done["at"].isoformat(), "reason": reveal(done["reason"])}}


def merged_people(store: HubStore, person: PersonRecord) -> list[PersonRecord]:
    """The people merged into this one (and not split off again)."""
    return [p for m in person.merged_in
            if (p := store.find(m["person_id"], PersonRecord)) is not None]


def joined_people(store: HubStore, person: PersonRecord) -> list[PersonRecord]:
    """Every record that is part of this one: merged into it (and not split off), or a
    provisional person the owning team confirmed as it, and theirs in turn. Their data is
    the same child's, each sealed under its own key: erased with this record."""
    found: dict[UUID, PersonRecord] = {}
    todo = [person]
    while todo and len(found) < 1000:
        current = todo.pop()
        for other in [*merged_people(store, current), *_confirmed_as(store, current)]:
            if other.id != person.id and other.id not in found \
                    and other.same_as == current.id:
                found[other.id] = other
                todo.append(other)
    return list(found.values())


def _confirmed_as(store: HubStore, person: PersonRecord) -> list[PersonRecord]:
    """The provisional people confirmed as this one: the subjects of the notifications a
    confirmed match linked here."""
    people: dict[UUID, PersonRecord] = {}
    for link in person.notifications:
        if link["link_rule"] != LinkRule.CONFIRMED_MATCH.value:
            continue
        n = store.find(link["notification_id"], Notification)
        for subject in n.subjects if n is not None else []:
            other_id = subject["person_id"]
            if other_id != person.id and other_id not in people:
                other = store.find(other_id, PersonRecord)
                if other is not None:
                    people[other_id] = other
    return list(people.values())
