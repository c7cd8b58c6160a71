"""Inter-agency disagreement about a front-door decision, escalated stage by stage on a clock.

A partner who disagrees with a decision (a declined referral, say) raises it; it starts with
the workers, and each stage has its own clock (24-48 hours; configurable). Unresolved when the
clock runs out, it goes to the next stage: worker, team manager, safeguarding lead, service
manager, head of service, director. The resolution is recorded.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import RuleViolation
from domain.personal import Personal
from domain.text import SENTENCE, optional_text, reason


class Stage(StrEnum):
    WORKER = "worker"
    TEAM_MANAGER = "team-manager"
    SAFEGUARDING_LEAD = "safeguarding-lead"
    SERVICE_MANAGER = "service-manager"
    HEAD_OF_SERVICE = "head-of-service"
    DIRECTOR = "director"

    @property
    def next(self) -> "Stage | None":
        stages = list(Stage)
        index = stages.index(self)
        return stages[index + 1] if index + 1 < len(stages) else None


@dataclass(frozen=True)
class StageAt:
    """One stage a disagreement reached: since when, due when, and who took it there (None:
    the hub, because the stage below ran out of time) and why."""

    stage: Stage
    since: datetime
    due: datetime
    by: dict[str, str] | None
    reason: Personal | None

    @property
    def automatic(self) -> bool:
        return self.by is None


class Disagreement(Aggregate):
    class Raised(Aggregate.Created):
        class_version = 1
        contact_id: UUID
        child_id: UUID
        raised_by: dict[str, str]
        with_agency: str
        reason: Personal
        at: datetime
        due: datetime

    @event(Raised)
    def __init__(self, id: UUID, contact_id: UUID, child_id: UUID, raised_by: dict[str, str],
                 with_agency: str, reason: Personal, at: datetime, due: datetime) -> None:
        self.contact_id = contact_id
        self.child_id = child_id
        self.raised_by = raised_by
        self.with_agency = with_agency
        self.reason = reason
        self.raised_at = at
        self.stages = [StageAt(Stage.WORKER, at, due, raised_by, None)]
        self.resolution: dict[str, Any] | None = None

    @classmethod
    def raise_(cls, id: UUID, contact_id: UUID, child_id: UUID, raised_by: dict[str, str],
               with_agency: str, because: str, at: datetime, due: datetime) -> "Disagreement":
        why = reason(because)
        return cls(id=id, contact_id=contact_id, child_id=child_id, raised_by=raised_by,
                   with_agency=with_agency, reason=Personal(child_id, "disagreement", why),
                   at=at, due=due)

    @property
    def stage(self) -> StageAt:
        return self.stages[-1]

    class Escalated(Aggregate.Event):
        class_version = 1
        stage: str
        at: datetime
        due: datetime
        by: dict[str, str] | None  # None: the hub, because the stage's clock ran out
        reason: Personal | None

    @event(Escalated)
    def _escalate(self, stage: str, at: datetime, due: datetime, by: dict[str, str] | None,
                  reason: Personal | None) -> None:
        self.stages.append(StageAt(Stage(stage), at, due, by, reason))

    def escalate(self, due: datetime, at: datetime, by: dict[str, str] | None,
                 because: str | None) -> Stage:
        if self.resolution is not None:
            raise RuleViolation("the disagreement is resolved")
        nxt = self.stage.stage.next
        if nxt is None:
            raise RuleViolation(f"the disagreement is with the {Stage.DIRECTOR.value}: there is "
                                "no stage above")
        # A person escalating says why; the hub, when the stage's clock ran out, need not.
        why = reason(because) if by is not None else optional_text(because, "reason",
                                                                   least=SENTENCE)
        self._escalate(nxt.value, at, due, by,
                       Personal(self.child_id, "escalation", why) if why else None)
        return nxt

    class Resolved(Aggregate.Event):
        class_version = 1
        resolution: Personal
        by: dict[str, str]
        at: datetime

    @event(Resolved)
    def _resolve(self, resolution: Personal, by: dict[str, str], at: datetime) -> None:
        self.resolution = {"resolution": resolution, "by": by, "at": at,
                           "stage": self.stage.stage.value}

    def resolve(self, resolution: str, by: dict[str, str], at: datetime) -> None:
        if self.resolution is not None:
            raise RuleViolation("the disagreement is already resolved")
        how = reason(resolution, "resolution")
        self._resolve(Personal(self.child_id, "resolution", how), by, at)

    def overdue(self, now: datetime) -> bool:
        return self.resolution is None and now > self.stage.due

    @property
    def at_final_stage(self) -> bool:
        """With the director: there is no stage above."""
        return self.stage.stage.next is None

    def escalates_on_clock(self, now: datetime) -> bool:
        """Whether the hub takes it up a stage now: its stage's clock ran out, and there is a
        stage above."""
        return self.overdue(now) and not self.at_final_stage
