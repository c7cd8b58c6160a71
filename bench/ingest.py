"""Notifications ingested per second through the application on SQLite, against raw inserts.

The baseline writes, per notification, the same number of rows with the same bytes that
the hub stored for it, into a plain SQLite table in WAL mode, one transaction each: what the
disk and SQLite cost alone. The ratio is what the hub's own work (validation, linking,
indexes, event mapping) costs on top.
"""

import json
import random
import sqlite3
import tempfile
import time
from pathlib import Path
from typing import Any

from hub.bootstrap import bootstrap
from hub.progress import step
from hub.settings import Settings
from hub.shapes import parse_notification

GIVEN = ["Amy", "Kyle", "Mia", "Noah", "Leah", "Jayden", "Ruby", "Tyler", "Ella", "Mason"]
FAMILY = ["Hart", "Moss", "Khan", "Smith", "Walker", "Patel", "Brown", "Evans", "Wood", "Hall"]


def _body(rng: random.Random, i: int) -> dict[str, Any]:
    # One child in five recurs, so linking finds existing records as it does in a city.
    who = rng.randrange(200) if rng.random() < 0.2 else 10_000 + i
    year = 2009 + who % 16
    child = {"role": "child", "given_name": GIVEN[who % 10], "family_name": FAMILY[who // 10 % 10],
             "date_of_birth": f"{year}-{1 + who % 12:02d}-{1 + who % 28:02d}",
             "postcode": f"NG{1 + who % 9} {who % 10}AB", "present": True}
    return {
        "type": "domestic_abuse_incident", "source_ref": f"BENCH-{i}",
        "occurred_at": "2026-11-20T22:15:00Z",
        "subjects": [child,
                     {"role": "adult_victim", "given_name": "Jo", "family_name": "Hart",
                      "date_of_birth": "1990-01-09"},
                     {"role": "perpetrator", "given_name": "Lee", "family_name": "Kerr"}],
        "details": {"summary": "Argument escalated; neighbour called police. " * 3,
                    "location": "Home address", "dash": {"yes_count": rng.randrange(25)},
                    "welfare_check": True},
    }


def _progress(label: str, done: int, total: int) -> None:
    step(f"  {label}:", done, total)  # a bar on a terminal, plain lines otherwise


def run(count: int = 2000, seed: int = 7) -> dict[str, Any]:
    rng = random.Random(seed)
    bodies = [json.dumps(_body(rng, i)).encode() for i in range(count)]
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        hub = bootstrap(Settings(store_url=f"sqlite:///{home}/hub.sqlite3", home=home))
        hub.registry.register_agency("notts-police", "police", "Nottinghamshire Police")
        first_event = (hub.store.recorder.max_notification_id() or 0) + 1
        began = time.perf_counter()
        for i, body in enumerate(bodies, 1):
            hub.intake.submit("notts-police", "bench", parse_notification(body))
            _progress("hub ingest", i, count)
        hub_seconds = time.perf_counter() - began
        stored = list(hub.store.recorder.select_notifications(start=first_event, limit=10**9))
        hub.close()

        rows_per_notification = len(stored) / count
        per_batch = _batches([s.state for s in stored], count)
        raw = sqlite3.connect(home / "raw.sqlite3", isolation_level=None)
        raw.execute("PRAGMA journal_mode=WAL")
        raw.execute("CREATE TABLE rows (id INTEGER PRIMARY KEY, key TEXT, body BLOB)")
        began = time.perf_counter()
        for i, batch in enumerate(per_batch, 1):
            raw.execute("BEGIN")
            raw.executemany("INSERT INTO rows (key, body) VALUES (?, ?)",
                            [(f"{i}-{j}", body) for j, body in enumerate(batch)])
            raw.execute("COMMIT")
            _progress("raw inserts", i, count)
        raw_seconds = time.perf_counter() - began
        raw.close()

    hub_rate = count / hub_seconds
    raw_rate = count / raw_seconds
    return {
        "notifications": count,
        "events_per_notification": round(rows_per_notification, 2),
        "bytes_per_notification": round(sum(len(s.state) for s in stored) / count),
        "hub_per_second": round(hub_rate, 1),
        "raw_per_second": round(raw_rate, 1),
        "ratio": round(hub_rate / raw_rate, 3),
    }


def _batches(states: list[bytes], count: int) -> list[list[bytes]]:
    """Split the stored rows into ``count`` transactions of (nearly) equal size."""
    size, extra = divmod(len(states), count)
    batches, start = [], 0
    for i in range(count):
        end = start + size + (1 if i < extra else 0)
        batches.append(states[start:end])
        start = end
    return batches
