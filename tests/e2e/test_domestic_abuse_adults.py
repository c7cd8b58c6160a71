"""The DART's queue by risk, and an incident naming adults alone, end to end through
``hub serve``: the police send a standard-risk incident with a child, then a high-risk one
naming an adult victim and the perpetrator only. The high-risk one heads the DART's queue,
due within four hours; it has no Encompass notice; the DART triages it (a MARAC referral, by
rule) and the reads are audited naming the adult victim."""

from datetime import datetime
from typing import Any

import httpx2

from tests.e2e.conftest import RunningHub

JO = {"role": "adult_victim", "given_name": "Jo", "family_name": "Hart",
      "date_of_birth": "1990-01-09"}
LEE = {"role": "perpetrator", "given_name": "Lee", "family_name": "Kerr",
       "date_of_birth": "1988-07-30"}


def incident(ref: str, yes: int, subjects: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "domestic_abuse_incident", "source_ref": ref,
            "occurred_at": "2026-11-20T22:00:00Z", "subjects": subjects,
            "details": {"summary": "Shouting heard by a neighbour",
                        "dash": {"yes_count": yes}, "welfare_check": True}}


def test_an_adult_only_incident_heads_the_queue_and_is_triaged(
        running_hub: RunningHub) -> None:
    hub = running_hub
    for agency, kind, name, urn in (("notts-police", "police", "Police", None),
                                    ("city-dart", "dart", "DART", None),
                                    ("riverside", "school", "Riverside Primary", "100001")):
        hub.cli("agencies", "add", "--id", agency, "--kind", kind, "--name", name,
                *(["--urn", urn] if urn else []))
    police = hub.add_user("notts-police", "police-officer", "PC Officer")
    dart = hub.add_user("city-dart", "dart-worker", "DART Worker")
    dsl = hub.add_user("riverside", "dsl", "Riverside DSL")

    def call(method: str, path: str, token: str, purpose: str = "triage",
             **kw: Any) -> httpx2.Response:
        headers = {"Authorization": f"Bearer {token}", "X-Purpose": purpose}
        return httpx2.request(method, hub.url + path, headers=headers, timeout=30, **kw)

    amy = {"role": "child", "given_name": "Amy", "family_name": "Hart",
           "date_of_birth": "2016-04-02", "school_urn": "100001", "present": True}
    standard = call("POST", "/v1/notifications", police,
                    json=incident("NTP-STD", 3, [amy, JO, LEE]))
    assert standard.status_code == 201, standard.text
    adults = call("POST", "/v1/notifications", police, json=incident("NTP-HIGH", 15, [JO, LEE]))
    assert adults.status_code == 201, adults.text
    assert adults.json()["child_ids"] == []

    queue = call("GET", "/v1/dart/queue", dart)
    assert queue.status_code == 200, queue.text
    first, second = queue.json()["items"]
    assert (first["notification_id"], first["risk"]) == (adults.json()["id"], "high")
    assert (second["notification_id"], second["risk"]) == (standard.json()["id"], "standard")
    seconds = _epoch(first["triage_due"]) - _epoch(first["received_at"])
    assert seconds == 4 * 3600  # elapsed hours, whatever the day
    assert (first["child_ids"], first["encompass"]) == ([], [])
    [victim] = first["victim_ids"]
    # The school hears of the child's incident only.
    assert len(call("GET", "/v1/schools/100001/encompass", dsl, "encompass")
               .json()["items"]) == 1

    triaged = call("POST", f"/v1/dart/cases/{first['id']}/triage", dart, json={
        "actions": ["safety-planning", "idva-referral"], "threshold_met": False,
        "rationale": "Adult victim at high risk: IDVA and safety planning."})
    assert triaged.status_code == 200, triaged.text
    assert triaged.json()["triage"]["level"] == "high"
    assert triaged.json()["triage"]["marac_referral"] is not None
    with_child = call("POST", f"/v1/dart/cases/{second['id']}/triage", dart, json={
        "actions": ["mash-referral"], "threshold_met": True,
        "rationale": "The child meets the threshold for social care."})
    assert with_child.status_code == 200, with_child.text  # a child: referred to the MASH

    read = call("GET", f"/v1/notifications/{adults.json()['id']}", dart)
    assert read.status_code == 200, read.text
    who_saw = hub.cli("audit", "who-saw", "--child", victim).stdout
    # The queue (a summary), the triage's answer and the read of the incident (full, with the
    # identities): each names the adult victim, the police's record.
    assert "3 disclosures" in who_saw
    assert who_saw.count("city-dart/dart-worker") == 3
    assert "da-risk,identity,police-incident" in who_saw


def _epoch(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()
