"""Inter-agency disagreement about a decision a partner made, escalated stage by stage on a
clock.

A partner who disagrees with a decision (a declined referral, a DART triage, the handling of a
missing episode, a child protection conference's decision, a refusal to share) raises it,
saying how great the risk to the child is; it starts with the workers, and each stage has its
own clock by that risk (a few hours when it is high, out of hours too; otherwise 24-48 hours
in working time: configurable). Unresolved when the clock runs out, it goes to the next stage:
worker, team manager, safeguarding lead, service manager, head of service, director; at each
stage the deciding agency's named person for it is told. The resolution is recorded.
"""

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import RuleViolation
from domain.personal import Personal
from domain.risk import RiskLevel
from domain.text import SENTENCE, optional_text, reason


class SubjectKind(StrEnum):
    """The kinds of decision a disagreement can be raised against."""

    MASH_CONTACT = "mash-contact"  # the MASH's decision on a contact (a declined referral)
    DART_TRIAGE = "dart-triage"  # the DART's triage of a domestic-abuse incident
    MISSING_EPISODE = "missing-episode"  # how a missing episode was handled (its interview)
    CP_CONFERENCE = "cp-conference"  # a child protection conference's decision (plan or not)
    SHARING_REFUSAL = "sharing-refusal"  # a recorded decision not to share


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
    named: UUID | None = None  # the deciding agency's person told of it at this stage

    @property
    def automatic(self) -> bool:
        return self.by is None


class Disagreement(Aggregate):
    class Raised(Aggregate.Created):
        """Version 2 names the decision disagreed with by kind and id (``subject_kind``,
        ``subject_id``: version 1 could only name a MASH contact), every child it concerns
        (``child_ids``; ``child_id`` is the one whose key seals the free text), the risk the
        raiser stated (``risk``) and the person told at the worker stage (``named``)."""

        class_version = 2
        subject_kind: str
        subject_id: UUID
        child_id: UUID
        child_ids: list[UUID]
        raised_by: dict[str, str]
        with_agency: str
        reason: Personal
        at: datetime
        due: datetime
        risk: str | None
        named: UUID | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """Raised against a MASH contact, before the risk was stated (clocked as
            standard) and before anyone was named."""
            state["subject_kind"] = SubjectKind.MASH_CONTACT.value
            state["subject_id"] = state.pop("contact_id")
            state["child_ids"] = [state["child_id"]]
            state["risk"] = None
            state["named"] = None

    @event(Raised)
    def __init__(self, id: UUID, subject_kind: str, subject_id: UUID, child_id: UUID,
                 child_ids: list[UUID], raised_by: dict[str, str], with_agency: str,
                 reason: Personal, at: datetime, due: datetime, risk: str | None,
                 named: UUID | None) -> None:
        self.subject_kind = SubjectKind(subject_kind)
        self.subject_id = subject_id
        self.child_id = child_id
        self.child_ids = list(child_ids)
        self.raised_by = raised_by
        self.with_agency = with_agency
        self.reason = reason
        self.raised_at = at
        self.risk = RiskLevel(risk) if risk is not None else None
        self.stages = [StageAt(Stage.WORKER, at, due, raised_by, None, named)]
        self.resolution: dict[str, Any] | None = None
        self.restatements: list[dict[str, Any]] = []

    @classmethod
    def raise_(cls, id: UUID, subject_kind: SubjectKind, subject_id: UUID,
               child_ids: list[UUID], raised_by: dict[str, str], with_agency: str,
               because: str, risk: RiskLevel, at: datetime, due: datetime,
               named: UUID | None) -> "Disagreement":
        if not child_ids:
            raise RuleViolation("the decision names no child")
        if raised_by.get("agency") == with_agency:
            raise RuleViolation("a disagreement is between agencies: your agency made this "
                                "decision, and reviews it within its own line management")
        why = reason(because)
        return cls(id=id, subject_kind=subject_kind.value, subject_id=subject_id,
                   child_id=child_ids[0], child_ids=child_ids, raised_by=raised_by,
                   with_agency=with_agency,
                   reason=Personal(child_ids[0], "disagreement", why), at=at, due=due,
                   risk=risk.value, named=named)

    @property
    def contact_id(self) -> UUID | None:
        """The MASH contact disagreed about (None: another kind of decision)."""
        return self.subject_id if self.subject_kind is SubjectKind.MASH_CONTACT else None

    @property
    def stage(self) -> StageAt:
        return self.stages[-1]

    class Escalated(Aggregate.Event):
        """Version 2 names the person told at the new stage (``named``)."""

        class_version = 2
        stage: str
        at: datetime
        due: datetime
        by: dict[str, str] | None  # None: the hub, because the stage's clock ran out
        reason: Personal | None
        named: UUID | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """Escalated before anyone was named at a stage."""
            state["named"] = None

    @event(Escalated)
    def _escalate(self, stage: str, at: datetime, due: datetime, by: dict[str, str] | None,
                  reason: Personal | None, named: UUID | None) -> None:
        self.stages.append(StageAt(Stage(stage), at, due, by, reason, named))

    def next_stage(self) -> Stage:
        """The stage it would go up to (refused when resolved, or with the director)."""
        if self.resolution is not None:
            raise RuleViolation("the disagreement is resolved")
        nxt = self.stage.stage.next
        if nxt is None:
            raise RuleViolation(f"the disagreement is with the {Stage.DIRECTOR.value}: there is "
                                "no stage above")
        return nxt

    def escalate(self, due: datetime, at: datetime, by: dict[str, str] | None,
                 because: str | None, named: UUID | None = None) -> Stage:
        nxt = self.next_stage()
        # A person escalating says why; the hub, when the stage's clock ran out, need not.
        why = reason(because) if by is not None else optional_text(because, "reason",
                                                                   least=SENTENCE)
        self._escalate(nxt.value, at, due, by,
                       Personal(self.child_id, "escalation", why) if why else None, named)
        return nxt

    class RiskRestated(Aggregate.Event):
        """The risk the disagreement is held at changed: the open stage is clocked again."""

        class_version = 1
        risk: str
        due: datetime
        by: dict[str, str]
        reason: Personal
        at: datetime

    @event(RiskRestated)
    def _restate(self, risk: str, due: datetime, by: dict[str, str], reason: Personal,
                 at: datetime) -> None:
        self.restatements.append({"risk": risk, "previous": self.risk, "due": due, "by": by,
                                  "reason": reason, "at": at, "stage": self.stage.stage})
        self.risk = RiskLevel(risk)
        self.stages[-1] = replace(self.stages[-1], due=due)

    def restate_risk(self, risk: RiskLevel, due: datetime, by: dict[str, str],
                     because: str, at: datetime) -> None:
        if self.resolution is not None:
            raise RuleViolation("the disagreement is resolved")
        if risk is self.risk:
            raise RuleViolation(f"the disagreement is already held at {risk.value} risk")
        lowered = self.risk is not None and risk.rank < self.risk.rank
        if lowered and by.get("agency") != self.raised_by.get("agency"):
            raise RuleViolation("only the agency that raised the disagreement may lower its "
                                "risk (which gives its stage longer)")
        why = reason(because)
        self._restate(risk.value, due, by, Personal(self.child_id, "risk_reason", why), at)

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
        if by.get("agency") != self.raised_by.get("agency"):
            raise RuleViolation("the agency that raised the disagreement says when it is "
                                "resolved")
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
