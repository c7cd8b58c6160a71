"""The audit trail read straight from the database, without writing a byte.

``hub audit verify`` and ``hub audit export`` read through this, not through the hub's
application: starting the hub creates tables and files, publishes a changed packaged policy,
and (before) signed a checkpoint, and evidence must not be touched by its examination. SQLite
is opened read-only (immutable when no write-ahead log is beside it, so not even ``-shm`` is
made); PostgreSQL in read-only transactions. Nothing here needs or reads a key.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from uuid import UUID

import psycopg
from psycopg import sql

from adapters.store import POSTGRES_EVENTS_TABLE, StoreUrlError, postgres_location
from hub.audit.checkpoints import CHECKPOINT_LOG_ID, TRANSITION_LOG_ID
from hub.audit.trail import AUDIT_LOG_ID

_BATCH = 1000


class NoStore(ValueError):
    """There is no store at the URL to read (bad input: exit 2)."""


class ReadOnlyStore:
    """Stored events of one originator, oldest first: (version, topic, state bytes)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._sqlite: Path | None = None
        self._postgres: tuple[str, str] | None = None
        if url == "memory://":
            raise NoStore("a memory:// store lives only inside its process: nothing to read")
        if url.startswith("sqlite:///"):
            path = Path(url[len("sqlite:///"):].partition("?")[0])
            if not path.is_file():
                raise NoStore(f"HUB_STORE_URL: no SQLite store at {path}")
            self._sqlite = path
        else:
            self._postgres = postgres_location(url)
            if self._postgres is None:
                raise StoreUrlError("HUB_STORE_URL must be memory://, sqlite:///PATH or "
                                    "postgresql://")

    def events(self, originator: UUID) -> Iterator[tuple[int, str, bytes]]:
        """One connection for the whole walk, read in batches of 1,000."""
        if self._sqlite is not None:
            yield from self._sqlite_events(self._sqlite, originator)
        elif self._postgres is not None:
            yield from self._postgres_events(self._postgres, originator)

    @staticmethod
    def _sqlite_events(path: Path, originator: UUID) -> Iterator[tuple[int, str, bytes]]:
        # Without a write-ahead log the file is whole: open it immutable, so that nothing is
        # made beside it; with one (a hub is running), read through it.
        wal = path.with_name(path.name + "-wal").exists()
        mode = "mode=ro" if wal else "mode=ro&immutable=1"
        with closing(sqlite3.connect(f"file:{path}?{mode}", uri=True)) as db:
            if not db.execute("SELECT 1 FROM sqlite_master WHERE name = 'stored_events'"
                              ).fetchone():
                return
            after = 0
            while True:
                rows = db.execute(
                    "SELECT originator_version, topic, state FROM stored_events WHERE "
                    "originator_id = ? AND originator_version > ? ORDER BY "
                    "originator_version LIMIT ?", (originator.hex, after, _BATCH)).fetchall()
                for version, topic, state in rows:
                    yield int(version), str(topic), bytes(state)
                if len(rows) < _BATCH:
                    return
                after = int(rows[-1][0])

    @staticmethod
    def _postgres_events(location: tuple[str, str],
                         originator: UUID) -> Iterator[tuple[int, str, bytes]]:
        conninfo, schema = location
        with psycopg.connect(conninfo, connect_timeout=5,
                             options="-c default_transaction_read_only=on") as db:
            table = db.execute("SELECT to_regclass(%s)",
                               (f"{schema}.{POSTGRES_EVENTS_TABLE}",)).fetchone()
            if table is None or table[0] is None:
                return
            query = sql.SQL(
                "SELECT originator_version, topic, state FROM {}.{} WHERE originator_id = %s "
                "AND originator_version > %s ORDER BY originator_version LIMIT %s").format(
                    sql.Identifier(schema), sql.Identifier(POSTGRES_EVENTS_TABLE))
            after = 0
            while True:
                rows = db.execute(query, (originator, after, _BATCH)).fetchall()
                for version, topic, state in rows:
                    yield int(version), str(topic), bytes(state)
                if len(rows) < _BATCH:
                    return
                after = int(rows[-1][0])

    def stored_entries(self) -> Iterator[tuple[int, bytes]]:
        """(index, stored bytes) of every audit entry, as the store holds them."""
        for version, _, state in self.events(AUDIT_LOG_ID):
            yield version - 1, state

    def entry_events(self) -> Iterator[tuple[int, str, bytes]]:
        yield from self.events(AUDIT_LOG_ID)

    def _notes(self, originator: UUID) -> list[str]:
        """The ``note`` of each event; an event that is not readable JSON with one is passed
        on as its raw text, for the verifier to report."""
        notes = []
        for _, _, state in self.events(originator):
            try:
                note = json.loads(state).get("note")
            except (ValueError, AttributeError):
                note = None
            notes.append(note if isinstance(note, str) else state.decode("utf-8", "replace"))
        return notes

    def checkpoint_notes(self) -> list[str]:
        return self._notes(CHECKPOINT_LOG_ID)

    def transition_notes(self) -> list[str]:
        return self._notes(TRANSITION_LOG_ID)
