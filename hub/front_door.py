"""The MASH front door: contacts and referrals rated, researched by partners, decided, fed back
to the referrer; levels of need stepping up and down; allocation; inter-agency disagreement.

A concern or referral opens its contact in the same atomic save as the notification
(``on_received``), over HTTP, Kafka or from the DART's triage. Partners' research is their
data: every piece shown is decided by the access policy and audited like any other read.
"""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate

from domain.access import (
    RESEARCH_CLASS,
    AccessQuestion,
    Purpose,
    Relation,
    Visibility,
    research_class,
)
from domain.agencies import AgencyKind
from domain.audit import AuditKind
from domain.errors import InvalidContent
from domain.front_door import (
    CONTACT_TYPES,
    LevelOfNeed,
    MashContact,
    NeedRecord,
    Outcome,
    Rag,
    SignsOfSafety,
    earlier_contacts,
    need_id,
)
from domain.indexes import KeyIndex, enquiry_key
from domain.lawful_basis import EnquiryKind, SharingLedger, check_participants, ledger_id
from domain.notifications import Notification, NotificationSubmission
from domain.people import PersonRecord
from domain.personal import reveal
from hub.access import HUB_OWNER
from hub.audit.shown import Shown, disclose
from hub.audit.trail import AuditTrail
from hub.capabilities import Requirement, parse_enum
from hub.disagreement_subjects import DecisionSubjects
from hub.disclosure import ReadContext
from hub.errors import NotEntitled, NotFound
from hub.followed_corrections import ContactCorrections
from hub.levels_of_need import LevelsAndAllocation
from hub.mash_queues import MashQueues
from hub.projections.work_index import WorkIndex
from hub.purposes import PurposeBinding
from hub.registry import Caller, Registry
from hub.relationships import Relationships, accept_involvement
from hub.store import HubStore
from hub.timescales import Timescales
from policies.decision_point import CapabilityPolicy, DecisionPoint

HUB_RULE = {"user_id": "", "agency": HUB_OWNER, "agency_kind": "hub", "role": "rule"}


class FrontDoor(LevelsAndAllocation, MashQueues, ContactCorrections):
    def __init__(self, store: HubStore, registry: Registry, decisions: DecisionPoint,
                 capabilities: CapabilityPolicy, audit: AuditTrail, timescales: Timescales,
                 work: WorkIndex,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 relationships: Relationships | None = None) -> None:
        self._store = store
        self._relationships = relationships
        self._purposes = PurposeBinding(store, capabilities, audit)
        self._registry = registry
        self._decisions = decisions
        self._capabilities = capabilities
        self._audit = audit
        self.require = Requirement(capabilities, audit)
        self._subjects = DecisionSubjects(store, work, capabilities, audit)
        self.timescales = timescales
        self.work = work
        self._clock = clock
        # Child protection clocks (core groups, reviews) for the breach list; set at wiring.
        self.protection_overdue: Callable[[datetime], list[dict[str, Any]]] = lambda _: []

    # At intake ---------------------------------------------------------------------------

    def on_received(self, notification: Notification, _submission: NotificationSubmission,
                    people: list[PersonRecord]) -> list[Aggregate]:
        """The contact a concern or referral opens (none for other types)."""
        kind = CONTACT_TYPES.get(notification.notification_type)
        if kind is None:
            return []
        received = notification.received_at
        children = {p.id: p for p in people if p.id in notification.child_ids}
        months = self.timescales.front_door.re_referral_months
        earlier = sorted({c for p in children.values() for c in earlier_contacts(
            p.notifications, notification.id, received, months)}, key=str)
        return [MashContact.open(
            notification.id, kind, notification.source_agency, notification.child_ids,
            received, list(notification.details.get("indicators") or []), earlier,
            notification.details.get("linked_to"), self.timescales, HUB_RULE)]

    # Reading -------------------------------------------------------------------------------

    def _contact(self, contact: UUID) -> MashContact:
        found = self._store.find(contact, MashContact)
        if found is None:
            raise NotFound("no such contact")
        return found

    def contact(self, ctx: ReadContext, contact: UUID) -> dict[str, Any]:
        """One contact: MASH staff see the whole of it; a partner asked for research sees the
        contact's clocks and the research its own policy entitles it to; each piece of
        research shown or withheld is audited (the research is its agency's record), and so is
        the contact itself (the referrer's record): in full to the MASH, in summary to a
        partner."""
        caller = ctx.caller
        self.require(caller, "read-mash-contact", "read-mash-contact")
        c = self._contact(contact)
        is_mash = caller.agency_kind == AgencyKind.MASH.value
        if not is_mash and c.research_due(caller.agency_id) is None:
            self._audit.record(kind=AuditKind.DENIAL, action="read-mash-contact",
                               actor=caller.as_actor(), purpose=ctx.purpose.value,
                               child_ids=c.child_ids,
                               details={"contact": str(c.id), "outcome": "not asked"})
            raise NotEntitled("only the MASH and partners asked for research see a contact")
        at = self._clock()
        self._purposes.check(caller, ctx.purpose, ctx.case_ref, c.child_ids, at,
                             "read-mash-contact", ctx.break_glass_reason is not None)
        version = self._decisions.version_at(at).text.version
        shown, records = [], self._contact_shown(
            c, Visibility.FULL if is_mash else Visibility.SUMMARY,
            "local-authority-safeguarding-duty" if is_mash else "research-request",
            "read-mash-contact")
        for item in c.research:
            own = item["agency"] == caller.agency_id
            data_class = research_class(item["agency_kind"])
            relation = Relation.OWNER if own else Relation.NONE
            decision = self._decisions.decide(AccessQuestion(
                caller.agency_kind, caller.role, relation, data_class, ctx.purpose), at)
            full = decision.visibility is Visibility.FULL
            # Research about a contact is about each of its children: listed under each.
            records += [Shown(item["id"], "mash-research", item["agency"], child,
                              (data_class,), decision.ground, decision.rule,
                              decision.visibility.value, relation.value, decision.basis.value)
                        for child in dict.fromkeys(c.child_ids)]
            if decision.visibility is not Visibility.NONE:
                shown.append({"id": str(item["id"]), "agency": item["agency"],
                              "at": item["at"].isoformat(), "late": c.research_late(item),
                              "visibility": decision.visibility.value,
                              "content": reveal(item["content"]) if full else None})
        detail = self._summary(c, at)
        if not is_mash:  # a partner sees the clocks and the research, not the MASH's view
            for kept_back in ("indicators", "re_referral", "re_referral_of", "decision",
                              "linked_to", "referrer", "school_claims"):
                detail.pop(kept_back, None)
            # Which other agencies were asked, or answered, would tell it who knows the child
            # (the known-to class): a partner sees its own part only.
            mine = caller.agency_id
            detail["research"] = {key: [a for a in detail["research"][key] if a == mine]
                                  for key in ("asked", "received_from", "outstanding")}
        if is_mash:
            rating = c.rating
            detail["rag"] = detail["rag"] and {
                **detail["rag"], "history": [
                    {"rating": r.rag, "at": r.at.isoformat(), "by": r.by,
                     "rationale": reveal(r.rationale)} for r in c.ratings]}
            if rating is not None and c.decision is not None:
                d = c.decision
                detail["decision"] = {
                    **detail["decision"], "rationale": reveal(d["rationale"]),
                    "feedback": reveal(d["feedback"]),
                    "signs_of_safety": reveal(d["signs_of_safety"]),
                    "corrections": [{**shown, "reason": reveal(c.corrections[i]["reason"])}
                                    for i, shown in enumerate(
                                        detail["decision"]["corrections"])]}
        disclose(self._audit, caller, "read-mash-contact", records, purpose=ctx.purpose.value,
                 case_ref=ctx.case_ref, details={"contact": str(c.id)},
                 policy_version=version)
        detail["research"]["items"] = shown
        return detail

    # The MASH's work -----------------------------------------------------------------------

    def _change(self, caller: Caller, contact: UUID, capability: str,
                change: Callable[[MashContact, datetime], list[Aggregate]],
                details: Callable[[MashContact], dict[str, Any]]) -> dict[str, Any]:
        """Apply one change to a contact (and what it brings with it), audited."""
        known = self._contact(contact)
        self.require(caller, capability, capability, known.child_ids)
        at = self._clock()

        def attempt() -> MashContact:
            current = self._contact(contact)
            more = change(current, at)
            self._store.save(current, *more)
            return current

        saved = self._store.write(attempt)
        # The answer is the contact's summary: listed under each child like a queue read.
        disclose(self._audit, caller, capability,
                 self._contact_shown(saved, Visibility.SUMMARY, "local-authority-safeguarding-"
                                     "duty" if caller.agency_kind == AgencyKind.MASH.value
                                     else "research-request", capability),
                 purpose=Purpose.TRIAGE.value, kind=AuditKind.FRONT_DOOR,
                 details={"contact": str(saved.id), **details(saved)})
        return self._summary(saved, at)

    def rate(self, caller: Caller, contact: UUID, rag: str,
             rationale: str | None) -> dict[str, Any]:
        colour = parse_enum(Rag, rag, "rag")

        def change(c: MashContact, at: datetime) -> list[Aggregate]:
            c.rate(colour, self.timescales.rag_due(colour, c.received_at), rationale,
                   caller.as_actor(), at)
            return []

        return self._change(caller, contact, "rate-contact", change,
                            lambda _: {"rag": colour.value})

    def acknowledge(self, caller: Caller, contact: UUID) -> dict[str, Any]:
        def change(c: MashContact, at: datetime) -> list[Aggregate]:
            c.acknowledge(caller.as_actor(), at)
            # The MASH has taken the contact up: its sender is involved with the children.
            return [*accept_involvement(self._store, c.child_ids, c.notification_id,
                                        caller.as_actor(), at)]

        return self._change(caller, contact, "acknowledge-contact", change,
                            lambda c: {"late": c.acknowledged is not None
                                       and c.acknowledged["at"] > c.acknowledge_due})

    def request_research(self, caller: Caller, contact: UUID,
                         agencies: list[str]) -> dict[str, Any]:
        # The capability first: a caller without it learns nothing of which agencies exist.
        self.require(caller, "request-research", "request-research",
                     self._contact(contact).child_ids)
        partners = []
        for agency_id in agencies:
            agency = self._registry.agency(agency_id)
            if agency["kind"] not in RESEARCH_CLASS:
                raise InvalidContent("agencies", "research is asked of partner agencies")
            partners.append(agency["id"])

        def change(c: MashContact, at: datetime) -> list[Aggregate]:
            c.request_research(partners, caller.as_actor(), at)
            return []

        return self._change(caller, contact, "request-research", change,
                            lambda _: {"agencies": sorted(set(partners))})

    def add_research(self, caller: Caller, contact: UUID, content: str) -> dict[str, Any]:
        research_id = uuid4()

        def change(c: MashContact, at: datetime) -> list[Aggregate]:
            c.add_research(research_id, caller.agency_id, caller.agency_kind, content,
                           caller.as_actor(), at)
            return []

        summary = self._change(caller, contact, "add-research", change,
                               lambda _: {"research": str(research_id)})
        return {"id": str(research_id), "contact_id": summary["id"],
                "outstanding": summary["research"]["outstanding"]}

    def decide(self, caller: Caller, contact: UUID, *, level: str, outcome: str,
               rationale: str, feedback: str, signs_of_safety: SignsOfSafety | None,
               participants: list[str]) -> dict[str, Any]:
        need = parse_enum(LevelOfNeed, level, "level")
        chosen = parse_enum(Outcome, outcome, "outcome")
        strategy = chosen is Outcome.STRATEGY_DISCUSSION
        agencies = self.strategy_participants(caller, participants) if strategy else []
        if participants and not strategy:
            raise InvalidContent("participants", "only a strategy discussion has participants")

        def change(c: MashContact, at: datetime) -> list[Aggregate]:
            records = [self._store.find(need_id(i), NeedRecord) or NeedRecord(child_id=i)
                       for i in c.child_ids]
            ledgers = [self._store.find(ledger_id(i), SharingLedger)
                       or SharingLedger(child_id=i) for i in c.child_ids] if strategy else []
            enquiries = []
            for ledger in ledgers:
                enquiry = uuid4()
                ledger.open_enquiry(enquiry, EnquiryKind.STRATEGY_DISCUSSION, agencies, at,
                                    caller.as_actor())
                enquiries.append(enquiry)
            assessing = chosen is Outcome.ASSESSMENT
            c.decide(need, chosen, rationale, feedback, signs_of_safety,
                     self.timescales.assessment_due(c.received_at) if assessing else None,
                     enquiries, records[0].level, caller.as_actor(), at,
                     self.timescales.brief_assessment_due(c.received_at) if assessing else None)
            changed: list[Aggregate] = [
                r for r in records if r.set_level(need, rationale, c.id, caller.as_actor(), at)]
            changed += accept_involvement(self._store, c.child_ids, c.notification_id,
                                          caller.as_actor(), at)
            keys = [KeyIndex(key=enquiry_key(e), target=ledger.child_id)
                    for e, ledger in zip(enquiries, ledgers, strict=True)]
            return [*changed, *ledgers, *keys]

        return self._change(caller, contact, "decide-contact", change,
                            lambda c: {"level": need.value, "outcome": chosen.value,
                                       "step": c.step})

    def correct_decision(self, caller: Caller, contact: UUID, *, level: str, outcome: str,
                         reason: str) -> dict[str, Any]:
        """A team manager corrects a decision's level of need or outcome, with a reason: the
        original stays in the contact's history, the assessment's deadline is recomputed
        from the contact's arrival (``domain/clocks.py``), and the child's level of need
        follows."""
        need = parse_enum(LevelOfNeed, level, "level")
        chosen = parse_enum(Outcome, outcome, "outcome")

        def change(c: MashContact, at: datetime) -> list[Aggregate]:
            assessing = chosen is Outcome.ASSESSMENT
            c.correct_decision(
                need, chosen, reason,
                self.timescales.assessment_due(c.received_at) if assessing else None,
                caller.as_actor(), at,
                self.timescales.brief_assessment_due(c.received_at) if assessing else None)
            records = [self._store.find(need_id(i), NeedRecord) or NeedRecord(child_id=i)
                       for i in c.child_ids]
            return [r for r in records
                    if r.set_level(need, reason, c.id, caller.as_actor(), at)]

        def details(c: MashContact) -> dict[str, Any]:
            last = c.corrections[-1]
            return {"correction": "decision", "level": need.value, "outcome": chosen.value,
                    "previous_level": last["previous"]["level"],
                    "previous_outcome": last["previous"]["outcome"]}

        return self._change(caller, contact, "correct-contact-decision", change, details)

    def strategy_participants(self, caller: Caller, participants: list[str]) -> list[str]:
        """The agencies of the strategy discussion, the caller's among them."""
        kinds = {caller.agency_id: caller.agency_kind}
        for agency_id in participants:
            agency = self._registry.agency(agency_id)
            kinds[agency["id"]] = agency["kind"]
        return check_participants(kinds)

    def complete_assessment(self, caller: Caller, contact: UUID, summary: str,
                            signs: SignsOfSafety | None = None) -> dict[str, Any]:
        """Record the children's assessment complete (clocked against 45 working days), with
        its Signs of Safety if recorded."""
        def change(c: MashContact, at: datetime) -> list[Aggregate]:
            c.complete_assessment(summary, caller.as_actor(), at, signs)
            return []

        return self._change(caller, contact, "complete-assessment", change,
                            lambda c: {"late": "assessment" in c.missed()})

    def complete_brief_assessment(self, caller: Caller, contact: UUID,
                                  summary: str) -> dict[str, Any]:
        """Record the brief assessment done (clocked against 10 working days); the
        assessment goes on to its completion."""
        def change(c: MashContact, at: datetime) -> list[Aggregate]:
            c.complete_brief_assessment(summary, caller.as_actor(), at)
            return []

        return self._change(caller, contact, "complete-assessment", change,
                            lambda c: {"brief": True,
                                       "late": "brief-assessment" in c.missed()})
