"""``hub relay`` and ``hub ingest`` started against a port where no broker listens: each keeps
running and says so in one JSON line (no traceback; said again at most once a minute), and
carries on by itself when the broker comes: the relay publishes what was waiting, the ingest
stores what is produced.

Decided: they keep running (a supervisor restarting them would only repeat the wait), with the
error's type in the line and never a message that could carry data."""

import json
import os
import signal
import time
from pathlib import Path
from typing import Any

from kafka import KafkaProducer

from hub.bootstrap import bootstrap
from hub.settings import Settings
from tests.integration.kafka_broker import free_port, tansu
from tests.integration.test_kafka import TOPIC, environment, good, start, stored
from tests.support import seed, submit

RELAY_POSITION = "relay/hub.events.v1"


def lines(log: Path) -> list[dict[str, Any]]:
    """Every line of a worker's output: each must be JSON."""
    return [json.loads(line) for line in log.read_text().splitlines() if line.strip()]


def trouble(log: Path) -> list[dict[str, Any]]:
    return [e for e in lines(log) if e.get("trouble") == "brokers-unreachable"]


def wait_for(what: str, ready: Any, log: Path, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while not ready():
        assert time.monotonic() < deadline, f"{what}: " + log.read_text()[-3000:]
        time.sleep(0.5)


def test_no_broker_one_clear_line_then_recovery(tmp_path: Path) -> None:
    port = free_port()  # nothing listens here yet
    env = environment(tmp_path, f"127.0.0.1:{port}")
    home = tmp_path / "home"
    hub = bootstrap(Settings(store_url=env["HUB_STORE_URL"], home=home))
    seed(hub)
    waiting = str(submit(hub, "notts-police", good(1)).id)  # for the relay to publish
    end = hub.store.recorder.max_notification_id()
    hub.close()

    relay_log, ingest_log = tmp_path / "relay.log", tmp_path / "ingest.log"
    relay = start(env, "relay", log=relay_log)
    ingest = start(env, "ingest", "--source", f"{TOPIC}=notts-police", log=ingest_log)
    try:
        for log in (relay_log, ingest_log):
            wait_for("the unreachable line", lambda log=log: trouble(log), log, 60)
        time.sleep(12)  # several more attempts fail meanwhile, each with backoff
        assert relay.poll() is None, relay_log.read_text()
        assert ingest.poll() is None, ingest_log.read_text()
        for log in (relay_log, ingest_log):
            said = trouble(log)
            assert len(said) == 1, said  # one line, not one per attempt
            assert said[0]["level"] == "warning"
            assert "cannot be reached" in said[0]["message"]
            assert "HUB_KAFKA_BOOTSTRAP" in said[0]["message"]
            text = log.read_text()
            assert "Traceback" not in text
            assert not [e for e in lines(log) if e["logger"].startswith("kafka")]

        topics = {TOPIC: 1, f"{TOPIC}.dlq": 1, "hub.events.v1": 1, "schools.encompass.v1": 1}
        with tansu(tmp_path / "tansu.log", topics, port=port) as brokers:
            for log in (relay_log, ingest_log):
                wait_for("the recovery line", lambda log=log: any(
                    "answer again" in e["message"] for e in lines(log)), log)

            def relayed() -> bool:
                check = bootstrap(Settings(store_url=env["HUB_STORE_URL"], home=home))
                try:
                    return (check.store.tracker.max_tracking_id(RELAY_POSITION) or 0) >= (
                        end or 0)
                finally:
                    check.close()

            wait_for("relayed what was waiting", relayed, relay_log)
            producer = KafkaProducer(bootstrap_servers=brokers)
            producer.send(TOPIC, value=json.dumps(good(2)).encode()).get(timeout=30)
            producer.close()
            wait_for("ingested once the broker came", lambda: "NTP-0002" in stored(
                env["HUB_STORE_URL"], home), ingest_log)
            for worker in (relay, ingest):
                os.killpg(worker.pid, signal.SIGTERM)
            assert relay.wait(timeout=60) == 0, relay_log.read_text()[-3000:]
            assert ingest.wait(timeout=60) == 0, ingest_log.read_text()[-3000:]
    finally:
        for worker in (relay, ingest):
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait(timeout=10)
    assert waiting  # the notification the relay found waiting
    for log in (relay_log, ingest_log):
        assert "Traceback" not in log.read_text()
        lines(log)  # still every line JSON
