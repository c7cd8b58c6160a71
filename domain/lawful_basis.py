"""Lawful bases for sharing, recorded per child, and how they stand at any instant.

A child's ``SharingLedger`` holds consents (given, refused, withdrawn), decisions to share
or not to share, and statutory enquiries (s47, strategy discussions). Every record says who
made it, when, for how long and why. Questions are asked "as at" an instant, using only what
had been recorded by then, so past decisions can be re-made exactly.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.access import Basis, DataClass, Purpose
from domain.errors import InvalidContent, NotPermitted, RuleViolation
from domain.personal import Personal
from domain.records import ChildRecord
from domain.timescales import add_months


class ConsentStatus(StrEnum):
    GIVEN = "given"
    REFUSED = "refused"


class ConsentGiver(StrEnum):
    PARENT = "parent"  # a parent or carer with parental responsibility
    CHILD = "child"  # the child, judged to have sufficient understanding


class LegalBasis(StrEnum):
    CONSENT = "consent"
    SAFEGUARDING = "dpa-2018-sch1-para18"  # safeguarding of children and individuals at risk
    POLICING = "dpa-2018-sch8-para4"  # law enforcement processing for safeguarding
    STATUTORY_DUTY = "statutory-duty"


class ConsentNotRelied(StrEnum):
    """Why consent was not sought (DPA 2018 Sch 1 para 18(2))."""

    CANNOT_BE_GIVEN = "cannot-be-given"
    CANNOT_REASONABLY_BE_OBTAINED = "cannot-reasonably-be-obtained"
    WOULD_PUT_CHILD_AT_RISK = "would-put-child-at-risk"


class EnquiryKind(StrEnum):
    S47 = "s47-enquiry"
    STRATEGY_DISCUSSION = "strategy-discussion"


# A strategy discussion (and the s47 enquiry it may start) has at least social care, health
# and the police taking part (Working Together).
ENQUIRY_KINDS = ("mash", "health", "police")

# Children's social care leads statutory enquiries and consent-based MASH work: what it records
# counts as a basis for other agencies, beside what the owning agency records itself.
STATUTORY_LEAD_KIND = "mash"


class Recorder(StrEnum):
    """Who recorded a basis, seen from one reader of one owner's record."""

    OWNER = "owner"  # the agency whose record would be disclosed
    STATUTORY_LEAD = "statutory-lead"  # children's social care, neither owner nor reader
    READER = "reader"  # the reader's own agency
    OTHER = "other"  # any other agency


def recorder_of(by: dict[str, str], owner: str, reader: str) -> Recorder:
    """How the agency that recorded a basis (``by``, an actor) stands to owner and reader."""
    agency = by.get("agency")
    if agency == reader:
        return Recorder.READER
    if agency == owner:
        return Recorder.OWNER
    if by.get("agency_kind") == STATUTORY_LEAD_KIND:
        return Recorder.STATUTORY_LEAD
    return Recorder.OTHER


def basis_counts(basis: Basis, recorder: Recorder) -> bool:
    """Whether a basis recorded by ``recorder`` may widen the reader's access (provenance).

    No reader's own word widens its own access. Consent counts when the owner or the
    statutory lead recorded it; a decision to share only when the owner made it; a statutory
    enquiry only when the statutory lead opened it.
    """
    if basis is Basis.CONSENT:
        return recorder in (Recorder.OWNER, Recorder.STATUTORY_LEAD)
    if basis in (Basis.SHARING_DECISION, Basis.SHARING_DECISION_OVERRIDING_REFUSAL):
        return recorder is Recorder.OWNER
    if basis is Basis.STATUTORY:
        return recorder is Recorder.STATUTORY_LEAD
    return basis is Basis.NONE


def refusal_counts(recorder: Recorder) -> bool:
    """A recorded refusal of consent holds back the owner's record when the owner or the
    statutory lead recorded it (or the reader itself, which only narrows its own access)."""
    return recorder in (Recorder.OWNER, Recorder.STATUTORY_LEAD, Recorder.READER)


def may_withdraw(recorded_by: dict[str, str], by: dict[str, str]) -> bool:
    """A consent is withdrawn by the agency that recorded it, or by the statutory lead."""
    return (by.get("agency") == recorded_by.get("agency")
            or by.get("agency_kind") == STATUTORY_LEAD_KIND)


def check_participants(kinds: dict[str, str]) -> list[str]:
    """The participating agencies (id -> kind), sorted; InvalidContent if social care
    (a mash agency), health or the police is missing."""
    absent = [k for k in ENQUIRY_KINDS if k not in kinds.values()]
    if absent:
        raise InvalidContent("participants", "a strategy discussion or s47 enquiry includes "
                             "social care (mash), health and police; missing: "
                             + ", ".join(absent))
    return sorted(kinds)


@dataclass(frozen=True)
class Scope:
    """What a consent or decision covers: data classes, recipient agencies and purposes."""

    data_classes: tuple[DataClass, ...]
    agencies: tuple[str, ...]
    purposes: tuple[Purpose, ...]

    def covers(self, agency: str, data_class: DataClass, purpose: Purpose) -> bool:
        return (data_class in self.data_classes and agency in self.agencies
                and purpose in self.purposes)

    def as_data(self) -> dict[str, list[str]]:
        return {"data_classes": [c.value for c in self.data_classes],
                "agencies": list(self.agencies), "purposes": [p.value for p in self.purposes]}

    @classmethod
    def from_data(cls, data: dict[str, list[str]]) -> "Scope":
        return cls(tuple(DataClass(c) for c in data["data_classes"]), tuple(data["agencies"]),
                   tuple(Purpose(p) for p in data["purposes"]))


def _in_period(record: dict[str, Any], at: datetime) -> bool:
    until = record["valid_until"]
    return bool(record["recorded_at"] <= at and record["valid_from"] <= at
                and (until is None or at < until))


def ledger_id(child_id: UUID) -> UUID:
    return uuid5(NAMESPACE_URL, f"/hub/sharing-ledger/{child_id}")


@dataclass(frozen=True)
class Standing:
    """How the lawful bases stand for one agency, data class, purpose and owner, at an instant."""

    bases: frozenset[Basis]
    consent_refused: bool
    not_shared: bool


class SharingLedger(ChildRecord):
    """The lawful bases recorded for sharing one child's information."""

    def opened(self) -> None:
        self.consents: list[dict[str, Any]] = []
        self.decisions: list[dict[str, Any]] = []
        self.enquiries: list[dict[str, Any]] = []

    @staticmethod
    def create_id(child_id: UUID) -> UUID:
        return ledger_id(child_id)

    # Consent ---------------------------------------------------------------------------

    class ConsentRecorded(Aggregate.Event):
        class_version = 1
        consent_id: UUID
        status: str
        given_by: str
        scope: dict[str, list[str]]
        valid_from: datetime
        valid_until: datetime | None
        recorded_at: datetime
        recorded_by: dict[str, str]

    @event(ConsentRecorded)
    def _record_consent(self, consent_id: UUID, status: str, given_by: str,
                        scope: dict[str, list[str]], valid_from: datetime,
                        valid_until: datetime | None, recorded_at: datetime,
                        recorded_by: dict[str, str]) -> None:
        self.consents.append({
            "consent_id": consent_id, "status": status, "given_by": given_by, "scope": scope,
            "valid_from": valid_from, "valid_until": valid_until, "recorded_at": recorded_at,
            "recorded_by": recorded_by, "withdrawn_at": None, "withdrawn_by": None,
        })

    def record_consent(self, consent_id: UUID, status: ConsentStatus, given_by: ConsentGiver,
                       scope: Scope, valid_from: datetime, valid_until: datetime | None,
                       at: datetime, by: dict[str, str]) -> None:
        _check_scope(scope)
        _check_period(valid_from, valid_until)
        self._record_consent(consent_id, status.value, given_by.value, scope.as_data(),
                             valid_from, valid_until, at, by)

    class ConsentWithdrawn(Aggregate.Event):
        class_version = 1
        consent_id: UUID
        withdrawn_at: datetime
        withdrawn_by: dict[str, str]

    @event(ConsentWithdrawn)
    def _withdraw_consent(self, consent_id: UUID, withdrawn_at: datetime,
                          withdrawn_by: dict[str, str]) -> None:
        consent = self.consent(consent_id)
        consent["withdrawn_at"] = withdrawn_at
        consent["withdrawn_by"] = withdrawn_by

    def withdraw_consent(self, consent_id: UUID, at: datetime, by: dict[str, str]) -> None:
        consent = self.consent(consent_id)
        if not may_withdraw(consent["recorded_by"], by):
            raise NotPermitted("a consent is withdrawn by the agency that recorded it or by "
                               "children's social care")
        if consent["withdrawn_at"] is not None:
            raise RuleViolation("this consent has already been withdrawn")
        if consent["status"] != ConsentStatus.GIVEN.value:
            raise RuleViolation("only consent that was given can be withdrawn")
        self._withdraw_consent(consent_id, at, by)

    def consent(self, consent_id: UUID) -> dict[str, Any]:
        for consent in self.consents:
            if consent["consent_id"] == consent_id:
                return consent
        raise RuleViolation("no such consent for this child")

    # Sharing decisions -------------------------------------------------------------------

    class SharingDecided(Aggregate.Event):
        class_version = 1
        decision_id: UUID
        share: bool
        deciding_agency: str
        recipient_agency: str
        data_classes: list[str]
        purposes: list[str]
        legal_basis: str
        consent_not_relied: str | None
        rationale: Personal
        overrides_refusal: bool
        valid_from: datetime
        valid_until: datetime | None
        recorded_at: datetime
        recorded_by: dict[str, str]

    @event(SharingDecided)
    def _decide_sharing(self, decision_id: UUID, share: bool, deciding_agency: str,
                        recipient_agency: str, data_classes: list[str], purposes: list[str],
                        legal_basis: str, consent_not_relied: str | None, rationale: Personal,
                        overrides_refusal: bool, valid_from: datetime,
                        valid_until: datetime | None, recorded_at: datetime,
                        recorded_by: dict[str, str]) -> None:
        self.decisions.append({
            "decision_id": decision_id, "share": share, "deciding_agency": deciding_agency,
            "recipient_agency": recipient_agency, "data_classes": data_classes,
            "purposes": purposes, "legal_basis": legal_basis,
            "consent_not_relied": consent_not_relied, "rationale": rationale,
            "overrides_refusal": overrides_refusal, "valid_from": valid_from,
            "valid_until": valid_until, "recorded_at": recorded_at, "recorded_by": recorded_by,
        })

    def decide_sharing(
        self, decision_id: UUID, *, share: bool, deciding_agency: str, recipient_agency: str,
        data_classes: tuple[DataClass, ...], purposes: tuple[Purpose, ...],
        legal_basis: LegalBasis, consent_not_relied: ConsentNotRelied | None, rationale: str,
        may_override_refusal: bool, valid_from: datetime, valid_until: datetime | None,
        at: datetime, by: dict[str, str],
    ) -> None:
        """Record a decision to share, or not to share, the deciding agency's records.

        Rules: a rationale is always written; a decision that does not rest on consent says
        why consent was not relied on; sharing against a refusal of consent that is in force
        needs a role authorised to override it; every decision has an end.
        """
        if not rationale.strip():
            raise InvalidContent("rationale", "is required for every sharing decision")
        if not data_classes or not purposes:
            raise InvalidContent("data_classes", "a decision covers at least one class and purpose")
        if share and legal_basis is not LegalBasis.CONSENT and consent_not_relied is None:
            raise InvalidContent("consent_not_relied",
                                 "say why consent is not relied on when sharing without it")
        if valid_until is None:
            raise InvalidContent("valid_until", "a sharing decision must be time-limited")
        _check_period(valid_from, valid_until)
        refused = share and any(
            self.consent_refused(deciding_agency, recipient_agency, c, p, at)
            for c in data_classes for p in purposes)
        if refused and not may_override_refusal:
            raise RuleViolation("consent to this sharing was refused; only an authorised role "
                                "may decide to override the refusal")
        longest = OVERRIDE_LONGEST_MONTHS if refused else DECISION_LONGEST_MONTHS
        if valid_until > add_months(max(valid_from, at), longest):
            which = "a decision overriding a refusal" if refused else "a sharing decision"
            raise InvalidContent("valid_until", f"{which} lasts at most {longest} months: "
                                                "decide again to go on")
        self._decide_sharing(
            decision_id, share, deciding_agency, recipient_agency,
            [c.value for c in data_classes], [p.value for p in purposes], legal_basis.value,
            consent_not_relied.value if consent_not_relied else None,
            Personal(self.child_id, "rationale", rationale), refused, valid_from, valid_until,
            at, by,
        )

    # Statutory enquiries -----------------------------------------------------------------

    class EnquiryOpened(Aggregate.Event):
        class_version = 1
        enquiry_id: UUID
        kind: str
        participants: list[str]
        opened_at: datetime
        opened_by: dict[str, str]

    @event(EnquiryOpened)
    def _open_enquiry(self, enquiry_id: UUID, kind: str, participants: list[str],
                      opened_at: datetime, opened_by: dict[str, str]) -> None:
        self.enquiries.append({"enquiry_id": enquiry_id, "kind": kind,
                               "participants": participants, "opened_at": opened_at,
                               "opened_by": opened_by, "closed_at": None, "outcome": None})

    def open_enquiry(self, enquiry_id: UUID, kind: EnquiryKind, participants: list[str],
                     at: datetime, by: dict[str, str]) -> None:
        if len(set(participants)) < 2:
            raise InvalidContent("participants", "an enquiry involves at least two agencies")
        self._open_enquiry(enquiry_id, kind.value, sorted(set(participants)), at, by)

    class EnquiryClosed(Aggregate.Event):
        """Version 2 holds the outcome sealed for the child; version 1 held it in clear."""

        class_version = 2
        enquiry_id: UUID
        outcome: Personal | str
        closed_at: datetime
        closed_by: dict[str, str]

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """Same fields: only new outcomes are sealed (an upcaster has no key to seal)."""

    @event(EnquiryClosed)
    def _close_enquiry(self, enquiry_id: UUID, outcome: Personal | str, closed_at: datetime,
                       closed_by: dict[str, str]) -> None:
        enquiry = self._enquiry(enquiry_id)
        enquiry["closed_at"] = closed_at
        enquiry["outcome"] = outcome

    def close_enquiry(self, enquiry_id: UUID, outcome: str, at: datetime,
                      by: dict[str, str]) -> None:
        if self._enquiry(enquiry_id)["closed_at"] is not None:
            raise RuleViolation("this enquiry is already closed")
        self._close_enquiry(enquiry_id, Personal(self.child_id, "enquiry_outcome", outcome),
                            at, by)

    def _enquiry(self, enquiry_id: UUID) -> dict[str, Any]:
        for enquiry in self.enquiries:
            if enquiry["enquiry_id"] == enquiry_id:
                return enquiry
        raise RuleViolation("no such enquiry for this child")

    # Questions, as at an instant -----------------------------------------------------------

    def _latest_consent(self, owner: str, agency: str, data_class: DataClass,
                        purpose: Purpose, at: datetime,
                        since: datetime | None = None) -> dict[str, Any] | None:
        """The latest consent record in force, in scope and recorded by someone whose word
        counts for this owner's record and this reader; later records replace earlier.
        With ``since``, only consents recorded from then on."""
        latest = None
        for consent in self.consents:
            withdrawn = consent["withdrawn_at"]
            if not _in_period(consent, at) or (withdrawn is not None and withdrawn <= at):
                continue
            if since is not None and consent["recorded_at"] < since:
                continue
            if not Scope.from_data(consent["scope"]).covers(agency, data_class, purpose):
                continue
            recorder = recorder_of(consent["recorded_by"], owner, agency)
            counts = (basis_counts(Basis.CONSENT, recorder)
                      if consent["status"] == ConsentStatus.GIVEN.value
                      else refusal_counts(recorder))
            if counts:
                latest = consent
        return latest

    def consent_given(self, owner: str, agency: str, data_class: DataClass, purpose: Purpose,
                      at: datetime) -> bool:
        consent = self._latest_consent(owner, agency, data_class, purpose, at)
        return consent is not None and consent["status"] == ConsentStatus.GIVEN.value

    def consent_refused(self, owner: str, agency: str, data_class: DataClass,
                        purpose: Purpose, at: datetime) -> bool:
        consent = self._latest_consent(owner, agency, data_class, purpose, at)
        return consent is not None and consent["status"] == ConsentStatus.REFUSED.value

    def sharing_decision(self, owner: str, agency: str, data_class: DataClass,
                         purpose: Purpose, at: datetime,
                         since: datetime | None = None) -> dict[str, Any] | None:
        """The owner's latest decision in force about sharing this with this agency (with
        ``since``, only those recorded from then on)."""
        latest = None
        for decision in self.decisions:
            if since is not None and decision["recorded_at"] < since:
                continue
            if (decision["deciding_agency"] == owner and decision["recipient_agency"] == agency
                    and data_class.value in decision["data_classes"]
                    and purpose.value in decision["purposes"] and _in_period(decision, at)):
                latest = decision
        return latest

    def open_enquiries(self, agency: str, at: datetime) -> list[dict[str, Any]]:
        """Enquiries open at ``at`` that name the agency, whoever opened them."""
        return [e for e in self.enquiries
                if e["opened_at"] <= at and (e["closed_at"] is None or at < e["closed_at"])
                and agency in e["participants"]]

    def in_open_enquiry(self, agency: str, at: datetime,
                        since: datetime | None = None) -> bool:
        """The agency takes part in an open enquiry that the statutory lead opened (an
        enquiry an agency opened itself never widens its own access); with ``since``, one
        opened from then on."""
        return any(basis_counts(Basis.STATUTORY, recorder_of(e["opened_by"], "", agency))
                   for e in self.open_enquiries(agency, at)
                   if since is None or e["opened_at"] >= since)

    def standing(self, owner: str, agency: str, data_class: DataClass, purpose: Purpose,
                 at: datetime) -> Standing:
        bases = {Basis.NONE}
        consent = self._latest_consent(owner, agency, data_class, purpose, at)
        if consent is not None and consent["status"] == ConsentStatus.GIVEN.value:
            bases.add(Basis.CONSENT)
        refusal = (consent if consent is not None
                   and consent["status"] == ConsentStatus.REFUSED.value else None)
        decision = self.sharing_decision(owner, agency, data_class, purpose, at)
        bases |= decision_bases(decision, refusal)
        if self.in_open_enquiry(agency, at):
            bases.add(Basis.STATUTORY)
        return Standing(frozenset(bases), consent_refused=refusal is not None,
                        not_shared=decision is not None and not decision["share"])


def decision_bases(decision: dict[str, Any] | None,
                   refusal: dict[str, Any] | None) -> set[Basis]:
    """The basis a decision in force gives, beside a refusal of consent in force (or None).

    With no refusal, a decision to share is a sharing decision. Against a refusal it counts
    only if it overrode a refusal when it was recorded (an authorised role, checked then) and
    the refusal in force was on record by then: a later refusal was not weighed, and blocks.
    """
    if decision is None or not decision["share"]:
        return set()
    if refusal is None:
        return {Basis.SHARING_DECISION}
    if decision["overrides_refusal"] and refusal["recorded_at"] <= decision["recorded_at"]:
        return {Basis.SHARING_DECISION_OVERRIDING_REFUSAL}
    return set()


NO_STANDING = Standing(frozenset({Basis.NONE}), consent_refused=False, not_shared=False)


@dataclass(frozen=True)
class MergedBases:
    """The bases for the records of a person merged into another (``domain.merging``): the
    merged person's own ledger, and what was recorded for the survivor from the merge on.

    The survivor's bases recorded before the merge were recorded for the survivor's records
    only, and never reach the merged person's (nor its own bases the survivor's older
    records): a merge widens no one's access. A consent recorded for the survivor after the
    merge is later than any of the merged person's, and replaces it (a refusal as a gift);
    so does a later sharing decision."""

    own: SharingLedger | None
    survivor: SharingLedger | None
    since: datetime

    def standing(self, owner: str, agency: str, data_class: DataClass, purpose: Purpose,
                 at: datetime) -> Standing:
        own, later = self.own, self.survivor
        consent: dict[str, Any] | None = None
        decision: dict[str, Any] | None = None
        statutory = False
        if own is not None:
            consent = own._latest_consent(owner, agency, data_class, purpose, at)
            decision = own.sharing_decision(owner, agency, data_class, purpose, at)
            statutory = own.in_open_enquiry(agency, at)
        if later is not None:
            consent = (later._latest_consent(owner, agency, data_class, purpose, at, self.since)
                       or consent)
            decision = (later.sharing_decision(owner, agency, data_class, purpose, at,
                                               self.since) or decision)
            statutory = statutory or later.in_open_enquiry(agency, at, self.since)
        bases = {Basis.NONE}
        if consent is not None and consent["status"] == ConsentStatus.GIVEN.value:
            bases.add(Basis.CONSENT)
        refusal = (consent if consent is not None
                   and consent["status"] == ConsentStatus.REFUSED.value else None)
        bases |= decision_bases(decision, refusal)
        if statutory:
            bases.add(Basis.STATUTORY)
        return Standing(frozenset(bases), consent_refused=refusal is not None,
                        not_shared=decision is not None and not decision["share"])


def _check_scope(scope: Scope) -> None:
    if not scope.data_classes:
        raise InvalidContent("scope.data_classes", "must name at least one data class")
    if not scope.agencies:
        raise InvalidContent("scope.agencies", "must name at least one recipient agency")
    if not scope.purposes:
        raise InvalidContent("scope.purposes", "must name at least one purpose")


# How long a sharing decision may last before it is decided again: a year; and a decision to
# share against a parent's refusal, three months (the refusal stands, and the concern that
# overrode it is looked at again as the case moves on).
DECISION_LONGEST_MONTHS = 12
OVERRIDE_LONGEST_MONTHS = 3


def _check_period(valid_from: datetime, valid_until: datetime | None) -> None:
    if valid_from.tzinfo is None or (valid_until is not None and valid_until.tzinfo is None):
        raise InvalidContent("valid_from", "times must carry a time zone")
    if valid_until is not None and valid_until <= valid_from:
        raise InvalidContent("valid_until", "must be after valid_from")
