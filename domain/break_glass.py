"""Emergency ("break-glass") access: allowed, flagged, alerted, and reviewed afterwards."""

from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain import text
from domain.errors import RuleViolation
from domain.personal import Personal


class ReviewOutcome(StrEnum):
    JUSTIFIED = "justified"
    NOT_JUSTIFIED = "not-justified"


class BreakGlassAccess(Aggregate):
    """One emergency access to a child's records, awaiting review."""

    class Opened(Aggregate.Created):
        class_version = 1
        child_id: UUID
        actor: dict[str, str]
        purpose: str
        reason: Personal
        records: list[str]
        owners: list[str]
        opened_at: datetime

    @event(Opened)
    def __init__(self, id: UUID, child_id: UUID, actor: dict[str, str], purpose: str,
                 reason: Personal, records: list[str], owners: list[str],
                 opened_at: datetime) -> None:
        self.child_id = child_id
        self.actor = actor
        self.purpose = purpose
        self.reason = reason
        self.records = records
        self.owners = owners
        self.opened_at = opened_at
        self.review: dict[str, Any] | None = None

    @classmethod
    def open(cls, id: UUID, child_id: UUID, actor: dict[str, str], purpose: str,
             reason: str, records: list[str], owners: list[str],
             at: datetime) -> "BreakGlassAccess":
        why = text.reason(reason, "X-Break-Glass", most=None,
                          short="the emergency reason must be a sentence")
        return cls(id=id, child_id=child_id, actor=actor, purpose=purpose,
                   reason=Personal(child_id, "break_glass_reason", why),
                   records=records, owners=owners, opened_at=at)

    class Reviewed(Aggregate.Event):
        class_version = 1
        outcome: str
        notes: Personal
        reviewed_by: dict[str, str]
        reviewed_at: datetime

    @event(Reviewed)
    def _review(self, outcome: str, notes: Personal, reviewed_by: dict[str, str],
                reviewed_at: datetime) -> None:
        self.review = {"outcome": outcome, "notes": notes, "reviewed_by": reviewed_by,
                       "reviewed_at": reviewed_at}

    def record_review(self, outcome: ReviewOutcome, notes: str, by: dict[str, str],
                      at: datetime) -> None:
        if self.review is not None:
            raise RuleViolation("this emergency access has already been reviewed")
        if by.get("user_id") == self.actor.get("user_id"):
            raise RuleViolation("an emergency access is reviewed by someone else")
        self._review(outcome.value, Personal(self.child_id, "review_notes", notes), by, at)
