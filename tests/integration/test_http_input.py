"""Bad input over HTTP: a clear 4xx with a JSON reason, never a 500, and nothing stored."""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hub.api.app import create_app
from hub.bootstrap import Hub, bootstrap
from hub.settings import Settings
from tests.support import child, notification, seed


@pytest.fixture
def api(tmp_path: Path) -> Iterator[tuple[TestClient, Hub, dict[str, str]]]:
    hub = bootstrap(Settings(store_url=f"sqlite:///{tmp_path}/hub.sqlite3", home=tmp_path))
    tokens = seed(hub)
    with TestClient(create_app(hub), raise_server_exceptions=False) as client:
        yield client, hub, tokens
    hub.close()


def as_police(tokens: dict[str, str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['notts-police']}"}


def with_field(**changes: Any) -> bytes:
    body = notification()
    body.update(changes)
    return json.dumps(body).encode()


def with_child(**changes: Any) -> bytes:
    body = notification()
    body["subjects"][0].update(changes)
    return json.dumps(body).encode()


BAD_BODIES = {
    "not json": (b"{not json", 400, "JSON"),
    "not utf-8": (b"\xff\xfe{}", 400, "JSON"),
    "a list": (b"[]", 422, "object"),
    "unknown type": (with_field(type="burglary"), 422, "type"),
    "missing source_ref": (json.dumps({k: v for k, v in notification().items()
                                       if k != "source_ref"}).encode(), 422, "source_ref"),
    "missing subjects": (json.dumps({k: v for k, v in notification().items()
                                     if k != "subjects"}).encode(), 422, "subjects"),
    "unknown top-level field": (with_field(agency="city-mash"), 422, "agency"),
    "unknown subject field": (with_child(favourite_colour="red"), 422, "favourite_colour"),
    "bad nhs number": (with_child(nhs_number="9434765918"), 422, "nhs_number"),
    "future date of birth": (with_child(date_of_birth="2099-01-01"), 422, "date_of_birth"),
    "not a date": (with_child(date_of_birth="yesterday"), 422, "date_of_birth"),
    "adult as child": (with_child(date_of_birth="1990-01-01"), 422, "date_of_birth"),
    "future incident": (with_field(occurred_at="2099-01-01T00:00:00Z"), 422, "occurred_at"),
    "naive time": (with_field(occurred_at="2026-11-20T22:15:00"), 422, "occurred_at"),
    # A police concern must name a child (a domestic-abuse incident may name adults alone).
    "no child": (with_field(type="police_concern", subjects=[
        {"role": "adult_victim", "given_name": "Jo", "family_name": "Hart"}]), 422, "child"),
    "bad dash": (with_field(details={"dash": {"yes_count": 30}}), 422, "yes_count"),
    "bad school urn": (with_child(school_urn="abc"), 422, "school_urn"),
    "wrong type": (with_child(present="perhaps"), 422, "present"),
    "too many subjects": (with_field(subjects=[child()] * 51), 422, "subjects"),
    "deep nesting": (b"[" * 100_000 + b"]" * 100_000, 400, ""),
}


@pytest.mark.parametrize("case", list(BAD_BODIES))
def test_bad_bodies_are_refused_with_a_reason_and_nothing_is_stored(
    api: tuple[TestClient, Hub, dict[str, str]], case: str
) -> None:
    client, hub, tokens = api
    body, status, mentions = BAD_BODIES[case]
    before = hub.store.recorder.max_notification_id()
    response = client.post("/v1/notifications", content=body, headers=as_police(tokens))
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"]
    assert mentions in error["message"]
    assert hub.store.recorder.max_notification_id() == before
    for value in ("Amy", "Hart", "9434765918", "perhaps"):
        assert value not in response.text


def test_a_10_mb_body_is_refused_unread(api: tuple[TestClient, Hub, dict[str, str]]) -> None:
    client, hub, tokens = api
    before = hub.store.recorder.max_notification_id()
    response = client.post("/v1/notifications", content=b" " * 10_000_000,
                           headers=as_police(tokens))
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert hub.store.recorder.max_notification_id() == before


def test_a_streamed_body_over_the_limit_is_refused(
    api: tuple[TestClient, Hub, dict[str, str]]
) -> None:
    client, _, tokens = api

    def chunks() -> Iterator[bytes]:
        for _ in range(20):
            yield b" " * 100_000

    response = client.post("/v1/notifications", content=chunks(), headers=as_police(tokens))
    assert response.status_code == 413


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer hub_nobody"},
                                     {"Authorization": "Basic abc"}])
def test_no_or_unknown_token_is_401(api: tuple[TestClient, Hub, dict[str, str]],
                                    headers: dict[str, str]) -> None:
    client, _, _ = api
    for response in (client.post("/v1/notifications", content=with_field(), headers=headers),
                     client.get(f"/v1/children/{'0' * 32}", headers=headers)):
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "not_authenticated"
        assert response.headers["WWW-Authenticate"] == "Bearer"


def test_reads_need_a_known_purpose(api: tuple[TestClient, Hub, dict[str, str]]) -> None:
    client, _, tokens = api
    created = client.post("/v1/notifications", content=with_field(), headers=as_police(tokens))
    child_id = created.json()["child_ids"][0]
    mash = {"Authorization": f"Bearer {tokens['city-mash']}"}
    missing = client.get(f"/v1/children/{child_id}/chronology", headers=mash)
    assert missing.status_code == 400
    assert "X-Purpose" in missing.json()["error"]["message"]
    unknown = client.get(f"/v1/children/{child_id}/chronology",
                         headers={**mash, "X-Purpose": "curiosity"})
    assert unknown.status_code == 400
    bad_ref = client.get(f"/v1/children/{child_id}/chronology",
                         headers={**mash, "X-Purpose": "triage", "X-Case-Ref": "Amy Hart"})
    assert bad_ref.status_code == 400
    ok = client.get(f"/v1/children/{child_id}/chronology",
                    headers={**mash, "X-Purpose": "triage", "X-Case-Ref": "MASH/2026/17"})
    assert ok.status_code == 200


def test_unknown_ids_and_routes_are_404_and_malformed_ids_400(
    api: tuple[TestClient, Hub, dict[str, str]]
) -> None:
    client, _, tokens = api
    mash = {"Authorization": f"Bearer {tokens['city-mash']}", "X-Purpose": "triage"}
    assert client.get(f"/v1/notifications/{'0' * 32}", headers=mash).status_code == 404
    assert client.get(f"/v1/children/{'0' * 32}", headers=mash).status_code == 404
    assert client.get("/v1/children/not-a-uuid", headers=mash).status_code == 400
    assert client.get("/v1/nothing-here", headers=mash).json()["error"]["code"] == "not_found"
    assert client.delete("/v1/notifications", headers=mash).status_code == 405


def test_operations_endpoints(api: tuple[TestClient, Hub, dict[str, str]]) -> None:
    client, hub, tokens = api
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json()["status"] == "ready"
    schema = client.get("/openapi.json").json()
    assert "/v1/children/{child_id}/chronology" in schema["paths"]
    assert "NotificationIn" in schema["components"]["schemas"]
    client.post("/v1/notifications", content=with_field(), headers=as_police(tokens))
    scraper = {"Authorization": f"Bearer {hub.settings.resolved_metrics_token()}"}
    metrics = client.get("/metrics", headers=scraper).text
    assert 'route="/v1/notifications"' in metrics
    assert "Amy" not in metrics
