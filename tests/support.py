"""Builders and helpers shared by the test suites."""

import json
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, NoReturn

import psycopg
import pytest

from hub.bootstrap import Hub
from hub.shapes import parse_notification

POSTGRES = "host=127.0.0.1 port=5432 user=postgres dbname=test"
POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"


def postgres_unreachable() -> str | None:
    """Why PostgreSQL cannot be used, or None if it can."""
    try:
        with psycopg.connect(POSTGRES, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as error:
        return f"{type(error).__name__}: {str(error).strip().splitlines()[0]}"
    return None


def require_postgres() -> None:
    reason = postgres_unreachable()
    if reason is None:
        return
    missing(f"PostgreSQL at 127.0.0.1:5432 is unreachable ({reason})")


def missing(message: str) -> NoReturn:
    """A real part a test needs is not here: skipped loudly, or failed under CI=true."""
    if os.environ.get("CI") == "true":
        pytest.fail(message + "; CI=true requires it")
    pytest.skip("!!! SKIPPED: " + message + " !!!")


@contextmanager
def postgres_schema() -> Iterator[str]:
    """A fresh, empty schema for one test, dropped afterwards; yields the store URL."""
    require_postgres()
    schema = "t_" + uuid.uuid4().hex[:16]
    with psycopg.connect(POSTGRES, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{POSTGRES_URL}?schema={schema}"
    finally:
        with psycopg.connect(POSTGRES, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def child(given: str = "Amy", family: str = "Hart", dob: str = "2016-04-02",
          **extra: Any) -> dict[str, Any]:
    return {"role": "child", "given_name": given, "family_name": family,
            "date_of_birth": dob, **extra}


def notification(source_ref: str = "NTP-2026-004211", type_: str = "domestic_abuse_incident",
                 subjects: list[dict[str, Any]] | None = None,
                 occurred_at: str = "2026-11-20T22:15:00Z", **details: Any) -> dict[str, Any]:
    """A notification body in the shape docs/interface.md describes."""
    return {
        "type": type_,
        "source_ref": source_ref,
        "occurred_at": occurred_at,
        "subjects": subjects if subjects is not None else [
            child(school_urn="100001", present=True, spoken_to=False, postcode="NG5 1AB"),
            {"role": "adult_victim", "given_name": "Jo", "family_name": "Hart",
             "date_of_birth": "1990-01-09"},
            {"role": "perpetrator", "given_name": "Lee", "family_name": "Kerr",
             "date_of_birth": "1988-07-30"},
        ],
        "details": details or {"summary": "free text from the sending agency",
                               "location": "free text", "dash": {"yes_count": 15},
                               "welfare_check": True},
    }


def submit(hub: Hub, agency: str, body: dict[str, Any]) -> Any:
    return hub.intake.submit(agency, "test", parse_notification(json.dumps(body).encode()))


AGENCIES = [
    ("notts-police", "police", "Nottinghamshire Police", None),
    ("derbys-police", "police", "Derbyshire Constabulary", None),
    ("city-mash", "mash", "Children and Families Direct", None),
    ("city-dart", "dart", "Domestic Abuse Referral Team", None),
    ("city-health", "health", "City Health Partnership", None),
    ("riverside-primary", "school", "Riverside Primary School", "100001"),
    ("missing-team", "missing", "Missing Children Team", None),
    ("info-governance", "auditor", "Information Governance", None),
]

ROLE_OF = {"police": "police-officer", "mash": "mash-worker", "dart": "dart-worker",
           "health": "health-practitioner", "school": "dsl", "missing": "missing-worker",
           "auditor": "auditor"}


def seed(hub: Hub) -> dict[str, str]:
    """Register the test agencies with one person each; return agency id -> token."""
    tokens = {}
    for agency_id, kind, name, urn in AGENCIES:
        hub.registry.register_agency(agency_id, kind, name, urn)
        _, tokens[agency_id] = hub.registry.register_user(agency_id, ROLE_OF[kind], "Staff")
    return tokens


class Clock:
    """The hub's "now", moved by the test."""

    def __init__(self, start: datetime = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


def relayed(hub: Hub) -> list[tuple[str, str, dict[str, Any]]]:
    """Every (topic, key, value) record ``hub relay`` would publish for the store's log."""
    from adapters.kafka_relay import outbound

    return [record for row in hub.store.recorder.select_notifications(start=1, limit=100_000)
            for record in outbound(hub.store.mapper.to_domain_event(row), row.id,
                                   hub.store.find)]


def weeks_ahead(weeks: int = 8) -> str:
    """An instant this many weeks from now (ISO): an end date that stays in the future and
    within the longest a decision may last, whenever the tests run."""
    return (datetime.now(UTC) + timedelta(weeks=weeks)).isoformat()
