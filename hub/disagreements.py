"""Inter-agency disagreement about a partner's decision (a MASH contact's, a DART triage, the
handling of a missing episode): raised by a partner at a stated risk, escalated stage by stage
on its risk's clock (by a person, or by the hub when a stage runs out of time), and resolved
(part of ``FrontDoor``). Each disagreement is the raising agency's record; at each stage the
deciding agency's named person is told (``hub.escalation_contacts``)."""

from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from domain.access import DataClass, Purpose, Visibility
from domain.audit import AuditKind
from domain.disagreement import Disagreement, Stage, SubjectKind
from domain.personal import reveal
from domain.risk import RiskLevel
from hub.access import HUB_OWNER
from hub.audit.shown import Shown, disclose
from hub.audit.trail import AuditTrail
from hub.capabilities import Requirement, parse_enum
from hub.disagreement_subjects import DecisionSubjects
from hub.errors import NotFound
from hub.escalation_contacts import EscalationAlerts
from hub.projections.work_index import WorkIndex
from hub.registry import Caller, Registry
from hub.store import HubStore
from hub.timescales import Timescales


class InterAgencyDisagreements(EscalationAlerts):
    """Disagreements, on the front door's store, clocks, audit and work index."""

    _store: HubStore
    _registry: Registry
    _audit: AuditTrail
    _clock: Callable[[], datetime]
    _subjects: DecisionSubjects
    timescales: Timescales
    work: WorkIndex
    require: Requirement

    @staticmethod
    def _disagreement_shown(d: Disagreement, visibility: Visibility,
                            capability: str) -> list[Shown]:
        """A disagreement is the raising agency's record (about a partner's decision), about
        each child the decision concerns."""
        return [Shown(d.id, "disagreement", d.raised_by.get("agency", HUB_OWNER), child,
                      (DataClass.SOCIAL_CARE,), "inter-agency-disagreement",
                      f"capability:{capability}", visibility.value) for child in d.child_ids]

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
            "id": str(d.id), "subject": {"kind": d.subject_kind.value, "id": str(d.subject_id)},
            **({"contact_id": str(d.contact_id)} if d.contact_id is not None else {}),
            "child_id": str(d.child_id), "child_ids": [str(c) for c in d.child_ids],
            "raised_by": d.raised_by, "with_agency": d.with_agency,
            "raised_at": d.raised_at.isoformat(), "reason": reveal(d.reason),
            "risk": d.risk.value if d.risk is not None else None,
            "stage": d.stage.stage.value, "due": d.stage.due.isoformat(),
            "overdue": d.overdue(now),
            "named": str(d.stage.named) if d.stage.named is not None else None,
            "stages": [{"stage": s.stage.value, "from": s.since.isoformat(),
                        "due": s.due.isoformat(), "by": s.by, "automatic": s.automatic,
                        "reason": reveal(s.reason),
                        "named": str(s.named) if s.named is not None else None}
                       for s in d.stages],
            "risk_changes": [{"risk": r["risk"],
                              "previous": r["previous"].value if r["previous"] else None,
                              "stage": r["stage"].value, "due": r["due"].isoformat(),
                              "by": r["by"], "at": r["at"].isoformat(),
                              "reason": reveal(r["reason"])} for r in d.restatements],
            "resolution": None if d.resolution is None else {
                "resolution": reveal(d.resolution["resolution"]), "by": d.resolution["by"],
                "at": d.resolution["at"].isoformat(), "stage": d.resolution["stage"]},
        }

    def raise_disagreement(self, caller: Caller, contact: UUID, reason: str,
                           risk: str = RiskLevel.STANDARD.value) -> dict[str, Any]:
        """A partner (the referrer, or an agency asked for research) disagrees with the
        decision on a contact (the first form, kept: the risk is standard unless stated)."""
        return self.raise_against(caller, SubjectKind.MASH_CONTACT.value, contact, reason,
                                  risk)

    def raise_against(self, caller: Caller, kind: str, subject: UUID, reason: str,
                      risk: str) -> dict[str, Any]:
        """A partner disagrees with a decision it may know of, at the risk it states; it
        starts with the workers on that risk's clock, and the deciding agency's person for
        the worker stage is told. The children are the decision's own."""
        self.require(caller, "raise-disagreement", "raise-disagreement")
        subject_kind = parse_enum(SubjectKind, kind, "subject.kind")
        level = parse_enum(RiskLevel, risk, "risk")
        found = self._subjects.find(caller, subject_kind, subject)
        at = self._clock()
        due = self.timescales.disagreement_stage_due(at, level)
        with_agency = found.decided_by["agency"]
        named = self._named_for(with_agency, Stage.WORKER, found.decided_by)
        d = Disagreement.raise_(uuid4(), found.kind, found.id, found.child_ids,
                                caller.as_actor(), with_agency, reason, level, at, due, named)
        self._store.write(lambda: self._store.save(d))
        disclose(self._audit, caller, "raise-disagreement",
                 self._disagreement_shown(d, Visibility.FULL, "raise-disagreement"),
                 purpose=None, kind=AuditKind.DISAGREEMENT,
                 details={"disagreement": str(d.id), "subject": found.kind.value,
                          "subject_id": str(found.id)})
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
                 self._disagreement_shown(d, Visibility.FULL, "raise-disagreement"),
                 purpose=None, kind=AuditKind.DISAGREEMENT,
                 details={"disagreement": str(d.id), "stage": d.stage.stage.value})
        return self._disagreement_view(d, at)

    def escalate_disagreement(self, caller: Caller, disagreement: UUID,
                              reason: str) -> dict[str, Any]:
        def act(d: Disagreement, at: datetime) -> None:
            nxt = d.next_stage()
            d.escalate(self.timescales.disagreement_stage_due(at, d.risk), at,
                       caller.as_actor(), reason, self._named_for(d.with_agency, nxt))

        return self._act_on_disagreement(caller, disagreement, "escalate-disagreement", act)

    def restate_disagreement_risk(self, caller: Caller, disagreement: UUID, risk: str,
                                  reason: str) -> dict[str, Any]:
        """The risk changed: the open stage is clocked again on the new risk's clock, from
        the stage's start (from now if that has run out; never later for a raised risk)."""
        level = parse_enum(RiskLevel, risk, "risk")

        def act(d: Disagreement, at: datetime) -> None:
            due = self.timescales.disagreement_reclocked(d.stage.since, d.stage.due, d.risk,
                                                         level, at)
            d.restate_risk(level, due, caller.as_actor(), reason, at)

        return self._act_on_disagreement(caller, disagreement, "restate-disagreement-risk",
                                         act)

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
                 [s for d in mine
                  for s in self._disagreement_shown(d, Visibility.FULL, "raise-disagreement")],
                 purpose=Purpose.REFERRAL.value,
                 details={"disagreements": [str(d.id) for d in mine]})
        return {"items": [self._disagreement_view(d, now) for d in mine]}

    def escalate_overdue(self) -> int:
        """Take every disagreement whose stage clock ran out up a stage (up to the last),
        telling the deciding agency's person for the new stage."""
        now = self._clock()
        moved = 0
        for known in self._open_disagreements():
            if not known.escalates_on_clock(now):
                continue

            def attempt(ident: UUID = known.id) -> bool:
                d = self._store.find(ident, Disagreement)
                if d is None or not d.escalates_on_clock(now):
                    return False
                d.escalate(self.timescales.disagreement_stage_due(now, d.risk), now, None,
                           None, self._named_for(d.with_agency, d.next_stage()))
                self._store.save(d)
                return True

            if self._store.write(attempt):
                moved += 1
        return moved
