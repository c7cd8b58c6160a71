"""A simulated year (``hub simulate``'s engine, the Nottingham profile) on SQLite and on
PostgreSQL: events stored per second through the hub's services, against appending the same
stored events raw through the same store's recorder (the same bytes, in transactions of the
same average size); and the indicator projection's rebuild speed over the result.
"""

import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from datetime import time as clock_time
from pathlib import Path
from typing import Any

import psycopg
from eventsourcing.persistence import StoredEvent

from domain.timescales import LOCAL
from hub.bootstrap import bootstrap
from hub.progress import step
from hub.settings import Settings
from simulation import SimulatedClock, Simulation, Tally, load_profile

POSTGRES = "host=127.0.0.1 port=5432 user=postgres dbname=test"


@contextmanager
def _postgres() -> Iterator[str | None]:
    try:
        with psycopg.connect(POSTGRES, autocommit=True, connect_timeout=3) as conn:
            schema = "bench_" + uuid.uuid4().hex[:12]
            conn.execute(f'CREATE SCHEMA "{schema}"')
    except psycopg.Error as error:
        print(f"  PostgreSQL unreachable, skipped: {type(error).__name__}", file=sys.stderr)
        yield None
        return
    try:
        yield f"postgresql://postgres@127.0.0.1:5432/test?schema={schema}"
    finally:
        with psycopg.connect(POSTGRES, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def _progress(label: str) -> Any:
    def show(day: int, days: int, _tally: Tally) -> None:
        step(f"  {label}: day", day, days)  # a bar on a terminal, plain lines otherwise
    return show


def _one(label: str, url: str, home: Path, days: int, seed: int) -> dict[str, Any]:
    profile = load_profile("nottingham")
    clock = SimulatedClock(datetime.combine(profile.start, clock_time(0), LOCAL)
                           .astimezone(UTC))
    hub = bootstrap(Settings(store_url=url, home=home), clock)
    simulation = Simulation(hub, clock, profile, seed, _progress(label))
    simulation.setup()
    first = (hub.store.recorder.max_notification_id() or 0) + 1
    recorder = hub.store.recorder
    insert = recorder.insert_events
    writes = 0

    def counted(*args: Any, **kwargs: Any) -> Any:  # every transaction the hub commits
        nonlocal writes
        writes += 1
        return insert(*args, **kwargs)

    recorder.insert_events = counted  # type: ignore[method-assign]
    began = time.perf_counter()
    simulation.run(days)
    hub_seconds = time.perf_counter() - began
    recorder.insert_events = insert  # type: ignore[method-assign]
    stored = list(hub.store.recorder.select_notifications(start=first, limit=10**9))
    rebuilt = hub.indicators.rebuild()
    hub.close()

    # The baseline: the same stored events appended raw to an empty store of the same kind,
    # in as many transactions as the simulation committed.
    raw_home = home / "raw"
    raw = bootstrap(Settings(store_url=url.replace("?schema=", "?schema=raw_")
                             if "?schema=" in url else f"sqlite:///{raw_home}/raw.sqlite3",
                             home=raw_home))
    recorder = raw.store.recorder
    size = max(1, round(len(stored) / max(1, writes)))
    began = time.perf_counter()
    for start in range(0, len(stored), size):
        recorder.insert_events([StoredEvent(originator_id=uuid.uuid4(), originator_version=1,
                                            topic=s.topic, state=s.state)
                                for s in stored[start:start + size]])
    raw_seconds = time.perf_counter() - began
    raw.close()
    hub_rate = len(stored) / hub_seconds
    raw_rate = len(stored) / raw_seconds
    return {"store": label, "days": days, "events": len(stored), "transactions": writes,
            "hub_events_per_second": round(hub_rate), "raw_events_per_second": round(raw_rate),
            "ratio": round(hub_rate / raw_rate, 3),
            "rebuild_events_per_second": rebuilt["events_per_second"],
            "rebuild_events": rebuilt["events"]}


def run(days: int = 365, seed: int = 1) -> list[dict[str, Any]]:
    results = []
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        results.append(_one("SQLite", f"sqlite:///{home}/sim.sqlite3", home / "sqlite", days,
                            seed))
        with _postgres() as url:
            if url is not None:
                with psycopg.connect(POSTGRES, autocommit=True) as conn:
                    raw_schema = "raw_" + url.rsplit("=", 1)[1]
                    conn.execute(f'CREATE SCHEMA "{raw_schema}"')
                try:
                    results.append(_one("PostgreSQL", url, home / "postgres", days, seed))
                finally:
                    with psycopg.connect(POSTGRES, autocommit=True) as conn:
                        conn.execute(f'DROP SCHEMA "{raw_schema}" CASCADE')
    return results


def markdown(results: list[dict[str, Any]]) -> list[str]:
    days = results[0]["days"] if results else 0
    lines = [
        "## A simulated year: the hub's services against raw appends",
        "",
        f"{days} days of the Nottingham profile (`hub simulate`'s engine, seed 1): DA",
        "incidents and triage, Encompass notices read and acknowledged, missing episodes and",
        "interviews, contacts rated, researched and decided, consents, sharing decisions,",
        "partners' reads (each audited). Baseline: the same stored events appended raw",
        "through the same kind of store's recorder, in as many transactions as the",
        "simulation committed. Rebuild: the indicator projection from the first event.",
        "",
        "| store | events | transactions | hub events/s | raw events/s | hub / raw | "
        "rebuild events/s |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    lines += [f"| {r['store']} | {r['events']:,} | {r['transactions']:,} | "
              f"{r['hub_events_per_second']:,} | {r['raw_events_per_second']:,} | "
              f"{r['ratio']} | {r['rebuild_events_per_second']:,} |" for r in results]
    summary = "; ".join(f"{r['store']} {r['ratio']}" for r in results)
    lines += ["", f"**Simulated year, hub / raw appends: {summary}**", ""]
    return lines
