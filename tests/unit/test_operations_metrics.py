"""The operators' gauges on a small known hub, the scrape's timeout, the request id, and the
trouble lines said at most once a minute."""

import logging
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from eventsourcing.persistence import Tracking
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric

from hub.api.middleware import request_id
from hub.bootstrap import Hub, bootstrap
from hub.metrics import RELAY_POSITION, HubGauges, exposition, families, snapshot
from hub.retrying import Stopped, Trouble, call
from hub.settings import Settings
from tests.support import Clock, child, notification, seed, submit

MONDAY = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)  # before the school day
DAY = 86_400.0


@pytest.fixture
def clock() -> Clock:
    return Clock(MONDAY)


@pytest.fixture
def hub(tmp_path: Path, clock: Clock) -> Iterator[Hub]:
    the_hub = bootstrap(Settings(store_url="memory://", home=tmp_path / "home"), clock)
    seed(the_hub)
    yield the_hub
    the_hub.close()


def known_work(hub: Hub) -> None:
    """One DA incident (a DART case and an Encompass notice to the school), one school
    concern (a MASH contact) and one child reported missing, all received now."""
    submit(hub, "notts-police", notification("DA-1", occurred_at="2026-11-23T05:00:00Z"))
    submit(hub, "riverside-primary", notification(
        "SC-1", type_="school_concern", occurred_at="2026-11-23T06:30:00Z",
        subjects=[child("Tia", "Moss", "2015-03-03", postcode="NG5 1AB")],
        summary="Tia came in hungry again."))
    body = notification("MISS-1", type_="missing", occurred_at="2026-11-23T06:45:00Z",
                        subjects=[child("Sam", "Lowe", "2011-05-05", postcode="NG7 2AA")],
                        summary="Left the children's home.")
    body["details"]["episode"] = {"type": "missing", "left_at": "2026-11-23T04:00:00Z",
                                  "last_seen_at": "2026-11-23T04:30:00Z"}
    submit(hub, "notts-police", body)


def test_the_gauges_on_a_small_known_hub(hub: Hub, clock: Clock) -> None:
    empty = snapshot(hub)
    assert empty.depths == {"dart-triage": 0, "encompass": 0, "mash": 0, "missing": 0,
                            "marac-actions": 0}
    assert empty.oldest_notice_seconds == 0.0
    assert empty.checkpoint_age_seconds is None  # nothing signed yet: the gauge is absent

    known_work(hub)
    now = snapshot(hub)
    assert now.depths == {"dart-triage": 1, "encompass": 1, "mash": 1, "missing": 1,
                          "marac-actions": 0}
    assert now.breaches == {"dart-triage": 0, "encompass": 0, "mash": 0, "missing": 0,
                            "marac-actions": 0}
    assert now.relay_lag == hub.store.recorder.max_notification_id()  # never relayed

    clock.advance(hours=1)
    found = notification("FOUND-1", type_="found", occurred_at="2026-11-23T07:30:00Z",
                         subjects=[child("Sam", "Lowe", "2011-05-05", postcode="NG7 2AA")],
                         summary="Found at a friend's house.")
    found["details"]["episode"] = {"ended": "found"}
    submit(hub, "notts-police", found)  # the return home interview falls due in 72 hours
    hub.checkpoints.checkpoint(force=True)
    clock.advance(days=10)  # every clock has run out; nothing was done
    late = snapshot(hub)
    assert late.depths == now.depths
    assert late.breaches == {"dart-triage": 1, "encompass": 1, "mash": 1, "missing": 1,
                             "marac-actions": 0}
    assert late.oldest_notice_seconds == 10 * DAY + 3600
    assert late.checkpoint_age_seconds == 10 * DAY

    end = hub.store.recorder.max_notification_id() or 0
    hub.store.tracker.insert_tracking(Tracking(RELAY_POSITION, end - 2))
    assert snapshot(hub).relay_lag == 2

    text = generate_latest(exposition(CollectorRegistry(), hub)).decode()
    assert 'hub_queue_depth{queue="dart-triage"} 1.0' in text
    assert 'hub_queue_breaches{queue="mash"} 1.0' in text
    assert f"hub_encompass_oldest_unacknowledged_seconds {10 * DAY + 3600}" in text
    assert "hub_relay_lag 2.0" in text
    assert "hub_audit_checkpoint_age_seconds" in text
    assert "hub_gauges_up 1.0" in text
    assert 'process_resident_memory_bytes{pid="' in text
    for personal in ("Tia", "Moss", "Sam", "Lowe", "Amy", "Hart", "2015-03-03", "NG5"):
        assert personal not in text


def test_a_slow_computation_never_holds_up_the_scrape() -> None:
    release = threading.Event()

    def slow() -> list[Metric]:
        release.wait(10)
        return [GaugeMetricFamily("hub_queue_depth", "depth", value=7)]

    registry = CollectorRegistry()
    registry.register(HubGauges(slow, timeout=0.2))
    began = time.monotonic()
    text = generate_latest(registry).decode()
    assert time.monotonic() - began < 2
    assert "hub_gauges_up 0.0" in text
    assert "hub_queue_depth" not in text
    release.set()  # the computation finishes; the next scrape takes its result
    time.sleep(0.1)
    text = generate_latest(registry).decode()
    assert "hub_gauges_up 1.0" in text
    assert "hub_queue_depth 7.0" in text


def test_a_failing_computation_is_said_and_answered_without_the_gauges(
        caplog: pytest.LogCaptureFixture) -> None:
    def broken() -> list[Metric]:
        raise RuntimeError("Amy Hart")  # a message is never logged: it may be personal

    registry = CollectorRegistry()
    registry.register(HubGauges(broken))
    caplog.set_level(logging.WARNING, logger="hub.metrics")
    assert "hub_gauges_up 0.0" in generate_latest(registry).decode()
    assert "RuntimeError" in caplog.text
    assert "Amy" not in caplog.text


def test_the_gauges_render_without_a_checkpoint(hub: Hub) -> None:
    names = {family.name for family in families(snapshot(hub))}
    assert "hub_audit_checkpoint_age_seconds" not in names
    assert {"hub_queue_depth", "hub_queue_breaches", "hub_relay_lag",
            "hub_encompass_oldest_unacknowledged_seconds"} <= names


@pytest.mark.parametrize(("given", "kept"), [
    (b"0af7651916cd43dd", True),  # the hub's own form (another hub process's, a proxy's)
    (b"deadbeefcafe1234", True),
    (b"0af7651916cd43dd8448eb211c80319c", False),  # 32 digits: as long as a record id
    (b"6f1c2a52-8a9e-4a70-9e53-0d5f6e0b2f51", False),  # a UUID: the hub's record ids are
    (b"0af7651916cd43d", False),  # too short
    (b"0AF7651916CD43DD", False),  # the hub's are lower case
    (b"a000009434765919", False),  # ten digits in a row: an NHS number's length
    (b"AmyHart-20160402", False),  # letters that could spell a name, a date
    (b"id with spaces!!", False),
    (b"\xc3\xa9" * 8, False),
])
def test_a_callers_request_id_is_kept_only_when_safe(given: bytes, kept: bool) -> None:
    chosen = request_id(given)
    assert (chosen == given.decode("latin-1")) is kept
    if not kept:
        assert len(chosen) == 16
        assert int(chosen, 16) >= 0
    assert request_id(None) != request_id(None)


def test_trouble_is_said_once_a_minute_and_its_end_once(
        caplog: pytest.LogCaptureFixture) -> None:
    now = [0.0]
    log = logging.getLogger("hub.test-trouble")
    trouble = Trouble(log, "brokers-unreachable", "the brokers cannot be reached",
                      say_every=60, clock=lambda: now[0])
    caplog.set_level(logging.INFO, logger="hub.test-trouble")
    for second in (0, 1, 5, 30, 59):
        now[0] = second
        trouble.happened(ConnectionRefusedError("127.0.0.1:1"))
    assert len(caplog.records) == 1
    now[0] = 61
    trouble.happened(ConnectionRefusedError("127.0.0.1:1"))
    assert len(caplog.records) == 2
    assert "still, after 61 s" in caplog.records[1].getMessage()
    trouble.over("the brokers answer again")
    trouble.over("the brokers answer again")
    assert [r.levelname for r in caplog.records] == ["WARNING", "WARNING", "INFO"]
    assert all(getattr(r, "trouble", None) == "brokers-unreachable" for r in caplog.records)
    assert "127.0.0.1:1" not in caplog.text  # the error's type, never its message


def test_a_retried_call_backs_off_and_stops_when_told() -> None:
    stop = threading.Event()
    attempts: list[float] = []
    waits: list[float] = []

    def flaky() -> str:
        attempts.append(time.monotonic())
        if len(attempts) < 4:
            raise ConnectionError("down")
        return "up"

    assert call(flaky, stop, ConnectionError, lambda _e, wait: waits.append(wait),
                initial=0.01, maximum=0.05) == "up"
    assert len(waits) == 3
    assert all(0 < w <= 0.05 for w in waits)

    def never() -> None:
        raise ConnectionError("down")

    timer = threading.Timer(0.2, stop.set)
    timer.start()
    with pytest.raises(Stopped):
        call(never, stop, ConnectionError, lambda *_: None, initial=0.01, maximum=0.05)
    timer.join()
