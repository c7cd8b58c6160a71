"""Operation Encompass deadlines on a local authority's term calendar: the packaged example
for the demo's authority (policies/terms/nottingham-city.toml), a school with a holiday
contact, and production's refusal to run on the example."""

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from hub.settings import SettingsError
from hub.timescales import load_timescales, missing_term_calendars

PACKAGED = load_timescales()  # the example calendar: the demo's and the tests'


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def due(at: str, urn: str | None = "100001") -> datetime:
    return PACKAGED.encompass_due(urn, utc(at))


def contact_file(tmp_path: Path, extra: str = "") -> Path:
    path = tmp_path / "timescales.toml"
    path.write_text('[school_days.schools."100002"]\nholiday_contact = true\n' + extra)
    return path


def test_an_incident_in_the_summer_holidays_is_due_the_first_day_of_the_autumn_term() -> None:
    # Friday 24 July 2026: the summer term ended on Wednesday 22 July; the autumn term opens
    # on Tuesday 1 September with two INSET days, so pupils are first in on Thursday 3rd.
    assert due("2026-07-24T21:00:00+01:00") == utc("2026-09-03T08:30:00+01:00")


def test_the_last_day_of_term_after_school_has_started() -> None:
    # Wednesday 22 July 2026, 10:00: the next school day is the autumn term's first.
    assert due("2026-07-22T10:00:00+01:00") == utc("2026-09-03T08:30:00+01:00")
    # Before school starts that day, it is due that morning.
    assert due("2026-07-22T06:00:00+01:00") == utc("2026-07-22T08:30:00+01:00")
    # Friday 18 December 2026 after school: Monday 4 January 2027 is an INSET day.
    assert due("2026-12-18T15:00:00Z") == utc("2027-01-05T08:30:00Z")


def test_the_first_day_back_counts_before_school_starts() -> None:
    assert due("2026-04-12T23:30:00+01:00") == utc("2026-04-13T08:30:00+01:00")
    assert due("2026-04-13T08:29:00+01:00") == utc("2026-04-13T08:30:00+01:00")
    assert due("2026-04-13T08:31:00+01:00") == utc("2026-04-14T08:30:00+01:00")


def test_half_term_is_a_holiday() -> None:
    # Friday 23 October 2026 after school: half term is 26-30 October.
    assert due("2026-10-23T16:00:00+01:00") == utc("2026-11-02T08:30:00Z")
    # In the middle of the February half term.
    assert due("2026-02-18T12:00:00Z") == utc("2026-02-23T08:30:00Z")


def test_a_bank_holiday_inside_term_is_not_a_school_day() -> None:
    # Early May bank holiday, Monday 4 May 2026, in the summer term.
    assert due("2026-05-01T17:00:00+01:00") == utc("2026-05-05T08:30:00+01:00")


def test_a_school_with_a_holiday_contact_is_due_the_next_working_day(tmp_path: Path) -> None:
    scales = load_timescales(contact_file(tmp_path))
    summer = utc("2026-07-24T21:00:00+01:00")  # a Friday in the summer holidays
    assert scales.encompass_due("100002", summer) == utc("2026-07-27T08:30:00+01:00")
    assert scales.encompass_due("100001", summer) == utc("2026-09-03T08:30:00+01:00")
    # Half term, and a bank holiday in the holidays (31 August 2026) is still not a working day.
    assert scales.encompass_due("100002", utc("2026-10-23T16:00:00+01:00")) == utc(
        "2026-10-26T08:30:00Z")
    assert scales.encompass_due("100002", utc("2026-08-28T16:00:00+01:00")) == utc(
        "2026-09-01T08:30:00+01:00")
    # In term it is the next school day, as for any school.
    assert scales.encompass_due("100002", utc("2026-11-24T10:00:00Z")) == utc(
        "2026-11-25T08:30:00Z")


def test_beyond_the_calendars_academic_years_every_working_weekday_counts() -> None:
    # The example covers September 2025 to August 2027; after it, no term is held back for.
    assert due("2027-09-03T10:00:00+01:00") == utc("2027-09-06T08:30:00+01:00")
    assert due("2025-07-25T10:00:00+01:00") == utc("2025-07-28T08:30:00+01:00")
    # Inside it, the summer holidays of the last year still wait for September.
    assert due("2027-07-23T10:00:00+01:00") == utc("2027-09-01T08:30:00+01:00")


def test_a_school_in_another_authority_keeps_that_authoritys_terms(tmp_path: Path) -> None:
    terms = tmp_path / "derbyshire.toml"
    terms.write_text('name = "Derbyshire"\n[[terms]]\nfirst = 2026-04-13\nlast = 2026-07-17\n'
                     '[[terms]]\nname = "Autumn 2026"\n'
                     'first = 2026-09-02\nlast = 2026-12-18\n'
                     'half_term = [2026-10-26, 2026-10-30]\n')
    path = tmp_path / "timescales.toml"
    path.write_text('[school_days.authorities.derbyshire]\nterms_file = "derbyshire.toml"\n'
                    '[school_days.schools."100002"]\nauthority = "derbyshire"\n')
    scales = load_timescales(path)
    summer = utc("2026-07-24T21:00:00+01:00")
    assert scales.encompass_due("100002", summer) == utc("2026-09-02T08:30:00+01:00")
    assert scales.encompass_due("100001", summer) == utc("2026-09-03T08:30:00+01:00")
    # Production: the demo's authority still has only the example; Derbyshire has its own.
    assert missing_term_calendars(path, ["100001", "100002"]) == ["nottingham-city"]
    assert missing_term_calendars(path, ["100002"]) == []


def test_production_needs_each_authoritys_own_calendar(tmp_path: Path) -> None:
    assert missing_term_calendars(None, ["100001"]) == ["nottingham-city"]
    assert missing_term_calendars(None, []) == []
    example = Path(__file__).parents[2] / "policies" / "terms" / "nottingham-city.toml"
    copied = tmp_path / "nottingham-city.toml"
    copied.write_text(example.read_text())
    path = tmp_path / "timescales.toml"
    path.write_text('[school_days.authorities."nottingham-city"]\n'
                    'terms_file = "nottingham-city.toml"\n')
    assert missing_term_calendars(path, ["100001"]) == ["nottingham-city"]  # still the example
    copied.write_text(example.read_text().replace("example = true", ""))
    assert missing_term_calendars(path, ["100001"]) == []
    inline = tmp_path / "inline.toml"
    inline.write_text('[school_days]\nterms = [["2026-09-03", "2026-12-18"]]\n')
    assert missing_term_calendars(inline, ["100001"]) == []


@pytest.mark.parametrize(("terms", "reason"), [
    ('[[terms]]\nfirst = 2026-09-03\nlast = 2026-07-01\n', "first and last"),
    ('[[terms]]\nfirst = 2026-09-03\nlast = 2026-12-18\nhalf_term = [2027-01-01, 2027-01-02]\n',
     "half_term"),
    ('name = "no terms"\n', "first and last"),
])
def test_a_bad_terms_file_is_refused_with_the_reason(tmp_path: Path, terms: str,
                                                    reason: str) -> None:
    (tmp_path / "t.toml").write_text(terms)
    path = tmp_path / "timescales.toml"
    path.write_text('[school_days.authorities."nottingham-city"]\nterms_file = "t.toml"\n')
    with pytest.raises(SettingsError, match=reason):
        load_timescales(path)


def test_a_bad_authority_or_holiday_contact_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "timescales.toml"
    path.write_text('[school_days]\nauthority = "../etc"\n')
    with pytest.raises(SettingsError, match="local authority's id"):
        load_timescales(path)
    path.write_text('[school_days.schools."100002"]\nholiday_contact = "yes"\n')
    with pytest.raises(SettingsError, match="holiday_contact"):
        load_timescales(path)


def test_the_example_lists_two_academic_years_of_terms() -> None:
    calendar = PACKAGED.schools.default
    assert calendar.known == (date(2025, 9, 1), date(2027, 8, 31))
    assert calendar.is_school_day(date(2026, 7, 22))
    assert not calendar.is_school_day(date(2026, 7, 23))
    assert not calendar.is_school_day(date(2026, 9, 1))  # INSET
    assert calendar.is_school_day(date(2026, 9, 3))
