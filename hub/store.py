"""The event store: one eventsourcing application holding every aggregate and the audit log."""

from collections.abc import Callable
from datetime import date
from typing import TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import (
    IntegrityError,
    JSONTranscoder,
    OperationalError,
    PersistenceError,
    ProcessRecorder,
    Tracking,
    Transcoding,
)

from domain.indexes import KeyIndex, index_id
from domain.people import PersonRecord
from hub.errors import Conflict, NotFound, StoreUnavailable
from hub.personal_data import PersonalCipher, SealedPersonal

A = TypeVar("A", bound=Aggregate)
T = TypeVar("T")

# Optimistic writes that lose a race are re-run this many times before giving up (409).
WRITE_ATTEMPTS = 8
# How many "same as" links a read follows (a confirmed person, a merge): a bound, not a rule.
MOST_HOPS = 4


class DateAsISO(Transcoding):
    """Calendar dates (a deadline, a date of receipt) in events."""

    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class HubStore(Application[UUID]):
    """All of the hub's records, in one append-only store; personal values sealed per person."""

    name = "hub"

    def __init__(self, env: dict[str, str], cipher: PersonalCipher) -> None:
        self.cipher = cipher  # needed while the application builds its transcoder
        super().__init__(env)

    def construct_recorder(self) -> ProcessRecorder:
        """A recorder that also keeps tracking records: the positions of the hub's readers of
        other logs (a Kafka partition, the relay's place in this store) are written in the same
        transaction as what they produced."""
        return self.factory.process_recorder()

    @property
    def tracker(self) -> ProcessRecorder:
        recorder = self.recorder
        if not isinstance(recorder, ProcessRecorder):  # construct_recorder guarantees it
            raise TypeError("the hub's recorder keeps no tracking records")
        return recorder

    def position(self, name: str) -> int:
        """How far the reader ``name`` of a log (a Kafka partition, the relay's place in this
        store) has got, as recorded in this store; 0 before it starts."""
        return self.tracker.max_tracking_id(name) or 0

    def has_position(self, name: str, position: int) -> bool:
        return self.tracker.has_tracking_id(name, position)

    def record_position(self, name: str, position: int) -> None:
        """Record a reader's new position (IntegrityError if another recorded it first)."""
        self.tracker.insert_tracking(Tracking(name, position))

    def save_tracked(self, aggregates: list[Aggregate], tracking: Tracking | None) -> None:
        """Save aggregates' new events and a position, atomically (or just the position)."""
        pending = [e for a in aggregates for e in a.collect_events()]
        if tracking is not None and not pending:
            self.tracker.insert_tracking(tracking)
            return
        stored = [self.mapper.to_stored_event(e) for e in pending]
        self.tracker.insert_events(stored, tracking=tracking)

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(SealedPersonal(self.cipher))
        transcoder.register(DateAsISO())

    def find(self, aggregate_id: UUID, kind: type[A]) -> A | None:
        """The aggregate of that kind with that id, or None."""
        try:
            aggregate: Aggregate = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None
        except PersistenceError as error:
            raise StoreUnavailable("the event store did not answer") from error
        return aggregate if isinstance(aggregate, kind) else None

    def child(self, child_id: UUID) -> PersonRecord:
        """The child's person record; NotFound for an unknown id or an adult's."""
        person = self.find(child_id, PersonRecord)
        if person is None or not person.is_child:
            raise NotFound("no such child")
        return person

    def same_child(self, child_id: UUID) -> PersonRecord:
        """The child's person record, or, for a provisional person confirmed to be a known
        child (``PersonRecord.same_as``), the known child's: reads treat them as one."""
        person = self.child(child_id)
        for _ in range(MOST_HOPS):  # a merged person may itself hold a confirmed one
            if person.same_as is None:
                break
            person = self.child(person.same_as)
        return person

    def home_child(self, child_id: UUID) -> PersonRecord:
        """The record a child's notification is judged on: a confirmed provisional person's
        known child, but a person merged into another (``domain.merging``) itself, so that
        its records keep their own bases and relations."""
        person = self.child(child_id)
        for _ in range(MOST_HOPS):
            if person.same_as is None or person.merged is not None:
                break
            person = self.child(person.same_as)
        return person

    def lookup(self, key: str) -> UUID | None:
        """The record a unique key points at, if the key has been claimed."""
        index = self.find(index_id(key), KeyIndex)
        return index.target if index else None

    def recover(self) -> None:
        """Replace pooled database connections after a failed write.

        A PostgreSQL transaction that fails (a lock timeout, say) can leave its connection
        believing in prepared statements the server rolled back; every later use of that
        connection would fail. Draining the pool makes the next attempt use fresh ones.
        """
        datastore = getattr(self.recorder, "datastore", None)
        drain = getattr(getattr(datastore, "pool", None), "drain", None)
        if drain is not None:  # psycopg's pool; SQLite's connections do not suffer this
            drain()

    def write(self, attempt: Callable[[], T]) -> T:
        """Run a read-decide-save function, again from the start if another writer won a race.

        ``attempt`` must load what it needs afresh each time and save atomically.
        """
        failures = 0
        for _ in range(WRITE_ATTEMPTS):
            try:
                return attempt()
            except IntegrityError:
                continue
            except PersistenceError as error:
                # Once may be a pooled connection broken earlier; twice, or an operational
                # error the recorder has already retried, is real.
                self.recover()
                failures += 1
                if failures > 1 or isinstance(error, OperationalError):
                    raise StoreUnavailable("the event store did not answer") from error
        raise Conflict("the record kept changing while it was being written; try again")
