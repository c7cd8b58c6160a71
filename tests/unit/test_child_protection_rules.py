"""Child protection clocks: the core group within 10 working days, the first review within 3
months, later ones within 6; plans, categories, unborn plans and looked-after periods."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from domain.child_protection import Category, PlanEnd, ProtectionRecord
from domain.clocks import review_conference_due as review_due
from domain.errors import InvalidContent, RuleViolation
from domain.timescales import add_months
from hub.timescales import load_timescales

TIMESCALES = load_timescales()
WORKING = TIMESCALES.working  # England and Wales bank holidays
CHAIR = {"user_id": "c", "agency": "city-mash", "role": "team-manager"}


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


@pytest.mark.parametrize(("at", "months", "due"), [
    ("2026-01-15T10:00:00+00:00", 3, "2026-04-15T10:00:00+00:00"),
    ("2026-11-30T10:00:00+00:00", 3, "2027-02-28T10:00:00+00:00"),  # no 30 February
    ("2027-11-30T10:00:00+00:00", 3, "2028-02-29T10:00:00+00:00"),  # a leap year
    ("2026-08-31T10:00:00+00:00", 6, "2027-02-28T10:00:00+00:00"),
])
def test_calendar_months(at: str, months: int, due: str) -> None:
    assert add_months(utc(at), months) == utc(due)


def test_the_first_review_is_3_months_later_then_every_6() -> None:
    icpc = utc("2026-01-15T10:00:00+00:00")
    # 10:00 in January (GMT) is reviewed by 10:00 in April, which is British Summer Time.
    assert review_due(icpc, first=True) == utc("2026-04-15T10:00:00+01:00")
    assert review_due(icpc, first=False) == utc("2026-07-15T10:00:00+01:00")


def test_a_plan_from_conference_to_its_end() -> None:
    record = ProtectionRecord(person_id=uuid4())
    icpc = utc("2026-12-17T14:00:00+00:00")  # a Thursday before Christmas
    record.initial_conference(uuid4(), icpc, True, Category.NEGLECT, False, None, WORKING,
                              CHAIR)
    plan = record.current_plan
    assert plan is not None
    # 10 working days: 17 (from 14:00), 18, 21-24, 29-31 December (25, 28 are bank holidays,
    # 26-27 a weekend), 1 January a bank holiday, then 4 and 5 January.
    assert plan["core_group_due"] == utc("2027-01-05T14:00:00+00:00")
    assert plan["review_due"] == utc("2027-03-17T14:00:00+00:00")
    assert record.overdue(utc("2027-01-05T14:00:00+00:00")) == []
    assert [c["clock"] for c in record.overdue(utc("2027-01-05T14:01:00+00:00"))] == [
        "core-group"]
    record.core_group_met(utc("2027-01-06T10:00:00+00:00"), CHAIR, TIMESCALES)
    assert record.overdue(utc("2027-02-01T10:00:00+00:00")) == []

    first_review = utc("2027-03-10T10:00:00+00:00")
    record.review(uuid4(), first_review, True, Category.MULTIPLE, CHAIR)
    assert plan["category"] == "multiple"
    assert plan["review_due"] == utc("2027-09-10T10:00:00+01:00")
    assert plan["reviews"][0]["on_time"] is True
    late = utc("2027-09-20T10:00:00+01:00")
    # The core group has not met since January: its next meeting is late too.
    assert [c["clock"] for c in record.overdue(late)] == ["next-core-group", "review"]
    record.review(uuid4(), late, False, None, CHAIR)
    assert record.current_plan is None
    assert plan["reviews"][1]["on_time"] is False
    assert plan["ended_because"] == "no-longer-needed"
    with pytest.raises(RuleViolation, match="no plan"):
        record.review(uuid4(), late, True, None, CHAIR)

    # A second plan later: numbered, for the "second or subsequent plan" indicator.
    record.initial_conference(uuid4(), utc("2028-01-10T10:00:00+00:00"), True,
                              Category.EMOTIONAL, False, None, WORKING, CHAIR)
    assert record.plans[-1]["number"] == 2


def test_conference_rules() -> None:
    record = ProtectionRecord(person_id=uuid4())
    at = utc("2026-11-23T10:00:00+00:00")
    with pytest.raises(InvalidContent, match="category"):
        record.initial_conference(uuid4(), at, True, None, False, None, WORKING, CHAIR)
    with pytest.raises(InvalidContent, match="category"):
        record.initial_conference(uuid4(), at, False, Category.SEXUAL, False, None, WORKING,
                                  CHAIR)
    record.initial_conference(uuid4(), at, False, None, False, None, WORKING, CHAIR)
    assert record.plans == []
    assert record.conferences[0]["plan"] is False
    record.initial_conference(uuid4(), at, True, Category.PHYSICAL, False, None, WORKING,
                              CHAIR)
    with pytest.raises(RuleViolation, match="in force"):
        record.initial_conference(uuid4(), at, True, Category.PHYSICAL, False, None, WORKING,
                                  CHAIR)
    with pytest.raises(InvalidContent, match="birth"):
        record.end_plan(at, PlanEnd.BORN, CHAIR)
    record.end_plan(at + timedelta(days=40), PlanEnd.MOVED_AWAY, CHAIR)
    assert record.current_plan is None


def test_an_unborn_childs_plan_ends_at_birth() -> None:
    mother = ProtectionRecord(person_id=uuid4())
    at = utc("2026-11-23T10:00:00+00:00")
    mother.initial_conference(uuid4(), at, True, Category.NEGLECT, True, None, WORKING, CHAIR)
    mother.end_plan(at + timedelta(days=60), PlanEnd.BORN, CHAIR)
    assert mother.plans[0]["ended_because"] == "born"


def test_looked_after_periods() -> None:
    record = ProtectionRecord(person_id=uuid4())
    at = utc("2026-11-23T10:00:00+00:00")
    with pytest.raises(RuleViolation, match="not looked after"):
        record.set_looked_after(False, at, CHAIR)
    record.set_looked_after(True, at, CHAIR)
    with pytest.raises(RuleViolation, match="already"):
        record.set_looked_after(True, at, CHAIR)
    with pytest.raises(InvalidContent, match="after it starts"):
        record.set_looked_after(False, at - timedelta(days=1), CHAIR)
    record.set_looked_after(False, at + timedelta(days=200), CHAIR)
    assert record.currently_looked_after is None
    assert record.looked_after[0]["ended_at"] == at + timedelta(days=200)


def test_cp_is_shows_what_is_in_force_or_ended_within_12_months() -> None:
    record = ProtectionRecord(person_id=uuid4())
    start = utc("2025-01-10T10:00:00+00:00")
    record.initial_conference(uuid4(), start, True, Category.NEGLECT, False, None, WORKING,
                              CHAIR)
    ended = utc("2025-11-23T10:00:00+00:00")
    record.end_plan(ended, PlanEnd.MOVED_AWAY, CHAIR)
    plans, care = record.cp_is_flag(utc("2026-11-23T10:00:00+00:00"))  # exactly 12 months
    assert len(plans) == 1
    assert care == []
    assert record.cp_is_flag(utc("2026-11-23T10:01:00+00:00")) == ([], [])
