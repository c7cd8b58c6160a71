"""CP-IS end to end, through ``hub serve``: a plan starts at an initial conference; an A&E
practitioner looks the child up by NHS number and sees the flag, the plan's type and dates
and whom to call, never its content; the local authority's access-notification feed shows
the look-up within a second."""

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx2

from tests.e2e.conftest import RunningHub

NHS = "9434765919"
CONCERN = "Injuries inconsistent with the account given; sibling previously on a plan."


def test_a_plan_then_an_ae_lookup_and_the_local_authority_told(
        running_hub: RunningHub) -> None:
    hub = running_hub
    for agency, kind, name in (("city-health", "health", "City Health"),
                               ("city-ae", "health", "Emergency Department"),
                               ("city-mash", "mash", "Children and Families Direct")):
        hub.cli("agencies", "add", "--id", agency, "--kind", kind, "--name", name)
    health = hub.add_user("city-health", "health-practitioner", "Health Visitor")
    ae = hub.add_user("city-ae", "unscheduled-care-clinician", "A&E Nurse")
    social = hub.add_user("city-mash", "social-worker", "Social Worker")
    manager = hub.add_user("city-mash", "team-manager", "Team Manager")

    def call(method: str, path: str, token: str, purpose: str, **kw: Any) -> httpx2.Response:
        return httpx2.request(method, hub.url + path, timeout=30, **kw, headers={
            "Authorization": f"Bearer {token}", "X-Purpose": purpose})

    sent = call("POST", "/v1/notifications", health, "assessment", json={
        "type": "health_concern", "source_ref": "HV-2026-77",
        "occurred_at": (datetime.now(UTC) - timedelta(days=20)).isoformat(),
        "subjects": [{"role": "child", "given_name": "Amy", "family_name": "Hart",
                      "date_of_birth": "2016-04-02", "nhs_number": NHS}],
        "details": {"summary": CONCERN}})
    assert sent.status_code == 201, sent.text
    child_id = sent.json()["child_ids"][0]
    started = datetime.now(UTC) - timedelta(days=2)
    plan = call("POST", f"/v1/protection/{child_id}/initial-conference", social, "s47",
                json={"plan": True, "category": "physical", "at": started.isoformat()})
    assert plan.status_code == 200, plan.text
    assert plan.json()["plans"][0]["core_group_due"] is not None

    before = datetime.now(UTC)
    looked = call("POST", "/v1/cp-is/lookups", ae, "unscheduled-care",
                  json={"nhs_number": NHS})
    assert looked.status_code == 200, looked.text
    flag = looked.json()
    assert flag["flagged"] is True
    assert flag["plans"][0]["type"] == "child-protection"
    assert "category" not in flag["plans"][0]  # CP-IS never says what the plan is for
    assert "physical" not in looked.text
    assert flag["plans"][0]["started_at"] == started.isoformat()
    [authority] = flag["responsible_authorities"]
    assert (authority["office_hours"], authority["out_of_hours"]) == ("01632 960001",
                                                                      "01632 960002")
    assert CONCERN not in looked.text
    assert "Injuries" not in looked.text
    assert NHS not in looked.text

    deadline = time.monotonic() + 1.0  # the local authority knows within a second
    while True:
        feed = call("GET", "/v1/access-notifications", manager, "triage").json()["items"]
        looks = [f for f in feed if f["purpose"] == "unscheduled-care"]
        if looks or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert [(f["reader_agency"], f["child_id"]) for f in looks] == [("city-ae", child_id)]
    assert datetime.fromisoformat(looks[0]["at"]) >= before - timedelta(seconds=1)

    # The plan itself is not A&E's: not its record, nor the child's chronology.
    assert call("GET", f"/v1/protection/{child_id}", ae, "unscheduled-care").status_code == 403
    assert call("GET", f"/v1/children/{child_id}/chronology", ae,
                "unscheduled-care").status_code == 403
    # A number in a URL would leak: the look-up is a POST body; a bad number is a 422.
    bad = call("POST", "/v1/cp-is/lookups", ae, "unscheduled-care",
               json={"nhs_number": "1234567890"})
    assert bad.status_code == 422
    assert "1234567890" not in bad.text
