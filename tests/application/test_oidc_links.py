"""Who an identity at the OpenID Connect provider is in the hub: only the registered person an
administrator linked it to, in the agency and role they were registered with; nothing in the
provider's claims chooses either. On each store (the link is a record of its own)."""

from uuid import UUID, uuid4

import pytest

from adapters.oidc import OidcProvider
from domain.agencies import StaffChangeReason
from domain.errors import InvalidContent, RuleViolation
from hub.bootstrap import Hub
from hub.errors import Conflict, NotFound, SignInRefused
from hub.intake import LinkHasher
from hub.oidc_sign_in import OidcSignIn
from hub.registry import Registry
from policies.decision_point import MembershipPolicy, packaged_policy

ADMIN = {"cli_user": "test-admin", "host": "test"}


def at(hub: Hub, issuer: str = "https://idp.example.org") -> OidcSignIn:
    """The sign-in for an issuer (nothing here reaches it: linking and finding a person are
    the hub's own)."""
    provider = OidcProvider(issuer, "hub-web", lambda: "secret", "https://hub.example.org/cb")
    return OidcSignIn(provider, hub.registry, LinkHasher(b"k" * 32))


@pytest.fixture
def worker(hub: Hub) -> UUID:
    hub.registry.register_agency("city-mash", "mash", "City MASH")
    user, _ = hub.registry.register_user("city-mash", "team-manager", "Staff")
    return UUID(user["id"])


def test_a_linked_identity_is_the_registered_person_in_their_agency_and_role(
        hub: Hub, worker: UUID) -> None:
    at(hub).link(ADMIN, worker, "248289761001")
    caller = hub.registry.signed_in(at(hub).sign_in_hash("248289761001"))
    assert (caller.user_id, caller.agency_id, caller.agency_kind, caller.role) == (
        worker, "city-mash", "mash", "team-manager")


def test_the_link_is_kept_as_a_keyed_hash_per_issuer(hub: Hub, worker: UUID) -> None:
    at(hub).link(ADMIN, worker, "248289761001")
    digest = at(hub).sign_in_hash("248289761001")
    assert "248289761001" not in digest
    assert digest != at(hub, "https://other-idp.example.org").sign_in_hash("248289761001")
    with pytest.raises(SignInRefused) as refused:
        hub.registry.signed_in(at(hub, "https://other-idp.example.org").sign_in_hash(
            "248289761001"))
    assert refused.value.reason == "not_linked"


def test_an_identity_never_linked_is_refused(hub: Hub, worker: UUID) -> None:
    del worker
    with pytest.raises(SignInRefused) as refused:
        hub.registry.signed_in(at(hub).sign_in_hash("someone@example.org"))
    assert refused.value.reason == "not_linked"


def test_a_disabled_person_is_refused_and_cannot_be_linked(hub: Hub, worker: UUID) -> None:
    at(hub).link(ADMIN, worker, "s-1")
    hub.registry.disable(ADMIN, worker, StaffChangeReason.LEFT_AGENCY)
    with pytest.raises(SignInRefused) as refused:
        hub.registry.signed_in(at(hub).sign_in_hash("s-1"))
    assert refused.value.reason == "user_disabled"
    with pytest.raises(RuleViolation):
        at(hub).link(ADMIN, worker, "s-2")


def test_a_new_link_replaces_the_old_and_an_identity_is_one_persons(
        hub: Hub, worker: UUID) -> None:
    at(hub).link(ADMIN, worker, "s-1")
    at(hub).link(ADMIN, worker, "s-2")
    at(hub).link(ADMIN, worker, "s-2")  # again: nothing changes
    with pytest.raises(SignInRefused):
        hub.registry.signed_in(at(hub).sign_in_hash("s-1"))
    assert hub.registry.signed_in(at(hub).sign_in_hash("s-2")).user_id == worker
    other, _ = hub.registry.register_user("city-mash", "mash-worker", "Staff")
    with pytest.raises(Conflict):
        at(hub).link(ADMIN, UUID(other["id"]), "s-2")
    with pytest.raises(Conflict):  # once linked, an identity stays that person's
        at(hub).link(ADMIN, UUID(other["id"]), "s-1")
    with pytest.raises(NotFound):
        at(hub).link(ADMIN, uuid4(), "s-3")


@pytest.mark.parametrize("subject", ["", " s-1", "s-1 ", "x" * 256])
def test_a_subject_that_is_not_one_is_refused(hub: Hub, worker: UUID, subject: str) -> None:
    with pytest.raises(InvalidContent):
        at(hub).link(ADMIN, worker, subject)


def test_production_refuses_a_demo_person(hub: Hub, worker: UUID) -> None:
    hub.registry.mark_demo(worker)
    at(hub).link(ADMIN, worker, "demo-1")
    digest = at(hub).sign_in_hash("demo-1")
    assert hub.registry.signed_in(digest).user_id == worker  # development
    production = Registry(hub.store, MembershipPolicy(packaged_policy("membership")),
                          production=True)
    with pytest.raises(SignInRefused) as refused:
        production.signed_in(digest)
    assert refused.value.reason == "demo_user"


def test_the_link_is_audited_without_the_subject(hub: Hub, worker: UUID) -> None:
    at(hub).link(ADMIN, worker, "248289761001", StaffChangeReason.ROLE_CHANGED)
    [entry] = [e for e in hub.audit.entries() if e.action == "link-sign-in"]
    assert (entry.kind, entry.actor, entry.details["user_id"], entry.details["role"],
            entry.details["reason_code"]) == ("staff", ADMIN, str(worker), "team-manager",
                                              "role-changed")
    assert "248289761001" not in repr(entry)
