"""Whether a date or time an agency sends could be true.

A time must carry a time zone and fall from 1900-01-01 up to (not including) 2200-01-01 UTC;
a time at which something happened must not be in the future beyond the sender's clock skew;
a date of birth must fall from 1900-01-01 up to today; nothing happens to a person before they
are born. Each rule raises ``InvalidContent`` naming the field, never the value.

The bounds are checked on the time as written before it is converted to UTC, so that no value
(year 1 with a positive offset, year 9999 with a negative one) can overflow the calendar.
"""

from datetime import UTC, date, datetime, timedelta

from domain.errors import InvalidContent

EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)  # exclusive
EARLIEST_DATE = EARLIEST.date()
LATEST_DATE = LATEST.date()  # exclusive
# What a time as written may be, before its offset (under a day) is taken into account.
_WALL_FLOOR = EARLIEST.replace(tzinfo=None) - timedelta(days=2)
_WALL_CEILING = LATEST.replace(tzinfo=None) + timedelta(days=2)


def check_instant(value: datetime, field: str) -> datetime:
    """A time with a time zone between 1900 and 2200; returned in UTC."""
    offset = value.utcoffset() if value.tzinfo is not None else None
    if offset is None:
        raise InvalidContent(field, "must carry a time zone")
    wall = value.replace(tzinfo=None)
    if wall < _WALL_FLOOR:
        raise InvalidContent(field, f"must not be before {EARLIEST_DATE.isoformat()}")
    if wall > _WALL_CEILING:
        raise InvalidContent(field, f"must be before {LATEST_DATE.isoformat()}")
    at = value.astimezone(UTC)
    if at < EARLIEST:
        raise InvalidContent(field, f"must not be before {EARLIEST_DATE.isoformat()}")
    if at >= LATEST:
        raise InvalidContent(field, f"must be before {LATEST_DATE.isoformat()}")
    return at


def check_past(value: datetime, field: str, now: datetime, skew: timedelta) -> datetime:
    """The time something happened: plausible, and not after ``now`` (give or take ``skew``,
    the sender's clock running ahead); returned in UTC."""
    at = check_instant(value, field)
    if at > now + skew:
        raise InvalidContent(field, "must not be in the future")
    return at


def check_day(value: date, field: str) -> date:
    """A calendar day between 1900 and 2200."""
    if value < EARLIEST_DATE:
        raise InvalidContent(field, f"must not be before {EARLIEST_DATE.isoformat()}")
    if value >= LATEST_DATE:
        raise InvalidContent(field, f"must be before {LATEST_DATE.isoformat()}")
    return value


def check_date_of_birth(value: date, field: str, today: date) -> date:
    """A date of birth: not before 1900, not in the future."""
    if value < EARLIEST_DATE:
        raise InvalidContent(field, f"must not be before {EARLIEST_DATE.isoformat()}")
    if value > today:
        raise InvalidContent(field, "must not be in the future")
    return value


def check_born_by(day: date, field: str, date_of_birth: date, born_field: str) -> None:
    """Something that happened to a person on ``day`` (given as ``field``): the person was
    born by then (``date_of_birth``, given as ``born_field``)."""
    if day < date_of_birth:
        raise InvalidContent(field, f"must not be before {born_field}")
