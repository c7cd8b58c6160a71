"""People and their tokens: a token's lifetime, disabling a person, a new token replacing the
old, demo users refused in production, names sealed, and people registered before any of
this (``StaffMember.Registered`` v1) still signing in, with the default lifetime."""

import json
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import StoredEvent

from domain.agencies import StaffChangeReason, StaffMember
from domain.errors import RuleViolation
from domain.indexes import KeyIndex
from domain.personal import Personal
from hub.bootstrap import Hub, bootstrap, refuse_demo_users
from hub.errors import NotAuthenticated
from hub.registry import new_token, token_hash
from hub.settings import Environment, Settings, SettingsError
from tests.support import Clock

CLI = {"cli_user": "ig", "host": "hub-1"}


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def police(hub: Hub) -> tuple[UUID, str]:
    hub.registry.register_agency("notts-police", "police", "Nottinghamshire Police")
    user, token = hub.registry.register_user("notts-police", "police-officer", "PC Sam Reid")
    return UUID(user["id"]), token


def test_a_token_works_for_its_lifetime_and_not_after(
        hub: Hub, clock: Clock, police: tuple[UUID, str]) -> None:
    user_id, token = police
    [listed] = hub.registry.users()
    assert listed["token_expires_at"] == (clock.now + timedelta(days=90)).isoformat()
    clock.advance(days=90, seconds=-1)
    assert hub.registry.authenticate(token).user_id == user_id
    clock.advance(seconds=1)
    with pytest.raises(NotAuthenticated, match="expired"):
        hub.registry.authenticate(token)


def test_disabling_and_rotating(hub: Hub, police: tuple[UUID, str]) -> None:
    user_id, token = police
    _, fresh = hub.registry.rotate(CLI, user_id, StaffChangeReason.SUSPECTED_COMPROMISE)
    assert fresh != token
    with pytest.raises(NotAuthenticated, match="not recognised"):
        hub.registry.authenticate(token)
    assert hub.registry.authenticate(fresh).user_id == user_id
    hub.registry.disable(CLI, user_id, StaffChangeReason.LEFT_AGENCY)
    with pytest.raises(NotAuthenticated, match="revoked"):
        hub.registry.authenticate(fresh)
    with pytest.raises(RuleViolation):
        hub.registry.disable(CLI, user_id, StaffChangeReason.OTHER)
    with pytest.raises(RuleViolation):
        hub.registry.rotate(CLI, user_id, StaffChangeReason.OTHER)
    [listed] = hub.registry.users()
    assert (listed["active"], listed["disabled_reason"]) == (False, "left-agency")
    staff = [e for e in hub.audit.entries() if e.kind == "staff"]
    assert [(e.action, e.details["reason_code"]) for e in staff] == [
        ("rotate-token", "suspected-compromise"), ("disable-user", "left-agency")]
    assert all(e.actor == CLI and "PC Sam Reid" not in json.dumps(e.details) for e in staff)


def test_a_revocation_counts_at_once_in_another_hub_process(
        hub: Hub, store_url: str, tmp_path: Path, police: tuple[UUID, str]) -> None:
    if store_url == "memory://":
        pytest.skip("one process only")
    user_id, token = police
    other = bootstrap(Settings(store_url=store_url, home=tmp_path / "home"))
    try:
        assert other.registry.authenticate(token).user_id == user_id
        hub.registry.disable(CLI, user_id, StaffChangeReason.SUSPECTED_COMPROMISE)
        with pytest.raises(NotAuthenticated):
            other.registry.authenticate(token)
    finally:
        other.close()


def test_the_name_is_sealed_under_the_persons_own_id(
        hub: Hub, police: tuple[UUID, str]) -> None:
    user_id, _ = police
    member = hub.store.find(user_id, StaffMember)
    assert member is not None
    assert member.name == Personal(user_id, "name", "PC Sam Reid")
    for row in hub.store.recorder.select_events(user_id):
        assert b"Sam Reid" not in row.state
    stranger = str(uuid4())
    assert hub.registry.names([str(user_id), stranger]) == {str(user_id): "PC Sam Reid",
                                                            stranger: None}


def test_demo_users_are_refused_in_production(hub: Hub, store_url: str, tmp_path: Path,
                                              police: tuple[UUID, str]) -> None:
    token = "hub_demo_" + "a" * 40
    hub.registry.register_user("notts-police", "police-officer", "Demo", token=token,
                               demo=True)
    assert hub.registry.authenticate(token).role == "police-officer"  # in development
    assert [u["name"] for u in hub.registry.demo_users()] == ["Demo"]
    refuse_demo_users(hub, "serve")  # development: no refusal
    if store_url == "memory://":
        return
    production = bootstrap(Settings(store_url=store_url, home=tmp_path / "home",
                                    environment=Environment.PRODUCTION))
    try:
        with pytest.raises(NotAuthenticated, match="demo"):
            production.registry.authenticate(token)
        assert production.registry.authenticate(police[1]).role == "police-officer"
        with pytest.raises(SettingsError, match="1 active demo user in the store"):
            refuse_demo_users(production, "serve")
        [demo] = production.registry.demo_users()
        production.registry.disable(CLI, UUID(demo["id"]), StaffChangeReason.OTHER)
        refuse_demo_users(production, "serve")
    finally:
        production.close()


def test_new_tokens_never_look_like_demo_tokens() -> None:
    assert not any(new_token().startswith("hub_demo_") for _ in range(1000))


def legacy_user(hub: Hub, at: datetime, name: str,
                token: str | None = None) -> tuple[UUID, str]:
    """A person registered before tokens expired and names were sealed: Registered v1."""
    user_id, token = uuid4(), token or new_token()
    digest = token_hash(token)
    state = {"timestamp": {"_type_": "datetime_iso", "_data_": at.isoformat()},
             "originator_topic": "domain.agencies:StaffMember", "agency_id": "notts-police",
             "role": "police-officer", "name": name, "token_hash": digest}
    hub.store.recorder.insert_events([StoredEvent(
        originator_id=user_id, originator_version=1,
        topic="domain.agencies:StaffMember.Registered",
        state=json.dumps(state).encode())])
    hub.store.save(KeyIndex(key=f"token:{digest}", target=user_id))
    return user_id, token


def test_people_registered_before_still_sign_in_for_the_default_lifetime(
        hub: Hub, clock: Clock, police: tuple[UUID, str]) -> None:
    registered = clock.now - timedelta(days=30)
    user_id, token = legacy_user(hub, registered, "PC Old Style")
    assert hub.registry.authenticate(token).user_id == user_id
    member = hub.store.find(user_id, StaffMember)
    assert member is not None
    assert member.name == Personal(user_id, "name", "PC Old Style")
    legacy = [u for u in hub.registry.users() if u["id"] == str(user_id)]
    assert legacy[0]["token_expires_at"] == (registered + timedelta(days=90)).isoformat()
    assert legacy[0]["name"] == "PC Old Style"
    clock.advance(days=60)
    with pytest.raises(NotAuthenticated, match="expired"):
        hub.registry.authenticate(token)
    user, fresh = hub.registry.rotate(CLI, user_id, StaffChangeReason.EXPIRED)
    assert hub.registry.authenticate(fresh).user_id == user_id
    assert user["token_expires_at"] == (clock.now + timedelta(days=90)).isoformat()


def test_legacy_demo_users_are_known_by_the_demo_key(
        hub: Hub, clock: Clock, store_url: str, police: tuple[UUID, str]) -> None:
    """A store seeded by a demo from before demo users were marked: the demo's tokens under
    this HUB_HOME's demo key still make them demo users in production."""
    from hub.demo import demo_token

    if store_url == "memory://":
        pytest.skip("production refuses memory://")
    token = demo_token(hub.keys.secret("demo"), "notts-police", "police-officer")
    legacy_id, _ = legacy_user(hub, clock.now, "PC Sam Reid", token)
    assert hub.registry.authenticate(token).user_id == legacy_id  # development
    production = bootstrap(replace(hub.settings, environment=Environment.PRODUCTION), clock)
    try:
        with pytest.raises(NotAuthenticated, match="demo"):
            production.registry.authenticate(token)
        assert [u["id"] for u in production.registry.demo_users()] == [str(legacy_id)]
        assert production.registry.authenticate(police[1]).user_id == police[0]
    finally:
        production.close()


def test_an_expired_demo_token_works_again_when_the_demo_is_run_again(
        hub: Hub, clock: Clock) -> None:
    from hub.demo import seed_demo

    users, _ = seed_demo(hub, clock.now)
    clock.advance(days=91)
    with pytest.raises(NotAuthenticated, match="expired"):
        hub.registry.authenticate(users[0].token)
    again, _ = seed_demo(hub, clock.now)
    assert again[0].token == users[0].token
    assert hub.registry.authenticate(users[0].token).agency_id == users[0].agency


def test_the_token_lifetime_is_read_from_hub_token_days() -> None:
    assert Settings.from_env({}).token_days == 90
    assert Settings.from_env({"HUB_TOKEN_DAYS": "30"}).token_days == 30
    for bad in ("0", "-5", "ninety", "3661"):
        with pytest.raises(SettingsError, match="HUB_TOKEN_DAYS"):
            Settings.from_env({"HUB_TOKEN_DAYS": bad})
