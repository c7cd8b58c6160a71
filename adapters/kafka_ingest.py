"""``hub ingest``: agencies' Kafka topics into the store, each record's effect exactly once.

The consumed position of every partition is a tracking record written in the same store
transaction as the notification it produced, so a crash between storing and committing to
Kafka neither loses nor doubles anything: on start, and after every rebalance, each partition
is sought to the position the store holds, and a record at or below it is skipped. Kafka's
committed offsets are only a hint for other tools.

A record that cannot be read (not JSON, wrong shape, unknown type, oversized, a bad
identifier) goes to ``<topic>.dlq`` with the reason, original topic, partition and offset in
its headers, and its position is recorded so the consumer moves on. A failure of the store is
transient: the record is retried, and nothing past it is committed.
"""

import logging
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any, Protocol

from eventsourcing.persistence import IntegrityError, Tracking
from kafka import (
    ConsumerRebalanceListener,
    KafkaConsumer,
    KafkaProducer,
    OffsetAndMetadata,
    TopicPartition,
)
from kafka.errors import KafkaError
from prometheus_client import CollectorRegistry, Counter, Gauge

from domain.errors import InvalidContent
from domain.notifications import WithdrawalSubmission
from hub.errors import HubError, InvalidInput, MalformedInput, PayloadTooLarge
from hub.intake import NotificationIntake
from hub.retrying import SAY_EVERY, Stopped, Trouble
from hub.retrying import call as retry
from hub.shapes import parse_record
from hub.store import HubStore

log = logging.getLogger("hub.ingest")
GROUP = "hub-ingest"
MAX_RECORD_BYTES = 1_048_576
# How long one attempt to reach the brokers lasts before the hub says so and backs off.
BOOTSTRAP_TIMEOUT_MS = 5000


def tracking_name(topic: str, partition: int) -> str:
    return f"kafka/{topic}/{partition}"


@dataclass
class IngestMetrics:
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        self.records = Counter("hub_ingest_records", "Kafka records handled",
                               ["topic", "outcome"], registry=self.registry)
        self.lag = Gauge("hub_ingest_lag", "Records behind the end of the partition",
                         ["topic", "partition"], registry=self.registry)


class Services(Protocol):
    """What the ingest worker needs of the hub (``hub.bootstrap.Hub`` has it): the intake,
    and the store, which keeps each partition's position."""

    @property
    def intake(self) -> NotificationIntake: ...

    @property
    def store(self) -> HubStore: ...


class Ingest:
    """Connects to the brokers when it runs (and keeps trying, with backoff, while they
    cannot be reached), then consumes until ``stop`` is set."""

    def __init__(self, hub: Services, client: dict[str, object], sources: dict[str, str],
                 metrics: IngestMetrics | None = None,
                 consumer_options: dict[str, object] | None = None,
                 idempotent: bool = True, say_every: float = SAY_EVERY) -> None:
        self.hub = hub
        self.sources = sources  # topic -> the agency whose producers write it
        self.metrics = metrics or IngestMetrics()
        self.stop = threading.Event()
        self._client = client
        self._consumer_options = consumer_options or {}
        self._idempotent = idempotent
        self._consumer: Any = None
        self._producer: Any = None
        self.handled = 0
        self.brokers = Trouble(
            log, "brokers-unreachable", "ingest: the Kafka brokers (HUB_KAFKA_BOOTSTRAP) cannot "
            "be reached; nothing is lost, positions are in the store", say_every)
        self.store = Trouble(
            log, "store-unavailable", "ingest: store unavailable; the record waits, nothing past "
            "it is committed", say_every)

    def _trouble(self, error: BaseException, wait: float) -> None:
        (self.brokers if isinstance(error, KafkaError) else self.store).happened(error, wait)

    def _connect(self) -> None:
        """The dead-letter producer and the consumer, once the brokers answer. The producer
        first: a consumer that fails to reach the brokers leaves its network thread behind
        (kafka-python 3.0), a producer does not, so the consumer is made only once the
        brokers have answered the producer."""
        if self._producer is None:
            self._producer = KafkaProducer(**self._client, acks="all",
                                           enable_idempotence=self._idempotent,
                                           bootstrap_timeout_ms=BOOTSTRAP_TIMEOUT_MS)
        if self._consumer is None:
            options = {"bootstrap_timeout_ms": BOOTSTRAP_TIMEOUT_MS, **self._consumer_options}
            self._consumer = KafkaConsumer(
                **self._client, group_id=GROUP, enable_auto_commit=False,
                auto_offset_reset="earliest", max_partition_fetch_bytes=2 * MAX_RECORD_BYTES,
                **options)

    # Positions ---------------------------------------------------------------------------
    def stored_position(self, topic: str, partition: int) -> int:
        """The next offset to apply, as the store knows it."""
        return self.hub.store.position(tracking_name(topic, partition))  # offset + 1

    def _seek_to_store(self, partitions: set[TopicPartition]) -> None:
        for tp in partitions:
            self._consumer.seek(tp, self.stored_position(tp.topic, tp.partition))

    # The loop ----------------------------------------------------------------------------
    def run(self, report_every: float = 10.0,
            on_progress: Callable[[str], None] = log.info) -> None:
        try:
            retry(self._connect, self.stop, KafkaError, self._trouble)
            self.brokers.over("ingest: the Kafka brokers answer again")
            consumer = self._consumer
            consumer.subscribe(list(self.sources), listener=_SeekOnAssign(self))
            last_report = time.monotonic()
            while not self.stop.is_set():
                batches = retry(lambda: consumer.poll(timeout_ms=500, max_records=200),
                                self.stop, KafkaError, self._trouble)
                for tp, records in batches.items():
                    applied = self._apply(tp, records)
                    if applied is not None:
                        self._commit(tp, applied)
                if time.monotonic() - last_report >= report_every:
                    on_progress(self._progress())
                    last_report = time.monotonic()
        except Stopped:
            return
        finally:
            if self._consumer is not None:
                self._consumer.close(autocommit=False)
            if self._producer is not None:
                self._producer.flush(timeout=10)
                self._producer.close(timeout=10)

    def _apply(self, tp: TopicPartition, records: list[Any]) -> int | None:
        """Apply records in order; the next offset reached, or None if none was applied."""
        reached = None
        floor = self.stored_position(tp.topic, tp.partition)
        for record in records:
            offset: int = record.offset
            if offset < floor:
                reached = offset + 1  # already in the store: skip
                continue
            def handle(record: Any = record) -> None:
                self._handle(tp, record)

            try:  # the store (or the dead-letter topic) unavailable: retry, commit nothing
                retry(handle, self.stop, (HubError, KafkaError), self._trouble)
            except Stopped:
                return reached  # stopping mid-record: commit only what was applied
            self.store.over("ingest: the store answers again")
            reached = offset + 1
        return reached

    def _handle(self, tp: TopicPartition, record: Any) -> None:
        value: bytes | None = record.value
        offset: int = record.offset
        tracking = Tracking(tracking_name(tp.topic, tp.partition), offset + 1)
        if self.hub.store.has_position(tracking.application_name, offset + 1):
            return  # another consumer of this partition got here first
        agency = self.sources[tp.topic]
        try:
            if value is None:
                raise MalformedInput("the record has no value")
            if len(value) > MAX_RECORD_BYTES:
                raise PayloadTooLarge(f"the record is larger than {MAX_RECORD_BYTES} bytes")
            sent = parse_record(value)
            if isinstance(sent, WithdrawalSubmission):  # "withdrawn": true
                self.hub.intake.withdraw(agency, f"kafka:{tp.topic}", sent, tracking)
            else:  # a notification, or a newer version of one (an amendment)
                self.hub.intake.submit(agency, f"kafka:{tp.topic}", sent, tracking)
            self.metrics.records.labels(tp.topic, "stored").inc()
        except (MalformedInput, InvalidInput, PayloadTooLarge, InvalidContent) as error:
            self._dead_letter(tp, offset, record.key, value, str(error))
            with suppress(IntegrityError):  # already recorded: the position stands
                self.hub.store.save_tracked([], tracking)
            self.metrics.records.labels(tp.topic, "dead-lettered").inc()
        self.handled += 1

    def _dead_letter(self, tp: TopicPartition, offset: int, key: bytes | None,
                     value: bytes | None, reason: str) -> None:
        headers = [("reason", reason.encode()), ("original-topic", tp.topic.encode()),
                   ("original-partition", str(tp.partition).encode()),
                   ("original-offset", str(offset).encode())]
        body = value if value is not None and len(value) <= MAX_RECORD_BYTES else None
        key = key or f"{tp.partition}-{offset}".encode()  # an oversized record loses its body
        self._producer.send(f"{tp.topic}.dlq", key=key, value=body,
                            headers=headers).get(timeout=30)

    def _commit(self, tp: TopicPartition, next_offset: int) -> None:
        try:
            self._consumer.commit({tp: OffsetAndMetadata(next_offset, "", -1)})
        except KafkaError as error:  # only a hint: the store holds the real position
            log.info("offset commit skipped (%s)", type(error).__name__)

    def _progress(self) -> str:
        """Records handled and the lag; never fatal: a slow broker leaves the lag unknown."""
        assigned = self._consumer.assignment()
        try:
            ends = (self._consumer.end_offsets(list(assigned), timeout_ms=5000)
                    if assigned else {})
        except KafkaError as error:
            self.brokers.happened(error)
            return f"ingest: {self.handled} records handled, lag unknown ({type(error).__name__})"
        self.brokers.over("ingest: the Kafka brokers answer again")
        lag = 0
        for tp, end in ends.items():
            behind = max(0, end - self.stored_position(tp.topic, tp.partition))
            self.metrics.lag.labels(tp.topic, str(tp.partition)).set(behind)
            lag += behind
        return f"ingest: {self.handled} records handled, lag {lag}"


class _SeekOnAssign:
    """After a rebalance, start each partition where the store says it is."""

    def __init__(self, ingest: Ingest) -> None:
        self._ingest = ingest

    def on_partitions_revoked(self, _revoked: set[TopicPartition]) -> None:
        return

    def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        self._ingest._seek_to_store(assigned)


# kafka-python accepts only instances of its (untyped) listener ABC: register, not subclass.
ConsumerRebalanceListener.register(_SeekOnAssign)
