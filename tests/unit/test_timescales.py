"""The timescale engine: bank holidays, a Friday-night incident, half term, clock changes."""

import re
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from domain.clocks import RAG_ORDER, Counting, FrontDoorClocks, Rag, RagClock, rag_order_problem
from domain.dart import RiskLevel
from domain.errors import InvalidContent
from domain.timescales import (
    CalendarExhausted,
    SchoolCalendar,
    WorkingCalendar,
    months_before,
)
from hub.settings import SettingsError
from hub.timescales import bank_holidays, load_timescales

BANK = bank_holidays()  # England and Wales, from the holidays library


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def test_the_library_knows_england_and_wales_bank_holidays() -> None:
    assert date(2026, 8, 31) in BANK  # late summer bank holiday
    assert date(2026, 12, 28) in BANK  # Boxing Day, observed
    assert date(2026, 9, 1) not in BANK


def test_friday_night_before_a_bank_holiday_monday_is_due_tuesday_0830() -> None:
    school = SchoolCalendar(BANK)
    incident = utc("2026-08-28T23:00:00+01:00")  # Friday, BST
    assert school.next_day_start(incident) == utc("2026-09-01T08:30:00+01:00")


def test_before_school_starts_the_same_day_counts() -> None:
    school = SchoolCalendar(BANK)
    assert school.next_day_start(utc("2026-11-24T07:00:00Z")) == utc("2026-11-24T08:30:00Z")
    assert school.next_day_start(utc("2026-11-24T08:30:00Z")) == utc("2026-11-25T08:30:00Z")


def test_half_term_week_is_skipped() -> None:
    school = SchoolCalendar(BANK, terms=((date(2026, 9, 3), date(2026, 10, 23)),
                                         (date(2026, 11, 2), date(2026, 12, 18))))
    incident = utc("2026-10-23T20:00:00+01:00")  # the Friday before half term
    assert school.next_day_start(incident) == utc("2026-11-02T08:30:00Z")
    inset = SchoolCalendar(BANK, holidays=frozenset({date(2026, 11, 2)}))
    assert inset.next_day_start(utc("2026-10-30T20:00:00Z")) == utc("2026-11-03T08:30:00Z")


def test_the_school_day_starts_at_0830_local_across_the_clock_change() -> None:
    school = SchoolCalendar(BANK)
    # Clocks go back on Sunday 25 October 2026: Friday's 08:30 is 07:30 UTC, Monday's 08:30.
    assert school.next_day_start(utc("2026-10-22T12:00:00Z")) == utc("2026-10-23T07:30:00Z")
    assert school.next_day_start(utc("2026-10-23T21:00:00Z")) == utc("2026-10-26T08:30:00Z")
    late_start = SchoolCalendar(BANK, day_starts=time(8, 50))
    assert late_start.next_day_start(utc("2026-03-27T22:00:00Z")) == utc(
        "2026-03-30T07:50:00Z")  # clocks went forward on 29 March


def test_working_hours_skip_nights_weekends_and_holidays() -> None:
    work = WorkingCalendar(BANK)
    # Friday 16:00 + 4 working hours: 1 on Friday, 3 on Tuesday (Monday a bank holiday).
    assert work.add_working_hours(utc("2026-08-28T16:00:00+01:00"), 4) == utc(
        "2026-09-01T12:00:00+01:00")
    # Out of hours counts from the next opening.
    assert work.add_working_hours(utc("2026-11-20T23:00:00Z"), 8) == utc("2026-11-23T17:00:00Z")
    assert work.add_working_days(utc("2026-11-24T10:00:00Z"), 1) == utc("2026-11-25T10:00:00Z")
    closed = WorkingCalendar(BANK, closures=frozenset({date(2026, 11, 25)}))
    assert closed.add_working_days(utc("2026-11-24T10:00:00Z"), 1) == utc(
        "2026-11-26T10:00:00Z")


def test_a_working_day_keeps_eight_hours_across_the_clock_change() -> None:
    work = WorkingCalendar(BANK)
    start = utc("2026-10-23T09:00:00+01:00")  # Friday before the clocks go back
    assert work.add_working_hours(start, 16) == utc("2026-10-26T17:00:00Z")
    assert work.working_hours_between(start, utc("2026-10-26T17:00:00Z")) == 16


def test_christmas_and_new_year() -> None:
    work = WorkingCalendar(BANK)
    # 24 Dec 2026 16:00 + 2 working hours: 25, 26 (Sat), 27, 28 (Boxing Day observed) off.
    assert work.add_working_hours(utc("2026-12-24T16:00:00Z"), 2) == utc("2026-12-29T10:00:00Z")


def test_a_calendar_with_no_school_days_is_reported_not_looped_on() -> None:
    ended = SchoolCalendar(BANK, terms=((date(2020, 1, 6), date(2020, 3, 27)),))
    with pytest.raises(CalendarExhausted):
        ended.next_day_start(utc("2026-11-24T10:00:00Z"))


def test_months_before_handles_month_ends() -> None:
    assert months_before(utc("2026-11-20T22:15:00Z"), 12) == utc("2025-11-20T22:15:00Z")
    assert months_before(utc("2028-02-29T10:00:00Z"), 12) == utc("2027-02-28T10:00:00Z")
    assert months_before(utc("2026-03-31T10:00:00Z"), 1) == utc("2026-02-28T10:00:00Z")


def test_local_timescales_file(tmp_path: Path) -> None:
    path = tmp_path / "timescales.toml"
    path.write_text('[working_hours]\nopens = "08:00"\ncloses = "16:00"\n'
                    '[school_days]\nstarts = "08:45"\n'
                    '[school_days.schools."100002"]\nstarts = "09:00"\n'
                    '[dart]\nunassessed = "high"\n'
                    '[dart.triage]\nmedium = { hours = 6 }\n'
                    '[encompass]\nhome_education_agency = "city-ehe"\n')
    loaded = load_timescales(path)
    assert loaded.working.opens == time(8, 0)
    assert loaded.schools.for_school("100001").day_starts == time(8, 45)
    assert loaded.schools.for_school("100002").day_starts == time(9, 0)
    assert loaded.triage[RiskLevel.MEDIUM] == RagClock(6, Counting.WORKING)
    assert loaded.triage_unassessed is RiskLevel.HIGH
    assert loaded.home_education_agency == "city-ehe"
    packaged = load_timescales()
    assert packaged.schools.default.day_starts == time(8, 30)
    assert packaged.home_education_agency is None


def test_a_local_file_keeps_the_packaged_values_it_leaves_out(tmp_path: Path) -> None:
    """The values are written once, in policies/timescales.toml: a local file changes what it
    names, and a RAG colour it names is replaced whole (counting working hours unless said)."""
    path = tmp_path / "timescales.toml"
    path.write_text('[front_door.rag]\nred = { hours = 2 }\n[missing]\ninterview_hours = 48\n')
    loaded, packaged = load_timescales(path), load_timescales()
    assert loaded.interview_hours == 48
    assert loaded.front_door.rag[Rag.RED] == RagClock(2, Counting.WORKING)
    assert loaded.front_door.rag[Rag.AMBER] == packaged.front_door.rag[Rag.AMBER]
    assert loaded.front_door.assessment_working_days == 45
    assert loaded.triage == packaged.triage
    assert packaged.triage == {RiskLevel.HIGH: RagClock(4, Counting.ELAPSED),
                               RiskLevel.MEDIUM: RagClock(8.5, Counting.WORKING),
                               RiskLevel.STANDARD: RagClock(25.5, Counting.WORKING)}
    assert packaged.triage_unassessed is RiskLevel.MEDIUM
    assert packaged.interview_within.total_seconds() == 72 * 3600


# The DART's triage clocks: by the risk known on arrival --------------------------------------

PACKAGED = load_timescales()


def test_high_risk_at_23_00_on_saturday_is_due_at_03_00_on_sunday() -> None:
    """High risk runs out of hours (elapsed time), like a red RAG rating."""
    saturday = utc("2026-11-21T23:00:00Z")
    assert PACKAGED.triage_due(saturday, RiskLevel.HIGH) == utc("2026-11-22T03:00:00Z")
    # Medium waits for a working day; standard for three.
    assert PACKAGED.triage_due(saturday, RiskLevel.MEDIUM) == utc("2026-11-23T17:00:00Z")
    assert PACKAGED.triage_due(saturday, RiskLevel.STANDARD) == utc("2026-11-25T17:00:00Z")
    # No DASH sent: clocked as the unassessed level (medium).
    assert PACKAGED.triage_due(saturday, None) == utc("2026-11-23T17:00:00Z")


def test_high_risk_on_christmas_eve_is_due_that_night() -> None:
    eve = utc("2026-12-24T22:30:00Z")
    assert PACKAGED.triage_due(eve, RiskLevel.HIGH) == utc("2026-12-25T02:30:00Z")
    # Christmas, Boxing Day (observed Monday 28th) and the weekend: medium waits for the 29th.
    assert PACKAGED.triage_due(eve, RiskLevel.MEDIUM) == utc("2026-12-29T17:00:00Z")


def test_high_risk_across_the_clock_change_is_four_real_hours() -> None:
    """Sunday 25 October 2026, 02:00 BST becomes 01:00 GMT: four hours are four hours."""
    before = utc("2026-10-25T00:30:00+01:00")
    due = PACKAGED.triage_due(before, RiskLevel.HIGH)
    assert (due - before).total_seconds() == 4 * 3600
    assert due == utc("2026-10-25T03:30:00+00:00")  # 03:30 GMT on the wall clock
    spring = utc("2026-03-29T00:30:00+00:00")  # 01:00 GMT becomes 02:00 BST
    assert PACKAGED.triage_due(spring, RiskLevel.HIGH) == utc("2026-03-29T05:30:00+01:00")


def test_an_amended_dash_moves_an_untriaged_clock() -> None:
    received = utc("2026-11-23T10:00:00Z")  # Monday
    standard_due = PACKAGED.triage_due(received, RiskLevel.STANDARD)
    # Raised to high an hour later: four hours from arrival, still ahead.
    assert PACKAGED.retriage_due(received, RiskLevel.STANDARD, RiskLevel.HIGH, standard_due,
                                 utc("2026-11-23T11:00:00Z")) == utc("2026-11-23T14:00:00Z")
    # Raised to high the next day: that clock ran out, so it runs from the amendment.
    assert PACKAGED.retriage_due(received, RiskLevel.STANDARD, RiskLevel.HIGH, standard_due,
                                 utc("2026-11-24T09:00:00Z")) == utc("2026-11-24T13:00:00Z")
    # Lowered: the lower level's clock from arrival.
    high_due = PACKAGED.triage_due(received, RiskLevel.HIGH)
    assert PACKAGED.retriage_due(received, RiskLevel.HIGH, RiskLevel.STANDARD, high_due,
                                 utc("2026-11-23T11:00:00Z")) == standard_due
    # The same level (another yes count): the deadline stands.
    assert PACKAGED.retriage_due(received, RiskLevel.MEDIUM, None, high_due,
                                 utc("2026-11-23T11:00:00Z")) == high_due


@pytest.mark.parametrize("triage", [
    'high = { hours = 12, counting = "elapsed" }\nmedium = { hours = 8 }',
    'medium = { hours = 30 }',  # after standard's 24
    'high = { hours = 2 }\nmedium = { hours = 4, counting = "elapsed" }',  # working, elapsed
    'standard = { hours = 8 }',  # the same as medium
])
def test_triage_clocks_out_of_order_are_refused(tmp_path: Path, triage: str) -> None:
    path = tmp_path / "timescales.toml"
    path.write_text(f"[dart.triage]\n{triage}\n")
    with pytest.raises(SettingsError, match=r"dart.triage: .* must be due before"):
        load_timescales(path)


@pytest.mark.parametrize(("text", "message"), [
    ("[dart]\ntriage_working_hours = 8\n", "replaced by a clock per risk level"),
    ('[dart]\nunassessed = "urgent"\n', "dart.unassessed must be one of"),
    ("[dart.triage]\nsevere = { hours = 1 }\n", "a clock for each of high, medium"),
    ('[dart.triage]\nhigh = { hours = 0, counting = "elapsed" }\n', "positive number"),
])
def test_triage_settings_are_checked(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "timescales.toml"
    path.write_text(text)
    with pytest.raises(SettingsError, match=message):
        load_timescales(path)


# The RAG clocks fall due in order -----------------------------------------------------------

def _sweep() -> list[datetime]:
    """Every quarter hour of the weeks around each kind of calendar edge: the clocks going
    forward (29 March 2026, Easter), the late summer bank holiday, the clocks going back (25
    October), Christmas and New Year."""
    starts = [date(2026, 3, 23), date(2026, 8, 24), date(2026, 10, 19), date(2026, 12, 21)]
    return [datetime(d.year, d.month, d.day, tzinfo=UTC) + quarter * timedelta(minutes=15)
            for d in starts for quarter in range(15 * 24 * 4)]


def test_the_packaged_rag_clocks_fall_due_in_order_from_every_start() -> None:
    scales = load_timescales()
    for start in _sweep():
        red, amber, green = (scales.rag_due(c, start) for c in RAG_ORDER)
        assert start < red < amber < green, start


def test_the_old_inverted_clocks_are_shown_falling_due_out_of_order() -> None:
    """Amber counting 24 working hours but green 72 elapsed: from Friday 16:30 green fell due
    on Monday 16:30, amber on Wednesday. What the loader now refuses."""
    rag = {Rag.RED: RagClock(4, Counting.ELAPSED), Rag.AMBER: RagClock(24, Counting.WORKING),
           Rag.GREEN: RagClock(72, Counting.ELAPSED)}
    problem = rag_order_problem(rag)
    assert problem is not None
    assert "green counts elapsed hours after amber" in problem
    friday = utc("2026-11-20T16:30:00Z")
    work = WorkingCalendar(BANK, opens=time(8, 30))
    assert friday + timedelta(hours=72) < work.add_working_hours(friday, 24)


@pytest.mark.parametrize(("rag", "message"), [
    ('red = { hours = 4, counting = "elapsed" }\n'
     'amber = { hours = 24, counting = "working" }\n'
     'green = { hours = 72, counting = "elapsed" }\n', "green counts elapsed hours after amber"),
    ('red = { hours = 4, counting = "working" }\n'
     'amber = { hours = 24, counting = "elapsed" }\n', "amber counts elapsed hours after red"),
    ('amber = { hours = 4, counting = "working" }\n', "red (4 hours) must be due sooner than "
                                                      "amber (4 hours)"),
    ('green = { hours = 20, counting = "working" }\n', "amber (24 hours) must be due sooner"),
])
def test_a_timescales_file_with_rag_clocks_out_of_order_is_refused(
        tmp_path: Path, rag: str, message: str) -> None:
    path = tmp_path / "timescales.toml"
    path.write_text("[front_door.rag]\n" + rag)
    with pytest.raises(SettingsError, match=re.escape(message)):
        load_timescales(path)


def test_clocks_in_order_by_construction_are_accepted_whatever_the_calendar() -> None:
    """Hours increasing, elapsed before working: accepted; working before a longer elapsed
    clock is refused even where it would hold for most starts (it is not provable for every
    closure a local file may list)."""
    assert rag_order_problem({Rag.RED: RagClock(1, Counting.WORKING),
                              Rag.AMBER: RagClock(2, Counting.WORKING),
                              Rag.GREEN: RagClock(3, Counting.WORKING)}) is None
    assert rag_order_problem({Rag.RED: RagClock(4, Counting.ELAPSED),
                              Rag.AMBER: RagClock(5, Counting.ELAPSED),
                              Rag.GREEN: RagClock(6, Counting.WORKING)}) is None
    assert rag_order_problem({Rag.RED: RagClock(4, Counting.WORKING),
                              Rag.AMBER: RagClock(500, Counting.ELAPSED),
                              Rag.GREEN: RagClock(600, Counting.ELAPSED)}) is not None
    assert rag_order_problem({Rag.RED: RagClock(4, Counting.ELAPSED),
                              Rag.AMBER: RagClock(24, Counting.WORKING)}) == (
        "needs a clock for green")
    with pytest.raises(InvalidContent, match=r"front_door\.rag"):
        FrontDoorClocks(rag={Rag.RED: RagClock(8, Counting.ELAPSED),
                             Rag.AMBER: RagClock(4, Counting.ELAPSED),
                             Rag.GREEN: RagClock(72, Counting.ELAPSED)},
                        acknowledge_working_days=1, decide_working_days=1,
                        assessment_working_days=45, re_referral_months=12)


@pytest.mark.parametrize(("at", "due"), [
    # The front door opens at 08:30 and closes at 17:00 (local time, GMT or BST).
    ("2026-11-23T08:29:00Z", "2026-11-23T09:30:00Z"),
    ("2026-11-23T08:30:00Z", "2026-11-23T09:30:00Z"),
    ("2026-11-23T08:31:00Z", "2026-11-23T09:31:00Z"),
    ("2026-11-23T16:00:00Z", "2026-11-23T17:00:00Z"),
    ("2026-11-23T16:59:00Z", "2026-11-24T09:29:00Z"),
    ("2026-11-23T17:00:00Z", "2026-11-24T09:30:00Z"),
    ("2026-06-22T08:29:00+01:00", "2026-06-22T09:30:00+01:00"),  # BST
    ("2026-06-22T16:59:00+01:00", "2026-06-23T09:29:00+01:00"),
])
def test_one_working_hour_at_the_front_doors_opening_and_close(at: str, due: str) -> None:
    work = load_timescales().working
    assert (work.opens, work.closes) == (time(8, 30), time(17, 0))
    assert work.hours_per_day == 8.5
    assert work.add_working_hours(utc(at), 1) == utc(due)


def test_a_bad_timescales_file_stops_the_cli_with_exit_2(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from hub.cli import main

    path = tmp_path / "timescales.toml"
    path.write_text('[front_door.rag]\ngreen = { hours = 72, counting = "elapsed" }\n')
    monkeypatch.setenv("HUB_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("HUB_STORE_URL", f"sqlite:///{tmp_path / 'hub.sqlite3'}")
    monkeypatch.setenv("HUB_TIMESCALES_FILE", str(path))
    assert main(["agencies", "add", "--id", "city-mash", "--kind", "mash", "--name", "MASH"]) == 2
    assert "green counts elapsed hours after amber" in capsys.readouterr().err
