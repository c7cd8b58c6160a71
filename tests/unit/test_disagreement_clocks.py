"""An inter-agency disagreement's clocks: each stage by the risk it is held at (high in
elapsed hours, out of hours too; the others in working time), a restated risk clocking the
open stage again, the referrer's feedback after a declined referral, and the order of the
clocks proved when they load. Working hours are the front door's, 08:30 to 17:00."""

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from uuid import uuid4

import pytest

from domain.clocks import (
    DISAGREEMENT_ORDER,
    Counting,
    RagClock,
    disagreement_order_problem,
)
from domain.disagreement import Disagreement, Stage, SubjectKind
from domain.errors import InvalidContent, RuleViolation
from domain.risk import RiskLevel
from hub.settings import SettingsError
from hub.timescales import load_timescales

SCALES = load_timescales()  # the packaged clocks: high 4 elapsed hours, the others 16 working
HIGH, MEDIUM, STANDARD = RiskLevel.HIGH, RiskLevel.MEDIUM, RiskLevel.STANDARD
WORKER = {"user_id": "u1", "agency": "riverside-primary", "agency_kind": "school",
          "role": "dsl"}


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def due(at: str, risk: RiskLevel | None) -> datetime:
    return SCALES.disagreement_stage_due(utc(at), risk)


# Each stage's clock by the risk ------------------------------------------------------------

def test_high_risk_runs_out_of_hours_over_a_weekend_night() -> None:
    # Friday 16:00: high is due at 20:00 that evening, the others wait for the working week.
    assert due("2026-11-27T16:00:00Z", HIGH) == utc("2026-11-27T20:00:00Z")
    # Saturday 23:00: high is due at 03:00 on Sunday.
    assert due("2026-11-28T23:00:00Z", HIGH) == utc("2026-11-29T03:00:00Z")


def test_other_risks_count_working_hours_across_the_weekend() -> None:
    # Friday 15:00: 2 hours on Friday, 8.5 on Monday, 5.5 on Tuesday (from 08:30).
    assert due("2026-11-27T15:00:00Z", STANDARD) == utc("2026-12-01T14:00:00Z")
    assert due("2026-11-27T15:00:00Z", MEDIUM) == utc("2026-12-01T14:00:00Z")
    # Raised on Saturday: Monday and most of Tuesday.
    assert due("2026-11-28T10:00:00Z", STANDARD) == utc("2026-12-01T16:00:00Z")


def test_at_the_close_of_friday_nothing_counts_until_monday() -> None:
    assert due("2026-11-27T17:00:00Z", STANDARD) == utc("2026-12-01T16:00:00Z")
    assert due("2026-11-27T16:59:00Z", STANDARD) == utc("2026-12-01T15:59:00Z")


def test_bank_holidays_do_not_count_but_high_risk_runs_through_them() -> None:
    # Christmas Eve 16:00: an hour that day; Christmas, the weekend and Boxing Day (observed
    # on Monday 28th) do not count; 8.5 hours on the 29th, 6.5 on the 30th.
    assert due("2026-12-24T16:00:00Z", STANDARD) == utc("2026-12-30T15:00:00Z")
    assert due("2026-12-24T22:30:00Z", HIGH) == utc("2026-12-25T02:30:00Z")


def test_across_the_clock_change() -> None:
    # Sunday 25 October 2026: 02:00 BST becomes 01:00 GMT; four hours are four real hours.
    before = utc("2026-10-25T00:30:00+01:00")
    high = SCALES.disagreement_stage_due(before, HIGH)
    assert (high - before) == timedelta(hours=4)
    assert high == utc("2026-10-25T03:30:00+00:00")
    # Friday 16:00 BST: an hour that day; Monday's and Tuesday's hours are GMT's 08:30-17:00.
    assert due("2026-10-23T16:00:00+01:00", STANDARD) == utc("2026-10-27T15:00:00+00:00")
    # Spring forward (29 March 2026): elapsed hours are real, not the wall clock's.
    assert due("2026-03-29T00:30:00+00:00", HIGH) == utc("2026-03-29T05:30:00+01:00")


def test_raised_before_any_risk_was_stated_is_clocked_as_standard() -> None:
    assert due("2026-11-23T09:30:00Z", None) == due("2026-11-23T09:30:00Z", STANDARD)


def _sweep() -> list[datetime]:
    """Every half hour of the weeks around the clock changes, a bank holiday and Christmas."""
    starts = [date(2026, 3, 23), date(2026, 8, 24), date(2026, 10, 19), date(2026, 12, 21)]
    return [datetime(d.year, d.month, d.day, tzinfo=UTC) + n * timedelta(minutes=30)
            for d in starts for n in range(15 * 48)]


def test_the_packaged_clocks_never_fall_due_out_of_order() -> None:
    for start in _sweep():
        high, medium, standard = (SCALES.disagreement_stage_due(start, level)
                                  for level in DISAGREEMENT_ORDER)
        assert start < high <= medium <= standard, start


# A restated risk clocks the open stage again -----------------------------------------------

MONDAY = utc("2026-11-23T09:30:00Z")
TUESDAY_CLOSE = utc("2026-11-24T17:00:00Z")  # 16 working hours from Monday 09:30


def test_a_raised_risk_brings_the_deadline_forward_from_the_stage_start() -> None:
    at = MONDAY + timedelta(hours=1, minutes=30)  # 11:00: high from 09:30 is due 13:30
    assert SCALES.disagreement_reclocked(MONDAY, TUESDAY_CLOSE, STANDARD, HIGH, at) == \
        utc("2026-11-23T13:30:00Z")


def test_a_raised_risk_whose_clock_ran_out_already_runs_from_the_restatement() -> None:
    at = utc("2026-11-23T14:00:00Z")  # 13:30 has passed: four hours from 14:00, out of hours
    assert SCALES.disagreement_reclocked(MONDAY, TUESDAY_CLOSE, STANDARD, HIGH, at) == \
        utc("2026-11-23T18:00:00Z")


def test_a_raised_risk_never_makes_the_deadline_later() -> None:
    # Raised at standard on Friday 16:59 (due Tuesday 15:59); restated high on Tuesday 15:00:
    # four hours from then would be 19:00, later than it was: it stays at 15:59.
    since, was = utc("2026-11-27T16:59:00Z"), utc("2026-12-01T15:59:00Z")
    assert SCALES.disagreement_reclocked(since, was, STANDARD, HIGH,
                                         utc("2026-12-01T15:00:00Z")) == was


def test_a_lowered_risk_takes_its_own_clock_from_the_stage_start() -> None:
    high_due = MONDAY + timedelta(hours=4)
    assert SCALES.disagreement_reclocked(MONDAY, high_due, HIGH, STANDARD,
                                         MONDAY + timedelta(hours=1)) == TUESDAY_CLOSE


def test_the_disagreement_records_a_restated_risk_and_its_reason() -> None:
    d = Disagreement.raise_(uuid4(), SubjectKind.DART_TRIAGE, uuid4(), [uuid4()], WORKER,
                            "city-dart", "The triage missed the disclosure of a weapon.",
                            STANDARD, MONDAY, TUESDAY_CLOSE, None)
    with pytest.raises(RuleViolation, match="already held at standard"):
        d.restate_risk(STANDARD, TUESDAY_CLOSE, WORKER, "Nothing has changed at all.", MONDAY)
    with pytest.raises(InvalidContent, match="reason"):
        d.restate_risk(HIGH, MONDAY, WORKER, "no", MONDAY)
    d.restate_risk(HIGH, MONDAY + timedelta(hours=4), WORKER,
                   "The child told the teacher the father has a knife.", MONDAY)
    assert d.risk is HIGH
    assert d.stage.stage is Stage.WORKER
    assert d.stage.due == MONDAY + timedelta(hours=4)
    assert d.overdue(MONDAY + timedelta(hours=4, seconds=1))
    assert [r["previous"] for r in d.restatements] == [STANDARD]
    d.resolve("Agreed a strategy discussion today.", WORKER, MONDAY)
    with pytest.raises(RuleViolation, match="resolved"):
        d.restate_risk(MEDIUM, MONDAY, WORKER, "The risk has lessened a little now.", MONDAY)


def test_a_decision_naming_no_child_cannot_be_disagreed_with() -> None:
    with pytest.raises(RuleViolation, match="no child"):
        Disagreement.raise_(uuid4(), SubjectKind.MASH_CONTACT, uuid4(), [], WORKER, "x",
                            "The referral was declined despite a disclosure.", HIGH, MONDAY,
                            MONDAY, None)


# The referrer's feedback after a declined referral -----------------------------------------

def test_feedback_is_due_24_elapsed_hours_after_the_decision() -> None:
    assert SCALES.feedback_due(utc("2026-11-27T16:00:00Z")) == utc("2026-11-28T16:00:00Z")
    # Across the spring change: 24 real hours, 13:00 BST on the wall clock.
    assert SCALES.feedback_due(utc("2026-03-28T12:00:00Z")) == \
        utc("2026-03-29T13:00:00+01:00")
    # Christmas Eve: Christmas Day is no pause.
    assert SCALES.feedback_due(utc("2026-12-24T15:00:00Z")) == utc("2026-12-25T15:00:00Z")


# The clocks are in order when they load ----------------------------------------------------

def test_the_order_allows_equal_clocks_and_refuses_inversions() -> None:
    four, sixteen = RagClock(4, Counting.ELAPSED), RagClock(16, Counting.WORKING)
    assert disagreement_order_problem({HIGH: four, MEDIUM: sixteen, STANDARD: sixteen}) is None
    assert "must not be due after" in str(disagreement_order_problem(
        {HIGH: RagClock(20, Counting.ELAPSED), MEDIUM: sixteen, STANDARD: sixteen}))
    # Working hours above elapsed ones: over a weekend the lower risk would fall due first.
    assert "counts elapsed hours" in str(disagreement_order_problem(
        {HIGH: RagClock(4, Counting.WORKING), MEDIUM: RagClock(24, Counting.ELAPSED),
         STANDARD: RagClock(30, Counting.ELAPSED)}))
    assert "needs a clock for standard" in str(disagreement_order_problem(
        {HIGH: four, MEDIUM: sixteen}))


@pytest.mark.parametrize(("text", "message"), [
    ("[disagreement]\nstage_working_hours = 16\n", "replaced by a clock per risk level"),
    ("[disagreement.stage]\nsevere = { hours = 1 }\n", "a clock for each of high, medium"),
    ('[disagreement.stage]\nhigh = { hours = 20, counting = "elapsed" }\n',
     "high risk .* must not be due after medium"),
    ('[disagreement.stage]\nhigh = { hours = 4 }\nmedium = { hours = 8, counting = '
     '"elapsed" }\n', "counts elapsed hours after high"),
    ('[disagreement.stage]\nhigh = { hours = 4, counting = "by the moon" }\n',
     "count working or elapsed"),
    ("[disagreement]\nfeedback_hours = 0\n", "feedback_hours must be a positive number"),
])
def test_disagreement_settings_are_checked(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "timescales.toml"
    path.write_text(text)
    with pytest.raises(SettingsError, match=message):
        load_timescales(path)


def test_a_local_file_sets_its_own_clocks(tmp_path: Path) -> None:
    path = tmp_path / "timescales.toml"
    path.write_text('[disagreement]\nfeedback_hours = 12\n'
                    '[disagreement.stage]\nhigh = { hours = 2, counting = "elapsed" }\n'
                    'medium = { hours = 8.5 }\n')
    loaded = load_timescales(path)
    assert loaded.disagreement_stage[HIGH] == RagClock(2, Counting.ELAPSED)
    assert loaded.disagreement_stage[MEDIUM] == RagClock(8.5, Counting.WORKING)
    assert loaded.disagreement_stage[STANDARD] == RagClock(16, Counting.WORKING)
    assert loaded.feedback_due(MONDAY) == MONDAY + timedelta(hours=12)
