"""What every service does first: check that the caller's role may do this at all (refusals
audited), and read an enumerated value from a request with a clear error."""

from typing import Any
from uuid import UUID

from domain.audit import AuditKind
from domain.errors import InvalidContent
from hub.audit.trail import AuditTrail
from hub.errors import NotEntitled
from hub.registry import Caller
from policies.decision_point import CapabilityPolicy


def parse_enum(kind: type[Any], value: str, field: str) -> Any:
    """A value of ``kind``, or InvalidContent naming the field and the values allowed."""
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(v.value for v in kind)
        raise InvalidContent(field, f"must be one of: {allowed}") from None


def require_capability(capabilities: CapabilityPolicy, audit: AuditTrail, caller: Caller,
                       capability: str, action: str, child_ids: list[UUID] | None = None) -> None:
    """Refuse (and audit the refusal) unless the caller's role has the capability."""
    if not capabilities.allows(caller.agency_kind, caller.role, capability):
        audit.record(kind=AuditKind.DENIAL, action=action, actor=caller.as_actor(),
                     child_ids=child_ids or [],
                     details={"capability": capability, "outcome": "refused"})
        raise NotEntitled(f"your role may not {capability.replace('-', ' ')}")


class Requirement:
    """A service's own capability check, the same in every service:
    ``self.require(caller, capability, action, child_ids)``."""

    def __init__(self, capabilities: CapabilityPolicy, audit: AuditTrail) -> None:
        self._capabilities = capabilities
        self._audit = audit

    def __call__(self, caller: Caller, capability: str, action: str,
                 child_ids: list[UUID] | None = None) -> None:
        require_capability(self._capabilities, self._audit, caller, capability, action,
                           child_ids)
