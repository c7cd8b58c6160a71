"""An instant whose UTC (or local) time falls outside the years a datetime holds is refused as
invalid content naming its field, not left to raise OverflowError (a 500). Found by the API
fuzz test (tests/security/test_fuzz_api.py): `occurred_at`, an episode's times and a child
protection event's `at` of 0001-01-01T00:00+01:00 or 9999-12-31T23:59:59-01:00."""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from domain.errors import InvalidContent
from domain.notifications import (
    DetailsSubmission,
    EpisodeReport,
    NotificationSubmission,
    NotificationType,
    SubjectRole,
    SubjectSubmission,
    validate_submission,
)
from domain.timescales import in_utc
from hub.child_protection import ChildProtection

NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
EDGES = [datetime(1, 1, 1, 0, 0, tzinfo=timezone(timedelta(hours=1))),
         datetime(1, 1, 1, 0, 0, tzinfo=UTC),  # UTC holds it; London's local mean time not
         datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=-1)))]
AMY = SubjectSubmission(SubjectRole.CHILD, "Amy", "Hart", date(2016, 4, 2))


@pytest.mark.parametrize("instant", EDGES)
def test_in_utc_refuses_an_instant_no_datetime_holds(instant: datetime) -> None:
    with pytest.raises(InvalidContent) as error:
        in_utc(instant, "at")
    assert str(error.value) == "at: is out of range"


def test_in_utc_converts_an_ordinary_instant() -> None:
    summer = datetime(2026, 7, 1, 23, 0, tzinfo=timezone(timedelta(hours=1)))
    assert in_utc(summer, "at") == datetime(2026, 7, 1, 22, 0, tzinfo=UTC)
    assert in_utc(summer, "at").tzinfo is UTC


@pytest.mark.parametrize("instant", [EDGES[0], EDGES[1]])
def test_a_notification_that_occurred_out_of_range_is_invalid(instant: datetime) -> None:
    submission = NotificationSubmission(NotificationType.POLICE_CONCERN, "R-1", instant, (AMY,))
    with pytest.raises(InvalidContent) as error:
        validate_submission(submission, NOW)
    assert error.value.field == "occurred_at"


@pytest.mark.parametrize(("episode", "name"), [
    (EpisodeReport(type="missing", left_at=EDGES[0]), "left_at"),
    (EpisodeReport(type="missing", last_seen_at=EDGES[0]), "last_seen_at")])
def test_an_episode_time_out_of_range_is_invalid(episode: EpisodeReport, name: str) -> None:
    submission = NotificationSubmission(NotificationType.MISSING, "M-1", NOW, (AMY,),
                                        DetailsSubmission(episode=episode))
    with pytest.raises(InvalidContent) as error:
        validate_submission(submission, NOW)
    assert error.value.field == f"details.episode.{name}"


@pytest.mark.parametrize("instant", EDGES)
def test_a_child_protection_event_at_out_of_range_is_invalid(instant: datetime) -> None:
    with pytest.raises(InvalidContent) as error:
        ChildProtection._when(instant, NOW)
    assert error.value.field == "at"
