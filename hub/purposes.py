"""Checking that a declared purpose has the case (or the role) it implies, before a read.

The rules are ``domain.purposes``; this finds the case the reader names in ``X-Case-Ref``
(an s47 enquiry or strategy discussion, a MARAC referral, a missing episode), and refuses,
with an audited denial, a read whose purpose has no case behind it.
"""

from datetime import datetime
from typing import NoReturn
from uuid import UUID

from domain.access import Purpose
from domain.audit import AuditKind
from domain.indexes import enquiry_key
from domain.lawful_basis import SharingLedger, ledger_id
from domain.marac import MaracReferral
from domain.missing import MissingRecord, record_id
from domain.notifications import Notification
from domain.purposes import (
    MARAC_CASE_WINDOW,
    MISSING_CASE_AFTER_RETURN,
    MISSING_TEAM_KIND,
    ROLE_BOUND_PURPOSES,
    CaseKind,
    WorkCase,
    case_supports,
    needs_case,
)
from hub.audit.trail import AuditTrail
from hub.errors import NotEntitled
from hub.registry import Caller
from hub.store import HubStore
from policies.decision_point import CapabilityPolicy


class PurposeBinding:
    def __init__(self, store: HubStore, capabilities: CapabilityPolicy,
                 audit: AuditTrail) -> None:
        self._store = store
        self._capabilities = capabilities
        self._audit = audit

    def check(self, caller: Caller, purpose: Purpose, case_ref: str | None, people: list[UUID],
              at: datetime, action: str, break_glass: bool = False) -> dict[str, str] | None:
        """The case the read rests on ({"kind", "id"}), None for a purpose that needs none;
        NotEntitled (audited) when the reader claims an emergency its role may not claim, or
        when the purpose needs a case or a role the reader lacks."""
        if break_glass and not self._capabilities.allows(caller.agency_kind, caller.role,
                                                         "break-glass"):
            self._audit.record(kind=AuditKind.DENIAL, action=action, actor=caller.as_actor(),
                               purpose=purpose.value, case_ref=case_ref, child_ids=people,
                               details={"at": at.isoformat(), "break_glass_claimed": True,
                                        "outcome": "may not break glass"})
            raise NotEntitled("your role may not open records in an emergency (break-glass)")
        capability = ROLE_BOUND_PURPOSES.get(purpose)
        if capability is not None:
            if not self._capabilities.allows(caller.agency_kind, caller.role, capability):
                self._refuse(caller, purpose, case_ref, people, action,
                             "this purpose is for unscheduled-care roles")
            return None
        if not needs_case(purpose):
            return None
        case, why = self.bound_case(caller, purpose, case_ref, people, at)
        if why is not None:
            self._refuse(caller, purpose, case_ref, people, action, why)
        return case

    def bound_case(self, caller: Caller, purpose: Purpose, case_ref: str | None,
                   people: list[UUID], at: datetime) -> tuple[dict[str, str] | None, str | None]:
        """For a purpose bound to a case: the case ({"kind", "id"}) and None, or None and why
        the purpose does not hold for ``people``. Nothing is audited: the caller records the
        answer (a search, whose entry says that a match exists)."""
        case = self._case(case_ref, people)
        if case is None:
            return None, (f"the purpose {purpose.value} needs X-Case-Ref naming an open case "
                          "about this child that names your agency")
        why = case_supports(purpose, case, people, caller.agency_id, caller.agency_kind, at)
        if why is not None:
            return None, f"the purpose {purpose.value} needs an open case: {why}"
        return {"kind": case.kind.value, "id": str(case.id)}, None

    def _refuse(self, caller: Caller, purpose: Purpose, case_ref: str | None, people: list[UUID],
                action: str, message: str) -> NoReturn:
        self._audit.record(kind=AuditKind.DENIAL, action=action, actor=caller.as_actor(),
                           purpose=purpose.value, case_ref=case_ref, child_ids=people,
                           details={"outcome": "purpose without its case"})
        raise NotEntitled(message)

    # Finding the case -----------------------------------------------------------------------

    def _case(self, case_ref: str | None, people: list[UUID]) -> WorkCase | None:
        try:
            case_id = UUID(case_ref) if case_ref else None
        except ValueError:
            return None
        if case_id is None:
            return None
        for find in (self._enquiry, self._marac, self._episode):
            case = find(case_id, people)
            if case is not None:
                return case
        return None

    def _enquiry(self, case_id: UUID, _people: list[UUID]) -> WorkCase | None:
        child_id = self._store.lookup(enquiry_key(case_id))
        ledger = (self._store.find(ledger_id(child_id), SharingLedger)
                  if child_id is not None else None)
        if child_id is None or ledger is None:
            return None
        for e in ledger.enquiries:
            if e["enquiry_id"] == case_id:
                return WorkCase(CaseKind(e["kind"]), case_id, frozenset({child_id}),
                                frozenset(e["participants"]), frozenset(), e["opened_at"],
                                e["closed_at"])
        return None

    def _marac(self, case_id: UUID, _people: list[UUID]) -> WorkCase | None:
        referral = self._store.find(case_id, MaracReferral)
        if referral is None:
            return None
        referrer = referral.referred_by.get("agency", "")
        # The referring DART made the case alone: it is not the DART's case to widen its own
        # reading with (its triage purpose serves its work); the MARAC's meeting, naming the
        # agencies round its table, is what a marac purpose rests on.
        return WorkCase(CaseKind.MARAC_REFERRAL, case_id,
                        frozenset([*referral.child_ids, *referral.victim_ids]),
                        frozenset({referrer}), frozenset(),
                        referral.referred_at, referral.referred_at + MARAC_CASE_WINDOW,
                        reported_by=frozenset({referrer}))

    def _episode(self, case_id: UUID, people: list[UUID]) -> WorkCase | None:
        for person in people:
            record = self._store.find(record_id(person), MissingRecord)
            episode = next((e for e in record.episodes if e["id"] == case_id),
                           None) if record is not None else None
            if episode is None:
                continue
            informed = (episode["informed"] or {}).get("agency")
            agencies = {episode["reported_by"], *([informed] if informed else [])}
            end = episode["end"]
            reporters = frozenset(n.source_agency for report in episode["reports"]
                                  if (n := self._store.find(report, Notification)) is not None)
            return WorkCase(CaseKind.MISSING_EPISODE, case_id, frozenset({person}),
                            frozenset(agencies), frozenset({MISSING_TEAM_KIND}),
                            episode["start"],
                            end + MISSING_CASE_AFTER_RETURN if end is not None else None,
                            reporters)
        return None
