"""The strategy meeting after three missing episodes in 30 days: due five working days after
the flag, on the missing team's queue, on the breach list once late, and recorded held with
the agencies taking part and an outcome code (every store)."""

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest

from domain.errors import InvalidContent, RuleViolation
from hub.bootstrap import Hub
from hub.errors import NotEntitled
from hub.registry import Caller
from tests.support import Clock, child, notification, submit

MONDAY = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
NOTE = "Agreed a safety plan with the carers and the school."


@pytest.fixture
def clock() -> Clock:
    return Clock(MONDAY)


def report(ref: str, type_: str, occurred_at: str) -> dict[str, Any]:
    return notification(ref, type_=type_, occurred_at=occurred_at,
                        subjects=[child("Sam", "Lowe", "2011-05-05", postcode="NG7 2AA")],
                        summary="Left the children's home after an argument.")


def three_episodes(hub: Hub, clock: Clock) -> UUID:
    """Episodes starting on 2, 9 and Friday 20 November: the flag on the third, at 16:59."""
    child_id = None
    for n, (day, hour) in enumerate(((2, 9), (9, 9), (20, 16)), 1):
        clock.now = datetime(2026, 11, day, hour, 59, tzinfo=UTC)
        receipt = submit(hub, "notts-police", report(
            f"MISS-{n}", "missing", clock.now.isoformat()))
        child_id = UUID(str(receipt.child_ids[0]))
        if n < 3:
            clock.advance(hours=2)
            submit(hub, "notts-police", report(f"FOUND-{n}", "found", clock.now.isoformat()))
    assert child_id is not None
    return child_id


def test_three_episodes_make_a_meeting_due_held_and_off_the_queue(
        hub: Hub, people: dict[str, Caller], clock: Clock) -> None:
    team = people["missing-team"]
    child_id = three_episodes(hub, clock)
    [meeting] = hub.missing.queue(team)["strategy_meetings"]
    assert meeting["child_id"] == str(child_id)
    assert meeting["flagged_at"] == "2026-11-20T16:59:00+00:00"
    assert meeting["due"] == "2026-11-27T16:59:00+00:00"  # five working days on
    assert len(meeting["episodes"]) == 3
    assert (meeting["overdue"], meeting["held"]) == (False, None)
    assert hub.missing.breaches(team)["strategy_meetings"] == []

    clock.now = datetime(2026, 11, 27, 17, 30, tzinfo=UTC)  # half an hour late
    [late] = hub.missing.breaches(team)["strategy_meetings"]
    assert (late["id"], late["overdue"], late["overdue_hours"]) == (meeting["id"], True, 0.5)

    with pytest.raises(NotEntitled):  # the police do not record the team's meeting
        hub.missing.hold_strategy_meeting(people["notts-police"], child_id, clock.now,
                                          ["city-health"], "safety-plan", None)
    with pytest.raises(InvalidContent, match="not registered"):
        hub.missing.hold_strategy_meeting(team, child_id, clock.now, ["no-such-agency"],
                                          "safety-plan", None)
    with pytest.raises(InvalidContent):
        hub.missing.hold_strategy_meeting(team, child_id, clock.now, ["notts-police"],
                                          "we talked about it", None)

    since = hub.audit.size()
    held = hub.missing.hold_strategy_meeting(
        team, child_id, datetime(2026, 11, 27, 15, 0, tzinfo=UTC),
        ["notts-police", "city-health"], "safety-plan", NOTE)
    assert held["held"]["participants"] == ["missing-team", "notts-police", "city-health"]
    assert (held["held"]["outcome"], held["held"]["note"]) == ("safety-plan", NOTE)
    assert held["overdue"] is False  # held before its due time
    [entry] = [e for e in hub.audit.entries(since)
               if e.action == "hold-missing-strategy-meeting"]
    assert entry.kind == "missing"
    assert child_id in entry.child_ids
    assert entry.details["outcome"] == "safety-plan"
    assert NOTE not in "".join(repr(e) for e in hub.audit.entries(0))

    assert hub.missing.queue(team)["strategy_meetings"] == []
    assert hub.missing.breaches(team)["strategy_meetings"] == []
    with pytest.raises(RuleViolation):
        hub.missing.hold_strategy_meeting(team, child_id, clock.now, ["notts-police"],
                                          "safety-plan", None)


def test_two_episodes_start_nothing(hub: Hub, people: dict[str, Caller],
                                    clock: Clock) -> None:
    for n, day in enumerate((2, 9), 1):
        clock.now = datetime(2026, 11, day, 10, 0, tzinfo=UTC)
        submit(hub, "notts-police", report(f"MISS-{n}", "missing", clock.now.isoformat()))
        clock.advance(hours=1)
        submit(hub, "notts-police", report(f"FOUND-{n}", "found", clock.now.isoformat()))
    assert hub.missing.queue(people["missing-team"])["strategy_meetings"] == []


def test_episodes_are_counted_by_the_childs_age_band(hub: Hub, clock: Clock) -> None:
    """Sam (born 5 May 2011) is 15 in November 2026: three episodes in the 14-15 band."""
    three_episodes(hub, clock)
    missing = hub.indicators.report(None, None, None)["missing"]
    assert missing["by_age_band"] == {"14-15": 3}
