"""Seed figures in an area profile: the packaged profile names a source for each, a bad one
is refused with the figure named; a scaled area keeps its rates; the hub refuses a board
profile it cannot read."""

import re
from pathlib import Path

import pytest

from hub.bootstrap import bootstrap
from hub.projections.board import FIGURES, load_seeds, read_seeds
from hub.settings import Settings, SettingsError
from simulation import load_profile


def test_the_packaged_profile_gives_every_figure_a_seed_and_its_source() -> None:
    profile = load_profile("nottingham")
    assert set(profile.seeds) == {key for key, *_ in FIGURES}
    assert profile.seeds["referrals_per_10000"].value == 800.6
    assert profile.seeds["on_a_plan_per_10000"].value == 81.4
    assert profile.seeds["looked_after_per_10000"].value == 91.3
    assert profile.seeds["children_in_need_per_10000"].value == 415
    assert all(seed.source for seed in profile.seeds.values())
    assert load_seeds("nottingham") == profile.seeds
    assert load_seeds("") is None
    # 81.4 children on a plan per 10,000 of 63,900: 520, as the board paper counted.
    assert profile.per_10000("on_a_plan_per_10000") == 520


@pytest.mark.parametrize(("table", "reason"), [
    ({"referrals": {"value": 1, "source": "x"}}, "unknown figures: referrals"),
    ({"re_referrals": {"value": 24, "source": "x"}}, "share between 0 and 1"),
    ({"on_a_plan_per_10000": {"value": -1, "source": "x"}}, "a number, 0 or more"),
    ({"on_a_plan_per_10000": {"value": True, "source": "x"}}, "a number, 0 or more"),
    ({"on_a_plan_per_10000": {"value": 81.4, "source": " "}}, "name where the figure"),
    ({"on_a_plan_per_10000": {"value": 81.4}}, "takes a value and a source"),
    ({"on_a_plan_per_10000": 81.4}, "takes a value and a source"),
    ([], "[seeds] must be a table"),
])
def test_a_bad_seed_is_refused_naming_it(table: object, reason: str) -> None:
    with pytest.raises(SettingsError, match=re.escape(reason)):
        read_seeds(table)


def test_a_bad_seed_in_a_profile_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "area.toml"
    path.write_text('name = "X"\nchildren = 5000\n[seeds.cp_reviews_on_time]\n'
                    'value = 99\nsource = "Somewhere"\n')
    with pytest.raises(SettingsError, match=r"seeds\.cp_reviews_on_time\.value"):
        load_profile(str(path))
    with pytest.raises(SettingsError, match=r"seeds\.cp_reviews_on_time\.value"):
        load_seeds(str(path))


def test_a_scaled_area_keeps_its_rates_and_shares() -> None:
    profile = load_profile("nottingham")
    quarter = profile.scaled(0.25)
    assert quarter.children == 15975
    assert quarter.da["incidents"] == pytest.approx(4817 / 4)
    assert quarter.missing["episodes"] == pytest.approx(1436 / 4)
    assert quarter.front_door == profile.front_door  # per 10,000, and shares
    assert quarter.seeds == profile.seeds
    assert quarter.per_10000("on_a_plan_per_10000") == 130
    for bad in (0, -1, 11, 0.001):
        with pytest.raises(SettingsError, match="scale"):
            profile.scaled(bad)


def test_the_hub_refuses_a_board_profile_it_cannot_read(tmp_path: Path) -> None:
    settings = Settings(store_url="memory://", home=tmp_path, board_profile="nowhere")
    with pytest.raises(SettingsError, match="HUB_BOARD_PROFILE"):
        bootstrap(settings)
    none = bootstrap(Settings(store_url="memory://", home=tmp_path / "none",
                              board_profile=""))
    try:
        assert none.indicators.seeds is None
        assert all(f["seed"] is None for f in none.indicators.report(None, None, 100)["board"])
    finally:
        none.close()
