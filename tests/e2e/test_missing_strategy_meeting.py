"""Three missing episodes in 30 days end to end, through ``hub serve``: the third makes a
strategy meeting due, on the missing team's queue; the team records it held with the agencies
taking part and an outcome, and it leaves the queue."""

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx2

from tests.e2e.conftest import RunningHub


def report(ref: str, type_: str, at: datetime) -> dict[str, Any]:
    return {"type": type_, "source_ref": ref, "occurred_at": at.isoformat(),
            "subjects": [{"role": "child", "given_name": "Ava", "family_name": "Reed",
                          "date_of_birth": "2012-03-04", "postcode": "NG7 2AA"}],
            "details": {"summary": "Did not return from school.",
                        "episode": {"type": "missing"} if type_ == "missing" else {}}}


def test_three_episodes_a_strategy_meeting_due_then_held(running_hub: RunningHub) -> None:
    hub = running_hub
    for agency, kind, name in (("notts-police", "police", "Police"),
                               ("city-health", "health", "City Health"),
                               ("missing-team", "missing", "Missing Children Team")):
        hub.cli("agencies", "add", "--id", agency, "--kind", kind, "--name", name)
    police = hub.add_user("notts-police", "police-officer", "PC Officer")
    team = hub.add_user("missing-team", "missing-worker", "Missing Worker")

    def call(method: str, path: str, token: str, **kw: Any) -> httpx2.Response:
        headers = {"Authorization": f"Bearer {token}", "X-Purpose": "missing"}
        return httpx2.request(method, hub.url + path, headers=headers, timeout=30, **kw)

    now = datetime.now(UTC).replace(microsecond=0)
    child_id = None
    for n, ago in enumerate((timedelta(days=20), timedelta(days=10), timedelta(hours=3)), 1):
        gone = call("POST", "/v1/notifications", police,
                    json=report(f"MISS-SM-{n}", "missing", now - ago))
        assert gone.status_code == 201, gone.text
        child_id = gone.json()["child_ids"][0]
        if n < 3:
            back = call("POST", "/v1/notifications", police, json=report(
                f"FOUND-SM-{n}", "found", now - ago + timedelta(hours=2)))
            assert back.status_code == 201, back.text
            assert call("GET", "/v1/missing/queue", team).json()["strategy_meetings"] == []

    [meeting] = call("GET", "/v1/missing/queue", team).json()["strategy_meetings"]
    assert meeting["child_id"] == child_id
    assert len(meeting["episodes"]) == 3
    assert meeting["due"] > meeting["flagged_at"]
    assert meeting["held"] is None

    path = f"/v1/children/{child_id}/missing-strategy-meeting"
    held_at = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=1)
    body = {"held_at": held_at.isoformat(), "participants": ["notts-police", "city-health"],
            "outcome": "safety-plan"}
    assert call("POST", path, police, json=body).status_code == 403
    unknown = call("POST", path, team, json={**body, "participants": ["nobody"]})
    assert unknown.status_code == 422
    assert call("POST", path, team, json={**body, "outcome": "chat"}).status_code == 422
    held = call("POST", path, team, json=body)
    assert held.status_code == 200, held.text
    assert held.json()["held"]["participants"] == ["missing-team", "notts-police",
                                                   "city-health"]
    assert call("GET", "/v1/missing/queue", team).json()["strategy_meetings"] == []
    assert call("GET", "/v1/missing/breaches", team).json()["strategy_meetings"] == []
    again = call("POST", path, team, json=body)
    assert again.status_code == 409
