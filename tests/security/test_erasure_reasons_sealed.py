"""Issue 14, finding 13 (part): the free text of an erasure or a legal hold is personal data
(it names the family, the court, the complaint). It is sealed under the child's key, so that
erasing the child erases it too; only a reason code stays in clear, and the audit trail holds
the codes alone."""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hub.api.app import create_app
from hub.bootstrap import Hub, bootstrap
from hub.cli import main
from hub.settings import Settings
from tests.support import notification, seed, submit

HOLD_TEXT = "Family court case FC-7781 brought by Ms Quillfeather"
RELEASE_TEXT = "Quillfeather proceedings withdrawn on 3 March"
ERASURE_TEXT = "Ms Quillfeather asked for her daughter's records to go"
CLI_HOLD_TEXT = "Complaint by Mr Osterbrook about the school"


def raw(tmp_path: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(tmp_path.rglob("*.sqlite3*")))


@pytest.fixture
def api(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[
        tuple[TestClient, Hub, str, str]]:
    store = f"sqlite:///{tmp_path}/hub.sqlite3"
    monkeypatch.setenv("HUB_STORE_URL", store)
    monkeypatch.setenv("HUB_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("HUB_ENV", "dev")
    hub = bootstrap(Settings(store_url=store, home=tmp_path / "home"))
    seed(hub)
    _, ig = hub.registry.register_user("info-governance", "information-governance", "IG")
    child = str(submit(hub, "notts-police", notification()).child_ids[0])
    with TestClient(create_app(hub, checkpointer=False)) as client:
        yield client, hub, ig, child
    hub.close()


def post(client: TestClient, token: str, path: str, body: dict[str, Any]) -> None:
    response = client.post(path, json=body, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text


def test_hold_and_erasure_reasons_are_sealed_and_erased_with_the_child(
        api: tuple[TestClient, Hub, str, str], tmp_path: Path) -> None:
    client, hub, ig, child = api
    post(client, ig, f"/v1/children/{child}/legal-hold",
         {"held": True, "reason_code": "litigation", "reason": HOLD_TEXT})
    post(client, ig, f"/v1/children/{child}/legal-hold",
         {"held": False, "reason_code": "litigation", "reason": RELEASE_TEXT})
    post(client, ig, f"/v1/children/{child}/erasure",
         {"reason_code": "subject-request", "reason": ERASURE_TEXT})
    entries = [json.loads(s) for _, s in hub.audit.stored_entries()]
    hub.close()
    stored = raw(tmp_path)
    for text in (HOLD_TEXT, RELEASE_TEXT, ERASURE_TEXT):
        assert text.encode() not in stored, text
    assert b"Quillfeather" not in stored
    kinds = {e["kind"]: e for e in entries}
    assert kinds["erasure"]["details"]["reason_code"] == "subject-request"
    assert kinds["legal-hold"]["details"]["reason_code"] == "litigation"


def test_cli_hold_reason_is_sealed_and_the_code_audited(
        api: tuple[TestClient, Hub, str, str], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    _, hub, _, child = api
    assert main(["retention", "hold", "--child", child, "--reason-code", "complaint",
                 "--reason", CLI_HOLD_TEXT]) == 0
    assert b"Osterbrook" not in raw(tmp_path)
    [entry] = [e for e in hub.audit.entries() if e.kind == "legal-hold"]
    assert entry.details["reason_code"] == "complaint"
    assert "Osterbrook" not in json.dumps(entry.details)
    code = main(["retention", "hold", "--child", child, "--reason-code", "sulking"])
    assert code == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
