"""What ``GET /metrics`` answers: the HTTP metrics of every worker, their processes, and gauges
of where the work stands, computed when scraped. No personal data: labels are route
templates, queue names and process ids.

Several workers (``hub serve --workers N``) share their counters through prometheus_client's
multiprocess mode: ``hub serve`` makes a fresh directory for it (0700) and names it in
``PROMETHEUS_MULTIPROC_DIR`` before any worker starts; whichever worker answers a scrape reads
every worker's files, so one scrape counts every request. The multiprocess collector has no
process metrics, so ``WorkerProcesses`` reads ``/proc`` for each live worker, labelled by pid.

The gauges (``HubGauges``) come from the in-memory work index (ids, deadlines, states) and two
store look-ups; they load no aggregate. The index reads each new event it follows once, as the
queues do (decoding an event opens its sealed values, which the index does not keep). They are
computed in a thread of their own under a timeout: a scrape never waits longer, and says so
(``hub_gauges_up 0``).
"""

import glob
import logging
import os
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Gauge
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from prometheus_client.process_collector import ProcessCollector
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from hub.bootstrap import Hub

log = logging.getLogger("hub.metrics")
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
RELAY_POSITION = "relay/hub.events.v1"  # adapters.kafka_relay.POSITION
_WORKER_FILE = re.compile(r"gauge_livesum_(\d+)\.db$")


def multiprocess_dir() -> Path | None:
    """The multiprocess directory this process writes its metrics to, if any."""
    raw = os.environ.get(MULTIPROC_ENV)
    return Path(raw) if raw else None


def prepare_multiprocess_dir(given: str | None) -> tuple[Path, bool]:
    """The directory for ``hub serve``'s workers' metrics, emptied of earlier runs' files:
    ``given`` (an operator's PROMETHEUS_MULTIPROC_DIR, made 0700 if it is new), else a fresh
    private one. Returns it and whether it is ours to remove at the end."""
    if given:
        path = Path(given)
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        for stale in glob.glob(str(path / "*.db")):  # only prometheus_client's files
            os.remove(stale)
        return path, False
    return Path(tempfile.mkdtemp(prefix="hub-metrics-")), True  # 0700, empty


def remove_multiprocess_dir(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class WorkerProcesses(Collector):
    """``process_*`` metrics (CPU, memory, open files, start time) of each live worker, with a
    ``pid`` label; a worker that died is marked dead (its live gauges leave the sums)."""

    def __init__(self, directory: Path | None) -> None:
        self._directory = directory

    def pids(self) -> list[int]:
        if self._directory is None:
            return [os.getpid()]
        live = []
        for name in sorted(os.listdir(self._directory)):
            found = _WORKER_FILE.match(name)
            if found is None:
                continue
            pid = int(found.group(1))
            if _alive(pid):
                live.append(pid)
            else:
                mark_process_dead(pid, str(self._directory))  # type: ignore[no-untyped-call]
        return live

    def describe(self) -> Iterable[Metric]:
        return []

    def collect(self) -> Iterable[Metric]:
        merged: dict[str, Metric] = {}
        for pid in self.pids():
            reader = ProcessCollector(pid=_fixed(pid), registry=None)
            for family in reader.collect():
                into = merged.get(family.name)
                if into is None:
                    into = merged[family.name] = Metric(family.name, family.documentation,
                                                        family.type)
                for sample in family.samples:
                    into.add_sample(sample.name, {**sample.labels, "pid": str(pid)},
                                    sample.value)
        return list(merged.values())


def _fixed(pid: int) -> Callable[[], int]:
    return lambda: pid


class _Forward(Collector):
    """The metrics of another registry (a single process's own counters)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self._registry = registry

    def describe(self) -> Iterable[Metric]:
        return []

    def collect(self) -> Iterable[Metric]:
        return self._registry.collect()


class _EveryWorker(Collector):
    """Every worker's metrics from the multiprocess directory, once the dead are marked (so
    ``hub_http_workers`` counts only the living)."""

    def __init__(self, directory: Path, workers: WorkerProcesses) -> None:
        path = str(directory)
        self._reader = MultiProcessCollector(None, path=path)  # type: ignore[no-untyped-call]
        self._workers = workers

    def describe(self) -> Iterable[Metric]:
        return []

    def collect(self) -> Iterable[Metric]:
        self._workers.pids()  # marks any dead worker
        found: Iterable[Metric] = self._reader.collect()  # type: ignore[no-untyped-call]
        return found


@dataclass(frozen=True)
class Snapshot:
    """The gauges' values at one instant."""

    depths: dict[str, int]
    breaches: dict[str, int]
    oldest_notice_seconds: float
    checkpoint_age_seconds: float | None
    relay_lag: int


QUEUES = ("dart-triage", "encompass", "mash", "missing", "marac-actions")


def snapshot(hub: "Hub") -> Snapshot:
    """Where the work stands, from the work index (ids, deadlines and states only) and the
    store's positions: no aggregate is loaded."""
    work = hub.work
    work.catch_up()
    now = hub.clock()
    cases = list(work.cases.values())
    notices = [n for n in list(work.notices.values())
               if not n.acknowledged and not n.withdrawn]
    open_contacts = [i for i, state in list(work.contacts.items()) if state == "open"]
    clocks = [work.contact_clocks[i] for i in open_contacts if i in work.contact_clocks]
    episodes = list(work.episodes.values())
    actions = [a for a in list(work.marac_actions.values()) if not a.done]
    depths = {"dart-triage": sum(1 for c in cases if not c.triaged),
              "encompass": len(notices),
              "mash": len(open_contacts),
              "missing": sum(1 for e in episodes if e.active) + len(work.unreconciled),
              "marac-actions": len(actions)}
    breaches = {
        "dart-triage": sum(1 for c in cases if not c.triaged and now > c.due),
        "encompass": sum(1 for n in notices if now > n.due),
        "mash": sum(1 for c in clocks if (not c.acknowledged and now > c.acknowledge_due)
                    or now > c.decision_due),
        "missing": sum(1 for e in episodes if not e.open and e.interview_due is not None
                       and not e.settled and now > e.interview_due),
        "marac-actions": sum(1 for a in actions if now > a.due)}
    issued = [n.issued_at for n in notices if n.issued_at is not None]
    oldest = max(0.0, (now - min(issued)).total_seconds()) if issued else 0.0
    latest = hub.checkpoints.latest()
    age = max(0.0, (now - latest.timestamp).total_seconds()) if latest else None
    end = hub.log.end()
    relayed = hub.store.position(RELAY_POSITION)
    return Snapshot(depths, breaches, oldest, age, max(0, end - relayed))


def families(values: Snapshot) -> list[Metric]:
    depth = GaugeMetricFamily("hub_queue_depth", "Items waiting in each work queue",
                              labels=["queue"])
    late = GaugeMetricFamily("hub_queue_breaches", "Items in each work queue past their "
                             "deadline", labels=["queue"])
    for queue in QUEUES:
        depth.add_metric([queue], values.depths[queue])
        late.add_metric([queue], values.breaches[queue])
    found: list[Metric] = [depth, late,
             GaugeMetricFamily("hub_encompass_oldest_unacknowledged_seconds",
                               "Age of the oldest unacknowledged Encompass notice (0: none)",
                               value=values.oldest_notice_seconds),
             GaugeMetricFamily("hub_relay_lag", "Store events not yet relayed to Kafka",
                               value=values.relay_lag)]
    if values.checkpoint_age_seconds is not None:
        found.append(GaugeMetricFamily("hub_audit_checkpoint_age_seconds",
                                       "Seconds since the latest signed audit checkpoint",
                                       value=values.checkpoint_age_seconds))
    return found


class HubGauges(Collector):
    """The domain gauges, computed at scrape time under ``timeout`` seconds, at most one
    computation at a time, and reused for ``fresh_for`` seconds. A computation that overruns
    goes on in its own thread; the scrape answers ``hub_gauges_up 0`` without the gauges, and
    a later scrape takes its result."""

    def __init__(self, compute: Callable[[], list[Metric]], timeout: float = 2.0,
                 fresh_for: float = 5.0) -> None:
        self._compute = compute
        self._timeout = timeout
        self._fresh_for = fresh_for
        self._lock = threading.Lock()
        self._running: Future[list[Metric]] | None = None
        self._last: tuple[float, list[Metric]] | None = None

    def describe(self) -> Iterable[Metric]:
        return []

    def _start(self) -> Future[list[Metric]]:
        future: Future[list[Metric]] = Future()

        def run() -> None:
            try:
                future.set_result(self._compute())
            except BaseException as error:
                future.set_exception(error)

        threading.Thread(target=run, name="hub-gauges", daemon=True).start()
        return future

    def _values(self) -> list[Metric] | None:
        with self._lock:
            now = time.monotonic()
            if self._last is not None and now - self._last[0] < self._fresh_for:
                return self._last[1]
            if self._running is None:
                self._running = self._start()
            try:
                found = self._running.result(timeout=self._timeout)
            except FutureTimeout:
                log.warning("the gauges took longer than %.1f s; answered without them",
                            self._timeout)
                return None
            except Exception as error:
                self._running = None
                log.warning("the gauges could not be computed (%s)", type(error).__name__)
                return None
            self._running = None
            self._last = (time.monotonic(), found)
            return found

    def collect(self) -> Iterator[Metric]:
        found = self._values()
        yield GaugeMetricFamily("hub_gauges_up", "1 if the domain gauges were computed in "
                                "time for this scrape", value=0 if found is None else 1)
        yield from found or []


_WORKERS: list[Gauge] = []


def live_worker() -> None:
    """Count this process among the live workers (``hub_http_workers``), in multiprocess
    mode; the gauge of a worker that dies is dropped at the next scrape."""
    if multiprocess_dir() is None or _WORKERS:
        return
    gauge = Gauge("hub_http_workers", "Live hub serve worker processes", registry=None,
                  multiprocess_mode="livesum")
    gauge.set(1)
    _WORKERS.append(gauge)


def exposition(own: CollectorRegistry, hub: "Hub | None") -> CollectorRegistry:
    """The registry ``/metrics`` answers from. ``own`` holds this process's HTTP metrics;
    with several workers, every worker's come from the multiprocess directory instead."""
    registry = CollectorRegistry()
    directory = multiprocess_dir()
    workers = WorkerProcesses(directory)
    if directory is not None:
        registry.register(_EveryWorker(directory, workers))
    else:
        registry.register(_Forward(own))
    registry.register(workers)
    if hub is not None:
        registry.register(HubGauges(lambda: families(snapshot(hub))))
    return registry
