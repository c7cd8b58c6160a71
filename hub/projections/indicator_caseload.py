"""How the events of children's social care change the counts: plans started, reviewed and
ended, and the children on a plan, looked after and in need at the end of each day.

A child is in need (the Children Act 1989, s17) while their level of need is child in need or
protection, while they are on a child protection plan, or while they are looked after; each
child is counted once. Each change of that status is counted (+1, -1) on the day it happened,
so the number at the end of any day is a sum of the days up to it; the same for the children
looked after (``indicators.Indicators.report``).
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

from domain.child_protection import ProtectionRecord
from domain.front_door import LevelOfNeed, NeedRecord
from hub.projections.indicator_state import State, _at, _day, _iso

IN_NEED_LEVELS = frozenset({LevelOfNeed.CHILD_IN_NEED.value, LevelOfNeed.PROTECTION.value})


def _child_of(s: State, record: UUID) -> str | None:
    found = s.open.get(f"record:{record}")
    return str(found["child"]) if found is not None else None


def _status(s: State, record: UUID, day: str, **change: bool) -> None:
    """A change of what makes the child in need (``level``, ``plan``, ``care``), by the record
    it happened on; the child's coming into or going out of need counted on ``day``."""
    child = _child_of(s, record)
    if child is None:
        return
    status = s.open.setdefault(f"need:{child}", {"level": False, "plan": False,
                                                 "care": False})
    before = any(status.values())
    status.update(change)
    after = any(status.values())
    if after != before:
        s.add(day, "in_need_net", 1 if after else -1)


def _record_opened(s: State, e: Any) -> None:
    """A child's level of need or protection record opened: whose it is."""
    child = getattr(e, "child_id", None) or getattr(e, "person_id", None)
    if child is not None:
        s.open[f"record:{e.originator_id}"] = {"child": str(child)}


def _stepped(s: State, e: NeedRecord.Stepped) -> None:
    _status(s, e.originator_id, _day(e.at), level=e.to in IN_NEED_LEVELS)


def _looked_after(s: State, e: ProtectionRecord.LookedAfterChanged) -> None:
    child = _child_of(s, e.originator_id)
    status = s.open.get(f"need:{child}") if child is not None else None
    if bool(status and status["care"]) != e.looked_after:
        s.add(_day(e.at), "looked_after_net", 1 if e.looked_after else -1)
    _status(s, e.originator_id, _day(e.at), care=e.looked_after)


TWO_YEARS = 730 * 24 * 3600


def _plan_started(s: State, e: ProtectionRecord.InitialConferenceHeld) -> None:
    if not e.plan:
        return
    day = _day(e.at)
    counter = s.open.setdefault(f"cp-plans:{e.originator_id}", {"n": 0})
    counter["n"] += 1
    s.add(day, "cp_plans_started")
    if counter["n"] > 1:
        s.add(day, "cp_plans_repeat")
    s.open[f"cp:{e.originator_id}"] = {"start": _iso(e.at), "due": _iso(e.review_due)}
    _status(s, e.originator_id, day, plan=True)


def _plan_closed(s: State, key: str, at: datetime) -> None:
    item = s.open.pop(key, None)
    if item is not None:
        _status(s, UUID(key.removeprefix("cp:")), _day(at), plan=False)
        s.add(_day(at), "cp_plans_ended")
        if (at - _at(item["start"])).total_seconds() > TWO_YEARS:
            s.add(_day(at), "cp_plans_over_2_years")


def _plan_reviewed(s: State, e: ProtectionRecord.ReviewHeld) -> None:
    key = f"cp:{e.originator_id}"
    item = s.open.get(key)
    if item is None:
        return
    s.add(_day(e.at), "cp_reviews")  # each review counts on its own day
    if item["due"] is not None and e.at <= _at(item["due"]):
        s.add(_day(e.at), "cp_reviews_on_time")
    if e.plan_continues:
        item["due"] = _iso(e.next_due)
    else:
        _plan_closed(s, key, e.at)


def _plan_ended(s: State, e: ProtectionRecord.PlanEnded) -> None:
    _plan_closed(s, f"cp:{e.originator_id}", e.at)


CASELOAD_HANDLERS: dict[type[Any], Callable[[State, Any], None]] = {
    NeedRecord.Opened: _record_opened, ProtectionRecord.Opened: _record_opened,
    NeedRecord.Stepped: _stepped, ProtectionRecord.LookedAfterChanged: _looked_after,
    ProtectionRecord.InitialConferenceHeld: _plan_started,
    ProtectionRecord.ReviewHeld: _plan_reviewed, ProtectionRecord.PlanEnded: _plan_ended,
}
