"""Child protection as practice works it, end to end through ``hub serve``: an initial
conference with its chair, reviewing officer and core group; its late minutes on the MASH's
breach list until the officer records them; a core group meeting with those present; a review
that ends the plan and steps the child down to a child in need plan; that plan's review; and
the child's safety scale over time."""

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx2

from tests.e2e.conftest import RunningHub

WORRIES = "Mother's partner has been violent in front of the children."
MINUTES = "The conference agreed a plan under the category of emotional abuse."


def signs(scale: int) -> dict[str, Any]:
    return {"worries": WORRIES, "working_well": "The school sees the children every day.",
            "needs_to_happen": "The partner leaves the home.", "scale": scale}


def test_a_conference_its_minutes_a_core_group_a_step_down_and_a_cin_review(
        running_hub: RunningHub) -> None:
    hub = running_hub
    for agency, kind, name in (("city-health", "health", "City Health"),
                               ("city-mash", "mash", "Children and Families Direct")):
        hub.cli("agencies", "add", "--id", agency, "--kind", kind, "--name", name)
    hub.cli("agencies", "add", "--id", "riverside-primary", "--kind", "school", "--name",
            "Riverside Primary", "--urn", "100001")
    health = hub.add_user("city-health", "health-practitioner", "Health Visitor")
    social = hub.add_user("city-mash", "social-worker", "Social Worker")
    manager = hub.add_user("city-mash", "team-manager", "Team Manager")
    added = hub.cli("users", "add", "--agency", "city-mash", "--role",
                    "independent-reviewing-officer", "--name", "Reviewing Officer").stdout
    officer = added.strip().splitlines()[-1]
    found = re.search(r"user id ([0-9a-f-]{36})", added)
    assert found is not None
    officer_id = found.group(1)

    def call(method: str, path: str, token: str, purpose: str = "s47",
             **kw: Any) -> httpx2.Response:
        return httpx2.request(method, hub.url + path, timeout=30, **kw, headers={
            "Authorization": f"Bearer {token}", "X-Purpose": purpose})

    now = datetime.now(UTC)
    sent = call("POST", "/v1/notifications", health, "assessment", json={
        "type": "health_concern", "source_ref": "HV-2026-90",
        "occurred_at": (now - timedelta(days=120)).isoformat(),
        "subjects": [{"role": "child", "given_name": "Amy", "family_name": "Hart",
                      "date_of_birth": "2016-04-02", "nhs_number": "9434765919"}],
        "details": {"summary": "Bruising noted at a home visit."}})
    assert sent.status_code == 201, sent.text
    child_id = sent.json()["child_ids"][0]

    held = now - timedelta(days=100)
    icpc = call("POST", f"/v1/protection/{child_id}/initial-conference", social, json={
        "plan": True, "category": "emotional", "at": held.isoformat(),
        "chair": officer_id, "iro": officer_id, "signs_of_safety": signs(3),
        "core_group": [{"agency": "city-health", "role": "health-practitioner"},
                       {"agency": "riverside-primary", "role": "dsl"}]})
    assert icpc.status_code == 200, icpc.text
    [conference] = icpc.json()["conferences"]
    assert conference["iro"]["role"] == "independent-reviewing-officer"
    assert datetime.fromisoformat(conference["minutes_due"]) > held

    def breaches() -> list[tuple[str, str]]:
        answer = call("GET", "/v1/mash/breaches", manager, "triage")
        assert answer.status_code == 200, answer.text
        return [(b["clock"], b.get("person_id", "")) for b in answer.json()["items"]]

    assert ("minutes", child_id) in breaches()
    minutes = call("POST", f"/v1/protection/{child_id}/conferences/{conference['id']}/minutes",
                   officer, json={"minutes": MINUTES,
                                  "at": (held + timedelta(days=9)).isoformat()})
    assert minutes.status_code == 200, minutes.text
    assert ("minutes", child_id) not in breaches()

    met = call("POST", f"/v1/protection/{child_id}/core-group", social, json={
        "at": (held + timedelta(days=7)).isoformat(), "signs_of_safety": signs(5),
        "present": [{"agency": "city-health", "role": "health-practitioner"}]})
    assert met.status_code == 200, met.text
    plan = met.json()["plans"][0]
    assert plan["core_group_meetings"][0]["present"] == [
        {"agency": "city-health", "role": "health-practitioner"}]
    assert plan["next_core_group_due"] is not None

    review = call("POST", f"/v1/protection/{child_id}/review", social, json={
        "plan_continues": False, "step_down": "child-in-need", "chair": officer_id,
        "iro": officer_id, "at": (now - timedelta(days=10)).isoformat(),
        "signs_of_safety": signs(7)})
    assert review.status_code == 200, review.text
    assert review.json()["plans"][0]["stepped_down_to"] == "child-in-need"

    plans = call("GET", f"/v1/children/{child_id}/cin-plans", social, "assessment")
    assert plans.status_code == 200, plans.text
    [cin] = plans.json()["plans"]
    assert cin["via"] == "step-down"
    assert cin["conference_id"] == review.json()["conferences"][-1]["id"]
    reviewed = call("POST", f"/v1/children/{child_id}/cin-plan/review", social, json={})
    assert reviewed.status_code == 200, reviewed.text
    assert reviewed.json()["plans"][0]["reviews"][0]["on_time"] is True

    scale = call("GET", f"/v1/children/{child_id}/safety-scale", officer, "assessment")
    assert scale.status_code == 200, scale.text
    assert [(i["where"], i["scale"]) for i in scale.json()["items"]] == [
        ("initial-conference", 3), ("core-group", 5), ("review-conference", 7)]
    assert scale.json()["items"][0]["worries"] == WORRIES
    # The health visitor sees none of it.
    assert call("GET", f"/v1/children/{child_id}/safety-scale", health,
                "assessment").status_code == 403
    assert call("GET", f"/v1/children/{child_id}/cin-plans", health,
                "assessment").status_code == 403
    assert MINUTES not in hub.log.read_text()
    assert WORRIES not in hub.log.read_text()
