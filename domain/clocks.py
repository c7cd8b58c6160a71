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
    hours: float
    counting: Counting


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
class Timescales:
    """The calendars and the local timescales, and every deadline computed on them."""

    working: WorkingCalendar
    schools: SchoolCalendars
    triage_working_hours: float
    # The registered agency of the education officer for electively home-educated children
    # (None: their Encompass notices cannot be sent).
    home_education_agency: str | None
    front_door: FrontDoorClocks
    interview_hours: float
    disagreement_stage_working_hours: float

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
        clock = self.front_door.rag[rag]
        if clock.counting is Counting.ELAPSED:
            # In UTC: four hours across a clock change are four hours, not the wall clock's.
            return received.astimezone(UTC) + timedelta(hours=clock.hours)
        return self.working.add_working_hours(received, clock.hours)

    def assessment_due(self, received: datetime) -> datetime:
        """A children's assessment is complete within working days of the contact arriving."""
        return self.working.add_working_days(received,
                                             self.front_door.assessment_working_days)

    def brief_assessment_due(self, received: datetime) -> datetime:
        """A children's assessment is brief, done within working days of the contact
        arriving (before its completion, ``assessment_due``)."""
        return self.working.add_working_days(received,
                                             self.front_door.brief_assessment_working_days)

    def disagreement_stage_due(self, since: datetime) -> datetime:
        """Each stage of an inter-agency disagreement has this long before it goes up."""
        return self.working.add_working_hours(since, self.disagreement_stage_working_hours)

    # Domestic abuse ------------------------------------------------------------------------

    def triage_due(self, received: datetime) -> datetime:
        """The DART triages a police domestic-abuse notification within working hours."""
        return self.working.add_working_hours(received, self.triage_working_hours)

    def encompass_due(self, school_urn: str | None, incident_at: datetime) -> datetime:
        """An Operation Encompass notice reaches the school before its next school day
        starts (by the school's own calendar where it keeps one)."""
        return self.schools.for_school(school_urn).next_day_start(incident_at)

    # Missing children ----------------------------------------------------------------------

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
