"""The vocabulary of access decisions: data classes, visibility, purposes and relations.

The decision itself is made by the policy decision point (``policies``); this module only
names the things a decision is about, so that every layer speaks of them the same way.
"""

import re
from dataclasses import dataclass
from enum import StrEnum

from domain.errors import InvalidContent
from domain.notifications import NotificationType

_CASE_REF_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/:-]{0,63}$")


class DataClass(StrEnum):
    IDENTITY = "identity"
    POLICE_INCIDENT = "police-incident"
    POLICE_INTELLIGENCE = "police-intelligence"
    DA_RISK = "da-risk"
    HEALTH = "health"
    EDUCATION = "education"
    SOCIAL_CARE = "social-care"
    MISSING_EPISODE = "missing-episode"
    ENCOMPASS_NOTICE = "encompass-notice"
    SENSITIVE_LOCATION = "sensitive-location"


class Visibility(StrEnum):
    """How much of a record a caller may see.

    ``summary`` is that the record exists: its date, agency, type and whom to contact.
    """

    FULL = "full"
    SUMMARY = "summary"
    NONE = "none"


class Purpose(StrEnum):
    """Why a person reads personal data; sent as ``X-Purpose`` and kept in the audit trail."""

    TRIAGE = "triage"
    ASSESSMENT = "assessment"
    STRATEGY_DISCUSSION = "strategy-discussion"
    S47 = "s47"
    ENCOMPASS = "encompass"
    MISSING = "missing"
    MARAC = "marac"
    REFERRAL = "referral"
    AUDIT = "audit"
    SUBJECT_ACCESS = "subject-access"


class Relation(StrEnum):
    """How the caller's agency stands to the record asked for."""

    OWNER = "owner"  # the agency that sent or created the record
    OTHER = "other"


DATA_CLASS_OF_NOTIFICATION: dict[NotificationType, DataClass] = {
    NotificationType.DOMESTIC_ABUSE_INCIDENT: DataClass.POLICE_INCIDENT,
    NotificationType.MISSING: DataClass.MISSING_EPISODE,
    NotificationType.FOUND: DataClass.MISSING_EPISODE,
    NotificationType.HEALTH_CONCERN: DataClass.HEALTH,
    NotificationType.SCHOOL_CONCERN: DataClass.EDUCATION,
    NotificationType.POLICE_CONCERN: DataClass.POLICE_INTELLIGENCE,
    NotificationType.DART_TRIAGE: DataClass.DA_RISK,
    NotificationType.REFERRAL: DataClass.SOCIAL_CARE,
}


def parse_purpose(raw: str | None) -> Purpose:
    if raw is None or not raw.strip():
        raise InvalidContent("X-Purpose", "is required when reading personal data")
    try:
        return Purpose(raw.strip())
    except ValueError:
        allowed = ", ".join(p.value for p in Purpose)
        raise InvalidContent("X-Purpose", f"must be one of: {allowed}") from None


def parse_case_ref(raw: str | None) -> str | None:
    if raw is None or not raw.strip():
        return None
    if not _CASE_REF_RE.fullmatch(raw.strip()):
        raise InvalidContent("X-Case-Ref", "must be 1-64 letters, digits or . _ / : -")
    return raw.strip()


@dataclass(frozen=True, slots=True)
class AccessQuestion:
    """The discrete attributes a policy decides on."""

    agency_kind: str
    role: str
    relation: Relation
    data_class: DataClass
    purpose: Purpose


@dataclass(frozen=True, slots=True)
class AccessDecision:
    """What may be seen, and which rule of which policy version said so."""

    visibility: Visibility
    rule: str
    policy_version: str

    @property
    def allowed(self) -> bool:
        return self.visibility is not Visibility.NONE
