"""Finding 16: hardening. Every response carries the security headers (16a); the metrics need a
bearer token, for hub serve and for hub ingest's and hub relay's metrics ports (16b); what the
hub creates in HUB_HOME, and the SQLite store, is the owner's only (16c); a streamed body over
the limit is logged and counted as the 413 the client gets, not a 500 (16d)."""

import logging
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
from fastapi.testclient import TestClient
from prometheus_client import CollectorRegistry, Counter

from adapters.keys import KeyFiles
from adapters.metrics_http import serve_metrics
from hub.api.app import create_app
from hub.bootstrap import Hub, bootstrap
from hub.settings import Environment, Settings, SettingsError
from tests.e2e.conftest import free_port
from tests.support import notification, seed

EXPECTED = {"cache-control": "no-store", "x-content-type-options": "nosniff",
            "referrer-policy": "no-referrer", "x-frame-options": "DENY"}


def hardened(response: httpx2.Response) -> bool:
    return all(response.headers.get(name) == value for name, value in EXPECTED.items())


def scraper(hub: Hub) -> dict[str, str]:
    return {"Authorization": f"Bearer {hub.settings.resolved_metrics_token()}"}


def oversized() -> Iterator[bytes]:
    for _ in range(20):
        yield b" " * 100_000


# 16a ------------------------------------------------------------------------------------------
def test_every_response_carries_the_security_headers(
        api: tuple[TestClient, Hub, dict[str, str]], monkeypatch: pytest.MonkeyPatch) -> None:
    client, hub, tokens = api
    police = {"Authorization": f"Bearer {tokens['notts-police']}"}
    responses = {
        "200": client.get("/healthz"),
        "201": client.post("/v1/notifications", json=notification(), headers=police),
        "docs": client.get("/docs"),
        "openapi": client.get("/openapi.json"),
        "metrics": client.get("/metrics", headers=scraper(hub)),
        "metrics 401": client.get("/metrics"),
        "400": client.get("/v1/children/not-a-uuid", headers={**police, "X-Purpose": "triage"}),
        "401": client.get("/v1/break-glass"),
        "404": client.get("/v1/nothing-here", headers=police),
        "405": client.delete("/v1/notifications", headers=police),
        "422": client.post("/v1/notifications", json={"type": "burglary"}, headers=police),
        "413 declared": client.post("/v1/notifications", content=b" " * 2_000_000,
                                    headers=police),
        "413 streamed": client.post("/v1/notifications", content=oversized(), headers=police),
    }

    def fail(*_: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(hub.sharing, "access_feed", fail)
    responses["500"] = client.get("/v1/access-notifications", headers=police)
    for name, response in responses.items():
        assert hardened(response), (name, response.status_code, dict(response.headers))
    assert responses["500"].status_code == 500
    assert responses["413 streamed"].status_code == 413


# 16b ------------------------------------------------------------------------------------------
def test_the_metrics_need_the_metrics_token(
        api: tuple[TestClient, Hub, dict[str, str]], tmp_path: Path) -> None:
    client, hub, tokens = api
    token = hub.settings.resolved_metrics_token()
    assert len(token) >= 32
    made = tmp_path / "metrics.token"  # in development, made once in HUB_HOME
    assert made.read_text().strip() == token
    assert stat.S_IMODE(made.stat().st_mode) == 0o600
    for headers in ({}, {"Authorization": f"Bearer {tokens['notts-police']}"},
                    {"Authorization": f"Bearer {token[:-1]}"}, {"Authorization": token},
                    {"Authorization": f"Basic {token}"}):
        refused = client.get("/metrics", headers=headers)
        assert refused.status_code == 401, headers
        assert refused.json()["error"]["code"] == "not_authenticated"
        assert refused.headers["WWW-Authenticate"] == "Bearer"
        assert "hub_http_requests" not in refused.text
    allowed = client.get("/metrics", headers={"Authorization": f"Bearer {token}"})
    assert allowed.status_code == 200
    assert "hub_http_requests" in allowed.text


def test_production_serves_metrics_only_with_a_token_it_was_given(tmp_path: Path) -> None:
    for name in ("link", "audit-signing", "master"):
        KeyFiles(tmp_path / "home", may_generate=True).create(name)
    settings = Settings(store_url=f"sqlite:///{tmp_path}/hub.sqlite3", home=tmp_path / "home",
                        environment=Environment.PRODUCTION)
    hub = bootstrap(settings)
    try:
        with pytest.raises(SettingsError, match="HUB_METRICS_TOKEN"):
            create_app(hub, checkpointer=False)
        assert not (tmp_path / "home" / "metrics.token").exists()
    finally:
        hub.close()
    token = "t" * 40
    assert Settings.from_env({"HUB_METRICS_TOKEN": token}).metrics_token == token
    with pytest.raises(SettingsError, match="HUB_METRICS_TOKEN"):
        Settings.from_env({"HUB_METRICS_TOKEN": "short"})
    with_token = bootstrap(Settings(store_url=settings.store_url, home=settings.home,
                                    environment=Environment.PRODUCTION, metrics_token=token))
    try:
        client = TestClient(create_app(with_token, checkpointer=False))
        assert client.get("/metrics").status_code == 401
        assert client.get("/metrics", headers={"Authorization": f"Bearer {token}"}
                          ).status_code == 200
    finally:
        with_token.close()


def test_ingest_and_relay_metrics_need_the_token_too(tmp_path: Path) -> None:
    registry = CollectorRegistry()
    Counter("hub_relay_published", "published", registry=registry).inc()
    port = free_port()
    server = serve_metrics(port, registry, "s" * 40)
    try:
        url = f"http://127.0.0.1:{port}/metrics"
        refused = httpx2.get(url)
        assert refused.status_code == 401
        assert refused.json()["error"]["code"] == "not_authenticated"
        assert hardened(refused)
        assert httpx2.get(url, headers={"Authorization": "Bearer " + "s" * 39}
                          ).status_code == 401
        allowed = httpx2.get(url, headers={"Authorization": "Bearer " + "s" * 40})
        assert allowed.status_code == 200
        assert hardened(allowed)
        assert "hub_relay_published_total 1.0" in allowed.text
    finally:
        server.shutdown()
        server.server_close()
    # hub relay in production, without the token, does not start.
    env = {**os.environ, "HUB_HOME": str(tmp_path / "home"), "HUB_ENV": "production",
           "HUB_STORE_URL": f"sqlite:///{tmp_path}/hub.sqlite3",
           "HUB_KAFKA_BOOTSTRAP": "127.0.0.1:1", "HUB_KAFKA_SECURITY_PROTOCOL": "SSL"}
    env.pop("HUB_METRICS_TOKEN", None)
    subprocess.run([sys.executable, "-m", "hub", "keys", "init"], env=env, check=True,
                   capture_output=True, timeout=60)
    relay = subprocess.run([sys.executable, "-m", "hub", "relay", "--metrics-port",
                            str(free_port())], env=env, capture_output=True, text=True,
                           timeout=60, check=False)
    assert relay.returncode == 2, relay.stderr
    assert "HUB_METRICS_TOKEN" in relay.stderr


# 16c ------------------------------------------------------------------------------------------
def test_what_the_hub_creates_is_the_owners_only(tmp_path: Path) -> None:
    home, data = tmp_path / "state" / "home", tmp_path / "data"
    old = os.umask(0o022)  # the usual umask, which made them 0644
    try:
        hub = bootstrap(Settings(store_url=f"sqlite:///{data}/hub.sqlite3", home=home))
        try:
            tokens = seed(hub)
            with TestClient(create_app(hub, checkpointer=False)) as client:
                created = client.post("/v1/notifications", json=notification(), headers={
                    "Authorization": f"Bearer {tokens['notts-police']}"})
                assert created.status_code == 201
                assert client.get("/metrics", headers=scraper(hub)).status_code == 200
                hub.indicators.report(None, None, None)  # writes its projection
            made = sorted(p for p in [home, data, *home.rglob("*"), *data.rglob("*")])
            names = {p.name for p in made}
            assert {"hub.sqlite3", "hub.sqlite3-wal", "hub.sqlite3-shm", "keys",
                    "data-keys.sqlite3", "link.key", "master.key", "metrics.token",
                    "projections"} <= names, names
            modes = {str(p.relative_to(tmp_path)): oct(stat.S_IMODE(p.stat().st_mode))
                     for p in made}
            wrong = {p: m for p, m in modes.items()
                     if m != (oct(0o700) if (tmp_path / p).is_dir() else oct(0o600))}
            assert wrong == {}, modes
            assert stat.S_IMODE((tmp_path / "state").stat().st_mode) == 0o700
        finally:
            hub.close()
    finally:
        os.umask(old)


# 16d ------------------------------------------------------------------------------------------
def test_a_streamed_body_over_the_limit_is_logged_and_counted_as_413(
        api: tuple[TestClient, Hub, dict[str, str]], caplog: pytest.LogCaptureFixture) -> None:
    client, hub, tokens = api
    police = {"Authorization": f"Bearer {tokens['notts-police']}"}
    caplog.set_level(logging.INFO, logger="hub.access")
    for path in ("/v1/notifications", "/v1/sharing-decisions"):
        response = client.post(path, content=oversized(), headers={
            **police, "Content-Type": "application/json"})
        assert response.status_code == 413, (path, response.text)
        assert response.json()["error"]["code"] == "payload_too_large"
    declared = client.post("/v1/notifications", content=b" " * 2_000_000, headers=police)
    assert declared.status_code == 413
    logged = [r.getMessage() for r in caplog.records if r.name == "hub.access"]
    assert "POST /v1/notifications 413" in "\n".join(logged), logged
    assert "POST /v1/sharing-decisions 413" in "\n".join(logged), logged
    assert not any(" 500 " in line for line in logged), logged
    metrics = client.get("/metrics", headers=scraper(hub)).text
    assert ('hub_http_requests_total{method="POST",route="/v1/notifications",status="413"} 1.0'
            in metrics), metrics
    assert ('hub_http_requests_total{method="POST",route="/v1/sharing-decisions",status="413"}'
            in metrics), metrics
    assert 'status="500"' not in metrics
