"""A simulated week through ``hub simulate`` (notifications over the HTTP API), then the
indicators from ``hub report`` (text, JSON, charts, an HTML page) and from
``GET /v1/reports/indicators``, which only the roles that may read them get."""

import json
import re
from pathlib import Path

import httpx2
import pytest

from tests.e2e.conftest import RunningHub


def test_simulate_then_report(running_hub: RunningHub, tmp_path: Path) -> None:
    hub = running_hub
    hub.env["HUB_CHILD_POPULATION"] = "63900"
    simulated = hub.cli("simulate", "--profile", "nottingham", "--days", "5", "--seed", "2",
                        "--via", "http")
    assert "simulated 5 days of Nottingham City (seed 2, via http)" in simulated.stdout
    assert "day 5/5" in simulated.stderr  # the progress bar
    again = hub.cli("simulate", "--days", "5", expect=2)  # never into a store in use
    assert "already holds notifications" in again.stderr
    assert hub.cli("simulate", "--profile", "nowhere", "--days", "5", expect=2).stderr
    assert "scale" in hub.cli("simulate", "--days", "5", "--scale", "0", expect=2).stderr
    assert hub.cli("report", "--from", "2026-02-01", "--to", "2026-01-01", expect=2).stderr

    out = tmp_path / "report"
    report = hub.cli("report", "--from", "2026-01-05", "--out", str(out), "--rebuild")
    assert "Safeguarding indicators, 2026-01-05 to 2026-01-09" in report.stdout
    assert "projection rebuilt" in report.stderr
    indicators = json.loads((out / "indicators.json").read_text())
    assert indicators["front_door"]["contacts"] > 0
    assert indicators["children"] == 63900
    # The board's figures first, each beside its seed: the standing caseload the simulation
    # imported on its first day (520 children on a plan of 63,900: 81.4 per 10,000).
    assert report.stdout.index("The board's figures") < report.stdout.index("Front door")
    board = {f["figure"]: f for f in indicators["board"]}
    plans = board["on_a_plan_per_10000"]
    assert plans["seed"] == 81.4
    assert plans["value"] == pytest.approx(81.4, rel=0.03)
    assert "Children's Partnership Board" in plans["source"]
    assert board["looked_after_per_10000"]["value"] == pytest.approx(91.3, rel=0.03)
    assert {p.name for p in out.glob("*.png")} == {"timeliness.png", "outcomes.png",
                                                   "risk.png", "marac.png", "missing.png",
                                                   "weekly.png"}
    page = (out / "index.html").read_text()
    assert page.count("data:image/png;base64,") == 6
    for written in ("indicators.txt", "indicators.json", "index.html"):
        text = (out / written).read_text()
        assert not re.search(r"\b999\d{7}\b", text)  # no synthetic NHS number
        assert not any(name in text for name in ("Ashworth", "Brennan", "Okafor"))

    hub.cli("agencies", "add", "--id", "ig", "--kind", "auditor", "--name", "IG")
    auditor = hub.add_user("ig", "auditor", "Auditor")
    hub.cli("agencies", "add", "--id", "a-school", "--kind", "school", "--name", "School",
            "--urn", "999001")
    dsl = hub.add_user("a-school", "dsl", "DSL")

    def get(token: str, query: str = "") -> httpx2.Response:
        return httpx2.get(f"{hub.url}/v1/reports/indicators{query}", timeout=60,
                          headers={"Authorization": f"Bearer {token}"})

    served = get(auditor, "?from=2026-01-05")
    assert served.status_code == 200, served.text
    assert served.json()["front_door"]["contacts"] == indicators["front_door"]["contacts"]
    # The server was started without HUB_CHILD_POPULATION: its rates are null, its seeds the
    # same (HUB_BOARD_PROFILE: the packaged profile by default).
    assert [(f["figure"], f["seed"], f["source"]) for f in served.json()["board"]] == [
        (f["figure"], f["seed"], f["source"]) for f in indicators["board"]]
    assert served.json()["children_in_need"]["at_the_end"] == indicators[
        "children_in_need"]["at_the_end"]
    one_day = get(auditor, "?from=2026-01-05&to=2026-01-05").json()
    assert one_day["period"] == {"from": "2026-01-05", "to": "2026-01-05", "days": 1}
    assert get(auditor, "?from=2026-01-09&to=2026-01-05").status_code == 422
    assert get(dsl).status_code == 403
