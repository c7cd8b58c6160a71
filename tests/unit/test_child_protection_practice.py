"""Child protection as practice works it, and child in need plans: each clock at its
boundaries (a weekend, a bank holiday, the clocks changing), the settings that set them, and
the rules of chairs, minutes, core groups, step-downs and child in need plans."""

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic

from domain.child_in_need import ChildInNeedRecord, CinEnd, CinStart
from domain.child_protection import Category, ProtectionRecord
from domain.conferences import StepDown
from domain.errors import InvalidContent, RuleViolation
from domain.front_door import MashContact
from domain.signs_of_safety import SignsOfSafety
from hub.settings import SettingsError
from hub.timescales import load_timescales

TIMESCALES = load_timescales()
LA = {"user_id": "w", "agency": "city-mash", "agency_kind": "mash", "role": "social-worker"}
CHAIR = {"user_id": "c", "agency": "city-mash", "role": "team-manager"}
IRO = {"user_id": "i", "agency": "city-mash", "role": "independent-reviewing-officer"}
SIGNS = SignsOfSafety("Unexplained bruising.", "Grandmother visits daily.",
                      "A safety plan agreed with the family.", 4)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


# Minutes: 5 working days ------------------------------------------------------------------

@pytest.mark.parametrize(("held", "due"), [
    # A Monday: the Monday after.
    ("2026-11-23T10:00:00+00:00", "2026-11-30T10:00:00+00:00"),
    # A Friday afternoon: the weekend does not count.
    ("2026-11-27T14:00:00+00:00", "2026-12-04T14:00:00+00:00"),
    # 23 December: Christmas, Boxing Day (on the 28th) and New Year's Day do not count.
    ("2026-12-23T11:00:00+00:00", "2027-01-04T11:00:00+00:00"),
    # Thursday 22 October in summer time: due at 10:00 on the 29th, in winter time.
    ("2026-10-22T10:00:00+01:00", "2026-10-29T10:00:00+00:00"),
    # Out of hours (a Saturday): counted from Monday's opening.
    ("2026-11-28T12:00:00+00:00", "2026-12-04T17:00:00+00:00"),
])
def test_minutes_are_due_5_working_days_after_the_conference(held: str, due: str) -> None:
    assert TIMESCALES.minutes_due(utc(held)) == utc(due)


def test_minutes_stop_their_clock_and_are_late_only_after_it() -> None:
    record, conference = _conference("2026-11-23T10:00:00+00:00")
    due = utc("2026-11-30T10:00:00+00:00")
    assert record.overdue(due) == []
    assert record.overdue(utc("2026-11-30T10:00:01+00:00")) == [
        {"clock": "minutes", "due": due, "conference_id": conference}]
    with pytest.raises(InvalidContent, match="minutes follow"):
        record.record_minutes(conference, "The conference agreed a plan.",
                              utc("2026-11-23T09:00:00+00:00"), LA)
    record.record_minutes(conference, "The conference agreed a plan.",
                          utc("2026-12-01T10:00:00+00:00"), LA)
    assert [o["clock"] for o in record.overdue(utc("2026-12-02T10:00:00+00:00"))] == []
    assert not record.minutes_outstanding
    with pytest.raises(RuleViolation, match="already"):
        record.record_minutes(conference, "Again, the same minutes.",
                              utc("2026-12-01T11:00:00+00:00"), LA)
    minutes = record.conference(conference)
    assert minutes is not None
    assert minutes["minutes"].holder == record.person_id  # sealed under the child


def test_a_conference_is_chaired_by_the_authoritys_staff_with_its_reviewing_officer() -> None:
    record = ProtectionRecord(person_id=uuid4())
    conference = uuid4()
    record.initial_conference(conference, utc("2026-11-23T10:00:00+00:00"), True,
                              Category.NEGLECT, False, None, TIMESCALES.working, LA)
    with pytest.raises(InvalidContent, match="independent-reviewing-officer"):
        record.chaired(conference, CHAIR, CHAIR, None, TIMESCALES, LA)
    with pytest.raises(InvalidContent, match="local authority's staff"):
        record.chaired(conference, {**CHAIR, "agency": "county-mash"}, IRO, None,
                       TIMESCALES, LA)
    with pytest.raises(RuleViolation, match="no such conference"):
        record.chaired(uuid4(), CHAIR, IRO, None, TIMESCALES, LA)
    with pytest.raises(RuleViolation, match="no chair"):  # an unchaired one is not clocked
        record.record_minutes(conference, "Minutes of an unchaired conference.",
                              utc("2026-11-24T10:00:00+00:00"), LA)
    with pytest.raises(InvalidContent, match="scale"):
        record.chaired(conference, CHAIR, IRO, SignsOfSafety("a", "b", "c", 11), TIMESCALES,
                       LA)
    record.chaired(conference, IRO, IRO, SIGNS, TIMESCALES, LA)  # the officer may chair
    chaired = record.conference(conference)
    assert chaired is not None
    assert chaired["signs_of_safety"]["scale"] == 4


# Core groups: the first within 10 working days, then within 6 weeks -----------------------

@pytest.mark.parametrize(("met", "due"), [
    # Six weeks in local time: 10:00 in summer time is followed by 10:00 in winter time.
    ("2026-10-01T10:00:00+01:00", "2026-11-12T10:00:00+00:00"),
    ("2027-02-18T10:00:00+00:00", "2027-04-01T10:00:00+01:00"),  # into summer time
    # A calendar clock: due on Christmas Day, a bank holiday, it is not moved (meet before).
    ("2026-11-13T10:00:00+00:00", "2026-12-25T10:00:00+00:00"),
    # Met on a Saturday: due six weeks on, a Saturday too.
    ("2026-11-28T10:00:00+00:00", "2027-01-09T10:00:00+00:00"),
])
def test_each_core_group_meeting_is_due_6_weeks_after_the_last(met: str, due: str) -> None:
    assert TIMESCALES.next_core_group_due(utc(met)) == utc(due)


def test_core_group_members_meetings_and_their_clock() -> None:
    record = ProtectionRecord(person_id=uuid4())
    icpc = utc("2026-12-17T14:00:00+00:00")
    record.initial_conference(uuid4(), icpc, True, Category.NEGLECT, False, None,
                              TIMESCALES.working, LA)
    members = [{"agency": "city-health", "role": "health-practitioner"},
               {"agency": "riverside-primary", "role": "dsl"}]
    with pytest.raises(InvalidContent, match="more than once"):
        record.set_core_group([*members, members[0]], icpc, LA)
    with pytest.raises(InvalidContent, match="at least one"):
        record.set_core_group([], icpc, LA)
    record.set_core_group(members, icpc, LA)
    first = utc("2027-01-05T14:00:00+00:00")  # 10 working days over Christmas
    assert [o["clock"] for o in record.overdue(first)] == []
    assert [o["clock"] for o in record.overdue(utc("2027-01-05T14:00:01+00:00"))] == [
        "core-group"]
    record.core_group_met(utc("2027-01-05T10:00:00+00:00"), LA, TIMESCALES, members[:1],
                          SIGNS)
    plan = record.current_plan
    assert plan is not None
    assert plan["core_group"] == members
    assert plan["core_groups"][0]["present"] == members[:1]
    assert plan["next_core_group_due"] == utc("2027-02-16T10:00:00+00:00")
    assert record.overdue(utc("2027-02-16T10:00:00+00:00")) == []
    assert [o["clock"] for o in record.overdue(utc("2027-02-16T10:00:01+00:00"))] == [
        "next-core-group"]
    with pytest.raises(InvalidContent, match="follows the one before"):
        record.core_group_met(utc("2027-01-04T10:00:00+00:00"), LA, TIMESCALES)
    record.core_group_met(utc("2027-02-10T10:00:00+00:00"), LA, TIMESCALES)
    assert plan["core_group_at"] == utc("2027-01-05T10:00:00+00:00")  # the first stays
    assert plan["next_core_group_due"] == utc("2027-03-24T10:00:00+00:00")


# A review that steps down ---------------------------------------------------------------

def test_only_a_review_that_ends_the_plan_steps_down() -> None:
    record, _ = _conference("2026-11-23T10:00:00+00:00")
    with pytest.raises(InvalidContent, match="only a review that ends"):
        record.review(uuid4(), utc("2027-02-01T10:00:00+00:00"), True, None, LA,
                      StepDown.CHILD_IN_NEED)
    record.review(uuid4(), utc("2027-02-01T10:00:00+00:00"), False, None, LA,
                  StepDown.EARLY_HELP)
    plan = record.plans[0]
    assert (plan["ended_because"], plan["stepped_down_to"]) == ("no-longer-needed",
                                                                "early-help")


# Child in need plans: first review within 3 months, then every 3 -------------------------

@pytest.mark.parametrize(("since", "first", "due"), [
    # From winter into summer time: 10:00 stays 10:00 on the wall clock.
    ("2026-01-15T10:00:00+00:00", True, "2026-04-15T10:00:00+01:00"),
    ("2026-08-20T10:00:00+01:00", False, "2026-11-20T10:00:00+00:00"),
    ("2026-11-30T10:00:00+00:00", True, "2027-02-28T10:00:00+00:00"),  # no 30 February
    # A calendar clock: due on a Sunday or a bank holiday, it is not moved (review before).
    ("2026-09-25T10:00:00+01:00", False, "2026-12-25T10:00:00+00:00"),
])
def test_child_in_need_reviews_are_due_3_months_on(since: str, first: bool, due: str) -> None:
    assert TIMESCALES.cin_review_due(utc(since), first) == utc(due)


def test_a_child_in_need_plan_started_reviewed_and_ended() -> None:
    record = ChildInNeedRecord(child_id=uuid4())
    start = utc("2026-09-25T10:00:00+01:00")
    record.start(uuid4(), start, CinStart.ASSESSMENT, None, TIMESCALES, LA)
    with pytest.raises(RuleViolation, match="in force already"):
        record.start(uuid4(), start, CinStart.ASSESSMENT, None, TIMESCALES, LA)
    due = utc("2026-12-25T10:00:00+00:00")
    assert record.overdue(due) == []
    assert record.overdue(utc("2026-12-25T10:00:01+00:00")) == [
        {"clock": "cin-review", "due": due}]
    with pytest.raises(InvalidContent, match="follows the plan's start"):
        record.review(utc("2026-09-24T10:00:00+01:00"), TIMESCALES, LA)
    record.review(utc("2026-12-29T10:00:00+00:00"), TIMESCALES, LA)  # late
    plan = record.current_plan
    assert plan is not None
    assert plan["reviews"] == [{"at": utc("2026-12-29T10:00:00+00:00"), "due": due,
                                "on_time": False, "by": LA}]
    assert plan["review_due"] == utc("2027-03-29T10:00:00+01:00")
    record.review(utc("2027-03-29T10:00:00+01:00"), TIMESCALES, LA)  # on the minute
    assert plan["reviews"][-1]["on_time"] is True
    record.end(utc("2027-04-01T10:00:00+01:00"), CinEnd.NO_LONGER_NEEDED, LA)
    assert record.current_plan is None
    assert record.overdue(utc("2028-01-01T10:00:00+00:00")) == []
    with pytest.raises(RuleViolation, match="no child in need plan"):
        record.review(utc("2027-04-02T10:00:00+01:00"), TIMESCALES, LA)
    with pytest.raises(InvalidContent, match="after the one before ended"):
        record.start(uuid4(), utc("2027-03-31T10:00:00+01:00"), CinStart.ASSESSMENT, None,
                     TIMESCALES, LA)


# The settings ---------------------------------------------------------------------------

def test_the_local_timescales_are_read_from_the_file(tmp_path: Path) -> None:
    path = tmp_path / "timescales.toml"
    path.write_text("[child_protection]\nminutes_working_days = 10\ncore_group_weeks = 4\n"
                    "cin_first_review_months = 1\n")
    local = load_timescales(path)
    assert local.protection.minutes_working_days == 10
    assert local.protection.cin_review_months == 3  # left out: the packaged value
    assert local.minutes_due(utc("2026-11-23T10:00:00+00:00")) == utc(
        "2026-12-07T10:00:00+00:00")
    assert local.next_core_group_due(utc("2026-11-23T10:00:00+00:00")) == utc(
        "2026-12-21T10:00:00+00:00")
    assert local.cin_review_due(utc("2026-11-23T10:00:00+00:00"), True) == utc(
        "2026-12-23T10:00:00+00:00")


@pytest.mark.parametrize(("text", "message"), [
    ("[child_protection]\nminutes_working_days = 0\n", "minutes_working_days must be a "
                                                        "positive whole number"),
    ("[child_protection]\ncore_group_weeks = 1.5\n", "core_group_weeks must be a positive"),
    ('[child_protection]\ncin_review_months = "3"\n', "cin_review_months must be a positive"),
    ("[child_protection]\ncin_review_weeks = 12\n", "cin_review_weeks is not a setting"),
    ("child_protection = 5\n", r"\[child_protection\] must be a table"),
])
def test_a_bad_child_protection_timescale_is_refused(tmp_path: Path, text: str,
                                                     message: str) -> None:
    path = tmp_path / "timescales.toml"
    path.write_text(text)
    with pytest.raises(SettingsError, match=message):
        load_timescales(path)


# Events stored before these fields still load -----------------------------------------------

def _decoded(cls: type[Aggregate.Event], state: dict[str, Any]) -> Any:
    mapper = Application[UUID]().mapper
    return mapper.to_domain_event(StoredEvent(
        originator_id=uuid4(), originator_version=2, topic=get_topic(cls),
        state=json.dumps({**state, "class_version": 1}).encode()))


def test_version_1_events_are_upcast() -> None:
    at = {"_type_": "datetime_iso", "_data_": "2026-11-23T10:00:00+00:00"}
    met = _decoded(ProtectionRecord.CoreGroupMet,
                   {"timestamp": at, "originator_topic": get_topic(ProtectionRecord),
                    "at": at, "by": LA})
    assert (met.present, met.next_due, met.signs_of_safety) == ([], None, None)
    review = _decoded(ProtectionRecord.ReviewHeld, {
        "timestamp": at, "conference_id": {"_type_": "uuid_hex", "_data_": uuid4().hex},
        "at": at, "plan_continues": False, "category": None, "next_due": None, "by": LA})
    assert review.step_down is None
    done = _decoded(MashContact.AssessmentCompleted, {
        "timestamp": at, "summary": None, "by": LA, "at": at})
    assert done.signs_of_safety is None


def _conference(at: str) -> tuple[ProtectionRecord, UUID]:
    record = ProtectionRecord(person_id=uuid4())
    conference = uuid4()
    record.initial_conference(conference, utc(at), True, Category.NEGLECT, False, None,
                              TIMESCALES.working, LA)
    record.chaired(conference, CHAIR, IRO, None, TIMESCALES, LA)
    return record, conference
