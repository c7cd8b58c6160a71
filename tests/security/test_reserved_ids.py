"""Issue 14, finding 8: the hub owns every child's identity record as agency ``hub``; an
agency registered under that id (or any id the hub writes for itself) would be taken for
the hub. Such ids are refused at registration (exit 2, one line)."""

from pathlib import Path

import pytest

from hub.access import HUB_OWNER
from hub.cli import main
from hub.front_door import HUB_RULE


@pytest.fixture(autouse=True)
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_STORE_URL", f"sqlite:///{tmp_path}/hub.sqlite3")
    monkeypatch.setenv("HUB_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("HUB_ENV", "dev")


def test_the_ids_the_hub_uses_are_reserved() -> None:
    from domain.agencies import RESERVED_AGENCY_IDS

    assert HUB_OWNER in RESERVED_AGENCY_IDS
    assert HUB_RULE["agency"] in RESERVED_AGENCY_IDS


@pytest.mark.parametrize("agency_id", ["hub", "cli", "schools", "system", "hub-ingest",
                                       "hub-simulator", " hub "])
@pytest.mark.parametrize("kind", ["admin", "mash"])
def test_a_reserved_id_is_refused(agency_id: str, kind: str,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["agencies", "add", "--id", agency_id, "--kind", kind, "--name", "Anyone"])
    out, err = capsys.readouterr()
    assert code == 2
    assert len(err.strip().splitlines()) == 1, err
    assert "reserved" in err
    assert "registered" not in out
    assert main(["users", "add", "--agency", agency_id.strip(), "--role", "admin",
                 "--name", "Nobody"]) == 2  # no such agency
    # Ids that only look like the hub's are still anyone's; the demo keeps its hub-admin.
    for other in ("hub-admin", "hubbard-school", "city-hub"):
        assert main(["agencies", "add", "--id", other, "--kind", kind,
                     "--name", "Someone"]) == 0
