"""Signing in to the web app through a real OpenID Connect provider (oidc-provider, run by
node on a loopback port, its login and consent pages submitted as a browser would): a linked
identity signs in as the registered person, in the agency and role they were registered with;
and every way a sign-in is refused (on each store: the link is a record of its own)."""

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from uuid import UUID

import pytest
from joserfc.jwk import KeySet, RSAKey

from adapters.oidc import OidcProvider
from domain.agencies import StaffChangeReason
from hub.bootstrap import Hub, bootstrap
from hub.errors import Conflict, SignInRefused, SignInUnavailable
from hub.oidc_sign_in import OidcSignIn
from hub.ports import IdentityRefused, PendingSignIn
from hub.settings import OidcSettings, Settings
from tests.oidc_support import (
    HUB_CLIENT,
    HUB_SECRET,
    OTHER_CLIENT,
    OTHER_SECRET,
    RunningProvider,
    free_port,
    running_provider,
    sign_in_at_provider,
)

ADMIN = {"cli_user": "test-admin", "host": "test"}


@pytest.fixture(scope="module")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningProvider]:
    with running_provider(tmp_path_factory.mktemp("oidc") / "provider.log") as running:
        yield running


def oidc_settings(provider: RunningProvider) -> OidcSettings:
    return OidcSettings(issuer=provider.issuer, client_id=HUB_CLIENT,
                        redirect_url=provider.hub_redirect, client_secret_value=HUB_SECRET)


@pytest.fixture
def hub(store_url: str, tmp_path: Path, provider: RunningProvider) -> Iterator[Hub]:
    the_hub = bootstrap(Settings(store_url=store_url, home=tmp_path / "home",
                                 oidc=oidc_settings(provider)))
    the_hub.registry.register_agency("city-mash", "mash", "City MASH")
    the_hub.registry.register_agency("north-school", "school", "North School", "100001")
    yield the_hub
    the_hub.close()


def sign_in(hub: Hub) -> OidcSignIn:
    assert hub.sign_in is not None
    return hub.sign_in


def person(hub: Hub, agency: str = "city-mash", role: str = "mash-worker") -> UUID:
    user, _ = hub.registry.register_user(agency, role, "Staff")
    return UUID(user["id"])


def returned(hub: Hub, provider: RunningProvider, account: str,
             **kwargs: bool) -> tuple[dict[str, str], dict[str, str]]:
    """Begin a sign-in and go through the provider as ``account``: the query the provider
    sent back, and what the session kept."""
    start = sign_in(hub).begin()
    return (sign_in_at_provider(start.url, account, provider.hub_redirect, **kwargs),
            start.pending.as_session())


def refusal(hub: Hub, query: dict[str, str], kept: object) -> SignInRefused:
    with pytest.raises(SignInRefused) as refused:
        sign_in(hub).complete(query, kept)
    return refused.value


def test_a_linked_identity_signs_in_as_the_registered_person(
        hub: Hub, provider: RunningProvider) -> None:
    dsl = person(hub, "north-school", "dsl")
    sign_in(hub).link(ADMIN, dsl, "alice")
    start = sign_in(hub).begin()
    sent = parse_qs(urlsplit(start.url).query)
    assert start.url.startswith(f"{provider.issuer}/")
    assert sent["client_id"] == [HUB_CLIENT]
    assert sent["response_type"] == ["code"]
    assert sent["scope"] == ["openid"]
    assert sent["state"] == [start.pending.state]
    assert sent["nonce"] == [start.pending.nonce]
    assert sent["code_challenge_method"] == ["S256"]
    assert sent["code_challenge"] != [start.pending.code_verifier]
    assert "code_verifier" not in sent

    query = sign_in_at_provider(start.url, "alice", provider.hub_redirect)
    user_id = sign_in(hub).complete(query, start.pending.as_session())

    assert user_id == dsl
    caller = hub.registry.member(user_id)
    assert (caller.agency_id, caller.agency_kind, caller.role, caller.school_urn) == (
        "north-school", "school", "dsl", "100001")


def test_a_returned_state_from_another_session_is_refused(
        hub: Hub, provider: RunningProvider) -> None:
    sign_in(hub).link(ADMIN, person(hub), "alice")
    query, _ = returned(hub, provider, "alice")
    other_session = sign_in(hub).begin().pending.as_session()
    assert refusal(hub, query, other_session).reason == "state_mismatch"
    _, kept = returned(hub, provider, "alice")
    assert refusal(hub, {**query, "state": "made-up"}, kept).reason == "state_mismatch"
    assert refusal(hub, {k: v for k, v in query.items() if k != "state"},
                   kept).reason == "state_mismatch"


def test_nothing_kept_in_the_session_is_refused(hub: Hub, provider: RunningProvider) -> None:
    query, kept = returned(hub, provider, "alice")
    for nothing in (None, {}, "state", {**kept, "nonce": ""}):
        assert refusal(hub, query, nothing).reason == "no_sign_in_pending"


def test_a_code_used_once_is_refused_the_second_time(
        hub: Hub, provider: RunningProvider) -> None:
    worker = person(hub)
    sign_in(hub).link(ADMIN, worker, "bob")
    query, kept = returned(hub, provider, "bob")
    assert sign_in(hub).complete(query, kept) == worker
    replayed = refusal(hub, query, kept)
    assert replayed.reason == "token_invalid"
    assert "invalid_grant" in replayed.message


def test_an_id_token_for_another_nonce_is_refused(hub: Hub, provider: RunningProvider) -> None:
    sign_in(hub).link(ADMIN, person(hub), "alice")
    query, kept = returned(hub, provider, "alice")
    tampered = {**kept, "nonce": sign_in(hub).begin().pending.nonce}
    refused = refusal(hub, query, tampered)
    assert refused.reason == "token_invalid"
    assert "nonce" in refused.message


def test_a_code_without_its_pkce_verifier_is_refused(
        hub: Hub, provider: RunningProvider) -> None:
    sign_in(hub).link(ADMIN, person(hub), "alice")
    query, kept = returned(hub, provider, "alice")
    refused = refusal(hub, query, {**kept, "code_verifier": "x" * 64})
    assert refused.reason == "token_invalid"
    assert "invalid_grant" in refused.message


def test_an_id_token_issued_to_another_client_is_refused(provider: RunningProvider) -> None:
    """The provider really issues an ID token to another application; the hub's client does
    not accept it, whatever else about it is right (signature, issuer, nonce)."""
    other = OidcProvider(provider.issuer, OTHER_CLIENT, lambda: OTHER_SECRET,
                         provider.other_redirect)
    pending = PendingSignIn("state-" + "s" * 40, "nonce-" + "n" * 40, "v" * 64)
    query = sign_in_at_provider(other.authorization_url(pending), "alice",
                                provider.other_redirect)
    tokens = other.exchange(query["code"], pending)
    assert other.verified_claims(tokens["id_token"], pending.nonce, None)["aud"] == OTHER_CLIENT

    ours = OidcProvider(provider.issuer, HUB_CLIENT, lambda: HUB_SECRET, provider.hub_redirect)
    with pytest.raises(IdentityRefused, match="aud"):
        ours.verified_claims(tokens["id_token"], pending.nonce, None)


def test_an_identity_not_linked_to_anyone_is_refused(
        hub: Hub, provider: RunningProvider) -> None:
    person(hub)  # registered, but never linked
    query, kept = returned(hub, provider, "mallory")
    assert refusal(hub, query, kept).reason == "not_linked"


def test_a_disabled_person_is_refused(hub: Hub, provider: RunningProvider) -> None:
    worker = person(hub)
    sign_in(hub).link(ADMIN, worker, "bob")
    hub.registry.disable(ADMIN, worker, StaffChangeReason.LEFT_AGENCY)
    query, kept = returned(hub, provider, "bob")
    assert refusal(hub, query, kept).reason == "user_disabled"


def test_an_identity_linked_anew_replaces_the_one_before(
        hub: Hub, provider: RunningProvider) -> None:
    worker = person(hub)
    sign_in(hub).link(ADMIN, worker, "alice")
    sign_in(hub).link(ADMIN, worker, "carol")
    query, kept = returned(hub, provider, "alice")
    assert refusal(hub, query, kept).reason == "not_linked"
    query, kept = returned(hub, provider, "carol")
    assert sign_in(hub).complete(query, kept) == worker
    with pytest.raises(Conflict):
        sign_in(hub).link(ADMIN, person(hub), "carol")  # one identity, one person


def test_a_sign_in_cancelled_at_the_provider_is_refused(
        hub: Hub, provider: RunningProvider) -> None:
    sign_in(hub).link(ADMIN, person(hub), "alice")
    query, kept = returned(hub, provider, "alice", abort=True)
    assert query.get("error") == "access_denied"
    assert refusal(hub, query, kept).reason == "provider_refused"


def test_keys_the_provider_rotated_are_read_again(tmp_path: Path) -> None:
    """The hub keeps the provider's keys; a token signed with a key it does not hold (the
    provider rotated its keys) makes it read them again."""
    place = RunningProvider(f"http://127.0.0.1:{free_port()}",
                            f"http://127.0.0.1:{free_port()}/sign-in/callback",
                            f"http://127.0.0.1:{free_port()}/other/callback")
    hub = bootstrap(Settings(store_url="memory://", home=tmp_path / "home",
                             oidc=oidc_settings(place)))
    try:
        hub.registry.register_agency("city-mash", "mash", "City MASH")
        worker = person(hub)
        sign_in(hub).link(ADMIN, worker, "alice")
        for kid in ("before", "after"):
            key = RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig",
                                                        "alg": "RS256"})
            with running_provider(tmp_path / f"{kid}.log", again=place,
                                  jwks=dict(KeySet([key]).as_dict(private=True))):
                query, kept = returned(hub, place, "alice")
                assert sign_in(hub).complete(query, kept) == worker
    finally:
        hub.close()


def test_a_provider_that_does_not_answer_makes_sign_in_unavailable(tmp_path: Path) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    settings = Settings(store_url="memory://", home=tmp_path / "home",
                        oidc=OidcSettings(issuer=closed, client_id=HUB_CLIENT,
                                          redirect_url=f"{closed}/cb",
                                          client_secret_value=HUB_SECRET))
    hub = bootstrap(settings)
    try:
        with pytest.raises(SignInUnavailable):
            sign_in(hub).begin()
    finally:
        hub.close()


def test_the_administrator_links_an_identity_with_the_cli(
        tmp_path: Path, provider: RunningProvider) -> None:
    secret = tmp_path / "client-secret"
    secret.write_text(HUB_SECRET + "\n")
    env = {**os.environ, "HUB_HOME": str(tmp_path / "home"),
           "HUB_STORE_URL": f"sqlite:///{tmp_path}/hub.sqlite3", "HUB_ENV": "dev",
           "HUB_OIDC_ISSUER": provider.issuer, "HUB_OIDC_CLIENT_ID": HUB_CLIENT,
           "HUB_OIDC_CLIENT_SECRET_FILE": str(secret),
           "HUB_OIDC_REDIRECT_URL": provider.hub_redirect}

    def cli(*args: str, expect: int = 0, **extra: str) -> str:
        done = subprocess.run([sys.executable, "-m", "hub", *args], env={**env, **extra},
                              capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == expect, (args, done.stdout, done.stderr)
        return done.stdout + done.stderr

    cli("agencies", "add", "--id", "city-mash", "--kind", "mash", "--name", "City MASH")
    out = cli("users", "add", "--agency", "city-mash", "--role", "mash-worker", "--name", "Sam")
    user_id = out.split("user id ")[1].split(";")[0]
    disabled = {name: "" for name in env if name.startswith("HUB_OIDC_")}
    assert "not enabled" in cli("users", "link-oidc", "--user", user_id, "--subject", "bob",
                                expect=2, **disabled)
    assert "now signs in" in cli("users", "link-oidc", "--user", user_id, "--subject", "bob")
    out = cli("users", "add", "--agency", "city-mash", "--role", "mash-worker", "--name", "Jo")
    other_id = out.split("user id ")[1].split(";")[0]
    assert "already linked" in cli("users", "link-oidc", "--user", other_id, "--subject", "bob",
                                   expect=2)

    hub = bootstrap(Settings.from_env(env))
    try:
        start = sign_in(hub).begin()
        query = sign_in_at_provider(start.url, "bob", provider.hub_redirect)
        assert sign_in(hub).complete(query, start.pending.as_session()) == UUID(user_id)
    finally:
        hub.close()
