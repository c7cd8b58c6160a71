"""The decision a disagreement is raised against, found from its kind and id on the hub's own
records: the children it concerns, the agency that made it and the person who did. Nothing
the caller sends names a child.

A caller may raise a disagreement only against a decision their agency may know of; for any
other, the answer is the one an unknown id gets (404), so that raising one never tells a
reader a record exists, nor opens it to them."""

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from domain.audit import AuditKind
from domain.child_protection import ProtectionRecord
from domain.dart import DartCase
from domain.disagreement import SubjectKind
from domain.errors import RuleViolation
from domain.front_door import MashContact
from domain.lawful_basis import SharingLedger, ledger_id
from domain.missing import InterviewStep, MissingRecord
from hub.audit.trail import AuditTrail
from hub.errors import NotFound
from hub.projections.work_index import WorkIndex
from hub.registry import Caller
from hub.store import HubStore
from policies.decision_point import CapabilityPolicy

UNKNOWN = "no such decision for your agency"


@dataclass(frozen=True)
class Subject:
    """A decision a disagreement can be about."""

    kind: SubjectKind
    id: UUID
    child_ids: list[UUID]
    decided_by: dict[str, str]  # the person (and so the agency) who made the decision


class DecisionSubjects:
    """Finds a decision by kind and id, for a caller who may know of it."""

    def __init__(self, store: HubStore, work: WorkIndex, capabilities: CapabilityPolicy,
                 audit: AuditTrail) -> None:
        self._store = store
        self._work = work
        self._capabilities = capabilities
        self._audit = audit

    def find(self, caller: Caller, kind: SubjectKind, ident: UUID) -> Subject:
        """The decision, if the caller's agency may know of it (else NotFound, as for an
        unknown id); RuleViolation if it is known but not yet made."""
        finder = {SubjectKind.MASH_CONTACT: self._mash_contact,
                  SubjectKind.DART_TRIAGE: self._dart_triage,
                  SubjectKind.MISSING_EPISODE: self._missing_episode,
                  SubjectKind.CP_CONFERENCE: self._conference,
                  SubjectKind.SHARING_REFUSAL: self._refusal}[kind]
        return finder(caller, ident)

    def _hidden(self, caller: Caller, kind: SubjectKind, ident: UUID,
                child_ids: list[UUID]) -> NotFound:
        """A decision the caller's agency may not know of: the refusal is audited (naming the
        children), the answer is an unknown id's."""
        self._audit.record(kind=AuditKind.DENIAL, action="raise-disagreement",
                           actor=caller.as_actor(), child_ids=child_ids,
                           details={"subject": kind.value, "subject_id": str(ident),
                                    "outcome": "not a party"})
        return NotFound(UNKNOWN)

    def _mash_contact(self, caller: Caller, ident: UUID) -> Subject:
        """The MASH's decision on a contact: known to the referrer, and to a partner asked
        for research."""
        c = self._store.find(ident, MashContact)
        if c is None:
            raise NotFound(UNKNOWN)
        if caller.agency_id != c.referrer and c.research_due(caller.agency_id) is None:
            raise self._hidden(caller, SubjectKind.MASH_CONTACT, ident, c.child_ids)
        if c.decision is None:
            raise RuleViolation("the contact is not decided yet")
        return Subject(SubjectKind.MASH_CONTACT, c.id, list(c.child_ids), c.decision["by"])

    def _dart_triage(self, caller: Caller, ident: UUID) -> Subject:
        """The DART's triage of an incident (by its case's id): known to the DART (its
        queue's readers) and to the police force that notified the incident."""
        case = self._store.find(ident, DartCase)
        if case is None:
            raise NotFound(UNKNOWN)
        self._work.catch_up()
        source = self._work.source(case.notification_id)
        dart = self._capabilities.allows(caller.agency_kind, caller.role, "read-dart-queue")
        notifier = source is not None and source.agency == caller.agency_id
        triaged_here = case.triage is not None and case.triage["by"]["agency"] == caller.agency_id
        if not (dart or notifier or triaged_here):
            raise self._hidden(caller, SubjectKind.DART_TRIAGE, ident, _dart_people(case))
        if case.triage is None:
            raise RuleViolation("the incident is not triaged yet")
        return Subject(SubjectKind.DART_TRIAGE, case.id, _dart_people(case),
                       case.triage["by"])

    def _missing_episode(self, caller: Caller, ident: UUID) -> Subject:
        """How a missing episode's return interview was settled (held, declined, or decided
        against): known to the agency that reported the episode and to the missing team."""
        self._work.catch_up()
        state = self._work.episodes.get(ident)
        record = (self._store.find(state.record_id, MissingRecord)
                  if state is not None else None)
        if record is None:
            raise NotFound(UNKNOWN)
        episode = record.episode(ident)
        team = self._capabilities.allows(caller.agency_kind, caller.role, "read-missing-queue")
        if not (team or episode["reported_by"] == caller.agency_id):
            raise self._hidden(caller, SubjectKind.MISSING_EPISODE, ident, [record.child_id])
        settled = _settling_step(episode)
        if settled is None:
            raise RuleViolation("the episode's return interview is not settled yet")
        return Subject(SubjectKind.MISSING_EPISODE, ident, [record.child_id], settled["by"])


    def _conference(self, caller: Caller, ident: UUID) -> Subject:
        """A child protection conference's decision: known to the local authorities that
        recorded the child's conferences, and to the agencies that took part in the s47
        enquiry its conferences followed."""
        self._work.catch_up()
        held = self._work.conferences.get(ident)
        record = self._store.find(held, ProtectionRecord) if held is not None else None
        found = next((c for c in record.conferences if c["id"] == ident),
                     None) if record is not None else None
        if record is None or found is None:
            raise NotFound(UNKNOWN)
        party = set(record.responsible_authorities)
        ledger = self._store.find(ledger_id(record.person_id), SharingLedger)
        enquiries = {c["enquiry_id"] for c in record.conferences if c["enquiry_id"]}
        for enquiry in ledger.enquiries if ledger is not None else []:
            if enquiry["enquiry_id"] in enquiries:
                party.update(enquiry["participants"])
        if caller.agency_id not in party:
            raise self._hidden(caller, SubjectKind.CP_CONFERENCE, ident, [record.person_id])
        return Subject(SubjectKind.CP_CONFERENCE, ident, [record.person_id], found["by"])

    def _refusal(self, caller: Caller, ident: UUID) -> Subject:
        """A recorded decision not to share: known to the agency that made it and to the one
        it refused."""
        self._work.catch_up()
        held = self._work.refusals.get(ident)
        ledger = self._store.find(held, SharingLedger) if held is not None else None
        found = next((d for d in ledger.decisions if d["decision_id"] == ident),
                     None) if ledger is not None else None
        if ledger is None or found is None:
            raise NotFound(UNKNOWN)
        if caller.agency_id not in (found["deciding_agency"], found["recipient_agency"]):
            raise self._hidden(caller, SubjectKind.SHARING_REFUSAL, ident, [ledger.child_id])
        return Subject(SubjectKind.SHARING_REFUSAL, ident, [ledger.child_id],
                       found["recorded_by"])


def _dart_people(case: DartCase) -> list[UUID]:
    """The people a DART case is about: its children, else its adult victims (and women
    named pregnant)."""
    return list(case.child_ids) or [*case.victim_ids, *case.pregnant_ids]


def _settling_step(episode: dict[str, Any]) -> dict[str, Any] | None:
    for step in episode["interview"]:
        if InterviewStep(step["step"]).settles:
            return step  # type: ignore[no-any-return]
    return None
