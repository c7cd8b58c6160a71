"""Missing episodes from police reports, return home interviews, queues and breaches, on the
hub's clock (every store)."""

import json
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest

from domain.errors import InvalidContent, RuleViolation
from hub.bootstrap import Hub
from hub.errors import NotEntitled
from hub.registry import Caller
from tests.support import Clock, child, notification, relayed, submit

FRIDAY = datetime(2026, 11, 20, 19, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> Clock:
    return Clock(FRIDAY)


def report(ref: str, type_: str, occurred_at: str, **episode: Any) -> dict[str, Any]:
    body = notification(ref, type_=type_, occurred_at=occurred_at,
                        subjects=[child("Sam", "Lowe", "2011-05-05", postcode="NG7 2AA")],
                        summary="Left the children's home after an argument.")
    if episode:
        body["details"]["episode"] = episode
    return body


def test_missing_then_found_then_the_interview(hub: Hub, people: dict[str, Caller],
                                               clock: Clock) -> None:
    team = people["missing-team"]
    receipt = submit(hub, "notts-police", report(
        "MISS-1", "missing", "2026-11-20T18:30:00Z", type="missing",
        left_at="2026-11-20T16:00:00Z", last_seen_at="2026-11-20T17:15:00Z"))
    child_id = receipt.child_ids[0]
    queue = hub.missing.queue(team)
    [now_missing] = queue["missing"]
    assert now_missing["child_id"] == str(child_id)
    assert now_missing["start"] == "2026-11-20T17:15:00+00:00"  # the later of left / seen
    assert now_missing["open"] is True
    assert queue["interviews"] == []

    clock.advance(hours=30)  # Sunday 01:00
    submit(hub, "notts-police", report("FOUND-1", "found", "2026-11-22T00:45:00Z",
                                       ended="found"))
    queue = hub.missing.queue(team)
    assert queue["missing"] == []
    [due] = queue["interviews"]
    assert due["id"] == now_missing["id"]
    assert due["interview"]["due"] == "2026-11-25T00:45:00+00:00"  # 72 hours after return
    assert due["priority"] is True  # missing more than 24 hours
    assert "interview-priority-over-24-hours" in {f["rule"] for f in due["flags"]}
    episode = UUID(due["id"])

    with pytest.raises(NotEntitled):  # a school does not run the missing team's queue
        hub.missing.queue(people["riverside-primary"])
    with pytest.raises(NotEntitled):
        hub.missing.record_interview(people["riverside-primary"], episode, "offered", None,
                                     None, None)

    hub.missing.record_interview(team, episode, "offered", None, None, None)
    clock.advance(hours=20)
    hub.missing.record_interview(team, episode, "accepted", None, None, None)
    clock.advance(hours=20)
    held = hub.missing.record_interview(team, episode, "held", None, True, None)
    assert [s["step"] for s in held["interview"]["steps"]] == ["offered", "accepted", "held"]
    assert held["interview"]["overdue"] is False
    assert hub.missing.queue(team)["interviews"] == []
    history = hub.missing.history(team, child_id)
    assert [e["id"] for e in history["episodes"]] == [str(episode)]


def test_an_interview_not_done_in_72_hours_is_a_breach(hub: Hub, people: dict[str, Caller],
                                                       clock: Clock) -> None:
    team = people["missing-team"]
    submit(hub, "notts-police", report("MISS-2", "missing", "2026-11-20T18:00:00Z"))
    clock.advance(hours=2)
    submit(hub, "notts-police", report("FOUND-2", "found", "2026-11-20T20:30:00Z",
                                       ended="returned"))
    assert hub.missing.breaches(team)["interviews"] == []
    clock.advance(hours=72)  # 72 hours after return, plus 30 minutes
    [late] = hub.missing.breaches(team)["interviews"]
    assert late["overdue_hours"] == 0.5
    assert late["ended_by"] == "returned"
    hub.missing.record_interview(
        team, UUID(late["id"]), "not-held", None, None,
        "Child placed out of area the same evening; the new authority will hold it.")
    assert hub.missing.breaches(team)["interviews"] == []


def test_away_becoming_missing_and_three_in_30_days(hub: Hub, people: dict[str, Caller],
                                                    clock: Clock) -> None:
    team = people["missing-team"]
    submit(hub, "notts-police", report("AWAY-1", "missing", "2026-11-20T18:00:00Z",
                                       type="away"))
    clock.advance(hours=3)
    receipt = submit(hub, "notts-police", report("MISS-3", "missing", "2026-11-20T21:00:00Z",
                                                 type="missing"))
    clock.advance(hours=1)
    submit(hub, "notts-police", report("FOUND-3", "found", "2026-11-20T21:50:00Z"))
    clock.advance(days=5)
    submit(hub, "notts-police", report("MISS-4", "missing", "2026-11-25T22:00:00Z"))
    episodes = hub.missing.history(team, receipt.child_ids[0])["episodes"]
    assert [(e["type"], e["ended_by"]) for e in episodes] == [
        ("missing", None), ("missing", "found"), ("away", "became-missing")]
    newest = episodes[0]
    strategy = [f for f in newest["flags"] if f["rule"] == "strategy-meeting"]
    assert strategy
    assert strategy[0]["episodes"] == [e["id"] for e in reversed(episodes)]
    assert episodes[1]["split_from"] == episodes[2]["id"]


def test_a_report_that_contradicts_the_record_is_kept_and_flagged(
        hub: Hub, people: dict[str, Caller], clock: Clock) -> None:
    """A police report is never lost to a conflict with what the hub holds: the notification
    is stored, and the missing team is asked to reconcile it."""
    submit(hub, "notts-police", report("MISS-5", "missing", "2026-11-20T18:00:00Z"))
    early = submit(hub, "notts-police", report("FOUND-5", "found", "2026-11-20T17:00:00Z"))
    queue = hub.missing.queue(people["missing-team"])
    assert len(queue["missing"]) == 1  # the episode is still open
    [conflict] = queue["to_reconcile"]
    assert conflict["report"] == str(early.id)
    assert "before the episode started" in conflict["reason"]
    with pytest.raises(NotEntitled):
        hub.missing.reconcile(people["riverside-primary"], UUID(conflict["child_id"]),
                              early.id, "Not the school's to put right.")
    hub.missing.reconcile(people["missing-team"], UUID(conflict["child_id"]), early.id,
                          "Police confirmed the found time was mistyped; episode unaffected.")
    assert hub.missing.queue(people["missing-team"])["to_reconcile"] == []
    with pytest.raises(RuleViolation, match="already reconciled"):
        hub.missing.reconcile(people["missing-team"], UUID(conflict["child_id"]), early.id,
                              "Twice by mistake.")
    body = notification("CONC-1", type_="school_concern", subjects=[child()],
                        occurred_at="2026-11-20T15:00:00Z", summary="Worried")
    body["details"]["episode"] = {"type": "away"}
    with pytest.raises(InvalidContent, match="belongs to a missing or found report"):
        submit(hub, "riverside-primary", body)


def test_the_allocated_worker_is_told_of_each_episode(hub: Hub, people: dict[str, Caller],
                                                      clock: Clock) -> None:
    first = submit(hub, "notts-police", report("MISS-6", "missing", "2026-11-20T18:00:00Z"))
    child_id = first.child_ids[0]
    worker = people["city-mash/social-worker"]
    with pytest.raises(NotEntitled):  # allocating is a manager's decision
        hub.front_door.allocate(worker, child_id, worker.user_id)
    hub.front_door.allocate(people["city-mash/team-manager"], child_id, worker.user_id)
    assert hub.missing.alerts(worker)["items"] == []  # allocated after the episode began
    clock.advance(hours=1)
    submit(hub, "notts-police", report("FOUND-6", "found", "2026-11-20T18:50:00Z"))
    clock.advance(days=2)
    submit(hub, "notts-police", report("MISS-7", "missing", "2026-11-22T19:00:00Z"))
    [alert] = hub.missing.alerts(worker)["items"]
    assert alert["informed"]["user_id"] == str(worker.user_id)
    assert alert["priority"] is True  # a second episode
    assert hub.missing.alerts(people["city-mash/team-manager"])["items"] == []

    records = relayed(hub)
    started = [v for _, _, v in records if v["event_type"] == "missing.started"]
    assert [s["allocated_worker"] for s in started] == [None, str(worker.user_id)]
    assert all(s["child_id"] == str(child_id) for s in started)
    for _, key, value in records:
        assert not any(s in json.dumps(value) + key for s in ("Sam", "Lowe", "2011-05-05",
                                                              "argument"))
