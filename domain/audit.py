"""What the audit trail records: one entry per access decision or other audited act.

Entries carry identifiers, roles, purposes, data classes, bases and rules, never personal data
(a break-glass reason is kept with the child's records, not here), so the trail can be
exported to auditors and verified without exposing a child's details.
"""

from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from uuid import UUID

from eventsourcing.domain import DomainEvent


class AuditKind(StrEnum):
    DISCLOSURE = "disclosure"  # personal data was shown (fully or in summary)
    DENIAL = "denial"  # a request for personal data was refused
    CONSENT = "consent"  # consent recorded or withdrawn
    SHARING_DECISION = "sharing-decision"  # a decision to share, or not to share
    ENQUIRY = "enquiry"  # a statutory enquiry opened or closed
    RESTRICTION = "restriction"  # a record restricted or released by its owner
    BREAK_GLASS_REVIEW = "break-glass-review"
    POLICY = "policy"  # a policy version published
    ERASURE = "erasure"  # a person's data keys destroyed
    LEGAL_HOLD = "legal-hold"  # a legal hold placed or released
    SUBJECT_ACCESS = "subject-access"  # a subject access pack assembled, a redaction recorded
    AUDIT_ACCESS = "audit-access"  # an auditor (or an owning agency) read the trail
    TRIAGE = "triage"  # the DART graded an incident and decided who must know
    ENCOMPASS = "encompass"  # a school acknowledged an Operation Encompass notice
    MISSING = "missing"  # a return home interview offered, held, declined or decided against
    FRONT_DOOR = "front-door"  # a contact rated, acknowledged, researched or decided
    DISAGREEMENT = "disagreement"  # an inter-agency disagreement raised, escalated, resolved
    ALLOCATION = "allocation"  # a worker allocated to a child, or a level of need changed
    CHILD_PROTECTION = "child-protection"  # a conference, core group, plan end, care status
    STAFF = "staff"  # a person's access disabled or their token replaced (reason codes only)
    CASELOAD_IMPORT = "caseload-import"  # an authority's open caseload loaded at go-live
    MATCHING = "matching"  # a possible match confirmed or rejected (the outcome, no words)
    SENDER_CORRECTION = "sender-correction"  # a notification amended or withdrawn by its sender
    MARAC = "marac"  # a MARAC meeting scheduled, a case listed, heard or deferred, an action done


@dataclass(frozen=True)
class AuditEntryRecorded(DomainEvent):
    """One leaf of the audit trail (its index is the event's originator_version - 1).

    ``previous`` is the hex Merkle leaf hash of the entry before it ("" for the first), so a
    verifier can name the exact entry where the chain breaks.
    """

    class_version = 1
    previous: str
    kind: str
    action: str
    actor: dict[str, str]
    purpose: str | None
    case_ref: str | None
    child_ids: list[UUID]
    records: list[dict[str, Any]]
    policy_version: str
    details: dict[str, Any]


@dataclass(frozen=True)
class AccessNotified(DomainEvent):
    """An entry in an agency's access-notification feed: another agency read its record."""

    class_version = 1
    audit_index: int
    reader_agency: str
    reader_role: str
    purpose: str | None
    child_id: UUID
    records: list[dict[str, Any]]  # record id, data classes shown, visibility, basis
    break_glass: bool
