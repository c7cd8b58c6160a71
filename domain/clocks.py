"""Every deadline of practice, by its name: when the MASH acknowledges and decides a contact,
when a RAG rating's work and research are due, when an assessment is, when the DART triages,
when a school hears of an incident (Operation Encompass), when a return home interview is
held, when a disagreement goes up a stage, and the child protection conferences.

The local values (hours, days, months) are settings, read from ``policies/timescales.toml``
(or a local copy) into ``Timescales``: none is written here. The conference clocks are
Working Together's own and the same everywhere: they are constants below. Nothing here reads a
clock; every deadline is computed from the timestamp of a recorded event.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from itertools import pairwise

from domain.errors import InvalidContent
from domain.risk import RiskLevel
from domain.timescales import (
    LOCAL,
    SchoolCalendars,
    WorkingCalendar,
    add_months,
)


class Rag(StrEnum):
    """A contact's RAG rating: how soon the MASH's work and the partners' research are due."""

    RED = "red"
    AMBER = "amber"
    GREEN = "green"


class Counting(StrEnum):
    WORKING = "working"  # only working hours count
    ELAPSED = "elapsed"  # the clock runs out of hours too (red work runs to completion)


@dataclass(frozen=True)
class RagClock:
    """So many hours, counting working hours only or elapsed ones (a RAG rating's clock, a
    DART triage's)."""

    hours: float
    counting: Counting

    def due(self, working: WorkingCalendar, start: datetime) -> datetime:
        if self.counting is Counting.ELAPSED:
            # In UTC: four hours across a clock change are four hours, not the wall clock's.
            return start.astimezone(UTC) + timedelta(hours=self.hours)
        return working.add_working_hours(start, self.hours)

    def always_before(self, other: "RagClock") -> bool:
        """Whether this clock, started at any moment, ends before ``other`` started then. An
        elapsed hour is never longer than a working hour; a working clock can outrun an elapsed
        one of more hours over a weekend, so it is never before it."""
        if self.counting is Counting.WORKING and other.counting is Counting.ELAPSED:
            return False
        return self.hours < other.hours


# The DART's triage clocks, from the highest risk down: each ends before the next.
TRIAGE_ORDER = (RiskLevel.HIGH, RiskLevel.MEDIUM, RiskLevel.STANDARD)


def triage_order_broken(clocks: Mapping[RiskLevel, RagClock]) -> str | None:
    """Why the triage clocks are not in order (high before medium before standard), or None."""
    for sooner, later in pairwise(TRIAGE_ORDER):
        if not clocks[sooner].always_before(clocks[later]):
            return (f"{sooner.value} risk must be due before {later.value} risk (fewer hours; "
                    "a working-hours clock is never before an elapsed one)")
    return None


# An inter-agency disagreement's stage clocks, from the highest risk it is raised at down: none
# runs out after the next (equal clocks are allowed).
DISAGREEMENT_ORDER = (RiskLevel.HIGH, RiskLevel.MEDIUM, RiskLevel.STANDARD)


def disagreement_order_problem(clocks: Mapping[RiskLevel, RagClock]) -> str | None:
    """Why the disagreement stage clocks could run out out of order (None: a stage raised at
    high risk is never due after one at medium, nor medium after standard, from any instant).

    The proof is ``rag_order_problem``'s, with equal clocks allowed: for h <= k, elapsed(s, h)
    <= elapsed(s, k), working(s, h) <= working(s, k), and elapsed(s, h) = s + h <= s + k <=
    working(s, k); only working(s, h) against elapsed(s, k) cannot be ordered (a weekend), so
    a level counting working hours may not sit above one counting elapsed hours."""
    missing = [level.value for level in DISAGREEMENT_ORDER if level not in clocks]
    if missing:
        return "needs a clock for " + ", ".join(missing)
    for higher, lower in pairwise(DISAGREEMENT_ORDER):
        first, second = clocks[higher], clocks[lower]
        if first.hours > second.hours:
            return (f"{higher.value} risk ({first.hours:g} hours) must not be due after "
                    f"{lower.value} risk ({second.hours:g} hours)")
        if first.counting is Counting.WORKING and second.counting is Counting.ELAPSED:
            return (f"{lower.value} risk counts elapsed hours after {higher.value} risk counts "
                    f"working hours: over a weekend {lower.value} would fall due first (count "
                    f"both working, or {higher.value} elapsed)")
    return None


# The colours from the most urgent: each is due strictly before the next, from any arrival.
RAG_ORDER = (Rag.RED, Rag.AMBER, Rag.GREEN)


def rag_order_problem(rag: Mapping[Rag, RagClock]) -> str | None:
    """Why the RAG clocks could fall due out of order (None: red is due before amber, and
    amber before green, from every instant a contact can arrive).

    The proof is structural, so it holds for every calendar (any closures, any bank holidays,
    any clock change). For a start s, elapsed(s, h) = s + h, and working(s, h) >= s + h (only
    time inside working hours is counted, and that time is elapsed too). Both strictly
    increase with h. So for a < b: elapsed(a) < elapsed(b); working(a) < working(b); and
    elapsed(a) = s + a < s + b <= working(b). What is not provable is working(a) before
    elapsed(b): from a Friday afternoon, 24 working hours run to Wednesday, 72 elapsed hours
    only to Monday. The clocks are therefore refused unless the hours strictly increase and
    no colour counts elapsed time after a colour that counts working time."""
    missing = [c.value for c in RAG_ORDER if c not in rag]
    if missing:
        return "needs a clock for " + ", ".join(missing)
    for earlier, later in pairwise(RAG_ORDER):
        first, second = rag[earlier], rag[later]
        if not first.hours < second.hours:
            return (f"{earlier.value} ({first.hours:g} hours) must be due sooner than "
                    f"{later.value} ({second.hours:g} hours)")
        if first.counting is Counting.WORKING and second.counting is Counting.ELAPSED:
            return (f"{later.value} counts elapsed hours after {earlier.value} counts working "
                    f"hours: from a Friday afternoon {later.value} would fall due before "
                    f"{earlier.value} (count both working, or {earlier.value} elapsed)")
    return None


@dataclass(frozen=True)
class FrontDoorClocks:
    """The MASH front door's local timescales. The RAG clocks fall due in order (red, amber,
    green) from every instant: a set that could not is refused (``rag_order_problem``)."""

    rag: Mapping[Rag, RagClock]
    acknowledge_working_days: int
    decide_working_days: int
    assessment_working_days: int
    re_referral_months: int
    brief_assessment_working_days: int = 10

    def __post_init__(self) -> None:
        problem = rag_order_problem(self.rag)
        if problem is not None:
            raise InvalidContent("front_door.rag", problem)


@dataclass(frozen=True)
class ProtectionClocks:
    """Child protection's and child in need's local timescales (Working Together leaves them
    to the local authority): a conference's minutes, the core group's later meetings, the
    reviews of a child in need plan."""

    minutes_working_days: int = 5
    core_group_weeks: int = 6
    cin_first_review_months: int = 3
    cin_review_months: int = 3


@dataclass(frozen=True)
class Timescales:
    """The calendars and the local timescales, and every deadline computed on them."""

    working: WorkingCalendar
    schools: SchoolCalendars
    # The DART's triage clock for each risk level known at arrival (the police's DASH), and
    # the level an incident sent without a DASH is clocked as until the DART grades it.
    triage: Mapping[RiskLevel, RagClock]
    triage_unassessed: RiskLevel
    # The registered agency of the education officer for electively home-educated children
    # (None: their Encompass notices cannot be sent).
    home_education_agency: str | None
    front_door: FrontDoorClocks
    interview_hours: float
    # An inter-agency disagreement: each stage's clock by the risk it is raised at (high in
    # elapsed hours, out of hours too), in order (``disagreement_order_problem``); and the
    # referrer's feedback after a declined referral, in elapsed hours.
    disagreement_stage: Mapping[RiskLevel, RagClock]
    disagreement_feedback_hours: float = 24
    strategy_meeting_working_days: int = 5
    protection: ProtectionClocks = ProtectionClocks()
    # The registered agency (kind mash) of the local authority the missing team serves: a
    # child from care it placed is the missing team's to interview (None: every placing
    # authority named answers for its own children's interviews).
    missing_own_authority: str | None = None

    # The MASH front door -------------------------------------------------------------------

    def acknowledge_due(self, received: datetime) -> datetime:
        """A contact is acknowledged within working days of arriving."""
        return self.working.add_working_days(received, self.front_door.acknowledge_working_days)

    def decision_due(self, received: datetime) -> datetime:
        """A contact's next steps are decided within working days of arriving, until it is
        rated: from then on its rating's deadline is the decision's (``MashContact.decide_by``:
        the MASH's work, and the partners' research, are what the decision is made on)."""
        return self.working.add_working_days(received, self.front_door.decide_working_days)

    def rag_due(self, rag: Rag, received: datetime) -> datetime:
        """When a contact rated ``rag`` has its MASH work and partners' research due."""
        return self.front_door.rag[rag].due(self.working, received)

    def assessment_due(self, received: datetime) -> datetime:
        """A children's assessment is complete within working days of the contact arriving."""
        return self.working.add_working_days(received,
                                             self.front_door.assessment_working_days)

    def brief_assessment_due(self, received: datetime) -> datetime:
        """A children's assessment is brief, done within working days of the contact
        arriving (before its completion, ``assessment_due``)."""
        return self.working.add_working_days(received,
                                             self.front_door.brief_assessment_working_days)

    def disagreement_stage_due(self, since: datetime, risk: RiskLevel | None) -> datetime:
        """Each stage of an inter-agency disagreement has this long before it goes up, by the
        risk it is held at: high within hours, out of hours included; the others in working
        time. A disagreement raised before the risk was stated is clocked as standard."""
        return self.disagreement_stage[risk or RiskLevel.STANDARD].due(self.working, since)

    def disagreement_reclocked(self, since: datetime, due: datetime, was: RiskLevel | None,
                               now: RiskLevel, at: datetime) -> datetime:
        """The open stage's deadline when its risk is restated at ``at``: the new level's clock
        from the stage's start; a clock already run out by then runs from the restatement (no
        one could have acted on it sooner); a raised risk never makes it later than it was."""
        before = was or RiskLevel.STANDARD
        fresh = self.disagreement_stage_due(since, now)
        if fresh <= at:
            fresh = self.disagreement_stage_due(at, now)
        return min(fresh, due) if now.rank > before.rank else fresh

    def feedback_due(self, declined: datetime) -> datetime:
        """The referrer is told, by word of mouth, of a declined referral within elapsed hours
        of the decision (weekends included)."""
        return declined.astimezone(UTC) + timedelta(hours=self.disagreement_feedback_hours)

    # Domestic abuse ------------------------------------------------------------------------

    def triage_level(self, risk: RiskLevel | None) -> RiskLevel:
        """The level whose clock (and place in the queue) an incident has: the risk the
        police's DASH gave, or the unassessed level when they sent none."""
        return risk if risk is not None else self.triage_unassessed

    def triage_due(self, received: datetime, risk: RiskLevel | None) -> datetime:
        """The DART triages a police domestic-abuse notification by the risk known when it
        arrived: high risk within elapsed hours (out of hours too), the others within
        working time (``policies/timescales.toml``, ``[dart.triage]``)."""
        return self.triage[self.triage_level(risk)].due(self.working, received)

    def retriage_due(self, received: datetime, was: RiskLevel | None, now: RiskLevel | None,
                     due: datetime, at: datetime) -> datetime:
        """An untriaged case's deadline when the police amend the DASH at ``at``: the new
        level's clock from the arrival. A clock already run out by then runs from the
        amendment instead (the DART could not have known); a raised level never makes it
        later than it was. The same level keeps its deadline."""
        before, after = self.triage_level(was), self.triage_level(now)
        if before is after:
            return due
        fresh = self.triage_due(received, now)
        if fresh <= at:
            fresh = self.triage[after].due(self.working, at)
        return min(fresh, due) if after.rank > before.rank else fresh

    def encompass_due(self, school_urn: str | None, incident_at: datetime) -> datetime:
        """An Operation Encompass notice reaches the school before its next school day
        starts, by its local authority's term calendar (or its own): on a school day after
        school has started, the next school day's start; in the holidays (half terms
        included), the start of the first school day of the next term. A school with a
        holiday contact is due by the start of the next working day (a weekday that is not a
        bank holiday), term or holiday."""
        calendar = self.schools.for_school(school_urn)
        if self.schools.has_holiday_contact(school_urn):
            return calendar.next_working_day_start(incident_at)
        return calendar.next_day_start(incident_at)

    # Missing children ----------------------------------------------------------------------

    def strategy_meeting_due(self, flagged: datetime) -> datetime:
        """A strategy meeting after repeated missing episodes is held within working days of
        the flag being raised (from 16:59 on a Friday, counted from Monday's opening)."""
        return self.working.add_working_days(flagged, self.strategy_meeting_working_days)

    # Child protection and child in need --------------------------------------------------

    def minutes_due(self, conference_at: datetime) -> datetime:
        """A conference's minutes are with its members within working days of it."""
        return self.working.add_working_days(conference_at,
                                             self.protection.minutes_working_days)

    def next_core_group_due(self, met_at: datetime) -> datetime:
        """After each core group meeting the next is within so many weeks (in local time: a
        meeting at 10:00 in October is followed by 10:00 six weeks on, across the clock
        change)."""
        local = met_at.astimezone(LOCAL)
        return (local + timedelta(weeks=self.protection.core_group_weeks)).astimezone(UTC)

    def cin_review_due(self, since: datetime, first: bool) -> datetime:
        """A child in need plan's next review: the first within months of its start, each
        later one within months of the review before (in local time)."""
        months = (self.protection.cin_first_review_months if first
                  else self.protection.cin_review_months)
        return add_months(since.astimezone(LOCAL), months).astimezone(UTC)

    @property
    def interview_within(self) -> timedelta:
        """A return home interview is held within this much elapsed time of the return."""
        return timedelta(hours=self.interview_hours)


# Child protection conferences (Working Together): the same in every local authority.
CORE_GROUP_WORKING_DAYS = 10
FIRST_REVIEW_MONTHS = 3
LATER_REVIEW_MONTHS = 6


def core_group_due(working: WorkingCalendar, conference_at: datetime) -> datetime:
    """The core group first meets within 10 working days of the initial conference."""
    return working.add_working_days(conference_at, CORE_GROUP_WORKING_DAYS)


def review_conference_due(conference_at: datetime, first: bool) -> datetime:
    """The next review conference: 3 months after the initial conference, then 6 after each
    review."""
    months = FIRST_REVIEW_MONTHS if first else LATER_REVIEW_MONTHS
    # In local time: a conference at 10:00 in January is reviewed by 10:00 in April (BST).
    return add_months(conference_at.astimezone(LOCAL), months).astimezone(UTC)
