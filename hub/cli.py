"""The ``hub`` command line. Exit 0 success, 1 a check failed, 2 bad usage or bad input."""

import argparse
import faulthandler
import json
import logging
import os
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn
from uuid import UUID

from domain.agencies import StaffChangeReason
from domain.errors import DomainError
from domain.people import ErasureReason, HoldReason
from hub import logs
from hub.audit.checkpoints import PublicKeyError
from hub.errors import HubError
from hub.ports import KeyMissing, StoreUrlError
from hub.progress import Progress
from hub.settings import Settings, SettingsError
from policies.decision_point import PolicyText, build_enforcer

if TYPE_CHECKING:
    from hub.bootstrap import Hub


class UsageError(Exception):
    """Bad usage: reported in one line on stderr, exit 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message}")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="hub", description="The safeguarding information-sharing hub.")
    parser.add_argument("--version", action="version", version=f"hub {_version()}",
                        help="print the hub's version and exit")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    serve = commands.add_parser("serve", help="run the HTTP API")
    serve.add_argument("--host", default="127.0.0.1",
                       help="the address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=_port, default=8000,
                       help="the port to listen on (default 8000)")
    serve.add_argument("--workers", type=_workers, default=1,
                       help="worker processes (default 1; more need PostgreSQL or SQLite WAL)")

    ingest = commands.add_parser("ingest", help="consume agencies' Kafka topics into the store")
    ingest.add_argument("--source", action="append", required=True, metavar="TOPIC=AGENCY_ID",
                        help="an inbound topic and the agency whose producers write it")
    metrics_help = ("serve Prometheus metrics on 127.0.0.1:PORT, to a scraper with the "
                    "metrics token (HUB_METRICS_TOKEN)")
    ingest.add_argument("--metrics-port", type=int, help=metrics_help)
    relay = commands.add_parser("relay", help="publish the hub's outbound events to Kafka")
    relay.add_argument("--metrics-port", type=int, help=metrics_help)

    agencies = commands.add_parser("agencies", help="register agencies")
    agencies_cmd = agencies.add_subparsers(dest="action", required=True, parser_class=_Parser)
    add_agency = agencies_cmd.add_parser("add", help="register an agency")
    add_agency.add_argument("--id", required=True, dest="agency_id",
                            help="the agency's id: 2-63 lower-case letters, digits, hyphens")
    add_agency.add_argument("--kind", required=True, help="police, health, school, dart, "
                            "mash, missing, auditor or admin")
    add_agency.add_argument("--name", required=True, help="the agency's name")
    add_agency.add_argument("--urn", help="a school's 6-digit URN (schools only)")

    users = commands.add_parser("users", help="register, list and disable people; tokens")
    users_cmd = users.add_subparsers(dest="action", required=True, parser_class=_Parser)
    add_user = users_cmd.add_parser("add", help="register a person; prints their token last")
    add_user.add_argument("--agency", required=True, help="the agency's id")
    add_user.add_argument("--role", required=True,
                          help="a role the agency's kind may hold (policies/membership)")
    add_user.add_argument("--name", required=True,
                          help="the person's name (sealed in the store)")
    list_users = users_cmd.add_parser("list", help="everyone registered (never a token)")
    list_users.add_argument("--agency", help="only this agency's people")
    list_users.add_argument("--json", action="store_true", help="JSON lines instead of a table")
    staff_reasons = [r.value for r in StaffChangeReason]
    disable = users_cmd.add_parser("disable", help="withdraw a person's access at once")
    who = disable.add_mutually_exclusive_group(required=True)
    who.add_argument("--user", type=_uuid, help="the person's user id")
    who.add_argument("--demo", action="store_true", help="every active demo user")
    disable.add_argument("--reason-code", choices=staff_reasons,
                         help="why (required with --user; 'other' by default with --demo)")
    rotate = users_cmd.add_parser("rotate", help="a new token, printed last; the old one "
                                                 "stops working at once")
    rotate.add_argument("--user", type=_uuid, required=True, help="the person's user id")
    rotate.add_argument("--reason-code", choices=staff_reasons, default="other",
                        help="why (default other)")

    commands.add_parser("demo", help="seed demo agencies, users and data; print tokens")

    retention = commands.add_parser("retention", help="the retention schedule and legal holds")
    retention_cmd = retention.add_subparsers(dest="action", required=True, parser_class=_Parser)
    run_retention = retention_cmd.add_parser("run", help="erase what is due (not held)")
    run_retention.add_argument("--dry-run", action="store_true", help="report, erase nothing")
    for name, text in (("hold", "place a legal hold"), ("release", "release a legal hold")):
        held = retention_cmd.add_parser(name, help=text)
        held.add_argument("--child", required=True, type=_uuid, help="the child's id")
        held.add_argument("--reason-code", required=True, choices=[r.value for r in HoldReason],
                          help="why")
        held.add_argument("--reason", help="free text, sealed under the child's key (required "
                                           "with 'other')")

    sar = commands.add_parser("sar", help="subject access: assemble a pack, or record a "
                                          "redaction with its exemption and reason")
    sar.add_argument("--child", required=True, type=_uuid, help="the child's id")
    sar.add_argument("--out", metavar="DIR", help="write the pack here")
    sar.add_argument("--requested-by", default="parent", help="who asked (default parent)",
                     choices=["child", "parent",
                                                                  "representative"])
    sar.add_argument("--redact", metavar="RECORD:PATH:EXEMPTION",
                     help="record a redaction instead (e.g. ID:details.summary:serious-harm)")
    sar.add_argument("--reason", help="why (required with --redact)")

    erase = commands.add_parser("erase", help="crypto-shred a child's personal data")
    erase.add_argument("--child", required=True, type=_uuid, help="the child's id")
    erase.add_argument("--reason-code", required=True, choices=[r.value for r in ErasureReason],
                       help="the lawful ground")
    erase.add_argument("--reason", help="free text, up to 500 characters, sealed under the "
                                        "child's key and destroyed with it (required with "
                                        "'other')")

    audit = commands.add_parser("audit", help="the audit trail, for auditors")
    audit_cmd = audit.add_subparsers(dest="action", required=True, parser_class=_Parser)
    could_see = audit_cmd.add_parser(
        "could-see", help="who was entitled to see what about a child at an instant")
    could_see.add_argument("--child", required=True, type=_uuid, help="the child's id")
    could_see.add_argument("--at", required=True, type=_instant,
                           help="the instant, ISO 8601 with a time zone")
    could_see.add_argument("--json", action="store_true", help="JSON lines instead of a table")
    audit_cmd.add_parser("replay", help="re-decide every audited read; exit 1 on a mismatch")
    verify = audit_cmd.add_parser(
        "verify", help="verify the audit trail (live store, or an exported bundle)")
    verify.add_argument("--export", metavar="DIR", help="an exported bundle to verify offline")
    verify.add_argument("--public-key", metavar="KEY",
                        help="the trusted verifier key (or a file holding it); required with "
                             "--export; default on the hub's host: the public key it keeps in "
                             "HUB_HOME/audit/verifier-key (never a private key)")
    verify.add_argument("--trusted-checkpoint", metavar="FILE",
                        help="a signed checkpoint you kept earlier: exit 1 if the trail is "
                             "behind it or does not extend it")
    export = audit_cmd.add_parser("export", help="write entries, checkpoints and the key, "
                                                 "as the store holds them, with the result "
                                                 "of verifying them (reads only)")
    export.add_argument("--out", required=True, metavar="DIR",
                        help="a new or empty folder for the bundle")
    who_saw = audit_cmd.add_parser("who-saw", help="every disclosure about a child")
    who_saw.add_argument("--child", type=_uuid, help="only disclosures about this child")
    who_saw.add_argument("--agency", help="only disclosures of this agency's records")
    who_saw.add_argument("--json", action="store_true", help="JSON lines instead of a table")
    audit_cmd.add_parser("checkpoint", help="sign a checkpoint of the trail now (and submit "
                                            "it to the witnesses)")

    witness = commands.add_parser(
        "witness", help="a witness of another party's audit trail (c2sp.org/tlog-witness), "
                        "with its own key and state in its own HUB_HOME")
    witness_cmd = witness.add_subparsers(dest="action", required=True, parser_class=_Parser)
    witness_serve = witness_cmd.add_parser("serve", help="answer POST /add-checkpoint")
    witness_serve.add_argument("--host", default="127.0.0.1",
                               help="the address to listen on (default 127.0.0.1)")
    witness_serve.add_argument("--port", type=_port, default=7380,
                               help="the port to listen on (default 7380)")
    witness_serve.add_argument("--log", action="append", metavar="VKEY",
                               help="the verifier key of a log to witness (repeat for more; "
                                    "default HUB_WITNESS_LOGS)")
    witness_cmd.add_parser("key", help="print the witness's verifier key (made on first use)")

    policy = commands.add_parser("policy", help="the access policy in force, as versions")
    policy_cmd = policy.add_subparsers(dest="action", required=True, parser_class=_Parser)
    publish = policy_cmd.add_parser("publish", help="publish a new access policy version")
    publish.add_argument("--model", required=True, help="Casbin model file")
    publish.add_argument("--policy", required=True, help="Casbin policy file")
    publish.add_argument("--author", required=True, help="who publishes it (kept)")
    publish.add_argument("--reason", required=True, help="why it changes (kept)")
    policy_cmd.add_parser("history", help="every version, when, by whom and why")

    simulate = commands.add_parser(
        "simulate", help="play a synthetic area's workload through the hub (a fresh store)")
    simulate.add_argument("--profile", default="nottingham",
                          help="a packaged profile name, or a profile file (TOML)")
    simulate.add_argument("--days", type=_positive_days, required=True,
                          help="simulated days to play")
    simulate.add_argument("--seed", type=int, default=1,
                          help="the random seed (same seed, same area; default 1)")
    simulate.add_argument("--via", choices=("app", "http", "kafka"), default="app",
                          help="how notifications arrive: the application's intake, the HTTP "
                          "API, or Kafka and hub ingest (HUB_KAFKA_BOOTSTRAP)")

    report = commands.add_parser(
        "report", help="safeguarding indicators from the event store: text, JSON, charts")
    report.add_argument("--from", dest="first", type=_day, help="first day (YYYY-MM-DD)")
    report.add_argument("--to", dest="last", type=_day, help="last day (YYYY-MM-DD)")
    report.add_argument("--out", type=Path, help="write JSON, text, PNG charts, index.html")
    report.add_argument("--children", type=int, help="children in the area "
                        "(default HUB_CHILD_POPULATION)")
    report.add_argument("--rebuild", action="store_true",
                        help="rebuild the projection from the first event, and time it")

    keys = commands.add_parser("keys", help="manage the keys in HUB_HOME")
    keys_cmd = keys.add_subparsers(dest="action", required=True, parser_class=_Parser)
    keys_cmd.add_parser("init", help="create any missing keys (for production set-up)")
    keys_cmd.add_parser("rotate-audit", help="replace the audit signing key; old checkpoints "
                                             "stay verifiable through a signed key transition")
    keys_cmd.add_parser("rotate-master", help="replace the master key and rewrap every data "
                                              "key under it, while the hub keeps serving")
    return parser


def _positive_days(raw: str) -> int:
    try:
        days = int(raw)
    except ValueError:
        raise argparse.ArgumentTypeError("must be a whole number of days") from None
    if not 1 <= days <= 3660:
        raise argparse.ArgumentTypeError("must be from 1 to 3660 days")
    return days


def _simulate(settings: Settings, args: argparse.Namespace) -> int:
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


def _day(raw: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise argparse.ArgumentTypeError("must be a date, YYYY-MM-DD") from None


def _report(hub: "Hub", settings: Settings, args: argparse.Namespace) -> int:
    from hub.reports import ChartsUnavailable, render_text, write_report

    if args.first and args.last and args.first > args.last:
        raise UsageError("hub report: --from must not be after --to")
    children = args.children if args.children is not None else settings.child_population
    if children is not None and children < 1:
        raise UsageError("hub report: --children must be above 0")

    total = (hub.store.recorder.max_notification_id() or 0) if args.rebuild else None
    with Progress("hub report: events read", total) as bar:
        if args.rebuild:
            speed = hub.indicators.rebuild(bar.update)
        else:
            hub.indicators.catch_up(progress=bar.update)
    if args.rebuild:
        print(f"projection rebuilt: {speed['events']:,} events in {speed['seconds']} s, "
              f"{speed['events_per_second']:,} a second", file=sys.stderr)
    result = hub.indicators.report(args.first, args.last, children)
    result["by_week"] = hub.indicators.by_week(args.first, args.last)
    print(render_text(result), end="")
    if args.out:
        try:
            written = write_report(result, args.out)
        except ChartsUnavailable as error:
            raise UsageError(f"hub report --out: {error}") from None
        except OSError as error:
            raise UsageError(f"hub report: cannot write to {args.out} "
                             f"({error.strerror})") from None
        print(f"written to {args.out}: " + ", ".join(p.name for p in written), file=sys.stderr)
    return 0


def _version() -> str:
    try:
        return metadata.version("safeguarding-hub")
    except metadata.PackageNotFoundError:  # run from a source tree that is not installed
        return "unknown"


def _bounded(raw: str, low: int, high: int, what: str) -> int:
    if not raw.isascii() or not raw.isdigit() or not low <= int(raw) <= high:
        raise argparse.ArgumentTypeError(f"must be {what} from {low} to {high}")
    return int(raw)


def _port(raw: str) -> int:
    return _bounded(raw, 1, 65535, "a port")


def _workers(raw: str) -> int:
    return _bounded(raw, 1, 64, "a number of workers")


def _uuid(raw: str) -> UUID:
    try:
        return UUID(raw)
    except ValueError:
        raise argparse.ArgumentTypeError("must be a record id (a UUID)") from None


def _instant(raw: str) -> datetime:
    try:
        instant = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError("must be an ISO 8601 instant") from None
    if instant.tzinfo is None:
        raise argparse.ArgumentTypeError("must carry a time zone (e.g. Z)")
    return instant


def _audit(hub: "Hub", args: argparse.Namespace) -> int:
    from hub.audit import operations

    if args.action in ("who-saw", "checkpoint"):
        return operations.run(hub, args)
    if args.action == "could-see":
        rows = hub.entitlements.could_see(args.child, args.at)
        if args.json:
            for row in rows:
                print(json.dumps(row))
        else:
            print(f"{'agency':20} {'role':20} {'record':36} {'data class':19} "
                  f"{'visibility':10} grounds (purposes)")
            for r in rows:
                print(f"{r['agency']:20} {r['role']:20} {r['record']:36} {r['data_class']:19} "
                      f"{r['visibility']:10} {','.join(r['grounds'])} "
                      f"({','.join(r['purposes'])})")
        return 0
    checked, mismatches = hub.entitlements.replay()
    for mismatch in mismatches:
        print(mismatch)
    print(f"replayed {checked} audited reads: {len(mismatches)} mismatches")
    return 1 if mismatches else 0


def _users(hub: "Hub", args: argparse.Namespace) -> int:
    from hub.audit.operations import operator

    if args.action == "add":
        user, token = hub.registry.register_user(args.agency, args.role, args.name)
        print(f"registered {user['role']} at {user['agency']}: user id {user['id']}; "
              f"token expires {user['token_expires_at']}")
        print(token)
    elif args.action == "list":
        users = hub.registry.users(args.agency)
        if args.json:
            for user in users:
                print(json.dumps(user))
            return 0
        print(f"{'user id':36} {'agency':20} {'role':26} {'active':8} {'token expires':25} "
              "name")
        for u in users:
            state = ("demo " if u["demo"] else "") + ("yes" if u["active"] else "no")
            print(f"{u['id']:36} {u['agency']:20} {u['role']:26} {state:8} "
                  f"{u['token_expires_at'] or '-':25} {u['name'] or '-'}")
        print(f"{len(users)} users, {sum(u['active'] for u in users)} active")
    elif args.action == "disable":
        if args.demo:
            reason = StaffChangeReason(args.reason_code or "other")
            demo = hub.registry.demo_users()
            for user in demo:
                hub.registry.disable(operator(), UUID(user["id"]), reason)
            print(f"disabled {len(demo)} demo users")
        else:
            if args.reason_code is None:
                raise UsageError("hub users disable: --user needs --reason-code")
            user = hub.registry.disable(operator(), args.user,
                                        StaffChangeReason(args.reason_code))
            print(f"disabled user {user['id']} ({user['role']} at {user['agency']}); their "
                  "token no longer works")
    else:
        user, token = hub.registry.rotate(operator(), args.user,
                                          StaffChangeReason(args.reason_code))
        print(f"new token for user {user['id']} ({user['role']} at {user['agency']}), "
              f"expires {user['token_expires_at']}; the old one no longer works")
        print(token)
    return 0


def _policy(hub: "Hub", args: argparse.Namespace) -> int:
    if args.action == "history":
        for version in hub.policies.history():
            print(f"{version.timestamp.isoformat()} {version.version} by {version.author}: "
                  f"{version.reason}")
        return 0
    try:
        text = PolicyText(Path(args.model).read_text(encoding="utf-8"),
                          Path(args.policy).read_text(encoding="utf-8"))
    except OSError as error:
        raise UsageError(f"hub policy publish: cannot read {error.filename}") from None
    try:
        build_enforcer(text)
    except Exception as error:
        raise UsageError(f"hub policy publish: not a valid Casbin policy ({error})") from None
    published = hub.policies.publish(text, args.author, args.reason)
    print(f"in force from {published.timestamp.isoformat()}: {published.version}")
    return 0


STOP_GRACE_SECONDS = 15.0


class SignalStop:
    """The SIGTERM/SIGINT handler of a worker: sets its stop event, once.

    A second signal can arrive while the handler is inside ``Event.set()`` holding the event's
    lock (a supervisor and ``timeout`` both forward SIGTERM). Python runs the handler again,
    nested, and a nested ``set()`` would wait on that lock for ever. Only the first signal
    acts: a nested call either runs to the end before the first reaches ``set()``, or sees the
    mark and returns."""

    def __init__(self, event: threading.Event, grace_seconds: float) -> None:
        self.event = event
        self.grace_seconds = grace_seconds
        self.signalled = False

    def __call__(self, *_: object) -> None:
        if self.signalled:
            return
        self.signalled = True
        # If stopping ever overruns, faulthandler's own thread (independent of the interpreter
        # lock) writes every thread's stack to the log and ends the process.
        faulthandler.dump_traceback_later(self.grace_seconds, exit=True)
        self.event.set()


def _stream(hub: "Hub", settings: Settings, args: argparse.Namespace) -> int:
    """``hub ingest`` and ``hub relay``: run until SIGTERM or SIGINT, then stop cleanly."""
    import signal

    from adapters.metrics_http import serve_metrics

    try:
        client = settings.kafka_client()
        metrics_token = settings.resolved_metrics_token() if args.metrics_port else None
    except SettingsError as error:
        raise UsageError(f"hub {args.command}: {error}") from None
    logs.configure()
    say = logging.getLogger(f"hub.{args.command}")
    worker: Any
    if args.command == "ingest":
        from adapters.kafka_ingest import Ingest

        sources = {}
        for source in args.source:
            topic, _, agency = source.partition("=")
            if not topic or not agency:
                raise UsageError("hub ingest: --source must be TOPIC=AGENCY_ID")
            sources[topic] = hub.registry.agency(agency)["id"]
        timeout = settings.kafka_session_timeout_ms
        worker = Ingest(hub, client, sources, consumer_options={
            "session_timeout_ms": timeout, "heartbeat_interval_ms": max(500, timeout // 4),
            "max_poll_interval_ms": max(60_000, timeout)}, idempotent=settings.kafka_idempotent)
    else:
        from adapters.kafka_relay import Relay

        worker = Relay(hub, client, idempotent=settings.kafka_idempotent)
    if args.metrics_port and metrics_token is not None:
        serve_metrics(args.metrics_port, worker.metrics.registry, metrics_token)
    stop = SignalStop(worker.stop, grace_seconds=STOP_GRACE_SECONDS + 10)

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, stop)
    say.info("hub %s: running; SIGTERM stops it cleanly", args.command)
    # The worker runs beside the main thread, which stays free to take signals. Stopping lets
    # it finish the record in hand and leave the group; a broker stuck in a rebalance is not
    # waited for beyond the grace period, which is safe: every position is in the store.
    failure: list[BaseException] = []

    def work() -> None:
        try:
            worker.run()
        except BaseException as error:  # reported below; the supervisor restarts the process
            failure.append(error)
            worker.stop.set()

    thread = threading.Thread(target=work, name=f"hub-{args.command}", daemon=True)
    thread.start()
    while thread.is_alive() and not worker.stop.is_set():
        thread.join(0.5)
    thread.join(STOP_GRACE_SECONDS)
    clean = not thread.is_alive()
    if failure:
        say.error("hub %s: failed: %s; positions are safe in the store, restart to carry on",
                  args.command, type(failure[0]).__name__,
                  extra={"error": type(failure[0]).__name__})
    say.info("hub %s: stopped%s", args.command, "" if clean else " (without waiting for the "
             "broker; positions are safe in the store)")
    # Everything is written; a Kafka library thread still waiting on a broker must not keep
    # the process alive after it has said it stopped. The store is closed only when the
    # worker has finished with it (each write is already durable on its own).
    if clean:
        hub.close()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(1 if failure else 0)


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from hub.bootstrap import bootstrap, refuse_demo_users
    from hub.metrics import MULTIPROC_ENV, prepare_multiprocess_dir, remove_multiprocess_dir

    # JSON logs here and, through uvicorn's log_config, in every worker it starts.
    log_config = logs.logging_config()
    logs.configure()
    say = logging.getLogger("hub.serve")
    hub = bootstrap(settings)
    try:
        refuse_demo_users(hub, "serve")
    except SettingsError:
        hub.close()
        raise
    # Before any worker starts: production refuses to serve without HUB_METRICS_TOKEN, and in
    # development every worker reads the one token made here.
    settings.resolved_metrics_token()
    # Several workers count into one directory, read whole by whichever answers a scrape: a
    # fresh private one (0700), unless the operator names one; emptied now, before they start.
    owned = None
    if args.workers > 1 or os.environ.get(MULTIPROC_ENV):
        directory, ours = prepare_multiprocess_dir(os.environ.get(MULTIPROC_ENV))
        os.environ[MULTIPROC_ENV] = str(directory)  # inherited by every worker
        owned = directory if ours else None
    from hub.api.app import create_app  # after the directory is named: metrics read it

    say.info("hub: serving on http://%s:%d (docs at /docs) with %d worker%s", args.host,
             args.port, args.workers, "" if args.workers == 1 else "s")
    if settings.metrics_token is None and not settings.is_production:
        say.info("hub: /metrics takes the bearer token in %s (set HUB_METRICS_TOKEN to choose "
                 "it)", settings.home / "metrics.token")
    # uvicorn's access log prints raw paths, which hold record ids; hub.access logs templates.
    options: dict[str, Any] = {"host": args.host, "port": args.port,
                               "log_level": logs.level_from_env().lower(),
                               "access_log": False, "log_config": log_config}
    try:
        if args.workers > 1:
            hub.close()  # each worker bootstraps its own
            uvicorn.run("hub.api.app:app_from_environment", factory=True,
                        workers=args.workers, **options)
        else:
            uvicorn.run(create_app(hub), **options)
    finally:
        if owned is not None:
            remove_multiprocess_dir(owned)
    return 0


def _witness(settings: Settings, args: argparse.Namespace) -> int:
    """``hub witness key`` and ``hub witness serve``: a witness in a HUB_HOME of its own."""
    import signal

    from hub.files import private_dir
    from hub.witness import WitnessSetupError, open_witness, witness_signer

    private_dir(settings.home)
    try:
        if args.action == "key":
            print(witness_signer(settings.home, settings.witness_name,
                                 may_generate=True).verifier_key())
            return 0
        witness = open_witness(settings.home, settings.witness_name,
                               args.log or settings.witness_logs,
                               may_generate=not settings.is_production)
    except WitnessSetupError as error:
        raise UsageError(f"hub witness {args.action}: {error}") from None
    except KeyMissing:
        raise UsageError("hub witness serve: no witness key in HUB_HOME; make one with "
                         "'hub witness key'") from None
    from adapters.witness_http import start_witness_server

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    try:
        server = start_witness_server(witness, args.host, args.port)
    except OSError as error:
        witness.state.close()
        raise UsageError(f"hub witness serve: cannot listen on {args.host}:{args.port} "
                         f"({error.strerror})") from None
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    print(f"hub witness: {witness.signer.verifier_key()} witnessing "
          f"{', '.join(sorted(witness.logs))} on http://{args.host}:{server.server_port}",
          file=sys.stderr)
    while not stop.wait(1.0):
        pass
    server.shutdown()
    server.server_close()
    witness.state.close()
    print("hub witness: stopped", file=sys.stderr)
    return 0


def run(argv: Sequence[str]) -> int:
    args = _parser().parse_args(argv)
    settings = Settings.from_env()
    if args.command == "serve":
        return _serve(settings, args)
    if args.command == "keys" and args.action == "init":
        from hub.bootstrap import KeyFiles

        created = [n for n in ("link", "audit-signing", "master") if
                   KeyFiles(settings.home, may_generate=True).create(n)]
        print(f"created: {', '.join(created) or 'nothing, all keys exist'}")
        return 0
    if args.command == "simulate":
        return _simulate(settings, args)
    if args.command == "audit" and args.action in ("verify", "export"):
        from hub.audit import operations

        if args.action == "export":
            return operations.export(settings, args.out)
        if args.export:
            return operations.verify_bundle(settings, args.export, args.public_key,
                                            args.trusted_checkpoint)
        return operations.verify_live(settings, args.public_key, args.trusted_checkpoint)
    if args.command == "witness":
        return _witness(settings, args)

    from hub.bootstrap import bootstrap, refuse_demo_users

    hub = bootstrap(settings)
    try:
        if args.command == "agencies":
            agency = hub.registry.register_agency(args.agency_id, args.kind, args.name, args.urn)
            print(f"registered agency {agency['id']} ({agency['kind']})")
        elif args.command == "users":
            return _users(hub, args)
        elif args.command == "keys" and args.action == "rotate-master":
            from hub.bootstrap import rotate_master

            count = rotate_master(hub)
            print(f"master key rotated; {count} data keys rewrapped under it")
        elif args.command == "keys":
            from hub.audit.checkpoints import LogMismatch

            retired = f"audit-signing.retired-{datetime.now(UTC):%Y%m%dT%H%M%S}"
            try:
                key = hub.checkpoints.rotate_key(lambda: retired)
            except LogMismatch as error:
                print(f"hub keys rotate-audit: refused: {error}", file=sys.stderr)
                return 1
            print(f"audit signing key rotated; old key kept as {retired}.key")
            print(key)
        elif args.command == "audit":
            return _audit(hub, args)
        elif args.command in ("ingest", "relay"):
            refuse_demo_users(hub, args.command)
            return _stream(hub, settings, args)
        elif args.command == "retention":
            from hub.audit.operations import operator

            if args.action == "run":
                report = hub.retention.run(args.dry_run)
                for item in report["due"]:
                    state = "HELD" if item["held"] else ("due" if args.dry_run else "erased")
                    print(f"{item['child_id']}  due {item['due']}  {item['rule']}  {state}")
                print(f"{len(report['due'])} due, {report['erased']} erased, {report['held']} "
                      f"held{' (dry run: nothing erased)' if args.dry_run else ''}")
            else:
                hub.retention.hold(operator(), args.child, args.action == "hold",
                                   args.reason_code, args.reason)
                print(f"legal hold {'placed on' if args.action == 'hold' else 'released from'} "
                      f"{args.child}")
        elif args.command == "sar":
            from hub.audit.operations import operator

            if args.redact:
                parts = args.redact.split(":")
                if len(parts) != 3 or not args.reason:
                    raise UsageError("hub sar: --redact RECORD:PATH:EXEMPTION needs --reason")
                record, path, exemption = parts
                hub.subject_access.redact(operator(), args.child, record, path, exemption,
                                          args.reason)
                print(f"redaction recorded: {parts[1]} of {parts[0]} ({parts[2]})")
            elif args.out:
                made = hub.subject_access.assemble(operator(), args.child, Path(args.out),
                                                   args.requested_by)
                print(f"pack written to {args.out}: {made['records']} records, "
                      f"{made['redactions']} redactions to review, {made['disclosures']} "
                      f"disclosures; due by {made['due_on']}")
            else:
                raise UsageError("hub sar: give --out DIR, or --redact with --reason")
        elif args.command == "erase":
            from hub.audit.operations import operator

            done = hub.erasure.erase(operator(), args.child, args.reason_code, args.reason)
            print(f"erased child {done['child_id']} at {done['erased_at']}: its keys are "
                  "destroyed; the audit trail still verifies")
        elif args.command == "policy":
            return _policy(hub, args)
        elif args.command == "report":
            return _report(hub, settings, args)
        elif args.command == "demo":
            from hub.demo import seed_demo

            users, children = seed_demo(hub)
            print("demo users (agency, role, name, token):")
            for demo in users:
                print(f"  {demo.agency:18} {demo.role:24} {demo.name:18} "
                      f"{demo.token if demo.active else '(disabled)'}")
            print("demo children (id: what was sent about them; never a name):")
            for demo_child in children:
                print("  " + demo_child.describe())
            print("API docs: /docs on the host and port `hub serve` listens on")
    finally:
        hub.close()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return run(sys.argv[1:] if argv is None else argv)
    except (UsageError, SettingsError, StoreUrlError, KeyMissing, PublicKeyError) as error:
        print(str(error).splitlines()[0], file=sys.stderr)
        return 2
    except (HubError, DomainError) as error:
        print(f"hub: {error}", file=sys.stderr)
        return 2 if not isinstance(error, HubError) or error.status < 500 else 1


if __name__ == "__main__":
    sys.exit(main())
