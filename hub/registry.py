"""Agencies and the people who use the hub for them: registration and sign-in by token."""

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.application import EventSourcedLog
from eventsourcing.domain import DomainEvent

from domain.agencies import Agency, AgencyKind, StaffMember, StaffRole, agency_record_id
from domain.errors import InvalidContent
from domain.indexes import KeyIndex
from hub.errors import Conflict, NotAuthenticated, NotFound
from hub.store import HubStore
from policies.decision_point import MembershipPolicy

BEARER_PREFIX = "hub_"


AGENCY_REGISTER_ID = uuid5(NAMESPACE_URL, "/hub/agency-register")


@dataclass(frozen=True)
class AgencyListed(DomainEvent):
    """An agency joined the register (so every agency can be listed, in order)."""

    class_version = 1
    agency_id: str


def token_hash(token: str) -> str:
    """Tokens carry 256 random bits, so one SHA-256 is enough to store them safely."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return BEARER_PREFIX + secrets.token_urlsafe(32)


@dataclass(frozen=True)
class Caller:
    """The signed-in person a request acts for."""

    user_id: UUID
    agency_id: str
    agency_kind: str
    role: str
    school_urn: str | None = None

    def as_actor(self) -> dict[str, str]:
        return {"user_id": str(self.user_id), "agency": self.agency_id,
                "agency_kind": self.agency_kind, "role": self.role}


class Registry:
    def __init__(self, store: HubStore, membership: MembershipPolicy) -> None:
        self._store = store
        self._membership = membership
        self._register = EventSourcedLog(store.events, AGENCY_REGISTER_ID, AgencyListed)
        self._kinds: dict[str, str] = {}

    def register_agency(self, agency_id: str, kind: str, name: str,
                        urn: str | None = None) -> dict[str, Any]:
        try:
            agency_kind = AgencyKind(kind)
        except ValueError:
            allowed = ", ".join(k.value for k in AgencyKind)
            raise InvalidContent("kind", f"must be one of: {allowed}") from None
        agency = Agency.register(agency_id, agency_kind, name, urn)

        def attempt() -> None:
            if self._store.find(agency.id, Agency) is not None:
                raise Conflict(f"agency '{agency.agency_id}' is already registered")
            claims = []
            if agency.urn is not None:
                urn_key = f"school-urn:{agency.urn}"
                if self._store.lookup(urn_key) is not None:
                    raise Conflict("a school with this URN is already registered")
                claims.append(KeyIndex(key=urn_key, target=agency.id))
            listed = self._register.trigger_event(agency_id=agency.agency_id)
            self._store.save(agency, *claims, listed)

        self._store.write(attempt)
        return self.agency(agency.agency_id)

    def agency(self, agency_id: str) -> dict[str, Any]:
        agency = self._store.find(agency_record_id(agency_id), Agency)
        if agency is None:
            raise NotFound(f"agency '{agency_id}' is not registered")
        return {"id": agency.agency_id, "kind": agency.kind, "name": agency.name,
                "urn": agency.urn}

    def kind_of(self, agency_id: str) -> str | None:
        """The agency's kind (None if not registered); kinds never change, so kept once read."""
        kind = self._kinds.get(agency_id)
        if kind is None:
            agency = self._store.find(agency_record_id(agency_id), Agency)
            if agency is None:
                return None
            kind = self._kinds[agency_id] = agency.kind
        return kind

    def agencies(self) -> list[dict[str, Any]]:
        return [self.agency(listed.agency_id) for listed in self._register.get()]

    def roles_for(self, agency_kind: str) -> list[str]:
        return [r.value for r in StaffRole if self._membership.allows(agency_kind, r.value)]

    def school_by_urn(self, urn: str) -> dict[str, Any] | None:
        record_id = self._store.lookup(f"school-urn:{urn}")
        agency = self._store.find(record_id, Agency) if record_id else None
        return self.agency(agency.agency_id) if agency else None

    def register_user(self, agency_id: str, role: str, name: str,
                      token: str | None = None) -> tuple[dict[str, Any], str]:
        """Register a person; return them and their bearer token (shown only this once)."""
        agency = self.agency(agency_id)
        try:
            staff_role = StaffRole(role)
        except ValueError:
            allowed = ", ".join(r.value for r in StaffRole)
            raise InvalidContent("role", f"must be one of: {allowed}") from None
        if not self._membership.allows(agency["kind"], staff_role.value):
            raise InvalidContent("role", f"a {agency['kind']} agency cannot hold this role")
        token = token or new_token()
        digest = token_hash(token)
        member = StaffMember.register(agency["id"], staff_role, name, digest)

        def attempt() -> None:
            if self._store.lookup(f"token:{digest}") is not None:
                raise Conflict("this token is already in use")
            self._store.save(member, KeyIndex(key=f"token:{digest}", target=member.id))

        self._store.write(attempt)
        user = {"id": str(member.id), "agency": member.agency_id, "role": member.role,
                "name": member.name}
        return user, token

    def user_for_token(self, token: str) -> dict[str, Any] | None:
        """The person a token belongs to (for re-printing demo users), or None."""
        user_id = self._store.lookup(f"token:{token_hash(token)}")
        member = self._store.find(user_id, StaffMember) if user_id else None
        if member is None:
            return None
        return {"id": str(member.id), "agency": member.agency_id, "role": member.role,
                "name": member.name}

    def member(self, user_id: UUID) -> Caller:
        """A registered, active person, as they would act (NotFound otherwise)."""
        member = self._store.find(user_id, StaffMember)
        if member is None or not member.active:
            raise NotFound("no such active user")
        agency = self.agency(member.agency_id)
        return Caller(member.id, member.agency_id, agency["kind"], member.role, agency["urn"])

    def authenticate(self, token: str | None) -> Caller:
        if not token:
            raise NotAuthenticated("a bearer token is required")
        user_id = self._store.lookup(f"token:{token_hash(token)}")
        member = self._store.find(user_id, StaffMember) if user_id else None
        if member is None or not member.active:
            raise NotAuthenticated("the bearer token is not recognised")
        agency = self.agency(member.agency_id)
        return Caller(member.id, member.agency_id, agency["kind"], member.role, agency["urn"])
