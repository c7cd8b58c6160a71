"""Retention: when a child's records fall due for erasure, and what pauses it."""

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from domain.access import DataClass
from domain.errors import InvalidContent


class Anchor(StrEnum):
    DATE_OF_BIRTH = "date_of_birth"
    LAST_RECORD = "last_record"


@dataclass(frozen=True)
class RetentionRule:
    data_class: DataClass
    anchor: Anchor
    years: int

    def due(self, date_of_birth: date | None, last_record: datetime) -> date | None:
        """The day the class falls due, or None when it cannot be known (no birth date)."""
        start = date_of_birth if self.anchor is Anchor.DATE_OF_BIRTH else last_record.date()
        if start is None:
            return None
        try:
            return start.replace(year=start.year + self.years)
        except ValueError:  # 29 February in a year without one
            return start.replace(year=start.year + self.years, day=28)


def parse_schedule(text: str) -> dict[DataClass, RetentionRule]:
    rules = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = [p.strip() for p in line.split(",")]
        try:
            rule = RetentionRule(DataClass(parts[0]), Anchor(parts[1]), int(parts[2]))
        except (ValueError, IndexError):
            raise InvalidContent(f"retention line {number}",
                                 "must be: data class, anchor, years") from None
        rules[rule.data_class] = rule
    return rules


def check_floors(schedule: dict[DataClass, RetentionRule],
                 floors: dict[DataClass, RetentionRule]) -> None:
    """A local schedule may keep records longer, never shorter, than the floors."""
    for data_class, floor in floors.items():
        rule = schedule.get(data_class)
        if rule is None or rule.anchor is not floor.anchor or rule.years < floor.years:
            raise InvalidContent(f"retention for {data_class.value}",
                                 f"must be at least {floor.years} years after "
                                 f"{floor.anchor.value.replace('_', ' ')}")


def due_date(schedule: dict[DataClass, RetentionRule], classes: set[DataClass],
             date_of_birth: date | None, last_record: datetime) -> tuple[date, DataClass] | None:
    """When every class held is past its date (the latest of them), and which class that is."""
    latest: tuple[date, DataClass] | None = None
    for data_class in sorted(classes | {DataClass.IDENTITY}):  # ties: the first by name
        rule = schedule.get(data_class)
        day = rule.due(date_of_birth, last_record) if rule else None
        if day is None:
            return None  # unknowable: keep
        if latest is None or day > latest[0]:
            latest = (day, data_class)
    return latest
