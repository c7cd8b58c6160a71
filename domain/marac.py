"""When a domestic-abuse case goes to the MARAC (multi-agency risk assessment conference).

Four rules, each deterministic and versioned; a flag records the rule, its version and the
incidents that made it fire, so a referral can be explained (and re-checked) years later.
Change a rule only by giving it a new version.

- visible high risk: DASH 14 or more "yes" answers;
- professional judgement: the DART raised the level to high, with a recorded reason;
- potential escalation: 3 or more DA incidents involving the same adult victim in 12 months,
  from any agency (this one included);
- repeat: a new incident within 12 months of the adult victim's last MARAC referral.
"""

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.dart import HIGH_FROM, RiskGrading, RiskLevel
from domain.errors import RuleViolation
from domain.marac_meeting import CaseState
from domain.timescales import months_before

ESCALATION_INCIDENTS = 3
WINDOW_MONTHS = 12


class MaracRule(StrEnum):
    VISIBLE_HIGH_RISK = "visible-high-risk"
    PROFESSIONAL_JUDGEMENT = "professional-judgement"
    POTENTIAL_ESCALATION = "potential-escalation"
    REPEAT = "repeat"


RULE_VERSIONS: dict[MaracRule, int] = dict.fromkeys(MaracRule, 1)


class ReviewReason(StrEnum):
    """Why a referral was flagged for the MARAC coordinator's review."""

    CRITERIA_NO_LONGER_MET = "criteria-no-longer-met"  # a re-triage meets no criterion
    INCIDENT_WITHDRAWN = "incident-withdrawn"  # the police withdrew the incident


@dataclass(frozen=True)
class Incident:
    id: UUID
    occurred_at: datetime


@dataclass(frozen=True)
class VictimHistory:
    """An adult victim's DA incidents (from any agency) and past MARAC referrals."""

    victim_id: UUID
    incidents: tuple[Incident, ...] = ()
    referrals: tuple[datetime, ...] = ()


@dataclass(frozen=True)
class MaracFlag:
    rule: MaracRule
    version: int
    incidents: tuple[UUID, ...]
    victim_id: UUID | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    def as_data(self) -> dict[str, Any]:
        return {"rule": self.rule.value, "version": self.version,
                "incidents": [str(i) for i in self.incidents],
                "victim_id": str(self.victim_id) if self.victim_id else None,
                "detail": dict(self.detail)}


def _flag(rule: MaracRule, incidents: list[UUID], victim: UUID | None = None,
          **detail: Any) -> MaracFlag:
    return MaracFlag(rule, RULE_VERSIONS[rule], tuple(incidents), victim, detail)


def evaluate(incident: Incident, grading: RiskGrading,
             victims: list[VictimHistory]) -> list[MaracFlag]:
    """Every rule that fires for this incident, in the rules' order."""
    flags = []
    if grading.yes_count >= HIGH_FROM:
        flags.append(_flag(MaracRule.VISIBLE_HIGH_RISK, [incident.id],
                           yes_count=grading.yes_count))
    if grading.raised_by_judgement and grading.level is RiskLevel.HIGH:
        flags.append(_flag(MaracRule.PROFESSIONAL_JUDGEMENT, [incident.id],
                           dash_level=grading.dash.value))
    window_start = months_before(incident.occurred_at, WINDOW_MONTHS)
    for victim in victims:
        recent = {i.id: i for i in victim.incidents
                  if window_start <= i.occurred_at <= incident.occurred_at}
        recent[incident.id] = incident
        if len(recent) >= ESCALATION_INCIDENTS:
            ordered = sorted(recent.values(), key=lambda i: (i.occurred_at, str(i.id)))
            flags.append(_flag(MaracRule.POTENTIAL_ESCALATION, [i.id for i in ordered],
                               victim.victim_id, count=len(ordered)))
        earlier = [r for r in victim.referrals if r <= incident.occurred_at]
        if earlier and max(earlier) >= window_start:
            flags.append(_flag(MaracRule.REPEAT, [incident.id], victim.victim_id,
                               last_referral=max(earlier).isoformat()))
    return flags


class MaracReferral(Aggregate):
    """A referral of an incident's adult victim(s) to the MARAC, with the flags that made it."""

    class Made(Aggregate.Created):
        class_version = 1
        incident_id: UUID
        case_id: UUID
        victim_ids: list[UUID]
        child_ids: list[UUID]
        level: str
        flags: list[dict[str, Any]]
        referred_by: dict[str, str]
        referred_at: datetime

    @event(Made)
    def __init__(self, id: UUID, incident_id: UUID, case_id: UUID, victim_ids: list[UUID],
                 child_ids: list[UUID], level: str, flags: list[dict[str, Any]],
                 referred_by: dict[str, str], referred_at: datetime) -> None:
        self.incident_id = incident_id
        self.case_id = case_id
        self.victim_ids = list(victim_ids)
        self.child_ids = list(child_ids)
        self.level = level
        self.flags = list(flags)
        self.referred_by = referred_by
        self.referred_at = referred_at
        self.review: dict[str, Any] | None = None  # the latest flag for review
        # Its place on a MARAC meeting's case list: meeting, state (listed, heard, deferred)
        self.listing: dict[str, Any] | None = None

    @classmethod
    def make(cls, id: UUID, incident: Incident, case_id: UUID, victim_ids: list[UUID],
             child_ids: list[UUID], level: RiskLevel, flags: list[MaracFlag],
             by: dict[str, str], at: datetime) -> "MaracReferral":
        if not flags:
            raise RuleViolation("no MARAC referral criterion is met for this incident; raise "
                                "the risk level by professional judgement, with a reason")
        return cls(id=id, incident_id=incident.id, case_id=case_id, victim_ids=victim_ids,
                   child_ids=child_ids, level=level.value,
                   flags=[f.as_data() for f in flags], referred_by=by, referred_at=at)

    # Flagged for the MARAC coordinator's review ----------------------------------------------
    # A referral is never withdrawn silently: the coordinator decides whether it stands.

    class CriteriaNoLongerMet(Aggregate.Event):
        """The DART re-triaged the incident and the corrected grading meets no MARAC
        criterion: the referral stands (a referral is never withdrawn silently), flagged for
        the MARAC coordinator's review, with the corrected level."""

        class_version = 1
        level: str
        by: dict[str, str]
        at: datetime

    @event(CriteriaNoLongerMet)
    def _criteria_no_longer_met(self, level: str, by: dict[str, str], at: datetime) -> None:
        self.review = {"reason": ReviewReason.CRITERIA_NO_LONGER_MET.value, "level": level,
                       "by": by, "at": at}

    def flag_criteria_no_longer_met(self, level: RiskLevel, by: dict[str, str],
                                    at: datetime) -> None:
        self._criteria_no_longer_met(level.value, by, at)

    class IncidentWithdrawn(Aggregate.Event):
        """The police withdrew the incident the referral was made for: the referral stands,
        flagged for the MARAC coordinator's review. Only the withdrawing agency and when:
        the withdrawal's reason stays with the notification."""

        class_version = 1
        agency: str
        at: datetime

    @event(IncidentWithdrawn)
    def _incident_withdrawn(self, agency: str, at: datetime) -> None:
        self.review = {"reason": ReviewReason.INCIDENT_WITHDRAWN.value, "level": None,
                       "by": {"agency": agency}, "at": at}

    def flag_incident_withdrawn(self, agency: str, at: datetime) -> None:
        review = self.review
        if review is not None and review["reason"] == ReviewReason.INCIDENT_WITHDRAWN.value:
            raise RuleViolation("this referral is already flagged: its incident was withdrawn")
        self._incident_withdrawn(agency, at)

    class IncidentAmended(Aggregate.Event):
        """The police amended the incident so that it names other children or adult victims:
        the referral (and any case list it is on) is about the people it now names."""

        class_version = 1
        victim_ids: list[UUID]
        child_ids: list[UUID]
        at: datetime

    @event(IncidentAmended)
    def _incident_amended(self, victim_ids: list[UUID], child_ids: list[UUID],
                          at: datetime) -> None:
        self.victim_ids, self.child_ids = list(victim_ids), list(child_ids)

    def follow_amendment(self, victim_ids: list[UUID], child_ids: list[UUID],
                         at: datetime) -> bool:
        """Follow the incident's amended people; whether anything changed."""
        if (list(victim_ids), list(child_ids)) == (self.victim_ids, self.child_ids):
            return False
        self._incident_amended(list(victim_ids), list(child_ids), at)
        return True

    @property
    def flagged(self) -> dict[str, Any] | None:
        """The latest flag for review (None: none): ``reason`` (a ``ReviewReason``), the
        corrected ``level`` (None when the incident was withdrawn), ``by`` and ``at``."""
        return self.review

    @property
    def repeat(self) -> bool:
        """A repeat referral: the repeat rule fired (an incident within 12 months of the
        adult victim's last MARAC referral, heard or not: practice counts from the referral)."""
        return any(f["rule"] == MaracRule.REPEAT.value for f in self.flags)

    # On a MARAC meeting's case list -----------------------------------------------------------
    # Listed at one meeting at a time; once heard it is not listed again unless deferred.

    class Listed(Aggregate.Event):
        class_version = 1
        meeting_id: UUID
        at: datetime

    @event(Listed)
    def _listed(self, meeting_id: UUID, at: datetime) -> None:
        self.listing = {"meeting_id": meeting_id, "state": CaseState.LISTED.value, "at": at}

    def list_for(self, meeting_id: UUID, at: datetime) -> None:
        listing = self.listing
        if listing is not None and listing["state"] == CaseState.LISTED:
            raise RuleViolation("this referral is listed for a MARAC meeting already: it is "
                                "heard (or deferred) there first")
        if listing is not None and listing["state"] == CaseState.HEARD:
            raise RuleViolation("this referral has been heard at a MARAC: only a deferred "
                                "case is listed again")
        self._listed(meeting_id, at)

    class Heard(Aggregate.Event):
        class_version = 1
        meeting_id: UUID
        at: datetime

    @event(Heard)
    def _heard(self, meeting_id: UUID, at: datetime) -> None:
        self.listing = {"meeting_id": meeting_id, "state": CaseState.HEARD.value, "at": at}

    class Deferred(Aggregate.Event):
        class_version = 1
        meeting_id: UUID
        at: datetime

    @event(Deferred)
    def _deferred(self, meeting_id: UUID, at: datetime) -> None:
        self.listing = {"meeting_id": meeting_id, "state": CaseState.DEFERRED.value, "at": at}

    def _at_meeting(self, meeting_id: UUID) -> None:
        listing = self.listing
        if listing is None or listing["meeting_id"] != meeting_id or \
                listing["state"] != CaseState.LISTED:
            raise RuleViolation("this referral is not listed at this meeting")

    def record_heard(self, meeting_id: UUID, at: datetime) -> None:
        self._at_meeting(meeting_id)
        self._heard(meeting_id, at)

    def record_deferred(self, meeting_id: UUID, at: datetime) -> None:
        self._at_meeting(meeting_id)
        self._deferred(meeting_id, at)
