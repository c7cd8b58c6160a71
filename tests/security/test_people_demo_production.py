"""Issue 14, demo users: a store seeded by ``hub demo`` in development must not serve in
production while a demo user can still sign in. ``hub serve``, ``hub ingest`` and
``hub relay`` refuse to start (exit 2, one line naming the count and the command that
disables them), and a demo token is refused under production in any case."""

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hub.api.app import create_app
from hub.bootstrap import bootstrap
from hub.cli import main
from hub.settings import Environment, Settings

STARTED: list[Any] = []


METRICS_TOKEN = "m" * 40  # production refuses to serve metrics without one


@pytest.fixture
def seeded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
           capsys: pytest.CaptureFixture[str]) -> dict[str, str]:
    """A store seeded by the demo in development; returns the demo's tokens by agency/role."""
    monkeypatch.setenv("HUB_STORE_URL", f"sqlite:///{tmp_path}/hub.sqlite3")
    monkeypatch.setenv("HUB_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("HUB_ENV", "dev")
    monkeypatch.delenv("HUB_KAFKA_BOOTSTRAP", raising=False)
    assert main(["demo"]) == 0
    tokens = {}
    for line in capsys.readouterr().out.splitlines():
        parts = line.split()
        if parts and parts[-1].startswith("hub_demo_"):
            tokens[f"{parts[0]}/{parts[1]}"] = parts[-1]
    assert len(tokens) >= 10
    STARTED.clear()
    # Nothing is really served: the test only needs to know whether serving would start.
    import uvicorn
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: STARTED.append(a))
    monkeypatch.setenv("HUB_ENV", "production")
    monkeypatch.setenv("HUB_METRICS_TOKEN", METRICS_TOKEN)
    return tokens


@pytest.mark.parametrize("command", [["serve"], ["ingest", "--source", "police.v1=notts-police"],
                                     ["relay"]])
def test_production_refuses_to_start_while_demo_users_are_active(
        seeded: dict[str, str], capsys: pytest.CaptureFixture[str], command: list[str]) -> None:
    code = main(command)
    err = capsys.readouterr().err
    assert code == 2
    assert len(err.strip().splitlines()) == 1, err
    assert f"{len(seeded)} active demo users" in err
    assert "hub users disable --demo" in err
    assert not STARTED


def test_serving_starts_once_the_demo_users_are_disabled(
        seeded: dict[str, str], capsys: pytest.CaptureFixture[str], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    # Production also needs the demo's schools' local authority's own term calendar.
    example = Path(__file__).parents[2] / "policies" / "terms" / "nottingham-city.toml"
    (tmp_path / "terms.toml").write_text(example.read_text().replace("example = true", ""))
    (tmp_path / "timescales.toml").write_text(
        '[school_days.authorities."nottingham-city"]\nterms_file = "terms.toml"\n')
    monkeypatch.setenv("HUB_TIMESCALES_FILE", str(tmp_path / "timescales.toml"))
    assert main(["users", "disable", "--demo"]) == 0
    assert f"disabled {len(seeded)} demo users" in capsys.readouterr().out
    assert main(["serve"]) == 0
    assert len(STARTED) == 1


def test_production_refuses_a_demo_token(seeded: dict[str, str], tmp_path: Path) -> None:
    hub = bootstrap(Settings(store_url=f"sqlite:///{tmp_path}/hub.sqlite3",
                             home=tmp_path / "home", environment=Environment.PRODUCTION,
                             metrics_token=METRICS_TOKEN))
    with TestClient(create_app(hub, checkpointer=False)) as client:
        for token in (seeded["city-mash/mash-worker"], seeded["info-governance/auditor"]):
            refused = client.get("/v1/access-notifications",
                                 headers={"Authorization": f"Bearer {token}"})
            assert refused.status_code == 401
            assert refused.json()["error"]["code"] == "not_authenticated"
    hub.close()
