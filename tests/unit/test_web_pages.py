"""The web app's small rules: which pages each role has (the capability policy's answer), where
a page may send the reader next (only to a page of the hub), how times and dates read (UK time,
across the clock change), and what a posted form may be."""

import asyncio
from datetime import date
from uuid import uuid4

import pytest
from starlette.requests import Request

from hub.registry import Caller
from hub.web.context import day, when
from hub.web.dart import age_on, triage_form
from hub.web.forms import MAX_FORM_BYTES, BadForm, read_form
from hub.web.pages import PAGES, page, pages_for
from hub.web.routes import next_page
from policies.decision_point import CapabilityPolicy, packaged_policy

CAPABILITIES = CapabilityPolicy(packaged_policy("capability"))


def paths(kind: str, role: str) -> list[str]:
    caller = Caller(uuid4(), "agency", kind, role)
    return [p.path for p in pages_for(CAPABILITIES, caller)]


def test_each_role_has_its_own_pages_only() -> None:
    assert paths("school", "dsl") == ["/encompass"]
    assert paths("health", "unscheduled-care-clinician") == ["/cp-is"]
    assert paths("dart", "dart-worker") == paths("dart", "team-manager") == ["/dart"]
    for kind, role in (("mash", "mash-worker"), ("police", "police-officer"),
                       ("health", "health-practitioner"), ("auditor", "auditor")):
        assert not {"/encompass", "/cp-is", "/dart"} & set(paths(kind, role)), (kind, role)


def test_a_page_sends_the_reader_on_only_to_a_page_of_the_hub() -> None:
    assert next_page("/encompass") == "/encompass"
    assert next_page("/cp-is") == "/cp-is"
    for elsewhere in (None, "", "https://elsewhere.example/", "//elsewhere.example",
                      "/encompass/../v1/dart/queue", "/sign-out", "javascript:alert(1)"):
        assert next_page(elsewhere) == "/"
    assert page("/encompass") in PAGES
    with pytest.raises(KeyError):
        page("/mash")


def test_times_read_in_uk_time_across_the_clock_change() -> None:
    assert when("2026-11-27T22:15:00+00:00") == "Friday 27 November 2026, 10:15pm"
    assert when("2026-06-01T09:00:00+00:00") == "Monday 1 June 2026, 10:00am"  # BST
    # 01:30 BST on the last Sunday of October, and 01:30 GMT an hour later.
    assert when("2026-10-25T00:30:00+00:00") == "Sunday 25 October 2026, 1:30am"
    assert when("2026-10-25T01:30:00+00:00") == "Sunday 25 October 2026, 1:30am"
    assert when("2026-03-29T01:00:00+00:00") == "Sunday 29 March 2026, 2:00am"  # BST begins
    assert when("2026-11-28T12:05:00+00:00") == "Saturday 28 November 2026, 12:05pm"


def test_dates_read_as_days_and_an_instant_by_its_uk_day() -> None:
    assert day("2016-04-02") == "2 April 2016"
    assert day("2026-06-01T23:30:00+00:00") == "2 June 2026"  # already the 2nd in BST
    assert day("2026-12-01T23:30:00+00:00") == "1 December 2026"
    for nothing in (None, "", "not a date", 20160402):
        assert day(nothing) == ""


def request(body: bytes, kind: str | None = "application/x-www-form-urlencoded") -> Request:
    sent = False

    async def receive() -> dict[str, object]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    headers = [(b"content-type", kind.encode())] if kind else []
    return Request({"type": "http", "method": "POST", "headers": headers}, receive)


async def read(body: bytes, kind: str | None = "application/x-www-form-urlencoded"
               ) -> dict[str, str]:
    return await read_form(request(body, kind))


@pytest.mark.parametrize(("body", "kind"), [
    (b'{"csrf_token": "x"}', "application/json"),
    (b"csrf_token=x", None),
    (b"csrf_token=x", "multipart/form-data; boundary=x"),
    (b"a=" + b"x" * MAX_FORM_BYTES, "application/x-www-form-urlencoded"),
    (b"a=%FF%FE", "application/x-www-form-urlencoded"),
    (b"&".join(b"f%d=1" % i for i in range(40)), "application/x-www-form-urlencoded"),
])
def test_only_a_short_urlencoded_form_is_read(body: bytes, kind: str | None) -> None:
    with pytest.raises(BadForm):
        asyncio.run(read(body, kind))


def test_a_form_is_read_field_by_field() -> None:
    fields = asyncio.run(read(b"csrf_token=abc&nhs_number=943+476+5919&empty=&csrf_token=z",
                              "application/x-www-form-urlencoded; charset=UTF-8"))
    assert fields == {"csrf_token": "abc", "nhs_number": "943 476 5919", "empty": ""}


def test_the_triage_form_reads_as_the_service_takes_it() -> None:
    values, errors = triage_form({
        "yes_count": " 14 ", "level": "high", "judgement_reason": "Threats to kill",
        "action-marac-referral": "yes", "action-safety-planning": "yes",
        "action-idva-referral": "no", "threshold_met": "yes", "rationale": " Seen today "})
    assert errors == []
    assert values == {"yes_count": 14, "answers": None, "level": "high",
                      "judgement_reason": "Threats to kill",
                      "actions": ["marac-referral", "safety-planning"], "threshold_met": True,
                      "rationale": "Seen today"}
    # Nothing given for the count or the level: the police's count, the DASH level.
    values, errors = triage_form({"action-no-further-action": "yes", "threshold_met": "no",
                                  "rationale": "Seen"})
    assert errors == []
    assert (values["yes_count"], values["level"], values["judgement_reason"],
            values["threshold_met"]) == (None, None, None, False)


def test_the_triage_form_says_what_is_missing_each_linked_to_its_field() -> None:
    _, errors = triage_form({})
    assert [e["href"] for e in errors] == ["#actions", "#threshold_met", "#rationale"]
    for count in ("25", "-1", "1.5", "fourteen"):
        _, errors = triage_form({"yes_count": count})
        assert errors[0]["href"] == "#yes_count", count
    _, errors = triage_form({"yes_count": "24", "level": "critical"})
    assert [e["href"] for e in errors][:2] == ["#level", "#judgement_reason"]
    _, errors = triage_form({"level": "high", "judgement_reason": "  "})
    assert errors[0]["href"] == "#judgement_reason"
    _, errors = triage_form({"action-safety-planning": "yes", "threshold_met": "maybe",
                             "rationale": "x" * 4001})
    assert [e["href"] for e in errors] == ["#threshold_met", "#rationale"]


def test_a_childs_age_is_whole_years_turning_on_the_birthday() -> None:
    assert age_on("2016-04-02", date(2026, 4, 1)) == 9
    assert age_on("2016-04-02", date(2026, 4, 2)) == 10
    assert age_on("2016-04-02", date(2026, 12, 31)) == 10
    # Born on 29 February: a year older on 1 March in a common year, on the 29th in a leap one.
    assert age_on("2016-02-29", date(2027, 2, 28)) == 10
    assert age_on("2016-02-29", date(2027, 3, 1)) == 11
    assert age_on("2016-02-29", date(2028, 2, 29)) == 12
    assert age_on("2026-11-28", date(2026, 11, 28)) == 0
    for nothing in ("", "not a date", "2016-13-01"):
        assert age_on(nothing, date(2026, 11, 28)) is None
