"""The figures a Children's Partnership Board reads, each beside the figure it is compared with.

An area profile (``policies/profiles/nottingham.toml``, or any file in its format) may give,
under ``[seeds]``, a published figure for each: its value and its source, named in words. The
indicators (``hub report``, ``GET /v1/reports/indicators``) then show each figure of the period
with that figure and the difference (the period's less the published). Shares are fractions
between 0 and 1; rates are per 10,000 children (a year, for referrals).
"""

import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

from hub.settings import SettingsError


@dataclass(frozen=True)
class Seed:
    value: float
    source: str


Seeds = dict[str, Seed]


def _rate(r: dict[str, Any]) -> float | None:
    value = r["rate"]
    return float(value) if value is not None else None


def _aged_14_15(m: dict[str, Any]) -> float | None:
    return round(m["by_age_band"].get("14-15", 0) / m["episodes"], 4) if m["episodes"] else None


# Each figure: (its key under [seeds], what it is, its unit, how the report gives it).
FIGURES: list[tuple[str, str, str, Callable[[dict[str, Any]], float | None]]] = [
    ("referrals_per_10000", "referrals to social care", "per 10,000 children a year",
     lambda r: r["front_door"]["referrals"]["per_10000_children_a_year"]),
    ("re_referrals", "re-referrals within 12 months", "share of referrals",
     lambda r: _rate(r["front_door"]["referrals"]["re_referrals_within_12_months"])),
    ("assessments_within_45_working_days", "assessments within 45 working days",
     "share of assessments completed",
     lambda r: _rate(r["front_door"]["assessments_within_45_working_days"])),
    ("children_in_need_per_10000", "children in need", "per 10,000 children, at the end",
     lambda r: r["children_in_need"]["per_10000_children"]),
    ("on_a_plan_per_10000", "on a child protection plan", "per 10,000 children, at the end",
     lambda r: r["child_protection"]["on_a_plan_per_10000_children"]),
    ("plans_over_2_years", "ended plans that lasted over 2 years", "share of plans ended",
     lambda r: _rate(r["child_protection"]["ended_plans_lasting_over_2_years"])),
    ("looked_after_per_10000", "looked after", "per 10,000 children, at the end",
     lambda r: r["looked_after"]["per_10000_children"]),
    ("cp_reviews_on_time", "child protection reviews on time", "share of reviews",
     lambda r: _rate(r["child_protection"]["reviews_on_time"])),
    ("missing_home_within_24_hours", "missing: home within 24 hours", "share of returns",
     lambda r: _rate(r["missing"]["home_within_24_hours"])),
    ("missing_aged_14_15", "missing episodes of children aged 14-15", "share of episodes",
     lambda r: _aged_14_15(r["missing"])),
]
KNOWN = {key for key, *_ in FIGURES}
SHARES = {key for key, _, unit, _ in FIGURES if unit.startswith("share")}


def read_seeds(table: Any, where: str = "profile") -> Seeds:
    """The ``[seeds]`` table of a profile, checked: each a known figure with a ``value`` (a
    share between 0 and 1, or a rate 0 or more) and a ``source`` in words."""
    if not isinstance(table, dict):
        raise SettingsError(f"{where}: [seeds] must be a table")
    unknown = set(table) - KNOWN
    if unknown:
        raise SettingsError(f"{where}: [seeds] has unknown figures: "
                            f"{', '.join(sorted(unknown))} (known: {', '.join(sorted(KNOWN))})")
    seeds: Seeds = {}
    for key, seed in table.items():
        if not isinstance(seed, dict) or set(seed) != {"value", "source"}:
            raise SettingsError(f"{where}: seeds.{key} takes a value and a source")
        value, source = seed["value"], seed["source"]
        if (isinstance(value, bool) or not isinstance(value, int | float) or value < 0
                or (key in SHARES and value > 1)):
            raise SettingsError(f"{where}: seeds.{key}.value must be "
                                + ("a share between 0 and 1" if key in SHARES
                                   else "a number, 0 or more"))
        if not isinstance(source, str) or not source.strip():
            raise SettingsError(f"{where}: seeds.{key}.source must name where the figure "
                                "comes from")
        seeds[key] = Seed(float(value), source.strip())
    return seeds


def load_seeds(name: str | None) -> Seeds | None:
    """The seed figures of a packaged profile by name (``nottingham``) or a profile file by
    path; None for none."""
    if not name:
        return None
    packaged = files("policies").joinpath("profiles", f"{name}.toml")
    try:
        text = packaged.read_text() if packaged.is_file() else Path(name).read_text()
        data = tomllib.loads(text)
    except OSError:
        raise SettingsError(f"HUB_BOARD_PROFILE: no packaged profile or file named "
                            f"{name!r}") from None
    except (tomllib.TOMLDecodeError, ValueError):
        raise SettingsError("HUB_BOARD_PROFILE: the profile is not valid TOML (UTF-8)") from None
    return read_seeds(data.get("seeds", {}), f"profile {name}")


def board_figures(report: dict[str, Any], seeds: Seeds | None) -> list[dict[str, Any]]:
    """Each figure of the report beside its seed figure: the difference is the period's less
    the seed's (null when either is missing)."""
    out = []
    for key, label, unit, get in FIGURES:
        value = get(report)
        seed = (seeds or {}).get(key)
        out.append({"figure": key, "label": label, "unit": unit, "value": value,
                    "seed": seed.value if seed else None,
                    "difference": (round(value - seed.value, 4)
                                   if seed is not None and value is not None else None),
                    "source": seed.source if seed else None})
    return out
