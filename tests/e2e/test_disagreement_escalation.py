"""A disagreement with a DART triage end to end, through ``hub serve``: the police raise it at
high risk; a school that cannot see the triage gets an unknown id's answer; the stage's clock
runs out and the server's own deadline watcher takes it to the team manager the DART named
for that stage, whose alerts then show it. The local timescales file makes a high-risk stage
a few seconds long (elapsed time), so the watcher's next pass finds it overdue."""

import json
import time
from pathlib import Path
from typing import Any

import httpx2
import pytest

from tests.e2e.conftest import RunningHub

# The watcher passes every 30 seconds: it must have found the stage overdue well within this.
ESCALATED_WITHIN_S = 120


@pytest.fixture(autouse=True)
def short_high_risk_stage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Set before the server starts (``running_hub`` copies the environment)."""
    local = tmp_path / "timescales.toml"
    local.write_text('[disagreement.stage]\nhigh = { hours = 0.001, counting = "elapsed" }\n')
    monkeypatch.setenv("HUB_TIMESCALES_FILE", str(local))
    return


def incident() -> dict[str, Any]:
    return {"type": "domestic_abuse_incident", "source_ref": "NTP-ESC-1",
            "occurred_at": "2026-11-20T22:15:00Z",
            "subjects": [
                {"role": "child", "given_name": "Mia", "family_name": "Shaw",
                 "date_of_birth": "2016-04-02", "school_urn": "100001", "present": True},
                {"role": "adult_victim", "given_name": "Jo", "family_name": "Shaw",
                 "date_of_birth": "1990-01-09"},
                {"role": "perpetrator", "given_name": "Lee", "family_name": "Kerr",
                 "date_of_birth": "1988-07-30"}],
            "details": {"summary": "Shouting heard by neighbours.", "dash": {"yes_count": 12}}}


def test_a_disagreement_with_a_triage_reaches_the_named_manager_by_the_clock(
        running_hub: RunningHub) -> None:
    hub = running_hub
    for agency, kind, name, urn in (("notts-police", "police", "Police", None),
                                    ("city-dart", "dart", "DART", None),
                                    ("riverside-primary", "school", "Riverside", "100001")):
        hub.cli("agencies", "add", "--id", agency, "--kind", kind, "--name", name,
                *(("--urn", urn) if urn else ()))
    police = hub.add_user("notts-police", "police-officer", "PC Officer")
    worker = hub.add_user("city-dart", "dart-worker", "DART Worker")
    manager = hub.add_user("city-dart", "team-manager", "DART Manager")
    school = hub.add_user("riverside-primary", "dsl", "DSL")
    listed = [json.loads(line) for line in hub.cli(
        "users", "list", "--agency", "city-dart", "--json").stdout.splitlines() if line]
    manager_id = next(u["id"] for u in listed if u["role"] == "team-manager")

    def call(method: str, path: str, token: str, **kw: Any) -> httpx2.Response:
        headers = {"Authorization": f"Bearer {token}", "X-Purpose": "referral"}
        return httpx2.request(method, hub.url + path, headers=headers, timeout=30, **kw)

    sent = call("POST", "/v1/notifications", police, json=incident())
    assert sent.status_code == 201, sent.text
    [case] = call("GET", "/v1/dart/queue", worker).json()["items"]
    triage = call("POST", f"/v1/dart/cases/{case['id']}/triage", worker, json={
        "actions": ["safety-planning"], "threshold_met": False,
        "rationale": "Safety planning with the victim; no onward referral."})
    assert triage.status_code == 200, triage.text
    named = call("PUT", "/v1/escalation-contacts/team-manager", manager,
                 json={"user_id": manager_id})
    assert named.status_code == 200, named.text

    body = {"subject": {"kind": "dart-triage", "id": case["id"]}, "risk": "high",
            "reason": "The children were present and the triage did not refer them on."}
    hidden = call("POST", "/v1/disagreements", school, json=body)
    unknown = call("POST", "/v1/disagreements", school, json={
        **body, "subject": {"kind": "dart-triage", "id": "7b0e6a8e-1c1c-4f6a-9a52-0d8b7e3c1f00"}})
    assert hidden.status_code == unknown.status_code == 404
    assert hidden.json() == unknown.json()
    chosen = call("POST", "/v1/disagreements", police,
                  json={**body, "child_id": case["child_ids"][0]})
    assert chosen.status_code == 422  # the children are the triage's, never the caller's

    raised = call("POST", "/v1/disagreements", police, json=body)
    assert raised.status_code == 201, raised.text
    assert raised.json()["child_ids"] == case["child_ids"]
    assert raised.json()["with_agency"] == "city-dart"
    assert raised.json()["stage"] == "worker"
    [first] = call("GET", "/v1/me/disagreement-alerts", worker).json()["items"]
    assert first["id"] == raised.json()["id"]

    alerts: list[dict[str, Any]] = []
    with httpx2.Client(timeout=30) as client:
        for _ in range(ESCALATED_WITHIN_S * 2):
            answer = client.get(hub.url + "/v1/me/disagreement-alerts", headers={
                "Authorization": f"Bearer {manager}", "X-Purpose": "referral"})
            assert answer.status_code == 200, answer.text
            alerts = answer.json()["items"]
            if alerts:
                break
            time.sleep(0.5)
    [alert] = alerts
    assert alert["id"] == raised.json()["id"]
    assert alert["stage"] == "team-manager"
    assert alert["named"] == manager_id
    assert alert["stages"][1]["automatic"] is True
    assert call("GET", "/v1/me/disagreement-alerts", worker).json()["items"] == []
    assert call("GET", "/v1/me/disagreement-alerts", school).json()["items"] == []
