"""Recording lawful bases and restrictions: consents, sharing decisions, enquiries.

Every command checks the caller's capability (policy data), changes one child's ledger or
one record, and is written to the audit trail with who, what and why. A refused command is
audited too.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from eventsourcing.application import EventSourcedLog
from eventsourcing.domain import DomainEvent

from domain.access import DataClass, Purpose, Visibility
from domain.audit import AuditKind
from domain.break_glass import BreakGlassAccess, ReviewOutcome
from domain.errors import InvalidContent
from domain.indexes import KeyIndex, consent_key, enquiry_key
from domain.lawful_basis import (
    ConsentGiver,
    ConsentNotRelied,
    ConsentStatus,
    EnquiryKind,
    LegalBasis,
    Scope,
    SharingLedger,
    check_participants,
    ledger_id,
    may_withdraw,
)
from domain.notifications import Notification
from domain.personal import reveal
from hub.access import HUB_OWNER
from hub.audit.shown import Shown, disclose
from hub.audit.trail import AuditTrail
from hub.capabilities import Requirement
from hub.capabilities import parse_enum as _enum
from hub.errors import NotEntitled, NotFound
from hub.registry import Caller, Registry
from hub.store import HubStore
from policies.decision_point import CapabilityPolicy

BREAK_GLASS_REGISTER_ID = uuid5(NAMESPACE_URL, "/hub/break-glass-register")


@dataclass(frozen=True)
class BreakGlassRegistered(DomainEvent):
    """An emergency access joined the list awaiting review."""

    class_version = 1
    access_id: UUID


class BreakGlassRegister:
    """Every emergency access, in order, so none escapes review."""

    def __init__(self, store: HubStore) -> None:
        self._store = store
        self._log = EventSourcedLog(store.events, BREAK_GLASS_REGISTER_ID, BreakGlassRegistered)

    def register(self, access: BreakGlassAccess) -> None:
        def attempt() -> None:
            self._store.save(access, self._log.trigger_event(access_id=access.id))

        self._store.write(attempt)

    def access_ids(self) -> list[UUID]:
        return [entry.access_id for entry in self._log.get()]


class Sharing:
    def __init__(self, store: HubStore, registry: Registry, capabilities: CapabilityPolicy,
                 audit: AuditTrail,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._store = store
        self._registry = registry
        self._capabilities = capabilities
        self._audit = audit
        self.require = Requirement(capabilities, audit)
        self._clock = clock
        self._register = BreakGlassRegister(store)

    # Helpers -------------------------------------------------------------------------

    def _ledger(self, child_id: UUID) -> SharingLedger:
        self._store.child(child_id)
        return (self._store.find(ledger_id(child_id), SharingLedger)
                or SharingLedger(child_id=child_id))

    def _child_of(self, key: str, what: str) -> UUID:
        child_id = self._store.lookup(key)
        if child_id is None:
            raise NotFound(f"no such {what}")
        return child_id

    # Consent -------------------------------------------------------------------------

    def record_consent(self, caller: Caller, child_id: UUID, status: str, given_by: str,
                       scope: dict[str, list[str]], valid_from: datetime | None,
                       valid_until: datetime | None) -> dict[str, Any]:
        self.require(caller, "record-consent", "record-consent", [child_id])
        parsed = Scope(
            tuple(_enum(DataClass, c, "scope.data_classes") for c in scope["data_classes"]),
            tuple(self._registry.agency(a)["id"] for a in scope["agencies"]),
            tuple(_enum(Purpose, p, "scope.purposes") for p in scope["purposes"]),
        )
        consent_id = uuid4()
        at = self._clock()

        def attempt() -> None:
            ledger = self._ledger(child_id)
            ledger.record_consent(consent_id, _enum(ConsentStatus, status, "status"),
                                  _enum(ConsentGiver, given_by, "given_by"), parsed,
                                  valid_from or at, valid_until, at, caller.as_actor())
            self._store.save(ledger, KeyIndex(key=consent_key(consent_id), target=child_id))

        self._store.write(attempt)
        self._audit.record(kind=AuditKind.CONSENT, action="record-consent",
                           actor=caller.as_actor(), child_ids=[child_id],
                           details={"consent": str(consent_id), "status": status,
                                    "given_by": given_by, "scope": parsed.as_data()})
        return {"id": str(consent_id), "child_id": str(child_id), "status": status,
                "given_by": given_by, "scope": parsed.as_data(),
                "valid_from": (valid_from or at).isoformat(),
                "valid_until": valid_until.isoformat() if valid_until else None}

    def withdraw_consent(self, caller: Caller, consent_id: UUID) -> dict[str, Any]:
        child_id = self._child_of(consent_key(consent_id), "consent")
        self.require(caller, "record-consent", "withdraw-consent", [child_id])
        recorded = self._ledger(child_id).consent(consent_id)
        if not may_withdraw(recorded["recorded_by"], caller.as_actor()):
            self._audit.record(kind=AuditKind.DENIAL, action="withdraw-consent",
                               actor=caller.as_actor(), child_ids=[child_id],
                               details={"consent": str(consent_id),
                                        "outcome": "recorded by another agency"})
            raise NotEntitled("a consent is withdrawn by the agency that recorded it or by "
                              "children's social care")
        at = self._clock()

        def attempt() -> None:
            ledger = self._ledger(child_id)
            ledger.withdraw_consent(consent_id, at, caller.as_actor())
            self._store.save(ledger)

        self._store.write(attempt)
        self._audit.record(kind=AuditKind.CONSENT, action="withdraw-consent",
                           actor=caller.as_actor(), child_ids=[child_id],
                           details={"consent": str(consent_id)})
        return {"id": str(consent_id), "withdrawn_at": at.isoformat()}

    # Sharing decisions ----------------------------------------------------------------

    def record_decision(self, caller: Caller, child_id: UUID, *, share: bool,
                        recipient_agency: str, data_classes: list[str], purposes: list[str],
                        legal_basis: str, consent_not_relied: str | None, rationale: str,
                        valid_from: datetime | None,
                        valid_until: datetime | None) -> dict[str, Any]:
        """A decision to share, or not to share, the caller's agency's records."""
        self.require(caller, "record-sharing-decision", "record-sharing-decision", [child_id])
        recipient = self._registry.agency(recipient_agency)["id"]
        classes = tuple(_enum(DataClass, c, "data_classes") for c in data_classes)
        purpose_values = tuple(_enum(Purpose, p, "purposes") for p in purposes)
        basis = _enum(LegalBasis, legal_basis, "legal_basis")
        reason = (_enum(ConsentNotRelied, consent_not_relied, "consent_not_relied")
                  if consent_not_relied else None)
        may_override = self._capabilities.allows(caller.agency_kind, caller.role,
                                                  "override-consent-refusal")
        decision_id = uuid4()
        at = self._clock()

        def attempt() -> SharingLedger:
            ledger = self._ledger(child_id)
            ledger.decide_sharing(
                decision_id, share=share, deciding_agency=caller.agency_id,
                recipient_agency=recipient, data_classes=classes, purposes=purpose_values,
                legal_basis=basis, consent_not_relied=reason, rationale=rationale,
                may_override_refusal=may_override, valid_from=valid_from or at,
                valid_until=valid_until, at=at, by=caller.as_actor())
            self._store.save(ledger)
            return ledger

        ledger = self._store.write(attempt)
        decision = ledger.decisions[-1]
        self._audit.record(
            kind=AuditKind.SHARING_DECISION, action="record-sharing-decision",
            actor=caller.as_actor(), child_ids=[child_id],
            details={"decision": str(decision_id), "share": share, "recipient": recipient,
                     "data_classes": decision["data_classes"], "purposes": decision["purposes"],
                     "legal_basis": basis.value, "consent_not_relied": decision[
                         "consent_not_relied"], "overrides_refusal": decision[
                         "overrides_refusal"]})
        return self._decision_view(child_id, decision)

    @staticmethod
    def _decision_view(child_id: UUID, d: dict[str, Any]) -> dict[str, Any]:
        return {"id": str(d["decision_id"]), "child_id": str(child_id), "share": d["share"],
                "deciding_agency": d["deciding_agency"],
                "recipient_agency": d["recipient_agency"], "data_classes": d["data_classes"],
                "purposes": d["purposes"], "legal_basis": d["legal_basis"],
                "consent_not_relied": d["consent_not_relied"],
                "rationale": reveal(d["rationale"]), "overrides_refusal": d["overrides_refusal"],
                "valid_from": d["valid_from"].isoformat(),
                "valid_until": d["valid_until"].isoformat() if d["valid_until"] else None}

    # Statutory enquiries --------------------------------------------------------------

    def open_enquiry(self, caller: Caller, child_id: UUID, kind: str,
                     participants: list[str]) -> dict[str, Any]:
        self.require(caller, "open-enquiry", "open-enquiry", [child_id])
        kinds = {caller.agency_id: caller.agency_kind}
        for agency_id in participants:
            agency = self._registry.agency(agency_id)
            kinds[agency["id"]] = agency["kind"]
        agencies = check_participants(kinds)
        enquiry_id = uuid4()
        at = self._clock()

        def attempt() -> None:
            ledger = self._ledger(child_id)
            ledger.open_enquiry(enquiry_id, _enum(EnquiryKind, kind, "kind"), agencies, at,
                                caller.as_actor())
            self._store.save(ledger, KeyIndex(key=enquiry_key(enquiry_id), target=child_id))

        self._store.write(attempt)
        self._audit.record(kind=AuditKind.ENQUIRY, action="open-enquiry",
                           actor=caller.as_actor(), child_ids=[child_id],
                           details={"enquiry": str(enquiry_id), "kind": kind,
                                    "participants": agencies})
        return {"id": str(enquiry_id), "child_id": str(child_id), "kind": kind,
                "participants": agencies, "opened_at": at.isoformat()}

    def close_enquiry(self, caller: Caller, enquiry_id: UUID, outcome: str) -> dict[str, Any]:
        child_id = self._child_of(enquiry_key(enquiry_id), "enquiry")
        self.require(caller, "open-enquiry", "close-enquiry", [child_id])
        if not outcome.strip():
            raise InvalidContent("outcome", "is required")
        at = self._clock()

        def attempt() -> None:
            ledger = self._ledger(child_id)
            ledger.close_enquiry(enquiry_id, outcome.strip()[:200], at, caller.as_actor())
            self._store.save(ledger)

        self._store.write(attempt)
        self._audit.record(kind=AuditKind.ENQUIRY, action="close-enquiry",
                           actor=caller.as_actor(), child_ids=[child_id],
                           details={"enquiry": str(enquiry_id)})
        return {"id": str(enquiry_id), "closed_at": at.isoformat()}

    # Restriction by the owner ---------------------------------------------------------

    def restrict(self, caller: Caller, notification_id: UUID, restricted: bool,
                 reason: str) -> dict[str, Any]:
        notification = self._store.find(notification_id, Notification)
        if notification is None:
            raise NotFound("no such notification")
        # Whom the record is about: its children, or (an incident naming adults alone) them.
        about = notification.child_ids or list(dict.fromkeys(notification.person_ids))
        self.require(caller, "restrict-record", "restrict-record", about)
        if notification.source_agency != caller.agency_id:
            self._audit.record(kind=AuditKind.DENIAL, action="restrict-record",
                               actor=caller.as_actor(), child_ids=about,
                               details={"record": str(notification_id),
                                        "outcome": "not the owning agency"})
            raise NotEntitled("only the agency that sent a record may restrict it")
        at = self._clock()

        def attempt() -> None:
            n = self._store.find(notification_id, Notification)
            if n is None:
                raise NotFound("no such notification")
            n.restrict(restricted, reason, caller.agency_id, at, caller.as_actor())
            self._store.save(n)

        self._store.write(attempt)
        self._audit.record(kind=AuditKind.RESTRICTION, action="restrict-record",
                           actor=caller.as_actor(), child_ids=about,
                           details={"record": str(notification_id), "restricted": restricted})
        return {"id": str(notification_id), "restricted": restricted, "at": at.isoformat()}

    # Break-glass review ----------------------------------------------------------------

    def break_glass_accesses(self, caller: Caller, unreviewed_only: bool) -> list[dict[str, Any]]:
        """Emergency accesses for review: each names its child and carries the reader's free-text
        reason, so the list is audited as a disclosure of each access."""
        self.require(caller, "review-break-glass", "list-break-glass")
        accesses = []
        for access_id in self._register.access_ids():
            access = self._store.find(access_id, BreakGlassAccess)
            if access is None or (unreviewed_only and access.review is not None):
                continue
            accesses.append(access)
        self._disclose_accesses(caller, "list-break-glass", accesses)
        return [self._break_glass_view(a) for a in accesses]

    def _disclose_accesses(self, caller: Caller, action: str,
                           accesses: list[BreakGlassAccess]) -> None:
        """An emergency access is the record of the agency that broke the glass (its reason),
        about the child (identity): that agency sees that its access was reviewed."""
        disclose(self._audit, caller, action, [
            Shown(a.id, "break-glass-access", a.actor.get("agency", HUB_OWNER), a.child_id,
                  (DataClass.IDENTITY,), "break-glass-review", "capability:review-break-glass")
            for a in accesses], purpose=Purpose.AUDIT.value)

    def review_break_glass(self, caller: Caller, access_id: UUID, outcome: str,
                           notes: str) -> dict[str, Any]:
        self.require(caller, "review-break-glass", "review-break-glass")
        at = self._clock()

        def attempt() -> BreakGlassAccess:
            access = self._store.find(access_id, BreakGlassAccess)
            if access is None:
                raise NotFound("no such emergency access")
            access.record_review(_enum(ReviewOutcome, outcome, "outcome"), notes,
                                 caller.as_actor(), at)
            self._store.save(access)
            return access

        access = self._store.write(attempt)
        self._audit.record(kind=AuditKind.BREAK_GLASS_REVIEW, action="review-break-glass",
                           actor=caller.as_actor(), child_ids=[access.child_id],
                           details={"break_glass": str(access_id), "outcome": outcome})
        self._disclose_accesses(caller, "review-break-glass", [access])  # the answer echoes it
        return self._break_glass_view(access)

    @staticmethod
    def _break_glass_view(access: BreakGlassAccess) -> dict[str, Any]:
        review = access.review
        return {"id": str(access.id), "child_id": str(access.child_id), "actor": access.actor,
                "purpose": access.purpose, "reason": reveal(access.reason),
                "records": access.records, "owners": access.owners,
                "opened_at": access.opened_at.isoformat(),
                "review": None if review is None else {
                    "outcome": review["outcome"], "notes": reveal(review["notes"]),
                    "reviewed_by": review["reviewed_by"],
                    "reviewed_at": review["reviewed_at"].isoformat()}}

    # The owning agency's feed ----------------------------------------------------------

    def access_feed(self, caller: Caller, after: int, limit: int) -> dict[str, Any]:
        """Reads of the caller's agency's records by others. The feed names children, so
        reading it is itself audited (the agency's own records, about each child)."""
        events = self._audit.feed(caller.agency_id, after, min(max(limit, 1), 500))
        shown = [Shown(UUID(r["record"]), "access-notification", caller.agency_id, e.child_id,
                       tuple(DataClass(c) for c in r.get("data_classes", []))
                       or (DataClass.IDENTITY,), "own-record", "capability:access-feed",
                       Visibility.SUMMARY.value, "owner")
                 for e in events for r in e.records]
        if shown:
            disclose(self._audit, caller, "read-access-feed", shown, purpose=None,
                     details={"after": after})
        return {"agency": caller.agency_id, "items": [
            {"position": e.originator_version, "at": e.timestamp.isoformat(),
             "audit_index": e.audit_index, "reader_agency": e.reader_agency,
             "reader_role": e.reader_role, "purpose": e.purpose, "child_id": str(e.child_id),
             "records": e.records, "break_glass": e.break_glass} for e in events]}
