"""Agencies and the people who use the hub for them: registration and sign-in by token.

Signing in reads the person from the store on every request (never from an aggregate cache),
so a token disabled or replaced by any hub process stops working at the next request.
"""

import hashlib
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.application import EventSourcedLog, project_aggregate
from eventsourcing.domain import DomainEvent
from eventsourcing.persistence import PersistenceError
from eventsourcing.utils import get_topic

from domain.agencies import (
    Agency,
    AgencyKind,
    StaffChangeReason,
    StaffMember,
    StaffRole,
    agency_record_id,
)
from domain.audit import AuditKind
from domain.errors import InvalidContent
from domain.indexes import KeyIndex, school_urn_key, sign_in_key, token_key
from domain.personal import Personal
from hub.audit.trail import AuditTrail
from hub.errors import Conflict, NotAuthenticated, NotFound, SignInRefused, StoreUnavailable
from hub.store import HubStore
from policies.decision_point import MembershipPolicy

BEARER_PREFIX = "hub_"
# Demo tokens (hub/demo.py) start with this; production refuses them whoever holds them.
DEMO_TOKEN_PREFIX = BEARER_PREFIX + "demo_"
DEFAULT_TOKEN_LIFETIME = timedelta(days=90)
STAFF_REGISTERED = get_topic(StaffMember.Registered)


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
    while True:
        token = BEARER_PREFIX + secrets.token_urlsafe(32)
        if not token.startswith(DEMO_TOKEN_PREFIX):  # never mistaken for a demo token
            return token


def _now() -> datetime:
    return datetime.now(UTC)


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
    def __init__(self, store: HubStore, membership: MembershipPolicy,
                 clock: Callable[[], datetime] = _now,
                 token_lifetime: timedelta = DEFAULT_TOKEN_LIFETIME,
                 production: bool = False,
                 legacy_demo_hashes: frozenset[str] = frozenset(),
                 audit: AuditTrail | None = None) -> None:
        self._store = store
        self._audit = audit
        self._membership = membership
        self._register = EventSourcedLog(store.events, AGENCY_REGISTER_ID, AgencyListed)
        self._kinds: dict[str, str] = {}
        self._clock = clock
        self.token_lifetime = token_lifetime
        self._production = production
        # Hashes of the demo's tokens, where this HUB_HOME holds the demo key: users seeded
        # by a demo from before demo users were marked are demo users all the same.
        self._legacy_demo_hashes = legacy_demo_hashes

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
                raise Conflict("an agency with this id is already registered")
            claims = []
            if agency.urn is not None:
                urn_key = school_urn_key(agency.urn)
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
            raise NotFound("no agency with that id is registered")  # never echo the id
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
        record_id = self._store.lookup(school_urn_key(urn))
        agency = self._store.find(record_id, Agency) if record_id else None
        return self.agency(agency.agency_id) if agency else None

    def register_user(self, agency_id: str, role: str, name: str,
                      token: str | None = None, demo: bool = False,
                      lifetime: timedelta | None = None) -> tuple[dict[str, Any], str]:
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
        issued = self._clock()
        member = StaffMember.register(agency["id"], staff_role, name, digest, issued,
                                      issued + (lifetime or self.token_lifetime), demo)

        def attempt() -> None:
            if self._store.lookup(token_key(digest)) is not None:
                raise Conflict("this token is already in use")
            self._store.save(member, KeyIndex(key=token_key(digest), target=member.id))

        self._store.write(attempt)
        return self._describe(member), token

    def _describe(self, member: StaffMember) -> dict[str, Any]:
        """A person as listed: never their token, nor its hash."""
        expiry = member.token_expiry(self.token_lifetime)
        return {"id": str(member.id), "agency": member.agency_id, "role": member.role,
                "name": _plain(member.name), "active": member.active,
                "demo": self.is_demo(member),
                "token_expires_at": expiry.isoformat() if expiry else None,
                "disabled_reason": (member.disabled or {}).get("reason_code")}

    def _current(self, user_id: UUID) -> StaffMember | None:
        """The person as the store has them now: read from their events every time, never
        from an aggregate cache, so a change made by another process counts at once."""
        try:
            member: StaffMember | None = project_aggregate(None, self._store.events.get(user_id))
        except PersistenceError as error:
            raise StoreUnavailable("the event store did not answer") from error
        return member if isinstance(member, StaffMember) else None

    def _member_for_token(self, token: str) -> StaffMember | None:
        user_id = self._store.lookup(token_key(token_hash(token)))
        return self._current(user_id) if user_id else None

    def user_for_token(self, token: str) -> dict[str, Any] | None:
        """The person a token belongs to (for re-printing demo users), or None."""
        member = self._member_for_token(token)
        return None if member is None else self._describe(member)

    def now(self) -> datetime:
        return self._clock()

    def mark_demo(self, user_id: UUID | str) -> None:
        """Mark a person as a demo user (once)."""
        def attempt() -> None:
            member = self._current(UUID(str(user_id)))
            if member is None:
                raise NotFound("no such user")
            if not member.demo:
                member.mark_demo()
                self._store.save(member)

        self._store.write(attempt)

    def is_demo(self, member: StaffMember) -> bool:
        return member.demo or member.token_hash in self._legacy_demo_hashes

    def users(self, agency_id: str | None = None) -> list[dict[str, Any]]:
        """Everyone registered (active or not), in the order they were registered."""
        if agency_id is not None:
            self.agency(agency_id)  # NotFound for an unknown agency
        found = []
        for row in self._store.recorder.select_notifications(
                start=1, limit=10**9, topics=[STAFF_REGISTERED]):
            member = self._current(UUID(str(row.originator_id)))
            if member is not None and agency_id in (None, member.agency_id):
                found.append(self._describe(member))
        return found

    def demo_users(self) -> list[dict[str, Any]]:
        """The active demo users (production refuses to run while there is one)."""
        return [u for u in self.users() if u["demo"] and u["active"]]

    def disable(self, actor: dict[str, str], user_id: UUID,
                reason: StaffChangeReason) -> dict[str, Any]:
        """Withdraw a person's access at once (their token stops working everywhere)."""
        at = self._clock()

        def attempt() -> StaffMember:
            member = self._current(user_id)
            if member is None:
                raise NotFound("no such user")
            member.disable(reason, actor, at)
            self._store.save(member)
            return member

        user = self._describe(self._store.write(attempt))
        self._record("disable-user", actor, user, reason)
        return user

    def rotate(self, actor: dict[str, str], user_id: UUID,
               reason: StaffChangeReason) -> tuple[dict[str, Any], str]:
        """A new token for the person (shown only this once); the old one stops at once."""
        token = new_token()
        user = self.renew(user_id, token, reason)
        self._record("rotate-token", actor, user, reason)
        return user, token

    def _record(self, action: str, actor: dict[str, str], user: dict[str, Any],
                reason: StaffChangeReason) -> None:
        """An audit entry for a change to a person's access: ids and codes, never a name."""
        if self._audit is not None:
            self._audit.record(kind=AuditKind.STAFF, action=action, actor=actor,
                               details={"user_id": user["id"], "agency": user["agency"],
                                        "role": user["role"], "reason_code": reason.value})

    def renew(self, user_id: UUID | str, token: str,
              reason: StaffChangeReason | None) -> dict[str, Any]:
        """Issue ``token`` to the person with a full lifetime from now (a demo user's token
        is the same one again)."""
        digest = token_hash(token)
        at = self._clock()

        def attempt() -> StaffMember:
            member = self._current(UUID(str(user_id)))
            if member is None:
                raise NotFound("no such user")
            claim = self._store.lookup(token_key(digest))
            if claim is not None and claim != member.id:
                raise Conflict("this token is already in use")
            member.issue_token(digest, at, at + self.token_lifetime, reason)
            index = [] if claim is not None else [KeyIndex(key=token_key(digest),
                                                            target=member.id)]
            self._store.save(member, *index)
            return member

        return self._describe(self._store.write(attempt))

    def link_sign_in(self, actor: dict[str, str], user_id: UUID, sign_in_hash: str,
                     reason: StaffChangeReason) -> dict[str, Any]:
        """The person signs in to the web app as this identity (a keyed hash of the identity
        provider's issuer and subject), instead of any before. One identity, one person."""
        at = self._clock()

        def attempt() -> StaffMember:
            member = self._current(user_id)
            if member is None:
                raise NotFound("no such user")
            claim = self._store.lookup(sign_in_key(sign_in_hash))
            if claim is not None and claim != member.id:
                raise Conflict("this identity is already linked to another user")
            member.link_sign_in(sign_in_hash, actor, at, reason)
            index = [] if claim is not None else [KeyIndex(key=sign_in_key(sign_in_hash),
                                                            target=member.id)]
            self._store.save(member, *index)
            return member

        user = self._describe(self._store.write(attempt))
        self._record("link-sign-in", actor, user, reason)
        return user

    def signed_in(self, sign_in_hash: str) -> Caller:
        """The registered, active person linked to this identity, as they act: their agency
        and role are those they were registered with (SignInRefused otherwise)."""
        user_id = self._store.lookup(sign_in_key(sign_in_hash))
        member = self._current(user_id) if user_id else None
        if member is None or member.sign_in_hash != sign_in_hash:
            # Never linked, or linked since to another identity.
            raise SignInRefused("not_linked", "this identity is not linked to a registered "
                                "user; ask an administrator to link it")
        if not member.active:
            raise SignInRefused("user_disabled", "this user is disabled")
        if self._production and self.is_demo(member):
            raise SignInRefused("demo_user", "demo users are refused in production")
        agency = self.agency(member.agency_id)
        return Caller(member.id, member.agency_id, agency["kind"], member.role, agency["urn"])

    def names(self, user_ids: Iterable[str]) -> dict[str, str | None]:
        """Each person's name (for auditors): None where it cannot be read."""
        found: dict[str, str | None] = {}
        for raw in user_ids:
            if raw in found:
                continue
            try:
                member = self._current(UUID(raw))
            except ValueError:
                member = None
            found[raw] = _plain(member.name) if member is not None else None
        return found

    def member(self, user_id: UUID) -> Caller:
        """A registered, active person, as they would act (NotFound otherwise)."""
        member = self._current(user_id)
        if member is None or not member.active:
            raise NotFound("no such active user")
        agency = self.agency(member.agency_id)
        return Caller(member.id, member.agency_id, agency["kind"], member.role, agency["urn"])

    def authenticate(self, token: str | None) -> Caller:
        if not token:
            raise NotAuthenticated("a bearer token is required")
        member = self._member_for_token(token)
        if member is None or member.token_hash != token_hash(token):
            # Unknown, or replaced by a newer token.
            raise NotAuthenticated("the bearer token is not recognised")
        if not member.active:
            raise NotAuthenticated("the bearer token has been revoked")
        if self._production and (self.is_demo(member) or token.startswith(DEMO_TOKEN_PREFIX)):
            raise NotAuthenticated("demo tokens are refused in production")
        expiry = member.token_expiry(self.token_lifetime)
        if expiry is None or self._clock() >= expiry:
            raise NotAuthenticated("the bearer token has expired; ask for a new one")
        agency = self.agency(member.agency_id)
        return Caller(member.id, member.agency_id, agency["kind"], member.role, agency["urn"])


def _plain(name: Personal | str) -> str | None:
    return name.value if isinstance(name, Personal) else name
