"""Corrections over Kafka, against a real Kafka-protocol broker and ``hub ingest``: the same
``source_ref`` with a higher ``version`` is an amendment (equal or lower, a repeat); a record
with ``"withdrawn": true`` withdraws; a withdrawal of a reference the agency never used is a
dead letter naming the field."""

import json
import os
import signal
import time
from pathlib import Path
from typing import Any

from kafka import KafkaConsumer, KafkaProducer

from domain.encompass import EncompassNotice
from domain.notifications import Notification
from hub.bootstrap import bootstrap
from hub.domestic_abuse import case_id
from hub.settings import Settings
from tests.integration.kafka_broker import tansu
from tests.integration.test_kafka import TOPIC, environment, start
from tests.support import child, notification, seed


def incident(ref: str, version: int | None = None, words: str = "I hid") -> dict[str, Any]:
    body = notification(ref, subjects=[child(school_urn="100001", spoken_to=True)],
                        summary="first account", words_for_school=words, dash={"yes_count": 4})
    if version is not None:
        body["version"] = version
    return body


def test_an_amendment_by_version_and_a_withdrawal_over_kafka(tmp_path: Path) -> None:
    with tansu(tmp_path / "tansu.log", {TOPIC: 1, f"{TOPIC}.dlq": 1}) as brokers:
        env = environment(tmp_path, brokers)
        home = tmp_path / "home"
        hub = bootstrap(Settings(store_url=env["HUB_STORE_URL"], home=home))
        seed(hub)
        hub.close()
        records = [
            incident("NTP-A"),
            incident("NTP-A"),  # a repeat: nothing stored
            incident("NTP-A", version=2, words="I stayed in my room"),  # an amendment
            incident("NTP-A", version=1, words="stale"),  # older: a repeat
            incident("NTP-B"),
            {"source_ref": "NTP-B", "withdrawn": True, "reason_code": "sent-in-error"},
            {"source_ref": "NTP-Z", "withdrawn": True, "reason_code": "duplicate"},  # unknown
        ]
        producer = KafkaProducer(bootstrap_servers=brokers)
        for value in records:
            producer.send(TOPIC, value=json.dumps(value).encode())
        producer.flush()
        producer.close()

        log = tmp_path / "ingest.log"
        worker = start(env, "ingest", "--source", f"{TOPIC}=notts-police", log=log)
        try:
            deadline = time.monotonic() + 90
            while True:
                hub = bootstrap(Settings(store_url=env["HUB_STORE_URL"], home=home))
                try:
                    if hub.store.position(f"kafka/{TOPIC}/0") >= len(records):
                        break
                finally:
                    hub.close()
                assert time.monotonic() < deadline, log.read_text()[-3000:]
                time.sleep(1)
        finally:
            os.killpg(worker.pid, signal.SIGTERM)
            assert worker.wait(timeout=60) == 0, log.read_text()[-3000:]

        hub = bootstrap(Settings(store_url=env["HUB_STORE_URL"], home=home))
        try:
            found = {}
            for row in hub.store.recorder.select_notifications(start=1, limit=10**6):
                if row.topic.endswith("Notification.Received"):
                    event = hub.store.mapper.to_domain_event(row)
                    assert isinstance(event, Notification.Received)
                    found[event.source_ref] = event.originator_id
            assert sorted(found) == ["NTP-A", "NTP-B"]  # each stored once
            a = hub.store.find(found["NTP-A"], Notification)
            b = hub.store.find(found["NTP-B"], Notification)
            assert a is not None
            assert b is not None
            assert a.notification_version == 2
            assert a.details["words_for_school"].value == "I stayed in my room"
            assert [v["version"] for v in a.versions()] == [1, 2]
            assert a.withdrawal is None
            assert b.withdrawal is not None
            assert b.withdrawal["reason_code"] == "sent-in-error"
            # What the incidents set going followed them.
            [outcome] = hub.domestic_abuse._case(case_id(a.id)).encompass
            notice = hub.store.find(outcome["notice_id"], EncompassNotice)
            assert notice is not None
            assert notice.content["child_words"].value == "I stayed in my room"
            assert hub.domestic_abuse._case(case_id(b.id)).withdrawal is not None
            actions = [e.action for e in hub.audit.entries()]
            assert actions.count("amend-notification") == 1
            assert actions.count("withdraw-notification") == 1
        finally:
            hub.close()

        dlq = KafkaConsumer(f"{TOPIC}.dlq", bootstrap_servers=brokers,
                            auto_offset_reset="earliest", enable_auto_commit=False,
                            group_id=None, consumer_timeout_ms=5000)
        dead = [(dict(r.headers), json.loads(r.value)) for r in dlq]
        dlq.close()
        [(headers, value)] = dead
        assert value["source_ref"] == "NTP-Z"
        assert headers["reason"].decode().startswith("source_ref:")
        assert headers["original-offset"] == b"6"
