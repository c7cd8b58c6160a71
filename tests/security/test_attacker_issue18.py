"""Issue 18, attacked: linking that doubts, possible matches, merge and split, child search.

Each test asserts the safe behaviour. A test marked ``xfail(strict=True)`` records a live
weakness found by the attacker review (it fails loudly once the weakness is fixed).
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest

from domain.people import PersonRecord
from tests.api_support import Api, staffed_api
from tests.support import child, notification, submit

ELLA_NHS = "9434765919"
OTHER_NHS = "9434765870"
REASON = "Checked with the GP and the school: the same child."


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    yield from staffed_api(tmp_path, (("city-mash", "team-manager"),
                                      ("city-mash", "social-worker"),
                                      ("city-dart", "team-manager")))


def ella(api: Api) -> tuple[str, str]:
    """Ella, known to health with her NHS number: (her id, health's concern)."""
    sent = submit(api.hub, "city-health", notification("H-ELLA", "health_concern", subjects=[
        child("Ella", "Ray", "2011-05-03", nhs_number=ELLA_NHS, postcode="NG5 1AB")],
        occurred_at="2026-01-10T10:00:00Z", summary="Ella disclosed self-harm to her GP."))
    return str(sent.child_ids[0]), str(sent.id)


def items(response: Any) -> list[str]:
    if response.status_code != 200:
        return []
    return [i["id"] for i in response.json()["items"]]


# Linking: a sender cannot widen its access by what it sends ----------------------------------

def test_a_typo_on_another_childs_nhs_number_opens_none_of_her_records(api: Api) -> None:
    """The police know Ella's NHS number and roughly her name: an incident sent with a typo
    links to Ella (a confident variation), but opens nothing health holds on her."""
    ella_id, health_note = ella(api)
    before = items(api.call("GET", "notts-police", f"/v1/children/{ella_id}/chronology",
                            purpose="referral"))
    sent = api.call("POST", "notts-police", "/v1/notifications", json=notification(
        "NTP-PROBE-1", subjects=[child("Elle", "Ray", "2011-05-03", nhs_number=ELLA_NHS)]))
    assert sent.status_code in (200, 201), sent.text
    for purpose in ("referral", "triage", "assessment"):
        after = items(api.call("GET", "notts-police", f"/v1/children/{ella_id}/chronology",
                               purpose=purpose))
        assert health_note not in after
        assert set(after) - set(before) <= {sent.json()["id"]}
    assert api.call("GET", "notts-police", f"/v1/notifications/{health_note}",
                    purpose="referral").status_code == 403
    assert "self-harm" not in sent.text


def test_a_doubted_link_tells_the_sender_nothing_of_the_known_child(api: Api) -> None:
    ella_id, _ = ella(api)
    sent = api.call("POST", "notts-police", "/v1/notifications", json=notification(
        "NTP-PROBE-2", subjects=[child("Sam", "Jones", "2016-01-01", nhs_number=ELLA_NHS)]))
    assert sent.status_code in (200, 201), sent.text
    assert ella_id not in sent.text
    provisional = sent.json()["child_ids"][0]
    shown = api.call("GET", "notts-police", f"/v1/children/{provisional}", purpose="referral")
    assert "Ella" not in shown.text
    assert ella_id not in shown.text
    chronology = api.call("GET", "notts-police", f"/v1/children/{provisional}/chronology",
                          purpose="referral")
    assert ella_id not in chronology.text
    assert "self-harm" not in chronology.text


def doubted(api: Api) -> tuple[str, str, str]:
    """Ella is known to health; the police send Sam's incident on her NHS number:
    (Ella's id, Sam's provisional id, the DART's possible match)."""
    ella_id, _ = ella(api)
    sam = submit(api.hub, "notts-police", notification("NTP-SAM", subjects=[
        child("Sam", "Jones", "2016-01-01", nhs_number=ELLA_NHS, postcode="NG9 9ZZ")]))
    [match] = api.call("GET", "city-dart", "/v1/matches").json()["items"]
    return ella_id, str(sam.child_ids[0]), match["id"]


def test_the_evidence_read_is_on_both_childrens_trails(api: Api) -> None:
    ella_id, sam_id, match = doubted(api)
    since = api.hub.audit.size()
    listed = api.call("GET", "city-dart", "/v1/matches")
    assert listed.status_code == 200
    evidence = api.call("GET", "city-dart", f"/v1/matches/{match}")
    assert evidence.status_code == 200, evidence.text
    entries = [e for e in api.hub.audit.entries(since) if e.kind == "disclosure"]
    named = [{str(c) for c in e.child_ids} for e in entries]
    assert len(named) == 2
    assert all(n == {ella_id, sam_id} for n in named)
    assert "Ella" not in repr([e.details for e in entries])


def test_the_mash_cannot_read_or_decide_the_darts_match(api: Api) -> None:
    _, _, match = doubted(api)
    for who in ("city-mash", "city-mash/social-worker", "city-mash/team-manager"):
        assert api.call("GET", who, f"/v1/matches/{match}").status_code == 403
        decided = api.call("POST", who, f"/v1/matches/{match}/decision",
                           json={"outcome": "confirmed", "reason": REASON})
        assert decided.status_code == 403, decided.text
        assert "Ella" not in decided.text


@pytest.mark.parametrize("body", [
    {"outcome": "maybe", "reason": REASON},
    {"outcome": "confirmed"},
    {"outcome": "confirmed", "reason": ""},
    {"outcome": "confirmed", "reason": "   "},
    {"outcome": "confirmed", "reason": "x" * 1001},
    {"outcome": "confirmed", "reason": "\x00"},
    {"outcome": None, "reason": REASON},
    [],
])
def test_a_bad_decision_is_refused_without_a_500(api: Api, body: Any) -> None:
    _, _, match = doubted(api)
    response = api.call("POST", "city-dart", f"/v1/matches/{match}/decision", json=body)
    assert 400 <= response.status_code < 500, response.text
    assert "Ella" not in response.text


def test_decisions_on_an_unknown_or_decided_match_are_refused_without_a_500(api: Api) -> None:
    _, _, match = doubted(api)
    for path in (f"/v1/matches/{uuid4()}", "/v1/matches/not-a-uuid"):
        assert api.call("GET", "city-dart", path).status_code in (400, 404, 422)
    first = api.call("POST", "city-dart", f"/v1/matches/{match}/decision",
                     json={"outcome": "rejected", "reason": REASON})
    assert first.status_code == 200, first.text
    again = api.call("POST", "city-dart", f"/v1/matches/{match}/decision",
                     json={"outcome": "confirmed", "reason": REASON})
    assert 400 <= again.status_code < 500, again.text


# Merge, split and confirm: a record never ends up on the wrong child, nor judged on its bases --

def merge(api: Api, child_id: str, into: str) -> Any:
    return api.call("POST", "city-mash/team-manager", f"/v1/children/{child_id}/merge",
                    purpose="referral", json={"into": into, "reason": REASON})


def test_a_confirm_after_a_merge_keeps_the_merged_records_home(api: Api) -> None:
    """A duplicate of Sam (health's burn) is merged into Sam's provisional record; the DART
    then confirms Sam is Ella. A consent recorded for Ella, before any of it, must not open
    the duplicate's health record to the police: it stays judged on its own bases."""
    ella_id, sam_id, match = doubted(api)
    dup = submit(api.hub, "city-health", notification("H-SAM-DUP", "health_concern", subjects=[
        child("Sam", "Jones", "2016-01-01", postcode="NG7 2RD")],
        occurred_at="2026-01-20T10:00:00Z", summary="Sam came in with a burn."))
    dup_id, dup_note = str(dup.child_ids[0]), str(dup.id)
    assert dup_id not in (ella_id, sam_id)
    consent = api.call("POST", "city-mash/social-worker", f"/v1/children/{ella_id}/consents",
                       purpose="referral", json={
                           "status": "given", "given_by": "parent",
                           "scope": {"data_classes": ["health"], "agencies": ["notts-police"],
                                     "purposes": ["referral"]}})
    assert consent.status_code == 201, consent.text
    assert dup_note not in items(api.call("GET", "notts-police",
                                          f"/v1/children/{dup_id}/chronology",
                                          purpose="referral"))
    merged = merge(api, dup_id, sam_id)
    assert merged.status_code == 200, merged.text
    decided = api.call("POST", "city-dart", f"/v1/matches/{match}/decision",
                       json={"outcome": "confirmed", "reason": REASON})
    if decided.status_code != 200:  # refusing the confirm is as safe
        assert 400 <= decided.status_code < 500, decided.text
        return
    # The duplicate's record is read on its own bases, however it is reached.
    assert api.call("GET", "notts-police", f"/v1/notifications/{dup_note}",
                    purpose="referral").status_code == 403
    for child_id in (ella_id, sam_id, dup_id):
        seen = api.call("GET", "notts-police", f"/v1/children/{child_id}/chronology",
                        purpose="referral")
        assert dup_note not in items(seen), child_id
        assert "burn" not in seen.text


def test_a_split_sends_back_what_came_by_the_merged_childs_identifier(api: Api) -> None:
    """Mya (NHS number) is merged into Mia (none); a new concern about Mya by her NHS number
    joins Mia's record. The merge was wrong: after the split, no record about Mya by her NHS
    number may stay on Mia's record."""
    mya = submit(api.hub, "city-health", notification("H-MYA", "health_concern", subjects=[
        child("Mya", "Stone", "2015-02-11", nhs_number=ELLA_NHS, postcode="NG5 1AB")],
        occurred_at="2026-01-10T10:00:00Z"))
    mia = submit(api.hub, "city-health", notification("H-MIA", "health_concern", subjects=[
        child("Mia", "Stone", "2015-02-11", postcode="NG7 2RD")],
        occurred_at="2026-01-20T10:00:00Z"))
    mya_id, mia_id = str(mya.child_ids[0]), str(mia.child_ids[0])
    assert merge(api, mya_id, mia_id).status_code == 200
    later = submit(api.hub, "riverside-primary", notification("S-MYA", "school_concern",
                   subjects=[child("Mya", "Stone", "2015-02-11", nhs_number=ELLA_NHS)],
                   occurred_at="2026-02-01T10:00:00Z"))
    # Mya's keys: the notification is Mya's, shown on the survivor's record while merged.
    assert [str(c) for c in later.child_ids] == [mya_id]
    shown = api.hub.store.find(UUID(mia_id), PersonRecord)
    assert shown is not None
    assert later.id in {n["notification_id"] for n in shown.notifications}
    split = api.call("POST", "city-mash/team-manager", f"/v1/children/{mia_id}/split",
                     purpose="referral",
                     json={"notifications": [str(mya.id)], "reason": "They are twins."})
    assert split.status_code == 200, split.text
    mia_record = api.hub.store.find(UUID(mia_id), PersonRecord)
    assert mia_record is not None
    on_mia = {n["notification_id"] for n in mia_record.notifications}
    assert "nhs_number" not in mia_record.identity  # Mya's number stays hers
    assert later.id not in on_mia
    mya_record = api.hub.store.find(UUID(mya_id), PersonRecord)
    assert mya_record is not None
    assert {mya.id, later.id} <= {n["notification_id"] for n in mya_record.notifications}


def test_a_merge_chain_is_refused_both_ways(api: Api) -> None:
    """A into B, then B into C, or C into A: no chain of merges."""
    ids = []
    for i, (name, postcode) in enumerate((("Mya", "NG1 1AA"), ("Mia", "NG2 2BB"),
                                          ("Maya", "NG3 3CC"))):
        sent = submit(api.hub, "city-health", notification(f"H-CH-{i}", "health_concern",
                      subjects=[child(name, "Stone", "2015-02-11", postcode=postcode)]))
        ids.append(str(sent.child_ids[0]))
    a, b, c = ids
    assert merge(api, a, b).status_code == 200
    for child_id, into in ((b, c), (c, a), (a, c), (a, b)):
        response = merge(api, child_id, into)
        assert 400 <= response.status_code < 500, (child_id, into, response.text)
        assert "Stone" not in response.text


@pytest.mark.parametrize("body", [
    {"into": "not-a-uuid", "reason": REASON},
    {"into": str(uuid4()), "reason": REASON},
    {"into": None, "reason": REASON},
    {"reason": REASON},
    {"into": "SELF", "reason": REASON},
    {"into": "ADULT", "reason": REASON},
    {"into": "OTHER", "reason": "\x00\x01"},
    {"into": "OTHER", "reason": "x" * 1001},
    {"into": "OTHER", "reason": REASON, "extra": 1},
])
def test_a_bad_merge_is_refused_without_a_500(api: Api, body: dict[str, Any]) -> None:
    one = submit(api.hub, "city-health", notification("H-ONE", "health_concern", subjects=[
        child("Mya", "Stone", "2015-02-11", postcode="NG1 1AA"),
        {"role": "adult_victim", "given_name": "Jo", "family_name": "Stone",
         "date_of_birth": "1990-01-09"}]))
    other = submit(api.hub, "city-health", notification("H-TWO", "health_concern", subjects=[
        child("Mia", "Stone", "2015-02-11", postcode="NG2 2BB")]))
    child_id, adult = str(one.child_ids[0]), str(one.child_ids[-1])
    person = api.hub.store.find(UUID(adult), PersonRecord)
    if person is None or person.is_child:  # child_ids names children only
        adult = str(uuid4())
    swap = {"SELF": child_id, "ADULT": adult, "OTHER": str(other.child_ids[0])}
    if isinstance(body.get("into"), str) and body["into"] in swap:
        body = {**body, "into": swap[body["into"]]}
    response = merge_raw(api, child_id, body)
    assert 400 <= response.status_code < 500, response.text
    assert "Mya" not in response.text


def merge_raw(api: Api, child_id: str, body: Any) -> Any:
    return api.call("POST", "city-mash/team-manager", f"/v1/children/{child_id}/merge",
                    purpose="referral", json=body)


@pytest.mark.parametrize("body", [
    {"notifications": [], "reason": REASON},
    {"notifications": ["not-a-uuid"], "reason": REASON},
    {"notifications": [str(uuid4())], "reason": REASON},
    {"notifications": "x", "reason": REASON},
    {"notifications": ["MINE"], "reason": REASON},
    {"notifications": ["MERGED", "MERGED"], "reason": REASON},
    {"notifications": ["MERGED", "MINE"], "reason": REASON},
])
def test_a_bad_split_is_refused_without_a_500(api: Api, body: dict[str, Any]) -> None:
    mya = submit(api.hub, "city-health", notification("H-MYA", "health_concern", subjects=[
        child("Mya", "Stone", "2015-02-11", postcode="NG1 1AA")]))
    mia = submit(api.hub, "city-health", notification("H-MIA", "health_concern", subjects=[
        child("Mia", "Stone", "2015-02-11", postcode="NG2 2BB")]))
    assert merge(api, str(mia.child_ids[0]), str(mya.child_ids[0])).status_code == 200
    swap = {"MINE": str(mya.id), "MERGED": str(mia.id)}
    if isinstance(body["notifications"], list):
        body = {**body, "notifications": [swap.get(n, n) for n in body["notifications"]]}
    response = api.call("POST", "city-mash/team-manager",
                        f"/v1/children/{mya.child_ids[0]}/split", purpose="referral", json=body)
    if body["notifications"] == [str(mia.id), str(mia.id)]:
        assert response.status_code in (200, 422), response.text  # a repeat is one
    else:
        assert 400 <= response.status_code < 500, response.text
    assert "Mya" not in response.text


# Search: never an oracle beyond "a match exists", every answer audited ------------------------

def search(api: Api, who: str, body: Any, purpose: str = "referral") -> Any:
    return api.call("POST", who, "/v1/children/search", purpose=purpose, json=body)


def test_a_match_exists_answer_is_the_same_for_any_child(api: Api) -> None:
    ella(api)
    submit(api.hub, "city-health", notification("H-OTHER", "health_concern", subjects=[
        child("Ben", "Hart", "2013-01-15", nhs_number=OTHER_NHS, postcode="NG5 1AB")]))
    one = search(api, "derbys-police", {"nhs_number": ELLA_NHS})
    two = search(api, "derbys-police", {"nhs_number": OTHER_NHS})
    assert one.status_code == two.status_code == 200
    assert one.json()["result"] == "match-exists"
    assert one.content == two.content
    assert one.headers.get("content-length") == two.headers.get("content-length")


def test_a_search_on_a_merged_childs_number_finds_the_survivor_or_nothing_of_the_duplicate(
        api: Api) -> None:
    """After Mya (NHS number) is merged into Mia, a search by Mya's number answers for the
    record that stays, never the merged duplicate's id."""
    mya = submit(api.hub, "city-health", notification("H-MYA", "health_concern", subjects=[
        child("Mya", "Stone", "2015-02-11", nhs_number=ELLA_NHS, postcode="NG5 1AB")]))
    mia = submit(api.hub, "city-health", notification("H-MIA", "health_concern", subjects=[
        child("Mia", "Stone", "2015-02-11", postcode="NG7 2RD")]))
    mya_id, mia_id = str(mya.child_ids[0]), str(mia.child_ids[0])
    assert merge(api, mya_id, mia_id).status_code == 200
    since = api.hub.audit.size()
    found = search(api, "city-mash", {"nhs_number": ELLA_NHS})
    assert found.status_code == 200, found.text
    if found.json()["result"] == "found":
        assert [c["id"] for c in found.json()["children"]] == [mia_id]
    [entry] = [e for e in api.hub.audit.entries(since) if e.action == "search-children"]
    assert mia_id in {str(c) for c in entry.child_ids}


@pytest.mark.parametrize("body", [
    {},
    {"nhs_number": ""},
    {"nhs_number": "abc"},
    {"nhs_number": "9434765918"},
    {"nhs_number": 9434765919},
    {"nhs_number": ELLA_NHS, "upn": "A123"},
    {"upn": "\x00" * 13},
    {"given_name": "Ella"},
    {"given_name": "Ella", "family_name": "Ray", "date_of_birth": "2011-02-30",
     "postcode": "NG5 1AB"},
    {"given_name": "Ella", "family_name": "Ray", "date_of_birth": "2011-05-03",
     "postcode": "\u202e"},
    {"given_name": "", "family_name": "", "date_of_birth": "2011-05-03", "postcode": ""},
    {"given_name": "x" * 101, "family_name": "Ray", "date_of_birth": "2011-05-03",
     "postcode": "NG5 1AB"},
    {"nhs_number": ELLA_NHS, "extra": "Ella"},
    [ELLA_NHS],
    None,
])
def test_a_bad_search_is_refused_without_a_500_or_an_echo(api: Api, body: Any) -> None:
    ella(api)
    response = search(api, "city-mash", body)
    assert response.status_code < 500, response.text
    if response.status_code != 200:
        assert ELLA_NHS not in response.text
        assert "Ella" not in response.text


def test_a_search_by_nhs_number_and_a_wrong_name_is_not_found(api: Api) -> None:
    """Several criteria must all lead to the same child: an NHS number and another child's
    name, date of birth and postcode find no one, and tell the police nothing."""
    ella(api)
    response = search(api, "derbys-police", {
        "nhs_number": ELLA_NHS, "given_name": "Ben", "family_name": "Hart",
        "date_of_birth": "2013-01-15", "postcode": "NG5 1AB"})
    assert response.status_code in (200, 422), response.text
    if response.status_code == 200:
        assert response.json()["result"] == "none"


def test_every_search_answer_about_a_child_is_on_her_trail(api: Api) -> None:
    ella_id, _ = ella(api)
    for who in ("city-mash", "derbys-police", "city-health"):
        since = api.hub.audit.size()
        response = search(api, who, {"nhs_number": ELLA_NHS})
        assert response.status_code == 200, response.text
        assert response.json()["result"] in ("found", "match-exists")
        entries = [e for e in api.hub.audit.entries(since) if e.action == "search-children"]
        assert len(entries) == 1
        assert [str(c) for c in entries[0].child_ids] == [ella_id]
        assert ELLA_NHS not in repr(entries[0].details)


def test_a_provisional_record_is_not_found_by_the_known_childs_number(api: Api) -> None:
    """Sam's provisional record carries Ella's NHS number as the police sent it: a search by
    that number must answer for Ella only, never show the police's Sam as her."""
    ella_id, sam_id, _ = doubted(api)
    response = search(api, "notts-police", {"nhs_number": ELLA_NHS})
    assert response.status_code == 200, response.text
    assert sam_id not in response.text
    assert response.json()["result"] in ("match-exists", "found")
    if response.json()["result"] == "found":
        assert [c["id"] for c in response.json()["children"]] == [ella_id]


def test_the_sender_finds_its_provisional_child_without_learning_the_known_one(
        api: Api) -> None:
    ella_id, sam_id, _ = doubted(api)
    response = search(api, "notts-police", {
        "given_name": "Sam", "family_name": "Jones", "date_of_birth": "2016-01-01",
        "postcode": "NG9 9ZZ"})
    assert response.status_code == 200, response.text
    assert ella_id not in response.text
    assert "Ella" not in response.text
    if response.json()["result"] == "found":
        assert [c["id"] for c in response.json()["children"]] == [sam_id]
