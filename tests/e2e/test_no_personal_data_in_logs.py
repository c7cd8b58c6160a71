"""After a full run through the real server (the demo data, reads, refusals, bad input, searches
for children, the auditor's API, an erasure), neither the server's log nor its metrics hold a
demo child's name, date of birth, NHS number or postcode. Every log line is JSON; a request id
a caller makes of a child's id or name is not logged."""

import json
import re
from pathlib import Path

import httpx2

from tests.e2e.conftest import RunningHub

DEMO_PERSONAL = ["Amy", "Hart", "Kyle", "Moss", "Kerr", "2016-04-02", "2011-09-14",
                 "1990-01-09", "1988-07-30", "9434765919", "NG5 1AB", "NG7 2QP"]


def test_logs_and_metrics_hold_no_personal_data(running_hub: RunningHub) -> None:
    hub = running_hub
    demo = hub.cli("demo").stdout
    tokens = {f"{agency}/{role}": token for agency, role, token in re.findall(
        r"^\s+(\S+)\s+(\S+)\s+.*?(hub_demo_\w+)$", demo, re.MULTILINE)}
    mash, police = tokens["city-mash/mash-worker"], tokens["notts-police/police-officer"]
    auditor, other_force = tokens["info-governance/auditor"], tokens[
        "derbys-police/police-officer"]

    def get(path: str, token: str, **headers: str) -> httpx2.Response:
        return httpx2.get(hub.url + path, headers={"Authorization": f"Bearer {token}",
                                                   **headers})

    bad = httpx2.post(hub.url + "/v1/notifications", headers={"Authorization": f"Bearer {police}"},
                      json={"type": "missing", "source_ref": "X-1",
                            "occurred_at": "2026-11-20T10:00:00Z",
                            "subjects": [{"role": "child", "given_name": "Amy",
                                          "family_name": "Hart", "date_of_birth": "2016-04-02",
                                          "nhs_number": "9434765918"}]})
    assert bad.status_code == 422
    assert get("/v1/audit/disclosures", auditor).json()["count"] == 0
    # Same name, birth date and postcode as the demo's Amy: linked to her record, so the reads
    # below carry the demo's domestic abuse incident and school concern about her too.
    created = httpx2.post(hub.url + "/v1/notifications",
                          headers={"Authorization": f"Bearer {police}"},
                          json={"type": "police_concern", "source_ref": "X-2",
                                "occurred_at": "2026-11-20T10:00:00Z",
                                "subjects": [{"role": "child", "given_name": "Amy",
                                              "family_name": "Hart",
                                              "date_of_birth": "2016-04-02",
                                              "postcode": "NG5 1AB"}],
                                "details": {"summary": "Amy Hart seen out late"}}).json()
    child_id = created["child_ids"][0]
    chronology = get(f"/v1/children/{child_id}/chronology", mash, **{"X-Purpose": "triage"})
    assert len(chronology.json()["items"]) == 3
    assert get(f"/v1/children/{child_id}/chronology", other_force,
               **{"X-Purpose": "triage"}).status_code == 403
    assert get(f"/v1/children/{child_id}", mash, **{"X-Purpose": "triage"}).status_code == 200
    for smuggled in (child_id, child_id.replace("-", ""), "AmyHart-20160402",
                     "a000009434765919"):  # none is kept as the request id
        answer = get(f"/v1/children/{child_id}", mash, **{"X-Purpose": "triage",
                                                          "X-Request-Id": smuggled})
        assert answer.headers["X-Request-Id"] != smuggled
    # Searches for a child: found (the MASH), "a match exists" (another force), a bad one (422)
    # and one trying a query string (400). Their criteria are personal data: in the body only,
    # and never in a log line or a metric.
    def search(token: str, body: dict[str, str], query: str = "") -> httpx2.Response:
        return httpx2.post(hub.url + "/v1/children/search" + query, json=body,
                           headers={"Authorization": f"Bearer {token}", "X-Purpose": "triage"})

    by_name = {"given_name": "Amy", "family_name": "Hart", "date_of_birth": "2016-04-02",
               "postcode": "NG5 1AB"}
    assert search(mash, by_name).json()["children"][0]["id"] == child_id
    kyle = search(mash, {"nhs_number": "9434765919"}).json()["children"][0]
    assert search(mash, {"given_name": "Kyle", "family_name": "Moss", "postcode": "NG7 2QP",
                         "date_of_birth": "2011-09-14"}).json()["children"] == [kyle]
    assert search(other_force, by_name).json()["result"] == "match-exists"
    assert search(mash, {"given_name": "Amy", "family_name": "Hart"}).status_code == 422
    assert search(mash, {"nhs_number": "9434765918"}).status_code == 422
    assert search(mash, by_name, "?nhs_number=9434765919&given_name=Amy").status_code == 400
    assert get("/v1/audit/checkpoint", auditor).status_code == 200
    hub.cli("erase", "--child", child_id, "--reason-code", "recorded-in-error")
    scraper = (Path(hub.env["HUB_HOME"]) / "metrics.token").read_text().strip()
    metrics = httpx2.get(hub.url + "/metrics", headers={"Authorization": f"Bearer {scraper}"})
    assert metrics.status_code == 200
    metrics_text = metrics.text
    assert 'route="/v1/children/{child_id}/chronology"' in metrics_text
    assert 'route="/v1/children/search"' in metrics_text
    log = hub.log.read_text()
    assert "/v1/children/{child_id}/chronology" in log  # requests are logged, as templates
    assert "hub_queue_depth" in metrics_text  # the gauges, as counts only
    for value in DEMO_PERSONAL:
        assert value not in metrics_text, value
        assert value not in log, value
    assert child_id not in log  # not even record ids: logs carry route templates
    assert child_id.replace("-", "") not in log
    assert child_id not in metrics_text
    for line in log.splitlines():  # every line JSON, an access line with its fields
        entry = json.loads(line)
        assert {"time", "level", "logger", "pid", "message"} <= entry.keys(), line
        if entry["logger"] == "hub.access":
            assert {"request_id", "method", "route", "status", "duration_ms"} <= entry.keys()
