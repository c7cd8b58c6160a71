"""A missing child end to end, through ``hub serve`` and the CLI: the police report the child
missing, then found; the return home interview falls due 72 hours after the return; the
missing team offers it and records it held, and the queue is clear."""

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx2

from tests.e2e.conftest import RunningHub


def report(ref: str, type_: str, at: datetime, episode: dict[str, Any]) -> dict[str, Any]:
    return {"type": type_, "source_ref": ref, "occurred_at": at.isoformat(),
            "subjects": [{"role": "child", "given_name": "Sam", "family_name": "Lowe",
                          "date_of_birth": "2011-05-05", "postcode": "NG7 2AA"}],
            "details": {"summary": "Did not return from school.", "episode": episode}}


def test_missing_found_interview_due_and_held(running_hub: RunningHub) -> None:
    hub = running_hub
    for agency, kind, name in (("notts-police", "police", "Police"),
                               ("missing-team", "missing", "Missing Children Team")):
        hub.cli("agencies", "add", "--id", agency, "--kind", kind, "--name", name)
    police = hub.add_user("notts-police", "police-officer", "PC Officer")
    team = hub.add_user("missing-team", "missing-worker", "Missing Worker")

    def call(method: str, path: str, token: str, **kw: Any) -> httpx2.Response:
        headers = {"Authorization": f"Bearer {token}", "X-Purpose": "missing"}
        return httpx2.request(method, hub.url + path, headers=headers, timeout=30, **kw)

    now = datetime.now(UTC).replace(microsecond=0)
    last_seen = now - timedelta(hours=30)
    missing = call("POST", "/v1/notifications", police, json=report(
        "MISS-E2E-1", "missing", now - timedelta(hours=29),
        {"type": "missing", "last_seen_at": last_seen.isoformat()}))
    assert missing.status_code == 201, missing.text
    child_id = missing.json()["child_ids"][0]
    queue = call("GET", "/v1/missing/queue", team).json()
    [episode] = queue["missing"]
    assert (episode["child_id"], episode["start"]) == (child_id, last_seen.isoformat())

    found_at = now - timedelta(hours=2)
    found = call("POST", "/v1/notifications", police, json=report(
        "FOUND-E2E-1", "found", found_at, {"ended": "found"}))
    assert found.status_code == 201, found.text
    queue = call("GET", "/v1/missing/queue", team).json()
    assert queue["missing"] == []
    [due] = queue["interviews"]
    assert due["id"] == episode["id"]
    assert due["interview"]["due"] == (found_at + timedelta(hours=72)).isoformat()
    assert due["priority"] is True  # missing for 28 hours

    path = f"/v1/missing/episodes/{episode['id']}/interview"
    assert call("POST", path, police, json={"step": "offered"}).status_code == 403
    bad = call("POST", path, team, json={"step": "held", "independent": False})
    assert bad.status_code == 422
    assert "independent" in bad.json()["error"]["message"]
    assert call("POST", path, team, json={"step": "offered"}).status_code == 200
    held = call("POST", path, team, json={"step": "held", "independent": True})
    assert held.status_code == 200, held.text
    assert held.json()["interview"]["overdue"] is False
    assert call("GET", "/v1/missing/queue", team).json()["interviews"] == []
    assert call("GET", "/v1/missing/breaches", team).json()["interviews"] == []
    history = call("GET", f"/v1/children/{child_id}/missing-episodes", team).json()
    assert [s["step"] for s in history["episodes"][0]["interview"]["steps"]] == [
        "offered", "held"]
    # A found report from before the episode began is kept, and flagged to reconcile.
    early = call("POST", "/v1/notifications", police, json=report(
        "MISS-E2E-2", "missing", now - timedelta(hours=1), {"type": "missing"}))
    assert early.status_code == 201
    wrong = call("POST", "/v1/notifications", police, json=report(
        "FOUND-E2E-2", "found", now - timedelta(hours=3), {}))
    assert wrong.status_code == 201, wrong.text
    [conflict] = call("GET", "/v1/missing/queue", team).json()["to_reconcile"]
    assert conflict["report"] == wrong.json()["id"]
