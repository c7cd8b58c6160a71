"""The audit trail: an append-only log of entries, each written before data leaves.

The entries live in the event store as one ``EventSourcedLog``: entry n is version n+1 of
a fixed originator. The store refuses a second version n, so two hub processes appending
at once can never fork the trail; the loser re-reads the tail and tries the next position.
"""

from collections.abc import Iterator
from threading import Lock
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.application import EventSourcedLog
from eventsourcing.persistence import IntegrityError, PersistenceError

from domain.audit import AuditEntryRecorded, AuditKind
from hub.errors import AuditUnavailable
from hub.store import WRITE_ATTEMPTS, HubStore

AUDIT_LOG_ID: UUID = uuid5(NAMESPACE_URL, "/hub/audit-log")


class AuditTrail:
    def __init__(self, store: HubStore) -> None:
        self._store = store
        self._log = EventSourcedLog(store.events, AUDIT_LOG_ID, AuditEntryRecorded)
        self._lock = Lock()
        self._next_version: int | None = None

    def record(
        self,
        *,
        kind: AuditKind,
        action: str,
        actor: dict[str, str],
        purpose: str | None,
        case_ref: str | None,
        child_ids: list[UUID],
        records: list[dict[str, Any]],
        policy_version: str,
    ) -> int:
        """Append one entry durably and return its index; raise AuditUnavailable if it can't."""
        with self._lock:
            for _ in range(WRITE_ATTEMPTS):
                try:
                    version = self._tail_version() + 1
                    entry = self._log.trigger_event(
                        next_originator_version=version,
                        kind=kind.value, action=action, actor=actor, purpose=purpose,
                        case_ref=case_ref, child_ids=child_ids, records=records,
                        policy_version=policy_version,
                    )
                    self._store.save(entry)
                except IntegrityError:
                    self._next_version = None  # another process appended: re-read the tail
                    continue
                except PersistenceError as error:
                    self._next_version = None
                    raise AuditUnavailable("the audit trail could not be written") from error
                self._next_version = version + 1
                return version - 1
        raise AuditUnavailable("the audit trail is too busy to be written; try again")

    def _tail_version(self) -> int:
        if self._next_version is None:
            last = self._log.get_last()
            self._next_version = (last.originator_version + 1) if last else 1
        return self._next_version - 1

    def entries(self, start: int = 0, end: int | None = None) -> Iterator[AuditEntryRecorded]:
        """Entries with index in [start, end), oldest first."""
        return self._log.get(gt=start, lte=end)

    def size(self) -> int:
        last = self._log.get_last()
        return last.originator_version if last else 0
