"""What the audit trail records: one entry per access decision or other audited act.

Entries carry identifiers, roles, purposes, data classes and rules, never personal data,
so the trail can be exported to auditors and verified without exposing a child's details.
"""

from enum import StrEnum
from typing import Any
from uuid import UUID

from eventsourcing.domain import DomainEvent


class AuditKind(StrEnum):
    DISCLOSURE = "disclosure"  # personal data was shown (fully or in summary)
    DENIAL = "denial"  # a request for personal data was refused


class AuditEntryRecorded(DomainEvent):
    """One leaf of the audit trail (its position is the event's originator_version - 1)."""

    class_version = 1
    kind: str
    action: str
    actor: dict[str, str]
    purpose: str | None
    case_ref: str | None
    child_ids: list[UUID]
    records: list[dict[str, Any]]
    policy_version: str
