"""The long-running commands: ``hub serve``, ``hub ingest``, ``hub relay`` and
``hub witness``. Each stops cleanly on SIGTERM or SIGINT."""

import argparse
import faulthandler
import logging
import os
import sys
import threading
from typing import TYPE_CHECKING, Any

from hub import logs
from hub.cli.common import UsageError
from hub.ports import KeyMissing
from hub.settings import Settings, SettingsError

if TYPE_CHECKING:
    from hub.bootstrap import Hub

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


def stream(hub: "Hub", settings: Settings, args: argparse.Namespace) -> int:
    """``hub ingest`` and ``hub relay``: run until SIGTERM or SIGINT, then stop cleanly."""
    import signal

    from adapters.metrics_http import serve_metrics
    from hub.bootstrap import refuse_to_run

    refuse_to_run(hub, args.command)
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


def serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from hub.bootstrap import bootstrap, refuse_to_run
    from hub.metrics import MULTIPROC_ENV, prepare_multiprocess_dir, remove_multiprocess_dir

    # JSON logs here and, through uvicorn's log_config, in every worker it starts.
    log_config = logs.logging_config()
    logs.configure()
    say = logging.getLogger("hub.serve")
    hub = bootstrap(settings)
    try:
        refuse_to_run(hub, "serve")
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


def witness(settings: Settings, args: argparse.Namespace) -> int:
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
                               may_generate=not settings.is_production,
                               new_state=args.new_state)
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
    if args.new_state:
        print("hub witness: started with a new, empty state (--new-state): it will cosign the "
              "tree each log sends first", file=sys.stderr)
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
