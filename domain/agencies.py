"""Agencies that share through the hub, and the people who work for them."""

import re
from enum import StrEnum
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.errors import InvalidContent
from domain.identifiers import normalise_name, normalise_urn

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


class StaffMember(Aggregate):
    """A person who uses the hub on behalf of an agency, in one role.

    Only a hash of their bearer token is kept; the token itself is shown once.
    """

    class Registered(Aggregate.Created):
        class_version = 1
        agency_id: str
        role: str
        name: str
        token_hash: str

    @event(Registered)
    def __init__(self, agency_id: str, role: str, name: str, token_hash: str) -> None:
        self.agency_id = agency_id
        self.role = role
        self.name = name
        self.token_hash = token_hash
        self.active = True

    @classmethod
    def register(cls, agency_id: str, role: StaffRole, name: str,
                 token_hash: str) -> "StaffMember":
        return cls(agency_id=agency_id, role=role.value, name=normalise_name(name, "name"),
                   token_hash=token_hash)
