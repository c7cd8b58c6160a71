"""The referrer's feedback call after a declined referral (part of ``FrontDoor``): recorded by
the MASH, due within elapsed hours of the decision (``[disagreement] feedback_hours``), and on
the breach list while it is late and not recorded."""

from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

from domain.access import Visibility
from domain.audit import AuditKind
from domain.errors import RuleViolation
from domain.front_door import MashContact
from domain.front_door.feedback_call import FeedbackCall, declines, feedback_call_id
from domain.personal import reveal
from domain.timescales import in_utc
from hub.audit.shown import Shown, disclose
from hub.audit.trail import AuditTrail
from hub.capabilities import Requirement
from hub.projections.work_index import WorkIndex
from hub.registry import Caller
from hub.store import HubStore
from hub.timescales import Timescales


class FeedbackCalls:
    _store: HubStore
    _audit: AuditTrail
    _clock: Callable[[], datetime]
    timescales: Timescales
    work: WorkIndex
    require: Requirement

    def _contact(self, contact: UUID) -> MashContact:
        raise NotImplementedError  # the front door's own

    def _contact_shown(self, c: MashContact, visibility: Visibility, ground: str,
                       capability: str) -> list[Shown]:
        raise NotImplementedError  # the queues' own

    def record_feedback_call(self, caller: Caller, contact: UUID, told_at: datetime | None,
                             note: str | None) -> dict[str, Any]:
        """The referrer was told of the declined referral (at ``told_at``; None: now)."""
        # The capability first: to anyone without it, a contact that exists and one that does
        # not answer alike (the refusal names the contact's children when there is one).
        known = self._store.find(contact, MashContact)
        self.require(caller, "record-referral-feedback", "record-referral-feedback",
                     known.child_ids if known is not None else [])
        c = self._contact(contact)
        decision = c.decision
        if decision is None or not declines(decision["outcome"]):
            raise RuleViolation("the contact is not a declined referral")
        now = self._clock()
        at = in_utc(told_at, "at") if told_at is not None else now

        def attempt() -> FeedbackCall:
            if self._store.find(feedback_call_id(c.id), FeedbackCall) is not None:
                raise RuleViolation("the referrer's feedback is already recorded")
            call = FeedbackCall.record(c.id, c.holder, decision["at"], at,
                                       self.timescales.feedback_due(decision["at"]),
                                       caller.as_actor(), note, now)
            self._store.save(call)
            return call

        call = self._store.write(attempt)
        disclose(self._audit, caller, "record-referral-feedback",
                 self._contact_shown(c, Visibility.SUMMARY,
                                     "local-authority-safeguarding-duty",
                                     "record-referral-feedback"),
                 purpose=None, kind=AuditKind.FRONT_DOOR,
                 details={"contact": str(c.id), "late": call.late})
        return {"contact_id": str(c.id), "told_at": call.told_at.isoformat(),
                "due": call.due.isoformat(), "late": call.late, "by": call.by,
                "note": reveal(call.note)}

    def _late_feedback(self, now: datetime) -> list[tuple[MashContact, datetime]]:
        """Declined contacts whose referrer is not yet told, the clock run out."""
        self.work.catch_up()
        late = []
        for ident, declined_at in list(self.work.declined.items()):
            due = self.timescales.feedback_due(declined_at)
            if now > due and (c := self._store.find(ident, MashContact)) is not None:
                late.append((c, due))
        return late
