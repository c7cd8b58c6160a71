"""The child search, attacked over HTTP by each role: it answers only with a child the reader
may see; to anyone else it says at most that a match exists (no id, no detail, no count); a
role that may not search learns nothing at all, whether or not the child exists; nothing it
answers widens what the reader may read; and every search is on the child's audit trail.
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest

from tests.security.access_world import (
    NHS_AMY,
    NHS_BEN,
    World,
    ben,
    concern,
    incident,
    open_world,
)

UNKNOWN_NHS = "9434765900"  # a valid NHS number the hub has never been sent
AMY_BY_NAME = {"given_name": "Amy", "family_name": "Hart", "date_of_birth": "2016-04-02",
               "postcode": "NG5 1AB"}
SEARCH = "/v1/children/search"


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    yield from open_world(tmp_path)


@pytest.fixture
def amy_id(world: World) -> str:
    """Amy, in a police DA incident naming her school (Riverside), and Ben in a concern."""
    child_id: str = world.send("police", incident("NTP-1"))["child_ids"][0]
    world.send("police", concern("police_concern", "NTP-2", ben()))
    return child_id


def search(world: World, who: str, body: dict[str, Any], purpose: str = "triage",
           **headers: str) -> httpx2.Response:
    return world.call("POST", SEARCH, who, purpose, json=body, headers=headers)


# What each role learns ---------------------------------------------------------------------

MAY_SEE = {("mash", "triage"), ("social-worker", "assessment"), ("mash-manager", "referral"),
           ("dart", "triage"), ("dart-manager", "triage")}
# The missing team sees a child's identity for the purpose "missing", which needs the
# episode's id (X-Case-Ref): without it, a search tells them only that a match exists.
MAY_NOT_SEE = {("police", "triage"), ("other-police", "assessment"), ("gp", "assessment"),
               ("mash", "audit"), ("dart", "assessment"), ("missing", "missing")}
MAY_NOT_SEARCH = {("riverside", "triage"), ("hillview", "encompass"), ("auditor", "audit"),
                  ("ae", "unscheduled-care")}


@pytest.mark.parametrize(("who", "purpose"), sorted(MAY_SEE))
def test_a_reader_who_may_see_the_child_finds_them_by_each_key(
        world: World, amy_id: str, who: str, purpose: str) -> None:
    for body in ({"nhs_number": NHS_AMY}, AMY_BY_NAME):
        response = search(world, who, body, purpose)
        assert response.status_code == 200, response.text
        answer = response.json()
        assert answer["result"] == "found"
        assert [c["id"] for c in answer["children"]] == [amy_id]
    # ... and the identity read agrees: the search showed no more than it would.
    read = world.call("GET", f"/v1/children/{amy_id}", who, purpose)
    assert read.status_code == 200


@pytest.mark.parametrize(("who", "purpose"), sorted(MAY_NOT_SEE))
def test_a_reader_who_may_not_see_the_child_learns_only_that_a_match_exists(
        world: World, amy_id: str, who: str, purpose: str) -> None:
    answers = {}
    for name, body in (("amy", {"nhs_number": NHS_AMY}), ("amy-by-name", AMY_BY_NAME),
                       ("ben", {"nhs_number": NHS_BEN}), ("nobody", {"nhs_number": UNKNOWN_NHS})):
        response = search(world, who, body, purpose)
        assert response.status_code == 200, response.text
        answers[name] = response.text
    exists = ('{"result":"match-exists","message":"a match exists that you may not see: '
              'contact the MASH","children":[]}')
    # The same bytes for any child that matches: no id, no name, nothing to tell them apart.
    assert answers["amy"] == answers["amy-by-name"] == answers["ben"] == exists
    assert answers["nobody"] == '{"result":"none","message":"no child matches","children":[]}'
    # Nothing widened: the reader still may not read the child it now knows exists.
    assert world.call("GET", f"/v1/children/{amy_id}", who, purpose).status_code == 403


@pytest.mark.parametrize(("who", "purpose"), sorted(MAY_NOT_SEARCH))
def test_a_role_that_may_not_search_learns_nothing_of_any_child(
        world: World, amy_id: str, who: str, purpose: str) -> None:
    refusals = set()
    for body in ({"nhs_number": NHS_AMY}, AMY_BY_NAME, {"nhs_number": UNKNOWN_NHS}):
        response = search(world, who, body, purpose)
        assert response.status_code == 403
        refusals.add(response.text)
    assert len(refusals) == 1  # the same answer, whether or not a child matches
    [refusal] = refusals
    assert amy_id not in refusal
    assert "Amy" not in refusal


def test_the_school_that_knows_its_pupil_still_may_not_search_for_her(
        world: World, amy_id: str) -> None:
    # Riverside may read Amy's identity (she is its pupil) ...
    assert world.call("GET", f"/v1/children/{amy_id}", "riverside", "triage").status_code == 200
    # ... but a search is over every child in the area: refused, as for any child.
    assert search(world, "riverside", {"nhs_number": NHS_AMY}).status_code == 403


def test_no_emergency_access_through_a_search(world: World, amy_id: str) -> None:
    answers = {search(world, "police", body, **{"X-Break-Glass": "A child is at risk now."}).text
               for body in ({"nhs_number": NHS_AMY}, {"nhs_number": UNKNOWN_NHS})}
    assert len(answers) == 1
    assert '"not_entitled"' in answers.pop()
    assert world.call("GET", "/v1/break-glass", "mash-manager").json() == []


def test_a_case_bound_purpose_answers_as_any_other(world: World, amy_id: str) -> None:
    enquiry = world.call("POST", f"/v1/children/{amy_id}/enquiries", "social-worker", json={
        "kind": "s47-enquiry", "participants": ["notts-police", "city-health"]})
    assert enquiry.status_code == 201, enquiry.text
    case = enquiry.json()["id"]
    found = world.call("POST", SEARCH, "police", "s47", case, json={"nhs_number": NHS_AMY})
    assert [c["id"] for c in found.json()["children"]] == [amy_id]
    # Another child under the same case, or no case: at most that a match exists.
    for case_ref in (case, None):
        other = world.call("POST", SEARCH, "police", "s47", case_ref,
                           json={"nhs_number": NHS_BEN})
        assert (other.status_code, other.json()["result"]) == (200, "match-exists")
        nobody = world.call("POST", SEARCH, "police", "s47", case_ref,
                            json={"nhs_number": UNKNOWN_NHS})
        assert (nobody.status_code, nobody.json()["result"]) == (200, "none")


# Personal data never in a URL, nor echoed in an error ------------------------------------------

def test_the_search_is_never_taken_from_a_url(world: World, amy_id: str) -> None:
    in_query = world.call("POST", f"{SEARCH}?nhs_number={NHS_AMY}", "mash", "triage",
                          json={"nhs_number": NHS_AMY})
    assert in_query.status_code == 400
    assert NHS_AMY not in in_query.text
    as_get = world.call("GET", f"{SEARCH}?nhs_number={NHS_AMY}", "mash", "triage")
    assert as_get.status_code == 400  # "search" is not a child's id: nothing is searched
    assert NHS_AMY not in as_get.text
    assert not [e for e in world.hub.audit.entries() if e.action == "search-children"]


@pytest.mark.parametrize(("body", "field"), [
    ({"nhs_number": "9434765918"}, "nhs_number"),
    ({"given_name": "Amy", "family_name": "Hart", "date_of_birth": "2016-04-02"}, "postcode"),
    ({**AMY_BY_NAME, "postcode": "NG5 1ABX"}, "postcode"),
    ({**AMY_BY_NAME, "date_of_birth": 1459555200}, "date_of_birth"),
    ({**AMY_BY_NAME, "middle_name": "Jane"}, "middle_name"),
    ({}, "nhs_number"),
])
def test_a_bad_search_is_refused_naming_the_field_never_the_value(
        world: World, amy_id: str, body: dict[str, Any], field: str) -> None:
    response = search(world, "mash", body)
    assert response.status_code == 422, response.text
    message = response.json()["error"]["message"]
    assert field in message
    for value in ("9434765918", "Amy", "Hart", "2016-04-02", "NG5 1AB", "Jane", "1459555200"):
        assert value not in response.text


# The audit trail -----------------------------------------------------------------------------

def test_every_search_is_on_the_childs_trail_and_who_saw_lists_the_readers_who_saw_her(
        world: World, amy_id: str) -> None:
    search(world, "mash", {"nhs_number": NHS_AMY})
    search(world, "police", AMY_BY_NAME)
    search(world, "dart", {"nhs_number": UNKNOWN_NHS})
    search(world, "riverside", {"nhs_number": NHS_AMY})
    # Who saw Amy: the MASH, which found her; not the police, told only that a match exists.
    assert [(r["reader"]["agency"], r["record"], r["data_classes"])
            for r in world.who_saw(amy_id)] == [("city-mash", amy_id, ["identity"])]
    entries = world.call("GET", "/v1/audit/entries?start=0&end=1000", "auditor").json()[
        "entries"]
    searches = [e["entry"] for e in entries if e["entry"]["action"] == "search-children"]
    hex_id = amy_id.replace("-", "")  # ids as the store's transcoder writes them
    assert [(e["actor"]["agency"], e["kind"], [c["_data_"] for c in e["child_ids"]],
             e["details"].get("result")) for e in searches] == [
        ("city-mash", "disclosure", [hex_id], "found"),
        ("notts-police", "denial", [hex_id], "match-exists"),
        ("city-dart", "disclosure", [], "none"),
        ("riverside-primary", "denial", [], None)]
    trail = str(searches)
    for value in (NHS_AMY, UNKNOWN_NHS, "Amy", "Hart", "2016-04-02", "NG5 1AB"):
        assert value not in trail
