"""Notifications per second through ``hub ingest`` from Kafka, against a bare Kafka consumer.

A real Kafka-protocol broker (tansu, in memory, on loopback) holds one topic of two
partitions with the same notification bodies as the ingest benchmark. The hub side is the
``Ingest`` worker of ``hub ingest`` (group ``hub-ingest``), run in a thread in-process against a
seeded hub on SQLite: every record is parsed, submitted through ``NotificationIntake.submit``
with its Kafka position as a tracking record in the same transaction, and its offset committed.
The baseline is a plain kafka-python ``KafkaConsumer`` (``assign()`` and seek to the beginning,
no group, no commits, the same fetch size and poll batch) that decodes each record's JSON and
does nothing else.

Both are timed from the moment their partitions are positioned (for the hub: once the group
join has assigned them, so the join is excluded and reported on its own) to the last record
done (for the hub: ``handled`` reaching the count, i.e. the last notification committed to the
store). The store is then checked to hold every notification exactly once.
"""

import json
import random
import tempfile
import textwrap
import threading
import time
from pathlib import Path
from typing import Any

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from adapters.kafka_ingest import MAX_RECORD_BYTES, Ingest
from bench.ingest import _body, _progress
from domain.notifications import Notification
from hub.bootstrap import Hub, bootstrap
from hub.settings import Settings
from tests.integration.kafka_broker import tansu
from tests.support import seed

TOPIC = "police.notifications.v1"
PARTITIONS = 2
POLL_MS = 500
POLL_RECORDS = 200  # as the hub's loop polls
CONSUMER_OPTIONS: dict[str, object] = {"session_timeout_ms": 6000, "heartbeat_interval_ms": 1500,
                                       "max_poll_interval_ms": 60_000}
DEADLINE_SECONDS = 60.0


class TimedIngest(Ingest):
    """The hub's worker, noting when the group assigns it partitions (the end of the join)."""

    def __init__(self, hub: Hub, bootstrap_servers: str, sources: dict[str, str]) -> None:
        # tansu's producer ids are unreliable: not idempotent
        super().__init__(hub, {"bootstrap_servers": bootstrap_servers}, sources,
                         consumer_options=CONSUMER_OPTIONS, idempotent=False)
        self.assigned_at: list[float] = []

    def _seek_to_store(self, partitions: set[TopicPartition]) -> None:
        self.assigned_at.append(time.perf_counter())
        super()._seek_to_store(partitions)


def _produce(servers: str, bodies: list[bytes]) -> dict[int, int]:
    """Write the bodies to the topic; how many landed in each partition."""
    producer = KafkaProducer(bootstrap_servers=servers, enable_idempotence=False,
                             max_request_size=4_000_000)
    futures = [producer.send(TOPIC, key=f"k{i % 13}".encode(), value=body)
               for i, body in enumerate(bodies)]
    producer.flush()
    per_partition: dict[int, int] = {}
    for future in futures:
        partition: int = future.get(timeout=30).partition
        per_partition[partition] = per_partition.get(partition, 0) + 1
    producer.close()
    return per_partition


def _bare(servers: str, count: int, label: str) -> float:
    """Seconds for a bare consumer to read and decode the whole topic, from positioned."""
    consumer = KafkaConsumer(bootstrap_servers=servers, group_id=None, enable_auto_commit=False,
                             max_partition_fetch_bytes=2 * MAX_RECORD_BYTES)
    try:
        consumer.assign([TopicPartition(TOPIC, p) for p in range(PARTITIONS)])
        consumer.seek_to_beginning()
        seen = 0
        deadline = time.monotonic() + DEADLINE_SECONDS
        began = time.perf_counter()
        while seen < count:
            if time.monotonic() > deadline:
                raise SystemExit(f"bench: kafka: the bare consumer read {seen}/{count}")
            for records in consumer.poll(timeout_ms=POLL_MS, max_records=POLL_RECORDS).values():
                for record in records:
                    json.loads(record.value)
                    seen += 1
                _progress(label, seen, count)
        return time.perf_counter() - began
    finally:
        consumer.close(autocommit=False)


def _received(hub: Hub) -> list[str]:
    """The source references of the notifications in the store, in the order stored."""
    refs = []
    for row in hub.store.recorder.select_notifications(start=1, limit=10**9):
        if row.topic.endswith("Notification.Received"):
            event = hub.store.mapper.to_domain_event(row)
            if isinstance(event, Notification.Received):
                refs.append(event.source_ref)
    return refs


def _hub(hub: Hub, servers: str, count: int) -> dict[str, Any]:
    agency: str = hub.registry.agency("notts-police")["id"]
    ingest = TimedIngest(hub, servers, {TOPIC: agency})
    thread = threading.Thread(target=ingest.run, kwargs={"report_every": 3600.0},
                              name="bench-ingest", daemon=True)
    started = time.perf_counter()
    thread.start()
    first_handled = None
    shown = 0
    deadline = time.monotonic() + DEADLINE_SECONDS
    try:
        while (handled := ingest.handled) < count:
            if time.monotonic() > deadline or not thread.is_alive():
                raise SystemExit(f"bench: kafka: hub ingest handled {handled}/{count}")
            if handled and first_handled is None:
                first_handled = time.perf_counter()
            if handled != shown:
                _progress("hub ingest", handled, count)
                shown = handled
            time.sleep(0.001)
        finished = time.perf_counter()
        _progress("hub ingest", count, count)
    finally:
        ingest.stop.set()
        thread.join(15)
    positions = sum(ingest.stored_position(TOPIC, p) for p in range(PARTITIONS))
    if not ingest.assigned_at or first_handled is None or positions != count:
        raise SystemExit(f"bench: kafka: hub ingest stored positions {positions}/{count}")
    return {"started": started, "assigned": ingest.assigned_at[0],
            "assignments": len(ingest.assigned_at), "first": first_handled,
            "finished": finished}


def run(count: int = 1000, bare_passes: int = 3, seed_: int = 13) -> dict[str, Any]:
    rng = random.Random(seed_)
    bodies = [json.dumps(_body(rng, i)).encode() for i in range(count)]
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        with tansu(home / "tansu.log", {TOPIC: PARTITIONS, f"{TOPIC}.dlq": 1}) as servers:
            per_partition = _produce(servers, bodies)
            bare_runs = [_bare(servers, count, f"bare consumer {n}/{bare_passes}")
                         for n in range(1, bare_passes + 1)]
            hub = bootstrap(Settings(store_url=f"sqlite:///{home}/hub.sqlite3", home=home))
            try:
                seed(hub)
                timing = _hub(hub, servers, count)
                received = _received(hub)
            finally:
                hub.close()
    if sorted(received) != sorted(f"BENCH-{i}" for i in range(count)):
        raise SystemExit(f"bench: kafka: the store holds {len(received)} notifications "
                         f"({len(set(received))} distinct), not {count}")
    hub_seconds = timing["finished"] - timing["assigned"]
    bare = min(bare_runs)
    hub_rate = count / hub_seconds
    bare_rate = count / bare
    return {
        "notifications": count,
        "partitions": " / ".join(f"{per_partition.get(p, 0):,}" for p in range(PARTITIONS)),
        "bytes_per_record": round(sum(len(b) for b in bodies) / count),
        "bare_passes": bare_passes,
        "join_seconds": round(timing["assigned"] - timing["started"], 2),
        "assignments": timing["assignments"],
        "first_record_seconds": round(timing["first"] - timing["assigned"], 3),
        "hub_seconds": round(hub_seconds, 2),
        "bare_seconds": round(bare, 3),
        "bare_all_seconds": ", ".join(f"{seconds:.3f}" for seconds in bare_runs),
        "hub_per_second": round(hub_rate, 1),
        "hub_from_first_per_second": round(
            (count - 1) / (timing["finished"] - timing["first"]), 1),
        "bare_per_second": round(bare_rate, 1),
        "ratio": round(hub_rate / bare_rate, 4),
    }


def markdown(r: dict[str, Any]) -> list[str]:
    """The BENCHMARKS.md section for a result of ``run``."""
    prose = (
        f"{r['notifications']:,} notification records ({r['bytes_per_record']:,} bytes of JSON "
        f"each, the ingest benchmark's bodies) on one topic of two partitions "
        f"({r['partitions']}) of a real Kafka-protocol broker (tansu, in memory, loopback). "
        "Hub: the `hub ingest` worker (`adapters.kafka_ingest.Ingest`, group `hub-ingest`, "
        "6 s session) in a thread, on SQLite: parse, `NotificationIntake.submit` with the "
        "Kafka position tracked in the same transaction, offset commit. Bare: a kafka-python "
        "`KafkaConsumer` with `assign()` and seek to the beginning, no group, no commits, "
        "the same fetch size and poll batch, decoding each record's JSON and nothing else "
        f"(best of {r['bare_passes']} passes). Both timed from partitions positioned to the "
        "last record done; for the hub that is from the group's assignment (the join is "
        "excluded, shown apart) to the last notification committed. The store was checked "
        "to hold every notification exactly once."
    )
    return [
        "## Kafka ingest: `hub ingest` against a bare consumer, on SQLite",
        "",
        *textwrap.wrap(prose, 88, break_on_hyphens=False),
        "",
        "| measure | value |",
        "| --- | --- |",
        f"| group join (start to partitions assigned) | {r['join_seconds']} s "
        f"({r['assignments']} assignment{'s' if r['assignments'] != 1 else ''}) |",
        f"| hub: assigned to first notification stored | {r['first_record_seconds']} s |",
        f"| hub: assigned to last notification stored | {r['hub_seconds']} s |",
        f"| bare consumer: positioned to last record decoded | {r['bare_seconds']} s "
        f"(passes: {r['bare_all_seconds']} s) |",
        f"| hub notifications/s | {r['hub_per_second']:,} |",
        f"| hub notifications/s, from the first one stored | "
        f"{r['hub_from_first_per_second']:,} |",
        f"| bare consumer records/s | {r['bare_per_second']:,} |",
        f"| hub / bare consumer | {r['ratio']} |",
        "",
        f"**Hub ingest from Kafka / bare Kafka consumer: {r['ratio']} "
        f"(group join {r['join_seconds']} s, excluded)**",
        "",
    ]
