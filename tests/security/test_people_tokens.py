"""Issue 14, people and tokens: a token expires, a person can be listed, disabled and given
a new token with the ``hub users`` commands, and each takes effect at the next request in
every hub process (authentication reads the store; no aggregate cache defeats it)."""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hub.api.app import create_app
from hub.bootstrap import Hub, bootstrap
from hub.cli import main
from hub.settings import Settings
from tests.support import Clock, seed


@dataclass
class Served:
    client: TestClient
    hub: Hub
    clock: Clock
    tokens: dict[str, str]


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """The real ``hub`` command line, in this process (as another hub process would be)."""
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Served]:
    store = f"sqlite:///{tmp_path}/hub.sqlite3"
    monkeypatch.setenv("HUB_STORE_URL", store)
    monkeypatch.setenv("HUB_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("HUB_ENV", "dev")
    # An aggregate cache that never catches up: revocation must not depend on it.
    monkeypatch.setenv("AGGREGATE_CACHE_MAXSIZE", "1000")
    monkeypatch.setenv("AGGREGATE_CACHE_FASTFORWARD", "n")
    clock = Clock()
    hub = bootstrap(Settings(store_url=store, home=tmp_path / "home"), clock)
    tokens = seed(hub)
    with TestClient(create_app(hub, checkpointer=False)) as client:
        yield Served(client, hub, clock, tokens)
    hub.close()


def feed(served: Served, token: str) -> tuple[int, dict[str, object]]:
    response = served.client.get("/v1/access-notifications",
                                 headers={"Authorization": f"Bearer {token}"})
    body: dict[str, object] = response.json()
    return response.status_code, body


def user_id(served: Served, capsys: pytest.CaptureFixture[str], agency: str) -> str:
    code, out, _ = cli(capsys, "users", "list", "--agency", agency, "--json")
    assert code == 0
    [user] = [json.loads(line) for line in out.splitlines()]
    found: str = user["id"]
    return found


def test_a_token_expires_after_its_lifetime(served: Served) -> None:
    token = served.tokens["city-mash"]
    assert feed(served, token)[0] == 200
    served.clock.advance(days=89, hours=23)
    assert feed(served, token)[0] == 200
    served.clock.advance(hours=1)
    status, body = feed(served, token)
    assert status == 401
    assert body["error"]["code"] == "not_authenticated"  # type: ignore[index]
    assert "expired" in body["error"]["message"]  # type: ignore[index]


def test_the_lifetime_is_a_setting(tmp_path: Path) -> None:
    clock = Clock()
    hub = bootstrap(Settings(store_url="memory://", home=tmp_path, token_days=7), clock)
    tokens = seed(hub)
    with TestClient(create_app(hub, checkpointer=False)) as client:
        headers = {"Authorization": f"Bearer {tokens['city-mash']}"}
        assert client.get("/v1/access-notifications", headers=headers).status_code == 200
        clock.advance(days=7)
        refused = client.get("/v1/access-notifications", headers=headers)
    hub.close()
    assert refused.status_code == 401
    assert "expired" in refused.json()["error"]["message"]


def test_users_list_shows_people_and_expiry_never_tokens(
        served: Served, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "users", "list", "--json")
    assert code == 0
    users = [json.loads(line) for line in out.splitlines()]
    assert {u["agency"] for u in users} == set(served.tokens)
    for user in users:
        assert set(user) >= {"id", "agency", "role", "name", "active", "token_expires_at"}
        assert user["active"] is True
        assert user["token_expires_at"].startswith("2027-01-31")  # 90 days after issue
    for token in served.tokens.values():
        assert token not in out
        assert token[4:20] not in out
    code, table, _ = cli(capsys, "users", "list", "--agency", "city-mash")
    assert code == 0
    assert "city-mash" in table
    assert "notts-police" not in table


def test_disabling_a_user_revokes_their_token_at_once_and_is_audited(
        served: Served, capsys: pytest.CaptureFixture[str]) -> None:
    token = served.tokens["city-mash"]
    assert feed(served, token)[0] == 200  # the served hub has read (and may cache) them
    who = user_id(served, capsys, "city-mash")
    code, out, err = cli(capsys, "users", "disable", "--user", who, "--reason-code",
                         "left-agency")
    assert (code, err) == (0, "")
    status, body = feed(served, token)
    assert status == 401
    assert body["error"]["code"] == "not_authenticated"  # type: ignore[index]
    assert feed(served, served.tokens["notts-police"])[0] == 200  # nobody else
    code, out, _ = cli(capsys, "users", "list", "--agency", "city-mash", "--json")
    assert json.loads(out)["active"] is False
    [entry] = [e for e in served.hub.audit.entries() if e.action == "disable-user"]
    assert entry.kind == "staff"
    assert entry.details["user_id"] == who
    assert entry.details["reason_code"] == "left-agency"
    assert "Staff" not in json.dumps(entry.details)  # never the person's name


def test_rotating_a_token_replaces_it_at_once_and_is_audited(
        served: Served, capsys: pytest.CaptureFixture[str]) -> None:
    old = served.tokens["notts-police"]
    assert feed(served, old)[0] == 200
    who = user_id(served, capsys, "notts-police")
    code, out, _ = cli(capsys, "users", "rotate", "--user", who, "--reason-code",
                       "suspected-compromise")
    assert code == 0
    new = out.strip().splitlines()[-1]
    assert new != old
    assert old not in out
    assert feed(served, old)[0] == 401
    assert feed(served, new)[0] == 200
    [entry] = [e for e in served.hub.audit.entries() if e.action == "rotate-token"]
    assert (entry.kind, entry.details["user_id"], entry.details["reason_code"]) == (
        "staff", who, "suspected-compromise")
    assert new not in json.dumps(entry.details)


NOBODY = "00000000-0000-0000-0000-000000000001"


@pytest.mark.parametrize(("args", "says"), [
    (("users", "disable", "--user", "not-a-uuid", "--reason-code", "left-agency"),
     "--user: must be a record id"),
    (("users", "disable", "--user", NOBODY, "--reason-code", "bored"), "--reason-code"),
    (("users", "disable", "--user", NOBODY), "needs --reason-code"),
    (("users", "disable", "--user", NOBODY, "--reason-code", "left-agency"), "no such user"),
    (("users", "disable", "--reason-code", "left-agency"), "--user --demo"),
    (("users", "rotate", "--user", NOBODY), "no such user"),
    (("users", "list", "--agency", "no-such-agency"), "no agency with that id"),
])
def test_bad_input_exits_2_with_one_line(served: Served, capsys: pytest.CaptureFixture[str],
                                         args: tuple[str, ...], says: str) -> None:
    code, out, err = cli(capsys, *args)
    assert code == 2
    assert len(err.strip().splitlines()) == 1, err
    assert says in err
    assert "hub_" not in out


def test_a_disabled_user_cannot_be_given_a_new_token(
        served: Served, capsys: pytest.CaptureFixture[str]) -> None:
    who = user_id(served, capsys, "city-health")
    assert cli(capsys, "users", "disable", "--user", who, "--reason-code", "other")[0] == 0
    code, out, err = cli(capsys, "users", "rotate", "--user", who)
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert "hub_" not in out
