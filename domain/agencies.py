"""Agencies that share through the hub, and the people who work for them."""

import re
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from eventsourcing.domain import Aggregate, event

from domain.errors import InvalidContent, RuleViolation
from domain.identifiers import normalise_name, normalise_urn
from domain.personal import Personal

_AGENCY_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")

# Agency ids the hub writes for itself: ``hub`` owns person records and signs its own rules
# (hub/access.py HUB_OWNER, hub/front_door.py HUB_RULE); ``cli`` and ``schools`` are labels
# in the indicators (an actor without an agency, every school counted together); ``system``
# is kept back for the hub's own processes. An agency registered under one of these would be
# taken for the hub. Every id starting ``hub-`` is kept back too, for names the hub may give
# itself later, except ``hub-admin``, the demo's administration agency (already in stores).
RESERVED_AGENCY_IDS = frozenset({"hub", "cli", "schools", "system"})
RESERVED_AGENCY_PREFIX = "hub-"
RESERVED_PREFIX_ALLOWED = frozenset({"hub-admin"})


class AgencyKind(StrEnum):
    POLICE = "police"
    HEALTH = "health"
    SCHOOL = "school"
    DART = "dart"
    MASH = "mash"
    MISSING = "missing"
    AUDITOR = "auditor"
    ADMIN = "admin"


class StaffRole(StrEnum):
    POLICE_OFFICER = "police-officer"
    DART_WORKER = "dart-worker"
    MASH_WORKER = "mash-worker"
    SOCIAL_WORKER = "social-worker"
    TEAM_MANAGER = "team-manager"
    HEALTH_PRACTITIONER = "health-practitioner"
    DSL = "dsl"
    MISSING_WORKER = "missing-worker"
    AUDITOR = "auditor"
    ADMIN = "admin"
    # Information governance: erasure, legal holds and subject access (an auditor-kind agency).
    INFORMATION_GOVERNANCE = "information-governance"
    # A&E, urgent care and out-of-hours clinicians: the CP-IS look-up (a health-kind agency).
    UNSCHEDULED_CARE_CLINICIAN = "unscheduled-care-clinician"
    # A health agency's named safeguarding lead: decides to share, and may override a refusal
    # of consent for the agency's records (it reads no child's records by this role).
    SAFEGUARDING_LEAD = "safeguarding-lead"
    # The local authority's independent reviewing officer: chairs child protection
    # conferences (or sits in them) and signs off their minutes (a mash-kind agency).
    INDEPENDENT_REVIEWING_OFFICER = "independent-reviewing-officer"


def normalise_agency_id(raw: str) -> str:
    agency_id = raw.strip()
    if not _AGENCY_ID_RE.fullmatch(agency_id):
        raise InvalidContent("id", "must be 2-63 lower-case letters, digits or hyphens")
    return agency_id


def is_reserved_agency_id(agency_id: str) -> bool:
    """The hub uses this id for itself: no agency may be registered under it."""
    return agency_id in RESERVED_AGENCY_IDS or (
        agency_id.startswith(RESERVED_AGENCY_PREFIX)
        and agency_id not in RESERVED_PREFIX_ALLOWED)


class Agency(Aggregate):
    """A registered agency: a police force, a health trust, a school, the DART, the MASH..."""

    class Registered(Aggregate.Created):
        class_version = 1
        agency_id: str
        kind: str
        name: str
        urn: str | None

    @event(Registered)
    def __init__(self, agency_id: str, kind: str, name: str, urn: str | None) -> None:
        self.agency_id = agency_id
        self.kind = kind
        self.name = name
        self.urn = urn

    @staticmethod
    def create_id(agency_id: str) -> UUID:
        return agency_record_id(agency_id)

    @classmethod
    def register(cls, agency_id: str, kind: AgencyKind, name: str,
                 urn: str | None) -> "Agency":
        """A new agency; a school must carry its URN and only a school may."""
        if kind is AgencyKind.SCHOOL and urn is None:
            raise InvalidContent("urn", "is required for a school")
        if kind is not AgencyKind.SCHOOL and urn is not None:
            raise InvalidContent("urn", "is only for schools")
        agency_id = normalise_agency_id(agency_id)
        if is_reserved_agency_id(agency_id):
            raise InvalidContent("id", "is reserved for the hub's own use")
        return cls(
            agency_id=agency_id,
            kind=kind.value,
            name=normalise_name(name, "name"),
            urn=normalise_urn(urn, "urn") if urn is not None else None,
        )


def agency_record_id(agency_id: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"/hub/agency/{agency_id}")


class StaffChangeReason(StrEnum):
    """Why a person's access was withdrawn or their token replaced (never free text: these
    go into the audit trail)."""

    LEFT_AGENCY = "left-agency"
    ROLE_CHANGED = "role-changed"
    SUSPECTED_COMPROMISE = "suspected-compromise"
    EXPIRED = "expired"
    OTHER = "other"


class StaffMember(Aggregate):
    """A person who uses the hub on behalf of an agency, in one role.

    Only a hash of their bearer token is kept; the token itself is shown once. Each token has
    an issue time and an expiry (``TokenIssued``); a new token replaces the one before. A
    person disabled stays on record, never signs in again. Their name is personal data,
    sealed under their own id like every other person's.
    """

    class Registered(Aggregate.Created):
        """v2: ``name`` is sealed (``Personal``, held under the member's own id) and the token
        follows in ``TokenIssued``, so ``token_hash`` is None. v1 held the name in clear and
        the hash of a token issued at registration, with no expiry recorded."""

        class_version = 2
        agency_id: str
        role: str
        name: Personal
        token_hash: str | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            # A v1 name stays as it was stored (an upcaster cannot encrypt); it is wrapped so
            # that every name reads the same way. Names registered from v2 on are sealed.
            state["name"] = Personal(state["originator_id"], "name", state["name"])

    @event(Registered)
    def __init__(self, id: UUID, agency_id: str, role: str, name: Personal,
                 token_hash: str | None) -> None:
        self.agency_id = agency_id
        self.role = role
        self.name = name
        self.active = True
        self.demo = False
        self.disabled: dict[str, Any] | None = None
        self.token_hash = token_hash
        # v1: the token was issued at registration; its expiry is the default lifetime then.
        self.token_issued_at: datetime | None = self.created_on if token_hash else None
        self.token_expires_at: datetime | None = None
        # A keyed hash of the identity provider's issuer and subject the person signs in to
        # the web app as (None: not linked; they cannot sign in there).
        self.sign_in_hash: str | None = None

    @classmethod
    def register(cls, agency_id: str, role: StaffRole, name: str, token_hash: str,
                 issued_at: datetime, expires_at: datetime,
                 demo: bool = False) -> "StaffMember":
        member_id = uuid4()
        member = cls(id=member_id, agency_id=agency_id, role=role.value,
                     name=Personal(member_id, "name", normalise_name(name, "name")),
                     token_hash=None)
        member.issue_token(token_hash, issued_at, expires_at, None)
        if demo:
            member.mark_demo()
        return member

    class TokenIssued(Aggregate.Event):
        """A bearer token (its hash) issued, replacing any before it, with its expiry."""

        class_version = 1
        token_hash: str
        issued_at: datetime
        expires_at: datetime
        reason_code: str | None  # None: the first token, at registration

    @event(TokenIssued)
    def _issue_token(self, token_hash: str, issued_at: datetime, expires_at: datetime,
                     reason_code: str | None) -> None:
        self.token_hash = token_hash
        self.token_issued_at = issued_at
        self.token_expires_at = expires_at

    def issue_token(self, token_hash: str, issued_at: datetime, expires_at: datetime,
                    reason: StaffChangeReason | None) -> None:
        if not self.active:
            raise RuleViolation("this user is disabled; register them again instead")
        if expires_at <= issued_at:
            raise InvalidContent("expires_at", "must be after the token is issued")
        self._issue_token(token_hash, issued_at, expires_at,
                          reason.value if reason is not None else None)

    def token_expiry(self, default_lifetime: timedelta) -> datetime | None:
        """When the current token stops working (a v1 token: the default lifetime after it
        was issued at registration)."""
        if self.token_expires_at is not None:
            return self.token_expires_at
        if self.token_issued_at is not None:
            return self.token_issued_at + default_lifetime
        return None

    class Disabled(Aggregate.Event):
        """The person may no longer sign in (a non-personal reason code says why)."""

        class_version = 1
        reason_code: str
        disabled_by: dict[str, str]
        disabled_at: datetime

    @event(Disabled)
    def _disable(self, reason_code: str, disabled_by: dict[str, str],
                 disabled_at: datetime) -> None:
        self.active = False
        self.disabled = {"reason_code": reason_code, "by": disabled_by, "at": disabled_at}

    def disable(self, reason: StaffChangeReason, by: dict[str, str], at: datetime) -> None:
        if not self.active:
            raise RuleViolation("this user is already disabled")
        self._disable(reason.value, by, at)

    class SignInLinked(Aggregate.Event):
        """The person signs in to the web app as this identity at the organisation's identity
        provider (a keyed hash of its issuer and subject), replacing any linked before."""

        class_version = 1
        sign_in_hash: str
        linked_by: dict[str, str]
        linked_at: datetime
        reason_code: str

    @event(SignInLinked)
    def _link_sign_in(self, sign_in_hash: str, linked_by: dict[str, str], linked_at: datetime,
                      reason_code: str) -> None:
        self.sign_in_hash = sign_in_hash

    def link_sign_in(self, sign_in_hash: str, by: dict[str, str], at: datetime,
                     reason: StaffChangeReason) -> None:
        if not self.active:
            raise RuleViolation("this user is disabled; register them again instead")
        self._link_sign_in(sign_in_hash, by, at, reason.value)

    class DemoMarked(Aggregate.Event):
        """A demo user (``hub demo``): production refuses to run while one is active."""

        class_version = 1

    @event(DemoMarked)
    def mark_demo(self) -> None:
        self.demo = True
