"""``hub simulate``: a synthetic area's workload played through the hub, on a simulated
clock, into a store of its own."""

import argparse
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from hub.cli.common import UsageError
from hub.progress import Progress
from hub.settings import Settings


def simulate(settings: Settings, args: argparse.Namespace) -> int:
    """Play the profile's workload on a simulated clock, into a store holding no
    notifications yet (never a production store)."""
    from eventsourcing.utils import get_topic

    from domain.notifications import Notification
    from domain.timescales import LOCAL
    from hub.bootstrap import bootstrap, holds_notifications
    from simulation import (
        HttpPath,
        KafkaPath,
        PathFailed,
        SimulatedClock,
        Simulation,
        Tally,
        load_profile,
        simulated_timescales,
    )

    if settings.is_production:
        raise UsageError("hub simulate: refused in production (synthetic data only goes into "
                         "a store of its own)")
    profile = load_profile(args.profile)
    if args.scale != 1:
        profile = profile.scaled(args.scale)
    # Refused before anything is written: no calendar, key, policy or table is made.
    if holds_notifications(settings.store_url):
        raise UsageError("hub simulate: the store already holds notifications; simulate "
                         "into a fresh store (HUB_STORE_URL, HUB_HOME)")
    if args.via == "kafka":
        settings.kafka_client()  # HUB_KAFKA_BOOTSTRAP and its security settings, checked now
    if profile.school_days and settings.timescales_file is None:
        calendar = simulated_timescales(profile, None,
                                        settings.home / "timescales-simulated.toml")
        settings = replace(settings, timescales_file=calendar)
        print(f"hub simulate: the profile's school terms are in {calendar}; serve this store "
              "with HUB_TIMESCALES_FILE set to it", file=sys.stderr)
    clock = SimulatedClock(datetime.combine(profile.start, datetime.min.time(), LOCAL)
                           .astimezone(UTC))
    hub = bootstrap(settings, clock)
    try:
        received = get_topic(Notification.Received)
        if hub.store.recorder.select_notifications(start=1, limit=1, topics=[received]):
            raise UsageError("hub simulate: the store already holds notifications; simulate "
                             "into a fresh store (HUB_STORE_URL, HUB_HOME)")  # a race
        started = time.monotonic()
        bar = Progress("hub simulate: day", args.days)

        def progress(day: int, days: int, tally: Tally) -> None:
            notifications = sum(v for k, v in tally.counts.items()
                                if k.startswith("notification:"))
            bar.update(day, days, f"{notifications:,} notifications")

        simulation = Simulation(hub, clock, profile, args.seed, progress)
        path: Any = None
        if args.via == "http":
            path = HttpPath(hub)
        elif args.via == "kafka":
            timeout = settings.kafka_session_timeout_ms
            path = KafkaPath(hub, settings.kafka_client(), consumer_options={
                "session_timeout_ms": timeout,
                "heartbeat_interval_ms": max(500, timeout // 4)},
                idempotent=settings.kafka_idempotent)
        try:
            if path is not None:
                simulation.send = path
            tally = simulation.run(args.days)
        except PathFailed as error:
            bar.close()
            print(f"hub simulate: stopped: {error}", file=sys.stderr)
            return 1
        finally:
            bar.close()
            if path is not None:
                path.close()
        elapsed = time.monotonic() - started
        events = hub.store.recorder.max_notification_id() or 0
        print(f"simulated {args.days} days of {profile.name} (seed {args.seed}, via "
              f"{args.via}) in "
              f"{elapsed:.1f} s: {events:,} events stored, {events / elapsed:,.0f} a second")
        for key, value in sorted(tally.counts.items()):
            print(f"  {key:40} {value:>8,}")
    finally:
        hub.close()
    return 0
