"""The hub's calendars and timescales, from ``policies/timescales.toml`` with a local copy's
values over it (HUB_TIMESCALES_FILE), and England and Wales bank holidays from the
``holidays`` library. The values live in the TOML file only; the deadlines computed from them
are the domain's (``domain/clocks.py``)."""

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, time, timedelta
from importlib.resources import files
from pathlib import Path
from typing import Any

import holidays

from domain.clocks import (
    DISAGREEMENT_ORDER,
    TRIAGE_ORDER,
    Counting,
    FrontDoorClocks,
    ProtectionClocks,
    Rag,
    RagClock,
    Timescales,
    disagreement_order_problem,
    triage_order_broken,
)
from domain.dart import RiskLevel
from domain.errors import DomainError
from domain.timescales import SchoolCalendar, SchoolCalendars, WorkingCalendar
from hub.policy_files import overlaid, packaged_toml, read_toml
from hub.settings import SettingsError

# A local authority's id names its terms file: policies/terms/<id>.toml for the example.
_AUTHORITY_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")

__all__ = ["Timescales", "bank_holidays", "load_timescales", "missing_term_calendars"]


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


@dataclass(frozen=True)
class _TermCalendar:
    """A local authority's school calendar, and whether it is the authority's own (given in
    the local timescales file, not the packaged example)."""

    calendar: SchoolCalendar
    own: bool


def _academic_year(day: date) -> int:
    """The year the academic year holding ``day`` starts in (1 September to 31 August)."""
    return day.year if day.month >= 9 else day.year - 1


def _term_file(path: Path | None, authority: str, bank: holidays.HolidayBase,
               starts: time) -> _TermCalendar | None:
    """An authority's term dates (``policies/terms/<authority>.toml`` is the packaged
    example); None if there is no such packaged file."""
    where = f"terms file for {authority}"
    if path is None:
        resource = files("policies").joinpath("terms", f"{authority}.toml")
        if not resource.is_file():
            return None
        data = tomllib.loads(resource.read_text())
    else:
        data = read_toml(path, f"terms ({authority})")
    terms: list[tuple[date, date]] = []
    days_off: set[date] = set()
    try:
        for term in data["terms"]:
            first, last = (date.fromisoformat(str(term["first"])),
                           date.fromisoformat(str(term["last"])))
            half = [date.fromisoformat(str(d)) for d in term.get("half_term", [])]
            if first > last or (half and (len(half) != 2 or not first < half[0] <= half[1]
                                          < last)):
                raise ValueError
            terms.extend([(first, half[0] - timedelta(days=1)),
                          (half[1] + timedelta(days=1), last)] if half else [(first, last)])
            days_off.update(date.fromisoformat(str(d)) for d in term.get("inset", []))
    except (KeyError, TypeError, ValueError):
        raise SettingsError(f"timescales: the {where} must list [[terms]] with first and last "
                            "ISO dates, a half_term [first, last] inside the term, and inset "
                            "dates") from None
    if not terms:
        raise SettingsError(f"timescales: the {where} lists no terms")
    terms.sort()
    known = (date(_academic_year(terms[0][0]), 9, 1),
             date(_academic_year(terms[-1][1]) + 1, 8, 31))
    return _TermCalendar(SchoolCalendar(bank_holidays=bank, terms=tuple(terms),
                                        holidays=frozenset(days_off), day_starts=starts,
                                        known=known),
                         own=path is not None and data.get("example") is not True)


def _authority(data: dict[str, Any], authority: str, folder: Path | None,
               bank: holidays.HolidayBase) -> _TermCalendar:
    """An authority's calendar: the default authority's terms written in [school_days], else
    its terms_file, else the packaged example, else every working weekday."""
    school_days = data["school_days"]
    raw = school_days.get("authorities", {}).get(authority, {})
    starts = _time(raw.get("starts", school_days.get("starts")),
                   f"school_days.authorities.{authority}.starts")
    if authority == school_days.get("authority") and school_days.get("terms"):
        return _TermCalendar(SchoolCalendar(
            bank_holidays=bank, terms=_terms(school_days["terms"], "school_days.terms"),
            holidays=_dates(school_days.get("holidays"), "school_days.holidays"),
            day_starts=starts), own=True)
    extra = _dates(school_days.get("holidays"), "school_days.holidays")
    given = raw.get("terms_file")
    path = None if not given else Path(str(given)) if folder is None else folder / str(given)
    found = _term_file(path, authority, bank, starts)
    if found is None:
        return _TermCalendar(SchoolCalendar(bank_holidays=bank, holidays=extra,
                                            day_starts=starts), own=False)
    return _TermCalendar(replace(found.calendar, holidays=found.calendar.holidays | extra),
                         found.own)


@dataclass(frozen=True)
class _Calendars:
    schools: SchoolCalendars
    # Each authority's calendar, by id; each listed school's authority, by URN; the default.
    authorities: dict[str, _TermCalendar]
    school_authority: dict[str, str]
    own_terms: frozenset[str]  # schools that keep terms of their own
    default_authority: str


def _school_calendars(data: dict[str, Any], folder: Path | None,
                      bank: holidays.HolidayBase) -> _Calendars:
    school_days = data["school_days"]
    default = str(school_days.get("authority") or "")
    for authority in [default, *(str(raw.get("authority") or default)
                                 for raw in school_days.get("schools", {}).values())]:
        if not _AUTHORITY_ID.fullmatch(authority):
            raise SettingsError("timescales: school_days.authority (and a school's authority) "
                                "must be a local authority's id: lower-case letters, digits "
                                "and hyphens, as in policies/terms/nottingham-city.toml")
    schools: dict[str, dict[str, Any]] = {str(urn): raw for urn, raw in
                                          school_days.get("schools", {}).items()}
    named = {str(raw.get("authority") or default) for raw in schools.values()}
    authorities = {a: _authority(data, a, folder, bank) for a in named | {default}}
    by_school: dict[str, SchoolCalendar] = {}
    contacts = set()
    for urn, raw in schools.items():
        where = f"school_days.schools.{urn}"
        base = authorities[str(raw.get("authority") or default)].calendar
        if not isinstance(raw.get("holiday_contact", False), bool):
            raise SettingsError(f"timescales: {where}.holiday_contact must be true or false")
        if raw.get("holiday_contact"):
            contacts.add(urn)
        if "terms" in raw:
            base = replace(base, terms=_terms(raw["terms"], f"{where}.terms"), known=None)
        by_school[urn] = replace(
            base,
            day_starts=_time(raw["starts"], f"{where}.starts") if "starts" in raw
            else base.day_starts,
            # A school with terms of its own has its own holidays (or the [school_days] ones).
            holidays=_dates(raw.get("holidays", school_days.get("holidays")), f"{where}.holidays")
            if "holidays" in raw or "terms" in raw else base.holidays)
    return _Calendars(
        schools=SchoolCalendars(default=authorities[default].calendar, by_school=by_school,
                                holiday_contacts=frozenset(contacts)),
        authorities=authorities,
        school_authority={urn: str(raw.get("authority") or default)
                          for urn, raw in schools.items()},
        own_terms=frozenset(urn for urn, raw in schools.items() if raw.get("terms")),
        default_authority=default)


def _data(path: Path | None) -> dict[str, Any]:
    packaged = packaged_toml("timescales")
    return overlaid(packaged, read_toml(path, "timescales")) if path is not None else packaged


def missing_term_calendars(path: Path | None, school_urns: Iterable[str]) -> list[str]:
    """The local authorities that have schools among ``school_urns`` but no term calendar of
    their own (only the packaged example, or none): production refuses to start with any."""
    calendars = _school_calendars(_data(path), path.parent if path else None, bank_holidays())
    missing = {calendars.school_authority.get(urn, calendars.default_authority)
               for urn in school_urns if urn not in calendars.own_terms}
    return sorted(a for a in missing
                  if a not in calendars.authorities or not calendars.authorities[a].own)


def load_timescales(path: Path | None = None) -> Timescales:
    """The packaged timescales, with the local file named by HUB_TIMESCALES_FILE over them;
    each local authority's school terms from its terms file (the packaged example for the
    demo's authority)."""
    data = _data(path)
    bank = bank_holidays()
    hours = data["working_hours"]
    try:
        working = WorkingCalendar(
            bank_holidays=bank, closures=_dates(hours.get("closures"), "working_hours.closures"),
            opens=_time(hours["opens"], "working_hours.opens"),
            closes=_time(hours["closes"], "working_hours.closes"))
    except DomainError as error:
        raise SettingsError(f"timescales: {error}") from None
    schools = _school_calendars(data, path.parent if path else None, bank).schools
    return Timescales(
        working=working, schools=schools,
        **_dart(data["dart"]),
        home_education_agency=data["encompass"].get("home_education_agency") or None,
        front_door=_front_door(data["front_door"]),
        interview_hours=_positive(data["missing"]["interview_hours"],
                                  "missing.interview_hours"),
        **_disagreement(data["disagreement"]),
        strategy_meeting_working_days=_whole(
            data["missing"].get("strategy_meeting_working_days", 5),
            "missing.strategy_meeting_working_days"),
        protection=_protection(data.get("child_protection", {})),
        missing_own_authority=_own_authority(data["missing"].get("own_authority", "")))


def _protection(raw: Any) -> ProtectionClocks:
    """The local authority's child protection and child in need timescales (each a positive
    whole number; any left out keeps its default)."""
    if not isinstance(raw, dict):
        raise SettingsError("timescales: [child_protection] must be a table")
    known = set(ProtectionClocks.__dataclass_fields__)
    unknown = sorted(set(raw) - known)
    if unknown:
        raise SettingsError(f"timescales: child_protection.{unknown[0]} is not a setting "
                            f"(known: {', '.join(sorted(known))})")
    return ProtectionClocks(**{name: _whole(value, f"child_protection.{name}")
                               for name, value in raw.items()})


def _own_authority(raw: Any) -> str | None:
    if not isinstance(raw, str) or (raw and not _AUTHORITY_ID.fullmatch(raw)):
        raise SettingsError("timescales: missing.own_authority must be empty or a registered "
                            "agency's id (lower-case letters, digits and hyphens)")
    return raw or None


def _positive(raw: Any, where: str) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float) or raw <= 0:
        raise SettingsError(f"timescales: {where} must be a positive number")
    return float(raw)


def _whole(raw: Any, where: str) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or raw <= 0:
        raise SettingsError(f"timescales: {where} must be a positive whole number")
    return raw


def _clock(clock: Any, where: str) -> RagClock:
    try:
        counting = Counting(clock.get("counting", Counting.WORKING.value))
    except (ValueError, AttributeError):
        raise SettingsError(f"timescales: {where} must count working or elapsed "
                            "hours") from None
    return RagClock(_positive(clock.get("hours"), f"{where}.hours"), counting)


def _rag_clock(name: str, clock: Any) -> tuple[Rag, RagClock]:
    try:
        colour = Rag(name)
    except ValueError:
        raise SettingsError(f"timescales: front_door.rag.{name} must be red, amber or "
                            "green, counting working or elapsed hours") from None
    return colour, _clock(clock, f"front_door.rag.{name}")


def _dart(raw: dict[str, Any]) -> dict[str, Any]:
    """The DART's triage clock for each risk level, high before medium before standard (a
    file that orders them otherwise is refused), and the level of an incident sent without
    a DASH."""
    if "triage_working_hours" in raw:
        raise SettingsError("timescales: dart.triage_working_hours is replaced by a clock per "
                            "risk level: [dart.triage] high, medium and standard")
    levels = raw.get("triage")
    names = ", ".join(level.value for level in TRIAGE_ORDER)
    if not isinstance(levels, dict) or set(levels) != {level.value for level in TRIAGE_ORDER}:
        raise SettingsError(f"timescales: dart.triage must give a clock for each of {names}")
    clocks = {level: _clock(levels[level.value], f"dart.triage.{level.value}")
              for level in TRIAGE_ORDER}
    broken = triage_order_broken(clocks)
    if broken is not None:
        raise SettingsError(f"timescales: dart.triage: {broken}")
    try:
        unassessed = RiskLevel(str(raw.get("unassessed")))
    except ValueError:
        raise SettingsError(f"timescales: dart.unassessed must be one of {names}") from None
    return {"triage": clocks, "triage_unassessed": unassessed}


def _disagreement(raw: dict[str, Any]) -> dict[str, Any]:
    """A disagreement's stage clock for each risk it can be raised at (high not after medium,
    medium not after standard: a file that orders them otherwise is refused), and the
    referrer's feedback clock after a declined referral."""
    if "stage_working_hours" in raw:
        raise SettingsError("timescales: disagreement.stage_working_hours is replaced by a "
                            "clock per risk level: [disagreement.stage] high, medium and "
                            "standard")
    levels = raw.get("stage")
    names = ", ".join(level.value for level in DISAGREEMENT_ORDER)
    if not isinstance(levels, dict) or set(levels) != {lv.value for lv in DISAGREEMENT_ORDER}:
        raise SettingsError(f"timescales: disagreement.stage must give a clock for each of "
                            f"{names}")
    clocks = {level: _clock(levels[level.value], f"disagreement.stage.{level.value}")
              for level in DISAGREEMENT_ORDER}
    problem = disagreement_order_problem(clocks)
    if problem is not None:
        raise SettingsError(f"timescales: disagreement.stage: {problem}")
    return {"disagreement_stage": clocks,
            "disagreement_feedback_hours": _positive(raw.get("feedback_hours"),
                                                     "disagreement.feedback_hours")}


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
