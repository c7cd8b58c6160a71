"""The vocabulary of access decisions: data classes, visibility, purposes and relations.

The decision itself is made by the policy decision point (``policies``); this module only
names the things a decision is about, so that every layer speaks of them the same way.
"""

import re
from dataclasses import dataclass
from enum import StrEnum

from domain import text
from domain.errors import InvalidContent
from domain.notifications import Notification, NotificationType

# A case reference is an identifier, never a name or a note: it is kept in the audit trail,
# which cannot be erased. Either a UUID, or a local reference: 1-4 capital letters, an
# optional - or /, 1-12 digits, and optionally - or / and 1-6 more digits; what comes before
# the first - or / is letters only ("MASH-2026/000123", "CP/12345" and "CP12345", never
# "S47-000987").
_CASE_REF_RE = re.compile(r"[A-Z]{1,4}(?:[0-9]{1,12}|[-/][0-9]{1,12}(?:[-/][0-9]{1,6})?)",
                          re.ASCII)
_CASE_UUID_RE = re.compile(r"[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}", re.ASCII)


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
    CP_FLAG = "cp-flag"  # on a child protection plan or looked after: the fact, never the plan
    KNOWN_TO = "known-to"  # which agencies know the child: itself a disclosure about them
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
    UNSCHEDULED_CARE = "unscheduled-care"  # A&E, out-of-hours GP, ambulance: the CP-IS look-up


class Relation(StrEnum):
    """How the caller's agency stands to the record and its child (the strongest that holds)."""

    OWNER = "owner"  # the agency that sent or created the record
    PUPIL = "pupil"  # a school, and the child is its pupil
    INVOLVED = "involved"  # the agency has sent something about the child within the window
    NONE = "none"


class Basis(StrEnum):
    """A lawful basis that may hold for one read, beyond the caller's relation and role."""

    NONE = "none"  # nothing but relation and role (own record, a safeguarding function)
    STATUTORY = "statutory"  # an open s47 enquiry or strategy discussion the agency is part of
    SHARING_DECISION = "sharing-decision"  # the owner's recorded decision to share
    # the owner's decision to share, by a role authorised to override, made against a refusal
    # of consent then in force: it opens what it names despite that refusal
    SHARING_DECISION_OVERRIDING_REFUSAL = "sharing-decision-overriding-refusal"
    CONSENT = "consent"  # consent in scope, given and not withdrawn
    BREAK_GLASS = "break-glass"  # an emergency access with a reason, reviewed afterwards


# When several bases give the same visibility, the first in this order is relied on, so that
# break-glass is used (and alerted) only when nothing else would do.
BASIS_PREFERENCE = (Basis.NONE, Basis.STATUTORY, Basis.SHARING_DECISION,
                    Basis.SHARING_DECISION_OVERRIDING_REFUSAL, Basis.CONSENT, Basis.BREAK_GLASS)


class Restriction(StrEnum):
    """What holds a record back from this caller; the strongest one is decided on."""

    NONE = "none"
    CONSENT_REFUSED = "consent-refused"  # a refusal of consent covers this sharing
    RESTRICTED = "restricted"  # the owner marked the record restricted
    NOT_SHARED = "not-shared"  # the owner decided not to share this with the caller's agency


RESTRICTION_STRENGTH = (Restriction.NONE, Restriction.CONSENT_REFUSED, Restriction.RESTRICTED,
                        Restriction.NOT_SHARED)


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


def parse_break_glass(raw: str | None) -> str | None:
    """The reason given for an emergency access, or None when none is claimed."""
    if raw is None:
        return None
    return break_glass_reason(raw)


def break_glass_reason(raw: str) -> str:
    """An emergency access's reason: a sentence, under 500 characters."""
    return text.reason(raw, "X-Break-Glass", most=500,
                       short="the emergency reason must be a sentence",
                       long="the emergency reason must be under 500 characters")


def parse_case_ref(raw: str | None) -> str | None:
    """The case a read is for, as it will be audited: a UUID (in lower case), or a local
    reference such as MASH-2026/000123; anything else is refused."""
    if raw is None or not raw.strip():
        return None
    ref = raw.strip()
    if _CASE_UUID_RE.fullmatch(ref):
        return ref.lower()
    if not _CASE_REF_RE.fullmatch(ref):
        raise InvalidContent("X-Case-Ref", "must be a UUID, or 1-4 capital letters then - or / "
                                           "and 1-12 digits (and optionally - or / and 1-6 "
                                           "more), or 1-12 digits straight after the letters: "
                                           "MASH-2026/000123, CP/12345, CP12345")
    return ref


VISIBILITY_RANK = {Visibility.NONE: 0, Visibility.SUMMARY: 1, Visibility.FULL: 2}


@dataclass(frozen=True, slots=True)
class AccessQuestion:
    """The discrete attributes a policy decides on."""

    agency_kind: str
    role: str
    relation: Relation
    data_class: DataClass
    purpose: Purpose
    basis: Basis = Basis.NONE
    restriction: Restriction = Restriction.NONE


@dataclass(frozen=True, slots=True)
class AccessDecision:
    """What may be seen, on which lawful ground, and which rule of which policy said so."""

    visibility: Visibility
    rule: str
    policy_version: str
    ground: str = "none"
    basis: Basis = Basis.NONE

    @property
    def allowed(self) -> bool:
        return self.visibility is not Visibility.NONE


def content_class(n: Notification) -> DataClass | None:
    """The class of a record's free text when it was copied from a record of another class
    (the DART's triage rationale in its referral to the MASH stays da-risk): classes follow
    content, so a basis for the new record's class does not open the copied text."""
    value = n.details.get("content_class")
    return DataClass(value) if value else None


def field_classes(n: Notification) -> tuple[DataClass, list[DataClass]]:
    """The record's main data class, and every class its fields belong to."""
    main = DATA_CLASS_OF_NOTIFICATION[NotificationType(n.notification_type)]
    classes = [main, DataClass.IDENTITY]
    copied = content_class(n)
    if copied is not None:
        classes.append(copied)
    if n.details.get("dash") is not None:
        classes.append(DataClass.DA_RISK)
    if n.details.get("location") is not None and n.details.get("location_sensitive"):
        classes.append(DataClass.SENSITIVE_LOCATION)
    return main, list(dict.fromkeys(classes))


# What a partner's MASH research is, for the access policy: the class of data its agency
# holds. Research is asked of these kinds of agency (not of the MASH itself).
RESEARCH_CLASS = {"police": DataClass.POLICE_INTELLIGENCE, "health": DataClass.HEALTH,
                  "school": DataClass.EDUCATION, "dart": DataClass.DA_RISK,
                  "missing": DataClass.MISSING_EPISODE}


def research_class(agency_kind: str) -> DataClass:
    return RESEARCH_CLASS.get(agency_kind, DataClass.SOCIAL_CARE)
