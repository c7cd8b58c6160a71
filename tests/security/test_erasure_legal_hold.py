"""Issue 14, finding 10: erasure is information governance's (not the administrator's), and a
legal hold stops it on every path (HTTP and ``hub erase``): refused with 409, and the refusal
audited. Legal holds are placed and released over HTTP by information governance only."""

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hub.api.app import create_app
from hub.bootstrap import Hub, bootstrap
from hub.cli import main
from hub.settings import Settings
from tests.support import notification, seed, submit


@dataclass
class Api:
    client: TestClient
    hub: Hub
    tokens: dict[str, str]
    child: str

    def post(self, who: str, path: str, body: dict[str, Any]) -> Any:
        return self.client.post(f"/v1/children/{self.child}/{path}", json=body,
                                headers={"Authorization": f"Bearer {self.tokens[who]}"})


@pytest.fixture
def api(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Api]:
    store = f"sqlite:///{tmp_path}/hub.sqlite3"
    monkeypatch.setenv("HUB_STORE_URL", store)
    monkeypatch.setenv("HUB_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("HUB_ENV", "dev")
    hub = bootstrap(Settings(store_url=store, home=tmp_path / "home"))
    tokens = seed(hub)
    _, tokens["ig"] = hub.registry.register_user("info-governance", "information-governance",
                                                 "Dana Whitfield")
    hub.registry.register_agency("hub-admin", "admin", "Hub Administration")
    _, tokens["admin"] = hub.registry.register_user("hub-admin", "admin", "Hub Admin")
    child = str(submit(hub, "notts-police", notification()).child_ids[0])
    with TestClient(create_app(hub, checkpointer=False)) as client:
        yield Api(client, hub, tokens, child)
    hub.close()


HOLD = {"held": True, "reason_code": "litigation"}
RELEASE = {"held": False, "reason_code": "litigation"}
ERASE = {"reason_code": "subject-request"}


def denials(hub: Hub, action: str) -> list[Any]:
    return [e for e in hub.audit.entries() if e.kind == "denial" and e.action == action]


def test_only_information_governance_erases(api: Api) -> None:
    for who in ("admin", "info-governance", "city-mash", "notts-police"):
        refused = api.post(who, "erasure", ERASE)
        assert refused.status_code == 403, who
        assert refused.json()["error"]["code"] == "not_entitled"
    assert len(denials(api.hub, "erase-child")) == 4
    done = api.post("ig", "erasure", ERASE)
    assert done.status_code == 200, done.text
    assert done.json()["reason_code"] == "subject-request"


def test_only_information_governance_places_or_releases_a_hold(api: Api) -> None:
    for who in ("admin", "info-governance", "city-mash"):
        assert api.post(who, "legal-hold", HOLD).status_code == 403, who
    assert len(denials(api.hub, "place-hold")) == 3
    placed = api.post("ig", "legal-hold", HOLD)
    assert placed.status_code == 200, placed.text
    assert placed.json()["held"] is True
    assert api.post("ig", "legal-hold", HOLD).status_code == 409  # already held
    assert api.post("admin", "legal-hold", RELEASE).status_code == 403
    assert api.post("ig", "legal-hold", RELEASE).status_code == 200
    holds = [e for e in api.hub.audit.entries() if e.kind == "legal-hold"]
    assert [(e.action, e.details["reason_code"]) for e in holds] == [
        ("place-hold", "litigation"), ("release-hold", "litigation")]


def test_a_legal_hold_stops_erasure_over_http(api: Api) -> None:
    assert api.post("ig", "legal-hold", HOLD).status_code == 200
    refused = api.post("ig", "erasure", ERASE)
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "conflict"
    assert "legal hold" in refused.json()["error"]["message"]
    [denial] = denials(api.hub, "erase-child")
    assert denial.details["outcome"] == "legal-hold"
    assert not [e for e in api.hub.audit.entries() if e.kind == "erasure"]
    chronology = api.client.get(f"/v1/children/{api.child}/chronology", headers={
        "Authorization": f"Bearer {api.tokens['city-mash']}", "X-Purpose": "triage"})
    assert chronology.json()["items"][0]["subjects"][0]["given_name"] == "Amy"  # still there
    assert api.post("ig", "legal-hold", RELEASE).status_code == 200
    assert api.post("ig", "erasure", ERASE).status_code == 200


def test_a_legal_hold_stops_hub_erase(api: Api, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["retention", "hold", "--child", api.child, "--reason-code", "inquiry"]) == 0
    capsys.readouterr()
    code = main(["erase", "--child", api.child, "--reason-code", "court-order"])
    err = capsys.readouterr().err
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert "legal hold" in err
    [denial] = denials(api.hub, "erase-child")
    assert denial.details["outcome"] == "legal-hold"
    assert main(["retention", "release", "--child", api.child, "--reason-code", "inquiry"]) == 0
    assert main(["erase", "--child", api.child, "--reason-code", "court-order"]) == 0


@pytest.mark.parametrize(("body", "says"), [
    ({"reason": "no code"}, "reason_code: is required"),
    ({"reason_code": "because"}, "subject-request"),  # names the codes allowed
    ({"reason_code": "other", "reason": " "}, "required when the reason code is 'other'"),
])
def test_erasure_needs_a_known_reason_code(api: Api, body: dict[str, str], says: str) -> None:
    response = api.post("ig", "erasure", body)
    assert response.status_code == 422
    assert says in response.json()["error"]["message"]
    assert not [e for e in api.hub.audit.entries() if e.kind == "erasure"]
