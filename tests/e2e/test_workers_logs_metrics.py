"""``hub serve --workers 2`` (the real command, on loopback, SQLite): every worker writes JSON
access lines, and one scrape of /metrics counts every worker's requests, a worker that died
included, and the live workers only. Neither the log nor the metrics hold a child's name or
id."""

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx2

from tests.e2e.conftest import SERVER_LIFETIME_S, RunningHub, free_port
from tests.e2e.test_no_personal_data_in_logs import DEMO_PERSONAL

ACCESS_FIELDS = {"time", "level", "logger", "pid", "message", "request_id", "method", "route",
                 "status", "duration_ms"}
MAX_REQUESTS = 400


def parsed(log: Path) -> list[dict[str, object]]:
    """Every line of the server's output, each a JSON object (or the test fails)."""
    lines = [line for line in log.read_text().splitlines() if line.strip()]
    found = []
    for line in lines:
        entry = json.loads(line)  # every line is JSON: a line that is not fails here
        assert isinstance(entry, dict), line
        assert {"time", "level", "logger", "pid", "message"} <= entry.keys(), line
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z", str(entry["time"])), line
        found.append(entry)
    return found


def access(log: Path) -> list[dict[str, object]]:
    return [e for e in parsed(log) if e["logger"] == "hub.access"]


def counted(metrics: str, route: str | None = None) -> float:
    """The sum of hub_http_requests_total over every label (or one route's)."""
    total = 0.0
    for line in metrics.splitlines():
        if line.startswith("hub_http_requests_total{") and (
                route is None or f'route="{route}"' in line):
            total += float(line.rsplit(" ", 1)[1])
    return total


def test_two_workers_log_json_and_one_scrape_counts_both(tmp_path: Path) -> None:
    temp = tmp_path / "tmp"  # where hub serve makes its private metrics directory
    temp.mkdir()
    env = {**os.environ, "HUB_HOME": str(tmp_path / "home"), "TMPDIR": str(temp),
           "HUB_STORE_URL": f"sqlite:///{tmp_path}/hub.sqlite3", "HUB_ENV": "dev"}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    env.pop("HUB_LOG_LEVEL", None)
    port = free_port()
    log = tmp_path / "serve.log"
    hub = RunningHub(f"http://127.0.0.1:{port}", env, log)
    hub.cli("keys", "init")
    demo = hub.cli("demo").stdout
    # "demo children (...):" then one "  ID: what was sent about them" line each.
    child_ids = re.findall(r"^  ([0-9a-f-]{36}): ", demo, re.MULTILINE)
    assert child_ids, demo
    token = re.search(r"city-mash\s+mash-worker\s+.*?(hub_demo_\w+)$", demo, re.MULTILINE)
    assert token is not None, demo
    mash = {"Authorization": f"Bearer {token.group(1)}", "X-Purpose": "triage"}
    with log.open("wb") as out:
        server = subprocess.Popen(
            ["timeout", str(SERVER_LIFETIME_S), sys.executable, "-m", "hub", "serve",
             "--host", "127.0.0.1", "--port", str(port), "--workers", "2"],
            env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:  # both workers up: each logs that its application started
            started = [e for e in parsed(log) if e["message"] == "Application startup complete."]
            if len({e["pid"] for e in started}) == 2:
                break
            assert server.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        metrics_dirs = list(temp.glob("hub-metrics-*"))
        assert len(metrics_dirs) == 1
        assert metrics_dirs[0].stat().st_mode & 0o777 == 0o700

        sent = 0
        answered_by: set[object] = set()
        deadline = time.monotonic() + 120
        while sent < MAX_REQUESTS and time.monotonic() < deadline:
            # A new connection each time, so that either worker may take it.
            for path in ("/healthz", f"/v1/children/{child_ids[sent % len(child_ids)]}"
                                     "/chronology"):
                response = httpx2.get(hub.url + path, headers=mash, timeout=30)
                assert response.status_code == 200, response.text
                assert re.fullmatch(r"[0-9a-f]{16}", response.headers["X-Request-Id"])
                sent += 1
            answered_by = {e["pid"] for e in access(log)}
            if len(answered_by) == 2 and sent >= 40:
                break
        assert len(answered_by) == 2, f"one worker answered all {sent} requests"

        # A caller's id in the hub's own form is kept; anything else is replaced.
        kept = httpx2.get(hub.url + "/healthz", headers={"X-Request-Id": "0af7651916cd43dd"})
        assert kept.headers["X-Request-Id"] == "0af7651916cd43dd"
        replaced = httpx2.get(hub.url + "/healthz", headers={"X-Request-Id": child_ids[0]})
        assert replaced.headers["X-Request-Id"] != child_ids[0]
        sent += 2

        time.sleep(1)  # each worker counts a request as its answer leaves
        scraper = (Path(env["HUB_HOME"]) / "metrics.token").read_text().strip()
        metrics = httpx2.get(hub.url + "/metrics",
                             headers={"Authorization": f"Bearer {scraper}"}, timeout=30)
        assert metrics.status_code == 200
        text = metrics.text
        # ONE scrape, answered by one worker, counts every request, whoever answered it.
        assert counted(text) == sent, text
        assert counted(text, "/v1/children/{child_id}/chronology") == sent // 2 - 1
        assert "hub_http_workers 2.0" in text
        pids = set(re.findall(r'process_resident_memory_bytes\{pid="(\d+)"\}', text))
        assert pids == {str(pid) for pid in answered_by}
        assert "hub_gauges_up 1.0" in text
        for gauge in ('hub_queue_depth{queue="dart-triage"}', 'hub_queue_depth{queue="mash"}',
                      'hub_queue_breaches{queue="missing"}', "hub_relay_lag",
                      "hub_encompass_oldest_unacknowledged_seconds"):
            assert gauge in text, gauge

        # A worker that dies is replaced; its requests still count, and it no longer does.
        dead = min(int(str(pid)) for pid in answered_by)
        os.kill(dead, signal.SIGKILL)
        deadline = time.monotonic() + 60
        while len({e["pid"] for e in parsed(log)
                   if e["message"] == "Application startup complete."}) < 3:
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.2)
        again = httpx2.get(hub.url + "/metrics", headers={"Authorization": f"Bearer {scraper}"},
                           timeout=30).text
        assert counted(again) == sent + 1  # the first scrape too
        assert "hub_http_workers 2.0" in again
        live = set(re.findall(r'process_resident_memory_bytes\{pid="(\d+)"\}', again))
        assert str(dead) not in live
        assert len(live) == 2

        lines = access(log)
        assert len(lines) >= sent  # the scrapes' own lines too, once written
        for line in lines:
            assert line.keys() >= ACCESS_FIELDS, line
            assert re.fullmatch(r"[0-9a-f]{16}", str(line["request_id"])), line
            assert isinstance(line["duration_ms"], float | int), line
        assert {"/healthz", "/v1/children/{child_id}/chronology"} <= {
            line["route"] for line in lines}
        raw = log.read_text()
        for value in [*DEMO_PERSONAL, *child_ids]:
            assert value not in raw, value
            assert value not in text, value
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
    # Stopped by itself; its private metrics directory went with it.
    assert list(temp.glob("hub-metrics-*")) == []
