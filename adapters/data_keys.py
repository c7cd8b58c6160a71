"""Per-person data keys, wrapped by a master key, in a store from which they can be destroyed.

Every person (a child, an adult) has one AES-256 data key. Keys are kept apart from the event
store, wrapped (AES-256-GCM) by a master key; the associated data binds the holder and the key
version. Destroying a person's key makes every ciphertext of theirs, in every event and every
backup of the event store, unreadable: that is erasure in an append-only store.

    MasterKey          wraps and unwraps data keys (LocalMasterKey: a file in HUB_HOME/keys;
                       a cloud KMS implements the same two methods)
    DataKeyStore       memory, SQLite (a file of its own, secure_delete, no WAL), PostgreSQL
"""

import hashlib
import os
import secrets
import sqlite3
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from pathlib import Path
from typing import Protocol
from uuid import UUID

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from psycopg import sql
from psycopg_pool import ConnectionPool

from hub.files import private_file
from hub.ports import DataKey

MasterLoader = Callable[[], tuple["MasterKey", tuple["MasterKey", ...]]]


class MasterKey(Protocol):
    key_id: str

    def wrap(self, data_key: bytes, aad: bytes) -> bytes: ...

    def unwrap(self, wrapped: bytes, aad: bytes) -> bytes: ...


class LocalMasterKey:
    """A 256-bit master key held locally (``HUB_HOME/keys/master.key``)."""

    def __init__(self, secret: bytes) -> None:
        self._aead = AESGCM(secret)
        self.key_id = "local:" + hashlib.sha256(b"master-key-id" + secret).hexdigest()[:12]

    def wrap(self, data_key: bytes, aad: bytes) -> bytes:
        nonce = os.urandom(12)
        return nonce + self._aead.encrypt(nonce, data_key, aad)

    def unwrap(self, wrapped: bytes, aad: bytes) -> bytes:
        return self._aead.decrypt(wrapped[:12], wrapped[12:], aad)


def _row(row: tuple[object, ...]) -> tuple[int, str, bytes | None]:
    """(version, master id, wrapped or None) from a database row of any driver."""
    version, master_id, wrapped = row
    blob = bytes(wrapped) if isinstance(wrapped, bytes | bytearray | memoryview) else None
    return int(str(version)), str(master_id), blob


def _live(rows: list[tuple[object, ...]]) -> list[tuple[UUID, int, str, bytes]]:
    live = []
    for holder, *rest in rows:
        version, master_id, wrapped = _row(tuple(rest))
        if wrapped is not None:
            live.append((UUID(str(holder)), version, master_id, wrapped))
    return live


def _aad(holder: UUID, version: int) -> bytes:
    return f"hub-data-key|{holder}|{version}".encode()


class DataKeyStore(ABC):
    """Wrapped data keys by holder. A destroyed key is gone for good; it is never re-created."""

    def __init__(self, master: MasterKey, older_masters: tuple[MasterKey, ...] = ()) -> None:
        self.master = master
        self._masters = {m.key_id: m for m in (master, *older_masters)}
        self._lock = threading.Lock()
        self.reload: MasterLoader | None = None

    def use_masters(self, master: MasterKey, older: tuple[MasterKey, ...]) -> None:
        """Adopt a rotated master key (new keys are wrapped by it), keeping the older ones."""
        self._masters = {m.key_id: m for m in (master, *older)}
        self.master = master

    # Storage, per backend ------------------------------------------------------------
    @abstractmethod
    def _read(self, holder: UUID) -> tuple[int, str, bytes | None] | None:
        """(version, master key id, wrapped key or None when destroyed), or None if none."""

    @abstractmethod
    def _insert(self, holder: UUID, version: int, master_id: str, wrapped: bytes) -> bool:
        """Store a new key unless the holder has one; False if one was there."""

    @abstractmethod
    def _destroy(self, holder: UUID) -> bool:
        """Overwrite the wrapped key; True if a live key was destroyed."""

    @abstractmethod
    def _rows(self) -> list[tuple[UUID, int, str, bytes]]:
        """Every live key: (holder, version, master id, wrapped)."""

    @abstractmethod
    def _replace(self, holder: UUID, master_id: str, wrapped: bytes) -> None: ...

    # The interface -------------------------------------------------------------------
    def get(self, holder: UUID) -> DataKey | None:
        """The holder's key, or None if they have none or it was destroyed."""
        row = self._read(holder)
        if row is None:
            return None
        version, master_id, wrapped = row
        if wrapped is None:
            return None
        master = self._masters.get(master_id)
        if master is None and self.reload is not None:  # rotated by another process
            self.use_masters(*self.reload())
            master = self._masters.get(master_id)
        if master is None:
            raise KeyError(f"data keys are wrapped by master key {master_id}, not loaded")
        return DataKey(holder, version, master.unwrap(wrapped, _aad(holder, version)))

    def get_or_create(self, holder: UUID) -> DataKey | None:
        """The holder's key, made now if they have none; None if it was destroyed."""
        key = self.get(holder)
        if key is not None or self.destroyed(holder):
            return key
        with self._lock:
            fresh = secrets.token_bytes(32)
            self._insert(holder, 1, self.master.key_id,
                         self.master.wrap(fresh, _aad(holder, 1)))
            return self.get(holder)

    def ensure(self, holders: list[UUID]) -> None:
        """Give every holder that has none a key, in one transaction where the store can."""
        missing = [h for h in dict.fromkeys(holders) if self._read(h) is None]
        if missing:
            with self._lock:
                self._insert_many([(h, 1, self.master.key_id,
                                    self.master.wrap(secrets.token_bytes(32), _aad(h, 1)))
                                   for h in missing])

    def _insert_many(self, rows: list[tuple[UUID, int, str, bytes]]) -> None:
        for row in rows:
            self._insert(*row)

    def destroyed(self, holder: UUID) -> bool:
        row = self._read(holder)
        return row is not None and row[2] is None

    def destroy(self, holder: UUID) -> bool:
        return self._destroy(holder)

    def close(self) -> None:
        """Release any connections held open (memory holds none)."""
        return

    def rewrap(self) -> int:
        """Wrap every live key under the current master key (master key rotation)."""
        count = 0
        for holder, version, master_id, wrapped in self._rows():
            if master_id == self.master.key_id:
                continue
            key = self._masters[master_id].unwrap(wrapped, _aad(holder, version))
            self._replace(holder, self.master.key_id,
                          self.master.wrap(key, _aad(holder, version)))
            count += 1
        return count


class MemoryDataKeys(DataKeyStore):
    def __init__(self, master: MasterKey, older_masters: tuple[MasterKey, ...] = ()) -> None:
        super().__init__(master, older_masters)
        self._keys: dict[UUID, tuple[int, str, bytes | None]] = {}

    def _read(self, holder: UUID) -> tuple[int, str, bytes | None] | None:
        return self._keys.get(holder)

    def _insert(self, holder: UUID, version: int, master_id: str, wrapped: bytes) -> bool:
        return self._keys.setdefault(holder, (version, master_id, wrapped))[2] == wrapped

    def _destroy(self, holder: UUID) -> bool:
        row = self._keys.get(holder)
        self._keys[holder] = (row[0] if row else 1, "", None)
        return row is not None and row[2] is not None

    def _rows(self) -> list[tuple[UUID, int, str, bytes]]:
        return [(h, v, m, w) for h, (v, m, w) in self._keys.items() if w is not None]

    def _replace(self, holder: UUID, master_id: str, wrapped: bytes) -> None:
        version = self._keys[holder][0]
        self._keys[holder] = (version, master_id, wrapped)


class SQLiteDataKeys(DataKeyStore):
    """Keys in their own SQLite file: secure_delete zeroes what is overwritten, and a rollback
    journal (not a WAL) leaves no old copy once a transaction ends."""

    def __init__(self, path: Path, master: MasterKey,
                 older_masters: tuple[MasterKey, ...] = ()) -> None:
        super().__init__(master, older_masters)
        self.path = path
        self._local = threading.local()  # one connection per thread, kept open
        self._opened: list[sqlite3.Connection] = []
        private_file(path)  # 0600, as its rollback journal then is
        self._run("CREATE TABLE IF NOT EXISTS data_keys (holder TEXT PRIMARY KEY, "
                  "version INTEGER NOT NULL, master_id TEXT NOT NULL, wrapped BLOB)")

    def _connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=10, isolation_level=None,
                                   check_same_thread=False)
            conn.execute("PRAGMA journal_mode=DELETE")
            conn.execute("PRAGMA secure_delete=ON")
            self._local.conn = conn
            with self._lock:
                self._opened.append(conn)
        return conn

    def _run(self, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
        return self._connection().execute(sql, params).fetchall()

    def close(self) -> None:
        with self._lock:
            for conn in self._opened:
                conn.close()
            self._opened.clear()
        self._local = threading.local()

    def _read(self, holder: UUID) -> tuple[int, str, bytes | None] | None:
        rows = self._run("SELECT version, master_id, wrapped FROM data_keys WHERE holder = ?",
                         (str(holder),))
        if not rows:
            return None
        return _row(rows[0])

    def _insert(self, holder: UUID, version: int, master_id: str, wrapped: bytes) -> bool:
        return bool(self._run(
            "INSERT INTO data_keys VALUES (?, ?, ?, ?) ON CONFLICT (holder) DO NOTHING "
            "RETURNING holder", (str(holder), version, master_id, wrapped)))

    def _insert_many(self, rows: list[tuple[UUID, int, str, bytes]]) -> None:
        conn = self._connection()
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.executemany("INSERT INTO data_keys VALUES (?, ?, ?, ?) "
                             "ON CONFLICT (holder) DO NOTHING",
                             [(str(h), v, m, w) for h, v, m, w in rows])
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def _destroy(self, holder: UUID) -> bool:
        destroyed = bool(self._run(
            "INSERT INTO data_keys VALUES (?, 1, '', NULL) ON CONFLICT (holder) DO UPDATE SET "
            "wrapped = NULL, master_id = '' WHERE data_keys.wrapped IS NOT NULL RETURNING holder",
            (str(holder),)))
        self._run("VACUUM")  # rewrite the file so no free page keeps the old bytes
        return destroyed

    def _rows(self) -> list[tuple[UUID, int, str, bytes]]:
        rows = self._run("SELECT holder, version, master_id, wrapped FROM data_keys "
                         "WHERE wrapped IS NOT NULL")
        return _live(rows)

    def _replace(self, holder: UUID, master_id: str, wrapped: bytes) -> None:
        self._run("UPDATE data_keys SET master_id = ?, wrapped = ? WHERE holder = ?",
                  (master_id, wrapped, str(holder)))


class PostgresDataKeys(DataKeyStore):
    """Keys in a table beside the event store's; erasure overwrites and vacuums the table.
    Keep this table out of long-lived backups (or use a separate database)."""

    def __init__(self, conninfo: str, schema: str, master: MasterKey,
                 older_masters: tuple[MasterKey, ...] = ()) -> None:
        super().__init__(master, older_masters)
        self._pool = ConnectionPool(conninfo, min_size=1, max_size=4, open=True,
                                    kwargs={"autocommit": True})
        self._table = sql.Identifier(schema, "hub_data_keys")
        self._run("CREATE TABLE IF NOT EXISTS {} (holder uuid PRIMARY KEY, "
                  "version integer NOT NULL, master_id text NOT NULL, wrapped bytea)")

    def _run(self, statement: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
        """Run a statement whose ``{}`` is this store's table (an identifier, never text)."""
        query = sql.SQL(statement).format(self._table)
        with self._pool.connection() as conn:
            cursor = conn.execute(query, params)
            return cursor.fetchall() if cursor.description else []

    def _insert_many(self, rows: list[tuple[UUID, int, str, bytes]]) -> None:
        query = sql.SQL("INSERT INTO {} VALUES (%s, %s, %s, %s) ON CONFLICT (holder) "
                        "DO NOTHING").format(self._table)
        with self._pool.connection() as conn, conn.transaction():
            conn.cursor().executemany(query, rows)

    def close(self) -> None:
        self._pool.close()

    def _read(self, holder: UUID) -> tuple[int, str, bytes | None] | None:
        rows = self._run("SELECT version, master_id, wrapped FROM {} "
                         "WHERE holder = %s", (holder,))
        if not rows:
            return None
        return _row(rows[0])

    def _insert(self, holder: UUID, version: int, master_id: str, wrapped: bytes) -> bool:
        return bool(self._run(
            "INSERT INTO {} VALUES (%s, %s, %s, %s) ON CONFLICT (holder) "
            "DO NOTHING RETURNING holder", (holder, version, master_id, wrapped)))

    def _destroy(self, holder: UUID) -> bool:
        destroyed = bool(self._run(
            "INSERT INTO {} AS k VALUES (%s, 1, '', NULL) ON CONFLICT (holder) DO "
            "UPDATE SET wrapped = NULL, master_id = '' WHERE k.wrapped IS NOT NULL "
            "RETURNING holder", (holder,)))
        self._run("VACUUM {}")  # drop the dead row version that held the key
        return destroyed

    def _rows(self) -> list[tuple[UUID, int, str, bytes]]:
        rows = self._run("SELECT holder, version, master_id, wrapped FROM {} "
                         "WHERE wrapped IS NOT NULL")
        return _live(rows)

    def _replace(self, holder: UUID, master_id: str, wrapped: bytes) -> None:
        self._run("UPDATE {} SET master_id = %s, wrapped = %s WHERE holder = %s",
                  (master_id, wrapped, holder))
