"""Merge and split, attacked over HTTP: every role but the MASH team manager is refused (and
the refusal audited), a MASH whose agency sent a notification about either child is refused,
and a merge opens nothing to a reader that the records' own bases did not: a consent recorded
for one child never reaches the other's records through a merge."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hub.api.app import create_app
from hub.bootstrap import Hub, bootstrap
from hub.settings import Settings
from tests.support import child, notification, seed, submit

MYA_NHS = "9434765919"
REASON = "Same child: the school and the GP confirm Mia is Mya."


class Api:
    def __init__(self, client: TestClient, hub: Hub, tokens: dict[str, str]) -> None:
        self.client, self.hub, self.tokens = client, hub, tokens

    def call(self, method: str, who: str, path: str, purpose: str = "referral",
             json: Any = None) -> Any:
        return self.client.request(method, path, json=json, headers={
            "Authorization": f"Bearer {self.tokens[who]}", "X-Purpose": purpose})


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    hub = bootstrap(Settings(store_url="memory://", home=tmp_path))
    tokens = seed(hub)
    for agency, role in (("city-mash", "team-manager"), ("city-mash", "social-worker"),
                         ("city-dart", "team-manager"), ("missing-team", "team-manager"),
                         ("info-governance", "information-governance")):
        _, tokens[f"{agency}/{role}"] = hub.registry.register_user(agency, role, "Staff")
    with TestClient(create_app(hub, checkpointer=False)) as client:
        yield Api(client, hub, tokens)
    hub.close()


def twins(api: Api) -> tuple[str, str, str, str]:
    """Mya (with her NHS number) and a duplicate, "Mia", each with a health concern:
    (Mya's id, Mia's id, Mya's concern, Mia's concern)."""
    mya = submit(api.hub, "city-health", notification("H-MYA", "health_concern", subjects=[
        child("Mya", "Stone", "2015-02-11", nhs_number=MYA_NHS, postcode="NG5 1AB")],
        occurred_at="2026-01-10T10:00:00Z", summary="Mya missed her appointments."))
    mia = submit(api.hub, "city-health", notification("H-MIA", "health_concern", subjects=[
        child("Mia", "Stone", "2015-02-11", postcode="NG7 2RD")],
        occurred_at="2026-01-20T10:00:00Z", summary="Mia came in with a burn."))
    return str(mya.child_ids[0]), str(mia.child_ids[0]), str(mya.id), str(mia.id)


EVERY_OTHER_ROLE = ("notts-police", "derbys-police", "city-health", "riverside-primary",
                    "city-mash", "city-mash/social-worker", "city-dart",
                    "city-dart/team-manager", "missing-team", "missing-team/team-manager",
                    "info-governance", "info-governance/information-governance")


@pytest.mark.parametrize("who", EVERY_OTHER_ROLE)
def test_only_the_mash_team_manager_merges_or_splits(api: Api, who: str) -> None:
    mya, mia, _, mia_note = twins(api)
    since = api.hub.audit.size()
    for path, body in ((f"/v1/children/{mia}/merge", {"into": mya, "reason": REASON}),
                       (f"/v1/children/{mya}/split",
                        {"notifications": [mia_note], "reason": REASON})):
        response = api.call("POST", who, path, json=body)
        assert response.status_code == 403, (who, path, response.text)
        assert response.json()["error"]["code"] == "not_entitled"
        assert "Mya" not in response.text
        assert "Mia" not in response.text
    denials = [e for e in api.hub.audit.entries(since) if e.kind == "denial"]
    assert len(denials) == 2
    assert api.call("GET", "city-mash/team-manager", f"/v1/children/{mia}/chronology",
                    purpose="triage").json()["child_id"] == mia  # nothing moved


def test_the_mash_team_manager_merges_and_splits_over_http(api: Api) -> None:
    mya, mia, _, mia_note = twins(api)
    merged = api.call("POST", "city-mash/team-manager", f"/v1/children/{mia}/merge",
                      json={"into": mya, "reason": REASON})
    assert merged.status_code == 200, merged.text
    assert merged.json()["notifications"] == [mia_note]
    chronology = api.call("GET", "city-mash/team-manager", f"/v1/children/{mia}/chronology",
                          purpose="triage").json()
    assert chronology["child_id"] == mya
    assert chronology["corrections"][0]["kind"] == "merge"
    split = api.call("POST", "city-mash/team-manager", f"/v1/children/{mya}/split",
                     json={"notifications": [mia_note], "reason": "Wrong: they are twins."})
    assert split.status_code == 200, split.text
    assert split.json()["split"]["returned"] == [mia_note]
    again = api.call("POST", "city-mash/team-manager", f"/v1/children/{mya}/split",
                     json={"notifications": [mia_note], "reason": "Wrong: they are twins."})
    assert again.status_code == 404
    missing_reason = api.call("POST", "city-mash/team-manager", f"/v1/children/{mia}/merge",
                              json={"into": mya})
    assert missing_reason.status_code == 422


def test_a_sender_cannot_merge_a_child_it_sent_about(api: Api) -> None:
    """The MASH's own referral about Mia: its team manager may not move Mia's records onto
    Mya (nor split them back)."""
    mya, mia, _, _ = twins(api)
    submit(api.hub, "city-mash", notification("MASH-MIA", "referral", subjects=[
        child("Mia", "Stone", "2015-02-11", postcode="NG7 2RD")],
        occurred_at="2026-01-21T10:00:00Z"))
    response = api.call("POST", "city-mash/team-manager", f"/v1/children/{mia}/merge",
                        json={"into": mya, "reason": REASON})
    assert response.status_code == 403, response.text


def test_a_merge_opens_nothing_that_the_records_own_bases_did_not(api: Api) -> None:
    """A consent for Mia to the police (recorded by the MASH) opens Mia's health record;
    merged into Mya, it still opens only Mia's, never Mya's older one, by either id."""
    mya, mia, mya_note, mia_note = twins(api)
    consent = api.call("POST", "city-mash/social-worker", f"/v1/children/{mia}/consents", json={
        "status": "given", "given_by": "parent",
        "scope": {"data_classes": ["health"], "agencies": ["notts-police"],
                  "purposes": ["referral"]}})
    assert consent.status_code == 201, consent.text
    merged = api.call("POST", "city-mash/team-manager", f"/v1/children/{mia}/merge",
                      json={"into": mya, "reason": REASON})
    assert merged.status_code == 200, merged.text
    for child_id in (mya, mia):
        chronology = api.call("GET", "notts-police", f"/v1/children/{child_id}/chronology")
        assert chronology.status_code == 200, chronology.text
        assert [i["id"] for i in chronology.json()["items"]] == [mia_note]
        assert "appointments" not in chronology.text
    assert api.call("GET", "notts-police", f"/v1/notifications/{mya_note}").status_code == 403
    assert api.call("GET", "notts-police", f"/v1/notifications/{mia_note}").status_code == 200
    assert api.call("GET", "derbys-police", f"/v1/children/{mya}/chronology").status_code == 403
