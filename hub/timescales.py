"""The hub's calendars and timescales, from ``policies/timescales.toml`` with a local copy's
values over it (HUB_TIMESCALES_FILE), and England and Wales bank holidays from the
``holidays`` library. The values live in the TOML file only; the deadlines computed from them
are the domain's (``domain/clocks.py``)."""

from datetime import date, time
from pathlib import Path
from typing import Any

import holidays

from domain.clocks import Counting, FrontDoorClocks, Rag, RagClock, Timescales
from domain.errors import DomainError
from domain.timescales import SchoolCalendar, SchoolCalendars, WorkingCalendar
from hub.policy_files import overlaid, packaged_toml, read_toml
from hub.settings import SettingsError

__all__ = ["Timescales", "bank_holidays", "load_timescales"]


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
        day_starts=_time(raw.get("starts", base.get("starts")), f"{where}.starts"))


def load_timescales(path: Path | None = None) -> Timescales:
    """The packaged timescales, with the local file named by HUB_TIMESCALES_FILE over them."""
    packaged = packaged_toml("timescales")
    data = overlaid(packaged, read_toml(path, "timescales")) if path is not None else packaged
    bank = bank_holidays()
    hours = data["working_hours"]
    try:
        working = WorkingCalendar(
            bank_holidays=bank, closures=_dates(hours.get("closures"), "working_hours.closures"),
            opens=_time(hours["opens"], "working_hours.opens"),
            closes=_time(hours["closes"], "working_hours.closes"))
    except DomainError as error:
        raise SettingsError(f"timescales: {error}") from None
    school_days = data["school_days"]
    schools = SchoolCalendars(
        default=_school(school_days, {}, "school_days", bank),
        by_school={str(urn): _school(raw, school_days, f"school_days.schools.{urn}", bank)
                   for urn, raw in school_days.get("schools", {}).items()})
    return Timescales(
        working=working, schools=schools,
        triage_working_hours=_positive(data["dart"]["triage_working_hours"],
                                       "dart.triage_working_hours"),
        home_education_agency=data["encompass"].get("home_education_agency") or None,
        front_door=_front_door(data["front_door"]),
        interview_hours=_positive(data["missing"]["interview_hours"],
                                  "missing.interview_hours"),
        disagreement_stage_working_hours=_positive(
            data["disagreement"]["stage_working_hours"], "disagreement.stage_working_hours"))


def _positive(raw: Any, where: str) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float) or raw <= 0:
        raise SettingsError(f"timescales: {where} must be a positive number")
    return float(raw)


def _whole(raw: Any, where: str) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or raw <= 0:
        raise SettingsError(f"timescales: {where} must be a positive whole number")
    return raw


def _rag_clock(name: str, clock: Any) -> tuple[Rag, RagClock]:
    try:
        colour = Rag(name)
        counting = Counting(clock.get("counting", Counting.WORKING.value))
    except (ValueError, AttributeError):
        raise SettingsError(f"timescales: front_door.rag.{name} must be red, amber or "
                            "green, counting working or elapsed hours") from None
    return colour, RagClock(_positive(clock.get("hours"), f"front_door.rag.{name}.hours"),
                            counting)


def _front_door(raw: dict[str, Any]) -> FrontDoorClocks:
    def whole(name: str) -> int:
        return _whole(raw[name], f"front_door.{name}")

    try:
        clocks = FrontDoorClocks(
            rag=dict(_rag_clock(name, clock) for name, clock in raw["rag"].items()),
            acknowledge_working_days=whole("acknowledge_working_days"),
            decide_working_days=whole("decide_working_days"),
            assessment_working_days=whole("assessment_working_days"),
            re_referral_months=whole("re_referral_months"),
            brief_assessment_working_days=whole("brief_assessment_working_days"))
    except DomainError as error:  # the RAG clocks could fall due out of order
        raise SettingsError(f"timescales: {error}") from None
    if not clocks.brief_assessment_working_days < clocks.assessment_working_days:
        raise SettingsError("timescales: front_door.brief_assessment_working_days must be "
                            "fewer than assessment_working_days")
    return clocks
