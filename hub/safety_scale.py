"""A child's Signs of Safety over time: each safety scale (0-10) with its date and where it
was recorded (a MASH decision, an assessment's completion, a conference, a core group
meeting). The scale is shown to every role that may read it; the worries, what is working
well and what needs to happen are personal free text, sealed under the child and revealed
only to the roles entitled to them. Every read is audited naming the child and each record
it drew on."""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from domain.access import DataClass, Purpose, Visibility
from domain.child_protection import ProtectionRecord, protection_id
from domain.front_door import MashContact
from domain.personal import reveal
from hub.access import HUB_OWNER
from hub.audit.shown import Shown, disclose
from hub.audit.trail import AuditTrail
from hub.capabilities import Requirement
from hub.projections.work_index import WorkIndex
from hub.purposes import PurposeBinding
from hub.registry import Caller
from hub.social_care_records import SocialCareRecords
from hub.store import HubStore
from policies.decision_point import CapabilityPolicy

DUTY = "local-authority-safeguarding-duty"


class SafetyScale:
    def __init__(self, store: HubStore, capabilities: CapabilityPolicy, audit: AuditTrail,
                 work: WorkIndex,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._store = store
        self._capabilities = capabilities
        self._audit = audit
        self.require = Requirement(capabilities, audit)
        self.held = SocialCareRecords(store, work, audit)
        self.work = work
        self._clock = clock

    def _found(self, child_id: UUID) -> list[tuple[UUID, str, str, datetime, dict[str, Any]]]:
        """(record, record type, owner, when, signs) for each safety scale recorded."""
        found = []
        self.work.catch_up()
        for contact_id in self.work.child_contacts.get(child_id, []):
            c = self._store.find(contact_id, MashContact)
            if c is None:
                continue
            for part, where in ((c.decision, "mash-decision"), (c.assessment, "assessment")):
                if part is not None and part.get("signs_of_safety") is not None:
                    found.append((c.id, where, part["by"].get("agency", HUB_OWNER),
                                  part["at"], part["signs_of_safety"]))
        record = self._store.find(protection_id(child_id), ProtectionRecord)
        if record is not None:
            found += [(record.id, f"{c['kind']}-conference", c["by"].get("agency", HUB_OWNER),
                       c["at"], c["signs_of_safety"]) for c in record.conferences
                      if c.get("signs_of_safety") is not None]
            found += [(record.id, "core-group", m["by"].get("agency", HUB_OWNER), m["at"],
                       m["signs_of_safety"]) for plan in record.plans
                      for m in plan.get("core_groups", []) if m["signs_of_safety"] is not None]
        return sorted(found, key=lambda f: f[3])

    def read(self, caller: Caller, child_id: UUID, purpose: Purpose = Purpose.ASSESSMENT,
             case_ref: str | None = None) -> dict[str, Any]:
        """The child's safety scale over time, oldest first; with the texts for a role
        entitled to them. Another authority's child is answered as an unknown one."""
        action = "read-safety-scale"
        self.require(caller, "read-safety-scale", action, [child_id])
        PurposeBinding(self._store, self._capabilities, self._audit).check(
            caller, purpose, case_ref, [child_id], self._clock(), action)
        self.held.check(caller, child_id, action, "no such child", purpose.value)
        self._store.child(child_id)
        texts = self._capabilities.allows(caller.agency_kind, caller.role,
                                          "read-signs-of-safety")
        found = self._found(child_id)
        visibility = (Visibility.FULL if texts else Visibility.SUMMARY).value
        rule = "capability:read-signs-of-safety" if texts else "capability:read-safety-scale"
        shown = list(dict.fromkeys(
            Shown(record, "mash-contact" if where in ("mash-decision", "assessment")
                  else "protection-record", owner, child_id, (DataClass.SOCIAL_CARE,), DUTY,
                  rule, visibility)
            for record, where, owner, _, _ in found))
        disclose(self._audit, caller, "read-safety-scale", shown,
                 purpose=purpose.value, case_ref=case_ref, about=[child_id],
                 details={"scales": len(found), "texts": texts})
        return {"child_id": str(child_id), "texts": texts, "items": [
            {"at": at.isoformat(), "where": where, "record": str(record),
             "scale": signs["scale"],
             **({"worries": reveal(signs["worries"]),
                 "working_well": reveal(signs["working_well"]),
                 "needs_to_happen": reveal(signs["needs_to_happen"])} if texts else {})}
            for record, where, _, at, signs in found]}
