"""The audit trail: an append-only log of entries, each written before data leaves.

Entries live in the event store under one fixed originator: entry n is version n+1. The store
refuses a second version n, so two hub processes appending at once can never fork the trail;
the loser re-reads the tail and tries the next position. Each entry is mapped to its stored
bytes exactly once, and the next entry carries the Merkle leaf hash of those bytes.

Access notifications for the owning agencies (an agency's feed of who read its records) are
inserted in the same transaction as the entry they come from.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from threading import Lock
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.persistence import (
    IntegrityError,
    OperationalError,
    PersistenceError,
    StoredEvent,
)

from domain.audit import AccessNotified, AuditEntryRecorded, AuditKind
from hub.audit.merkle import leaf_hash
from hub.audit.verify import audit_leaf
from hub.errors import AuditUnavailable
from hub.store import WRITE_ATTEMPTS, HubStore

AUDIT_LOG_ID: UUID = uuid5(NAMESPACE_URL, "/hub/audit-log")


def feed_id(agency: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"/hub/access-feed/{agency}")


def audit_leaf_hash(index: int, stored: bytes) -> bytes:
    """The Merkle leaf hash of entry ``index``: its position bound to its stored bytes."""
    return leaf_hash(audit_leaf(index, stored))


@dataclass(frozen=True)
class Notice:
    """An access notification for one owning agency, to go out with an audit entry."""

    agency: str
    fields: dict[str, Any]


class AuditTrail:
    def __init__(self, store: HubStore,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._store = store
        self._clock = clock
        self._lock = Lock()
        self._tail: tuple[int, str] | None = None  # (size, hex leaf hash of the last entry)
        self._feed_sizes: dict[str, int] = {}

    def record(
        self,
        *,
        kind: AuditKind,
        action: str,
        actor: dict[str, str],
        purpose: str | None = None,
        case_ref: str | None = None,
        child_ids: list[UUID] | None = None,
        records: list[dict[str, Any]] | None = None,
        policy_version: str = "",
        details: dict[str, Any] | None = None,
        notices: list[Notice] | None = None,
    ) -> int:
        """Append one entry durably and return its index; raise AuditUnavailable if it can't."""
        with self._lock:
            failures = 0
            for _ in range(WRITE_ATTEMPTS):
                try:
                    size, previous = self._read_tail()
                    entry = AuditEntryRecorded(
                        originator_id=AUDIT_LOG_ID, originator_version=size + 1,
                        timestamp=self._clock(), previous=previous, kind=kind.value,
                        action=action, actor=actor, purpose=purpose, case_ref=case_ref,
                        child_ids=child_ids or [], records=records or [],
                        policy_version=policy_version, details=details or {},
                    )
                    stored = self._store.mapper.to_stored_event(entry)
                    feed = self._notice_events(notices or [], size, entry.timestamp)
                    self._store.recorder.insert_events([stored, *feed])
                except IntegrityError:
                    self._forget_tails()  # another process appended: re-read the tails
                    continue
                except PersistenceError as error:
                    # A connection left broken by an earlier failure fails once; a store that
                    # is unavailable (already retried by the recorder) fails for real, and then
                    # nothing is disclosed.
                    self._forget_tails()
                    self._store.recover()
                    failures += 1
                    if failures > 1 or isinstance(error, OperationalError):
                        raise AuditUnavailable("the audit trail could not be written") from error
                    continue
                self._tail = (size + 1, audit_leaf_hash(size, stored.state).hex())
                for notice in notices or []:
                    self._feed_sizes[notice.agency] += 1
                return size
        raise AuditUnavailable("the audit trail is too busy to be written; try again")

    def _notice_events(self, notices: list[Notice], audit_index: int,
                       at: datetime) -> list[StoredEvent]:
        """The feed events of one entry: an agency may be told of several children at once,
        each notice taking the next position in its feed."""
        earlier: dict[str, int] = {}
        events = []
        for notice in notices:
            events.append(self._notice_event(notice, audit_index, at,
                                             earlier.get(notice.agency, 0)))
            earlier[notice.agency] = earlier.get(notice.agency, 0) + 1
        return events

    def _notice_event(self, notice: Notice, audit_index: int, at: datetime,
                      earlier: int) -> StoredEvent:
        agency_feed = feed_id(notice.agency)
        if notice.agency not in self._feed_sizes:
            last = self._last(agency_feed)
            self._feed_sizes[notice.agency] = last.originator_version if last else 0
        event = AccessNotified(
            originator_id=agency_feed,
            originator_version=self._feed_sizes[notice.agency] + earlier + 1,
            timestamp=at, audit_index=audit_index, **notice.fields,
        )
        return self._store.mapper.to_stored_event(event)

    def _read_tail(self) -> tuple[int, str]:
        if self._tail is None:
            last = self._last(AUDIT_LOG_ID)
            if last is None:
                self._tail = (0, "")
            else:
                index = last.originator_version - 1
                self._tail = (last.originator_version, audit_leaf_hash(index, last.state).hex())
        return self._tail

    def _last(self, originator_id: UUID) -> StoredEvent | None:
        rows = self._store.recorder.select_events(originator_id, desc=True, limit=1)
        return rows[0] if rows else None

    def _forget_tails(self) -> None:
        self._tail = None
        self._feed_sizes = {}

    # Reading ---------------------------------------------------------------------------

    def _rows(self, start: int, end: int | None, batch: int = 1000) -> Iterator[StoredEvent]:
        position = start
        while end is None or position < end:
            limit = batch if end is None else min(batch, end - position)
            rows = self._store.recorder.select_events(AUDIT_LOG_ID, gt=position, limit=limit)
            if not rows:
                return
            yield from rows
            position = rows[-1].originator_version

    def stored_entries(self, start: int = 0,
                       end: int | None = None) -> Iterator[tuple[int, bytes]]:
        """(index, stored bytes) for entries in [start, end), oldest first, in batches."""
        for row in self._rows(start, end):
            yield row.originator_version - 1, row.state

    def entries(self, start: int = 0, end: int | None = None) -> Iterator[AuditEntryRecorded]:
        """Entries with index in [start, end), oldest first, as events."""
        for row in self._rows(start, end):
            event = self._store.mapper.to_domain_event(row)
            if isinstance(event, AuditEntryRecorded):
                yield event

    def size(self) -> int:
        last = self._last(AUDIT_LOG_ID)
        return last.originator_version if last else 0

    def feed(self, agency: str, after: int = 0, limit: int = 100) -> list[AccessNotified]:
        """An agency's access notifications with position > ``after``, oldest first."""
        rows = self._store.recorder.select_events(feed_id(agency), gt=after, limit=limit)
        events = [self._store.mapper.to_domain_event(row) for row in rows]
        return [e for e in events if isinstance(e, AccessNotified)]
