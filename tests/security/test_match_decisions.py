"""Possible matches, attacked: an ordinary token cannot list, read or decide them, and the
police officer who sent a notification carrying another child's NHS number cannot confirm
the match to read that child's record. Every refusal is audited, and no answer or audit entry
carries a name."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hub.api.app import create_app
from hub.bootstrap import Hub, bootstrap
from hub.settings import Settings
from tests.support import child, notification, seed, submit

ELLA_NHS = "9434765919"
PURPOSES = ("triage", "assessment", "referral", "encompass", "missing", "marac")


class Api:
    def __init__(self, client: TestClient, hub: Hub, tokens: dict[str, str]) -> None:
        self.client, self.hub, self.tokens = client, hub, tokens

    def call(self, method: str, who: str, path: str, purpose: str = "triage",
             json: Any = None) -> Any:
        return self.client.request(method, path, json=json, headers={
            "Authorization": f"Bearer {self.tokens[who]}", "X-Purpose": purpose})


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    hub = bootstrap(Settings(store_url="memory://", home=tmp_path))
    tokens = seed(hub)
    for agency, role in (("city-mash", "team-manager"), ("city-dart", "team-manager")):
        _, tokens[f"{agency}/{role}"] = hub.registry.register_user(agency, role, "Staff")
    with TestClient(create_app(hub, checkpointer=False)) as client:
        yield Api(client, hub, tokens)
    hub.close()


def doubted(api: Api) -> tuple[str, str, str]:
    """Ella is known to health; the police send Sam's incident on her NHS number. Returns
    (Ella's id, Sam's id, the match's id)."""
    ella = submit(api.hub, "city-health", notification("H-ELLA", "health_concern", subjects=[
        child("Ella", "Ray", "2011-05-03", nhs_number=ELLA_NHS)],
        summary="Ella's health record."))
    sam = submit(api.hub, "notts-police", notification("NTP-SAM", subjects=[
        child("Sam", "Jones", "2016-01-01", nhs_number=ELLA_NHS)]))
    [match] = api.call("GET", "city-dart", "/v1/matches").json()["items"]
    return str(ella.child_ids[0]), str(sam.child_ids[0]), match["id"]


ORDINARY = ("notts-police", "derbys-police", "city-health", "riverside-primary",
            "missing-team", "info-governance")


@pytest.mark.parametrize("who", ORDINARY)
def test_an_ordinary_token_cannot_list_read_or_decide(api: Api, who: str) -> None:
    _, _, match = doubted(api)
    since = api.hub.audit.size()
    for method, path, body in (
            ("GET", "/v1/matches", None), ("GET", f"/v1/matches/{match}", None),
            ("POST", f"/v1/matches/{match}/decision",
             {"outcome": "confirmed", "reason": "The same child, I am sure."})):
        response = api.call(method, who, path, json=body)
        assert response.status_code == 403, (path, response.text)
        assert response.json()["error"]["code"] == "not_entitled"
        assert "Ella" not in response.text
        assert "Sam" not in response.text
    denials = [e for e in api.hub.audit.entries(since) if e.kind == "denial"]
    assert len(denials) == 3


def test_a_mash_worker_lists_but_cannot_decide(api: Api) -> None:
    """Listing is the front door's work; a decision needs a qualified social worker or a
    manager (and a DART match needs the DART)."""
    _, _, match = doubted(api)
    assert api.call("GET", "city-mash", "/v1/matches").json()["items"] == []  # the DART's
    assert api.call("GET", "city-mash", f"/v1/matches/{match}").status_code == 403
    response = api.call("POST", "city-mash/team-manager", f"/v1/matches/{match}/decision",
                        json={"outcome": "confirmed", "reason": "The same child, checked."})
    assert response.status_code == 403


def test_the_sender_cannot_confirm_to_widen_its_own_access(api: Api) -> None:
    """The police officer who sent Sam's incident on Ella's number tries to confirm it, then
    to read Ella: before and after, the police see nothing of Ella's health record."""
    ella, sam, match = doubted(api)

    def sees_ella() -> set[str]:
        seen = set()
        for purpose in PURPOSES:
            response = api.call("GET", "notts-police", f"/v1/children/{ella}/chronology",
                                purpose)
            if response.status_code == 200:
                seen |= {i["id"] for i in response.json()["items"]
                         if i["visibility"] != "none"}
        return seen

    before = sees_ella()
    response = api.call("POST", "notts-police", f"/v1/matches/{match}/decision",
                        json={"outcome": "confirmed", "reason": "The same child, I am sure."})
    assert response.status_code == 403
    assert sees_ella() == before
    assert before == set()
    # Still open, for the DART; nothing moved.
    [item] = api.call("GET", "city-dart", "/v1/matches").json()["items"]
    assert item["id"] == match
    assert item["decision"] is None
    chronology = api.call("GET", "city-mash", f"/v1/children/{ella}/chronology").json()
    assert "Sam" not in str(chronology)
    assert sam != ella


def test_no_answer_or_audit_entry_of_a_decision_carries_a_name_or_the_reason(
        api: Api) -> None:
    ella, sam, match = doubted(api)
    since = api.hub.audit.size()
    response = api.call("POST", "city-dart", f"/v1/matches/{match}/decision",
                        json={"outcome": "rejected", "reason": "Sam Jones is not Ella Ray."})
    assert response.status_code == 200
    entries = list(api.hub.audit.entries(since))
    assert [e.action for e in entries] == ["decide-possible-match"]
    assert set(map(str, entries[0].child_ids)) == {ella, sam}
    text = repr(entries)
    for word in ("Sam", "Jones", "Ella", "Ray", ELLA_NHS):
        assert word not in text
