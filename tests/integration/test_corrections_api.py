"""Corrections by the sender over HTTP, per role: the sending agency amends
(`PUT /v1/notifications/{id}`, a `version` above the one held or `If-Match`) and withdraws
(`POST /v1/notifications/{id}/withdrawal`); any other agency gets 403, audited; the history is
for readers of the whole; the school's inbox shows the notice withdrawn, and nothing more."""

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hub.api.app import create_app
from hub.bootstrap import Hub, bootstrap
from hub.settings import Settings
from tests.support import Clock, child, notification, seed

MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.fixture
def api(tmp_path: Path) -> Iterator[tuple[TestClient, Hub, dict[str, str], Clock]]:
    clock = Clock(MONDAY)
    hub = bootstrap(Settings(store_url=f"sqlite:///{tmp_path}/hub.sqlite3", home=tmp_path),
                    clock)
    tokens = seed(hub)
    with TestClient(create_app(hub, checkpointer=False)) as client:
        yield client, hub, tokens, clock
    hub.close()


def incident(version: int | None = None, words: str = "I hid upstairs") -> dict[str, Any]:
    body = notification("NTP-77", occurred_at="2026-11-23T08:00:00Z", subjects=[
        child(school_urn="100001", present=True, spoken_to=True)],
        summary="free text from the sending agency", dash={"yes_count": 12},
        welfare_check=True, words_for_school=words)
    if version is not None:
        body["version"] = version
    return body


def call(client: TestClient, tokens: dict[str, str], method: str, who: str, path: str,
         purpose: str | None = None, **kw: Any) -> Any:
    headers = {"Authorization": f"Bearer {tokens[who]}", **kw.pop("headers", {})}
    if purpose is not None:
        headers["X-Purpose"] = purpose
    return client.request(method, path, headers=headers, **kw)


def test_the_sender_amends_others_are_refused_and_audited(
        api: tuple[TestClient, Hub, dict[str, str], Clock]) -> None:
    client, hub, tokens, clock = api
    sent = call(client, tokens, "POST", "notts-police", "/v1/notifications", json=incident())
    assert sent.status_code == 201, sent.text
    nid = sent.json()["id"]
    path = f"/v1/notifications/{nid}"
    read = call(client, tokens, "GET", "notts-police", path, "triage")
    assert read.headers["ETag"] == '"1"'
    assert "version" not in read.json()  # nothing corrected yet

    clock.advance(minutes=10)
    amended = call(client, tokens, "PUT", "notts-police", path, json=incident(2, "I ran"))
    assert amended.status_code == 200, amended.text
    assert amended.json() == {"id": nid, "child_ids": sent.json()["child_ids"], "version": 2}
    assert amended.headers["ETag"] == '"2"'
    view = call(client, tokens, "GET", "city-dart", path, "triage")
    assert view.status_code == 200, view.text
    assert (view.json()["version"], view.json()["amended_at"]) == (2, clock.now.isoformat())
    assert view.headers["ETag"] == '"2"'

    stale = call(client, tokens, "PUT", "notts-police", path, json=incident(2))
    assert stale.status_code == 409
    assert stale.json()["error"]["code"] == "conflict"
    old_tag = call(client, tokens, "PUT", "notts-police", path, json=incident(),
                   headers={"If-Match": '"1"'})
    assert old_tag.status_code == 409
    tagged = call(client, tokens, "PUT", "notts-police", path, json=incident(words="I ran"),
                  headers={"If-Match": 'W/"2"'})
    assert (tagged.status_code, tagged.json()["version"]) == (200, 3)
    bad_tag = call(client, tokens, "PUT", "notts-police", path, json=incident(),
                   headers={"If-Match": "*"})
    assert bad_tag.status_code == 400
    wrong_type = dict(incident(4), type="police_concern")
    assert call(client, tokens, "PUT", "notts-police", path,
                json=wrong_type).status_code == 422

    since = hub.audit.size()
    for who in ("derbys-police", "city-dart", "city-mash", "riverside-primary"):
        refused = call(client, tokens, "PUT", who, path, json=incident(9))
        assert refused.status_code == 403, (who, refused.text)
        assert refused.json()["error"]["code"] == "not_entitled"
        gone = call(client, tokens, "POST", who, f"{path}/withdrawal",
                    json={"reason_code": "sent-in-error"})
        assert gone.status_code == 403, (who, gone.text)
    denials = [e for e in hub.audit.entries(since) if e.kind == "denial"]
    assert len(denials) == 8
    assert {e.actor["agency"] for e in denials} == {"derbys-police", "city-dart", "city-mash",
                                                   "riverside-primary"}
    unknown = "/v1/notifications/00000000-0000-4000-8000-000000000000"
    assert call(client, tokens, "PUT", "notts-police", unknown,
                json=incident(2)).status_code == 404
    assert call(client, tokens, "GET", "notts-police", path, "triage").json()["version"] == 3

    # PATCH and DELETE stay unanswered: an amendment is the whole notification again, a
    # withdrawal is a record of its own (a reason, kept), never a deletion.
    for method in ("PATCH", "DELETE"):
        refused = call(client, tokens, method, "notts-police", path)
        assert refused.status_code == 405
        assert refused.headers["allow"] == "GET, PUT"  # every method the path takes


def test_the_history_is_for_readers_of_the_whole(
        api: tuple[TestClient, Hub, dict[str, str], Clock]) -> None:
    client, hub, tokens, _ = api
    nid = call(client, tokens, "POST", "notts-police", "/v1/notifications",
               json=incident()).json()["id"]
    call(client, tokens, "PUT", "notts-police", f"/v1/notifications/{nid}",
         json=incident(2, "I ran"))
    history = call(client, tokens, "GET", "city-dart", f"/v1/notifications/{nid}/versions",
                   "triage")
    assert history.status_code == 200, history.text
    versions = history.json()["versions"]
    assert [v["version"] for v in versions] == [1, 2]
    assert versions[0]["subjects"][0]["given_name"] == "Amy"
    since = hub.audit.size()
    refused = call(client, tokens, "GET", "riverside-primary",
                   f"/v1/notifications/{nid}/versions", "encompass")
    assert refused.status_code == 403
    [entry] = [e for e in hub.audit.entries(since)
               if e.action == "read-notification-versions"]
    assert entry.kind == "denial"


def test_withdrawn_the_school_sees_only_that_it_was(
        api: tuple[TestClient, Hub, dict[str, str], Clock]) -> None:
    client, hub, tokens, clock = api
    nid = call(client, tokens, "POST", "notts-police", "/v1/notifications",
               json=incident()).json()["id"]
    [notice] = call(client, tokens, "GET", "riverside-primary",
                    "/v1/schools/100001/encompass", "encompass").json()["items"]
    assert notice["child"]["given_name"] == "Amy"
    assert notice["withdrawn"] is None
    assert call(client, tokens, "POST", "notts-police",
                f"/v1/notifications/{nid}/withdrawal",
                json={"reason_code": "other"}).status_code == 422  # words needed with other
    clock.advance(minutes=5)
    gone = call(client, tokens, "POST", "notts-police", f"/v1/notifications/{nid}/withdrawal",
                json={"reason_code": "wrong-person",
                      "reason": "The officer attached the wrong household."})
    assert gone.status_code == 200, gone.text
    assert gone.json() == {"id": nid, "version": 1, "reason_code": "wrong-person",
                           "withdrawn": True}
    again = call(client, tokens, "POST", "notts-police",
                 f"/v1/notifications/{nid}/withdrawal", json={"reason_code": "duplicate"})
    assert again.status_code == 409

    inbox = call(client, tokens, "GET", "riverside-primary", "/v1/schools/100001/encompass",
                 "encompass")
    assert inbox.status_code == 200, inbox.text
    [withdrawn] = inbox.json()["items"]
    assert withdrawn["id"] == notice["id"]
    assert withdrawn["withdrawn"] == {"at": clock.now.isoformat()}
    text = json.dumps(withdrawn)
    for secret in ("Amy", "Hart", "2016-04-02", "I hid upstairs", "wrong", "household"):
        assert secret not in text
    ack = call(client, tokens, "POST", "riverside-primary",
               f"/v1/encompass/{notice['id']}/acknowledge")
    assert ack.status_code == 409

    queue = call(client, tokens, "GET", "city-dart", "/v1/dart/queue").json()["items"]
    assert queue == []
    case = call(client, tokens, "GET", "city-dart",
                f"/v1/dart/cases/{withdrawn_case(hub, nid)}").json()
    assert case["withdrawn"] == {"at": clock.now.isoformat()}
    mine = call(client, tokens, "GET", "notts-police", f"/v1/notifications/{nid}", "triage")
    assert mine.json()["withdrawn"] == {"at": clock.now.isoformat(),
                                        "reason_code": "wrong-person",
                                        "reason": "The officer attached the wrong household."}
    # No words in the audit trail: the code only.
    [entry] = [e for e in hub.audit.entries() if e.action == "withdraw-notification"]
    assert "household" not in json.dumps(entry.details)


def withdrawn_case(hub: Hub, nid: str) -> str:
    from uuid import UUID

    from hub.domestic_abuse import case_id
    return str(case_id(UUID(nid)))
