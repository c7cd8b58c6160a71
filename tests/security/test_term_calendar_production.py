"""Issue 19, school terms: production refuses to start (exit 2, one line on stderr) while a
local authority with schools registered has no term calendar of its own; the packaged
example (policies/terms/nottingham-city.toml) is for the demo and the tests."""

from pathlib import Path
from typing import Any

import pytest

from hub.cli import main

STARTED: list[Any] = []
EXAMPLE = Path(__file__).parents[2] / "policies" / "terms" / "nottingham-city.toml"


@pytest.fixture
def schools(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A store with a school registered in development; serving is stubbed out."""
    monkeypatch.setenv("HUB_STORE_URL", f"sqlite:///{tmp_path}/hub.sqlite3")
    monkeypatch.setenv("HUB_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("HUB_ENV", "dev")
    monkeypatch.delenv("HUB_KAFKA_BOOTSTRAP", raising=False)
    monkeypatch.delenv("HUB_TIMESCALES_FILE", raising=False)
    assert main(["agencies", "add", "--id", "riverside-primary", "--kind", "school",
                 "--name", "Riverside Primary School", "--urn", "100001"]) == 0
    STARTED.clear()
    import uvicorn
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: STARTED.append(a))
    monkeypatch.setenv("HUB_ENV", "production")
    monkeypatch.setenv("HUB_METRICS_TOKEN", "m" * 40)
    return tmp_path


@pytest.mark.parametrize("command", [["serve"], ["ingest", "--source", "police.v1=notts-police"],
                                     ["relay"]])
def test_production_refuses_to_start_on_the_example_calendar(
        schools: Path, capsys: pytest.CaptureFixture[str], command: list[str]) -> None:
    code = main(command)
    err = capsys.readouterr().err
    assert code == 2
    assert len(err.strip().splitlines()) == 1, err
    assert "no term calendar for the local authority nottingham-city" in err
    assert "terms_file" in err
    assert not STARTED


def test_a_copy_still_marked_as_the_example_is_refused(
        schools: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    (schools / "terms.toml").write_text(EXAMPLE.read_text())
    (schools / "timescales.toml").write_text(
        '[school_days.authorities."nottingham-city"]\nterms_file = "terms.toml"\n')
    monkeypatch.setenv("HUB_TIMESCALES_FILE", str(schools / "timescales.toml"))
    assert main(["serve"]) == 2
    assert "nottingham-city" in capsys.readouterr().err
    assert not STARTED


def test_serving_starts_with_the_authoritys_own_calendar(
        schools: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (schools / "terms.toml").write_text(EXAMPLE.read_text().replace("example = true", ""))
    (schools / "timescales.toml").write_text(
        '[school_days.authorities."nottingham-city"]\nterms_file = "terms.toml"\n')
    monkeypatch.setenv("HUB_TIMESCALES_FILE", str(schools / "timescales.toml"))
    assert main(["serve"]) == 0
    assert len(STARTED) == 1


def test_development_runs_on_the_example(
        schools: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_ENV", "dev")
    assert main(["serve"]) == 0
    assert len(STARTED) == 1
