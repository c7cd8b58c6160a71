"""The area profile ``hub simulate`` plays: how many children live there and how often each
kind of event happens (``policies/profiles/nottingham.toml``, or any file in its format)."""

import json
import math
import tomllib
from dataclasses import dataclass, field, replace
from datetime import date
from importlib.resources import files
from pathlib import Path
from typing import Any

from hub.files import private_file
from hub.projections.board import Seeds, read_seeds
from hub.settings import SettingsError


@dataclass(frozen=True)
class Profile:
    """An area, as ``hub simulate`` needs it. See ``policies/profiles/nottingham.toml``."""

    school_days: dict[str, Any]
    name: str
    children: int
    start: date
    schools: int
    home_educated: float
    da: dict[str, Any]
    missing: dict[str, Any]
    front_door: dict[str, Any]
    sharing: dict[str, Any]
    child_protection: dict[str, Any]
    children_in_need: dict[str, Any]
    seeds: Seeds = field(default_factory=dict)

    def scaled(self, factor: float) -> "Profile":
        """A smaller (or larger) area like this one: its children, schools and the yearly
        counts given as numbers (domestic-abuse incidents, missing episodes, break-glass)
        times ``factor``; rates per 10,000 children and shares unchanged."""
        if not 0 < factor <= 10 or self.children * factor < 100:
            raise SettingsError("profile: the scale must be above 0 and at most 10, and leave "
                                "at least 100 children")
        return replace(
            self, children=round(self.children * factor),
            schools=max(1, round(self.schools * factor)),
            da={**self.da, "incidents": self.da["incidents"] * factor},
            missing={**self.missing, "episodes": self.missing["episodes"] * factor},
            sharing={**self.sharing, "break_glass": self.sharing["break_glass"] * factor})

    def per_10000(self, figure: str) -> int:
        """So many children per 10,000 (a seed figure) in this area: 0 without the seed."""
        seed = self.seeds.get(figure)
        return round(seed.value * self.children / 10_000) if seed is not None else 0


DEFAULTS: dict[str, dict[str, Any]] = {
    "domestic_abuse": {"incidents": 4817, "children": [0.55, 0.30, 0.15],
                       "dash": {"standard": 0.55, "medium": 0.30, "high": 0.15},
                       "victim_repeat": 0.35, "triage_working_hours": [1, 9],
                       "threshold": 0.25, "acknowledged": 0.92},
    "missing": {"episodes": 1436, "home_within_24_hours": 0.77, "aged_14_15": 0.43,
                "away": 0.15, "away_becomes_missing": 0.2, "repeat_child": 0.55,
                "interview_in_time": 0.63, "declined": 0.12},
    "front_door": {"referrals_per_10000": 800.6, "re_referral": 0.24,
                   "sources": {"school": 0.30, "health": 0.22, "police": 0.33,
                               "referral": 0.15},
                   "indicators": 0.04, "rag": {"red": 0.10, "amber": 0.35, "green": 0.55},
                   "rag_on_time": 0.88,
                   "outcomes": {"no-further-action": 0.38, "early-help": 0.30,
                                "assessment": 0.27, "strategy-discussion": 0.05},
                   "assessment_in_time": 0.815, "research": 0.6, "disagreement": 0.02},
    "child_protection": {"plan_after_strategy": 0.6, "conference_working_days": [10, 15],
                         "core_group_in_time": 0.95, "review_in_time": 0.99,
                         "plan_months": [3, 18], "long_plan": 0.037,
                         "long_plan_months": [24, 30], "looked_after": 0.065,
                         "care_days": [60, 1460]},
    "children_in_need": {"after_assessment": 0.4, "months": [6, 18]},
    "sharing": {"consent": 0.3, "consent_refused": 0.15, "decisions": 0.1,
                "not_to_share": 0.2, "reads": 2.0, "break_glass": 24},
}


def _share(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise SettingsError(f"profile: {where} must be a share between 0 and 1")
    return float(value)


def _rate(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise SettingsError(f"profile: {where} must be a number, 0 or more")
    return float(value)


def _weights(value: Any, where: str, known: set[str]) -> dict[str, float]:
    if not isinstance(value, dict) or not value:
        raise SettingsError(f"profile: {where} must be a table of shares")
    unknown = set(map(str, value)) - known
    if unknown:
        raise SettingsError(f"profile: {where} has unknown keys: {', '.join(sorted(unknown))} "
                            f"(known: {', '.join(sorted(known))})")
    weights = {str(k): _rate(v, f"{where}.{k}") for k, v in value.items()}
    if not math.isclose(sum(weights.values()), 1.0, abs_tol=0.011):
        raise SettingsError(f"profile: the shares in {where} must add up to 1")
    return weights


def _section(data: dict[str, Any], name: str) -> dict[str, Any]:
    given = data.get(name, {})
    if not isinstance(given, dict):
        raise SettingsError(f"profile: [{name}] must be a table")
    unknown = set(given) - set(DEFAULTS[name])  # a typo must not pass as a default
    if unknown:
        raise SettingsError(f"profile: [{name}] has unknown keys: {', '.join(sorted(unknown))}")
    merged = {**DEFAULTS[name], **given}
    for key, value in merged.items():
        where = f"{name}.{key}"
        default = DEFAULTS[name][key]
        if isinstance(default, dict):
            merged[key] = _weights(value, where, set(default))
        elif isinstance(default, list):
            if not isinstance(value, list) or len(value) != len(default):
                raise SettingsError(f"profile: {where} must be a list of {len(default)}")
            merged[key] = [_rate(v, where) for v in value]
            if not sum(merged[key]) > 0:
                raise SettingsError(f"profile: {where} must not be all zero")
        elif (isinstance(default, float) and default <= 1
              and key not in ("reads",)):
            merged[key] = _share(value, where)
        else:
            merged[key] = _rate(value, where)
    return merged


def simulated_timescales(profile: Profile, base: Path | None, out: Path) -> Path:
    """The hub's timescales (``base``, or the packaged file) with the profile's school terms,
    written to ``out`` for the simulated hub (and for serving its store afterwards)."""
    from hub.timescales import load_timescales

    text = (base.read_text() if base is not None
            else files("policies").joinpath("timescales.toml").read_text())
    data = tomllib.loads(text)
    data.setdefault("school_days", {}).update(profile.school_days)
    private_file(out).write_text(_toml(data))
    load_timescales(out)  # refuses bad term dates with the reason, before anything is stored
    return out


def _toml(data: dict[str, Any], prefix: str = "") -> str:
    """Just enough TOML for a timescales file: tables of strings, numbers and lists."""
    plain = {k: v for k, v in data.items() if not isinstance(v, dict)}
    lines = [f"{k} = {json.dumps(v, default=str)}" for k, v in plain.items()]
    text = "\n".join(lines) + ("\n" if lines else "")
    for key, value in data.items():
        if isinstance(value, dict):
            name = f"{prefix}{json.dumps(key) if not key.isidentifier() else key}"
            text += f"\n[{name}]\n" + _toml(value, f"{name}.")
    return text


def load_profile(name: str) -> Profile:
    """A packaged profile by name (``nottingham``), or a profile file by path."""
    packaged = files("policies").joinpath("profiles", f"{name}.toml")
    try:
        text = (packaged.read_text() if packaged.is_file() else Path(name).read_text())
        data = tomllib.loads(text)
    except OSError:
        raise SettingsError(f"profile: no packaged profile or file named {name!r}") from None
    except tomllib.TOMLDecodeError as error:
        raise SettingsError(f"profile: not valid TOML ({error})") from None
    except ValueError:  # not UTF-8
        raise SettingsError("profile: the file is not UTF-8 text") from None
    try:
        start = date.fromisoformat(str(data.get("start", "2026-01-05")))
    except ValueError:
        raise SettingsError("profile: start must be an ISO date") from None
    children = data.get("children")
    if isinstance(children, bool) or not isinstance(children, int) or children < 100:
        raise SettingsError("profile: children must be a whole number, at least 100")
    schools = data.get("schools", 90)
    if isinstance(schools, bool) or not isinstance(schools, int) or not 1 <= schools <= 900:
        raise SettingsError("profile: schools must be a whole number from 1 to 900")
    if not isinstance(data.get("name"), str):
        raise SettingsError("profile: name is required")
    school_days = data.get("school_days", {})
    if not isinstance(school_days, dict) or set(school_days) - {"terms", "holidays", "starts"}:
        raise SettingsError("profile: [school_days] takes terms, holidays and starts, as in "
                            "policies/timescales.toml")
    return Profile(school_days=school_days, name=data["name"], children=children, start=start,
                   schools=schools,
                   home_educated=_share(data.get("home_educated", 0.01), "home_educated"),
                   da=_section(data, "domestic_abuse"), missing=_section(data, "missing"),
                   front_door=_section(data, "front_door"), sharing=_section(data, "sharing"),
                   child_protection=_section(data, "child_protection"),
                   children_in_need=_section(data, "children_in_need"),
                   seeds=read_seeds(data.get("seeds", {})))
