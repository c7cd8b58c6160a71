"""Searching for a child (on memory, SQLite and PostgreSQL): exact matches on the intake's link
keys, answered only with children the reader may see, "a match exists" otherwise, and every
search audited (naming the child that matched, never the values searched for)."""

import json
import time
from datetime import date
from typing import Any
from uuid import UUID

import pytest

from domain.access import Purpose
from domain.audit import AuditEntryRecorded
from domain.child_search import ChildQuery
from domain.errors import InvalidContent
from hub.audit.history import disclosures
from hub.bootstrap import Hub
from hub.child_search import ANSWER_FLOOR_SECONDS
from hub.disclosure import ReadContext
from hub.errors import NotEntitled
from hub.registry import Caller
from tests.support import child, notification, submit

NHS_AMY, NHS_BEN = "9434765919", "9434765870"
UPN_AMY = "J201612345678"


def amy(**extra: Any) -> dict[str, Any]:
    return child("Amy", "Hart", "2016-04-02", postcode="NG5 1AB", nhs_number=NHS_AMY,
                 upn=UPN_AMY, **extra)


def ben() -> dict[str, Any]:
    return child("Ben", "Hart", "2013-01-05", postcode="NG5 1AB", nhs_number=NHS_BEN)


def send(hub: Hub, ref: str, subjects: list[dict[str, Any]],
         agency: str = "notts-police") -> list[UUID]:
    receipt = submit(hub, agency, notification(ref, "police_concern", subjects=subjects,
                                               occurred_at="2026-11-20T10:00:00Z",
                                               summary="seen out late"))
    return list(receipt.child_ids)


def search(hub: Hub, caller: Caller, purpose: Purpose = Purpose.TRIAGE,
           case_ref: str | None = None, break_glass: str | None = None,
           **query: Any) -> dict[str, Any]:
    return hub.child_search.search(ReadContext(caller, purpose, case_ref, break_glass),
                                   ChildQuery.of(**query))


def by_name(given: str = "Amy", family: str = "Hart", dob: str = "2016-04-02",
            postcode: str = "NG5 1AB") -> dict[str, Any]:
    return {"given_name": given, "family_name": family,
            "date_of_birth": date.fromisoformat(dob), "postcode": postcode}


def last(hub: Hub) -> AuditEntryRecorded:
    return list(hub.audit.entries())[-1]


def test_the_mash_finds_a_child_by_each_key_and_each_search_is_listed_by_who_saw(
        hub: Hub, people: dict[str, Caller]) -> None:
    [amy_id] = send(hub, "S-1", [amy()])
    mash = people["city-mash"]
    for query in ({"nhs_number": NHS_AMY}, {"nhs_number": "943 476 5919"},
                  {"upn": UPN_AMY}, {"upn": UPN_AMY.lower()}, by_name(),
                  by_name("  AMY ", "hart", postcode="ng51ab"),
                  {"nhs_number": NHS_AMY, "upn": UPN_AMY, **by_name()}):
        answer = search(hub, mash, **query)
        assert answer["result"] == "found", query
        [found] = answer["children"]
        assert found["id"] == str(amy_id)
        assert (found["given_name"], found["family_name"], found["date_of_birth"]) == (
            "Amy", "Hart", "2016-04-02")
        entry = last(hub)
        assert (entry.kind, entry.action, entry.child_ids) == (
            "disclosure", "search-children", [amy_id])
        assert entry.details["result"] == "found"
        assert {r["visibility"] for r in entry.records} == {"full"}
    rows = [r for r in disclosures(hub.audit, child_id=amy_id)
            if r["reader"]["agency"] == "city-mash"]
    assert len(rows) == 7
    assert {r["data_classes"] and tuple(r["data_classes"]) for r in rows} == {("identity",)}


def test_names_are_matched_exactly_as_the_intake_links_them(
        hub: Hub, people: dict[str, Caller]) -> None:
    send(hub, "S-1", [amy()])
    mash = people["city-mash"]
    for near_miss in (by_name("Amie"), by_name("Amy", "Harte"), by_name(dob="2016-02-04"),
                      by_name(dob="2016-04-03"), by_name(postcode="NG5 1AC"),
                      by_name("Hart", "Amy")):
        assert search(hub, mash, **near_miss)["result"] == "none", near_miss
    assert search(hub, mash, nhs_number="9434765870")["result"] == "none"
    # Every criterion given must lead to the same child.
    [ben_id] = send(hub, "S-2", [ben()])
    assert search(hub, mash, nhs_number=NHS_BEN, **by_name())["result"] == "none"
    assert search(hub, mash, nhs_number=NHS_BEN)["children"][0]["id"] == str(ben_id)


@pytest.mark.parametrize(("query", "field"), [
    ({}, "nhs_number"),
    ({"given_name": "Amy", "family_name": "Hart", "date_of_birth": date(2016, 4, 2)},
     "postcode"),
    ({"given_name": "Amy", "postcode": "NG5 1AB"}, "family_name"),
    ({"nhs_number": "9434765918"}, "nhs_number"),
    ({"upn": "J201612345679"}, "upn"),
    ({**by_name(), "postcode": "not a postcode"}, "postcode"),
])
def test_a_query_that_names_no_child_exactly_is_refused_naming_no_value(
        query: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidContent) as raised:
        ChildQuery.of(**query)
    assert raised.value.field == field
    for value in ("Amy", "Hart", "9434765918", "J201612345679", "not a postcode"):
        assert value not in str(raised.value)


def test_nothing_found_is_audited_naming_no_one_and_holding_no_value(
        hub: Hub, people: dict[str, Caller]) -> None:
    send(hub, "S-1", [amy()])
    answer = search(hub, people["city-mash"], **by_name("Zoe"))
    assert answer == {"result": "none", "message": "no child matches", "children": []}
    entry = last(hub)
    assert (entry.kind, entry.child_ids, entry.records) == ("disclosure", [], [])
    assert entry.details["by"] == ["name-birth-postcode"]
    stored = json.dumps(entry.__dict__, default=str)
    for value in ("Zoe", "Hart", "2016-04-02", "NG5 1AB"):
        assert value not in stored


def test_a_reader_who_may_not_see_the_child_learns_only_that_a_match_exists(
        hub: Hub, people: dict[str, Caller]) -> None:
    [amy_id] = send(hub, "S-1", [amy()])
    for reader in ("derbys-police", "notts-police", "city-health"):
        answer = search(hub, people[reader], nhs_number=NHS_AMY)
        assert answer == {"result": "match-exists", "children": [],
                          "message": "a match exists that you may not see: contact the MASH"}
        entry = last(hub)
        # A denial naming the child, so that the search is on the child's trail ...
        assert (entry.kind, entry.child_ids) == ("denial", [amy_id])
        assert entry.details["result"] == "match-exists"
        # ... and the reader still may not read the child's identity record.
        with pytest.raises(NotEntitled):
            hub.disclosure.child(ReadContext(people[reader], Purpose.TRIAGE, None), amy_id)
    assert not [r for r in disclosures(hub.audit, child_id=amy_id)
                if r["reader"]["agency"] != "city-mash"]


def test_the_dart_and_the_missing_team_see_a_child_for_their_own_purposes_only(
        hub: Hub, people: dict[str, Caller]) -> None:
    send(hub, "S-1", [amy()])
    assert search(hub, people["city-dart"], Purpose.TRIAGE,
                  nhs_number=NHS_AMY)["result"] == "found"
    assert search(hub, people["city-dart"], Purpose.ASSESSMENT,
                  nhs_number=NHS_AMY)["result"] == "match-exists"


def test_roles_without_the_capability_are_refused_before_anything_is_looked_up(
        hub: Hub, people: dict[str, Caller]) -> None:
    send(hub, "S-1", [amy()])
    for reader in ("riverside-primary", "info-governance"):
        for number in (NHS_AMY, NHS_BEN):
            with pytest.raises(NotEntitled):
                search(hub, people[reader], nhs_number=number)
            entry = last(hub)
            # The same refusal, naming no child, whether or not one matches.
            assert (entry.kind, entry.child_ids, entry.details["outcome"]) == (
                "denial", [], "refused")


def test_no_emergency_claim_and_no_purpose_bound_to_another_role(
        hub: Hub, people: dict[str, Caller]) -> None:
    send(hub, "S-1", [amy()])
    police = people["notts-police"]  # a role that may break glass on a record
    for number in (NHS_AMY, NHS_BEN):
        with pytest.raises(NotEntitled, match="X-Break-Glass"):
            search(hub, police, break_glass="a child is in danger right now", nhs_number=number)
        assert last(hub).child_ids == []
        with pytest.raises(NotEntitled):
            search(hub, police, Purpose.UNSCHEDULED_CARE, nhs_number=number)
        assert last(hub).child_ids == []


def test_a_purpose_bound_to_a_case_shows_only_the_child_of_the_case(
        hub: Hub, people: dict[str, Caller]) -> None:
    [amy_id] = send(hub, "S-1", [amy()])
    send(hub, "S-2", [ben()])
    enquiry = hub.sharing.open_enquiry(people["city-mash/social-worker"], amy_id,
                                       "s47-enquiry", ["notts-police", "city-health"])
    police = people["notts-police"]
    found = search(hub, police, Purpose.S47, enquiry["id"], nhs_number=NHS_AMY)
    assert found["children"][0]["id"] == str(amy_id)
    assert last(hub).details["case"] == {"kind": "s47-enquiry", "id": enquiry["id"]}
    # Another child, or no case: that a match exists, as for any purpose; never a refusal
    # that a search finding no one would not give.
    for case in (enquiry["id"], None):
        assert search(hub, police, Purpose.S47, case,
                      nhs_number=NHS_BEN)["result"] == "match-exists"
        assert last(hub).kind == "denial"
        assert search(hub, police, Purpose.S47, case,
                      nhs_number="9434765900")["result"] == "none"


def test_adults_and_erased_children_are_no_match(
        hub: Hub, people: dict[str, Caller]) -> None:
    [amy_id] = send(hub, "S-1", [
        amy(), {"role": "adult_victim", "given_name": "Jo", "family_name": "Hart",
                "date_of_birth": "1990-01-09", "postcode": "NG5 1AB",
                "nhs_number": "9434765889"}])
    mash = people["city-mash"]
    assert search(hub, mash, nhs_number="9434765889")["result"] == "none"
    assert search(hub, mash, **by_name("Jo", dob="1990-01-09"))["result"] == "none"
    hub.erasure.erase({"cli_user": "ig"}, amy_id, "recorded-in-error")
    assert search(hub, mash, nhs_number=NHS_AMY)["result"] == "none"
    assert last(hub).child_ids == []


def test_every_search_is_re_decided_by_replay(hub: Hub, people: dict[str, Caller]) -> None:
    [amy_id] = send(hub, "S-1", [amy()])
    enquiry = hub.sharing.open_enquiry(people["city-mash/social-worker"], amy_id,
                                       "s47-enquiry", ["notts-police", "city-health"])
    search(hub, people["city-mash"], nhs_number=NHS_AMY)
    search(hub, people["notts-police"], nhs_number=NHS_AMY)
    search(hub, people["notts-police"], Purpose.S47, enquiry["id"], nhs_number=NHS_AMY)
    search(hub, people["city-mash"], nhs_number=NHS_BEN)
    checked, mismatches = hub.entitlements.replay()
    assert mismatches == []
    searches = [e for e in hub.audit.entries() if e.action == "search-children"]
    assert len(searches) == 4
    assert checked >= 4


def test_no_answer_comes_sooner_than_the_floor_whatever_it_found(
        hub: Hub, people: dict[str, Caller]) -> None:
    """How long a record takes to load (how much is held about a child) or whether there is
    one is not told by the time an answer takes: every answer waits for the floor."""
    for n in range(10):
        send(hub, f"S-{n}", [amy()])
    police = people["notts-police"]
    for number, result in ((NHS_AMY, "match-exists"), ("9434765900", "none")):
        began = time.monotonic()
        assert search(hub, police, nhs_number=number)["result"] == result
        assert time.monotonic() - began >= ANSWER_FLOOR_SECONDS
