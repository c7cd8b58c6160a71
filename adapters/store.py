"""Where events are stored, chosen by ``HUB_STORE_URL``.

    memory://                               in-process only (tests, throwaway demos)
    sqlite:///var/hub.sqlite3               embedded, a relative path; sqlite:////abs/path
    postgresql://user[:pw]@host[:port]/db[?schema=name]

Both databases take ``?lock_timeout=SECONDS``: how long a write waits for a lock before the
store reports itself unavailable (default 10 s on SQLite, 5 s on PostgreSQL).

The result is the environment that configures an eventsourcing application.
"""

import sqlite3
from contextlib import closing
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo

from hub.files import private_file
from hub.ports import StoreUrlError

__all__ = ["POSTGRES_EVENTS_TABLE", "StoreUrlError", "holds_notifications", "postgres_location",
           "store_environment"]


def store_environment(url: str) -> dict[str, str]:
    """The eventsourcing settings for a store URL; SQLite's file (0600, and so are its -wal
    and -shm) and folder (0700) are created if missing."""
    if url == "memory://":
        return {"PERSISTENCE_MODULE": "eventsourcing.popo"}
    if url.startswith("sqlite:///"):
        path, _, query = url[len("sqlite:///"):].partition("?")
        if not path or path.startswith(":memory:"):
            raise StoreUrlError("HUB_STORE_URL: sqlite needs a file path (use memory:// instead)")
        if path.startswith("file:"):  # SQLite would open it as a URI: one file, two names
            raise StoreUrlError("HUB_STORE_URL: sqlite:///PATH takes a file path, not a "
                                "file: URI")
        private_file(Path(path))
        return {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": path,
            "SQLITE_LOCK_TIMEOUT": _lock_timeout(query, "10"),
        }
    parts = urlsplit(url)
    if parts.scheme in ("postgresql", "postgres"):
        dbname = parts.path.lstrip("/")
        if not dbname or not parts.hostname:
            raise StoreUrlError("HUB_STORE_URL: postgresql URL needs a host and a database")
        env = {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": unquote(dbname),
            "POSTGRES_HOST": parts.hostname,
            "POSTGRES_PORT": str(parts.port or 5432),
            "POSTGRES_USER": unquote(parts.username or "postgres"),
            "POSTGRES_PASSWORD": unquote(parts.password or ""),
            "POSTGRES_CONNECT_TIMEOUT": "5",
            "POSTGRES_POOL_SIZE": "5",
            "POSTGRES_MAX_OVERFLOW": "10",
            "POSTGRES_LOCK_TIMEOUT": _lock_timeout(parts.query, "5"),
        }
        schema = parse_qs(parts.query).get("schema")
        if schema:
            env["POSTGRES_SCHEMA"] = schema[0]
        return env
    raise StoreUrlError(
        "HUB_STORE_URL must be memory://, sqlite:///PATH or postgresql://USER@HOST:PORT/DB"
    )


def _lock_timeout(query: str, default: str) -> str:
    values = parse_qs(query).get("lock_timeout")
    if not values:
        return default
    if not values[0].isdigit() or not 1 <= int(values[0]) <= 600:
        raise StoreUrlError("HUB_STORE_URL: lock_timeout must be whole seconds from 1 to 600")
    return values[0]


def postgres_location(url: str) -> tuple[str, str] | None:
    """(libpq conninfo, schema) for a PostgreSQL store URL; None for other stores."""
    env = store_environment(url) if url.startswith(("postgres://", "postgresql://")) else None
    if env is None:
        return None
    # Quoted by libpq's rules: a database name or password holding "host=..." stays a value.
    conninfo = make_conninfo(host=env["POSTGRES_HOST"], port=env["POSTGRES_PORT"],
                             dbname=env["POSTGRES_DBNAME"], user=env["POSTGRES_USER"],
                             password=env["POSTGRES_PASSWORD"] or None)
    return conninfo, env.get("POSTGRES_SCHEMA", "public")


NOTIFICATION_TOPIC = "domain.notifications:Notification.Received"
# eventsourcing names the events table after the application ("hub") on PostgreSQL, and
# "stored_events" on SQLite.
POSTGRES_EVENTS_TABLE = "hub_events"


def holds_notifications(url: str) -> bool:
    """Whether the store at ``url`` already holds a notification, read without writing
    anything (no file, table, key or policy is created): ``hub simulate`` asks first."""
    if url == "memory://":
        return False
    if url.startswith("sqlite:///"):
        path = Path(url[len("sqlite:///"):].partition("?")[0])
        if not path.exists():
            return False
        # Without a write-ahead log beside it the file is whole: open it immutable, so not
        # even the -wal and -shm files are made; with one, read through it.
        wal = path.with_name(path.name + "-wal").exists()
        mode = "mode=ro" if wal else "mode=ro&immutable=1"
        with closing(sqlite3.connect(f"file:{path}?{mode}", uri=True)) as db:
            if not db.execute("SELECT 1 FROM sqlite_master WHERE name='stored_events'"
                              ).fetchone():
                return False
            return db.execute("SELECT 1 FROM stored_events WHERE topic = ? LIMIT 1",
                              (NOTIFICATION_TOPIC,)).fetchone() is not None
    location = postgres_location(url)
    if location is None:
        raise StoreUrlError("HUB_STORE_URL must be memory://, sqlite:///PATH or postgresql://")
    conninfo, schema = location
    with psycopg.connect(conninfo, connect_timeout=5) as db:
        table = db.execute("SELECT to_regclass(%s)",
                           (f"{schema}.{POSTGRES_EVENTS_TABLE}",)).fetchone()
        if table is None or table[0] is None:
            return False
        found = db.execute(
            sql.SQL("SELECT 1 FROM {}.{} WHERE topic = %s LIMIT 1").format(
                sql.Identifier(schema), sql.Identifier(POSTGRES_EVENTS_TABLE)),
            (NOTIFICATION_TOPIC,)).fetchone()
        return found is not None
