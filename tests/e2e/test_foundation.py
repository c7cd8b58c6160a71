"""The foundation, end to end: police notify, the MASH reads, another force is refused."""

from pathlib import Path

import httpx2

from hub.bootstrap import bootstrap
from hub.settings import Settings
from tests.e2e.conftest import RunningHub
from tests.support import notification


def test_police_notify_mash_reads_other_force_refused_resend_stored_once(
    running_hub: RunningHub, tmp_path: Path
) -> None:
    hub = running_hub
    hub.cli("agencies", "add", "--id", "notts-police", "--kind", "police",
            "--name", "Nottinghamshire Police")
    hub.cli("agencies", "add", "--id", "derbys-police", "--kind", "police",
            "--name", "Derbyshire Constabulary")
    hub.cli("agencies", "add", "--id", "city-mash", "--kind", "mash", "--name", "City MASH")
    bad = hub.cli("agencies", "add", "--id", "x", "--kind", "bakery", "--name", "B", expect=2)
    assert len(bad.stderr.strip().splitlines()) == 1
    police = hub.add_user("notts-police", "police-officer", "PC Reid")
    other_force = hub.add_user("derbys-police", "police-officer", "PC Dunn")
    mash = hub.add_user("city-mash", "mash-worker", "Priya Shah")

    def headers(token: str, purpose: str | None = "triage") -> dict[str, str]:
        h = {"Authorization": f"Bearer {token}"}
        return {**h, "X-Purpose": purpose} if purpose else h

    created = httpx2.post(f"{hub.url}/v1/notifications", json=notification(),
                          headers=headers(police, None))
    assert created.status_code == 201, created.text
    notification_id = created.json()["id"]
    [child_id] = created.json()["child_ids"]

    again = httpx2.post(f"{hub.url}/v1/notifications", json=notification(),
                        headers=headers(police, None))
    assert again.status_code == 200
    assert again.json() == created.json()

    chronology = httpx2.get(f"{hub.url}/v1/children/{child_id}/chronology",
                            headers={**headers(mash), "X-Case-Ref": "MASH-2026-17"})
    assert chronology.status_code == 200
    body = chronology.json()
    assert body["child_id"] == child_id
    assert [(i["id"], i["visibility"], i["agency"], i["type"]) for i in body["items"]] == \
        [(notification_id, "full", "notts-police", "domestic_abuse_incident")]

    refused = httpx2.get(f"{hub.url}/v1/children/{child_id}/chronology",
                         headers=headers(other_force))
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "not_entitled"
    assert "Amy" not in refused.text

    unknown = httpx2.get(f"{hub.url}/v1/children/{child_id}/chronology",
                         headers=headers("hub_not_a_token"))
    assert unknown.status_code == 401

    # The trail, read from the same store: one disclosure and one refusal, in that order.
    store = bootstrap(Settings(store_url=hub.env["HUB_STORE_URL"],
                               home=Path(hub.env["HUB_HOME"])))
    try:
        entries = [e for e in store.audit.entries() if e.action.startswith("read-")]
        assert [(e.kind, e.actor["agency"], e.purpose) for e in entries] == [
            ("disclosure", "city-mash", "triage"), ("denial", "derbys-police", "triage")]
        assert entries[0].case_ref == "MASH-2026-17"
        assert entries[0].child_ids[0] == entries[1].child_ids[0]  # the child, first
        assert len(entries[0].child_ids) == 3  # and the two adults the MASH saw named
        assert len(entries[1].child_ids) == 1  # the refusal showed no one
        assert str(entries[0].child_ids[0]) == child_id
        notifications = [n for n in store.store.recorder.select_notifications(start=1, limit=1000)
                         if n.topic.endswith("Notification.Received")]
        assert len(notifications) == 1
    finally:
        store.close()
