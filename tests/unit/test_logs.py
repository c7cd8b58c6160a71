"""The hub's JSON log lines: the fields every line has, only known extra fields, and an
exception as its type and frames, never its message."""

import io
import json
import logging
from collections.abc import Iterator

import pytest
import structlog

from hub import logs


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logs.json_formatter())
    logger = logging.getLogger("hub.test-logs")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    yield out
    logger.removeHandler(handler)
    logger.propagate = True


def entries(out: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_every_line_is_json_with_time_level_logger_pid_and_message(
        captured: io.StringIO) -> None:
    log = logging.getLogger("hub.test-logs")
    log.info("%s %s %d", "GET", "/v1/children/{child_id}", 200, extra={
        "request_id": "0af7651916cd43dd", "route": "/v1/children/{child_id}", "status": 200,
        "duration_ms": 1.5, "child_name": "Amy Hart", "color_message": "x"})
    [entry] = entries(captured)
    assert list(entry)[:5] == ["time", "level", "logger", "pid", "message"]
    assert entry["level"] == "info"
    assert entry["logger"] == "hub.test-logs"
    assert str(entry["time"]).endswith("Z")
    assert entry["message"] == "GET /v1/children/{child_id} 200"
    assert entry["request_id"] == "0af7651916cd43dd"
    assert entry["duration_ms"] == 1.5
    assert "child_name" not in entry  # only the fields the hub names pass
    assert "color_message" not in entry


def test_an_exception_is_its_type_and_frames_never_its_message(captured: io.StringIO) -> None:
    log = logging.getLogger("hub.test-logs")
    try:
        raise ValueError("Amy Hart, 2016-04-02")
    except ValueError:
        log.exception("unexpected")
    [entry] = entries(captured)
    assert entry["exception"] == "ValueError"
    assert any("test_logs.py" in str(frame) for frame in entry["frames"])  # type: ignore[attr-defined]
    assert "Amy" not in captured.getvalue()
    assert "Traceback" not in captured.getvalue()


def test_structlog_calls_render_the_same_and_drop_unknown_fields(captured: io.StringIO) -> None:
    structlog.get_logger("hub.test-logs").warning("brokers down", trouble="brokers-unreachable",
                                                  name="Amy")
    [entry] = entries(captured)
    assert entry["level"] == "warning"
    assert entry["message"] == "brokers down"
    assert entry["trouble"] == "brokers-unreachable"
    assert "name" not in entry


def test_the_level_comes_from_hub_log_level_and_kafka_speaks_only_at_debug() -> None:
    assert logs.level_from_env({"HUB_LOG_LEVEL": "debug"}) == "DEBUG"
    assert logs.level_from_env({"HUB_LOG_LEVEL": "chatty"}) == "INFO"
    assert logs.level_from_env({}) == "INFO"
    assert logs.logging_config("INFO")["loggers"]["kafka"]["level"] == "CRITICAL"
    assert logs.logging_config("DEBUG")["loggers"]["kafka"]["level"] == "DEBUG"
    assert logs.logging_config("INFO")["loggers"]["uvicorn.access"]["propagate"] is False
