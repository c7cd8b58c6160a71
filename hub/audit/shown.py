"""What a response shows about people, in the one shape the audit trail and who-saw read.

A read that is not a chronology (a queue, a case, an episode, a protection record, a list of
break-glass accesses) still tells the reader something about each child in it. Each such
thing is a ``Shown``: one record of one owner about one person, at a visibility, on a ground.
``disclose`` writes the entry (naming every person and record) and, in the same write, tells
each owning agency other than the reader's own (and other than the hub, which owns nothing an
agency must be told of) that its record was read.

Every entry is of kind "disclosure" (or "denial" for a refused read, which tells no owner), so
``hub audit who-saw``, ``GET /v1/audit/disclosures`` and the FHIR export list each record in it.
The rule of a ``Shown`` ("capability:<name>" for a role's own work) is never re-decided by
``hub audit replay``, which re-makes only the access policy's decisions (READ_ACTIONS).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from domain.access import DataClass, Visibility
from domain.audit import AuditKind
from hub.access import HUB_OWNER, field_record
from hub.audit.trail import AuditTrail, Notice
from hub.registry import Caller


@dataclass(frozen=True)
class Shown:
    """One record (or the part of it a view shows) about one person."""

    record: UUID
    record_type: str  # dart-case, mash-contact, missing-episode, protection-record, ...
    owner: str  # the agency whose record it is
    person: UUID
    data_classes: tuple[DataClass, ...]
    ground: str  # the function or duty that entitles the reader (e.g. dart-safeguarding)
    rule: str  # what decided it: "capability:<name>" for a role's own work
    visibility: str = Visibility.FULL.value
    relation: str = "none"
    basis: str = "none"  # the lawful basis relied on, where the access policy decided it

    def as_record(self) -> dict[str, Any]:
        return {"record": str(self.record), "record_type": self.record_type,
                "owner": self.owner, "child": str(self.person), "visibility": self.visibility,
                "fields": [field_record(c.value, self.relation, "none", [self.basis],
                                        self.basis, self.ground, self.visibility, self.rule)
                           for c in self.data_classes]}


def owner_notices(caller: Caller, purpose: str | None, shown: Iterable[Shown],
                  break_glass: bool = False) -> list[Notice]:
    """One notice per (owning agency, person) for records another agency has just read."""
    grouped: dict[tuple[str, UUID], list[dict[str, Any]]] = {}
    for s in shown:
        if s.owner in (caller.agency_id, HUB_OWNER) or s.visibility == Visibility.NONE.value:
            continue
        grouped.setdefault((s.owner, s.person), []).append({
            "record": str(s.record), "record_type": s.record_type,
            "data_classes": [c.value for c in s.data_classes], "visibility": s.visibility,
            "basis": s.basis})
    return [Notice(owner, {"reader_agency": caller.agency_id, "reader_role": caller.role,
                           "purpose": purpose, "child_id": person, "records": records,
                           "break_glass": break_glass})
            for (owner, person), records in sorted(grouped.items(), key=lambda g: (
                g[0][0], str(g[0][1])))]


def disclose(audit: AuditTrail, caller: Caller, action: str, shown: list[Shown], *,
             purpose: str | None, case_ref: str | None = None,
             details: dict[str, Any] | None = None, policy_version: str = "",
             about: Iterable[UUID] = (), denied: bool = False,
             kind: AuditKind = AuditKind.DISCLOSURE) -> int:
    """Audit a read that shows ``shown`` (durably, before the answer leaves).

    ``about`` names people the answer is about although no record of theirs is shown (a child
    with no missing episodes, say). A ``denied`` read is a "denial" and tells no owner. A
    change whose answer shows a record (a rated contact, a recorded interview) is audited as
    its own ``kind``, with the records it shows, and listed by who-saw like a read.
    """
    people = list(dict.fromkeys([*(s.person for s in shown), *about]))
    return audit.record(kind=AuditKind.DENIAL if denied else kind,
                        action=action, actor=caller.as_actor(), purpose=purpose,
                        case_ref=case_ref, child_ids=people,
                        records=[s.as_record() for s in shown], policy_version=policy_version,
                        details=details,
                        notices=[] if denied else owner_notices(caller, purpose, shown))
