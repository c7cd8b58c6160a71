"""No audit, no disclosure: when the trail cannot be written, nothing is returned.

The failure is real: another connection holds the database's write lock, so the hub's
audit append times out, while reads of the data itself would still succeed.
"""

import sqlite3
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import psycopg
import pytest

from domain.access import Purpose
from hub.bootstrap import bootstrap
from hub.disclosure import ReadContext
from hub.errors import AuditUnavailable
from hub.settings import Settings
from tests.support import POSTGRES, notification, postgres_schema, seed, submit


@contextmanager
def sqlite_write_lock(path: Path) -> Iterator[None]:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN EXCLUSIVE")
    try:
        yield
    finally:
        conn.execute("ROLLBACK")
        conn.close()


@contextmanager
def postgres_write_lock(schema: str) -> Iterator[None]:
    with psycopg.connect(POSTGRES) as conn:
        conn.execute(f'LOCK TABLE "{schema}".hub_events IN EXCLUSIVE MODE')
        yield
        conn.rollback()


def check_no_data_without_audit(store_url: str, home: Path,
                                lock: AbstractContextManager[None]) -> None:
    hub = bootstrap(Settings(store_url=store_url, home=home))
    try:
        tokens = seed(hub)
        receipt = submit(hub, "notts-police", notification())
        reader = ReadContext(hub.registry.authenticate(tokens["city-mash"]), Purpose.TRIAGE, None)
        size = hub.audit.size()
        with lock, pytest.raises(AuditUnavailable):
            hub.disclosure.chronology(reader, receipt.child_ids[0])
        assert hub.audit.size() == size
        # Once the store is writable again, the same read is audited and answered.
        assert hub.disclosure.chronology(reader, receipt.child_ids[0])["items"]
        assert hub.audit.size() == size + 1
    finally:
        hub.close()


def test_sqlite_locked_means_no_data(tmp_path: Path) -> None:
    db = tmp_path / "hub.sqlite3"
    url = f"sqlite:///{db}?lock_timeout=1"
    check_no_data_without_audit(url, tmp_path, sqlite_write_lock(db))


@pytest.mark.postgres
def test_postgres_locked_means_no_data(tmp_path: Path) -> None:
    with postgres_schema() as url:
        schema = url.rsplit("schema=", 1)[1]
        check_no_data_without_audit(url.replace("?", "?lock_timeout=1&"), tmp_path,
                                    postgres_write_lock(schema))
