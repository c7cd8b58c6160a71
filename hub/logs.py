"""One JSON object a line, on stderr, for every hub process: ``hub serve`` and each of its
uvicorn workers, ``hub ingest``, ``hub relay`` and their background threads.

Every line has ``time`` (ISO 8601, UTC), ``level``, ``logger``, ``pid`` and ``message``; an
HTTP request's line adds ``request_id``, ``method``, ``route`` (the template, never the raw
path), ``status`` and ``duration_ms``. Only the fields named in ``FIELDS`` pass from a log
call's ``extra``, and an exception is written as its type and the places it passed through,
never its message: messages can quote what they failed on, and that may be personal data.

The formatter is built by ``json_formatter`` from a ``logging.config.dictConfig`` dictionary
(``logging_config``), so a process that only applies the dictionary (a uvicorn worker, which
gets it as its ``log_config``) logs exactly as the process that made it.
"""

import logging
import logging.config
import os
import sys
import traceback
from types import TracebackType
from typing import Any

import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

# The fields a log call may add (``extra={...}``, or bound by structlog); nothing else passes.
FIELDS = ("request_id", "method", "route", "status", "duration_ms", "trouble", "error",
          "retry_in_s")
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
# Libraries that log every reconnection attempt, with a traceback: the hub says it once, in
# its own words (hub.ingest, hub.relay). They speak again at HUB_LOG_LEVEL=DEBUG.
QUIETENED = ("kafka",)


def _pid(_: WrappedLogger, __: str, event: EventDict) -> EventDict:
    event["pid"] = os.getpid()
    return event


ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


def _exception_info(raw: object) -> ExcInfo | None:
    if raw is True:
        raw = sys.exc_info()
    if isinstance(raw, BaseException):
        return type(raw), raw, raw.__traceback__
    if isinstance(raw, tuple) and len(raw) == 3 and raw[0] is not None:
        return raw
    return None


def _exception_without_message(_: WrappedLogger, __: str, event: EventDict) -> EventDict:
    """An exception as its type and the frames it passed through (file:line function):
    never its message, which may quote the personal data it failed on."""
    info = _exception_info(event.pop("exc_info", None))
    event.pop("stack_info", None)
    if info is not None:
        kind, _error, trace = info
        event["exception"] = kind.__name__
        event["frames"] = [f"{os.path.basename(f.filename)}:{f.lineno} {f.name}"
                           for f in traceback.extract_tb(trace)][-12:]
    return event


def _shared() -> list[Processor]:
    return [structlog.contextvars.merge_contextvars,
            structlog.stdlib.add_log_level,
            structlog.stdlib.add_logger_name,
            structlog.processors.TimeStamper(fmt="iso", utc=True, key="time"),
            _pid,
            _exception_without_message]


def _only_known_fields(_: WrappedLogger, __: str, event: EventDict) -> EventDict:
    """Drop anything a structlog call bound that is not a known field (as ``ExtraAdder``
    does for the standard library's ``extra``)."""
    known = {"time", "level", "logger", "pid", "event", "exception", "frames", *FIELDS}
    for key in [k for k in event if k not in known and not k.startswith("_")]:
        del event[key]
    return event


def _ordered(_: WrappedLogger, __: str, event: EventDict) -> EventDict:
    """time, level, logger, pid and message first, for people reading the raw lines."""
    first = ("time", "level", "logger", "pid", "message")
    return {**{k: event[k] for k in first if k in event},
            **{k: v for k, v in event.items() if k not in first}}


def _configure_structlog() -> None:
    if structlog.is_configured():
        return
    structlog.configure(
        processors=[structlog.stdlib.filter_by_level,
                    *_shared(),
                    structlog.stdlib.PositionalArgumentsFormatter(),
                    structlog.processors.UnicodeDecoder(),
                    structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True)


def json_formatter() -> logging.Formatter:
    """The hub's JSON formatter (the ``()`` factory of ``logging_config``)."""
    _configure_structlog()
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[structlog.stdlib.ExtraAdder(allow=FIELDS), *_shared()],
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    _only_known_fields,
                    structlog.processors.EventRenamer("message"),
                    _ordered,
                    structlog.processors.JSONRenderer(sort_keys=False)])


def level_from_env(environ: dict[str, str] | None = None) -> str:
    """HUB_LOG_LEVEL (DEBUG, INFO, WARNING, ERROR), INFO by default; anything else is INFO."""
    raw = (os.environ if environ is None else environ).get("HUB_LOG_LEVEL", "INFO").upper()
    return raw if raw in LEVELS else "INFO"


def logging_config(level: str | None = None) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` dictionary: every logger to stderr as JSON. Also what
    ``hub serve`` gives uvicorn as ``log_config``, so that every worker applies it."""
    level = level or level_from_env()
    quiet = "DEBUG" if level == "DEBUG" else "CRITICAL"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "hub.logs.json_formatter"}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json",
                                "stream": "ext://sys.stderr"}},
        "root": {"handlers": ["stderr"], "level": level},
        "loggers": {
            # uvicorn's own loggers come to the root handler, as JSON; its access log prints
            # raw paths, which hold record ids: hub.access logs route templates instead.
            "uvicorn": {"handlers": [], "level": level, "propagate": True},
            "uvicorn.error": {"handlers": [], "level": level, "propagate": True},
            "uvicorn.access": {"handlers": [], "level": "CRITICAL", "propagate": False},
            **{name: {"handlers": [], "level": quiet, "propagate": True}
               for name in QUIETENED},
        },
    }


def configure(level: str | None = None) -> None:
    """Send every log line of this process to stderr as JSON."""
    logging.config.dictConfig(logging_config(level))
