"""The clocks safeguarding runs on: working hours, working days and school days.

Deadlines are computed from the timestamps of recorded events, in local (England and Wales)
time, so a clock change never moves the start of a school day or shortens a working day. The
calendar is data: bank holidays come from the hub (which takes them from a maintained
library), local closures and school terms from configuration. Nothing here reads a clock.
"""

from collections.abc import Container, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from domain.errors import InvalidContent

LOCAL = ZoneInfo("Europe/London")
# No deadline the hub clocks is further away than this; a calendar that finds no working or
# school day in it is wrong (a term list that ends, say), and is reported, never looped on.
HORIZON_DAYS = 800


class CalendarExhausted(InvalidContent):
    """The calendar has no working (or school) day within the horizon."""

    def __init__(self, what: str) -> None:
        super().__init__("calendar", f"no {what} within {HORIZON_DAYS} days: check term dates")


def in_utc(instant: datetime, field: str) -> datetime:
    """An aware instant as UTC. Refused (naming the field) where it, or its local time, falls
    outside the years a datetime holds: 0001-01-01T00:00+01:00 is in year 0 in UTC."""
    try:
        instant.astimezone(LOCAL)
        return instant.astimezone(UTC)
    except OverflowError:
        raise InvalidContent(field, "is out of range") from None


def _local(instant: datetime) -> datetime:
    if instant.tzinfo is None:
        raise InvalidContent("time", "must carry a time zone")
    return instant.astimezone(LOCAL)


def _at(day: date, clock: time) -> datetime:
    """That local wall-clock time on that day, as an instant (UTC)."""
    return datetime.combine(day, clock, LOCAL).astimezone(UTC)


@dataclass(frozen=True)
class WorkingCalendar:
    """Working days (weekdays that are neither bank holidays nor local closures) and hours."""

    bank_holidays: Container[date]
    closures: frozenset[date] = frozenset()
    opens: time = time(9, 0)
    closes: time = time(17, 0)

    def __post_init__(self) -> None:
        if not self.opens < self.closes:
            raise InvalidContent("working_hours", "must open before they close")

    @property
    def hours_per_day(self) -> float:
        return (datetime.combine(date.min, self.closes)
                - datetime.combine(date.min, self.opens)).total_seconds() / 3600

    def is_working_day(self, day: date) -> bool:
        return (day.weekday() < 5 and day not in self.bank_holidays
                and day not in self.closures)

    def _days_from(self, day: date) -> Iterable[date]:
        for offset in range(HORIZON_DAYS):
            candidate = day + timedelta(days=offset)
            if self.is_working_day(candidate):
                yield candidate

    def add_working_hours(self, start: datetime, hours: float) -> datetime:
        """The instant ``hours`` of working time after ``start`` (time outside working hours,
        weekends, bank holidays and closures does not count)."""
        if hours < 0:
            raise InvalidContent("hours", "must not be negative")
        remaining = timedelta(hours=hours)
        local = _local(start)
        for day in self._days_from(local.date()):
            window_start = _at(day, self.opens)
            window_end = _at(day, self.closes)
            begin = max(window_start, start.astimezone(UTC))
            if begin >= window_end:
                continue
            if begin + remaining <= window_end:
                return begin + remaining
            remaining -= window_end - begin
        raise CalendarExhausted("working day")

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """``days`` working days after ``start``, counted in working hours: from 10:00 on a
        Tuesday, one working day is 10:00 on Wednesday; from 23:00 on a Friday, the close of
        the next working day."""
        return self.add_working_hours(start, days * self.hours_per_day)

    def working_hours_between(self, start: datetime, end: datetime) -> float:
        """Working time from ``start`` to ``end`` in hours (0 if ``end`` is not later)."""
        if end <= start:
            return 0.0
        total = timedelta()
        day = _local(start).date()
        last = _local(end).date()
        while day <= last:
            if self.is_working_day(day):
                begin = max(_at(day, self.opens), start.astimezone(UTC))
                finish = min(_at(day, self.closes), end.astimezone(UTC))
                if finish > begin:
                    total += finish - begin
            day += timedelta(days=1)
        return total.total_seconds() / 3600


@dataclass(frozen=True)
class SchoolCalendar:
    """When a school is open: its terms (or, without any, every working weekday), less the
    bank holidays, local closures and the school's own holidays (INSET days, say).

    ``known`` is the span of days the terms describe (a term calendar's academic years): a
    day outside it is a school day on every weekday that is not a bank holiday or a holiday,
    as if there were no terms (a notice is never held for a term the calendar does not list).
    Without it, the terms describe every day, and a calendar that has run out is reported."""

    bank_holidays: Container[date]
    terms: tuple[tuple[date, date], ...] = ()
    holidays: frozenset[date] = frozenset()
    day_starts: time = time(8, 30)
    known: tuple[date, date] | None = None

    def is_school_day(self, day: date) -> bool:
        if day.weekday() >= 5 or day in self.bank_holidays or day in self.holidays:
            return False
        if not self.terms or (self.known is not None
                              and not self.known[0] <= day <= self.known[1]):
            return True
        return any(first <= day <= last for first, last in self.terms)

    def next_day_start(self, after: datetime) -> datetime:
        """The start of the first school day that begins after ``after``: an incident at 07:00
        on a school day is due by 08:30 that day; one at 08:31, by the next school day."""
        local = _local(after)
        for offset in range(HORIZON_DAYS):
            day = local.date() + timedelta(days=offset)
            if self.is_school_day(day):
                starts = _at(day, self.day_starts)
                if starts > after.astimezone(UTC):
                    return starts
        raise CalendarExhausted("school day")

    def next_working_day_start(self, after: datetime) -> datetime:
        """The school day's start on the first weekday that is not a bank holiday, term or
        not, beginning after ``after`` (the deadline for a school with a holiday contact)."""
        return replace(self, terms=(), holidays=frozenset(), known=None).next_day_start(after)


@dataclass(frozen=True)
class SchoolCalendars:
    """The local authority's term calendar, and any school that keeps its own or another
    authority's (by URN); and the schools with a contact who reads notices in the holidays."""

    default: SchoolCalendar
    by_school: Mapping[str, SchoolCalendar] = field(default_factory=dict)
    holiday_contacts: frozenset[str] = frozenset()

    def for_school(self, urn: str | None) -> SchoolCalendar:
        return self.by_school.get(urn or "", self.default)

    def has_holiday_contact(self, urn: str | None) -> bool:
        return urn is not None and urn in self.holiday_contacts


def months_before(instant: datetime, months: int) -> datetime:
    """The same moment ``months`` calendar months earlier (29 Feb falls back to 28 Feb)."""
    return add_months(instant, -months)


def add_months(instant: datetime, months: int) -> datetime:
    """The same moment ``months`` calendar months later (31 May + 3 months is 31 August; 30
    November + 3 months is 28 or 29 February: a month without the day ends the month)."""
    year, month = divmod(instant.year * 12 + instant.month - 1 + months, 12)
    month += 1
    day = instant.day
    while True:
        try:
            return instant.replace(year=year, month=month, day=day)
        except ValueError:
            day -= 1
