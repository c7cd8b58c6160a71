"""The MASH front door's work on a child rather than a contact: stepping the level of need up
or down outside a decision, and allocating a social worker (part of ``FrontDoor``)."""

from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

from domain.audit import AuditKind
from domain.errors import InvalidContent, RuleViolation
from domain.front_door import (
    Allocation,
    LevelOfNeed,
    NeedRecord,
    allocation_id,
    check_allocatable,
    need_id,
)
from hub.audit.trail import AuditTrail
from hub.capabilities import Requirement, parse_enum
from hub.projections.work_index import WorkIndex
from hub.registry import Caller, Registry
from hub.social_care_records import SocialCareRecords
from hub.store import HubStore
from hub.timescales import Timescales


class LevelsAndAllocation:
    """Levels of need and allocation, on the front door's store, registry and audit."""

    _store: HubStore
    _registry: Registry
    _audit: AuditTrail
    _clock: Callable[[], datetime]
    timescales: Timescales
    work: WorkIndex
    require: Requirement
    # The local authorities the hub serves (set at start): a child no authority holds any
    # record of is allocated by, and to, one of them.
    served: frozenset[str] = frozenset()

    def _held(self) -> SocialCareRecords:
        return SocialCareRecords(self._store, self.work, self._audit)

    # Levels of need and allocation ------------------------------------------------------

    def set_level(self, caller: Caller, child_id: UUID, level: str,
                  reason: str) -> dict[str, Any]:
        """Step a child up or down between levels of need outside a front-door decision."""
        need = parse_enum(LevelOfNeed, level, "level")
        self.require(caller, "change-level-of-need", "change-level-of-need", [child_id])
        self._held().check(caller, child_id, "change-level-of-need", "no such child")
        self._store.child(child_id)
        at = self._clock()

        def attempt() -> NeedRecord:
            record = (self._store.find(need_id(child_id), NeedRecord)
                      or NeedRecord(child_id=child_id))
            if not record.set_level(need, reason, None, caller.as_actor(), at):
                raise RuleViolation(f"the child's level of need is already {need.value}")
            self._store.save(record)
            return record

        record = self._store.write(attempt)
        last = record.changes[-1]
        self._audit.record(kind=AuditKind.ALLOCATION, action="change-level-of-need",
                           actor=caller.as_actor(), child_ids=[child_id],
                           details={"level": need.value, "direction": last["direction"]})
        return {"child_id": str(child_id), "level": need.value,
                "previous": last["previous"], "direction": last["direction"],
                "at": at.isoformat()}

    def allocate(self, caller: Caller, child_id: UUID, user_id: UUID | None) -> dict[str, Any]:
        """Allocate a social worker to a child (or none): they are told of each missing
        episode from then on. Only by, and only to, staff of the authority holding the child's
        records; when none holds any, of the caller's own (one the hub serves). Another
        authority is answered as for an unknown child, the refusal audited."""
        action = "allocate-worker"
        self.require(caller, "allocate-worker", action, [child_id])
        held = self._held()
        holders = held.holders(child_id) or ({caller.agency_id} & self.served)
        if caller.agency_id not in holders:
            held.refuse(caller, child_id, action, "no such child")
        self._store.child(child_id)
        worker: dict[str, str] | None = None
        if user_id is not None:
            member = self._registry.member(user_id)
            check_allocatable(member.agency_kind, member.role)
            if member.agency_id not in holders:
                raise InvalidContent("user_id", "the allocated worker is of the local "
                                     "authority holding the child's records")
            worker = {"user_id": str(member.user_id), "agency": member.agency_id,
                      "role": member.role}
        at = self._clock()

        def attempt() -> None:
            allocation = (self._store.find(allocation_id(child_id), Allocation)
                          or Allocation(child_id=child_id))
            allocation.allocate(worker, caller.as_actor(), at)
            self._store.save(allocation)

        self._store.write(attempt)
        self._audit.record(kind=AuditKind.ALLOCATION, action="allocate-worker",
                           actor=caller.as_actor(), child_ids=[child_id],
                           details={"worker": worker["user_id"] if worker else None})
        return {"child_id": str(child_id), "worker": worker, "at": at.isoformat()}
