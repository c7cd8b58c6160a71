"""Erasure in an append-only store: destroy the person's data keys, record why.

The events stay (the chronology, the reports and the audit trail still work on what is not
personal, and the audit trail still verifies); every personal value sealed under the person's
key becomes unreadable, in the store and in every backup of it.
"""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from domain.audit import AuditKind
from domain.people import PersonRecord
from hub.audit.trail import AuditTrail
from hub.errors import NotEntitled
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

    def erase_by(self, caller: Caller, child_id: UUID, reason: str) -> dict[str, Any]:
        """Erasure requested over HTTP, by a role allowed to erase."""
        if not self._capabilities.allows(caller.agency_kind, caller.role, "erase-child"):
            self._audit.record(kind=AuditKind.DENIAL, action="erase-child",
                               actor=caller.as_actor(), child_ids=[child_id])
            raise NotEntitled("your role may not erase a child's data")
        return self.erase(caller.as_actor(), child_id, reason)

    def erase(self, actor: dict[str, str], child_id: UUID, reason: str) -> dict[str, Any]:
        person = self._store.child(child_id)
        at = self._clock()
        person.record_erasure(reason, actor, at)  # checks the reason before anything is lost
        self._audit.record(kind=AuditKind.ERASURE, action="erase-child", actor=actor,
                           child_ids=[child_id], details={"at": at.isoformat()})
        destroyed = self._cipher.keys.destroy(child_id)
        self._cipher.forget(child_id)

        def attempt() -> None:
            fresh = self._store.find(child_id, PersonRecord)
            if fresh is not None and not fresh.erased:
                fresh.record_erasure(reason, actor, at)
                self._store.save(fresh)

        self._store.write(attempt)
        return {"child_id": str(child_id), "erased_at": at.isoformat(),
                "keys_destroyed": destroyed}
