"""Allocation: the social worker (or team manager) of children's social care allocated to a
child, over time; they are told of each missing episode from then on."""

from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.agencies import AgencyKind
from domain.errors import InvalidContent, RuleViolation
from domain.records import ChildRecord

# Who may be a child's allocated worker: children's social care's own.
ALLOCATABLE_AGENCY_KIND = AgencyKind.MASH
ALLOCATABLE_ROLES = frozenset({"social-worker", "team-manager"})


def check_allocatable(agency_kind: str, role: str) -> None:
    """A child is allocated a social worker or team manager of children's social care."""
    if agency_kind != ALLOCATABLE_AGENCY_KIND or role not in ALLOCATABLE_ROLES:
        raise InvalidContent("user_id", "the allocated worker is a social worker or "
                             "team manager of children's social care")


def allocation_id(child_id: UUID) -> UUID:
    return uuid5(NAMESPACE_URL, f"/hub/allocation/{child_id}")


class Allocation(ChildRecord):
    """The social worker allocated to a child, if any, over time."""

    def opened(self) -> None:
        self.worker: dict[str, str] | None = None
        self.history: list[dict[str, Any]] = []

    @staticmethod
    def create_id(child_id: UUID) -> UUID:
        return allocation_id(child_id)

    class Changed(Aggregate.Event):
        class_version = 1
        worker: dict[str, str] | None
        by: dict[str, str]
        at: datetime

    @event(Changed)
    def _change(self, worker: dict[str, str] | None, by: dict[str, str], at: datetime) -> None:
        self.worker = worker
        self.history.append({"worker": worker, "by": by, "at": at})

    def allocate(self, worker: dict[str, str] | None, by: dict[str, str], at: datetime) -> None:
        if worker == self.worker:
            raise RuleViolation("that is already the allocation")
        self._change(worker, by, at)
