"""Erasure in an append-only store: destroy the person's data keys, record why.

The events stay (the chronology, the reports and the audit trail still work on what is not
personal, and the audit trail still verifies); every personal value sealed under the person's
key becomes unreadable, in the store and in every backup of it. That includes the erasure's
own free-text reason, sealed under the very key it destroys; its reason code stays in clear.
Nothing is erased while a legal hold is in place, however the erasure is asked for.
"""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from domain.audit import AuditKind
from domain.errors import RuleViolation
from domain.people import ErasureReason, LegalHoldInPlace
from hub.audit.trail import AuditTrail
from hub.capabilities import parse_enum, require_capability
from hub.merging import joined_people
from hub.personal_data import PersonalCipher
from hub.registry import Caller
from hub.store import HubStore
from policies.decision_point import CapabilityPolicy


class Erasure:
    def __init__(self, store: HubStore, cipher: PersonalCipher, audit: AuditTrail,
                 capabilities: CapabilityPolicy,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._store = store
        self._cipher = cipher
        self._audit = audit
        self._capabilities = capabilities
        self._clock = clock

    def erase_by(self, caller: Caller, child_id: UUID, reason_code: str,
                 reason: str | None = None) -> dict[str, Any]:
        """Erasure requested over HTTP, by information governance."""
        require_capability(self._capabilities, self._audit, caller, "erase-child",
                           "erase-child", [child_id])
        return self.erase(caller.as_actor(), child_id, reason_code, reason)

    def erase(self, actor: dict[str, str], child_id: UUID, reason_code: str,
              reason: str | None = None, details: dict[str, Any] | None = None,
              ) -> dict[str, Any]:
        """Erase a child's personal data; refused (and the refusal audited) under a legal hold.

        The erasure is recorded first (so a hold placed meanwhile makes it fail, never follow
        it), then audited, then the keys are destroyed. If that was interrupted, asking again
        finishes it.
        """
        code: ErasureReason = parse_enum(ErasureReason, reason_code, "reason_code")
        at = self._clock()

        merged: list[UUID] = []

        def attempt() -> bool:
            person = self._store.child(child_id)
            if person.same_as is not None:  # merged into, or confirmed as, another record
                raise RuleViolation(f"this record is part of {person.same_as}: erase that "
                                    "one (it erases both)")
            # Every person merged into this one, or confirmed as it, is the same child, its
            # data sealed under its own key: erased with it, each checked for a legal hold.
            merged[:] = [p.id for p in joined_people(self._store, person)]
            if person.erased:
                return False
            others = [self._store.child(m) for m in merged]
            for each in [person, *others]:
                each.record_erasure(code, reason, actor, at)  # checks before anything is lost
            self._store.save(person, *others)
            return True

        try:
            recorded = self._store.write(attempt)
        except LegalHoldInPlace:
            self._audit.record(kind=AuditKind.DENIAL, action="erase-child", actor=actor,
                               child_ids=[child_id],
                               details={"capability": "erase-child", "outcome": "legal-hold",
                                        "reason_code": code.value})
            raise
        if not recorded:
            if self._cipher.keys.get(child_id) is None:
                raise RuleViolation("this person's data has already been erased")
            erasure = self._store.child(child_id).erasure
            if erasure is None:  # recorded is False only for a record already erased
                raise RuleViolation("this person's erasure is not recorded")
            code, at = ErasureReason(erasure["reason_code"]), erasure["erased_at"]
        self._audit.record(kind=AuditKind.ERASURE, action="erase-child", actor=actor,
                           child_ids=[child_id, *merged],
                           details={"at": at.isoformat(), "reason_code": code.value,
                                    **({"merged": [str(m) for m in merged]} if merged else {}),
                                    **(details or {})})
        destroyed = self._cipher.keys.destroy(child_id)
        self._cipher.forget(child_id)
        for other in merged:
            destroyed = self._cipher.keys.destroy(other) and destroyed
            self._cipher.forget(other)
        return {"child_id": str(child_id), "erased_at": at.isoformat(),
                "reason_code": code.value, "keys_destroyed": destroyed}
