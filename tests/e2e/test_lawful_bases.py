"""Lawful bases end to end: a refused consent, an override, a restricted record, the owner's
access feed and an emergency access, through the real HTTP API and the CLI."""

from datetime import UTC, datetime, timedelta

import httpx2

from tests.e2e.conftest import RunningHub
from tests.support import child, notification


def test_consent_override_restriction_feed_break_glass_and_replay(
        running_hub: RunningHub) -> None:
    hub = running_hub
    for agency, kind in (("city-health", "health"), ("notts-police", "police"),
                         ("city-dart", "dart"), ("city-mash", "mash")):
        hub.cli("agencies", "add", "--id", agency, "--kind", kind, "--name", agency.title())
    health = hub.add_user("city-health", "health-practitioner", "Nurse Lowe")
    police = hub.add_user("notts-police", "police-officer", "PC Reid")
    dart_manager = hub.add_user("city-dart", "team-manager", "Helen Marsh")
    social_worker = hub.add_user("city-mash", "social-worker", "Priya Shah")
    mash_manager = hub.add_user("city-mash", "team-manager", "Tom Okafor")

    def call(method: str, path: str, token: str, purpose: str | None = None,
             json: object = None, headers: dict[str, str] | None = None) -> httpx2.Response:
        sent = {"Authorization": f"Bearer {token}", **(headers or {})}
        if purpose:
            sent["X-Purpose"] = purpose
        return httpx2.request(method, hub.url + path, headers=sent, json=json)

    sent = call("POST", "/v1/notifications", health, json=notification(
        "H-1", "health_concern", subjects=[child(postcode="NG5 1AB")],
        occurred_at="2026-11-01T10:00:00Z", summary="Bruising noted."))
    record_id, child_id = sent.json()["id"], sent.json()["child_ids"][0]
    dart = call("POST", "/v1/notifications", dart_manager, json=notification(
        "D-1", "dart_triage", subjects=[child(postcode="NG5 1AB")],
        occurred_at="2026-11-02T10:00:00Z", dash={"yes_count": 15}))
    assert dart.json()["child_ids"] == [child_id]

    chronology = f"/v1/children/{child_id}/chronology"
    assert call("GET", chronology, police, "assessment").status_code == 403

    refused = call("POST", f"/v1/children/{child_id}/consents", social_worker, json={
        "status": "refused", "given_by": "parent",
        "scope": {"data_classes": ["da-risk"], "agencies": ["notts-police"],
                  "purposes": ["assessment"]}})
    assert refused.status_code == 201, refused.text
    decision = {"child_id": child_id, "share": True, "recipient_agency": "notts-police",
                "data_classes": ["da-risk"], "purposes": ["assessment"],
                "legal_basis": "dpa-2018-sch8-para4",
                "consent_not_relied": "would-put-child-at-risk",
                "rationale": "Escalating risk; the police must know despite the refusal.",
                "valid_until": (datetime.now(UTC) + timedelta(days=30)).isoformat()}
    not_authorised = call("POST", "/v1/sharing-decisions", social_worker, json=decision)
    assert not_authorised.status_code == 409  # may decide, but not override a refusal
    assert "authorised" in not_authorised.json()["error"]["message"]
    overridden = call("POST", "/v1/sharing-decisions", dart_manager, json=decision)
    assert overridden.status_code == 201, overridden.text
    assert overridden.json()["overrides_refusal"] is True
    missing_rationale = call("POST", "/v1/sharing-decisions", dart_manager,
                             json=dict(decision, rationale=" "))
    assert missing_rationale.status_code == 422

    view = call("GET", chronology, police, "assessment").json()
    assert [(i["type"], i["visibility"]) for i in view["items"]] == [("dart_triage", "full")]

    assert call("POST", f"/v1/notifications/{record_id}/restriction", health, json={
        "restricted": True, "reason": "clinical sensitivity"}).status_code == 200
    mash_view = call("GET", chronology, social_worker, "triage").json()
    assert {i["type"]: i["visibility"] for i in mash_view["items"]}["health_concern"] == "summary"

    reason = "Child brought to custody suite injured; medical history needed now."
    glass = call("GET", chronology, police, "triage", headers={"X-Break-Glass": reason})
    assert glass.status_code == 200
    feed = call("GET", "/v1/access-notifications", health).json()["items"]
    assert [(f["reader_agency"], f["break_glass"]) for f in feed] == [
        ("city-mash", False), ("notts-police", True)]
    listed = call("GET", "/v1/break-glass", mash_manager).json()
    assert [a["reason"] for a in listed] == [reason]
    assert call("GET", "/v1/break-glass", police).status_code == 403

    replay = hub.cli("audit", "replay")
    assert "0 mismatches" in replay.stdout
    could_see = hub.cli("audit", "could-see", "--child", child_id, "--at",
                        datetime.now(UTC).isoformat(), "--json")
    assert '"agency": "notts-police"' in could_see.stdout
    bad = hub.cli("audit", "could-see", "--child", "nope", "--at", "2026-01-01", expect=2)
    assert len(bad.stderr.strip().splitlines()) == 1
