"""Issue 14, people: a staff member's name is personal data, sealed like any other; auditors
see who read a record by name (looked up when they ask), an agency reading its own records'
history sees the reader's agency and role only, and the audit trail never holds a name."""

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

READER = "Perpetua Vandermolen"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    store = f"sqlite:///{tmp_path}/hub.sqlite3"
    monkeypatch.setenv("HUB_STORE_URL", store)
    monkeypatch.setenv("HUB_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("HUB_ENV", "dev")
    return Settings(store_url=store, home=tmp_path / "home")


def raw_store(tmp_path: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(tmp_path.rglob("*.sqlite3*")))


def test_a_staff_name_is_never_stored_in_clear(env: Settings, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["agencies", "add", "--id", "city-mash", "--kind", "mash",
                 "--name", "MASH"]) == 0
    assert main(["users", "add", "--agency", "city-mash", "--role", "mash-worker",
                 "--name", READER]) == 0
    capsys.readouterr()
    assert READER.encode() not in raw_store(tmp_path)
    assert b"Vandermolen" not in raw_store(tmp_path)
    assert main(["users", "list", "--json"]) == 0  # the operator still reads it
    assert json.loads(capsys.readouterr().out)["name"] == READER


@pytest.fixture
def api(env: Settings) -> Iterator[tuple[TestClient, Hub, dict[str, str], str]]:
    hub = bootstrap(env)
    tokens = seed(hub)
    _, reader = hub.registry.register_user("city-mash", "team-manager", READER)
    receipt = submit(hub, "notts-police", notification())
    child_id = str(receipt.child_ids[0])
    with TestClient(create_app(hub, checkpointer=False)) as client:
        read = client.get(f"/v1/children/{child_id}/chronology",
                          headers={"Authorization": f"Bearer {reader}", "X-Purpose": "triage"})
        assert read.status_code == 200
        yield client, hub, tokens, child_id
    hub.close()


def disclosures(client: TestClient, token: str) -> list[dict[str, Any]]:
    response = client.get("/v1/audit/disclosures",
                          headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_auditors_see_the_readers_name_agencies_do_not(
        api: tuple[TestClient, Hub, dict[str, str], str]) -> None:
    client, _, tokens, _ = api
    audited = disclosures(client, tokens["info-governance"])
    assert audited
    assert {row["reader"]["name"] for row in audited} == {READER}
    own = disclosures(client, tokens["notts-police"])
    assert own
    for row in own:
        assert row["reader"] == {"agency": "city-mash", "role": "team-manager"}
    assert READER not in json.dumps(own)


def test_who_saw_names_the_reader_and_the_trail_holds_no_names(
        api: tuple[TestClient, Hub, dict[str, str], str],
        capsys: pytest.CaptureFixture[str]) -> None:
    _, hub, _, child_id = api
    assert main(["audit", "who-saw", "--child", child_id]) == 0
    table = capsys.readouterr().out
    assert READER in table
    assert "city-mash/team-manager" in table
    assert main(["audit", "who-saw", "--child", child_id, "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert rows
    assert {row["reader"]["name"] for row in rows} == {READER}
    for _, stored in hub.audit.stored_entries():
        assert b"Vandermolen" not in stored
