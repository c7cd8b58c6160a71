"""Whose a child's social care records are: the local authority (an agency of kind ``mash``)
that holds them. Its protection record, child in need plans, Signs of Safety (recorded at the
front door or at a conference), level of need and allocated worker belong to the authorities
that recorded them; once one holds any of them, every other authority is refused reads and
writes of them, answered exactly as for an unknown child or record (so a refusal tells nothing
of what is held), and the refusal is audited naming the child. Partners (police, health,
schools) are not authorities: their capabilities alone decide what they read.
"""

from collections.abc import Iterable
from typing import Any, NoReturn
from uuid import UUID

from domain.agencies import AgencyKind
from domain.audit import AuditKind
from domain.child_in_need import ChildInNeedRecord, cin_id
from domain.child_protection import ProtectionRecord, protection_id
from domain.front_door import Allocation, MashContact, NeedRecord, allocation_id, need_id
from hub.audit.trail import AuditTrail
from hub.errors import NotFound
from hub.projections.work_index import WorkIndex
from hub.registry import Caller
from hub.store import HubStore

AUTHORITY_KIND = AgencyKind.MASH.value
REFUSED = "another authority's social care record"


def _authorities(by: Iterable[dict[str, Any] | None]) -> set[str]:
    """The agencies among those who recorded that are local authorities (or, for an entry that
    does not say its kind, the agency named)."""
    return {str(b["agency"]) for b in by
            if b and b.get("agency") and b.get("agency_kind", AUTHORITY_KIND) == AUTHORITY_KIND}


class SocialCareRecords:
    """Which authorities hold a child's social care records, and the refusal of the others."""

    def __init__(self, store: HubStore, work: WorkIndex, audit: AuditTrail) -> None:
        self._store = store
        self._work = work
        self._audit = audit

    def holders(self, child_id: UUID) -> set[str]:
        """The authorities holding any of the child's social care records (none: empty)."""
        by: list[dict[str, Any] | None] = []
        record = self._store.find(protection_id(child_id), ProtectionRecord)
        if record is not None:
            by += [c["by"] for c in record.conferences]
            by += [p["by"] for p in record.looked_after]
        plans = self._store.find(cin_id(child_id), ChildInNeedRecord)
        if plans is not None:
            by += [p["by"] for p in plans.plans]
        need = self._store.find(need_id(child_id), NeedRecord)
        if need is not None:
            by += [c["by"] for c in need.changes]
        allocation = self._store.find(allocation_id(child_id), Allocation)
        if allocation is not None:
            by += [allocation.worker, *(h["by"] for h in allocation.history)]
        self._work.catch_up()
        for contact_id in self._work.child_contacts.get(child_id, []):
            contact = self._store.find(contact_id, MashContact)
            if contact is None:
                continue
            by += [part["by"] for part in (contact.decision, contact.assessment)
                   if part is not None and part.get("signs_of_safety") is not None]
        return _authorities(by)

    def check(self, caller: Caller, child_id: UUID, action: str, unknown: str,
              purpose: str | None = None) -> None:
        """Refuse an authority that is not one holding the child's records, when one holds
        any."""
        if caller.agency_kind != AUTHORITY_KIND:
            return
        held = self.holders(child_id)
        if held and caller.agency_id not in held:
            self.refuse(caller, child_id, action, unknown, purpose)

    def refuse(self, caller: Caller, child_id: UUID, action: str, unknown: str,
               purpose: str | None = None) -> NoReturn:
        """NotFound with ``unknown`` (the answer for no such child or record), the refusal
        audited naming the child."""
        self._audit.record(kind=AuditKind.DENIAL, action=action, actor=caller.as_actor(),
                           purpose=purpose, child_ids=[child_id], details={"outcome": REFUSED})
        raise NotFound(unknown)
