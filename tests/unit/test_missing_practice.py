"""Missing children as the protocol works them: where from (home, care, education), who answers
for the interview, what a held interview learned, and the 3-in-30 rule decided again when an
episode's times are corrected, two are merged or one is split (its boundaries: exactly 30
days, the BST change)."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast
from uuid import UUID, uuid4

import pytest
from eventsourcing.application import Application
from eventsourcing.persistence import Mapper, StoredEvent

from domain.errors import InvalidContent, RuleViolation
from domain.missing import (
    EpisodeEnd,
    EpisodeType,
    InterviewStep,
    MissingRecord,
    MissingRule,
    StrategyOutcome,
)
from domain.missing_practice import (
    Counted,
    MissingFrom,
    absent_agencies,
    check_missing_from,
    placing_authority_from,
    responsible_authority,
    strategy_windows,
)
from domain.personal import Personal
from hub.settings import SettingsError
from hub.timescales import load_timescales

DUE = load_timescales().strategy_meeting_due
WITHIN = timedelta(hours=72)
WORKER = {"user_id": "w", "agency": "missing-team", "role": "missing-worker"}
T0 = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)  # a Monday


def episode(r: MissingRecord, start: datetime, hours: float = 3,
            missing_from: MissingFrom | None = None, placed: str | None = None) -> UUID:
    began = r.report_missing(uuid4(), EpisodeType.MISSING, start, uuid4(), "police", None,
                             None, missing_from, placed)
    r.report_return(uuid4(), start + timedelta(hours=hours), EpisodeEnd.FOUND, uuid4(),
                    "police", None, None, WITHIN)
    return began


def strategy_flag(r: MissingRecord, episode_id: UUID) -> list[str] | None:
    flag = next((f for f in r.episode(episode_id)["flags"]
                 if f["rule"] == MissingRule.STRATEGY_MEETING.value), None)
    return flag["episodes"] if flag else None


# Where from, and who answers for the interview ----------------------------------------------

def test_a_placing_authority_is_named_only_for_a_child_missing_from_care() -> None:
    assert check_missing_from("care", "shire-cs", "e") == (MissingFrom.CARE, "shire-cs")
    assert check_missing_from(None, None, "e") == (None, None)
    with pytest.raises(InvalidContent, match="placing_authority"):
        check_missing_from("home", "shire-cs", "e")
    with pytest.raises(InvalidContent, match="placing_authority"):
        check_missing_from(None, "shire-cs", "e")
    with pytest.raises(InvalidContent, match="missing_from"):
        check_missing_from("hospital", None, "e")


@pytest.mark.parametrize(("where", "placed", "own", "answers"), [
    ("care", "shire-cs", "city-mash", "shire-cs"),  # placed here by another authority
    ("care", "city-mash", "city-mash", None),  # the area's own child in care: its team
    ("care", "shire-cs", None, "shire-cs"),  # no own authority set: every placing one
    ("home", None, "city-mash", None),
    ("education", None, "city-mash", None),
    (None, None, None, None),  # not said
])
def test_the_placing_authority_answers_for_a_child_it_placed_from_elsewhere(
        where: str | None, placed: str | None, own: str | None, answers: str | None) -> None:
    assert responsible_authority(where, placed, own) == answers


@pytest.mark.parametrize(("kind", "taken"), [
    ("police", "shire-cs"), ("missing", "shire-cs"),  # who may say where a child was placed
    ("mash", None), ("school", None), ("health", None), ("dart", None), (None, None)])
def test_a_placing_authority_is_taken_only_from_the_police_or_the_missing_team(
        kind: str | None, taken: str | None) -> None:
    assert placing_authority_from(kind, "shire-cs") == taken
    assert placing_authority_from(kind, None) is None


@pytest.mark.parametrize(("where", "placed"), [
    (MissingFrom.HOME, None), (MissingFrom.CARE, "other-cs"), (MissingFrom.EDUCATION, None)])
def test_a_report_from_elsewhere_is_not_folded_into_the_open_episode(
        where: MissingFrom, placed: str | None) -> None:
    r = MissingRecord(child_id=uuid4())
    began = r.report_missing(uuid4(), EpisodeType.MISSING, T0, uuid4(), "police", None, None,
                             MissingFrom.CARE, "shire-cs")
    with pytest.raises(RuleViolation, match="elsewhere"):
        r.report_missing(uuid4(), EpisodeType.MISSING, T0 + timedelta(hours=1), uuid4(),
                         "police", None, None, where, placed)
    assert len(r.episode(began)["reports"]) == 1


@pytest.mark.parametrize(("where", "placed"), [
    (None, None), (MissingFrom.CARE, None), (MissingFrom.CARE, "shire-cs")])
def test_a_report_that_agrees_or_leaves_where_from_unsaid_joins_the_open_episode(
        where: MissingFrom | None, placed: str | None) -> None:
    r = MissingRecord(child_id=uuid4())
    began = r.report_missing(uuid4(), EpisodeType.MISSING, T0, uuid4(), "police", None, None,
                             MissingFrom.CARE, "shire-cs")
    joined = r.report_missing(uuid4(), EpisodeType.MISSING, T0 + timedelta(hours=1), uuid4(),
                              "police", None, None, where, placed)
    assert joined == began
    assert (r.episode(began)["missing_from"], r.episode(began)["placing_authority"]) == (
        "care", "shire-cs")


def test_episodes_from_different_places_are_never_merged() -> None:
    r = MissingRecord(child_id=uuid4())
    placed = episode(r, T0, missing_from=MissingFrom.CARE, placed="shire-cs")
    home = episode(r, T0 + timedelta(hours=5), missing_from=MissingFrom.HOME)
    unsaid = episode(r, T0 + timedelta(hours=10))
    for one, other in ((placed, home), (home, unsaid)):
        with pytest.raises(RuleViolation, match="different places"):
            r.merge_episodes(one, other, "The same night: she never came home.", WORKER,
                             T0 + timedelta(days=1))
    assert not any(e.get("merged_into") for e in r.episodes)


def test_the_72_hours_run_in_elapsed_time_across_the_clocks_going_back() -> None:
    """Back on Saturday 24 October 2026 at 20:00 BST; the clocks go back at 02:00 on Sunday:
    72 hours on is Tuesday 19:00 GMT (19:00 UTC), an hour earlier by the wall clock."""
    r = MissingRecord(child_id=uuid4())
    began = r.report_missing(uuid4(), EpisodeType.MISSING,
                             datetime(2026, 10, 24, 15, 0, tzinfo=UTC), uuid4(), "police",
                             None, None, MissingFrom.CARE, "shire-cs")
    r.report_return(uuid4(), datetime(2026, 10, 24, 19, 0, tzinfo=UTC), EpisodeEnd.FOUND,
                    uuid4(), "police", None, None, WITHIN)
    e = r.episode(began)
    assert e["interview_due"] == datetime(2026, 10, 27, 19, 0, tzinfo=UTC)
    assert (e["missing_from"], e["placing_authority"]) == ("care", "shire-cs")
    late = datetime(2026, 10, 27, 19, 0, 1, tzinfo=UTC)
    assert not MissingRecord.interview_overdue(e, late - timedelta(seconds=1))
    assert MissingRecord.interview_overdue(e, late)


def test_a_child_missing_from_education_has_no_interview_clock() -> None:
    r = MissingRecord(child_id=uuid4())
    began = episode(r, T0, missing_from=MissingFrom.EDUCATION)
    e = r.episode(began)
    assert (e["end"], e["interview_due"]) == (T0 + timedelta(hours=3), None)
    with pytest.raises(RuleViolation, match="follows a return"):
        r.record_interview(began, InterviewStep.OFFERED, T0 + timedelta(hours=4), WORKER)
    # Split, it stays without a clock: the first part ends at a return, still from school.
    r.split_episode(began, uuid4(), T0 + timedelta(hours=1), T0 + timedelta(hours=2),
                    EpisodeEnd.RETURNED, "The school saw him back at lunch.", WORKER,
                    T0 + timedelta(days=1), WITHIN)
    assert [x["interview_due"] for x in r.episodes] == [None, None]


def test_an_away_episode_becoming_missing_keeps_where_the_child_went_from() -> None:
    r = MissingRecord(child_id=uuid4())
    r.report_missing(uuid4(), EpisodeType.AWAY, T0, uuid4(), "police", None, None,
                     MissingFrom.CARE, "shire-cs")
    r.report_missing(uuid4(), EpisodeType.MISSING, T0 + timedelta(hours=2), uuid4(),
                     "police", None)
    assert [(x["type"], x["missing_from"], x["placing_authority"]) for x in r.episodes] == [
        ("away", "care", "shire-cs"), ("missing", "care", "shire-cs")]


# What the interview learned ---------------------------------------------------------------

def test_a_held_interview_seals_what_it_learned_and_codes_its_indicators() -> None:
    r = MissingRecord(child_id=uuid4())
    began = episode(r, T0)
    r.record_interview(began, InterviewStep.OFFERED, T0 + timedelta(hours=5), WORKER)
    with pytest.raises(InvalidContent, match="when it is held"):
        r.record_interview(began, InterviewStep.ACCEPTED, T0 + timedelta(hours=6), WORKER,
                           content={"whereabouts": "a flat in town"})
    with pytest.raises(InvalidContent, match="when it is held"):
        r.record_interview(began, InterviewStep.ACCEPTED, T0 + timedelta(hours=6), WORKER,
                           indicators=["county-lines"])
    with pytest.raises(InvalidContent, match="exploitation_indicators"):
        r.record_interview(began, InterviewStep.HELD, T0 + timedelta(hours=6), WORKER, True,
                           indicators=["bad company"])
    with pytest.raises(InvalidContent, match="not part"):
        r.record_interview(began, InterviewStep.HELD, T0 + timedelta(hours=6), WORKER, True,
                           content={"diagnosis": "x"})
    with pytest.raises(InvalidContent, match="whereabouts"):
        r.record_interview(began, InterviewStep.HELD, T0 + timedelta(hours=6), WORKER, True,
                           content={"whereabouts": "x" * 2001})
    r.record_interview(began, InterviewStep.HELD, T0 + timedelta(hours=6), WORKER, True,
                       content={"whereabouts": "  a flat in town ", "with_whom": None,
                                "push_factors": "rows at home"},
                       indicators=["county-lines", "substance-misuse", "county-lines"])
    [held] = r.episode(began)["interview"][1:]
    assert held["indicators"] == ["county-lines", "substance-misuse"]
    assert held["content"] == {
        "whereabouts": Personal(r.child_id, "interview_whereabouts", "a flat in town"),
        "push_factors": Personal(r.child_id, "interview_push_factors", "rows at home")}


def test_an_interview_step_recorded_before_content_loads_with_none() -> None:
    r = MissingRecord(child_id=uuid4())
    began = episode(r, T0)
    r.record_interview(began, InterviewStep.OFFERED, T0 + timedelta(hours=5), WORKER)
    mapper: Mapper[UUID] = Application[UUID]().mapper
    stored = [mapper.to_stored_event(e) for e in r.collect_events()]
    state = json.loads(stored[-1].state)
    assert (state.pop("content"), state.pop("indicators")) == (None, [])
    state.pop("class_version", None)  # version 1 stored none
    old = StoredEvent(originator_id=stored[-1].originator_id,
                      originator_version=stored[-1].originator_version,
                      topic=stored[-1].topic, state=json.dumps(state).encode())
    event = mapper.to_domain_event(old)
    assert isinstance(event, MissingRecord.InterviewRecorded)
    assert (event.content, event.indicators) == (None, [])
    rebuilt = None
    for e in [*(mapper.to_domain_event(s) for s in stored[:-1]), event]:
        rebuilt = cast(Any, e).mutate(rebuilt)
    assert isinstance(rebuilt, MissingRecord)
    assert rebuilt.episode(began)["interview"][0]["content"] is None
    assert rebuilt.episode(began)["missing_from"] is None  # v2 and v3 both stored it


def test_a_meeting_held_before_absent_agencies_were_recorded_loads_with_none() -> None:
    assert absent_agencies(["missing", "police", "health"]) == []
    assert absent_agencies(["missing", "police"]) == ["health"]
    assert absent_agencies(["school", "dart"]) == ["social-care", "police", "health"]
    assert MissingRecord.StrategyMeetingHeld.class_version == 2
    state: dict[str, object] = {}
    MissingRecord.StrategyMeetingHeld.upcast_v1_v2(state)
    assert state == {"absent": None}


# The 3-in-30 rule, decided again ----------------------------------------------------------

def test_the_window_holds_exactly_30_days_and_not_a_second_more() -> None:
    a, b, c = uuid4(), uuid4(), uuid4()
    window = timedelta(days=30)
    inside = strategy_windows([Counted(a, T0, 0), Counted(b, T0 + timedelta(days=10), 1),
                               Counted(c, T0 + window, 2)], window, 3)
    assert inside == {a: None, b: None, c: (a, b, c)}
    outside = strategy_windows([Counted(a, T0, 0), Counted(b, T0 + timedelta(days=10), 1),
                                Counted(c, T0 + window + timedelta(seconds=1), 2)], window, 3)
    assert outside[c] is None
    # Two starting at once: the one recorded later counts the earlier, not the reverse.
    tied = strategy_windows([Counted(a, T0, 0), Counted(b, T0, 1),
                             Counted(c, T0 + timedelta(days=1), 2)], window, 3)
    assert tied == {a: None, b: None, c: (a, b, c)}


def three(r: MissingRecord, third: datetime) -> list[UUID]:
    ids = [episode(r, T0), episode(r, T0 + timedelta(days=10)), episode(r, third)]
    r.raise_strategy_meeting(uuid4(), third + timedelta(hours=4), DUE)
    return ids


def test_corrected_times_that_take_an_episode_out_of_the_window_withdraw_the_meeting() -> None:
    r = MissingRecord(child_id=uuid4())
    first, _, third = three(r, T0 + timedelta(days=29))
    [meeting] = r.strategy_meetings
    assert strategy_flag(r, third) is not None
    at = T0 + timedelta(days=40)
    # The first episode in fact began a day and a half earlier: the third is 30.5 days on.
    r.correct_times(first, T0 - timedelta(hours=36), None, "The police log had the wrong day.",
                    WORKER, at, WITHIN)
    r.redecide_strategy_meeting(uuid4(), at, DUE)
    assert strategy_flag(r, third) is None
    assert r.pending_strategy_meeting is None
    assert meeting["withdrawn"] == at
    # Put back: the rule fires again, and a new meeting falls due from the correction.
    later = at + timedelta(hours=1)
    r.correct_times(first, T0, None, "The first log was right after all.", WORKER, later,
                    WITHIN)
    r.redecide_strategy_meeting(uuid4(), later, DUE)
    assert strategy_flag(r, third) == [str(i) for i in (first, _, third)]
    pending = r.pending_strategy_meeting
    assert pending is not None
    assert pending["id"] != meeting["id"]
    assert (pending["flagged_at"], pending["due"]) == (later, DUE(later))


def test_a_merge_that_leaves_two_episodes_withdraws_the_meeting_and_a_split_raises_one(
        ) -> None:
    r = MissingRecord(child_id=uuid4())
    first, second, third = three(r, T0 + timedelta(days=20))
    at = T0 + timedelta(days=25)
    r.merge_episodes(second, third, "One absence reported twice by two forces.", WORKER, at)
    r.redecide_strategy_meeting(uuid4(), at, DUE)
    assert r.pending_strategy_meeting is None
    assert [strategy_flag(r, i) for i in (first, second)] == [None, None]
    # Split again: three episodes in 30 days once more.
    r.split_episode(second, uuid4(), T0 + timedelta(days=10, hours=3),
                    T0 + timedelta(days=20), EpisodeEnd.RETURNED,
                    "She came home for a week in between.", WORKER, at, WITHIN)
    r.redecide_strategy_meeting(uuid4(), at, DUE)
    assert r.pending_strategy_meeting is not None
    assert len(r.pending_strategy_meeting["episodes"]) == 3


def test_a_meeting_held_stands_and_an_unchanged_rule_records_nothing() -> None:
    r = MissingRecord(child_id=uuid4())
    first, _, third = three(r, T0 + timedelta(days=20))
    before = len(r.pending_events)
    r.redecide_strategy_meeting(uuid4(), T0 + timedelta(days=21), DUE)
    assert len(r.pending_events) == before  # nothing changed: no event
    held_at = T0 + timedelta(days=22)
    r.hold_strategy_meeting(held_at, ["missing-team", "notts-police"],
                            StrategyOutcome.SAFETY_PLAN, None, WORKER, held_at, ["health"])
    [meeting] = r.strategy_meetings
    assert meeting["held"]["absent"] == ["health"]
    at = T0 + timedelta(days=40)
    r.correct_times(first, T0 - timedelta(days=15), None, "The first began earlier, it seems.",
                    WORKER, at, WITHIN)
    r.redecide_strategy_meeting(uuid4(), at, DUE)
    assert strategy_flag(r, third) is None
    assert meeting["held"] is not None
    assert meeting["withdrawn"] is None
    assert r.pending_strategy_meeting is None


@pytest.mark.parametrize(("value", "loaded"), [('""', None), ('"city-mash"', "city-mash")])
def test_the_own_authority_setting_loads(tmp_path: Path, value: str, loaded: str | None
                                         ) -> None:
    local = tmp_path / "timescales.toml"
    local.write_text(f"[missing]\nown_authority = {value}\n")
    assert load_timescales(local).missing_own_authority == loaded
    assert load_timescales().missing_own_authority is None  # packaged: not set


@pytest.mark.parametrize("value", ['"City MASH"', "5", '"-city"'])
def test_a_bad_own_authority_is_refused_at_load(tmp_path: Path, value: str) -> None:
    local = tmp_path / "timescales.toml"
    local.write_text(f"[missing]\nown_authority = {value}\n")
    with pytest.raises(SettingsError, match=r"missing\.own_authority"):
        load_timescales(local)
