"""The Domestic Abuse Referral Team's queue: every police domestic-abuse notification (a child,
a pregnant woman, or adult victims alone: vulnerable adults are the DART's too), graded for
risk and triaged against a deadline set by the risk known when it arrived.

DASH (the SafeLives risk checklist, 24 questions): 0-9 "yes" answers is standard risk, 10-13
medium, 14 or more high. Professional judgement may raise the level, with a recorded reason,
and never lower it.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain import text
from domain.errors import InvalidContent, NotPermitted, RuleViolation
from domain.notifications import SubjectRole
from domain.personal import Personal
from domain.risk import RiskLevel as RiskLevel  # the DART's levels, named here too

DASH_QUESTIONS = 24
MEDIUM_FROM = 10
HIGH_FROM = 14


class TriageAction(StrEnum):
    """What the DART decided should happen; several may apply."""

    MARAC_REFERRAL = "marac-referral"
    MASH_REFERRAL = "mash-referral"
    IDVA_REFERRAL = "idva-referral"  # an independent domestic violence adviser
    SAFETY_PLANNING = "safety-planning"
    SCHOOL_INFORMED = "school-informed"
    HEALTH_INFORMED = "health-informed"
    INFORMATION_ONLY = "information-only"
    NO_FURTHER_ACTION = "no-further-action"


def dash_yes_count(yes_count: int | None, answers: list[bool] | None) -> int:
    """The number of "yes" answers, from the count or the 24 answers (which must agree)."""
    if answers is not None:
        if len(answers) != DASH_QUESTIONS:
            raise InvalidContent("dash.answers", f"must hold {DASH_QUESTIONS} answers")
        counted = sum(1 for a in answers if a)
        if yes_count is not None and yes_count != counted:
            raise InvalidContent("dash.yes_count", "must equal the number of yes answers")
        return counted
    if yes_count is None:
        raise InvalidContent("dash", "give yes_count or the 24 answers")
    if not 0 <= yes_count <= DASH_QUESTIONS:
        raise InvalidContent("dash.yes_count", f"must be between 0 and {DASH_QUESTIONS}")
    return yes_count


def dash_level(yes_count: int) -> RiskLevel:
    if yes_count >= HIGH_FROM:
        return RiskLevel.HIGH
    if yes_count >= MEDIUM_FROM:
        return RiskLevel.MEDIUM
    return RiskLevel.STANDARD


def arrival_level(dash: dict[str, Any] | None) -> RiskLevel | None:
    """The risk the police's DASH gave when the incident arrived (None: they sent none)."""
    if not dash or dash.get("yes_count") is None:
        return None
    return dash_level(int(dash["yes_count"]))


@dataclass(frozen=True)
class RiskGrading:
    """The level the checklist gives, and the level the DART worker settled on."""

    yes_count: int
    dash: RiskLevel
    level: RiskLevel
    judgement_reason: str | None

    @property
    def raised_by_judgement(self) -> bool:
        return self.level is not self.dash


def grade(yes_count: int, judged: RiskLevel | None, reason: str | None) -> RiskGrading:
    """The DASH level, raised (never lowered) by professional judgement with a reason."""
    by_dash = dash_level(yes_count)
    if judged is None or judged is by_dash:
        return RiskGrading(yes_count, by_dash, by_dash, None)
    if judged.rank < by_dash.rank:
        raise RuleViolation(f"professional judgement may raise the risk level, never lower it "
                            f"below {by_dash.value} (DASH {yes_count})")
    why = text.reason(reason, "judgement_reason", most=None,
                      short="raising the level needs the professional's reason")
    return RiskGrading(yes_count, by_dash, judged, why[:1000])


def enters_dart_queue(notification_type: str) -> bool:
    """Every domestic-abuse incident: with a child, a pregnant woman, or adults alone."""
    return notification_type == "domestic_abuse_incident"


def pregnant_women(subjects: list[dict[str, Any]]) -> list[UUID]:
    """The adults named pregnant: an unborn child is recorded on the mother's record."""
    return list(dict.fromkeys(s["person_id"] for s in subjects
                              if s.get("pregnant") and s["role"] != SubjectRole.CHILD.value))


class DartCase(Aggregate):
    """One incident in the DART's queue, from notification to triage outcome.

    The case id is the notification's: one incident, one case.
    """

    class Opened(Aggregate.Created):
        """Version 2 records the risk the police's DASH gave on arrival (``risk``, None when
        they sent none), on which ``triage_due`` was set, and the women named pregnant
        (``pregnant_ids``: the unborn child, on the mother's record)."""

        class_version = 2
        notification_id: UUID
        child_ids: list[UUID]
        victim_ids: list[UUID]
        occurred_at: datetime
        received_at: datetime
        triage_due: datetime
        encompass: list[dict[str, Any]]
        holder: UUID
        risk: str | None
        pregnant_ids: list[UUID]

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """Opened before the risk set the clock: one clock for all, no risk recorded."""
            state["risk"] = None
            state["pregnant_ids"] = []

    @event(Opened)
    def __init__(self, id: UUID, notification_id: UUID, child_ids: list[UUID],
                 victim_ids: list[UUID], occurred_at: datetime, received_at: datetime,
                 triage_due: datetime, encompass: list[dict[str, Any]], holder: UUID,
                 risk: str | None = None, pregnant_ids: list[UUID] | None = None) -> None:
        # The person whose key holds the triage's free text (erasing them erases it): the
        # first child, else the adult victim, else the pregnant woman, else the first named.
        self.holder = holder
        self.notification_id = notification_id
        self.child_ids = list(child_ids)
        self.victim_ids = list(victim_ids)
        self.pregnant_ids = list(pregnant_ids or [])
        self.occurred_at = occurred_at
        self.received_at = received_at
        self.risk = risk  # the DASH level on arrival (or as the police amended it untriaged)
        self.triage_due = triage_due
        self.encompass = list(encompass)  # per child: the notice issued, or why none was
        self.triage: dict[str, Any] | None = None
        self.amendments: list[dict[str, Any]] = []  # the police's amendments followed
        self.withdrawal: dict[str, Any] | None = None  # the police withdrew the incident
        self.retriages: list[dict[str, Any]] = []

    class Triaged(Aggregate.Event):
        class_version = 1
        by: dict[str, str]
        at: datetime
        yes_count: int
        dash_level: str
        level: str
        judgement_reason: Personal | None
        actions: list[str]
        threshold_met: bool
        rationale: Personal
        marac_referral: UUID | None
        mash_referral: UUID | None

    @event(Triaged)
    def _record_triage(self, by: dict[str, str], at: datetime, yes_count: int,
                       dash_level: str, level: str, judgement_reason: Personal | None,
                       actions: list[str], threshold_met: bool, rationale: Personal,
                       marac_referral: UUID | None, mash_referral: UUID | None) -> None:
        self.triage = {"by": by, "at": at, "yes_count": yes_count, "dash_level": dash_level,
                       "level": level, "judgement_reason": judgement_reason,
                       "actions": actions, "threshold_met": threshold_met,
                       "rationale": rationale, "marac_referral": marac_referral,
                       "mash_referral": mash_referral}

    def record_triage(self, grading: RiskGrading, actions: list[TriageAction],
                      threshold_met: bool, rationale: str, by: dict[str, str], at: datetime,
                      marac_referral: UUID | None, mash_referral: UUID | None) -> None:
        if self.triage is not None:
            raise RuleViolation("this incident has already been triaged")
        if self.withdrawal is not None:
            raise RuleViolation("the police withdrew this incident")
        rationale = text.reason(rationale, "rationale",
                                short="give the rationale in 10 to 4000 characters")
        if not actions:
            raise InvalidContent("actions", "at least one action is required")
        chosen = set(actions)
        if TriageAction.NO_FURTHER_ACTION in chosen and len(chosen) > 1:
            raise InvalidContent("actions", "no-further-action cannot be combined with others")
        if threshold_met != (TriageAction.MASH_REFERRAL in chosen):
            raise InvalidContent("actions", "a triage that meets the social care threshold "
                                 "refers to the MASH (mash-referral), and only then")
        self._record_triage(by, at, grading.yes_count, grading.dash.value, grading.level.value,
                            (Personal(self.holder, "judgement_reason", grading.judgement_reason)
                             if grading.judgement_reason else None), [a.value for a in actions],
                            threshold_met, Personal(self.holder, "triage_rationale", rationale),
                            marac_referral, mash_referral)

    def triage_overdue(self, now: datetime) -> bool:
        return self.triage is None and self.withdrawal is None and now > self.triage_due

    # Re-triage (the DART corrects its triage) ----------------------------------------------

    class Retriaged(Aggregate.Event):
        """The DART corrected its triage, with a reason (sealed under the case's holder).
        ``marac_referral`` and ``mash_referral`` are the referrals this correction made
        (None: none made now); ``flags`` the consequences of the triage it corrects that
        stand (``RetriageFlag``)."""

        class_version = 1
        by: dict[str, str]
        at: datetime
        reason: Personal
        previous: dict[str, Any]  # level, dash_level, yes_count, actions, threshold_met
        yes_count: int
        dash_level: str
        level: str
        judgement_reason: Personal | None
        actions: list[str]
        threshold_met: bool
        direction: str | None
        marac_referral: UUID | None
        mash_referral: UUID | None
        flags: list[str]

    @event(Retriaged)
    def _record_retriage(self, by: dict[str, str], at: datetime, reason: Personal,
                         previous: dict[str, Any], yes_count: int, dash_level: str,
                         level: str, judgement_reason: Personal | None, actions: list[str],
                         threshold_met: bool, direction: str | None,
                         marac_referral: UUID | None, mash_referral: UUID | None,
                         flags: list[str]) -> None:
        triage = dict(self.triage or {})
        triage.update(yes_count=yes_count, dash_level=dash_level, level=level,
                      judgement_reason=judgement_reason, actions=actions,
                      threshold_met=threshold_met)
        if marac_referral is not None:
            triage["marac_referral"] = marac_referral
        if mash_referral is not None:
            triage["mash_referral"] = mash_referral
        self.triage = triage
        self.retriages = [*self.corrections, {
            "by": by, "at": at, "reason": reason, "previous": previous, "level": level,
            "direction": direction, "actions": actions, "threshold_met": threshold_met,
            "marac_referral": marac_referral, "mash_referral": mash_referral,
            "flags": flags}]

    @property
    def corrections(self) -> list[dict[str, Any]]:
        """Each re-triage, oldest first (none on a case stored before re-triage existed)."""
        return list(self.retriages)

    def retriage_direction(self, grading: RiskGrading) -> str | None:
        """Whether ``grading`` raises or lowers the triaged level (None: the same)."""
        if self.withdrawal is not None:
            raise RuleViolation("the police withdrew this incident: there is nothing to "
                                "re-triage")
        if self.triage is None:
            raise RuleViolation("this incident has not been triaged yet: triage it first")
        return risk_direction(RiskLevel(self.triage["level"]), grading.level)

    def record_retriage(self, grading: RiskGrading, actions: list[TriageAction],
                        threshold_met: bool, reason: str, by: dict[str, str], at: datetime,
                        *, may_lower: bool, marac_criteria_met: bool,
                        marac_referral: UUID | None, mash_referral: UUID | None) -> None:
        """Correct the triage. The level may go down only when ``may_lower`` (a team
        manager), and always with the reason. A MARAC or MASH referral the triage made is
        never undone: when the corrected triage no longer calls for it, it stands, flagged."""
        direction = self.retriage_direction(grading)
        triage = self.triage or {}
        why = text.reason(reason, "reason", short="give the reason for the re-triage in 10 "
                          "to 4000 characters")
        if direction == "down" and not may_lower:
            raise NotPermitted("only a team manager may lower the risk level, with a reason")
        check_triage_actions(actions, threshold_met)
        chosen = [a.value for a in actions]
        if (direction is None and grading.yes_count == triage["yes_count"]
                and chosen == triage["actions"] and threshold_met == triage["threshold_met"]):
            raise RuleViolation("the re-triage changes nothing of the triage")
        flags = []
        if triage.get("marac_referral") is not None and not marac_criteria_met:
            flags.append(RetriageFlag.MARAC_REFERRAL_STANDS.value)
        if triage.get("mash_referral") is not None and not threshold_met:
            flags.append(RetriageFlag.MASH_REFERRAL_STANDS.value)
        previous = {k: triage[k] for k in ("level", "dash_level", "yes_count", "actions",
                                           "threshold_met")}
        self._record_retriage(
            by, at, Personal(self.holder, "retriage_reason", why), previous, grading.yes_count,
            grading.dash.value, grading.level.value,
            (Personal(self.holder, "judgement_reason", grading.judgement_reason)
             if grading.judgement_reason else None), chosen, threshold_met, direction,
            marac_referral, mash_referral, flags)

    # An Encompass notice redirected to the right school ----------------------------------

    class EncompassRedirected(Aggregate.Event):
        """The coordinator redirected a child's notice: ``to_notice`` replaces
        ``from_notice`` in the case's outcomes."""

        class_version = 1
        child_id: UUID
        from_notice: UUID
        to_notice: UUID

    @event(EncompassRedirected)
    def record_encompass_redirect(self, child_id: UUID, from_notice: UUID,
                                  to_notice: UUID) -> None:
        self.encompass = [{**o, "notice_id": to_notice, "redirected_from": from_notice}
                          if o["child_id"] == child_id and o["notice_id"] == from_notice
                          else o for o in self.encompass]

    # The sender's corrections ------------------------------------------------------------

    class IncidentAmended(Aggregate.Event):
        """The police amended the incident: the case follows its version (children, adult
        victims, women named pregnant, when it happened, each child's notice or why none).
        ``changed`` names what the DART judged on that changed (``children``, ``victims``,
        ``pregnant``, ``occurred_at``, ``dash``); after a triage it tells the DART to look
        again. Version 2: ``retimed`` (``risk``, ``triage_due``) when a DASH amended before
        the triage moved the case's clock; ``pregnant_ids`` (None: as before)."""

        class_version = 2
        version: int
        child_ids: list[UUID]
        victim_ids: list[UUID]
        occurred_at: datetime
        encompass: list[dict[str, Any]]
        changed: list[str]
        at: datetime
        retimed: dict[str, Any] | None
        pregnant_ids: list[UUID] | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """Amended before a DASH moved the clock: the deadline stood."""
            state["retimed"] = None
            state["pregnant_ids"] = None

    @event(IncidentAmended)
    def _follow_amendment(self, version: int, child_ids: list[UUID], victim_ids: list[UUID],
                          occurred_at: datetime, encompass: list[dict[str, Any]],
                          changed: list[str], at: datetime, retimed: dict[str, Any] | None,
                          pregnant_ids: list[UUID] | None) -> None:
        self.child_ids = list(child_ids)
        self.victim_ids = list(victim_ids)
        if pregnant_ids is not None:
            self.pregnant_ids = list(pregnant_ids)
        self.occurred_at = occurred_at
        self.encompass = list(encompass)
        if retimed is not None:
            self.risk, self.triage_due = retimed["risk"], retimed["triage_due"]
        self.amendments = [*self.amendments, {"version": version, "changed": list(changed),
                                              "after_triage": self.triage is not None,
                                              "at": at}]

    def follow_amendment(self, version: int, child_ids: list[UUID], victim_ids: list[UUID],
                         occurred_at: datetime, encompass: list[dict[str, Any]],
                         dash_changed: bool, at: datetime, *,
                         pregnant_ids: list[UUID] | None = None,
                         retime: Callable[[RiskLevel | None], datetime] | None = None,
                         risk: RiskLevel | None = None) -> None:
        """Follow the incident's new version, saying what that the case rests on changed.
        A DASH amended before the triage sets the case's risk to ``risk`` and its deadline to
        ``retime(risk)``; after the triage the DART's grading stands (it looks again)."""
        if self.withdrawal is not None:
            raise RuleViolation("the police withdrew this incident")
        pregnant = self.pregnant_ids if pregnant_ids is None else pregnant_ids
        changed = [name for name, was, now in (
            ("children", self.child_ids, child_ids), ("victims", self.victim_ids, victim_ids),
            ("pregnant", self.pregnant_ids, pregnant),
            ("occurred_at", self.occurred_at, occurred_at)) if was != now]
        retimed = None
        if dash_changed:
            changed.append("dash")
            if self.triage is None and retime is not None:
                retimed = {"risk": risk.value if risk is not None else None,
                           "triage_due": retime(risk)}
        self._follow_amendment(version, child_ids, victim_ids, occurred_at, encompass,
                               changed, at, retimed, pregnant_ids)

    class IncidentWithdrawn(Aggregate.Event):
        """The police withdrew the incident: the case leaves the queue (no reason here)."""

        class_version = 1
        at: datetime

    @event(IncidentWithdrawn)
    def _withdraw(self, at: datetime) -> None:
        self.withdrawal = {"at": at}

    def withdraw(self, at: datetime) -> None:
        if self.withdrawal is not None:
            raise RuleViolation("the police withdrew this incident already")
        self._withdraw(at)


class RetriageFlag(StrEnum):
    """What a re-triage records of the consequences of the triage it corrects."""

    # The MARAC referral made before stands, though the corrected grading meets no MARAC
    # criterion: a referral is never withdrawn silently (the referral is flagged for review).
    MARAC_REFERRAL_STANDS = "marac-referral-stands"
    # The referral to the MASH made before stands, though the corrected triage no longer
    # meets the social care threshold: the contact is the MASH's to decide.
    MASH_REFERRAL_STANDS = "mash-referral-stands"


def check_triage_actions(actions: list[TriageAction], threshold_met: bool) -> None:
    """The rules a re-triage's actions obey, as the first triage's do."""
    if not actions:
        raise InvalidContent("actions", "at least one action is required")
    chosen = set(actions)
    if TriageAction.NO_FURTHER_ACTION in chosen and len(chosen) > 1:
        raise InvalidContent("actions", "no-further-action cannot be combined with others")
    if threshold_met != (TriageAction.MASH_REFERRAL in chosen):
        raise InvalidContent("actions", "a triage that meets the social care threshold "
                             "refers to the MASH (mash-referral), and only then")


def risk_direction(previous: RiskLevel, new: RiskLevel) -> str | None:
    """'up', 'down' or None (the same level)."""
    if new is previous:
        return None
    return "up" if new.rank > previous.rank else "down"
