"""Bounded API fuzzing (issue 14): Schemathesis drives every operation in the OpenAPI document,
in stateful sequences and one operation at a time, as every role's token, with no token and
with a garbage token, with `X-Purpose` drawn from the purpose enum (and sometimes left out or
made up). A third, smaller run sends bodies no schema describes: broken or deeply nested JSON,
other content types, strings holding a lone surrogate.

Two checks apply to every answer: nothing is a 5xx, and every 4xx has the documented shape
`{"error": {"code": str, "message": str}}` and nothing else, its code one of those
docs/interface.md lists. Schemathesis' own checks are not
used: the response models in the OpenAPI document are known to be incomplete (another issue).
Messages that repeat a made-up value sent are printed, not failed.

The hub runs on SQLite in a temporary folder, seeded with a police incident, school, health
and police concerns, a missing episode, an s47 enquiry, a consent, a MASH disagreement and a
break-glass read, so path parameters can name records that exist. FastAPI's document has no
OpenAPI links, so the test adds its own (`LINKS`): what one answer returns (a notification's
id, the children it names, a queue's items) becomes the next request's path parameter.
Schemathesis' own link inference is off: it guesses `$response.body#/child_id` where the hub
answers `id`. A path parameter is one of the ids seen so far three times in four, and half
the bodies of the operations in `VALID_BODIES` are ones the hub's rules may accept, so that
sequences get past validation to the records' own states.

Every request that reaches the application is counted by `Recorder`, around the ASGI app; the
test asserts at least 2,000. Generation is derandomized, so CI sends the same requests on
every run (the ids the hub gives out are its own, and random).
"""

import json
import logging
import re
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import APIOperation, Case, GenerationMode, HookContext, Response
from schemathesis.core import NOT_SET
from schemathesis.core.result import Ok
from schemathesis.generation.stateful.state_machine import APIStateMachine
from schemathesis.python import asgi as schemathesis_asgi
from schemathesis.specs.openapi.schemas import OpenApiSchema
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from domain.access import DataClass, Purpose
from domain.dart import TriageAction
from domain.identifiers import nhs_check_digit
from domain.lawful_basis import ConsentNotRelied, LegalBasis
from hub.timescales import load_timescales
from tests.security.access_world import (
    AGENCIES,
    NHS_AMY,
    World,
    amy,
    ben,
    concern,
    incident,
    open_world,
)

AnyCase = Case[Any]
Operation = APIOperation[Any, Any, Any, Any]

# Who calls: each person of tests.security.access_world, information governance (the admin
# kind, which may erase a child: erased children are among what the others meet), nobody,
# and somebody with a made-up token.
PEOPLE = ["police", "other-police", "mash", "social-worker", "mash-manager", "dart",
          "dart-manager", "gp", "ae", "riverside", "hillview", "missing", "auditor",
          "governance"]
ANONYMOUS, GARBAGE = "anonymous", "garbage"
IDENTITIES = [*PEOPLE, ANONYMOUS, GARBAGE]
# For the malformed bodies (refused before any capability is asked for).
RAW_IDENTITIES = ["police", "social-worker", ANONYMOUS]
GARBAGE_AUTHORIZATIONS = ["Bearer not-a-token-the-hub-issued", "Basic dXNlcjpwYXNzd29yZA==",
                          "Bearer ", "bearer", "Token abc", "Bearer a b c",
                          "Bearer " + "x" * 2000, "Bearer \u00e9t\u00e9"]

# The bounds. Stateful: SCENARIOS sequences of up to STEPS requests for every identity. Per
# operation: EXAMPLES positive and EXAMPLES negative requests, each sent as every identity.
# Raw bodies: see raw_bodies; edge values: see edge_values. About 12,000 requests in all,
# 75 s of CPU on this project's two-core machine (a sixth of them would meet AT_LEAST).
EXAMPLES = 3
SCENARIOS = 6
STEPS = 15
SURROGATE_EXAMPLES = 3
AT_LEAST = 2_000

HEADER_NAMES = ("authorization", "x-purpose", "x-case-ref", "x-break-glass")
PURPOSES = [p.value for p in Purpose]
INVALID_PURPOSES = ["", "TRIAGE", "triage,audit", "triage ", "purpose", "tri\u00e9ge",
                    "x" * 300, "null", "0"]
# Stands for the purpose the sender's work most often has (NATURAL_PURPOSES), set on sending.
OWN_PURPOSE = "<own purpose>"
NATURAL_PURPOSES = {"mash": "assessment", "social-worker": "assessment",
                    "mash-manager": "assessment", "dart": "marac", "gp": "assessment",
                    "ae": "unscheduled-care", "riverside": "encompass", "hillview": "encompass",
                    "missing": "missing", "auditor": "audit", "governance": "subject-access"}
BREAK_GLASS_REASONS = ["Child brought in injured; history needed now.", "", "x" * 600]
# Values at the edges of what a type holds, put in place of a generated value of the same
# kind one request in four: Hypothesis seldom draws them for an unbounded field.
EDGE_DATETIMES = ["0001-01-01T00:00:00+01:00", "0001-01-01T00:00:00Z",
                  "9999-12-31T23:59:59-01:00", "9999-12-31T23:59:59.999999Z",
                  "1970-01-01T00:00:00+23:59", "2026-02-29T00:00:00Z"]
EDGE_DATES = ["0001-01-01", "9999-12-31", "1970-01-01"]
EDGE_INTEGERS = [-1, 2**31, 2**63 - 1, 2**63, 2**64, 10**20, -(2**63) - 1]
DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}.*")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
ERROR_CODES = {"malformed", "not_authenticated", "not_entitled", "not_found",
               "method_not_allowed", "conflict", "payload_too_large",
               "unsupported_media_type", "invalid"}


# Links ------------------------------------------------------------------------------------

CHILD_ROUTES = [("get", "/v1/children/{child_id}"),
                ("get", "/v1/children/{child_id}/chronology"),
                ("get", "/v1/children/{child_id}/missing-episodes"),
                ("put", "/v1/children/{child_id}/school"),
                ("post", "/v1/children/{child_id}/consents"),
                ("post", "/v1/children/{child_id}/enquiries"),
                ("post", "/v1/children/{child_id}/level-of-need"),
                ("put", "/v1/children/{child_id}/allocated-worker"),
                ("post", "/v1/children/{child_id}/erasure"),
                ("post", "/v1/protection/{child_id}/looked-after"),
                ("get", "/v1/protection/{person_id}"),
                ("post", "/v1/protection/{person_id}/initial-conference"),
                ("post", "/v1/protection/{person_id}/core-group"),
                ("post", "/v1/protection/{person_id}/review"),
                ("post", "/v1/protection/{person_id}/end")]
NOTIFICATION_ROUTES = [("get", "/v1/notifications/{notification_id}"),
                       ("post", "/v1/notifications/{notification_id}/restriction")]
CONTACT_ROUTES = [("get", "/v1/mash/contacts/{contact_id}"),
                  *(("post", f"/v1/mash/contacts/{{contact_id}}/{action}") for action in (
                      "rating", "acknowledge", "research-requests", "research", "decision",
                      "assessment", "disagreements", "feedback-call"))]
CASE_ROUTES = [("get", "/v1/dart/cases/{case_id}"), ("post", "/v1/dart/cases/{case_id}/triage")]
EPISODE_ROUTES = [("get", "/v1/missing/episodes/{episode_id}"),
                  ("post", "/v1/missing/episodes/{episode_id}/interview")]
DISAGREEMENT_ROUTES = [("post", "/v1/disagreements/{disagreement_id}/escalate"),
                       ("post", "/v1/disagreements/{disagreement_id}/risk"),
                       ("post", "/v1/disagreements/{disagreement_id}/resolve")]
NOTICE_ROUTES = [("post", "/v1/encompass/{notice_id}/acknowledge")]

# (source method, source path) -> [(expression, target routes)]
LINKS: dict[tuple[str, str], list[tuple[str, list[tuple[str, str]]]]] = {
    ("post", "/v1/notifications"): [("$response.body#/id", NOTIFICATION_ROUTES),
                                    ("$response.body#/child_ids/*", CHILD_ROUTES)],
    ("get", "/v1/children/{child_id}"): [("$response.body#/id", CHILD_ROUTES)],
    ("post", "/v1/children/search"): [("$response.body#/children/*/id", CHILD_ROUTES)],
    ("get", "/v1/children/{child_id}/chronology"): [
        ("$response.body#/items/*/id", NOTIFICATION_ROUTES)],
    ("get", "/v1/children/{child_id}/missing-episodes"): [
        ("$response.body#/episodes/*/id", EPISODE_ROUTES)],
    ("post", "/v1/children/{child_id}/consents"): [
        ("$response.body#/id", [("post", "/v1/consents/{consent_id}/withdraw")])],
    ("post", "/v1/children/{child_id}/enquiries"): [
        ("$response.body#/id", [("post", "/v1/enquiries/{enquiry_id}/close")]),
        ("$response.body#/child_id", CHILD_ROUTES)],
    ("get", "/v1/dart/queue"): [("$response.body#/items/*/id", CASE_ROUTES)],
    ("get", "/v1/dart/cases/{case_id}"): [
        ("$response.body#/id", CASE_ROUTES),
        ("$response.body#/notification_id", NOTIFICATION_ROUTES),
        ("$response.body#/encompass/*/notice_id", NOTICE_ROUTES)],
    ("get", "/v1/marac/referrals"): [("$response.body#/items/*/case_id", CASE_ROUTES)],
    ("get", "/v1/mash/queue"): [("$response.body#/items/*/id", CONTACT_ROUTES)],
    ("get", "/v1/mash/contacts/{contact_id}"): [("$response.body#/id", CONTACT_ROUTES),
                                                ("$response.body#/child_ids/*",
                                                 CHILD_ROUTES)],
    ("get", "/v1/mash/feedback"): [("$response.body#/items/*/contact_id", CONTACT_ROUTES)],
    ("post", "/v1/mash/contacts/{contact_id}/disagreements"): [
        ("$response.body#/id", DISAGREEMENT_ROUTES)],
    ("get", "/v1/disagreements"): [("$response.body#/items/*/id", DISAGREEMENT_ROUTES)],
    ("post", "/v1/disagreements"): [("$response.body#/id", DISAGREEMENT_ROUTES)],
    ("get", "/v1/me/disagreement-alerts"): [
        ("$response.body#/items/*/id", DISAGREEMENT_ROUTES)],
    ("get", "/v1/missing/queue"): [("$response.body#/missing/*/id", EPISODE_ROUTES),
                                   ("$response.body#/interviews/*/id", EPISODE_ROUTES)],
    ("get", "/v1/encompass"): [("$response.body#/items/*/id", NOTICE_ROUTES)],
    ("get", "/v1/schools/{urn}/encompass"): [("$response.body#/items/*/id", NOTICE_ROUTES)],
    ("get", "/v1/break-glass"): [
        ("$response.body#/*/id", [("post", "/v1/break-glass/{access_id}/review")])],
}


def _pointer(path: str) -> str:
    return path.replace("~", "~0").replace("/", "~1")


def with_links(document: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI document with LINKS added to each source's 2xx responses."""
    paths = document["paths"]
    for (method, path), links in LINKS.items():
        named: dict[str, Any] = {}
        for n, (expression, targets) in enumerate(links):
            for target_method, target_path in targets:
                [parameter] = [p["name"] for p in paths[target_path][target_method]["parameters"]
                               if p["in"] == "path"]
                name = f"{target_method}-{target_path.strip('/')}-{n}".replace("/", "-")
                named[name] = {
                    "operationRef": f"#/paths/{_pointer(target_path)}/{target_method}",
                    "parameters": {f"path.{parameter}": expression}}
        for status, response in paths[path][method]["responses"].items():
            if status.startswith("2"):
                response["links"] = named
    return document


# Bodies the hub's rules accept -------------------------------------------------------------

AGENCY_IDS = [agency for agency, _, _, _ in AGENCIES]
NOW = datetime.now(UTC).replace(microsecond=0)


def nhs_numbers() -> st.SearchStrategy[str]:
    def number(first_nine: int) -> str | None:
        digit = nhs_check_digit(f"{first_nine:09d}")
        return None if digit is None else f"{first_nine:09d}{digit}"

    return st.integers(700_000_000, 799_999_999).map(number).filter(
        lambda n: n is not None).map(str)


def past(hours: int = 24 * 30) -> st.SearchStrategy[str]:
    return st.integers(1, hours).map(lambda h: (NOW - timedelta(hours=h)).isoformat())


@st.composite
def notifications(draw: st.DrawFn) -> dict[str, Any]:
    type_ = draw(st.sampled_from(["domestic_abuse_incident", "school_concern", "health_concern",
                                  "police_concern", "missing", "found", "referral"]))
    child = draw(st.sampled_from([amy(), ben(), {
        "role": "child", "given_name": "Kai", "family_name": "Lowe",
        "date_of_birth": "2014-03-03", "nhs_number": draw(nhs_numbers())}]))
    child["school_urn"] = draw(st.sampled_from([None, "100001", "100002"]))
    subjects = [child]
    details: dict[str, Any] = {"summary": "Something happened."}
    if type_ == "domestic_abuse_incident":
        subjects.append({"role": "adult_victim", "given_name": "Jo", "family_name": "Hart",
                         "date_of_birth": "1990-01-09"})
        details.update(location="9 Birch Close", welfare_check=draw(st.booleans()),
                       dash={"yes_count": draw(st.integers(0, 24))})
        if draw(st.booleans()):
            details["words_for_school"] = "He said he was scared."
    elif type_ == "missing":
        details["episode"] = {"type": draw(st.sampled_from(["missing", "away"])),
                              "last_seen_at": draw(past(72))}
    elif type_ == "found":
        details["episode"] = {"ended": draw(st.sampled_from(["found", "returned"]))}
    return {"type": type_, "source_ref": f"FZ-{draw(st.integers(0, 10**9))}",
            "occurred_at": draw(past(48)), "subjects": subjects, "details": details}


def scope() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({
        "data_classes": st.lists(st.sampled_from([c.value for c in DataClass]), min_size=1,
                                 max_size=4, unique=True),
        "agencies": st.lists(st.sampled_from(AGENCY_IDS), min_size=1, max_size=3, unique=True),
        "purposes": st.lists(st.sampled_from(PURPOSES), min_size=1, max_size=3, unique=True)})


LEVELS = ["universal", "additional", "extensive", "child-in-need", "protection"]
SAY = "Written by the fuzz test, long enough for any rule."


def working_days_before(days: int) -> str:
    """A working day at least ``days`` days before today (the hub's calendar)."""
    working = load_timescales().working
    day = NOW.date() - timedelta(days=days)
    while not working.is_working_day(day):
        day -= timedelta(days=1)
    return day.isoformat()


# MARAC meeting days and action due dates: last week's meeting, yesterday's, a weekend day.
MARAC_DAYS = [working_days_before(7), working_days_before(1),
              (NOW.date() - timedelta(days=NOW.weekday() + 2)).isoformat()]
# A body the hub's rules may accept, by operation; each factory takes the known ids.
VALID_BODIES: dict[str, Callable[[dict[str, list[str]]], st.SearchStrategy[Any]]] = {
    "POST /v1/notifications": lambda _: notifications(),
    "POST /v1/children/{child_id}/consents": lambda _: st.fixed_dictionaries({
        "status": st.sampled_from(["given", "refused"]),
        "given_by": st.sampled_from(["parent", "child"]), "scope": scope()}),
    "POST /v1/children/{child_id}/enquiries": lambda _: st.fixed_dictionaries({
        "kind": st.sampled_from(["s47-enquiry", "strategy-discussion"]),
        "participants": st.one_of(
            st.just(["city-mash", "notts-police", "city-health"]),
            st.lists(st.sampled_from(AGENCY_IDS), min_size=1, max_size=4, unique=True))}),
    "POST /v1/enquiries/{enquiry_id}/close": lambda _: st.fixed_dictionaries({
        "outcome": st.just(SAY)}),
    "POST /v1/sharing-decisions": lambda pools: st.fixed_dictionaries({
        "child_id": st.sampled_from(pools["child"]), "share": st.booleans(),
        "recipient_agency": st.sampled_from(AGENCY_IDS),
        "data_classes": st.lists(st.sampled_from([c.value for c in DataClass]),
                                 min_size=1, max_size=4, unique=True),
        "purposes": st.lists(st.sampled_from(PURPOSES), min_size=1, max_size=3, unique=True),
        "legal_basis": st.sampled_from([b.value for b in LegalBasis]),
        "consent_not_relied": st.sampled_from([None, *(c.value for c in ConsentNotRelied)]),
        "rationale": st.just(SAY)}),
    "POST /v1/notifications/{notification_id}/restriction": lambda _: st.fixed_dictionaries({
        "restricted": st.booleans(), "reason": st.just(SAY)}),
    "POST /v1/break-glass/{access_id}/review": lambda _: st.fixed_dictionaries({
        "outcome": st.sampled_from(["justified", "not-justified"]), "notes": st.just(SAY)}),
    "PUT /v1/children/{child_id}/school": lambda _: st.fixed_dictionaries({
        "urn": st.sampled_from([None, "100001", "100002"])}),
    "PUT /v1/children/{child_id}/allocated-worker": lambda _: st.just({"user_id": None}),
    "POST /v1/children/{child_id}/level-of-need": lambda _: st.fixed_dictionaries({
        "level": st.sampled_from(LEVELS), "reason": st.just(SAY)}),
    "POST /v1/dart/cases/{case_id}/triage": lambda _: st.fixed_dictionaries({
        "actions": st.lists(st.sampled_from([a.value for a in TriageAction]), min_size=1,
                            max_size=3, unique=True),
        "threshold_met": st.booleans(), "rationale": st.just(SAY)}),
    "POST /v1/mash/contacts/{contact_id}/rating": lambda _: st.fixed_dictionaries({
        "rag": st.sampled_from(["red", "amber", "green"]), "rationale": st.just(SAY)}),
    "POST /v1/mash/contacts/{contact_id}/research-requests": lambda _: st.fixed_dictionaries({
        "agencies": st.lists(st.sampled_from(AGENCY_IDS), min_size=1, max_size=3,
                             unique=True)}),
    "POST /v1/mash/contacts/{contact_id}/research": lambda _: st.fixed_dictionaries({
        "content": st.just(SAY)}),
    "POST /v1/mash/contacts/{contact_id}/decision": lambda _: st.fixed_dictionaries({
        "level": st.sampled_from(LEVELS),
        "outcome": st.sampled_from(["no-further-action", "early-help", "assessment",
                                    "strategy-discussion"]),
        "rationale": st.just(SAY), "feedback": st.just(SAY),
        "participants": st.just(["city-mash", "notts-police", "city-health"])}),
    "POST /v1/mash/contacts/{contact_id}/assessment": lambda _: st.fixed_dictionaries({
        "summary": st.just(SAY)}),
    "POST /v1/mash/contacts/{contact_id}/disagreements": lambda _: st.fixed_dictionaries({
        "reason": st.just(SAY)}),
    "POST /v1/disagreements/{disagreement_id}/escalate": lambda _: st.fixed_dictionaries({
        "reason": st.just(SAY)}),
    "POST /v1/disagreements/{disagreement_id}/resolve": lambda _: st.fixed_dictionaries({
        "resolution": st.just(SAY)}),
    "POST /v1/disagreements": lambda pools: st.fixed_dictionaries({
        "subject": st.one_of(*(st.fixed_dictionaries({
            "kind": st.just(kind), "id": st.sampled_from(pools.get(pool, []))})
            for kind, pool in (("mash-contact", "contact"), ("dart-triage", "case"),
                               ("missing-episode", "episode")) if pools.get(pool))),
        "risk": st.sampled_from(["high", "medium", "standard"]), "reason": st.just(SAY)}),
    "POST /v1/mash/contacts/{contact_id}/feedback-call": lambda _: st.fixed_dictionaries({
        "note": st.just(SAY)}),
    "POST /v1/disagreements/{disagreement_id}/risk": lambda _: st.fixed_dictionaries({
        "risk": st.sampled_from(["high", "medium", "standard"]), "reason": st.just(SAY)}),
    "PUT /v1/escalation-contacts/{stage}": lambda _: st.fixed_dictionaries({
        "user_id": st.none()}),
    "POST /v1/missing/episodes/{episode_id}/interview": lambda _: st.fixed_dictionaries({
        "step": st.sampled_from(["offered", "accepted", "declined", "held", "not-held"]),
        "independent": st.just(True), "reason": st.just(SAY)}),
    "POST /v1/missing/reconciliations": lambda pools: st.fixed_dictionaries({
        "child_id": st.sampled_from(pools["child"]),
        "report": st.sampled_from(pools["notification"]), "note": st.just(SAY)}),
    "POST /v1/protection/{person_id}/initial-conference": lambda _: st.fixed_dictionaries({
        "plan": st.booleans(),
        "category": st.sampled_from(["neglect", "physical", "sexual", "emotional",
                                     "multiple"])}),
    "POST /v1/protection/{person_id}/core-group": lambda _: st.just({}),
    "POST /v1/protection/{person_id}/review": lambda _: st.fixed_dictionaries({
        "plan_continues": st.booleans()}),
    "POST /v1/protection/{person_id}/end": lambda _: st.fixed_dictionaries({
        "because": st.sampled_from(["moved-away", "adulthood", "born", "other"])}),
    "POST /v1/protection/{child_id}/looked-after": lambda _: st.fixed_dictionaries({
        "looked_after": st.booleans()}),
    "POST /v1/marac/meetings": lambda _: st.fixed_dictionaries({
        "meets_on": st.sampled_from(MARAC_DAYS),
        "agencies": st.lists(st.sampled_from(AGENCY_IDS), min_size=1, max_size=4,
                             unique=True)}),
    "POST /v1/marac/meetings/{meeting_id}/agencies": lambda _: st.fixed_dictionaries({
        "agencies": st.lists(st.sampled_from(AGENCY_IDS), min_size=1, max_size=3,
                             unique=True)}),
    "POST /v1/marac/meetings/{meeting_id}/cases": lambda pools: st.fixed_dictionaries({
        "referral_id": st.sampled_from(pools["referral"])}),
    "POST /v1/marac/meetings/{meeting_id}/cases/{referral_id}/outcome":
        lambda _: st.fixed_dictionaries({
            "risk": st.sampled_from(["standard", "medium", "high"]), "summary": st.just(SAY),
            "attendance": st.just(["notts-police"]),
            "actions": st.lists(st.fixed_dictionaries({
                "agency": st.sampled_from(AGENCY_IDS), "action": st.just(SAY),
                "due_on": st.sampled_from(MARAC_DAYS)}), max_size=2)}),
    "POST /v1/cp-is/lookups": lambda _: st.fixed_dictionaries({
        "nhs_number": st.sampled_from([NHS_AMY, "9434765870", "943 476 5919"])}),
    "POST /v1/children/search": lambda _: st.one_of(
        st.fixed_dictionaries({
            "nhs_number": st.sampled_from([NHS_AMY, "9434765870", "943 476 5919"])}),
        st.fixed_dictionaries({
            "given_name": st.sampled_from(["Amy", "AMY", "Ben"]),
            "family_name": st.just("Hart"),
            "date_of_birth": st.sampled_from(["2016-04-02", "2016-02-04"]),
            "postcode": st.sampled_from(["NG5 1AB", "ng51ab"])})),
}


# The application, counted ----------------------------------------------------------------


@dataclass
class Exchange:
    """One request as sent, for a finding: enough to send it again by hand."""

    identity: str
    method: str
    path: str
    query: Any
    headers: dict[str, str]
    body: Any

    def __str__(self) -> str:
        headers = {k: ("<" + self.identity + "'s token>" if k.lower() == "authorization"
                       and self.identity in PEOPLE else v[:80]) for k, v in self.headers.items()}
        body = None if self.body is NOT_SET else self.body
        if isinstance(body, bytes):
            body = body[:200]
        elif body is not None:
            body = json.dumps(body, default=str)[:400]
        return f"{self.method} {self.path} query={self.query} headers={headers} body={body!r}"


@dataclass
class Finding:
    kind: str  # "5xx" or "shape"
    operation: str
    status: int
    exchange: Exchange
    answer: str
    exception: str | None = None

    def key(self) -> tuple[str, str, int, str]:
        last = (self.exception or "").strip().splitlines()[-1:] or [""]
        return (self.kind, self.operation, self.status, re.sub(r"\d+", "N", last[0][:160]))


class Recorder:
    """Wraps the ASGI app: counts every HTTP request it is sent and keeps the traceback of any
    exception the app raises (Starlette sends its 500 answer, then raises again)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.requests = 0
        self.exceptions: list[str] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        self.requests += 1
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            self.exceptions.append(traceback.format_exc())
            if not started:
                await send({"type": "http.response.start", "status": 500,
                            "headers": [(b"content-type", b"text/plain")]})
                await send({"type": "http.response.body", "body": b"raised"})


# The fuzzer --------------------------------------------------------------------------------

# Which pool of known ids a response field feeds (by its name)...
FIELD_POOLS = {"child_id": "child", "child_ids": "child", "victim_ids": "person",
               "notification_id": "notification", "case_id": "case", "contact_id": "contact",
               "episode_id": "episode", "enquiry_id": "enquiry",
               "disagreement_id": "disagreement", "consent_id": "consent",
               "access_id": "access", "notice_id": "notice", "meeting_id": "meeting",
               "referral_id": "referral"}
# ... which pool an answer's own "id" (or its items' ids) feeds, by route ...
ID_POOLS = {"/v1/notifications": "notification",
            "/v1/notifications/{notification_id}": "notification",
            "/v1/children/{child_id}/chronology": "notification",
            "/v1/children/{child_id}/consents": "consent",
            "/v1/children/{child_id}/enquiries": "enquiry", "/v1/dart/queue": "case",
            "/v1/dart/cases/{case_id}": "case", "/v1/mash/queue": "contact",
            "/v1/mash/contacts/{contact_id}": "contact", "/v1/disagreements": "disagreement",
            "/v1/me/disagreement-alerts": "disagreement",
            "/v1/mash/contacts/{contact_id}/disagreements": "disagreement",
            "/v1/children/{child_id}/missing-episodes": "episode",
            "/v1/missing/queue": "episode", "/v1/missing/episodes/{episode_id}": "episode",
            "/v1/encompass": "notice", "/v1/schools/{urn}/encompass": "notice",
            "/v1/break-glass": "access", "/v1/marac/referrals": "referral",
            "/v1/protection/{person_id}/initial-conference": "conference",
            "/v1/protection/{person_id}/review": "conference",
            "/v1/marac/meetings": "meeting", "/v1/marac/meetings/{meeting_id}": "meeting",
            "/v1/marac/actions": "action"}
# ... which pools a path parameter draws from, and X-Case-Ref (the cases a purpose rests on).
PARAMETER_POOLS = {"child_id": ["child"], "person_id": ["child", "person"],
                   "notification_id": ["notification"], "case_id": ["case"],
                   "contact_id": ["contact"], "episode_id": ["episode"],
                   "enquiry_id": ["enquiry"], "disagreement_id": ["disagreement"],
                   "consent_id": ["consent"], "access_id": ["access"],
                   "notice_id": ["notice"], "urn": ["urn"],
                   "conference_id": ["conference"],
                   "meeting_id": ["meeting"],
                   "referral_id": ["referral"], "action_id": ["action"]}
CASE_REF_POOLS = ["enquiry", "episode", "referral", "case"]
POOL_LIMIT = 40
# A value the hub may name in a message: an enum value, an agency id, a field name.
VOCABULARY = re.compile(r"[a-z0-9][a-z0-9_.-]*")


@dataclass
class Fuzzer:
    world: World
    recorder: Recorder
    tokens: dict[str, str]
    pools: dict[str, list[str]] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    echoes: list[str] = field(default_factory=list)
    succeeded: set[str] = field(default_factory=set)
    # operation -> the identities that got past 401 and 403 on it
    reached: dict[str, set[str]] = field(default_factory=dict)
    sent: int = 0
    garbage: int = 0
    # operations (and kinds of case) schemathesis could not draw a case for
    ungenerated: list[str] = field(default_factory=list)

    # Known ids -------------------------------------------------------------------------------

    def know(self, pool: str, value: Any) -> None:
        known = self.pools.setdefault(pool, [])
        if isinstance(value, str) and value and value not in known and len(known) < POOL_LIMIT:
            known.append(value)

    def harvest(self, template: str, body: Any) -> None:
        """Remember the ids an answer names, for later path parameters and X-Case-Ref."""
        own = ID_POOLS.get(template)

        def walk(node: Any, depth: int) -> None:
            if depth > 4:
                return
            if isinstance(node, list):
                for item in node[:20]:
                    walk(item, depth + 1)
            elif isinstance(node, dict):
                for key, value in node.items():
                    if key == "id" and own is not None and depth <= 2:
                        self.know(own, value)
                    elif key in FIELD_POOLS:
                        for item in value if isinstance(value, list) else [value]:
                            self.know(FIELD_POOLS[key], item)
                    else:
                        walk(value, depth + 1)

        walk(body, 0)

    # Generation ------------------------------------------------------------------------------

    def flatmap_case(self, context: HookContext, case: AnyCase) -> st.SearchStrategy[AnyCase]:
        """Schemathesis hook: known ids for path parameters (three times in four), sometimes a
        body the hub's rules accept, and the hub's own headers: a purpose from the enum (or
        none, or a made-up one, or the one the sender's work most often has), sometimes a case
        reference or a break-glass reason."""
        del context

        @st.composite
        def finish(draw: st.DrawFn) -> AnyCase:
            for name, value in list((case.path_parameters or {}).items()):
                known = [v for pool in PARAMETER_POOLS.get(name, [])
                         for v in self.pools.get(pool, [])]
                if known and value not in known and draw(st.integers(0, 3)) > 0:
                    case.path_parameters[name] = draw(st.sampled_from(known))
            valid = VALID_BODIES.get(case.operation.label)
            if valid is not None and draw(st.booleans()):
                case.body = draw(valid(self.pools))
            if draw(st.integers(0, 3)) == 0:
                if isinstance(case.body, dict | list):
                    case.body = draw(edges(case.body))
                if case.query:
                    case.query.update(draw(edges(case.query)))
            generated = {k.lower(): v for k, v in (case.headers or {}).items()}
            headers: dict[str, Any] = {k: v for k, v in (case.headers or {}).items()
                                       if k.lower() not in HEADER_NAMES}
            choice = draw(st.integers(0, 11))
            if choice < 5:
                headers["X-Purpose"] = draw(st.sampled_from(PURPOSES))
            elif choice < 8:
                headers["X-Purpose"] = OWN_PURPOSE
            elif choice < 10:
                headers["X-Purpose"] = draw(st.sampled_from(INVALID_PURPOSES))
            elif choice == 10 and "x-purpose" in generated:
                headers["X-Purpose"] = generated["x-purpose"]
            choice = draw(st.integers(0, 9))
            refs = [v for pool in CASE_REF_POOLS for v in self.pools.get(pool, [])]
            if choice < 3 and refs:
                headers["X-Case-Ref"] = draw(st.sampled_from(refs))
            elif choice == 3:
                headers["X-Case-Ref"] = draw(st.sampled_from(["not-a-case", "", "0" * 37]))
            elif choice == 4 and "x-case-ref" in generated:
                headers["X-Case-Ref"] = generated["x-case-ref"]
            choice = draw(st.integers(0, 19))
            if choice == 0:
                headers["X-Break-Glass"] = draw(st.sampled_from(BREAK_GLASS_REASONS))
            elif choice == 1 and "x-break-glass" in generated:
                headers["X-Break-Glass"] = generated["x-break-glass"]
            case.headers.clear()
            case.headers.update(headers)
            return case

        return finish()

    # Sending and checking --------------------------------------------------------------------

    def authorization(self, identity: str) -> str | None:
        if identity == ANONYMOUS:
            return None
        if identity == GARBAGE:
            self.garbage += 1
            return GARBAGE_AUTHORIZATIONS[self.garbage % len(GARBAGE_AUTHORIZATIONS)]
        return f"Bearer {self.tokens[identity]}"

    def send(self, case: AnyCase, identity: str) -> Response:
        """Send a generated case as the identity, and check the answer. The case keeps the
        headers it was generated with, for the next identity."""
        generated = dict(case.headers)
        headers = {k: v for k, v in generated.items() if k.lower() != "authorization"}
        if headers.get("X-Purpose") == OWN_PURPOSE:
            headers["X-Purpose"] = NATURAL_PURPOSES.get(identity, "triage")
        authorization = self.authorization(identity)
        if authorization is not None:
            headers["Authorization"] = authorization
        case.headers.clear()
        case.headers.update(headers)
        raised = len(self.recorder.exceptions)
        try:
            response = case.call()
        finally:
            case.headers.clear()
            case.headers.update(generated)
        self.sent += 1
        exchange = Exchange(identity, case.method.upper(), case.formatted_path, case.query,
                            {k: str(v) for k, v in headers.items()}, case.body)
        self.judge(case.operation, exchange, response.status_code, response.content,
                   self.recorder.exceptions[raised:], sent_strings(case))
        return response

    def send_raw(self, operation: Operation, path: str, identity: str, body: bytes,
                 content_type: str | None, headers: dict[str, str] | None = None) -> None:
        """Send bytes no schema describes, and check the answer."""
        sent = dict(headers or {})
        authorization = self.authorization(identity)
        if authorization is not None:
            sent["Authorization"] = authorization
        if content_type is not None:
            sent["Content-Type"] = content_type
        raised = len(self.recorder.exceptions)
        with schemathesis_asgi.get_client(cast(Any, self.recorder)) as client:
            response = client.request(operation.method.upper(), path, data=body, headers=sent)
        self.sent += 1
        exchange = Exchange(identity, operation.method.upper(), path, None, sent, body)
        self.judge(operation, exchange, response.status_code, response.content,
                   self.recorder.exceptions[raised:], iter(()))

    def judge(self, operation: Operation, exchange: Exchange, status: int, content: bytes,
              exceptions: list[str], strings: Iterator[str]) -> None:
        self.statuses[status] += 1
        if status not in (401, 403):
            self.reached.setdefault(operation.label, set()).add(exchange.identity)
        try:
            body: Any = json.loads(content) if content else None
        except ValueError:
            body = None
        if 200 <= status < 300:
            self.succeeded.add(operation.label)
            if body is not None:
                self.harvest(operation.path, body)
        if status < 400:
            return
        answer = content[:300].decode("utf-8", "replace")
        if status >= 500:
            self.findings.append(Finding("5xx", operation.label, status, exchange, answer,
                                         "".join(exceptions) or None))
            return
        shaped = (isinstance(body, dict) and set(body) == {"error"}
                  and isinstance(body["error"], dict) and documented_error(body["error"]))
        if not shaped:
            self.findings.append(Finding("shape", operation.label, status, exchange, answer))
            return
        message = body["error"]["message"]
        for value in strings:
            if value in message:
                self.echoes.append(f"{operation.label} {status}: {message[:160]!r} echoes "
                                   f"{value[:60]!r}")
                break


def documented_error(error: dict[str, Any]) -> bool:
    """`{"code", "message"}` (strings, a documented code) and, for invalid input only, the
    documented `errors` list of `{"field", "reason"}` strings."""
    fields = set(error)
    if not ({"code", "message"} <= fields <= {"code", "message", "errors"}):
        return False
    if not all(isinstance(error[k], str) for k in ("code", "message")):
        return False
    listed = error.get("errors", [])
    return error["code"] in ERROR_CODES and isinstance(listed, list) and all(
        isinstance(item, dict) and set(item) == {"field", "reason"}
        and all(isinstance(v, str) for v in item.values()) for item in listed)


@st.composite
def edges(draw: st.DrawFn, node: Any) -> Any:
    """The node with its dates, times and integers at the edges of their types."""
    if isinstance(node, dict):
        return {key: draw(edges(value)) for key, value in node.items()}
    if isinstance(node, list):
        return [draw(edges(item)) for item in node]
    if isinstance(node, bool):
        return node
    if isinstance(node, int):
        return draw(st.sampled_from([node, *EDGE_INTEGERS]))
    if isinstance(node, str) and DATETIME.fullmatch(node):
        return draw(st.sampled_from([node, *EDGE_DATETIMES]))
    if isinstance(node, str) and DATE.fullmatch(node):
        return draw(st.sampled_from([node, *EDGE_DATES]))
    return node


def sent_strings(case: AnyCase) -> Iterator[str]:
    """The made-up strings a request carried: long enough that finding one in a message is
    no accident, and not a word the hub may use itself (a purpose, an enum value, an id)."""

    def walk(node: Any) -> Iterator[str]:
        if isinstance(node, str):
            if len(node) >= 8 and not VOCABULARY.fullmatch(node) and not node.isspace():
                yield node
        elif isinstance(node, dict):
            for value in node.values():
                yield from walk(value)
        elif isinstance(node, list):
            for item in node:
                yield from walk(item)

    for container in (case.query, case.body, case.path_parameters,
                      {k: v for k, v in (case.headers or {}).items()
                       if k.lower() != "authorization"}):
        yield from walk(container)


# The world ---------------------------------------------------------------------------------


def seed(world: World, fuzz: Fuzzer) -> None:
    """Records of every kind, so path parameters can name things that exist."""
    police = world.send("police", incident("FUZZ-1"))
    school = world.send("riverside", concern("school_concern", "FUZZ-2", ben(school_urn="100001"),
                                             summary="Ben came in hungry."))
    world.send("gp", concern("health_concern", "FUZZ-3", amy(), summary="Bruising."))
    world.send("police", concern("police_concern", "FUZZ-4", ben(), summary="Out late."))
    missing = world.send("police", {
        "type": "missing", "source_ref": "FUZZ-5",
        "occurred_at": (NOW - timedelta(hours=29)).isoformat(), "subjects": [ben()],
        "details": {"summary": "Did not come home.", "episode": {
            "type": "missing", "last_seen_at": (NOW - timedelta(hours=30)).isoformat()}}})
    world.send("police", {
        "type": "found", "source_ref": "FUZZ-6",
        "occurred_at": (NOW - timedelta(hours=2)).isoformat(), "subjects": [ben()],
        "details": {"summary": "Found.", "episode": {"ended": "found"}}})
    for record in (police, school, missing):
        fuzz.know("notification", record["id"])
        for child in record["child_ids"]:
            fuzz.know("child", child)
    amy_id, ben_id = police["child_ids"][0], school["child_ids"][0]

    def ok(response: Any) -> Any:
        assert response.status_code in (200, 201), response.text
        return response.json()

    enquiry = ok(world.call("POST", f"/v1/children/{amy_id}/enquiries", "social-worker",
                            json={"kind": "s47-enquiry",
                                  "participants": ["city-mash", "notts-police", "city-health"]}))
    fuzz.know("enquiry", enquiry["id"])
    conference = ok(world.call("POST", f"/v1/protection/{amy_id}/initial-conference",
                               "social-worker", "s47", json={"plan": True,
                                                             "category": "neglect"}))
    fuzz.know("conference", conference["conferences"][0]["id"])
    consent = ok(world.call("POST", f"/v1/children/{amy_id}/consents", "gp", json={
        "status": "given", "given_by": "parent",
        "scope": {"data_classes": ["health"], "agencies": ["city-dart"],
                  "purposes": ["triage"]}}))
    fuzz.know("consent", consent["id"])
    ok(world.call("GET", f"/v1/children/{ben_id}/chronology", "police", "triage",
                  headers={"X-Break-Glass": "Child brought to custody injured; history needed."}))
    for path, who, purpose in [
            ("/v1/dart/queue", "dart", None), ("/v1/mash/queue", "mash", None),
            ("/v1/missing/queue", "missing", None), ("/v1/encompass", "riverside", "encompass"),
            ("/v1/break-glass", "mash-manager", None), ("/v1/marac/referrals", "dart", None)]:
        fuzz.harvest(path, ok(world.call("GET", path, who, purpose)))
    fuzz.harvest("/v1/children/{child_id}/missing-episodes", ok(world.call(
        "GET", f"/v1/children/{ben_id}/missing-episodes", "missing", "missing")))
    contact = next(c for c in fuzz.pools["contact"] if ok(world.call(
        "GET", f"/v1/mash/contacts/{c}", "mash", "triage"))["referrer"] == "notts-police")
    ok(world.call("POST", f"/v1/mash/contacts/{contact}/rating", "social-worker",
                  json={"rag": "amber"}))
    ok(world.call("POST", f"/v1/mash/contacts/{contact}/decision", "social-worker", json={
        "level": "universal", "outcome": "no-further-action",
        "rationale": "Seen by the MASH; no role for children's services.",
        "feedback": "No further action by the MASH."}))
    disagreement = ok(world.call("POST", f"/v1/mash/contacts/{contact}/disagreements",
                                 "police", json={"reason": "We think it needs more."}))
    fuzz.know("disagreement", disagreement["id"])
    for urn in ("100001", "100002"):
        fuzz.know("urn", urn)
    # A MARAC meeting held last week, the police and health invited, a case heard with an
    # action for the police.
    # The DART triages the police's incident (DASH 15): the rules refer it to the MARAC.
    case = fuzz.pools["case"][0]
    ok(world.call("POST", f"/v1/dart/cases/{case}/triage", "dart", json={
        "actions": ["safety-planning"], "threshold_met": False, "rationale": SAY}))
    fuzz.harvest("/v1/marac/referrals", ok(world.call("GET", "/v1/marac/referrals", "dart")))
    meeting = ok(world.call("POST", "/v1/marac/meetings", "dart-manager", json={
        "meets_on": MARAC_DAYS[0], "agencies": ["notts-police", "city-health"]}))
    fuzz.know("meeting", meeting["id"])
    referral = fuzz.pools["referral"][0]
    ok(world.call("POST", f"/v1/marac/meetings/{meeting['id']}/cases", "dart-manager",
                  json={"referral_id": referral}))
    heard = ok(world.call(
        "POST", f"/v1/marac/meetings/{meeting['id']}/cases/{referral}/outcome",
        "dart-manager", json={"risk": "high", "summary": SAY, "attendance": ["notts-police"],
                              "actions": [{"agency": "notts-police", "action": SAY,
                                           "due_on": MARAC_DAYS[0]}]}))
    fuzz.know("action", heard["cases"][0]["actions"][0]["id"])
    for pool in ("child", "notification", "case", "contact", "episode", "notice", "access",
                 "enquiry", "consent", "disagreement", "referral", "meeting", "action"):
        assert fuzz.pools.get(pool), f"the seed made no {pool}"


@pytest.fixture(scope="module")
def fuzz(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fuzzer]:
    worlds = open_world(tmp_path_factory.mktemp("fuzz"))
    world = next(worlds)
    try:
        world.hub.registry.register_agency("city-ig", "admin", "Information Governance")
        tokens = dict(world.tokens)
        tokens["governance"] = world.hub.registry.register_user("city-ig", "admin",
                                                                "Governance")[1]
        the_fuzz = Fuzzer(world, Recorder(cast(FastAPI, world.client.app)), tokens)
        seed(world, the_fuzz)
        yield the_fuzz
    finally:
        # Schemathesis keeps the app's lifespan running for the rest of the process.
        schemathesis_asgi.shutdown_lifespans()
        next(worlds, None)


@pytest.fixture(scope="module")
def schema(fuzz: Fuzzer) -> OpenApiSchema:
    """The app's own OpenAPI document with LINKS, sent through the Recorder."""
    document = fuzz.world.client.get("/openapi.json").json()
    config = schemathesis.Config.from_dict({
        "seed": 14,
        "phases": {"stateful": {"inference": {"algorithms": []}}},
    })
    loaded = schemathesis.openapi.from_dict(with_links(document), config=config)
    loaded.app = fuzz.recorder
    loaded.location = "/openapi.json"
    loaded.hooks.register_hook_with_name(fuzz.flatmap_case, "flatmap_case")
    return loaded


@contextmanager
def quiet() -> Iterator[None]:
    """The app logs each 500 as an error; the test reports them itself."""
    logger = logging.getLogger("hub.api")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


def report(fuzz: Fuzzer, title: str) -> str:
    distinct: dict[tuple[str, str, int, str], tuple[Finding, int]] = {}
    for finding in fuzz.findings:
        first, count = distinct.get(finding.key(), (finding, 0))
        distinct[finding.key()] = (first, count + 1)
    lines = [title, f"statuses {dict(sorted(fuzz.statuses.items()))}; "
             f"{len(fuzz.succeeded)} operations answered 2xx at least once; "
             f"{len(fuzz.findings)} findings, {len(distinct)} distinct",
             f"no case could be drawn for: {', '.join(fuzz.ungenerated) or 'none'}"]
    for (kind, operation, status, last), (finding, count) in sorted(distinct.items()):
        lines.append(f"- {kind} {status} {operation} (x{count}): {last}")
        lines.append(f"    request: {finding.exchange}")
        lines.append(f"    answer:  {finding.answer[:200]}")
        if finding.exception:
            lines.append(f"    raised:  {where(finding.exception)}")
    return "\n".join(lines)


ROOT = str(Path(__file__).resolve().parents[2]) + "/"


def where(exception: str) -> str:
    """The project's own frames of a traceback, innermost first: file:line in function."""
    frames = re.findall(r'File "([^"]+)", line (\d+), in (\S+)', exception)
    own = [f"{path.removeprefix(ROOT)}:{line} {function}" for path, line, function in frames
           if path.startswith(ROOT) and "/.venv/" not in path and "/tests/" not in path]
    return " <- ".join(reversed(own[-5:]))


RUN_SETTINGS: dict[str, Any] = {
    "deadline": None, "derandomize": True, "database": None, "print_blob": False,
    "phases": [Phase.generate], "suppress_health_check": list(HealthCheck)}


# The runs ----------------------------------------------------------------------------------


def operations(schema: OpenApiSchema) -> list[Operation]:
    found = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result
        found.append(result.ok())
    assert len(found) >= 60
    return found


def has_negative(operation: Operation) -> bool:
    """Whether Schemathesis can make a request that breaks the schema (not for a route that
    takes only the headers every route declares)."""
    return bool(operation.body or operation.path_parameters or operation.query
                or any(h.name.lower() not in HEADER_NAMES for h in operation.headers))


def stateful(schema: OpenApiSchema, fuzz: Fuzzer) -> None:
    """Sequences along LINKS: SCENARIOS of them for every identity."""
    base = schema.as_state_machine()
    for identity in IDENTITIES:

        def call(self: APIStateMachine, case: AnyCase, who: str = identity,
                 **kwargs: Any) -> Response:
            del self, kwargs
            return fuzz.send(case, who)

        def validate_response(self: APIStateMachine, response: Response, case: AnyCase,
                              *args: Any, **kwargs: Any) -> None:
            """Checked in Fuzzer.judge, not by Schemathesis' own checks."""

        machine = cast(type[APIStateMachine], type(
            f"Fuzz_{identity.replace('-', '_')}", (base,),
            {"call": call, "validate_response": validate_response}))
        machine.run(settings=settings(max_examples=SCENARIOS, stateful_step_count=STEPS,
                                      **RUN_SETTINGS))


def per_operation(schema: OpenApiSchema, fuzz: Fuzzer) -> None:
    """Every operation: EXAMPLES positive and EXAMPLES negative requests, each sent as every
    identity in turn."""
    for operation in operations(schema):
        modes = [GenerationMode.POSITIVE]
        if has_negative(operation):
            modes.append(GenerationMode.NEGATIVE)
        for mode in modes:

            @settings(max_examples=EXAMPLES, **RUN_SETTINGS)
            @given(case=operation.as_strategy(generation_mode=mode))
            def each(case: AnyCase) -> None:
                for identity in IDENTITIES:
                    fuzz.send(case, identity)

            try:
                each()
            except Unsatisfiable:
                # Schemathesis could not make a case of this kind for the operation (a
                # `{path:path}` tile path has no negative form it can draw): said, not hidden.
                fuzz.ungenerated.append(f"{operation.label} ({mode.value})")


JSON = "application/json"
MALFORMED: list[tuple[str, bytes, str | None]] = [
    ("empty", b"", JSON), ("truncated", b'{"a": ', JSON), ("null", b"null", JSON),
    ("list", b"[]", JSON), ("string", b'"x"', JSON), ("huge number", b"1e400", JSON),
    ("NaN", b'{"a": NaN}', JSON), ("duplicate keys", b'{"a": 1, "a": 2}', JSON),
    ("deep list", b"[" * 20_000 + b"]" * 20_000, JSON),
    ("deep object", b'{"a":' * 20_000 + b"1" + b"}" * 20_000, JSON),
    ("not UTF-8", b'{"a": "\xff\xfe"}', JSON),
    ("lone surrogate", b'{"a": "\\ud800"}', JSON),
    ("NUL", b'{"a": "\\u0000"}', JSON),
    ("text", b"{}", "text/plain"), ("form", b"a=b", "application/x-www-form-urlencoded"),
    ("no content type", b"{}", None), ("charset", b"{}", "application/json; charset=latin-1"),
]


def poison(node: Any) -> Any:
    """Every string in a body with a lone surrogate in it (valid JSON, invalid Unicode)."""
    if isinstance(node, str):
        return node + "\ud800"
    if isinstance(node, dict):
        return {key: poison(value) for key, value in node.items()}
    if isinstance(node, list):
        return [poison(item) for item in node]
    return node


def entitled(fuzz: Fuzzer, operation: Operation) -> list[str]:
    """The people who got past 401 and 403 on the operation so far (all, where none did)."""
    return sorted(fuzz.reached.get(operation.label, set()) & set(PEOPLE)) or PEOPLE


def raw_bodies(schema: OpenApiSchema, fuzz: Fuzzer) -> None:
    """Every operation that takes a body: each MALFORMED body as each RAW_IDENTITIES, one
    body over the size limit, and SURROGATE_EXAMPLES generated bodies whose strings hold a
    lone surrogate, as each person entitled to the operation."""
    children = fuzz.pools["child"]
    for operation in operations(schema):
        if not operation.body:
            continue
        path = operation.path
        for name in (p.name for p in operation.path_parameters):
            pool = PARAMETER_POOLS.get(name, ["child"])
            path = path.replace(f"{{{name}}}", (fuzz.pools.get(pool[0]) or children)[0])
        for identity in RAW_IDENTITIES:
            for _, body, content_type in MALFORMED:
                fuzz.send_raw(operation, path, identity, body, content_type,
                              {"X-Purpose": "triage"})
        too_large = b"[" + b"0," * 600_000 + b"0]"
        fuzz.send_raw(operation, path, "police", too_large, JSON)

        @settings(max_examples=SURROGATE_EXAMPLES, **RUN_SETTINGS)
        @given(case=operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
               who=st.just(entitled(fuzz, operation)))
        def each(case: AnyCase, who: list[str]) -> None:
            body = json.dumps(poison(case.body)).encode()
            for identity in who:
                fuzz.send_raw(case.operation, case.formatted_path, identity, body, JSON,
                              {"X-Purpose": "triage"})

        each()


Path_ = tuple[str | int, ...]


def edge_fields(document: dict[str, Any], node: Any, at: Path_ = ()) -> Iterator[
        tuple[Path_, str]]:
    """Where a body's schema holds an integer, a date or a date-time, and which."""
    while isinstance(node, dict) and "$ref" in node:
        node = document["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    if not isinstance(node, dict) or len(at) > 4:
        return
    for alternative in node.get("anyOf", []) + node.get("oneOf", []) + node.get("allOf", []):
        yield from edge_fields(document, alternative, at)
    kind = {"date-time": "datetime", "date": "date"}.get(node.get("format", ""))
    if kind is None and node.get("type") == "integer":
        kind = "integer"
    if kind is not None and at:
        yield at, kind
    for name, child in node.get("properties", {}).items():
        yield from edge_fields(document, child, (*at, name))
    if "items" in node:
        yield from edge_fields(document, node["items"], (*at, 0))


def put(node: Any, at: Path_, value: Any) -> Any:
    """A copy of the node with the value at the path (objects made where missing); the node
    unchanged where the path runs through a missing array item."""
    if not at:
        return value
    head, rest = at[0], at[1:]
    if isinstance(head, int):
        if not isinstance(node, list) or not node:
            return node
        return [put(node[0], rest, value), *node[1:]]
    base = dict(node) if isinstance(node, dict) else {}
    base[head] = put(base.get(head), rest, value)
    return base


EDGES: dict[str, list[Any]] = {"integer": EDGE_INTEGERS, "date": EDGE_DATES,
                              "datetime": EDGE_DATETIMES}


def edge_values(schema: OpenApiSchema, fuzz: Fuzzer) -> None:
    """Every integer, date and date-time in every operation's query and body, set to each
    value at the edge of its type, one at a time, on a request that is otherwise one the
    operation may accept; sent as each identity that got past 401 and 403 on the operation
    in the runs before (every person where none did). Path parameters name the first record
    of their kind the seed made."""
    document = schema.raw_schema
    for operation in operations(schema):
        definition = document["paths"][operation.path][operation.method]
        in_query = [(at, kind) for p in definition.get("parameters", []) if p["in"] == "query"
                    for at, kind in edge_fields(document, p["schema"], (p["name"],))]
        body_schema = (definition.get("requestBody", {}).get("content", {})
                       .get(JSON, {}).get("schema"))
        in_body = sorted(set(edge_fields(document, body_schema)), key=str) if body_schema else []
        if not in_query and not in_body:
            continue
        who = entitled(fuzz, operation)
        valid = VALID_BODIES.get(operation.label)

        @settings(max_examples=1, **RUN_SETTINGS)
        @given(case=operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
               body=valid(fuzz.pools) if valid is not None else st.none(),
               in_query=st.just(in_query), in_body=st.just(in_body), who=st.just(who))
        def each(case: AnyCase, body: Any, in_query: list[tuple[Path_, str]],
                 in_body: list[tuple[Path_, str]], who: list[str]) -> None:
            for name in list(case.path_parameters):
                known = [v for pool in PARAMETER_POOLS.get(name, []) for v in fuzz.pools[pool]]
                case.path_parameters[name] = known[0]
            base_query, base_body = dict(case.query), body if body is not None else case.body
            for at, kind in in_query:
                for value in EDGES[kind]:
                    case.query = {**base_query, str(at[0]): value}
                    for identity in who:
                        fuzz.send(case, identity)
            case.query = base_query
            for at, kind in in_body:
                for value in EDGES[kind]:
                    case.body = put(base_body, at, value)
                    for identity in who:
                        fuzz.send(case, identity)

        each()


def test_fuzz_every_operation_as_every_identity(schema: OpenApiSchema, fuzz: Fuzzer) -> None:
    runs: list[tuple[str, Callable[[OpenApiSchema, Fuzzer], None]]] = [
        ("stateful", stateful), ("per operation", per_operation), ("raw bodies", raw_bodies),
        ("edge values", edge_values)]
    lines = []
    for title, run in runs:
        before = fuzz.recorder.requests
        began = datetime.now(UTC)
        with quiet():
            run(schema, fuzz)
        lines.append(f"{title}: {fuzz.recorder.requests - before} requests in "
                     f"{(datetime.now(UTC) - began).total_seconds():.0f} s")
    summary = report(fuzz, "; ".join(lines))
    never = sorted({o.label for o in operations(schema)} - fuzz.succeeded)
    summary += f"\nnever answered 2xx: {never}"
    if fuzz.echoes:
        summary += (f"\n{len(fuzz.echoes)} messages repeat a value sent (not failed), e.g.:\n"
                    + "\n".join(sorted(set(fuzz.echoes))[:10]))
    assert fuzz.recorder.requests >= AT_LEAST, summary
    assert fuzz.sent == fuzz.recorder.requests, summary
    if fuzz.findings:
        pytest.fail(summary, pytrace=False)
    print(summary)
