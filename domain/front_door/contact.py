"""The MASH front door: every contact and referral rated, researched, decided and fed back.

A concern from any agency (school, health, police) is a contact; a referral (a MARF) asks for
services, from any agency or from the DART's triage. Each is RAG-rated with a deadline for the
MASH's work and the partners' research; immediate-referral indicators (the Family Support
Pathway) force red. The decision records the level of need and the outcome, and the referrer
is told, also when nothing further will be done. The local authority acknowledges within one
working day; the decision is due within one working day until the contact is rated, and by the
rating's deadline from then on (``decide_by``); an assessment is due within 45 working days.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.clocks import Rag, Timescales
from domain.errors import InvalidContent, RuleViolation
from domain.front_door.level_of_need import OUTCOME_LEVELS, LevelOfNeed, Outcome, step
from domain.personal import Personal
from domain.text import SENTENCE, optional_text, reason, required_text
from domain.timescales import months_before

# The notification types that come to the front door: referrals, and partners' concerns.
# Domestic abuse goes to the DART first (which refers on); missing and found reports to the
# missing-children team.
CONTACT_TYPES = {"referral": "referral", "school_concern": "contact",
                 "health_concern": "contact", "police_concern": "contact"}


def contact_id(notification_id: UUID) -> UUID:
    """One notification, one contact."""
    return uuid5(NAMESPACE_URL, f"/hub/mash-contact/{notification_id}")


def earlier_contacts(notifications: list[dict[str, Any]], this: UUID, received: datetime,
                     months: int) -> list[UUID]:
    """The contacts a child's earlier notifications opened within ``months`` before this one
    (a re-referral when there are any), from the child's record of notifications."""
    since = months_before(received, months)
    return sorted({contact_id(n["notification_id"]) for n in notifications
                   if n["notification_type"] in CONTACT_TYPES
                   and n["notification_id"] != this
                   and since <= n["received_at"] <= received}, key=str)


@dataclass(frozen=True)
class SignsOfSafety:
    worries: str
    working_well: str
    needs_to_happen: str
    scale: int

    def validated(self) -> "SignsOfSafety":
        if not 0 <= self.scale <= 10:
            raise InvalidContent("signs_of_safety.scale", "must be between 0 and 10")
        return SignsOfSafety(
            required_text(self.worries, "signs_of_safety.worries"),
            required_text(self.working_well, "signs_of_safety.working_well"),
            required_text(self.needs_to_happen, "signs_of_safety.needs_to_happen"),
            self.scale)


@dataclass(frozen=True)
class ResearchRequest:
    """Partner agencies asked for their research on a contact, due by the deadline of the
    contact's rating when they were asked."""

    agencies: tuple[str, ...]
    due: datetime
    by: dict[str, str]
    at: datetime


@dataclass(frozen=True)
class Rating:
    """A RAG rating of a contact: its colour, when the work it sets is due, why (sealed under
    the child's key), the immediate-referral indicators that forced red, who and when."""

    rag: str
    due: datetime
    rationale: Personal | None
    forced_by: tuple[str, ...]
    by: dict[str, str]
    at: datetime


class MashContact(Aggregate):
    """One contact or referral at the front door, from arrival to decision and feedback."""

    class Opened(Aggregate.Created):
        class_version = 1
        notification_id: UUID
        kind: str
        referrer: str
        child_ids: list[UUID]
        received_at: datetime
        acknowledge_due: datetime
        decision_due: datetime
        indicators: list[str]
        re_referral_of: list[UUID]
        linked_to: UUID | None

    @event(Opened)
    def __init__(self, id: UUID, notification_id: UUID, kind: str, referrer: str,
                 child_ids: list[UUID], received_at: datetime, acknowledge_due: datetime,
                 decision_due: datetime, indicators: list[str], re_referral_of: list[UUID],
                 linked_to: UUID | None) -> None:
        self.notification_id = notification_id
        self.kind = kind
        self.referrer = referrer
        self.child_ids = list(child_ids)
        self.received_at = received_at
        self.acknowledge_due = acknowledge_due
        self.decision_due = decision_due
        self.indicators = list(indicators)
        self.re_referral_of = list(re_referral_of)
        self.linked_to = linked_to
        self.ratings: list[Rating] = []
        self.research_requests: list[ResearchRequest] = []
        self.research: list[dict[str, Any]] = []
        self.acknowledged: dict[str, Any] | None = None
        self.decision: dict[str, Any] | None = None
        self.assessment: dict[str, Any] | None = None
        self._brief_assessment: dict[str, Any] | None = None
        self._amendments: list[dict[str, Any]] = []
        self._closure: dict[str, Any] | None = None
        self.decision_corrections: list[dict[str, Any]] = []

    @classmethod
    def open(cls, notification_id: UUID, kind: str, referrer: str, child_ids: list[UUID],
             received_at: datetime, indicators: list[str], re_referral_of: list[UUID],
             linked_to: UUID | None, clocks: Timescales,
             rule: dict[str, str]) -> "MashContact":
        """A contact as it arrives, on the front door's clocks. An immediate-referral
        indicator rates it red at once, by ``rule`` (the hub's own rule, not a person): no one
        has to notice first."""
        contact = cls(id=contact_id(notification_id), notification_id=notification_id,
                      kind=kind, referrer=referrer, child_ids=child_ids,
                      received_at=received_at,
                      acknowledge_due=clocks.acknowledge_due(received_at),
                      decision_due=clocks.decision_due(received_at), indicators=indicators,
                      re_referral_of=re_referral_of, linked_to=linked_to)
        if indicators:
            contact.rate(Rag.RED, clocks.rag_due(Rag.RED, received_at), None, rule,
                         received_at)
        return contact

    @property
    def holder(self) -> UUID:
        """The child whose key holds the contact's free text (erasing them erases it)."""
        return self.child_ids[0]

    # RAG -----------------------------------------------------------------------------------

    class Rated(Aggregate.Event):
        class_version = 1
        rag: str
        due: datetime
        rationale: Personal | None
        forced_by: list[str]
        by: dict[str, str]
        at: datetime

    @event(Rated)
    def _rate(self, rag: str, due: datetime, rationale: Personal | None, forced_by: list[str],
              by: dict[str, str], at: datetime) -> None:
        self.ratings.append(Rating(rag, due, rationale, tuple(forced_by), by, at))

    @property
    def rating(self) -> Rating | None:
        return self.ratings[-1] if self.ratings else None

    @property
    def decide_by(self) -> datetime:
        """When the decision is due: the current rating's deadline once the contact is rated
        (the MASH's work and the partners' research it sets are what the decision is made
        on, so the two clocks are one), and until then ``decision_due`` (the working days of
        ``front_door.decide_working_days`` from arrival)."""
        rating = self.rating
        return rating.due if rating is not None else self.decision_due

    def rate(self, rag: Rag, due: datetime, rationale: str | None, by: dict[str, str],
             at: datetime) -> None:
        """Rate (or re-rate) the contact. Any immediate-referral indicator forces red; a
        changed rating needs a written rationale."""
        self.check_open()
        if self.decision is not None:
            raise RuleViolation("the contact is decided; its rating is final")
        if self.indicators and rag is not Rag.RED:
            raise RuleViolation("an immediate-referral indicator was given ("
                                + ", ".join(self.indicators) + "): the rating is red")
        current = self.rating
        if current is not None and current.rag == rag.value:
            raise RuleViolation(f"the contact is already rated {rag.value}")
        note = (reason(rationale, "rationale") if current is not None
                else optional_text(rationale, "rationale", least=SENTENCE))
        self._rate(rag.value, due, Personal(self.holder, "rag_rationale", note) if note else None,
                   list(self.indicators) if rag is Rag.RED else [], by, at)

    # Acknowledgement -----------------------------------------------------------------------

    class Acknowledged(Aggregate.Event):
        class_version = 1
        by: dict[str, str]
        at: datetime

    @event(Acknowledged)
    def _acknowledge(self, by: dict[str, str], at: datetime) -> None:
        self.acknowledged = {"by": by, "at": at}

    def acknowledge(self, by: dict[str, str], at: datetime) -> None:
        self.check_open()
        if self.acknowledged is not None:
            raise RuleViolation("the contact is already acknowledged")
        self._acknowledge(by, at)

    # Partners' research --------------------------------------------------------------------

    class ResearchRequested(Aggregate.Event):
        class_version = 1
        agencies: list[str]
        due: datetime
        by: dict[str, str]
        at: datetime

    @event(ResearchRequested)
    def _request_research(self, agencies: list[str], due: datetime, by: dict[str, str],
                          at: datetime) -> None:
        self.research_requests.append(ResearchRequest(tuple(agencies), due, by, at))

    def request_research(self, agencies: list[str], by: dict[str, str], at: datetime) -> None:
        self.check_open()
        rating = self.rating
        if rating is None:
            raise RuleViolation("rate the contact first: its rating sets the research deadline")
        if self.decision is not None:
            raise RuleViolation("the contact is already decided")
        if not agencies:
            raise InvalidContent("agencies", "name at least one partner agency")
        self._request_research(sorted(set(agencies)), rating.due, by, at)

    def research_due(self, agency: str) -> datetime | None:
        """When ``agency``'s research is due: by the contact's current rating's deadline
        (None: it was not asked)."""
        asked = any(agency in r.agencies for r in self.research_requests)
        rating = self.rating
        return rating.due if asked and rating is not None else None

    class ResearchAdded(Aggregate.Event):
        class_version = 1
        research_id: UUID
        agency: str
        agency_kind: str
        content: Personal
        by: dict[str, str]
        at: datetime

    @event(ResearchAdded)
    def _add_research(self, research_id: UUID, agency: str, agency_kind: str,
                      content: Personal, by: dict[str, str], at: datetime) -> None:
        self.research.append({"id": research_id, "agency": agency, "agency_kind": agency_kind,
                              "content": content, "by": by, "at": at})

    def add_research(self, research_id: UUID, agency: str, agency_kind: str, content: str,
                     by: dict[str, str], at: datetime) -> None:
        self.check_open()
        if self.research_due(agency) is None:
            raise RuleViolation("your agency has not been asked for research on this contact")
        if self.decision is not None:
            raise RuleViolation("the contact is already decided")
        body = required_text(content, "content", least=5, most=20_000)
        self._add_research(research_id, agency, agency_kind,
                           Personal(self.holder, "research", body), by, at)

    def research_late(self, item: dict[str, Any]) -> bool:
        due = self.research_due(item["agency"])
        return due is not None and item["at"] > due

    def research_outstanding(self) -> list[str]:
        asked = {a for r in self.research_requests for a in r.agencies}
        return sorted(asked - {r["agency"] for r in self.research})

    # The decision ----------------------------------------------------------------------------

    class Decided(Aggregate.Event):
        """v2: the brief assessment's deadline (10 working days) beside the assessment's."""

        class_version = 2
        level: str
        outcome: str
        rationale: Personal
        feedback: Personal
        signs_of_safety: dict[str, Any] | None
        assessment_due: datetime | None
        enquiry_ids: list[UUID]
        previous_level: str | None
        by: dict[str, str]
        at: datetime
        brief_assessment_due: datetime | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["brief_assessment_due"] = None  # decided before the brief clock was kept

    @event(Decided)
    def _decide(self, level: str, outcome: str, rationale: Personal, feedback: Personal,
                signs_of_safety: dict[str, Any] | None, assessment_due: datetime | None,
                enquiry_ids: list[UUID], previous_level: str | None, by: dict[str, str],
                at: datetime, brief_assessment_due: datetime | None) -> None:
        self.decision = {"level": level, "outcome": outcome, "rationale": rationale,
                         "feedback": feedback, "signs_of_safety": signs_of_safety,
                         "assessment_due": assessment_due, "enquiry_ids": enquiry_ids,
                         "previous_level": previous_level, "by": by, "at": at,
                         "brief_assessment_due": brief_assessment_due}

    def decide(self, level: LevelOfNeed, outcome: Outcome, rationale: str, feedback: str,
               signs: SignsOfSafety | None, assessment_due: datetime | None,
               enquiry_ids: list[UUID], previous_level: LevelOfNeed | None,
               by: dict[str, str], at: datetime,
               brief_assessment_due: datetime | None = None) -> None:
        """Decide the contact. An assessment has two deadlines, both from the contact's
        arrival: the brief assessment's (``brief_assessment_due``, 10 working days) and the
        assessment's completion (``assessment_due``, 45)."""
        self.check_open()
        if self.decision is not None:
            raise RuleViolation("the contact is already decided")
        if self.rating is None:
            raise RuleViolation("rate the contact before deciding it")
        if level not in OUTCOME_LEVELS[outcome]:
            allowed = ", ".join(sorted(v.value for v in OUTCOME_LEVELS[outcome]))
            raise InvalidContent("level", f"{outcome.value} answers the level(s) {allowed}")
        if (outcome is Outcome.STRATEGY_DISCUSSION) != bool(enquiry_ids):
            raise RuleViolation("a strategy discussion, and only one, opens an enquiry")
        why = reason(rationale, "rationale")
        told = reason(feedback, "feedback")
        if self.acknowledged is None:  # deciding is acknowledging, at the latest
            self._acknowledge(by, at)
        sos = None
        if signs is not None:
            v = signs.validated()
            sos = {"worries": Personal(self.holder, "sos_worries", v.worries),
                   "working_well": Personal(self.holder, "sos_working_well", v.working_well),
                   "needs_to_happen": Personal(self.holder, "sos_needs_to_happen",
                                               v.needs_to_happen),
                   "scale": v.scale}
        self._decide(level.value, outcome.value, Personal(self.holder, "decision_rationale", why),
                     Personal(self.holder, "feedback", told), sos, assessment_due, enquiry_ids,
                     previous_level.value if previous_level else None, by, at,
                     brief_assessment_due if assessment_due is not None else None)

    class AssessmentCompleted(Aggregate.Event):
        """v2: Signs of Safety may be recorded with the assessment's completion."""

        class_version = 2
        summary: Personal
        by: dict[str, str]
        at: datetime
        signs_of_safety: dict[str, Any] | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["signs_of_safety"] = None  # completed before they were recorded here

    @event(AssessmentCompleted)
    def _complete_assessment(self, summary: Personal, by: dict[str, str],
                             at: datetime, signs_of_safety: dict[str, Any] | None) -> None:
        self.assessment = {"summary": summary, "by": by, "at": at,
                           "signs_of_safety": signs_of_safety}

    def complete_assessment(self, summary: str, by: dict[str, str], at: datetime,
                            signs: SignsOfSafety | None = None) -> None:
        """The children's assessment the decision called for is complete."""
        if self.decision is None or self.decision["assessment_due"] is None:
            raise RuleViolation("this contact's decision called for no assessment")
        if self.assessment is not None:
            raise RuleViolation("the assessment is already complete")
        what = reason(summary, "summary")
        sos = None
        if signs is not None:
            v = signs.validated()
            sos = {"worries": Personal(self.holder, "sos_worries", v.worries),
                   "working_well": Personal(self.holder, "sos_working_well", v.working_well),
                   "needs_to_happen": Personal(self.holder, "sos_needs_to_happen",
                                               v.needs_to_happen),
                   "scale": v.scale}
        self._complete_assessment(Personal(self.holder, "assessment_summary", what), by, at,
                                  sos)

    class BriefAssessmentCompleted(Aggregate.Event):
        """The brief children's assessment is done (due within 10 working days of arrival):
        the assessment goes on, to its completion within 45."""

        class_version = 1
        summary: Personal
        by: dict[str, str]
        at: datetime

    @event(BriefAssessmentCompleted)
    def _complete_brief_assessment(self, summary: Personal, by: dict[str, str],
                                   at: datetime) -> None:
        self.brief_assessment = {"summary": summary, "by": by, "at": at}

    @property
    def brief_assessment(self) -> dict[str, Any] | None:
        return self._brief_assessment

    @brief_assessment.setter
    def brief_assessment(self, value: dict[str, Any] | None) -> None:
        self._brief_assessment = value

    def complete_brief_assessment(self, summary: str, by: dict[str, str],
                                  at: datetime) -> None:
        """The brief assessment is done; further assessment goes on to the assessment's
        completion (an assessment completed outright is its brief one too)."""
        if self.decision is None or self.decision.get("brief_assessment_due") is None:
            raise RuleViolation("this contact's decision called for no brief assessment")
        if self.brief_assessment is not None or self.assessment is not None:
            raise RuleViolation("the brief assessment is already complete")
        what = reason(summary, "summary")
        self._complete_brief_assessment(
            Personal(self.holder, "brief_assessment_summary", what), by, at)

    @property
    def brief_assessment_done_at(self) -> datetime | None:
        """When the brief assessment was done: recorded as such, or the whole assessment
        completed without one."""
        done = self.brief_assessment or self.assessment
        return done["at"] if done is not None else None

    @property
    def brief_assessment_outstanding(self) -> datetime | None:
        """When the brief assessment is due, while it is not done."""
        if self.decision is None or self.brief_assessment_done_at is not None:
            return None
        due: datetime | None = self.decision.get("brief_assessment_due")
        return due

    @property
    def assessment_outstanding(self) -> datetime | None:
        """When the assessment is due, while it is not complete."""
        if self.decision is None or self.assessment is not None:
            return None
        due: datetime | None = self.decision["assessment_due"]
        return due

    @property
    def step(self) -> str | None:
        if self.decision is None:
            return None
        previous = self.decision["previous_level"]
        return step(LevelOfNeed(previous) if previous else None,
                    LevelOfNeed(self.decision["level"]))

    # The sender's corrections -----------------------------------------------------------------

    class NotificationAmended(Aggregate.Event):
        """The referrer amended what it sent: the contact names its children and indicators
        as its new version does."""

        class_version = 1
        version: int
        child_ids: list[UUID]
        indicators: list[str]
        at: datetime

    @event(NotificationAmended)
    def _follow_amendment(self, version: int, child_ids: list[UUID], indicators: list[str],
                          at: datetime) -> None:
        self.child_ids = list(child_ids)
        self.indicators = list(indicators)
        self.amendments = [*self.amendments, {"version": version, "at": at}]

    @property
    def amendments(self) -> list[dict[str, Any]]:
        return list(self._amendments)

    @amendments.setter
    def amendments(self, value: list[dict[str, Any]]) -> None:
        self._amendments = value

    def follow_amendment(self, version: int, child_ids: list[UUID], indicators: list[str],
                         at: datetime) -> None:
        """Follow the referrer's new version. The record's free text stays sealed for the
        first child it named (``holder``), so the first child stays first."""
        self.check_open()
        first = [self.holder] if self.holder in child_ids else []
        ordered = first + [c for c in child_ids if c not in first]
        self._follow_amendment(version, ordered, indicators, at)

    class Closed(Aggregate.Event):
        """Closed without a decision: ``reason`` is a code (``withdrawn-by-sender``)."""

        class_version = 1
        reason: str
        at: datetime

    @event(Closed)
    def _close(self, reason: str, at: datetime) -> None:
        self.closure = {"reason": reason, "at": at}

    @property
    def closure(self) -> dict[str, Any] | None:
        return self._closure

    @closure.setter
    def closure(self, value: dict[str, Any] | None) -> None:
        self._closure = value

    def check_open(self) -> None:
        if self.closure is not None:
            raise RuleViolation("the contact was closed: " + str(self.closure["reason"]))

    def close(self, reason: str, at: datetime) -> None:
        self.check_open()
        self._close(reason, at)

    # Clocks ----------------------------------------------------------------------------------

    def deadlines(self) -> dict[str, datetime]:
        """Every clock still running: name -> due."""
        running: dict[str, datetime] = {}
        if self.closure is not None:
            return running
        if self.acknowledged is None:
            running["acknowledge"] = self.acknowledge_due
        if self.decision is None:
            running["decide"] = self.decide_by
            if self.rating is not None:
                running["rag"] = self.rating.due
        else:
            if (brief := self.brief_assessment_outstanding) is not None:
                running["brief-assessment"] = brief
            if (due := self.assessment_outstanding) is not None:
                running["assessment"] = due
        return running

    def missed(self) -> dict[str, datetime]:
        """Every clock that ran out before its work was done (done late, or not yet)."""
        missed: dict[str, datetime] = {}
        if self.acknowledged is not None and self.acknowledged["at"] > self.acknowledge_due:
            missed["acknowledge"] = self.acknowledge_due
        if self.decision is not None:
            at = self.decision["at"]
            if at > self.decide_by:  # the rating's deadline: a contact is rated to be decided
                missed["decide"] = self.decide_by
            rating = self.ratings[-1]
            if at > rating.due:
                missed["rag"] = rating.due
        if self.assessment is not None and self.decision is not None \
                and self.assessment["at"] > self.decision["assessment_due"]:
            missed["assessment"] = self.decision["assessment_due"]
        brief_due = self.decision.get("brief_assessment_due") if self.decision else None
        brief_at = self.brief_assessment_done_at
        if brief_due is not None and brief_at is not None and brief_at > brief_due:
            missed["brief-assessment"] = brief_due
        return missed

    # Correcting the decision -------------------------------------------------------------

    class DecisionCorrected(Aggregate.Event):
        """A team manager corrected the decision's level of need or outcome, with a reason
        (sealed under the contact's holder); the decision before it is kept in
        ``previous``, and the assessment's deadline follows the corrected outcome."""

        class_version = 2  # v2: the brief assessment's deadline
        level: str
        outcome: str
        reason: Personal
        assessment_due: datetime | None
        previous: dict[str, Any]  # level, outcome, assessment_due
        by: dict[str, str]
        at: datetime
        brief_assessment_due: datetime | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["brief_assessment_due"] = None

    @event(DecisionCorrected)
    def _correct_decision(self, level: str, outcome: str, reason: Personal,
                          assessment_due: datetime | None, previous: dict[str, Any],
                          by: dict[str, str], at: datetime,
                          brief_assessment_due: datetime | None) -> None:
        self.decision = {**(self.decision or {}), "level": level, "outcome": outcome,
                         "assessment_due": assessment_due,
                         "brief_assessment_due": brief_assessment_due}
        self.decision_corrections = [*self.corrections, {
            "level": level, "outcome": outcome, "reason": reason,
            "assessment_due": assessment_due, "previous": previous, "by": by, "at": at}]

    @property
    def corrections(self) -> list[dict[str, Any]]:
        """Each correction of the decision, oldest first."""
        return list(self.decision_corrections)

    def correct_decision(self, level: LevelOfNeed, outcome: Outcome, why: str,
                         assessment_due: datetime | None, by: dict[str, str],
                         at: datetime, brief_assessment_due: datetime | None = None) -> None:
        """Correct the decision's level of need and outcome. A strategy discussion opens (or
        has opened) enquiries of its own: a correction to or from one is refused (enquiries
        are opened and closed on their own routes); so is one after the assessment is
        complete, and one that changes nothing."""
        decision = self.decision
        if decision is None:
            raise RuleViolation("the contact is not decided yet: decide it")
        if self.assessment is not None:
            raise RuleViolation("the assessment is complete: the decision is final")
        if Outcome.STRATEGY_DISCUSSION in (outcome, Outcome(decision["outcome"])):
            raise RuleViolation("a strategy discussion opens enquiries of its own: a decision "
                                "is not corrected to or from one")
        if level not in OUTCOME_LEVELS[outcome]:
            allowed = ", ".join(sorted(v.value for v in OUTCOME_LEVELS[outcome]))
            raise InvalidContent("level", f"{outcome.value} answers the level(s) {allowed}")
        if (level.value, outcome.value) == (decision["level"], decision["outcome"]):
            raise RuleViolation("the correction changes nothing of the decision")
        said = reason(why, "reason")
        previous = {"level": decision["level"], "outcome": decision["outcome"],
                    "assessment_due": decision["assessment_due"]}
        self._correct_decision(level.value, outcome.value,
                               Personal(self.holder, "decision_correction", said),
                               assessment_due, previous, by, at,
                               brief_assessment_due if assessment_due is not None else None)
