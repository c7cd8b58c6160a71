"""A school's concern at the MASH front door, end to end through ``hub serve``: rated amber,
researched by the police and health, decided by a social worker, and the school told the
outcome, even though it was early help rather than social care."""

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx2

from tests.e2e.conftest import RunningHub

DISCLOSURE = "Amy said her step-father hit her with a belt."
POLICE_RESEARCH = "Two domestic call-outs at the address this year; no charges."
HEALTH_RESEARCH = "Missed two immunisation appointments; GP has no concerns."
FEEDBACK = "Early help: the school's family worker will lead, with a CAF."


def test_school_concern_rated_researched_decided_and_fed_back(running_hub: RunningHub) -> None:
    hub = running_hub
    for agency, kind, name, urn in (("riverside", "school", "Riverside Primary", "100001"),
                                    ("city-mash", "mash", "MASH", None),
                                    ("notts-police", "police", "Police", None),
                                    ("city-health", "health", "Health", None)):
        hub.cli("agencies", "add", "--id", agency, "--kind", kind, "--name", name,
                *(["--urn", urn] if urn else []))
    dsl = hub.add_user("riverside", "dsl", "Riverside DSL")
    mash = hub.add_user("city-mash", "mash-worker", "MASH Worker")
    social = hub.add_user("city-mash", "social-worker", "Social Worker")
    police = hub.add_user("notts-police", "police-officer", "PC Officer")
    health = hub.add_user("city-health", "health-practitioner", "Health Visitor")

    def call(method: str, path: str, token: str, purpose: str = "triage",
             **kw: Any) -> httpx2.Response:
        headers = {"Authorization": f"Bearer {token}", "X-Purpose": purpose}
        return httpx2.request(method, hub.url + path, headers=headers, timeout=30, **kw)

    occurred = datetime.now(UTC) - timedelta(hours=1)
    sent = call("POST", "/v1/notifications", dsl, json={
        "type": "school_concern", "source_ref": "RIV-2026-0042",
        "occurred_at": occurred.isoformat(),
        "subjects": [{"role": "child", "given_name": "Amy", "family_name": "Hart",
                      "date_of_birth": "2016-04-02", "school_urn": "100001"}],
        "details": {"summary": DISCLOSURE}})
    assert sent.status_code == 201, sent.text

    [contact] = call("GET", "/v1/mash/queue", mash).json()["items"]
    cid = contact["id"]
    assert (contact["kind"], contact["referrer"], contact["rag"]) == ("contact", "riverside",
                                                                     None)
    assert call("GET", "/v1/mash/queue", dsl).status_code == 403
    rated = call("POST", f"/v1/mash/contacts/{cid}/rating", mash, json={"rag": "amber"})
    assert rated.status_code == 200, rated.text
    changed = call("POST", f"/v1/mash/contacts/{cid}/rating", mash, json={"rag": "red"})
    assert changed.status_code == 422  # a changed rating needs its rationale
    assert call("POST", f"/v1/mash/contacts/{cid}/rating", mash, json={
        "rag": "red", "rationale": "Disclosure of being hit with an object."}).status_code == 200
    assert call("POST", f"/v1/mash/contacts/{cid}/acknowledge", mash).status_code == 200
    asked = call("POST", f"/v1/mash/contacts/{cid}/research-requests", mash,
                 json={"agencies": ["notts-police", "city-health"]})
    assert asked.status_code == 200, asked.text

    for token, text in ((police, POLICE_RESEARCH), (health, HEALTH_RESEARCH)):
        added = call("POST", f"/v1/mash/contacts/{cid}/research", token,
                     json={"content": text})
        assert added.status_code == 201, added.text
    assert call("POST", f"/v1/mash/contacts/{cid}/research", dsl,
                json={"content": "Attendance 71%."}).status_code == 409  # not asked
    assert call("GET", f"/v1/mash/contacts/{cid}", dsl).status_code == 403

    full = call("GET", f"/v1/mash/contacts/{cid}", social).json()
    assert {r["content"] for r in full["research"]["items"]} == {POLICE_RESEARCH,
                                                                  HEALTH_RESEARCH}
    assert full["rag"]["rating"] == "red"

    decided = call("POST", f"/v1/mash/contacts/{cid}/decision", social, json={
        "level": "extensive", "outcome": "early-help",
        "rationale": "Single incident, parent engaging; family worker can lead.",
        "feedback": FEEDBACK,
        "signs_of_safety": {"worries": "Physical chastisement", "working_well": "Mother "
                            "engaging with school", "needs_to_happen": "CAF within 2 weeks",
                            "scale": 6}})
    assert decided.status_code == 200, decided.text
    assert call("GET", "/v1/mash/queue", mash).json()["items"] == []

    told = call("GET", "/v1/mash/feedback", dsl, purpose="referral")
    assert told.status_code == 200, told.text
    [item] = told.json()["items"]
    assert (item["contact_id"], item["level"], item["outcome"], item["feedback"]) == (
        cid, "extensive", "early-help", FEEDBACK)
    # The school learns the outcome, not the partners' research or the MASH's reasoning.
    assert POLICE_RESEARCH not in told.text
    assert "Physical chastisement" not in told.text
    assert call("GET", "/v1/mash/feedback", police, purpose="referral").json()["items"] == []
