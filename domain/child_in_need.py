"""Child in need plans (section 17), on their review clock.

A plan starts when social care's assessment finds the child in need, when a review
conference ends a child protection plan and steps the child down, or (at go-live) from the
local authority's caseload. It is reviewed on a local clock (``policies/timescales.toml``,
``[child_protection]``: the first review within months of the start, each later one within
months of the one before) and ends with a reason. One plan is in force at a time; each
start, review and end is an event with who and when. Nothing here is the plan's content.
"""

from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.clocks import Timescales
from domain.errors import InvalidContent, RuleViolation
from domain.records import ChildRecord


class CinStart(StrEnum):
    """How a child in need plan started."""

    ASSESSMENT = "assessment"  # social care's assessment found the child in need
    STEP_DOWN = "step-down"  # a review conference ended a child protection plan
    IMPORTED = "imported"  # in force when the hub started (the caseload import)


class CinEnd(StrEnum):
    NO_LONGER_NEEDED = "no-longer-needed"  # the plan's outcomes are met
    STEPPED_DOWN = "stepped-down"  # to early help
    STEPPED_UP = "stepped-up"  # to a child protection plan, or into care
    MOVED_AWAY = "moved-away"
    ADULTHOOD = "adulthood"
    OTHER = "other"


def cin_id(child_id: UUID) -> UUID:
    return uuid5(NAMESPACE_URL, f"/hub/child-in-need/{child_id}")


class ChildInNeedRecord(ChildRecord):
    """A child's child in need plans over time."""

    def opened(self) -> None:
        self.plans: list[dict[str, Any]] = []

    @staticmethod
    def create_id(child_id: UUID) -> UUID:
        return cin_id(child_id)

    @property
    def current_plan(self) -> dict[str, Any] | None:
        return next((p for p in reversed(self.plans) if p["ended_at"] is None), None)

    class PlanStarted(Aggregate.Event):
        class_version = 1
        plan_id: UUID
        at: datetime
        via: str
        conference_id: UUID | None  # the review conference it stepped down from
        review_due: datetime
        by: dict[str, str]

    @event(PlanStarted)
    def _start(self, plan_id: UUID, at: datetime, via: str, conference_id: UUID | None,
               review_due: datetime, by: dict[str, str]) -> None:
        self.plans.append({"id": plan_id, "started_at": at, "via": via,
                           "conference_id": conference_id, "review_due": review_due,
                           "reviews": [], "ended_at": None, "ended_because": None, "by": by,
                           "number": len(self.plans) + 1})

    def start(self, plan_id: UUID, at: datetime, via: CinStart, conference_id: UUID | None,
              timescales: Timescales, by: dict[str, str]) -> None:
        current = self.current_plan
        if current is not None:
            raise RuleViolation("a child in need plan is in force already")
        if self.plans and at < self.plans[-1]["ended_at"]:
            raise InvalidContent("at", "a plan starts after the one before ended")
        self._start(plan_id, at, via.value, conference_id,
                    timescales.cin_review_due(at, first=True), by)

    class PlanReviewed(Aggregate.Event):
        class_version = 1
        plan_id: UUID
        at: datetime
        due: datetime
        on_time: bool
        next_due: datetime
        by: dict[str, str]

    @event(PlanReviewed)
    def _review(self, plan_id: UUID, at: datetime, due: datetime, on_time: bool,
                next_due: datetime, by: dict[str, str]) -> None:
        plan = self._plan(plan_id)
        plan["reviews"].append({"at": at, "due": due, "on_time": on_time, "by": by})
        plan["review_due"] = next_due

    def review(self, at: datetime, timescales: Timescales, by: dict[str, str]) -> None:
        """A review of the plan in force, on time if by its due date; the next is due from
        it."""
        plan = self._in_force()
        last = plan["reviews"][-1]["at"] if plan["reviews"] else plan["started_at"]
        if at < last:
            raise InvalidContent("at", "a review follows the plan's start and its last review")
        due = plan["review_due"]
        self._review(plan["id"], at, due, at <= due, timescales.cin_review_due(at, first=False),
                     by)

    class PlanEnded(Aggregate.Event):
        class_version = 1
        plan_id: UUID
        at: datetime
        because: str
        by: dict[str, str]

    @event(PlanEnded)
    def _end(self, plan_id: UUID, at: datetime, because: str, by: dict[str, str]) -> None:
        self._plan(plan_id).update(ended_at=at, ended_because=because, review_due=None)

    def end(self, at: datetime, because: CinEnd, by: dict[str, str]) -> None:
        plan = self._in_force()
        if at < plan["started_at"]:
            raise InvalidContent("at", "a plan ends after it starts")
        self._end(plan["id"], at, because.value, by)

    def _in_force(self) -> dict[str, Any]:
        plan = self.current_plan
        if plan is None:
            raise RuleViolation("there is no child in need plan in force")
        return plan

    def _plan(self, plan_id: UUID) -> dict[str, Any]:
        return next(p for p in self.plans if p["id"] == plan_id)

    def overdue(self, now: datetime) -> list[dict[str, Any]]:
        """The plan in force's review, if its date has passed."""
        plan = self.current_plan
        if plan is None or now <= plan["review_due"]:
            return []
        return [{"clock": "cin-review", "due": plan["review_due"]}]
