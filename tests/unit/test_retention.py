from datetime import UTC, date, datetime

import pytest

from domain.access import DataClass
from domain.errors import InvalidContent
from domain.retention import Anchor, RetentionRule, check_floors, due_date, parse_schedule
from hub.retention import packaged_schedule

SCHEDULE = packaged_schedule()
LAST = datetime(2030, 5, 1, tzinfo=UTC)


def test_encompass_notices_are_kept_to_the_child_s_25th_birthday() -> None:
    assert due_date(SCHEDULE, {DataClass.ENCOMPASS_NOTICE},
                    date(2016, 4, 2), LAST) == (date(2041, 4, 2), DataClass.ENCOMPASS_NOTICE)
    # Classes falling due the same day are reported the same way every time.
    assert due_date(SCHEDULE, {DataClass.ENCOMPASS_NOTICE, DataClass.EDUCATION},
                    date(2016, 4, 2), LAST) == (date(2041, 4, 2), DataClass.EDUCATION)


def test_the_longest_class_decides_and_child_protection_runs_35_years_from_the_last_record(
) -> None:
    day, data_class = due_date(SCHEDULE, {DataClass.SOCIAL_CARE, DataClass.EDUCATION},
                               date(2016, 4, 2), LAST) or (None, None)
    assert (day, data_class) == (date(2065, 5, 1), DataClass.SOCIAL_CARE)


def test_an_unknown_birth_date_keeps_everything() -> None:
    assert due_date(SCHEDULE, {DataClass.HEALTH}, None, LAST) is None


def test_29_february_falls_due_on_the_28th() -> None:
    rule = RetentionRule(DataClass.HEALTH, Anchor.DATE_OF_BIRTH, 25)
    assert rule.due(date(2012, 2, 29), LAST) == date(2037, 2, 28)


def test_a_local_schedule_may_keep_longer_never_shorter() -> None:
    longer = parse_schedule("\n".join(
        f"{c.value}, {r.anchor.value}, {r.years + 5}" for c, r in SCHEDULE.items()))
    check_floors(longer, SCHEDULE)
    shorter = {**longer, DataClass.HEALTH: RetentionRule(DataClass.HEALTH,
                                                        Anchor.DATE_OF_BIRTH, 18)}
    with pytest.raises(InvalidContent, match="health"):
        check_floors(shorter, SCHEDULE)
    with pytest.raises(InvalidContent, match="line 1"):
        parse_schedule("health, forever, 10")
