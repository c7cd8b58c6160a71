"""The cost of per-person encryption: ingest and chronology reads, sealed against plain JSON.

Two hubs on SQLite, wired by ``bootstrap`` in the same way, differ only in how a ``Personal``
is written to an event: the normal hub seals it (AES-256-GCM under the holder's data key,
from a SQLite key store); the baseline writes ``{"h", "f", "v"}`` in the clear, the form
``PersonalCipher.open`` reads as "written before encryption existed". The same notifications
(as in the ingest benchmark) go through ``NotificationIntake.submit`` in the same order; then
a MASH worker reads every child's chronology (purpose triage; each read also writes its audit
entry, on both paths). Passes alternate encrypted and plain, each on a fresh store; the best
of each is kept. A stored event is checked to hold plaintext in the baseline and not in the
normal hub, or the run fails.
"""

import json
import random
import sqlite3
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any
from unittest import mock
from uuid import UUID

from eventsourcing.persistence import JSONTranscoder, Transcoding

import hub.bootstrap
from bench.ingest import _body, _progress
from domain.access import Purpose
from domain.personal import Personal
from hub.bootstrap import Hub, bootstrap
from hub.disclosure import ReadContext
from hub.settings import Settings
from hub.shapes import parse_notification
from hub.store import HubStore

# Free text every notification carries (a Personal value): in the clear only in the baseline.
MARKER = b"Argument escalated"


class PlainPersonal(Transcoding):
    """A ``Personal`` written as plain JSON, under the same transcoding name."""

    type = Personal
    name = "personal"

    def encode(self, obj: Personal) -> dict[str, Any]:
        return {"h": str(obj.holder), "f": obj.field, "v": obj.value}

    def decode(self, data: dict[str, Any]) -> Personal:
        return Personal(UUID(data["h"]), data["f"], data["v"])


class PlainStore(HubStore):
    """The hub's store with personal values unsealed: the baseline, for this benchmark only."""

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(PlainPersonal())  # replaces SealedPersonal (same type and name)


def _hub(home: Path, plain: bool) -> Hub:
    settings = Settings(store_url=f"sqlite:///{home}/hub.sqlite3", home=home)
    if not plain:
        return bootstrap(settings)
    with mock.patch.object(hub.bootstrap, "HubStore", PlainStore):
        return bootstrap(settings)


def _check(h: Hub, first_event: int, plain: bool) -> None:
    stored = [s.state for s in h.store.recorder.select_notifications(start=first_event, limit=50)]
    if not isinstance(h.store, PlainStore if plain else HubStore) or not stored:
        raise SystemExit("bench: encryption: the hub under test is not the one intended")
    clear = any(MARKER in state for state in stored)
    sealed = any(b'"c":' in state for state in stored)
    if (clear, sealed) != (plain, not plain):
        raise SystemExit(f"bench: encryption: the {'plain' if plain else 'encrypted'} hub "
                         f"stored plaintext={clear}, ciphertext={sealed}; not what it should")


def _data_keys(h: Hub) -> int:
    path = h.keys.folder / "data-keys.sqlite3"
    if not path.exists():
        return 0
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("SELECT count(*) FROM data_keys").fetchone()[0])
    finally:
        conn.close()


def _pass(bodies: list[bytes], plain: bool) -> dict[str, Any]:
    label = "plain" if plain else "encrypted"
    with tempfile.TemporaryDirectory() as folder:
        h = _hub(Path(folder), plain)
        try:
            h.registry.register_agency("notts-police", "police", "Nottinghamshire Police")
            h.registry.register_agency("city-mash", "mash", "Children and Families Direct")
            _, token = h.registry.register_user("city-mash", "mash-worker", "Staff")
            first_event = (h.store.recorder.max_notification_id() or 0) + 1
            children: dict[UUID, None] = {}
            began = time.perf_counter()
            for i, body in enumerate(bodies, 1):
                receipt = h.intake.submit("notts-police", "bench", parse_notification(body))
                children.update(dict.fromkeys(receipt.child_ids))
                _progress(f"{label} ingest", i, len(bodies))
            ingest_seconds = time.perf_counter() - began
            _check(h, first_event, plain)

            ctx = ReadContext(h.registry.authenticate(token), Purpose.TRIAGE, None)
            items = 0
            began = time.perf_counter()
            for i, child_id in enumerate(children, 1):
                items += len(h.disclosure.chronology(ctx, child_id)["items"])
                _progress(f"{label} reads", i, len(children))
            read_seconds = time.perf_counter() - began
            return {"ingest": len(bodies) / ingest_seconds,
                    "read": len(children) / read_seconds,
                    "children": len(children), "items": items, "keys": _data_keys(h)}
        finally:
            h.close()


def run(count: int = 1000, passes: int = 2, seed: int = 11) -> dict[str, Any]:
    rng = random.Random(seed)
    bodies = [json.dumps(_body(rng, i)).encode() for i in range(count)]
    results: dict[bool, list[dict[str, Any]]] = {False: [], True: []}
    for _ in range(passes):
        for plain in (False, True):
            results[plain].append(_pass(bodies, plain))
    enc, pln = results[False], results[True]
    if {(r["children"], r["items"]) for r in enc + pln} != {(enc[0]["children"], enc[0]["items"])}:
        raise SystemExit("bench: encryption: the two paths did not hold the same records")
    best = {name: {plain: max(r[name] for r in results[plain]) for plain in (False, True)}
            for name in ("ingest", "read")}
    return {
        "notifications": count,
        "children": enc[0]["children"],
        "chronology_items": enc[0]["items"],
        "passes": passes,
        "data_keys_encrypted": enc[0]["keys"],
        "data_keys_plain": pln[0]["keys"],
        "ingest_encrypted_per_second": round(best["ingest"][False], 1),
        "ingest_plain_per_second": round(best["ingest"][True], 1),
        "ingest_ratio": round(best["ingest"][False] / best["ingest"][True], 3),
        "read_encrypted_per_second": round(best["read"][False], 1),
        "read_plain_per_second": round(best["read"][True], 1),
        "read_ratio": round(best["read"][False] / best["read"][True], 3),
    }


def markdown(r: dict[str, Any]) -> list[str]:
    """The BENCHMARKS.md section for a result of ``run``."""
    prose = (
        f"{r['notifications']:,} notifications (three subjects and free text each, as in the "
        "ingest benchmark) through `NotificationIntake.submit`, then one chronology read "
        f"(`Disclosure.chronology`, a MASH worker, purpose triage, audited) for each of the "
        f"{r['children']:,} children ({r['chronology_items']:,} items in all), on SQLite. "
        "Encrypted: the normal hub, every `Personal` sealed with AES-256-GCM under its "
        "holder's data key (SQLite key store). Plain: the same hub with `Personal` written as "
        "plain JSON. Same data, same order; passes alternate, each on a fresh store; best of "
        f"{r['passes']} each. Stored events were checked to hold the free text in the clear "
        "only in the plain hub."
    )
    return [
        "## Per-person encryption on SQLite",
        "",
        *textwrap.wrap(prose, 88),
        "",
        "| measure | encrypted | plain | encrypted / plain |",
        "| --- | --- | --- | --- |",
        f"| notifications ingested/s | {r['ingest_encrypted_per_second']:,} "
        f"| {r['ingest_plain_per_second']:,} | {r['ingest_ratio']} |",
        f"| chronology reads/s | {r['read_encrypted_per_second']:,} "
        f"| {r['read_plain_per_second']:,} | {r['read_ratio']} |",
        f"| data keys created | {r['data_keys_encrypted']:,} | {r['data_keys_plain']:,} | |",
        "",
        f"**Ingest, encrypted / plain: {r['ingest_ratio']}; chronology reads, encrypted / "
        f"plain: {r['read_ratio']}**",
        "",
    ]

