"""The right child, end to end through ``hub serve`` (issue 18): a police domestic abuse
incident about "Sam Jones, born 2016" carries, mistyped, the NHS number of Ella Ray (born
2011, on a child protection plan). It is not filed on Ella: Sam is held on a provisional
record, the DART sees a possible match with the evidence side by side and rejects it; Ella's
chronology stays clean, Sam's incident is on Sam, and the school notice carries Sam's id."""

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx2

from tests.e2e.conftest import RunningHub

ELLA_NHS = "9434765919"


def test_sams_incident_on_ellas_nhs_number_is_doubted_and_rejected(
        running_hub: RunningHub) -> None:
    hub = running_hub
    for agency, kind, name, urn in (
            ("city-health", "health", "City Health", None),
            ("city-mash", "mash", "Children and Families Direct", None),
            ("notts-police", "police", "Nottinghamshire Police", None),
            ("city-dart", "dart", "Domestic Abuse Referral Team", None),
            ("riverside", "school", "Riverside Primary", "100001")):
        hub.cli("agencies", "add", "--id", agency, "--kind", kind, "--name", name,
                *(["--urn", urn] if urn else []))
    health = hub.add_user("city-health", "health-practitioner", "Health Visitor")
    social = hub.add_user("city-mash", "social-worker", "Social Worker")
    police = hub.add_user("notts-police", "police-officer", "PC Officer")
    dart = hub.add_user("city-dart", "dart-worker", "DART Worker")

    def call(method: str, path: str, token: str, purpose: str = "triage",
             **kw: Any) -> httpx2.Response:
        return httpx2.request(method, hub.url + path, timeout=30, **kw, headers={
            "Authorization": f"Bearer {token}", "X-Purpose": purpose})

    now = datetime.now(UTC)
    sent = call("POST", "/v1/notifications", health, json={
        "type": "health_concern", "source_ref": "HV-ELLA-1",
        "occurred_at": (now - timedelta(days=30)).isoformat(),
        "subjects": [{"role": "child", "given_name": "Ella", "family_name": "Ray",
                      "date_of_birth": "2011-05-03", "nhs_number": ELLA_NHS}],
        "details": {"summary": "Ella's own record."}})
    assert sent.status_code == 201, sent.text
    ella = sent.json()["child_ids"][0]
    plan = call("POST", f"/v1/protection/{ella}/initial-conference", social, "s47",
                json={"plan": True, "category": "neglect",
                      "at": (now - timedelta(days=10)).isoformat()})
    assert plan.status_code == 200, plan.text

    incident = call("POST", "/v1/notifications", police, json={
        "type": "domestic_abuse_incident", "source_ref": "NTP-SAM-1",
        "occurred_at": (now - timedelta(hours=2)).isoformat(),
        "subjects": [
            {"role": "child", "given_name": "Sam", "family_name": "Jones",
             "date_of_birth": "2016-02-01", "nhs_number": ELLA_NHS, "school_urn": "100001",
             "present": True},
            {"role": "adult_victim", "given_name": "Kim", "family_name": "Jones"}],
        "details": {"summary": "Sam's incident.", "dash": {"yes_count": 8}}})
    assert incident.status_code == 201, incident.text
    sam = incident.json()["child_ids"][0]
    assert sam != ella, "Sam's incident was filed on Ella"
    incident_id = incident.json()["id"]

    # The sender cannot see, or settle, the doubt.
    assert call("GET", "/v1/matches", police).status_code == 403

    listed = call("GET", "/v1/matches", dart)
    assert listed.status_code == 200, listed.text
    [match] = listed.json()["items"]
    assert (match["provisional_id"], match["known_id"]) == (sam, ella)
    assert match["notification_id"] == incident_id
    assert match["rule"] == "identifier-doubted"
    assert match["rule_version"] == 2
    assert "Sam" not in listed.text
    assert "Ella" not in listed.text

    evidence = call("GET", f"/v1/matches/{match['id']}", dart)
    assert evidence.status_code == 200, evidence.text
    both = evidence.json()
    assert (both["provisional"]["given_name"], both["provisional"]["date_of_birth"]) == (
        "Sam", "2016-02-01")
    assert (both["known"]["given_name"], both["known"]["date_of_birth"]) == (
        "Ella", "2011-05-03")

    confirm = call("POST", f"/v1/matches/{match['id']}/decision", police,
                   json={"outcome": "confirmed", "reason": "It is the same child, honestly."})
    assert confirm.status_code == 403
    assert set(confirm.json()) == {"error"}
    rejected = call("POST", f"/v1/matches/{match['id']}/decision", dart, json={
        "outcome": "rejected", "reason": "Another child: five years younger, another family."})
    assert rejected.status_code == 200, rejected.text
    assert rejected.json()["decision"]["outcome"] == "rejected"
    assert call("GET", "/v1/matches", dart).json()["items"] == []
    again = call("POST", f"/v1/matches/{match['id']}/decision", dart, json={
        "outcome": "confirmed", "reason": "Changed my mind about this one."})
    assert again.status_code == 409, again.text

    # Ella's chronology holds her own record only; Sam's holds his incident, by its rule.
    ella_items = call("GET", f"/v1/children/{ella}/chronology", social).json()["items"]
    assert [i["id"] for i in ella_items] == [sent.json()["id"]]
    assert "Sam's incident" not in str(ella_items)
    sam_items = call("GET", f"/v1/children/{sam}/chronology", social).json()["items"]
    assert [i["id"] for i in sam_items] == [incident_id]
    assert sam_items[0]["link"] == {"rule": "identifier-doubted", "version": 2}
    assert [s["given_name"] for s in sam_items[0]["subjects"] if s["role"] == "child"] == [
        "Sam"]

    # The DART case and the school's notice are Sam's.
    [case] = call("GET", "/v1/dart/queue", dart).json()["items"]
    assert case["child_ids"] == [sam]
    [notice] = case["encompass"]
    assert notice["child_id"] == sam

    # The decision is in the audit trail, naming both children, without the reason's words.
    done = hub.cli("audit", "who-saw", "--child", ella)
    assert "Another child" not in done.stdout
