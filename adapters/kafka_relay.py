"""``hub relay``: the hub's outbound events to Kafka, at least once, in order per child.

The relay follows the event store's log (through the one log follower, ``hub.ports.EventLog``)
from the position it recorded in the store (a tracking record), publishes what other systems
subscribe to, waits for the broker's acknowledgement (acks=all), and only then records the new
position. A crash in between publishes some events again; each record carries a stable ``event-
id`` header (the store's notification id) so subscribers can drop repeats. Records are keyed by
child id, so one child's events land on one partition, in order. No personal data leaves:
records are summaries (ids, types, agencies, times), never names, dates of birth or free text.

``schools.encompass.v1`` is read by every school's system, and a topic cannot be filtered per
reader, so no school's policy can allow a child's name there: its records tell a school that
a notice is waiting (its id, the school, the deadline), and the school's safeguarding lead
reads it from the hub's inbox, where the read is authorised and audited.
"""

import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.persistence import IntegrityError, PersistenceError
from kafka import KafkaProducer
from kafka.errors import KafkaError
from prometheus_client import CollectorRegistry, Counter, Gauge

from adapters.relay_records import ENCOMPASS_TOPIC, EVENTS_TOPIC, Find, corrections, find_nothing
from domain.audit import AccessNotified
from domain.dart import DartCase
from domain.disagreement import Disagreement
from domain.encompass import EncompassNotice
from domain.front_door import MashContact
from domain.lawful_basis import SharingLedger
from domain.marac import MaracReferral
from domain.missing import MissingRecord
from domain.notifications import Notification as Received
from hub.errors import HubError
from hub.ports import EventLog
from hub.retrying import SAY_EVERY, Stopped, Trouble
from hub.retrying import call as retry
from hub.store import HubStore

log = logging.getLogger("hub.relay")
POSITION = "relay/hub.events.v1"
# How long one attempt to reach the brokers lasts before the hub says so and backs off.
BOOTSTRAP_TIMEOUT_MS = 5000


class RelayMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.published = Counter("hub_relay_published", "Records published",
                                 ["topic"], registry=self.registry)
        self.lag = Gauge("hub_relay_lag", "Store events not yet relayed", registry=self.registry)


ChildOf = Callable[[UUID, type[Any]], UUID | None]
__all__ = ["ENCOMPASS_TOPIC", "EVENTS_TOPIC", "Relay", "RelayMetrics", "outbound"]


def outbound(event: object, notification_id: int, find: Find = find_nothing,
             ) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(topic, key, value) records for one stored event; most events go nowhere.
    ``find(aggregate_id, kind)`` is the aggregate as stored, for an event that does not carry
    what its record names: the child of a per-child aggregate (a missing record, a sharing
    ledger), a notice's school, a notification's agency and children
    (``adapters.relay_records``)."""
    base = {"event_id": str(notification_id)}

    def child_of(aggregate_id: UUID, kind: type[Any]) -> UUID | None:
        child: UUID | None = getattr(find(aggregate_id, kind), "child_id", None)
        return child

    yield from _domestic_abuse(event, base)
    yield from _missing(event, base, child_of)
    yield from _front_door(event, base, child_of)
    yield from corrections(event, base, find)
    if isinstance(event, Received.Received):
        children: list[UUID | None] = [s["person_id"] for s in event.subjects
                                       if s["role"] == "child"]
        # A domestic-abuse incident naming adults alone: one record, keyed by the incident.
        for child_id in children or [None]:
            yield EVENTS_TOPIC, str(child_id or event.originator_id), {
                **base, "event_type": "notification.received",
                "notification_id": str(event.originator_id), "type": event.notification_type,
                "agency": event.source_agency, "occurred_at": event.occurred_at.isoformat(),
                "received_at": event.received_at.isoformat(),
                "child_id": str(child_id) if child_id else None}
    elif isinstance(event, AccessNotified):
        yield EVENTS_TOPIC, str(event.child_id), {
            **base, "event_type": "access.notified", "child_id": str(event.child_id),
            "reader_agency": event.reader_agency, "reader_role": event.reader_role,
            "purpose": event.purpose, "break_glass": event.break_glass,
            "records": [r["record"] for r in event.records],
            "at": event.timestamp.isoformat()}


def _domestic_abuse(event: object,
                    base: dict[str, str]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    if isinstance(event, EncompassNotice.Issued):
        notice = {**base, "notice_id": str(event.originator_id),
                  "recipient": event.recipient, "recipient_agency": event.recipient_agency,
                  "school_urn": event.school_urn, "due_at": event.due_at.isoformat()}
        # Every school reads this topic: keyed by the notice, never naming the child, so no
        # school can follow a child from one notice to another (a redirect to a new school).
        yield ENCOMPASS_TOPIC, str(event.originator_id), {**notice,
                                                          "event_type": "encompass.notice"}
        yield EVENTS_TOPIC, str(event.child_id), {**notice, "child_id": str(event.child_id),
                                                  "event_type": "encompass.issued"}
    elif isinstance(event, EncompassNotice.Acknowledged | EncompassNotice.Escalated):
        kind = ("encompass.acknowledged" if isinstance(event, EncompassNotice.Acknowledged)
                else "encompass.escalated")
        yield EVENTS_TOPIC, str(event.originator_id), {
            **base, "event_type": kind, "notice_id": str(event.originator_id),
            "at": event.at.isoformat()}
    elif isinstance(event, DartCase.Triaged):
        yield EVENTS_TOPIC, str(event.originator_id), {
            **base, "event_type": "dart.triaged", "case_id": str(event.originator_id),
            "level": event.level, "actions": event.actions,
            "marac_referral": str(event.marac_referral) if event.marac_referral else None,
            "mash_referral": str(event.mash_referral) if event.mash_referral else None,
            "at": event.at.isoformat()}
    elif isinstance(event, MaracReferral.Made):
        for child_id in event.child_ids or [event.originator_id]:
            yield EVENTS_TOPIC, str(child_id), {
                **base, "event_type": "marac.referral", "referral_id": str(event.originator_id),
                "incident_id": str(event.incident_id), "child_id": str(child_id),
                "level": event.level, "rules": [f["rule"] for f in event.flags],
                "at": event.referred_at.isoformat()}


def _missing(event: object, base: dict[str, str],
             child_of: ChildOf) -> Iterator[tuple[str, str, dict[str, Any]]]:
    if not isinstance(event, MissingRecord.EpisodeStarted | MissingRecord.EpisodeEnded
                      | MissingRecord.InterviewRecorded):
        return
    child = child_of(event.originator_id, MissingRecord)
    key = str(child or event.originator_id)
    common = {**base, "child_id": str(child) if child else None,
              "episode_id": str(event.episode_id)}
    if isinstance(event, MissingRecord.EpisodeStarted | MissingRecord.EpisodeEnded):
        started = isinstance(event, MissingRecord.EpisodeStarted)
        value: dict[str, Any] = {
            **common, "event_type": "missing.started" if started else "missing.ended",
            "rules": [f["rule"] for f in event.flags]}
        if isinstance(event, MissingRecord.EpisodeStarted):
            value.update(episode_type=event.episode_type, start=event.start.isoformat(),
                         allocated_worker=(event.informed or {}).get("user_id"))
        else:
            value.update(end=event.end.isoformat(), ended_by=event.ended_by,
                         interview_due=(event.interview_due.isoformat()
                                        if event.interview_due else None))
        yield EVENTS_TOPIC, key, value
    else:
        yield EVENTS_TOPIC, key, {**common, "event_type": "missing.interview",
                                  "step": event.step, "at": event.at.isoformat()}


def _front_door(event: object, base: dict[str, str],
                child_of: ChildOf) -> Iterator[tuple[str, str, dict[str, Any]]]:
    if isinstance(event, MashContact.Opened):
        for child_id in event.child_ids:
            yield EVENTS_TOPIC, str(child_id), {
                **base, "event_type": "mash.contact", "contact_id": str(event.originator_id),
                "kind": event.kind, "referrer": event.referrer, "child_id": str(child_id),
                "notification_id": str(event.notification_id),
                "received_at": event.received_at.isoformat(),
                "re_referral": bool(event.re_referral_of)}
    elif isinstance(event, MashContact.Rated):
        yield EVENTS_TOPIC, str(event.originator_id), {
            **base, "event_type": "mash.rated", "contact_id": str(event.originator_id),
            "rag": event.rag, "due": event.due.isoformat(), "at": event.at.isoformat()}
    elif isinstance(event, MashContact.Decided):
        yield EVENTS_TOPIC, str(event.originator_id), {
            **base, "event_type": "mash.decision", "contact_id": str(event.originator_id),
            "level": event.level, "outcome": event.outcome,
            "previous_level": event.previous_level,
            "assessment_due": (event.assessment_due.isoformat()
                               if event.assessment_due else None),
            "brief_assessment_due": (event.brief_assessment_due.isoformat()
                                     if event.brief_assessment_due else None),
            "enquiry_ids": [str(e) for e in event.enquiry_ids],
            "decided_by_agency": event.by.get("agency"), "at": event.at.isoformat()}
    elif isinstance(event, SharingLedger.EnquiryOpened | SharingLedger.EnquiryClosed):
        child = child_of(event.originator_id, SharingLedger)
        opened = isinstance(event, SharingLedger.EnquiryOpened)
        value: dict[str, Any] = {
            **base, "event_type": "enquiry.opened" if opened else "enquiry.closed",
            "enquiry_id": str(event.enquiry_id), "child_id": str(child) if child else None}
        if isinstance(event, SharingLedger.EnquiryOpened):
            value.update(kind=event.kind, participants=event.participants,
                         at=event.opened_at.isoformat())
        else:
            value.update(at=event.closed_at.isoformat())
        yield EVENTS_TOPIC, str(child or event.originator_id), value
    elif isinstance(event, Disagreement.Raised | Disagreement.Escalated | Disagreement.Resolved):
        kind = {Disagreement.Raised: "raised", Disagreement.Escalated: "escalated",
                Disagreement.Resolved: "resolved"}[type(event)]
        value = {**base, "event_type": f"disagreement.{kind}",
                 "disagreement_id": str(event.originator_id)}
        if isinstance(event, Disagreement.Raised):
            value.update(subject_kind=event.subject_kind, subject_id=str(event.subject_id),
                         child_id=str(event.child_id),
                         child_ids=[str(c) for c in event.child_ids],
                         raised_by_agency=event.raised_by.get("agency"),
                         with_agency=event.with_agency, due=event.due.isoformat(),
                         risk=event.risk)
            if event.subject_kind == "mash-contact":
                value.update(contact_id=str(event.subject_id))
        elif isinstance(event, Disagreement.Escalated):
            value.update(stage=event.stage, due=event.due.isoformat(),
                         automatic=event.by is None)
        yield EVENTS_TOPIC, str(event.originator_id), value


class Services(Protocol):
    """What the relay needs of the hub (``hub.bootstrap.Hub`` has it): the store's log, and
    the store, which keeps the relay's position and names a record's child."""

    @property
    def store(self) -> HubStore: ...

    @property
    def log(self) -> EventLog: ...


class Relay:
    """Connects to the brokers when it runs (and keeps trying, with backoff, while they
    cannot be reached), then follows the store's log until ``stop`` is set."""

    def __init__(self, hub: Services, client: dict[str, object],
                 metrics: RelayMetrics | None = None,
                 idempotent: bool = True, say_every: float = SAY_EVERY) -> None:
        self.hub = hub
        self.metrics = metrics or RelayMetrics()
        self.stop = threading.Event()
        self._client = client
        self._idempotent = idempotent
        self._producer: Any = None
        self.published = 0
        self.brokers = Trouble(
            log, "brokers-unreachable", "relay: the Kafka brokers (HUB_KAFKA_BOOTSTRAP) cannot "
            "be reached; nothing is lost, the position is in the store", say_every)
        self.store = Trouble(log, "store-unavailable", "relay: store unavailable", say_every)

    def _connect(self) -> Any:
        return KafkaProducer(**self._client, acks="all", linger_ms=5,
                             enable_idempotence=self._idempotent,
                             bootstrap_timeout_ms=BOOTSTRAP_TIMEOUT_MS)

    def _trouble(self, error: BaseException, wait: float) -> None:
        (self.brokers if isinstance(error, KafkaError) else self.store).happened(error, wait)

    def position(self) -> int:
        return self.hub.store.position(POSITION)

    def run_once(self, batch: int = 500) -> int:
        """Relay the next batch; the number of store events passed."""
        rows = next(self.hub.log.follow(self.position(), batch=batch), [])
        if not rows:
            return 0
        futures = []
        topics: list[str] = []
        for row in rows:
            for topic, key, value in outbound(row.event(), row.position, self.hub.store.find):
                topics.append(topic)
                futures.append(self._producer.send(
                    topic, key=key.encode(), value=json.dumps(value).encode(),
                    headers=[("event-id", str(row.position).encode())]))
        for future in futures:
            future.get(timeout=30)  # acknowledged by the broker before the position moves
        self.published += len(futures)
        for topic in set(topics):
            self.metrics.published.labels(topic).inc(topics.count(topic))
        try:
            self.hub.store.record_position(POSITION, rows[-1].position)
        except IntegrityError:
            log.info("another relay recorded this position first")
        return len(rows)

    def run(self, report_every: float = 10.0,
            on_progress: Callable[[str], None] = log.info) -> None:
        last_report = time.monotonic()
        try:
            self._producer = retry(self._connect, self.stop, KafkaError, self._trouble)
            self.brokers.over("relay: the Kafka brokers answer again")
            while not self.stop.is_set():
                moved = retry(self.run_once, self.stop,
                              (KafkaError, PersistenceError, HubError), self._trouble)
                self.brokers.over("relay: the Kafka brokers answer again")
                self.store.over("relay: the store answers again")
                if not moved:
                    self.stop.wait(0.5)
                if time.monotonic() - last_report >= report_every:
                    end = self.hub.log.end()
                    self.metrics.lag.set(end - self.position())
                    on_progress(f"relay: {self.published} records published, "
                                f"{end - self.position()} events behind")
                    last_report = time.monotonic()
        except Stopped:
            return
        finally:
            if self._producer is not None:
                self._producer.flush(timeout=10)
                self._producer.close(timeout=10)
