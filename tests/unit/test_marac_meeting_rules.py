"""The MARAC meeting's rules: the meeting's day, its case list (a referral heard once, listed
at one meeting at a time, again only when deferred), a case heard (on or after the day, by
invited agencies), and its actions' due time on the working calendar (the close of working
hours on a working day, across the BST change), overdue only after it, done only by the
agency given it."""

from datetime import UTC, date, datetime, time, timedelta
from uuid import UUID, uuid4

import pytest

from domain.dart import RiskLevel
from domain.errors import InvalidContent, NotPermitted, RuleViolation
from domain.marac import Incident, MaracFlag, MaracReferral, MaracRule
from domain.marac_meeting import (
    ActionAssignment,
    MaracMeeting,
    action_due,
    action_overdue,
)
from domain.personal import Personal
from domain.timescales import WorkingCalendar

CHRISTMAS, BOXING_DAY_IN_LIEU, CLOSED = date(2026, 12, 25), date(2026, 12, 28), date(2026, 12, 29)
CALENDAR = WorkingCalendar(bank_holidays=frozenset({CHRISTMAS, BOXING_DAY_IN_LIEU}),
                           closures=frozenset({CLOSED}), opens=time(8, 30), closes=time(17, 0))
COORDINATOR = {"user_id": "c", "agency": "city-dart", "role": "team-manager"}
MONDAY = date(2026, 11, 23)
MONDAY_10 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
SUMMARY = "The agencies shared what they hold and agreed a safety plan."
WHAT = "Flag the address for an urgent police response."


def utc(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(("due_on", "due_at"), [
    (date(2026, 11, 25), utc(2026, 11, 25, 17, 0)),  # a Wednesday in GMT: 17:00
    (date(2026, 7, 15), utc(2026, 7, 15, 16, 0)),  # in summer: 17:00 BST is 16:00 UTC
    (date(2026, 3, 27), utc(2026, 3, 27, 17, 0)),  # the Friday before the clocks go forward
    (date(2026, 3, 30), utc(2026, 3, 30, 16, 0)),  # the Monday after: BST
    (date(2026, 10, 26), utc(2026, 10, 26, 17, 0)),  # the Monday after they go back: GMT
])
def test_an_action_is_due_at_the_close_of_working_hours_on_its_day(
        due_on: date, due_at: datetime) -> None:
    assert action_due(due_on, CALENDAR) == due_at


@pytest.mark.parametrize("day", [date(2026, 11, 28), date(2026, 11, 29), CHRISTMAS,
                                 BOXING_DAY_IN_LIEU, CLOSED])
def test_an_action_is_never_due_on_a_weekend_a_bank_holiday_or_a_closure_day(
        day: date) -> None:
    with pytest.raises(InvalidContent, match="working day"):
        action_due(day, CALENDAR)


def test_an_action_is_overdue_only_after_its_due_time_and_never_once_done() -> None:
    due = action_due(date(2026, 3, 30), CALENDAR)
    action = {"due_at": due, "done": None}
    assert not action_overdue(action, due - timedelta(seconds=1))
    assert not action_overdue(action, due)  # at the due time itself: still in time
    assert action_overdue(action, due + timedelta(microseconds=1))
    assert not action_overdue({**action, "done": {"at": due}}, due + timedelta(days=9))


def meeting(on: date = MONDAY, at: datetime = MONDAY_10) -> MaracMeeting:
    return MaracMeeting.schedule(on, "city-dart", ["notts-police", "city-health",
                                                   "notts-police"], COORDINATOR, at, CALENDAR)


def referral(victims: list[UUID] | None = None) -> MaracReferral:
    flag = MaracFlag(MaracRule.VISIBLE_HIGH_RISK, 1, (uuid4(),))
    return MaracReferral.make(uuid4(), Incident(uuid4(), MONDAY_10), uuid4(),
                              victims if victims is not None else [uuid4()], [uuid4()],
                              RiskLevel.HIGH, [flag], COORDINATOR, MONDAY_10)


def test_a_meeting_is_on_a_working_day_within_a_year_with_its_coordinator_invited() -> None:
    held = meeting()
    assert held.agencies == ["city-dart", "notts-police", "city-health"]
    assert held.invited("city-health")
    assert not held.invited("riverside-primary")
    # A meeting already held may be entered from its minutes, within the year.
    assert meeting(date(2026, 1, 5)).meets_on == date(2026, 1, 5)
    for day in (date(2026, 11, 28), CHRISTMAS, CLOSED):
        with pytest.raises(InvalidContent, match="working day"):
            meeting(day)
    with pytest.raises(InvalidContent, match="within 366 days"):
        meeting(MONDAY + timedelta(days=367))
    with pytest.raises(InvalidContent, match="within 366 days"):
        meeting(MONDAY - timedelta(days=367))


def test_inviting_adds_only_new_agencies() -> None:
    held = meeting()
    assert held.invite(["city-health", "riverside-primary"], COORDINATOR, MONDAY_10) == [
        "riverside-primary"]
    assert held.invite(["riverside-primary"], COORDINATOR, MONDAY_10) == []
    assert held.agencies[-1] == "riverside-primary"


def test_a_referral_is_listed_at_one_meeting_at_a_time_and_heard_once_unless_deferred(
        ) -> None:
    first, second = meeting(), meeting(MONDAY + timedelta(days=14))
    case = referral()
    case.list_for(first.id, MONDAY_10)
    first.list_case(case.id, case.victim_ids, case.child_ids, COORDINATOR, MONDAY_10)
    with pytest.raises(RuleViolation, match="already on this meeting"):
        first.list_case(case.id, case.victim_ids, case.child_ids, COORDINATOR, MONDAY_10)
    with pytest.raises(RuleViolation, match="listed for a MARAC meeting already"):
        case.list_for(second.id, MONDAY_10)
    with pytest.raises(RuleViolation, match="not listed at this meeting"):
        case.record_heard(second.id, MONDAY_10)

    # Deferred: listed again, at the next meeting.
    first.defer(case.id, COORDINATOR, MONDAY_10)
    case.record_deferred(first.id, MONDAY_10)
    assert first.case(case.id)["state"] == "deferred"  # type: ignore[index]
    with pytest.raises(RuleViolation, match="deferred at this meeting already"):
        first.defer(case.id, COORDINATOR, MONDAY_10)
    case.list_for(second.id, MONDAY_10)
    second.list_case(case.id, case.victim_ids, case.child_ids, COORDINATOR, MONDAY_10)

    # Heard: never listed again.
    later = MONDAY_10 + timedelta(days=14)
    second.hear(case.id, RiskLevel.MEDIUM, SUMMARY, ["notts-police"], [], CALENDAR,
                COORDINATOR, later)
    case.record_heard(second.id, later)
    assert case.listing == {"meeting_id": second.id, "state": "heard", "at": later}
    with pytest.raises(RuleViolation, match="heard at a MARAC"):
        case.list_for(meeting(MONDAY + timedelta(days=28)).id, later)
    with pytest.raises(RuleViolation, match="heard at this meeting already"):
        second.hear(case.id, RiskLevel.MEDIUM, SUMMARY, ["notts-police"], [], CALENDAR,
                    COORDINATOR, later)


def listed() -> tuple[MaracMeeting, MaracReferral]:
    held, case = meeting(), referral()
    case.list_for(held.id, MONDAY_10)
    held.list_case(case.id, case.victim_ids, case.child_ids, COORDINATOR, MONDAY_10)
    return held, case


def test_a_case_heard_records_the_risk_a_sealed_summary_who_was_there_and_its_actions(
        ) -> None:
    held, case = listed()
    action_id = uuid4()
    held.hear(case.id, RiskLevel.HIGH, SUMMARY, ["notts-police", "city-dart", "notts-police"],
              [(action_id, ActionAssignment("notts-police", WHAT, date(2026, 11, 30)))],
              CALENDAR, COORDINATOR, MONDAY_10)
    outcome = held.case(case.id)["outcome"]  # type: ignore[index]
    victim = case.victim_ids[0]
    assert outcome["risk"] == "high"
    assert outcome["summary"] == Personal(victim, "marac_summary", SUMMARY)
    assert outcome["attendance"] == ["notts-police", "city-dart"]
    [action] = held.actions_for(case.id)
    assert action["id"] == action_id
    assert action["agency"] == "notts-police"
    assert action["action"] == Personal(victim, "marac_action", WHAT)
    assert action["due_at"] == utc(2026, 11, 30, 17, 0)
    assert action["done"] is None


def test_a_case_without_an_adult_victim_is_sealed_under_its_child() -> None:
    held, case = meeting(), referral(victims=[])
    case.list_for(held.id, MONDAY_10)
    held.list_case(case.id, [], case.child_ids, COORDINATOR, MONDAY_10)
    held.hear(case.id, RiskLevel.HIGH, SUMMARY, ["notts-police"], [], CALENDAR,
              COORDINATOR, MONDAY_10)
    assert held.case(case.id)["outcome"]["summary"].holder == case.child_ids[0]  # type: ignore[index]


@pytest.mark.parametrize(("attendance", "assignment", "error"), [
    ([], None, "attendance: name the agencies present"),
    (["riverside-primary"], None, "attendance: names an agency not invited"),
    (["notts-police"], ActionAssignment("riverside-primary", WHAT, date(2026, 11, 30)),
     "actions.agency: must be an agency invited"),
    (["notts-police"], ActionAssignment("notts-police", WHAT, date(2026, 11, 20)),
     "actions.due_on: must not be before the meeting"),
    (["notts-police"], ActionAssignment("notts-police", WHAT, date(2026, 11, 29)),
     "actions.due_on: must be a working day"),
    (["notts-police"], ActionAssignment("notts-police", WHAT, date(2027, 11, 26)),
     "actions.due_on: must be within 366 days"),
    (["notts-police"], ActionAssignment("notts-police", "do it", date(2026, 11, 30)),
     "actions.action"),
])
def test_a_case_heard_is_refused_when_its_agencies_or_actions_break_the_rules(
        attendance: list[str], assignment: ActionAssignment | None, error: str) -> None:
    held, case = listed()
    actions = [(uuid4(), assignment)] if assignment is not None else []
    with pytest.raises(InvalidContent, match=error):
        held.hear(case.id, RiskLevel.HIGH, SUMMARY, attendance, actions, CALENDAR,
                  COORDINATOR, MONDAY_10)
    assert held.case(case.id)["state"] == "listed"  # type: ignore[index]


def test_a_case_is_heard_on_or_after_the_meetings_day_and_only_if_listed() -> None:
    held, case = listed()
    sunday_night = utc(2026, 11, 22, 23, 59)  # the day before (GMT)
    with pytest.raises(RuleViolation, match="not been held yet"):
        held.hear(case.id, RiskLevel.HIGH, SUMMARY, ["notts-police"], [], CALENDAR,
                  COORDINATOR, sunday_night)
    with pytest.raises(RuleViolation, match="not on this meeting's case list"):
        held.hear(uuid4(), RiskLevel.HIGH, SUMMARY, ["notts-police"], [], CALENDAR,
                  COORDINATOR, MONDAY_10)
    held.hear(case.id, RiskLevel.HIGH, SUMMARY, ["notts-police"], [], CALENDAR, COORDINATOR,
              utc(2026, 11, 23, 0, 0))  # midnight at the start of its day


def test_only_the_agency_given_an_action_records_it_done_and_only_once() -> None:
    held, case = listed()
    action_id = uuid4()
    held.hear(case.id, RiskLevel.HIGH, SUMMARY, ["notts-police"],
              [(action_id, ActionAssignment("notts-police", WHAT, date(2026, 11, 30)))],
              CALENDAR, COORDINATOR, MONDAY_10)
    officer = {"user_id": "o", "agency": "notts-police", "role": "police-officer"}
    with pytest.raises(NotPermitted):
        held.complete_action(action_id, "city-health", officer, MONDAY_10)
    with pytest.raises(RuleViolation, match="no such action"):
        held.complete_action(uuid4(), "notts-police", officer, MONDAY_10)
    done = held.complete_action(action_id, "notts-police", officer, MONDAY_10)
    assert done["done"] == {"by": officer, "at": MONDAY_10}
    with pytest.raises(RuleViolation, match="done already"):
        held.complete_action(action_id, "notts-police", officer, MONDAY_10)


def test_a_referral_says_whether_it_is_a_repeat() -> None:
    assert not referral().repeat
    repeat = MaracFlag(MaracRule.REPEAT, 1, (uuid4(),), uuid4(),
                       {"last_referral": MONDAY_10.isoformat()})
    again = MaracReferral.make(uuid4(), Incident(uuid4(), MONDAY_10), uuid4(), [uuid4()], [],
                               RiskLevel.STANDARD, [repeat], COORDINATOR, MONDAY_10)
    assert again.repeat
