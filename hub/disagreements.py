"""Inter-agency disagreement about a front-door decision: raised by a partner, escalated
stage by stage on its clock (by a person, or by the hub when a stage runs out of time), and
resolved (part of ``FrontDoor``). Each disagreement is the raising agency's record."""

from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from domain.access import DataClass, Purpose, Visibility
from domain.audit import AuditKind
from domain.disagreement import Disagreement
from domain.errors import RuleViolation
from domain.front_door import MashContact
from domain.personal import reveal
from hub.access import HUB_OWNER
from hub.audit.shown import Shown, disclose
from hub.audit.trail import AuditTrail
from hub.capabilities import Requirement
from hub.errors import NotEntitled, NotFound
from hub.projections.work_index import WorkIndex
from hub.registry import Caller, Registry
from hub.store import HubStore
from hub.timescales import Timescales


class InterAgencyDisagreements:
    """Disagreements, on the front door's store, clocks, audit and work index."""

    _store: HubStore
    _registry: Registry
    _audit: AuditTrail
    _clock: Callable[[], datetime]
    timescales: Timescales
    work: WorkIndex
    require: Requirement

    def _contact(self, contact: UUID) -> MashContact:
        raise NotImplementedError  # the front door's own

    @staticmethod
    def _disagreement_shown(d: Disagreement, visibility: Visibility,
                            capability: str) -> Shown:
        """A disagreement is the raising agency's record (about a social-care decision)."""
        return Shown(d.id, "disagreement", d.raised_by.get("agency", HUB_OWNER), d.child_id,
                     (DataClass.SOCIAL_CARE,), "inter-agency-disagreement",
                     f"capability:{capability}", visibility.value)

    # Inter-agency disagreement ----------------------------------------------------------

    def _disagreement(self, disagreement: UUID, caller: Caller) -> Disagreement:
        found = self._store.find(disagreement, Disagreement)
        if found is None or caller.agency_id not in (found.raised_by["agency"],
                                                     found.with_agency):
            raise NotFound("no such disagreement for your agency")
        return found

    def _open_disagreements(self) -> list[Disagreement]:
        self.work.catch_up()
        return [d for i, resolved in list(self.work.disagreements.items()) if not resolved
                if (d := self._store.find(i, Disagreement)) is not None]

    @staticmethod
    def _disagreement_view(d: Disagreement, now: datetime) -> dict[str, Any]:
        return {
            "id": str(d.id), "contact_id": str(d.contact_id), "child_id": str(d.child_id),
            "raised_by": d.raised_by, "with_agency": d.with_agency,
            "raised_at": d.raised_at.isoformat(), "reason": reveal(d.reason),
            "stage": d.stage.stage.value, "due": d.stage.due.isoformat(),
            "overdue": d.overdue(now),
            "stages": [{"stage": s.stage.value, "from": s.since.isoformat(),
                        "due": s.due.isoformat(), "by": s.by, "automatic": s.automatic,
                        "reason": reveal(s.reason)} for s in d.stages],
            "resolution": None if d.resolution is None else {
                "resolution": reveal(d.resolution["resolution"]), "by": d.resolution["by"],
                "at": d.resolution["at"].isoformat(), "stage": d.resolution["stage"]},
        }

    def raise_disagreement(self, caller: Caller, contact: UUID, reason: str) -> dict[str, Any]:
        """A partner (the referrer, or an agency asked for research) disagrees with the
        decision on a contact; it starts with the workers, on the stage clock."""
        c = self._contact(contact)
        self.require(caller, "raise-disagreement", "raise-disagreement", c.child_ids)
        if caller.agency_id != c.referrer and c.research_due(caller.agency_id) is None:
            self._audit.record(kind=AuditKind.DENIAL, action="raise-disagreement",
                               actor=caller.as_actor(), child_ids=c.child_ids,
                               details={"contact": str(c.id), "outcome": "not a party"})
            raise NotEntitled("only the referrer or a partner asked for research may raise "
                              "a disagreement about this contact")
        if c.decision is None:
            raise RuleViolation("the contact is not decided yet")
        at = self._clock()
        due = self.timescales.disagreement_stage_due(at)
        d = Disagreement.raise_(uuid4(), c.id, c.holder, caller.as_actor(),
                                c.decision["by"]["agency"], reason, at, due)
        self._store.write(lambda: self._store.save(d))
        disclose(self._audit, caller, "raise-disagreement",
                 [self._disagreement_shown(d, Visibility.FULL, "raise-disagreement")],
                 purpose=None, kind=AuditKind.DISAGREEMENT,
                 details={"disagreement": str(d.id), "contact": str(c.id)})
        return self._disagreement_view(d, at)

    def _act_on_disagreement(self, caller: Caller, disagreement: UUID, action: str,
                             act: Callable[[Disagreement, datetime], None]) -> dict[str, Any]:
        self.require(caller, "raise-disagreement", action)
        known = self._disagreement(disagreement, caller)
        at = self._clock()

        def attempt() -> Disagreement:
            current = self._disagreement(known.id, caller)
            act(current, at)
            self._store.save(current)
            return current

        d = self._store.write(attempt)
        disclose(self._audit, caller, action,
                 [self._disagreement_shown(d, Visibility.FULL, "raise-disagreement")],
                 purpose=None, kind=AuditKind.DISAGREEMENT,
                 details={"disagreement": str(d.id), "stage": d.stage.stage.value})
        return self._disagreement_view(d, at)

    def escalate_disagreement(self, caller: Caller, disagreement: UUID,
                              reason: str) -> dict[str, Any]:
        def act(d: Disagreement, at: datetime) -> None:
            d.escalate(self.timescales.disagreement_stage_due(at), at, caller.as_actor(),
                       reason)

        return self._act_on_disagreement(caller, disagreement, "escalate-disagreement", act)

    def resolve_disagreement(self, caller: Caller, disagreement: UUID,
                             resolution: str) -> dict[str, Any]:
        return self._act_on_disagreement(
            caller, disagreement, "resolve-disagreement",
            lambda d, at: d.resolve(resolution, caller.as_actor(), at))

    def disagreements(self, caller: Caller) -> dict[str, Any]:
        """Unresolved disagreements the caller's agency raised or is party to (each the
        raising agency's record, shown in full)."""
        self.require(caller, "raise-disagreement", "read-disagreements")
        now = self._clock()
        mine = sorted((d for d in self._open_disagreements()
                       if caller.agency_id in (d.raised_by["agency"], d.with_agency)),
                      key=lambda d: (d.stage.due, str(d.id)))
        disclose(self._audit, caller, "read-disagreements",
                 [self._disagreement_shown(d, Visibility.FULL, "raise-disagreement")
                  for d in mine], purpose=Purpose.REFERRAL.value,
                 details={"disagreements": [str(d.id) for d in mine]})
        return {"items": [self._disagreement_view(d, now) for d in mine]}

    def escalate_overdue(self) -> int:
        """Take every disagreement whose stage clock ran out up a stage (up to the last)."""
        now = self._clock()
        moved = 0
        for known in self._open_disagreements():
            if not known.escalates_on_clock(now):
                continue

            def attempt(ident: UUID = known.id) -> bool:
                d = self._store.find(ident, Disagreement)
                if d is None or not d.escalates_on_clock(now):
                    return False
                d.escalate(self.timescales.disagreement_stage_due(now), now, None, None)
                self._store.save(d)
                return True

            if self._store.write(attempt):
                moved += 1
        return moved
