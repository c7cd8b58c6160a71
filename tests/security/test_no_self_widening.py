"""Property: no sequence of a reader's own requests raises its access to another agency's
record. A reader records consents and refusals, decides to share its own records, restricts
them, sends concerns, incidents and missing reports naming the child (and any school), tries
to open enquiries and to put the child on its own school's roll, acknowledges and triages
what it can; whatever it does, what it sees of the police's and health's records about the
child, for every purpose, never rises above what it saw before.

Break-glass is the one act that does widen a reader's access, by design: it is named,
alerted to the owners and reviewed (tests/application/test_lawful_bases.py), so it is not
among the acts here.
"""

import itertools
from collections.abc import Iterator
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.identifiers import nhs_check_digit
from hub.domestic_abuse import case_id
from tests.security.access_world import AGENCIES, PEOPLE, World, concern, open_world
from tests.support import weeks_ahead

READERS = ["other-police", "gp", "riverside", "hillview", "dart", "missing", "mash",
           "social-worker", "ae"]
PURPOSES = ["triage", "assessment", "referral", "encompass", "missing", "marac", "s47",
            "strategy-discussion", "unscheduled-care"]
RANK = {None: 0, "summary": 1, "full": 2}
ACTIONS = ["consent-given", "consent-refused", "share-own", "restrict-own", "school-concern",
           "police-concern", "health-concern", "incident", "missing-report", "enquiry",
           "roll", "withdraw", "acknowledge-all", "triage-all"]
URN_OF = {agency: urn for agency, _, _, urn in AGENCIES if urn}
CLASSES = ["identity", "police-incident", "police-intelligence", "da-risk", "health",
           "education", "social-care", "missing-episode", "encompass-notice", "known-to"]


def nhs_numbers() -> Iterator[str]:
    for n in itertools.count(600_000_000):
        digit = nhs_check_digit(f"{n:09d}")
        if digit is not None:
            yield f"{n:09d}{digit}"


NUMBERS = nhs_numbers()
REFS = itertools.count()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    yield from open_world(tmp_path_factory.mktemp("widening"), "memory://")


def view(world: World, reader: str, child_id: str, owned: set[str],
         cases: list[str | None]) -> dict[tuple[str, str], int]:
    """(record, part) -> the most the reader sees of it, under any purpose and any case the
    reader could name (the purpose is the reader's to choose: access is the best of them)."""
    seen: dict[tuple[str, str], int] = {}
    for purpose, case in itertools.product(PURPOSES, cases):
        response = world.call("GET", f"/v1/children/{child_id}/chronology", reader, purpose,
                              case)
        assert response.status_code in (200, 403), response.text
        items = response.json().get("items", []) if response.status_code == 200 else []
        for item in items:
            if item["id"] not in owned:
                continue
            parts = {"record": item["visibility"],
                     "names": "full" if any("given_name" in s for s in item.get("subjects", []))
                     else None,
                     "text": "full" if item.get("details", {}).get("summary") else None,
                     "dash": "full" if "dash" in item.get("details", {}) else None,
                     "place": "full" if "location" in item.get("details", {}) else None}
            for part, value in parts.items():
                key = (item["id"], part)
                seen[key] = max(seen.get(key, 0), RANK[value])
        identity = world.call("GET", f"/v1/children/{child_id}", reader, purpose, case)
        if identity.status_code == 200:
            body = identity.json()
            seen[("person", "identity")] = 2
            if "known_to" in body:
                seen[("person", "known_to")] = 2
    return seen


def act(world: World, reader: str, action: str, child_id: str, nhs: str, urn: str,
        made: dict[str, list[str]]) -> None:
    """One request of the reader's own; refusals are part of the game (never a 5xx)."""
    agency, _ = PEOPLE[reader]
    subject = {"role": "child", "given_name": "Kai", "family_name": "Lowe",
               "date_of_birth": "2014-03-03", "nhs_number": nhs, "school_urn": urn}
    ref = f"W-{next(REFS)}"
    scope = {"data_classes": CLASSES, "agencies": [agency], "purposes": PURPOSES}
    response = None
    if action in ("consent-given", "consent-refused"):
        response = world.call("POST", f"/v1/children/{child_id}/consents", reader, json={
            "status": action.split("-")[1], "given_by": "parent", "scope": scope})
        if response.status_code == 201:
            made["consents"].append(response.json()["id"])
    elif action == "withdraw":
        for consent_id in made["consents"] + made["others_consents"]:
            response = world.call("POST", f"/v1/consents/{consent_id}/withdraw", reader)
    elif action == "share-own":
        response = world.call("POST", "/v1/sharing-decisions", reader, json={
            "child_id": child_id, "share": True, "recipient_agency": agency,
            "data_classes": CLASSES, "purposes": PURPOSES, "legal_basis": "statutory-duty",
            "consent_not_relied": "would-put-child-at-risk", "rationale": "Mine to share.",
            "valid_until": weeks_ahead()})
    elif action == "restrict-own":
        for record in made["own"]:
            response = world.call("POST", f"/v1/notifications/{record}/restriction", reader,
                                  json={"restricted": True, "reason": "own record"})
    elif action in ("school-concern", "police-concern", "health-concern", "missing-report"):
        type_ = {"missing-report": "missing"}.get(action, action.replace("-", "_"))
        body = concern(type_, ref, subject)
        response = world.call("POST", "/v1/notifications", reader, json=body)
    elif action == "incident":
        body = concern("domestic_abuse_incident", ref, subject)
        response = world.call("POST", "/v1/notifications", reader, json=body)
    elif action == "enquiry":
        response = world.call("POST", f"/v1/children/{child_id}/enquiries", reader, json={
            "kind": "s47-enquiry", "participants": [agency, "notts-police", "city-health"]})
        if response.status_code == 201:
            made["cases"].append(response.json()["id"])
    elif action == "roll":
        response = world.call("PUT", f"/v1/children/{child_id}/school", reader,
                              json={"urn": URN_OF.get(agency, "100001")})
    elif action == "acknowledge-all":
        queue = world.call("GET", "/v1/mash/queue", reader)
        for item in queue.json().get("items", []) if queue.status_code == 200 else []:
            response = world.call("POST", f"/v1/mash/contacts/{item['id']}/acknowledge",
                                  reader)
    elif action == "triage-all":
        for record in made["own"]:
            response = world.call("POST", f"/v1/dart/cases/{case_id(UUID(record))}/triage",
                                  reader, json={"actions": ["information-only"],
                                                "threshold_met": False, "rationale": "Own."})
    if response is not None:
        assert response.status_code < 500, (action, response.text)
        if response.status_code in (200, 201) and action in (
                "school-concern", "police-concern", "health-concern", "missing-report",
                "incident"):
            made["own"].append(response.json()["id"])


def run(world: World, reader: str, actions: list[str], urn: str) -> None:
    """Set up a child with a police and a health record; let the reader act; compare."""
    nhs = next(NUMBERS)
    kai = {"role": "child", "given_name": "Kai", "family_name": "Lowe",
           "date_of_birth": "2014-03-03", "nhs_number": nhs, "school_urn": "100001",
           "present": True}
    police = world.send("police", {
        "type": "domestic_abuse_incident", "source_ref": f"W-{next(REFS)}",
        "occurred_at": "2026-11-20T22:15:00Z", "subjects": [kai],
        "details": {"summary": "Incident.", "location": "1 High St", "dash": {"yes_count": 9},
                    "location_sensitive": True}})
    child_id = police["child_ids"][0]
    health = world.send("gp", concern("health_concern", f"W-{next(REFS)}",
                                      {**kai, "school_urn": None}))
    # Someone else's consent for the reader to try to withdraw.
    other = world.call("POST", f"/v1/children/{child_id}/consents", "social-worker", json={
        "status": "given", "given_by": "parent",
        "scope": {"data_classes": ["health"], "agencies": ["city-dart"],
                  "purposes": ["triage"]}})
    owned = {police["id"], health["id"]}
    made: dict[str, list[str]] = {"consents": [], "others_consents": [other.json()["id"]],
                                  "own": [], "cases": []}
    before = view(world, reader, child_id, owned, [None])
    for action in actions:
        act(world, reader, action, child_id, nhs, urn, made)
    episodes = [e["id"] for e in world.call(
        "GET", f"/v1/children/{child_id}/missing-episodes", "missing", "missing"
    ).json()["episodes"]]
    after = view(world, reader, child_id, owned, [None, *made["cases"], *episodes])
    widened = {k: (before.get(k, 0), v) for k, v in after.items() if v > before.get(k, 0)}
    assert widened == {}, (reader, actions)


@pytest.mark.parametrize("reader", READERS)
def test_every_own_act_at_once_widens_nothing(world: World, reader: str) -> None:
    """Every act in turn, each school named, then the reader's best view again."""
    run(world, reader, [*ACTIONS, *ACTIONS], "100001")
    run(world, reader, [*ACTIONS], "100002")


@settings(max_examples=30, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow])
@given(reader=st.sampled_from(READERS),
       actions=st.lists(st.sampled_from(ACTIONS), min_size=1, max_size=6),
       urn=st.sampled_from(["100001", "100002"]))
def test_no_sequence_of_own_requests_widens_access(world: World, reader: str,
                                                   actions: list[str], urn: str) -> None:
    run(world, reader, actions, urn)
