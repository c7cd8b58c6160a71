"""The CLI as an operator meets it: a version, help for every option, bad input as exit 2 with
one line, and `hub simulate` refusing a used store before it writes anything."""

import argparse
import hashlib
from pathlib import Path

import pytest

from hub.cli import _parser, main
from tests.support import notification, submit


def _options(parser: argparse.ArgumentParser, path: list[str]) -> list[tuple[str, str]]:
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found += _options(sub, [*path, name])
        elif action.dest != "help":
            found.append((" ".join(path), "/".join(action.option_strings) or action.dest))
            if not action.help:
                found.append((" ".join(path), "MISSING HELP"))
    return found


def test_every_option_has_help_text() -> None:
    missing = [(command, option) for command, option in _options(_parser(), ["hub"])
               if option == "MISSING HELP"]
    assert missing == []


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.startswith("hub ")


@pytest.mark.parametrize("argv", [
    ["audit", "verify", "--export", "/nonexistent/bundle"],
    ["serve", "--port", "99999"],
    ["serve", "--workers", "0"],
    ["erase", "--child", "not-a-uuid", "--reason-code", "other"],
    ["simulate", "--profile", "nottingham", "--days", "0"],
    ["report", "--from", "2026-13-01"],
    ["import", "--kind", "referrals", "--file", "x.csv", "--agency", "city-mash"],
    ["import", "--kind", "cp-plans", "--file", "x.csv"],
    ["import", "--kind", "cp-plans", "--file", "x.csv", "--agency", "unregistered"],
    ["import", "--kind", "open-contacts", "--file", "x.csv"],
    ["import", "--kind", "open-contacts", "--file", "x.csv", "--agency", "unregistered"],
    ["import", "--kind", "open-contact", "--file", "x.csv", "--agency", "city-mash"],
])
def test_bad_input_is_exit_2_with_one_line(argv: list[str], tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("HUB_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("HUB_STORE_URL", raising=False)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err


def test_simulate_refuses_a_used_store_before_writing_anything(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from hub.bootstrap import bootstrap
    from hub.settings import Settings

    home = tmp_path / "home"
    store = tmp_path / "hub.sqlite3"
    hub = bootstrap(Settings(store_url=f"sqlite:///{store}", home=home))
    hub.registry.register_agency("notts-police", "police", "Nottinghamshire Police")
    submit(hub, "notts-police", notification())
    hub.close()
    before = {p: hashlib.sha256(p.read_bytes()).hexdigest()
              for p in tmp_path.rglob("*") if p.is_file()}
    monkeypatch.setenv("HUB_HOME", str(home))
    monkeypatch.setenv("HUB_STORE_URL", f"sqlite:///{store}")
    assert main(["simulate", "--profile", "nottingham", "--days", "3"]) == 2
    assert "already holds notifications" in capsys.readouterr().err
    after = {p: hashlib.sha256(p.read_bytes()).hexdigest()
             for p in tmp_path.rglob("*") if p.is_file()}
    assert after == before  # not a byte written, no calendar made


@pytest.mark.postgres
def test_a_used_postgres_store_is_seen_without_writing(tmp_path: Path) -> None:
    from adapters.store import holds_notifications
    from hub.bootstrap import bootstrap
    from hub.settings import Settings
    from tests.support import postgres_schema

    with postgres_schema() as url:
        assert holds_notifications(url) is False  # no tables yet, and none made
        hub = bootstrap(Settings(store_url=url, home=tmp_path))
        try:
            assert holds_notifications(url) is False
            hub.registry.register_agency("notts-police", "police", "Nottinghamshire Police")
            submit(hub, "notts-police", notification())
            assert holds_notifications(url) is True
        finally:
            hub.close()
