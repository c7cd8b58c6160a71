"""The hub's calendars and timescales, from ``policies/timescales.toml`` (or a local copy) and
England and Wales bank holidays from the ``holidays`` library."""

import tomllib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from importlib.resources import files
from pathlib import Path
from typing import Any

import holidays

from domain.errors import DomainError
from domain.front_door import Counting, Rag, RagClock
from domain.timescales import SchoolCalendar, SchoolCalendars, WorkingCalendar
from hub.settings import SettingsError


@dataclass(frozen=True)
class FrontDoorClocks:
    rag: dict[Rag, RagClock]
    acknowledge_working_days: int = 1
    decide_working_days: int = 1
    assessment_working_days: int = 45
    re_referral_months: int = 12


DEFAULT_RAG = {Rag.RED: RagClock(4, Counting.ELAPSED), Rag.AMBER: RagClock(24, Counting.WORKING),
               Rag.GREEN: RagClock(72, Counting.ELAPSED)}


@dataclass(frozen=True)
class Timescales:
    working: WorkingCalendar
    schools: SchoolCalendars
    triage_working_hours: float
    home_education_agency: str | None
    front_door: FrontDoorClocks = FrontDoorClocks(DEFAULT_RAG)
    interview_hours: float = 72
    disagreement_stage_working_hours: float = 16

    def rag_due(self, rag: Rag, start: datetime) -> datetime:
        clock = self.front_door.rag[rag]
        if clock.counting is Counting.ELAPSED:
            return start + timedelta(hours=clock.hours)
        return self.working.add_working_hours(start, clock.hours)


def bank_holidays() -> holidays.HolidayBase:
    """England and Wales bank holidays, for any year asked about (computed on demand)."""
    return holidays.country_holidays("GB", subdiv="ENG")


def _time(raw: Any, where: str) -> time:
    try:
        return time.fromisoformat(str(raw))
    except ValueError:
        raise SettingsError(f"timescales: {where} must be a time like 08:30") from None


def _dates(raw: Any, where: str) -> frozenset[date]:
    try:
        return frozenset(date.fromisoformat(str(d)) for d in raw or [])
    except (TypeError, ValueError):
        raise SettingsError(f"timescales: {where} must be a list of ISO dates") from None


def _terms(raw: Any, where: str) -> tuple[tuple[date, date], ...]:
    terms = []
    try:
        for first, last in raw or []:
            term = (date.fromisoformat(str(first)), date.fromisoformat(str(last)))
            if term[0] > term[1]:
                raise ValueError
            terms.append(term)
    except (TypeError, ValueError):
        raise SettingsError(f"timescales: {where} must be [first, last] ISO date pairs, "
                            "first not after last") from None
    return tuple(sorted(terms))


def _school(raw: dict[str, Any], base: dict[str, Any], where: str,
            bank: holidays.HolidayBase) -> SchoolCalendar:
    return SchoolCalendar(
        bank_holidays=bank,
        terms=_terms(raw.get("terms", base.get("terms")), f"{where}.terms"),
        holidays=_dates(raw.get("holidays", base.get("holidays")), f"{where}.holidays"),
        day_starts=_time(raw.get("starts", base.get("starts", "08:30")), f"{where}.starts"))


def load_timescales(path: Path | None = None) -> Timescales:
    """The packaged timescales, or the local file named by HUB_TIMESCALES_FILE."""
    try:
        text = (path.read_text() if path is not None
                else files("policies").joinpath("timescales.toml").read_text())
        data = tomllib.loads(text)
    except OSError as error:
        raise SettingsError(f"cannot read the timescales file ({error.strerror})") from None
    except tomllib.TOMLDecodeError as error:
        raise SettingsError(f"the timescales file is not valid TOML ({error})") from None
    bank = bank_holidays()
    hours = data.get("working_hours", {})
    try:
        working = WorkingCalendar(
            bank_holidays=bank, closures=_dates(hours.get("closures"), "working_hours.closures"),
            opens=_time(hours.get("opens", "09:00"), "working_hours.opens"),
            closes=_time(hours.get("closes", "17:00"), "working_hours.closes"))
    except DomainError as error:
        raise SettingsError(f"timescales: {error}") from None
    school_days = data.get("school_days", {})
    schools = SchoolCalendars(
        default=_school(school_days, {}, "school_days", bank),
        by_school={str(urn): _school(raw, school_days, f"school_days.schools.{urn}", bank)
                   for urn, raw in school_days.get("schools", {}).items()})
    dart = data.get("dart", {})
    triage_hours = dart.get("triage_working_hours", 8)
    if not isinstance(triage_hours, int | float) or triage_hours <= 0:
        raise SettingsError("timescales: dart.triage_working_hours must be a positive number")
    encompass = data.get("encompass", {})
    missing = data.get("missing", {})
    disagreement = data.get("disagreement", {})
    return Timescales(
        working=working, schools=schools, triage_working_hours=float(triage_hours),
        home_education_agency=encompass.get("home_education_agency") or None,
        front_door=_front_door(data.get("front_door", {})),
        interview_hours=_positive(missing.get("interview_hours", 72),
                                  "missing.interview_hours"),
        disagreement_stage_working_hours=_positive(
            disagreement.get("stage_working_hours", 16), "disagreement.stage_working_hours"))


def _positive(raw: Any, where: str) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float) or raw <= 0:
        raise SettingsError(f"timescales: {where} must be a positive number")
    return float(raw)


def _whole(raw: Any, where: str) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or raw <= 0:
        raise SettingsError(f"timescales: {where} must be a positive whole number")
    return raw


def _front_door(raw: dict[str, Any]) -> FrontDoorClocks:
    rag = dict(DEFAULT_RAG)
    for name, clock in raw.get("rag", {}).items():
        try:
            colour = Rag(name)
            counting = Counting(clock.get("counting", "working"))
        except (ValueError, AttributeError):
            raise SettingsError(f"timescales: front_door.rag.{name} must be red, amber or "
                                "green, counting working or elapsed hours") from None
        rag[colour] = RagClock(_positive(clock.get("hours"), f"front_door.rag.{name}.hours"),
                               counting)
    return FrontDoorClocks(
        rag=rag,
        acknowledge_working_days=_whole(raw.get("acknowledge_working_days", 1),
                                        "front_door.acknowledge_working_days"),
        decide_working_days=_whole(raw.get("decide_working_days", 1),
                                   "front_door.decide_working_days"),
        assessment_working_days=_whole(raw.get("assessment_working_days", 45),
                                       "front_door.assessment_working_days"),
        re_referral_months=_whole(raw.get("re_referral_months", 12),
                                  "front_door.re_referral_months"))
