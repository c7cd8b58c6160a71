"""Area profiles for ``hub simulate``: the packaged one loads, a bad one is refused with the
reason; synthetic NHS numbers are well formed and never real ones."""

import random
from pathlib import Path

import pytest

from domain.identifiers import normalise_nhs_number
from hub.settings import SettingsError
from simulation import load_profile, nhs_number


def test_the_packaged_profile() -> None:
    profile = load_profile("nottingham")
    assert (profile.name, profile.children) == ("Nottingham City", 63900)
    assert profile.da["incidents"] == 4817
    assert profile.missing["home_within_24_hours"] == 0.77
    assert sum(profile.front_door["outcomes"].values()) == pytest.approx(1)


@pytest.mark.parametrize(("text", "reason"), [
    ('name = "X"', "children"),
    ('name = "X"\nchildren = 5000\n[missing]\nepisodes = -3', "missing.episodes"),
    ('name = "X"\nchildren = 5000\n[missing]\nhome_within_24_hours = 1.5',
     "missing.home_within_24_hours"),
    ('name = "X"\nchildren = 5000\n[front_door]\nrag = { red = 0.5, amber = 0.1 }',
     "add up to 1"),
    ('name = "X"\nchildren = 5000\n[sharing]\nsurprise = 1', "unknown keys"),
    ('name = "X"\nchildren = 5000\nstart = "soon"', "start"),
    ('name = "X"\nchildren = 5000\n[front_door]\nsources = { school = 0.5, fax = 0.5 }',
     "unknown keys: fax"),
    ('name = "X"\nchildren = 5000\n[domestic_abuse]\nchildren = [0, 0, 0]', "all zero"),
    ("children = [", "not valid TOML"),
])
def test_a_bad_profile_is_refused_with_its_reason(tmp_path: Path, text: str,
                                                  reason: str) -> None:
    path = tmp_path / "area.toml"
    path.write_text(text)
    with pytest.raises(SettingsError, match=reason):
        load_profile(str(path))


def test_a_profile_that_is_not_there() -> None:
    with pytest.raises(SettingsError, match="no packaged profile or file"):
        load_profile("atlantis")


def test_synthetic_nhs_numbers_pass_the_check_digit_in_the_unissued_999_range() -> None:
    rng = random.Random(3)
    for _ in range(500):
        number = nhs_number(rng)
        assert number.startswith("999")
        assert normalise_nhs_number(number, "nhs_number") == number


def test_the_profiles_school_terms_become_the_simulated_hubs_calendar(tmp_path: Path) -> None:
    from datetime import date

    from hub.timescales import load_timescales
    from simulation import simulated_timescales

    profile = load_profile("nottingham")
    path = simulated_timescales(profile, None, tmp_path / "timescales.toml")
    calendar = load_timescales(path).schools.default
    assert calendar.is_school_day(date(2026, 1, 6))
    assert not calendar.is_school_day(date(2026, 1, 5))  # an INSET day
    assert not calendar.is_school_day(date(2026, 2, 18))  # half term
    assert not calendar.is_school_day(date(2026, 8, 12))  # summer
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "X"\nchildren = 5000\n[school_days]\nterms = [["2026-03-01", '
                   '"2026-01-01"]]\n')
    with pytest.raises(SettingsError, match="terms"):
        simulated_timescales(load_profile(str(bad)), None, tmp_path / "t2.toml")
