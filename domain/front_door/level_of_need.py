"""Levels of need (the Family Support Pathway), the outcomes that answer them, and a child's
level over time, stepping up and down."""

from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.personal import Personal
from domain.records import ChildRecord
from domain.text import reason


class LevelOfNeed(StrEnum):
    """The Family Support Pathway's levels, lowest first."""

    UNIVERSAL = "universal"
    ADDITIONAL = "additional"  # early help, CAF
    EXTENSIVE = "extensive"  # team around the child, lead professional
    CHILD_IN_NEED = "child-in-need"  # s17, statutory assessment
    PROTECTION = "protection"  # s47

    @property
    def rank(self) -> int:
        return list(LevelOfNeed).index(self)


class Outcome(StrEnum):
    NO_FURTHER_ACTION = "no-further-action"
    EARLY_HELP = "early-help"
    ASSESSMENT = "assessment"  # a children's assessment, due in 45 working days
    STRATEGY_DISCUSSION = "strategy-discussion"  # and an s47 enquiry if it so decides


# Which levels of need each outcome answers.
OUTCOME_LEVELS = {
    Outcome.NO_FURTHER_ACTION: {LevelOfNeed.UNIVERSAL, LevelOfNeed.ADDITIONAL},
    Outcome.EARLY_HELP: {LevelOfNeed.ADDITIONAL, LevelOfNeed.EXTENSIVE},
    Outcome.ASSESSMENT: {LevelOfNeed.CHILD_IN_NEED, LevelOfNeed.PROTECTION},
    Outcome.STRATEGY_DISCUSSION: {LevelOfNeed.PROTECTION},
}


def step(previous: LevelOfNeed | None, new: LevelOfNeed) -> str | None:
    """'up', 'down' or None (no change, or no level before)."""
    if previous is None or previous is new:
        return None
    return "up" if new.rank > previous.rank else "down"


def need_id(child_id: UUID) -> UUID:
    return uuid5(NAMESPACE_URL, f"/hub/level-of-need/{child_id}")


class NeedRecord(ChildRecord):
    """A child's level of need over time: each step up or down is an event."""

    def opened(self) -> None:
        self.changes: list[dict[str, Any]] = []

    @staticmethod
    def create_id(child_id: UUID) -> UUID:
        return need_id(child_id)

    @property
    def level(self) -> LevelOfNeed | None:
        return LevelOfNeed(self.changes[-1]["to"]) if self.changes else None

    class Stepped(Aggregate.Event):
        class_version = 1
        previous: str | None
        to: str
        direction: str | None  # up, down, or None for the first level recorded
        reason: Personal
        contact_id: UUID | None
        by: dict[str, str]
        at: datetime

    @event(Stepped)
    def _step(self, previous: str | None, to: str, direction: str | None, reason: Personal,
              contact_id: UUID | None, by: dict[str, str], at: datetime) -> None:
        self.changes.append({"previous": previous, "to": to, "direction": direction,
                             "reason": reason, "contact_id": contact_id, "by": by, "at": at})

    def set_level(self, level: LevelOfNeed, why: str, contact_id: UUID | None,
                  by: dict[str, str], at: datetime) -> bool:
        """Record the level; False (nothing recorded) if it is the level already."""
        previous = self.level
        if previous is level:
            return False
        self._step(previous.value if previous else None, level.value, step(previous, level),
                   Personal(self.child_id, "level_reason", reason(why)), contact_id, by, at)
        return True
