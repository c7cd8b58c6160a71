"""Finding 15b: a time without a time zone (or out of any plausible range) in a query is a 400
naming the parameter; it was a 500 (comparing a naive with an aware time, or an overflow)."""

import pytest
from fastapi.testclient import TestClient

from hub.bootstrap import Hub
from tests.support import notification


@pytest.mark.parametrize(("query", "name"), [
    ("from=2026-01-01T00:00:00", "from"),
    ("to=2099-01-01T00:00:00", "to"),
    ("from=2020-01-01T00:00:00Z&to=2099-01-01", "to"),
    ("from=0001-01-01T00:30:00%2B01:00", "from"),
    ("to=9999-12-31T23:59:59-05:00", "to"),
])
def test_a_naive_or_implausible_time_in_a_query_is_refused(
        api: tuple[TestClient, Hub, dict[str, str]], query: str, name: str) -> None:
    client, _, tokens = api
    police = {"Authorization": f"Bearer {tokens['notts-police']}"}
    created = client.post("/v1/notifications", json=notification(), headers=police)
    assert created.status_code == 201, created.text
    child_id = created.json()["child_ids"][0]
    read = client.get(f"/v1/children/{child_id}/chronology", headers={
        "Authorization": f"Bearer {tokens['city-mash']}", "X-Purpose": "triage"})
    assert read.status_code == 200  # a disclosure, so the history has a time to compare

    auditor = {"Authorization": f"Bearer {tokens['info-governance']}"}
    response = client.get(f"/v1/audit/disclosures?{query}", headers=auditor)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "malformed"
    assert name in error["message"]
    aware = client.get("/v1/audit/disclosures?from=2020-01-01T00:00:00Z"
                       "&to=2099-01-01T00:00:00%2B01:00", headers=auditor)
    assert aware.status_code == 200, aware.text
    assert aware.json()["count"] >= 1


@pytest.mark.parametrize("query", ["from=0001-01-01", "to=9999-12-31", "from=20260101x"])
def test_an_implausible_day_in_a_query_is_refused(
        api: tuple[TestClient, Hub, dict[str, str]], query: str) -> None:
    client, hub, _ = api
    hub.registry.register_agency("city-managers", "mash", "MASH managers", None)
    _, manager = hub.registry.register_user("city-managers", "team-manager", "Manager")
    headers = {"Authorization": f"Bearer {manager}"}
    response = client.get(f"/v1/reports/indicators?{query}", headers=headers)
    assert response.status_code == 400, response.text
    assert query.split("=")[0] in response.json()["error"]["message"]
    assert client.get("/v1/reports/indicators?from=2026-01-01&to=2026-12-31",
                      headers=headers).status_code == 200
