"""Merge and split: two records of one child made one, and a wrong merge undone.

Duplicates happen ("Mya" and "Mia", a postcode left out): a MASH team manager merges the
duplicate (``merged``) into the record that stays (``survivor``), with a reason; a wrong merge
is split, choosing which of the merged notifications go back. Each is an event on both
records and on a ``PersonMerge`` of its own, so that either can be shown, audited and undone.

What follows the survivor, and what does not (a merge never widens anyone's access):

- the merged person's notifications are linked to the survivor (each link saying a merge
  made it), and its link keys lead new notifications to the survivor; reads of either id
  are reads of the survivor's record;
- each merged notification keeps its *home* on the merged person: it is judged on that
  person's lawful bases and relations (involvement, school), as before the merge, plus the
  bases recorded for the survivor after the merge (recorded knowing the records are one).
  A consent, a sharing decision or an enquiry recorded for either child before the merge
  covers that child's own records only: a consent recorded for the duplicate never opens the
  survivor's older records (nor the reverse), and an agency involved with one, or a school
  a sender named for one, gains nothing on the other's records;
- personal data stays sealed under the data key of the person it was given for: nothing is
  copied or re-sealed, and erasing the survivor destroys the keys of every person merged
  into it;
- the merge's reason is sealed under the survivor's key.

Deny by default: the capability (the MASH team manager) is checked by the application; here,
the rule that no agency that sent a notification about either child merges or splits them
(an act of the sender never moves records between children it reads about).

Only the standard library and eventsourcing's domain model: no I/O.
"""

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import NotPermitted, RuleViolation
from domain.matching import LinkRule
from domain.people import IDENTIFIER_FIELDS, PersonRecord
from domain.personal import Personal
from domain.text import reason as required_reason


def senders(*people: PersonRecord) -> set[str]:
    """Every agency that sent a notification linked to any of these records."""
    return {n["agency"] for p in people for n in p.notifications}


def _not_a_sender(by: dict[str, str], *people: PersonRecord) -> None:
    if by.get("agency") in senders(*people):
        raise NotPermitted("an agency that sent a notification about this child cannot merge "
                           "or split its records")


def _identifiers_agree(survivor: PersonRecord, merged: PersonRecord) -> bool:
    for name in IDENTIFIER_FIELDS:
        a, b = survivor.identity.get(name), merged.identity.get(name)
        if a is not None and b is not None and a.value is not None and b.value is not None \
                and a.value != b.value:
            return False
    return True


class PersonMerge(Aggregate):
    """One merge of ``merged`` into ``survivor``, and its split if it was undone."""

    class Merged(Aggregate.Created):
        class_version = 1
        survivor_id: UUID
        merged_id: UUID
        notification_ids: list[UUID]
        reason: Personal
        merged_by: dict[str, str]
        merged_at: datetime

    @event(Merged)
    def __init__(self, id: UUID, survivor_id: UUID, merged_id: UUID,
                 notification_ids: list[UUID], reason: Personal, merged_by: dict[str, str],
                 merged_at: datetime) -> None:
        self.survivor_id = survivor_id
        self.merged_id = merged_id
        self.notification_ids = list(notification_ids)
        self.reason = reason
        self.merged_by = merged_by
        self.merged_at = merged_at
        self.split: dict[str, Any] | None = None

    class Split(Aggregate.Event):
        class_version = 1
        returned: list[UUID]
        kept: list[UUID]
        reason: Personal
        split_by: dict[str, str]
        split_at: datetime

    @event(Split)
    def _split(self, returned: list[UUID], kept: list[UUID], reason: Personal,
               split_by: dict[str, str], split_at: datetime) -> None:
        self.split = {"returned": list(returned), "kept": list(kept), "reason": reason,
                      "by": split_by, "at": split_at}


def merge(merge_id: UUID, survivor: PersonRecord, merged: PersonRecord, reason: str,
          by: dict[str, str], at: datetime) -> PersonMerge:
    """Merge ``merged`` into ``survivor`` (both changed, not saved); the merge returned."""
    said = required_reason(reason, most=1000)
    if survivor.id == merged.id:
        raise RuleViolation("a record cannot be merged into itself")
    if not (survivor.is_child and merged.is_child):
        raise RuleViolation("only two children's records are merged")
    if survivor.erased or merged.erased:
        raise RuleViolation("an erased record cannot be merged")
    if survivor.same_as is not None or merged.same_as is not None:
        raise RuleViolation("this record is already part of another: use that one")
    if merged.merged_in:
        raise RuleViolation("records have been merged into this one: merge the survivor "
                            "into it instead, or split them first")
    if not _identifiers_agree(survivor, merged):
        raise RuleViolation("the two records hold different NHS numbers or UPNs: they are "
                            "two people")
    _not_a_sender(by, survivor, merged)
    held = {n["notification_id"] for n in survivor.notifications}
    moved = [n for n in merged.notifications if n["notification_id"] not in held]
    for n in moved:
        # The school a sender named for the merged person is not the survivor's school.
        survivor.link_notification(n["notification_id"], n["notification_type"], n["agency"],
                                   n["role"], n["occurred_at"], n["received_at"], None,
                                   LinkRule.MERGED)
    ids = [n["notification_id"] for n in moved]
    survivor._merge_in(merge_id, merged.id, ids, list(merged.link_hashes), by, at)
    merged._merge_into(merge_id, survivor.id, by, at)
    return PersonMerge(id=merge_id, survivor_id=survivor.id, merged_id=merged.id,
                       notification_ids=ids, reason=Personal(survivor.id, "merge_reason", said),
                       merged_by=by, merged_at=at)


def split(record: PersonMerge, survivor: PersonRecord, merged: PersonRecord,
          returned: list[UUID], reason: str, by: dict[str, str], at: datetime) -> None:
    """Undo a merge: the notifications ``returned`` (some or all of those it moved) go back
    to the merged person, which stands on its own again, with every notification that
    matched that person's keys after the merge; the rest stay with the survivor as its own.
    All three changed, not saved."""
    said = required_reason(reason, most=1000)
    if record.split is not None or merged.merged_into != survivor.id \
            or not any(m["merge_id"] == record.id for m in survivor.merged_in):
        raise RuleViolation("this merge has already been undone")
    entry = next(m for m in survivor.merged_in if m["merge_id"] == record.id)
    chosen = list(dict.fromkeys(returned))
    unknown = [n for n in chosen if n not in record.notification_ids]
    if unknown:
        raise RuleViolation("only notifications this merge moved can go back")
    _not_a_sender(by, survivor, merged)
    # What came after the merge by the merged person's own keys was about that person.
    chosen = list(dict.fromkeys([*chosen, *entry.get("arrived", [])]))
    kept = [n for n in record.notification_ids if n not in chosen]
    survivor._split_off(record.id, merged.id, chosen, kept, by, at)
    merged._split_from(record.id, survivor.id, chosen, kept, by, at)
    record._split(chosen, kept, Personal(survivor.id, "split_reason", said), by, at)
