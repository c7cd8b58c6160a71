"""The MASH front door's rules: RAG deadlines across weekends and bank holidays, forced red,
rating changes, decisions and levels of need, and the disagreement ladder."""

from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest

from domain.disagreement import Disagreement, Stage, SubjectKind
from domain.errors import InvalidContent, RuleViolation
from domain.front_door import (
    Indicator,
    LevelOfNeed,
    MashContact,
    NeedRecord,
    Outcome,
    Rag,
    SignsOfSafety,
    check_indicators,
    step,
)
from domain.risk import RiskLevel
from hub.timescales import load_timescales

SCALES = load_timescales()  # the packaged defaults, with England and Wales bank holidays
WORKER = {"user_id": "u", "agency": "city-mash", "role": "social-worker"}
SCHOOL = {"user_id": "s", "agency": "riverside-primary", "role": "dsl"}
WHY = "Bruising seen by the school nurse twice this month."


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


@pytest.mark.parametrize(("rag", "received", "due"), [
    # Red: 4 hours, out of hours too (red runs to completion).
    (Rag.RED, "2026-11-20T16:00:00+00:00", "2026-11-20T20:00:00+00:00"),
    (Rag.RED, "2026-11-21T23:00:00+00:00", "2026-11-22T03:00:00+00:00"),  # Saturday night
    # Four real hours across the clock changes (01:00 UTC on 29 March and 25 October 2026).
    (Rag.RED, "2026-03-29T00:30:00+00:00", "2026-03-29T04:30:00+00:00"),
    (Rag.RED, "2026-10-25T00:30:00+01:00", "2026-10-25T03:30:00+00:00"),
    # Amber: 24 working hours (8.5-hour days, 08:30 to 17:00), weekends not counted.
    # Friday 10:00 (7 hours), Monday (8.5), Tuesday (8.5).
    (Rag.AMBER, "2026-11-20T10:00:00+00:00", "2026-11-24T17:00:00+00:00"),
    (Rag.AMBER, "2026-11-21T11:00:00+00:00", "2026-11-25T15:30:00+00:00"),  # Sat -> Wed
    # Out of hours: 08:29 counts from 08:30; 16:59 has a minute that day; 17:00 none.
    (Rag.AMBER, "2026-11-23T08:29:00+00:00", "2026-11-25T15:30:00+00:00"),
    (Rag.AMBER, "2026-11-23T08:30:00+00:00", "2026-11-25T15:30:00+00:00"),
    (Rag.AMBER, "2026-11-23T16:59:00+00:00", "2026-11-26T15:29:00+00:00"),
    (Rag.AMBER, "2026-11-23T17:00:00+00:00", "2026-11-26T15:30:00+00:00"),
    # ... nor bank holidays: Christmas, Boxing Day (Monday 28 observed). Thursday 09:00 (8
    # hours), Tuesday 29 (8.5), 7.5 hours on Wednesday 30.
    (Rag.AMBER, "2026-12-24T09:00:00+00:00", "2026-12-30T16:00:00+00:00"),
    # Friday 12:00 BST (5 hours), Monday 31 August a bank holiday, Tuesday and Wednesday
    # (17), 2 hours on Thursday.
    (Rag.AMBER, "2026-08-28T12:00:00+01:00", "2026-09-03T10:30:00+01:00"),
    # Across the clock going back: Friday 23 October 10:00 BST (7 hours), Monday 26 (GMT) and
    # Tuesday 27 (17): local hours, Tuesday's close.
    (Rag.AMBER, "2026-10-23T10:00:00+01:00", "2026-10-27T17:00:00+00:00"),
    # Green: 72 working hours, counted as amber's are. Friday 10:00 (7), seven full days to
    # Tuesday 1 December (59.5), 5.5 hours on Wednesday 2.
    (Rag.GREEN, "2026-11-20T10:00:00+00:00", "2026-12-02T14:00:00+00:00"),
    # From Friday 16:30 amber falls due on Wednesday 15:00, green later (Thursday week).
    (Rag.AMBER, "2026-11-20T16:30:00+00:00", "2026-11-25T15:00:00+00:00"),
    (Rag.GREEN, "2026-11-20T16:30:00+00:00", "2026-12-03T12:00:00+00:00"),
])
def test_rag_deadlines(rag: Rag, received: str, due: str) -> None:
    assert SCALES.rag_due(rag, utc(received)) == utc(due)


def test_acknowledgement_and_decision_take_one_working_day_and_assessment_45() -> None:
    christmas_eve = utc("2026-12-24T16:00:00+00:00")  # a Thursday
    # One working day from Thursday 16:00: Christmas Day, the weekend and Monday 28 (Boxing
    # Day observed) do not count.
    assert SCALES.working.add_working_days(christmas_eve, 1) == utc("2026-12-29T16:00:00+00:00")
    # From Monday 2 November at opening (08:30): day 39 is Christmas Eve; 29-31 December are
    # 40-42 and, after New Year's Day, 4-6 January 43-45.
    received = utc("2026-11-02T08:30:00+00:00")
    assert SCALES.working.add_working_days(received, 45) == utc("2027-01-06T17:00:00+00:00")
    # Half an hour into the day, the 45th working day ends half an hour into the 46th.
    assert SCALES.working.add_working_days(received + timedelta(minutes=30), 45) == utc(
        "2027-01-07T09:00:00+00:00")


def contact(indicators: list[str] | None = None) -> MashContact:
    at = utc("2026-11-23T09:00:00+00:00")
    return MashContact(id=uuid4(), notification_id=uuid4(), kind="contact",
                       referrer="city-school", child_ids=[uuid4()], received_at=at,
                       acknowledge_due=at + timedelta(days=1),
                       decision_due=at + timedelta(days=1), indicators=indicators or [],
                       re_referral_of=[], linked_to=None)


def test_an_immediate_referral_indicator_forces_red() -> None:
    c = contact([Indicator.UNEXPLAINED_INJURY.value])
    at = c.received_at
    with pytest.raises(RuleViolation, match="the rating is red"):
        c.rate(Rag.AMBER, at, WHY, WORKER, at)
    c.rate(Rag.RED, at, None, WORKER, at)
    assert c.rating is not None
    assert c.rating.forced_by == (Indicator.UNEXPLAINED_INJURY.value,)


def test_a_changed_rating_needs_a_rationale() -> None:
    c = contact()
    at = c.received_at
    c.rate(Rag.GREEN, at + timedelta(hours=72), None, WORKER, at)  # the first: none needed
    with pytest.raises(InvalidContent, match="rationale"):
        c.rate(Rag.AMBER, at, None, WORKER, at)
    with pytest.raises(InvalidContent, match="rationale"):
        c.rate(Rag.AMBER, at, "because", WORKER, at)  # too short to be a reason
    c.rate(Rag.AMBER, at + timedelta(hours=24), WHY, WORKER, at)
    with pytest.raises(RuleViolation, match="already rated amber"):
        c.rate(Rag.AMBER, at, WHY, WORKER, at)
    assert [r.rag for r in c.ratings] == ["green", "amber"]


def test_indicators_defined_by_age_must_fit_a_child_named() -> None:
    on = date(2026, 11, 23)
    baby, five, six = date(2026, 3, 1), date(2021, 1, 1), date(2020, 11, 1)
    assert check_indicators(["under-one-carer-substance-misuse"], [baby], on) == [
        Indicator.UNDER_ONE_CARER_SUBSTANCE_MISUSE]
    assert check_indicators(["left-home-alone-aged-5-or-under"], [five], on)
    with pytest.raises(InvalidContent, match="under 6"):
        check_indicators(["left-home-alone-aged-5-or-under"], [six], on)
    with pytest.raises(InvalidContent, match="under 2"):
        check_indicators(["under-two-unexplained-bruising"], [five], on)
    with pytest.raises(InvalidContent, match="not a known"):
        check_indicators(["feels-wrong"], [five], on)
    assert check_indicators(["trafficking", "trafficking"], [six], on) == [
        Indicator.TRAFFICKING]


@pytest.mark.parametrize(("outcome", "level", "ok"), [
    (Outcome.NO_FURTHER_ACTION, LevelOfNeed.UNIVERSAL, True),
    (Outcome.NO_FURTHER_ACTION, LevelOfNeed.CHILD_IN_NEED, False),
    (Outcome.EARLY_HELP, LevelOfNeed.EXTENSIVE, True),
    (Outcome.EARLY_HELP, LevelOfNeed.PROTECTION, False),
    (Outcome.ASSESSMENT, LevelOfNeed.CHILD_IN_NEED, True),
    (Outcome.ASSESSMENT, LevelOfNeed.ADDITIONAL, False),
])
def test_an_outcome_answers_its_levels_of_need(outcome: Outcome, level: LevelOfNeed,
                                               ok: bool) -> None:
    c = contact()
    c.rate(Rag.GREEN, c.received_at, None, WORKER, c.received_at)
    due = c.received_at + timedelta(days=60) if outcome is Outcome.ASSESSMENT else None

    def decide() -> None:
        c.decide(level, outcome, WHY, "Thank you; we will be in touch.", None, due, [], None,
                 WORKER, c.received_at)

    if ok:
        decide()
        assert c.decision is not None
    else:
        with pytest.raises(InvalidContent, match="answers the level"):
            decide()


def test_a_strategy_discussion_decision_opens_its_enquiry_and_only_it_does() -> None:
    c = contact()
    c.rate(Rag.RED, c.received_at, None, WORKER, c.received_at)
    with pytest.raises(RuleViolation, match="strategy discussion"):
        c.decide(LevelOfNeed.PROTECTION, Outcome.STRATEGY_DISCUSSION, WHY, WHY, None, None, [],
                 None, WORKER, c.received_at)
    with pytest.raises(RuleViolation, match="strategy discussion"):
        c.decide(LevelOfNeed.PROTECTION, Outcome.ASSESSMENT, WHY, WHY, None, None, [uuid4()],
                 None, WORKER, c.received_at)


def test_a_decision_needs_a_rating_and_signs_of_safety_on_a_0_to_10_scale() -> None:
    c = contact()
    at = c.received_at
    with pytest.raises(RuleViolation, match="rate the contact"):
        c.decide(LevelOfNeed.UNIVERSAL, Outcome.NO_FURTHER_ACTION, WHY, WHY, None, None, [],
                 None, WORKER, at)
    c.rate(Rag.GREEN, at, None, WORKER, at)
    with pytest.raises(InvalidContent, match="scale"):
        c.decide(LevelOfNeed.ADDITIONAL, Outcome.EARLY_HELP, WHY, WHY,
                 SignsOfSafety("w", "ww", "n", 11), None, [], None, WORKER, at)
    c.decide(LevelOfNeed.ADDITIONAL, Outcome.EARLY_HELP, WHY, WHY,
             SignsOfSafety("Missed appointments", "Grandmother helps", "CAF", 6), None, [],
             LevelOfNeed.CHILD_IN_NEED, WORKER, at)
    assert c.step == "down"
    with pytest.raises(RuleViolation, match="rating is final"):
        c.rate(Rag.RED, at, WHY, WORKER, at)


def test_levels_step_up_and_down() -> None:
    assert step(None, LevelOfNeed.ADDITIONAL) is None
    assert step(LevelOfNeed.ADDITIONAL, LevelOfNeed.PROTECTION) == "up"
    assert step(LevelOfNeed.PROTECTION, LevelOfNeed.EXTENSIVE) == "down"
    record = NeedRecord(child_id=uuid4())
    at = utc("2026-11-23T09:00:00+00:00")
    assert record.set_level(LevelOfNeed.CHILD_IN_NEED, WHY, None, WORKER, at)
    assert not record.set_level(LevelOfNeed.CHILD_IN_NEED, WHY, None, WORKER, at)
    assert record.set_level(LevelOfNeed.EXTENSIVE, WHY, None, WORKER, at)
    assert [c["direction"] for c in record.changes] == [None, "down"]


def test_research_is_asked_for_and_due_with_the_rating() -> None:
    c = contact()
    at = c.received_at
    with pytest.raises(RuleViolation, match="rate the contact first"):
        c.request_research(["notts-police"], WORKER, at)
    due = at + timedelta(hours=4)
    c.rate(Rag.RED, due, None, WORKER, at)
    c.request_research(["notts-police", "city-health"], WORKER, at)
    with pytest.raises(RuleViolation, match="not been asked"):
        c.add_research(uuid4(), "city-school", "school", "Attendance 62%.", WORKER, at)
    c.add_research(uuid4(), "notts-police", "police", "Two call-outs this year.", WORKER,
                   due + timedelta(minutes=1))
    assert c.research_late(c.research[0])
    assert c.research_outstanding() == ["city-health"]


def test_a_disagreement_climbs_the_ladder_to_the_director_and_no_further() -> None:
    at = utc("2026-11-23T09:00:00+00:00")
    d = Disagreement.raise_(uuid4(), SubjectKind.MASH_CONTACT, uuid4(), [uuid4()], SCHOOL,
                            "city-mash", "The referral was declined despite a disclosure.",
                            RiskLevel.STANDARD, at, at + timedelta(hours=16), None)
    assert d.stage.stage is Stage.WORKER
    assert not d.overdue(at + timedelta(hours=16))
    assert d.overdue(at + timedelta(hours=16, seconds=1))
    stages = [d.escalate(at + timedelta(days=n), at, None, None) for n in range(1, 6)]
    assert stages == [Stage.TEAM_MANAGER, Stage.SAFEGUARDING_LEAD, Stage.SERVICE_MANAGER,
                      Stage.HEAD_OF_SERVICE, Stage.DIRECTOR]
    assert all(s.automatic for s in d.stages[1:])
    with pytest.raises(RuleViolation, match="director"):
        d.escalate(at, at, None, None)
    with pytest.raises(InvalidContent, match="reason"):
        Disagreement.raise_(uuid4(), SubjectKind.MASH_CONTACT, uuid4(), [uuid4()], WORKER,
                            "x", "no", RiskLevel.STANDARD, at, at, None)
    with pytest.raises(RuleViolation, match="raised the disagreement says"):
        d.resolve("We closed it ourselves.", WORKER, at)  # the agency disagreed with
    d.resolve("Agreed an assessment after the director's review.", SCHOOL, at)
    assert not d.overdue(at + timedelta(days=100))
    with pytest.raises(RuleViolation, match="resolved"):
        d.escalate(at, at, SCHOOL, "Still disagree with the outcome.")
    with pytest.raises(RuleViolation, match="between agencies"):
        Disagreement.raise_(uuid4(), SubjectKind.MASH_CONTACT, uuid4(), [uuid4()], WORKER,
                            "city-mash", "We disagree with our own decision here.",
                            RiskLevel.STANDARD, at, at + timedelta(hours=16), None)


def test_earlier_contacts_within_12_months_make_a_re_referral() -> None:
    from domain.front_door import contact_id, earlier_contacts

    now = utc("2026-11-23T09:00:00+00:00")
    year_ago, older, this = uuid4(), uuid4(), uuid4()
    seen = [{"notification_id": year_ago, "notification_type": "school_concern",
             "received_at": utc("2025-11-23T09:00:00+00:00")},
            {"notification_id": older, "notification_type": "referral",
             "received_at": utc("2025-11-23T08:59:00+00:00")},
            {"notification_id": uuid4(), "notification_type": "missing",
             "received_at": now},
            {"notification_id": this, "notification_type": "referral", "received_at": now}]
    assert earlier_contacts(seen, this, now, 12) == [contact_id(year_ago)]


def test_the_decision_is_due_by_the_rating_once_rated() -> None:
    """One clock, not two: until rated the decision is due within a working day; once rated,
    by the rating's deadline (a re-rating moves it), and "decide" is missed exactly when the
    rating's deadline is."""
    c = contact()
    at = c.received_at
    assert c.decide_by == c.decision_due == c.deadlines()["decide"]
    amber = SCALES.rag_due(Rag.AMBER, at)
    c.rate(Rag.AMBER, amber, None, WORKER, at)
    assert c.decide_by == amber
    assert c.deadlines()["decide"] == c.deadlines()["rag"] == amber
    red = SCALES.rag_due(Rag.RED, at)
    c.rate(Rag.RED, red, WHY, WORKER, at)
    assert c.deadlines()["decide"] == red
    c.decide(LevelOfNeed.UNIVERSAL, Outcome.NO_FURTHER_ACTION, WHY, WHY, None, None, [],
             None, WORKER, red + timedelta(minutes=1))
    assert c.missed() == {"decide": red, "rag": red}


@pytest.mark.parametrize(("received", "due"), [
    # Ten working days from Monday 09:30 GMT: Monday 7 December, 09:30.
    ("2026-11-23T09:30:00+00:00", "2026-12-07T09:30:00+00:00"),
    # From opening (and from a minute before it) on Thursday 17 December: Christmas Day,
    # Boxing Day (observed Monday 28) and New Year's Day do not count.
    ("2026-12-17T08:30:00+00:00", "2027-01-04T17:00:00+00:00"),
    ("2026-12-17T08:29:00+00:00", "2027-01-04T17:00:00+00:00"),
    # Friday 20 March 16:59 (a minute that day) across the clocks going forward, Good Friday
    # and Easter Monday: Tuesday 7 April, 16:59 BST; at 17:00, the close of that day.
    ("2026-03-20T16:59:00+00:00", "2026-04-07T16:59:00+01:00"),
    ("2026-03-20T17:00:00+00:00", "2026-04-07T17:00:00+01:00"),
])
def test_a_brief_assessment_is_due_within_10_working_days(received: str, due: str) -> None:
    assert SCALES.brief_assessment_due(utc(received)) == utc(due)


def test_a_brief_assessment_then_its_completion() -> None:
    c = contact()
    at = c.received_at
    c.rate(Rag.GREEN, SCALES.rag_due(Rag.GREEN, at), None, WORKER, at)
    brief, full = SCALES.brief_assessment_due(at), SCALES.assessment_due(at)
    c.decide(LevelOfNeed.CHILD_IN_NEED, Outcome.ASSESSMENT, WHY, WHY, None, full, [], None,
             WORKER, at + timedelta(hours=1), brief)
    assert c.deadlines() == {"brief-assessment": brief, "assessment": full}
    c.complete_brief_assessment(WHY, WORKER, brief + timedelta(minutes=1))  # a minute late
    assert c.deadlines() == {"assessment": full}
    with pytest.raises(RuleViolation, match="already complete"):
        c.complete_brief_assessment(WHY, WORKER, brief)
    c.complete_assessment(WHY, WORKER, full)
    assert c.missed() == {"brief-assessment": brief}


def test_an_assessment_completed_outright_is_its_brief_one_too() -> None:
    c = contact()
    at = c.received_at
    c.rate(Rag.AMBER, SCALES.rag_due(Rag.AMBER, at), None, WORKER, at)
    brief, full = SCALES.brief_assessment_due(at), SCALES.assessment_due(at)
    c.decide(LevelOfNeed.CHILD_IN_NEED, Outcome.ASSESSMENT, WHY, WHY, None, full, [], None,
             WORKER, at, brief)
    c.complete_assessment(WHY, WORKER, brief)
    assert c.brief_assessment_done_at == brief
    assert c.deadlines() == {}
    assert c.missed() == {}
    with pytest.raises(RuleViolation, match="already complete"):
        c.complete_brief_assessment(WHY, WORKER, brief)


def test_no_brief_assessment_without_an_assessment() -> None:
    c = contact()
    at = c.received_at
    c.rate(Rag.GREEN, at, None, WORKER, at)
    # A brief deadline given with no assessment is not kept.
    c.decide(LevelOfNeed.UNIVERSAL, Outcome.NO_FURTHER_ACTION, WHY, WHY, None, None, [], None,
             WORKER, at, SCALES.brief_assessment_due(at))
    assert c.decision is not None
    assert c.decision["brief_assessment_due"] is None
    with pytest.raises(RuleViolation, match="no brief assessment"):
        c.complete_brief_assessment(WHY, WORKER, at)


def test_a_decision_stored_before_the_brief_clock_reads_without_one() -> None:
    state: dict[str, object] = {"level": "child-in-need"}
    MashContact.Decided.upcast_v1_v2(state)
    MashContact.DecisionCorrected.upcast_v1_v2(state)
    assert state["brief_assessment_due"] is None
