"""Operation Encompass end to end, through ``hub serve`` and the CLI.

A police notification of an incident at 23:00 on the Friday before a bank-holiday Monday
produces a notice to the child's school due at 08:30 on Tuesday. The school's designated
safeguarding lead reads and acknowledges it; another school cannot see it; while it is
unacknowledged past its deadline, the DART's breach list shows it. No endpoint gives a school
who was involved, where, or what happened.
"""

import json
import re
from typing import Any

import httpx2

from tests.e2e.conftest import RunningHub

PERPETRATOR, LOCATION, SUMMARY = "Kerrigan", "14 Sanctuary Close", "Shouting heard by neighbour"


def incident() -> dict[str, Any]:
    return {
        "type": "domestic_abuse_incident", "source_ref": "NTP-2026-000828",
        "occurred_at": "2026-08-28T22:00:00Z",  # 23:00 BST on Friday 28 August
        "subjects": [
            {"role": "child", "given_name": "Amy", "family_name": "Hart",
             "date_of_birth": "2016-04-02", "school_urn": "100001", "present": True,
             "spoken_to": True},
            {"role": "adult_victim", "given_name": "Jo", "family_name": "Hart",
             "date_of_birth": "1990-01-09"},
            {"role": "perpetrator", "given_name": "Lee", "family_name": PERPETRATOR,
             "date_of_birth": "1988-07-30"}],
        "details": {"summary": SUMMARY, "location": LOCATION, "dash": {"yes_count": 15},
                    "welfare_check": True, "child_words": "I hid upstairs",
                    "words_for_school": "I hid upstairs"},
    }


def test_encompass_notice_from_police_to_school(running_hub: RunningHub) -> None:
    hub = running_hub
    for agency, kind, name, urn in (("notts-police", "police", "Police", None),
                                    ("city-dart", "dart", "DART", None),
                                    ("riverside", "school", "Riverside Primary", "100001"),
                                    ("hillside", "school", "Hillside Academy", "100002")):
        hub.cli("agencies", "add", "--id", agency, "--kind", kind, "--name", name,
                *(["--urn", urn] if urn else []))
    police = hub.add_user("notts-police", "police-officer", "PC Officer")
    dart = hub.add_user("city-dart", "dart-worker", "DART Worker")
    dsl = hub.add_user("riverside", "dsl", "Riverside DSL")
    other_dsl = hub.add_user("hillside", "dsl", "Hillside DSL")

    def call(method: str, path: str, token: str, **kw: Any) -> httpx2.Response:
        headers = {"Authorization": f"Bearer {token}", "X-Purpose": "encompass",
                   **kw.pop("headers", {})}
        return httpx2.request(method, hub.url + path, headers=headers, timeout=30, **kw)

    sent = call("POST", "/v1/notifications", police, json=incident())
    assert sent.status_code == 201, sent.text
    notification_id, child_id = sent.json()["id"], sent.json()["child_ids"][0]

    inbox = call("GET", "/v1/schools/100001/encompass", dsl)
    assert inbox.status_code == 200, inbox.text
    [notice] = inbox.json()["items"]
    # The autumn term's first pupil day (Thursday 08:30 BST; the example calendar).
    assert notice["due_at"] == "2026-09-03T07:30:00+00:00"
    assert notice["child"]["given_name"] == "Amy"
    assert notice["child_words"] == "I hid upstairs"

    assert call("GET", "/v1/schools/100002/encompass", other_dsl).json()["items"] == []
    assert call("GET", "/v1/schools/100001/encompass", other_dsl).status_code == 403
    assert call("POST", f"/v1/encompass/{notice['id']}/acknowledge",
                other_dsl).status_code == 404

    # The deadline has passed (this runs after September 2026): a breach until acknowledged.
    breaches = call("GET", "/v1/breaches", dart, headers={"X-Purpose": "triage"}).json()
    assert [b["notice_id"] for b in breaches["encompass"]] == [notice["id"]]

    # No endpoint tells a school who was involved, where, or what happened.
    case_id = call("GET", "/v1/dart/queue", dart).json()["items"][0]["id"]
    ids = {"notification_id": notification_id, "child_id": child_id, "id": notice["id"],
           "notice_id": notice["id"], "case_id": case_id, "urn": "100001"}
    paths = httpx2.get(hub.url + "/openapi.json", timeout=30).json()["paths"]
    reached = 0
    for template, operations in paths.items():
        if "get" not in operations:
            continue
        path = re.sub(r"\{(\w+)\}", lambda m: ids.get(m.group(1), child_id), template)
        for purpose in ("encompass", "triage", "s47", "assessment"):
            response = call("GET", path, dsl, headers={"X-Purpose": purpose})
            reached += response.status_code == 200
            for secret in (PERPETRATOR, LOCATION, SUMMARY, "Lee", "Jo"):
                assert secret not in response.text, (path, purpose)
    assert reached >= 8  # the sweep reached real answers, not only refusals

    acknowledged = call("POST", f"/v1/encompass/{notice['id']}/acknowledge", dsl)
    assert acknowledged.status_code == 200, acknowledged.text
    assert acknowledged.json()["late"] is True
    assert call("GET", "/v1/breaches", dart).json()["encompass"] == []
    who_saw = hub.cli("audit", "who-saw", "--child", child_id).stdout
    assert "read-encompass-inbox" in who_saw or "encompass" in json.dumps(who_saw)
