"""A MARAC meeting end to end, through ``hub serve`` and the CLI.

The police send a high-risk domestic-abuse incident; the DART triages it and the rules refer
it to the MARAC. The MARAC coordinator (the DART's team manager) enters last week's meeting
from its minutes, with the police invited, lists the referral, and records the case heard
with an action for the police due that day. The police see the action on their queue and,
past its due time, on their breach list; health (not invited) can neither read the meeting
nor complete the action; the police record it done, and it leaves both lists. Who-saw lists
the police's read of the meeting for the child.
"""

from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx2

from hub.timescales import load_timescales
from tests.e2e.conftest import RunningHub

SUMMARY = "Agencies shared what they hold; a safety plan was agreed with the IDVA."
ACTION = "Flag the home address for an urgent response to any call."


def last_weeks_working_day() -> date:
    working = load_timescales().working
    day = datetime.now(UTC).date() - timedelta(days=7)
    while not working.is_working_day(day):
        day -= timedelta(days=1)
    return day


def test_incident_to_marac_meeting_to_an_action_done(running_hub: RunningHub) -> None:
    hub = running_hub
    for agency, kind, name in (("notts-police", "police", "Police"),
                               ("city-dart", "dart", "DART"),
                               ("city-health", "health", "City Health")):
        hub.cli("agencies", "add", "--id", agency, "--kind", kind, "--name", name)
    police = hub.add_user("notts-police", "police-officer", "PC Officer")
    dart = hub.add_user("city-dart", "dart-worker", "DART Worker")
    coordinator = hub.add_user("city-dart", "team-manager", "MARAC Coordinator")
    health = hub.add_user("city-health", "health-practitioner", "Health Visitor")

    def call(method: str, path: str, token: str, **kw: Any) -> httpx2.Response:
        headers = {"Authorization": f"Bearer {token}", "X-Purpose": "marac"}
        return httpx2.request(method, hub.url + path, headers=headers, timeout=30, **kw)

    def ok(response: httpx2.Response, status: int = 200) -> Any:
        assert response.status_code == status, response.text
        return response.json()

    sent = ok(call("POST", "/v1/notifications", police, json={
        "type": "domestic_abuse_incident", "source_ref": "NTP-2026-MARAC-1",
        "occurred_at": "2026-11-20T21:00:00Z",
        "subjects": [
            {"role": "child", "given_name": "Amy", "family_name": "Hart",
             "date_of_birth": "2016-04-02"},
            {"role": "adult_victim", "given_name": "Jo", "family_name": "Hart",
             "date_of_birth": "1990-01-09"}],
        "details": {"summary": "Shouting heard by neighbour", "dash": {"yes_count": 15}}}),
        201)
    child_id = sent["child_ids"][0]
    [case] = ok(call("GET", "/v1/dart/queue", dart))["items"]
    ok(call("POST", f"/v1/dart/cases/{case['id']}/triage", dart, json={
        "actions": ["safety-planning"], "threshold_met": False,
        "rationale": "DASH 15: high risk; safety planning with the victim."}))
    [referral] = ok(call("GET", "/v1/marac/referrals", dart))["items"]
    assert referral["repeat"] is False

    held_on = last_weeks_working_day().isoformat()
    meeting = ok(call("POST", "/v1/marac/meetings", coordinator, json={
        "meets_on": held_on, "agencies": ["notts-police"]}), 201)
    path = f"/v1/marac/meetings/{meeting['id']}"
    ok(call("POST", f"{path}/cases", coordinator, json={"referral_id": referral["id"]}))
    heard = ok(call("POST", f"{path}/cases/{referral['id']}/outcome", coordinator, json={
        "risk": "high", "summary": SUMMARY, "attendance": ["notts-police", "city-dart"],
        "actions": [{"agency": "notts-police", "action": ACTION, "due_on": held_on}]}))
    [action] = heard["cases"][0]["actions"]

    # The police read the meeting; health, not invited, is told it does not exist.
    read = ok(call("GET", path, police))
    assert read["cases"][0]["outcome"]["summary"] == SUMMARY
    refused = call("GET", path, health)
    assert refused.status_code == 404
    assert SUMMARY not in refused.text

    # On the police's queue, overdue; on their breach list; on nobody else's.
    [queued] = ok(call("GET", "/v1/marac/actions", police))["items"]
    assert queued["id"] == action["id"]
    assert queued["action"] == ACTION
    assert queued["overdue"] is True
    [late] = ok(call("GET", "/v1/marac/actions/breaches", police))["items"]
    assert late["id"] == action["id"]
    assert ok(call("GET", "/v1/marac/actions/breaches", health))["items"] == []

    # Health cannot complete it; the police do.
    assert call("POST", f"/v1/marac/actions/{action['id']}/done", health).status_code == 404
    done = ok(call("POST", f"/v1/marac/actions/{action['id']}/done", police))
    assert done["done"]["by"]["agency"] == "notts-police"
    assert ok(call("GET", "/v1/marac/actions", police))["items"] == []
    assert ok(call("GET", "/v1/marac/actions/breaches", police))["items"] == []
    shown = ok(call("GET", path, coordinator))["cases"][0]["actions"][0]
    assert shown["done"]["at"] == done["done"]["at"]

    who_saw = hub.cli("audit", "who-saw", "--child", child_id).stdout
    rows = who_saw.splitlines()
    assert any("notts-police/police-officer" in r and "marac-meeting" in r for r in rows)
    assert any("notts-police/police-officer" in r and "marac-action" in r for r in rows)
    assert SUMMARY not in who_saw
