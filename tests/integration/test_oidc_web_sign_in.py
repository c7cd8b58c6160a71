"""Signing in to the web app's pages through a real OpenID Connect provider (oidc-provider,
run by node; its login and consent pages submitted as a browser would): the sign-in page
offers it, ``/sign-in/oidc`` sends the browser there with a sealed, short-lived cookie, and
the way back starts a session for the linked person, who lands on their role's pages. A
missing or tampered cookie, an identity linked to no one, and a cancelled sign-in are
refused with a page, audited, and start no session; production still has no demo sign-in."""

import logging
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlencode
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from hub.api.app import create_app
from hub.bootstrap import Hub, bootstrap
from hub.demo import seed_demo
from hub.settings import Environment, OidcSettings, Settings
from hub.web.sessions import COOKIE, PENDING_COOKIE
from tests.oidc_support import (
    HUB_CLIENT,
    HUB_SECRET,
    RunningProvider,
    free_port,
    running_provider,
    sign_in_at_provider,
)

ADMIN = {"cli_user": "test-admin", "host": "test"}
CALLBACK = "/sign-in/oidc/callback"


@pytest.fixture(scope="module")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningProvider]:
    # The provider sends the browser back to the hub's own callback, on the hub's address.
    place = RunningProvider(f"http://127.0.0.1:{free_port()}",
                            f"http://127.0.0.1:{free_port()}{CALLBACK}",
                            f"http://127.0.0.1:{free_port()}/other/callback")
    with running_provider(tmp_path_factory.mktemp("oidc") / "provider.log",
                          again=place) as running:
        yield running


@pytest.fixture
def web(tmp_path: Path, provider: RunningProvider) -> Iterator[tuple[Hub, TestClient]]:
    settings = Settings(store_url="memory://", home=tmp_path / "home",
                        oidc=OidcSettings(issuer=provider.issuer, client_id=HUB_CLIENT,
                                          redirect_url=provider.hub_redirect,
                                          client_secret_value=HUB_SECRET))
    hub = bootstrap(settings)
    seed_demo(hub)
    origin = provider.hub_redirect.removesuffix(CALLBACK)
    try:
        with TestClient(create_app(hub, checkpointer=False), base_url=origin,
                        raise_server_exceptions=False) as client:
            yield hub, client
    finally:
        hub.close()


def linked_dsl(hub: Hub, subject: str) -> UUID:
    user, _ = hub.registry.register_user("riverside-primary", "dsl", "Staff")
    assert hub.sign_in is not None
    hub.sign_in.link(ADMIN, UUID(user["id"]), subject)
    return UUID(user["id"])


def to_provider(client: TestClient) -> str:
    """Choose "Sign in with" on the sign-in page: the provider's URL the hub redirects to."""
    page = client.get("/sign-in")
    assert page.status_code == 200
    assert 'href="/sign-in/oidc"' in page.text
    started = client.get("/sign-in/oidc", follow_redirects=False)
    assert started.status_code == 302
    cookie = started.headers["set-cookie"]
    assert cookie.startswith(f"{PENDING_COOKIE}=")
    for attribute in ("HttpOnly", "SameSite=lax", "Path=/sign-in/oidc", "Max-Age=600"):
        assert attribute in cookie
    location: str = started.headers["location"]
    return location


def sign_in_audit(hub: Hub) -> list[dict[str, object]]:
    return [{"actor": e.actor, **e.details} for e in hub.audit.entries()
            if e.action == "web-sign-in-oidc"]


def test_a_linked_person_signs_in_and_sees_their_roles_pages(
        web: tuple[Hub, TestClient], provider: RunningProvider,
        caplog: pytest.LogCaptureFixture) -> None:
    hub, client = web
    dsl = linked_dsl(hub, "alice")
    caplog.set_level(logging.INFO)
    url = to_provider(client)
    assert url.startswith(f"{provider.issuer}/")
    query = sign_in_at_provider(url, "alice", provider.hub_redirect)

    signed = client.get(f"{CALLBACK}?{urlencode(query)}", follow_redirects=False)
    assert signed.status_code == 303, signed.text
    assert signed.headers["location"] == "/"
    cookies = signed.headers.get_list("set-cookie")
    assert any(c.startswith(f"{COOKIE}=") and "SameSite=strict" in c for c in cookies)
    assert any(c.startswith(f"{PENDING_COOKIE}=") and "Max-Age=0" in c for c in cookies)

    home = client.get("/")
    assert home.status_code == 200
    assert "Pages for a dsl in riverside-primary" in home.text
    assert 'href="/encompass"' in home.text
    assert 'href="/cp-is"' not in home.text
    assert sign_in_audit(hub) == [{
        "actor": {"user_id": str(dsl), "agency": "riverside-primary",
                  "agency_kind": "school", "role": "dsl"}, "outcome": "signed-in"}]
    # The subject is in no log line and in no URL the hub made.
    assert "alice" not in caplog.text
    assert "alice" not in signed.headers["location"]

    # The same way back again (its code, its state): the cookie is gone, refused.
    again = client.get(f"{CALLBACK}?{urlencode(query)}", follow_redirects=False)
    assert again.status_code == 401
    assert sign_in_audit(hub)[-1]["reason_code"] == "no_sign_in_pending"


def test_a_missing_or_tampered_cookie_is_refused(
        web: tuple[Hub, TestClient], provider: RunningProvider) -> None:
    hub, client = web
    linked_dsl(hub, "bob")
    query = sign_in_at_provider(to_provider(client), "bob", provider.hub_redirect)
    sealed = client.cookies[PENDING_COOKIE]
    client.cookies.delete(PENDING_COOKIE)
    missing = client.get(f"{CALLBACK}?{urlencode(query)}", follow_redirects=False)
    assert missing.status_code == 401
    assert "start again" in missing.text
    assert "bob" not in missing.text

    flipped = sealed[:-2] + ("A" if sealed[-2] != "A" else "B") + sealed[-1]
    client.cookies.set(PENDING_COOKIE, flipped, domain="127.0.0.1",
                       path="/sign-in/oidc")
    tampered = client.get(f"{CALLBACK}?{urlencode(query)}", follow_redirects=False)
    assert tampered.status_code == 401

    # Another browser's cookie (a sign-in it started) does not finish this one's.
    to_provider(client)
    other = client.get(f"{CALLBACK}?{urlencode(query)}", follow_redirects=False)
    assert other.status_code == 401
    assert [e["reason_code"] for e in sign_in_audit(hub)] == [
        "no_sign_in_pending", "no_sign_in_pending", "state_mismatch"]
    assert client.get("/", follow_redirects=False).headers["location"] == "/sign-in"


def test_an_identity_linked_to_no_one_is_refused(
        web: tuple[Hub, TestClient], provider: RunningProvider) -> None:
    hub, client = web
    linked_dsl(hub, "alice")
    query = sign_in_at_provider(to_provider(client), "mallory", provider.hub_redirect)
    refused = client.get(f"{CALLBACK}?{urlencode(query)}", follow_redirects=False)
    assert refused.status_code == 403
    assert "not linked to anyone registered" in refused.text
    assert "mallory" not in refused.text
    assert sign_in_audit(hub) == [{"actor": {"web": "oidc-sign-in"}, "outcome": "refused",
                                   "reason_code": "not_linked"}]
    assert client.get("/", follow_redirects=False).headers["location"] == "/sign-in"


def test_a_sign_in_cancelled_at_the_provider_is_refused(
        web: tuple[Hub, TestClient], provider: RunningProvider) -> None:
    hub, client = web
    linked_dsl(hub, "carol")
    query = sign_in_at_provider(to_provider(client), "carol", provider.hub_redirect,
                                abort=True)
    refused = client.get(f"{CALLBACK}?{urlencode(query)}", follow_redirects=False)
    assert refused.status_code == 401
    assert "access_denied" not in refused.text
    assert sign_in_audit(hub)[-1]["reason_code"] == "provider_refused"


def test_production_offers_only_the_provider(
        web: tuple[Hub, TestClient], provider: RunningProvider) -> None:
    hub, client = web
    demo_page = client.get("/sign-in")
    assert 'name="user"' in demo_page.text
    hub.settings = replace(hub.settings, environment=Environment.PRODUCTION)
    page = client.get("/sign-in")
    assert page.status_code == 200
    assert 'href="/sign-in/oidc"' in page.text
    assert 'name="user"' not in page.text
    assert "demo user" not in page.text
    token = demo_page.text.split('name="csrf_token" value="')[1].split('"')[0]
    posted = client.post("/sign-in", data={"csrf_token": token,
                                           "user": "riverside-primary/dsl"},
                         follow_redirects=False)
    assert posted.status_code == 404
    assert client.get("/", follow_redirects=False).headers["location"] == "/sign-in"


def test_without_openid_connect_there_is_no_such_way_in(tmp_path: Path) -> None:
    hub = bootstrap(Settings(store_url="memory://", home=tmp_path / "home"))
    try:
        with TestClient(create_app(hub, checkpointer=False)) as client:
            assert 'href="/sign-in/oidc"' not in client.get("/sign-in").text
            assert client.get("/sign-in/oidc", follow_redirects=False).status_code == 404
            assert client.get(CALLBACK, follow_redirects=False).status_code == 404
    finally:
        hub.close()


def test_an_unreachable_provider_is_a_503_page(tmp_path: Path) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    hub = bootstrap(Settings(store_url="memory://", home=tmp_path / "home",
                             oidc=OidcSettings(issuer=closed, client_id=HUB_CLIENT,
                                               redirect_url=f"{closed}{CALLBACK}",
                                               client_secret_value=HUB_SECRET)))
    try:
        with TestClient(create_app(hub, checkpointer=False)) as client:
            unavailable = client.get("/sign-in/oidc", follow_redirects=False)
            assert unavailable.status_code == 503
            assert "not possible at the moment" in unavailable.text
            assert PENDING_COOKIE not in client.cookies
    finally:
        hub.close()
