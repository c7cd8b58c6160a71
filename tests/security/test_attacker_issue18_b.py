"""Issue 18 attacked again: corrections, confirmed matches, merges, the relay and the imports.

A second attacker review of "the right child, and mistakes that can be put right", looking
for weaknesses that ``test_attacker_issue18.py`` does not already cover. Each test asserts the
safe behaviour, over HTTP where it can. A test marked ``xfail(strict=True)`` records a live
weakness (it fails loudly once the weakness is fixed).
"""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest

from domain.encompass import EncompassNotice
from domain.notifications import Notification
from domain.people import PersonRecord
from hub.bootstrap import Hub
from tests.api_support import Api, staffed_api
from tests.support import child, notification, relayed, submit

ELLA_NHS = "9434765919"
OTHER_NHS = "9434765870"
REASON = "Checked with the GP and the school: the same child."
SECRET_WORDS = "Grandmother Beryl told us in confidence"


STAFF = (("city-mash", "team-manager"), ("city-mash", "social-worker"),
         ("city-dart", "team-manager"), ("info-governance", "information-governance"),
         ("notts-police", "admin"), ("city-health", "unscheduled-care-clinician"))


def _second_school(hub: Hub, tokens: dict[str, str]) -> None:
    hub.registry.register_agency("hillside-primary", "school", "Hillside Primary", "100002")
    _, tokens["hillside-primary"] = hub.registry.register_user("hillside-primary", "dsl",
                                                               "Staff")


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    yield from staffed_api(tmp_path, STAFF, _second_school)


def items(response: Any) -> list[str]:
    if response.status_code != 200:
        return []
    return [i["id"] for i in response.json()["items"]]


def merge(api: Api, child_id: str, into: str) -> Any:
    return api.call("POST", "city-mash/team-manager", f"/v1/children/{child_id}/merge",
                    purpose="referral", json={"into": into, "reason": REASON})


def police_consent(api: Api, child_id: str, data_class: str = "health") -> None:
    """A parent's consent, recorded by the MASH, that the police see the child's records of
    ``data_class`` for a referral."""
    consent = api.call("POST", "city-mash/social-worker", f"/v1/children/{child_id}/consents",
                       purpose="referral", json={
                           "status": "given", "given_by": "parent",
                           "scope": {"data_classes": [data_class],
                                     "agencies": ["notts-police"], "purposes": ["referral"]}})
    assert consent.status_code == 201, consent.text


def ella(api: Api) -> tuple[str, str]:
    """Ella, known to health with her NHS number: (her id, health's concern)."""
    sent = submit(api.hub, "city-health", notification("H-ELLA", "health_concern", subjects=[
        child("Ella", "Ray", "2011-05-03", nhs_number=ELLA_NHS, postcode="NG5 1AB")],
        occurred_at="2026-01-10T10:00:00Z", summary="Ella disclosed self-harm to her GP."))
    return str(sent.child_ids[0]), str(sent.id)


def sam_incident(source_ref: str = "NTP-SAM", given: str = "Sam",
                 summary: str = "Sam was present at the incident.") -> dict[str, Any]:
    """The police's incident about Sam, sent on Ella's NHS number (a doubted link)."""
    return notification(source_ref, subjects=[
        child(given, "Jones", "2016-01-01", nhs_number=ELLA_NHS, postcode="NG9 9ZZ")],
        occurred_at="2026-01-12T22:00:00Z", summary=summary)


def confirmed(api: Api) -> tuple[str, str, str]:
    """Ella known to health; the police send Sam's incident on her number; the DART confirms
    Sam is Ella: (Ella's id, Sam's provisional id, the police's incident)."""
    ella_id, _ = ella(api)
    sam = submit(api.hub, "notts-police", sam_incident())
    [match] = api.call("GET", "city-dart", "/v1/matches").json()["items"]
    decided = api.call("POST", "city-dart", f"/v1/matches/{match['id']}/decision",
                       json={"outcome": "confirmed", "reason": REASON})
    assert decided.status_code == 200, decided.text
    return ella_id, str(sam.child_ids[0]), str(sam.id)


def on_record(api: Api, child_id: str) -> set[str]:
    person = api.hub.store.find(UUID(child_id), PersonRecord)
    assert person is not None
    return {str(n["notification_id"]) for n in person.notifications}


# A merged record is judged on its own bases, however it is read -------------------------------

def test_the_versions_of_a_merged_record_are_judged_on_its_own_bases(api: Api) -> None:
    mia = submit(api.hub, "city-health", notification("H-MIA", "health_concern", subjects=[
        child("Mia", "Stone", "2015-02-11", postcode="NG7 2RD")],
        occurred_at="2026-01-10T10:00:00Z", summary="Mia's asthma review."))
    mya = submit(api.hub, "city-health", notification("H-MYA", "health_concern", subjects=[
        child("Mya", "Stone", "2015-02-11", postcode="NG1 1AA")],
        occurred_at="2026-01-20T10:00:00Z", summary="Mya came in with a burn."))
    mia_id, mya_id, mya_note = str(mia.child_ids[0]), str(mya.child_ids[0]), str(mya.id)
    police_consent(api, mia_id)  # for Mia's own records, before anyone knew of Mya
    assert merge(api, mya_id, mia_id).status_code == 200
    # The notification read itself keeps the duplicate's record on the duplicate's bases...
    assert api.call("GET", "notts-police", f"/v1/notifications/{mya_note}",
                    purpose="referral").status_code == 403
    # ...and so must the read of its versions.
    versions = api.call("GET", "notts-police", f"/v1/notifications/{mya_note}/versions",
                        purpose="referral")
    assert versions.status_code == 403, versions.text
    assert "burn" not in versions.text
    assert "Mya" not in versions.text


def test_a_merged_records_chronology_read_stays_on_its_own_bases(api: Api) -> None:
    """The same consent, read through the survivor's chronology: the duplicate's record
    stays closed (judged on its home)."""
    mia = submit(api.hub, "city-health", notification("H-MIA", "health_concern", subjects=[
        child("Mia", "Stone", "2015-02-11", postcode="NG7 2RD")],
        occurred_at="2026-01-10T10:00:00Z", summary="Mia's asthma review."))
    mya = submit(api.hub, "city-health", notification("H-MYA", "health_concern", subjects=[
        child("Mya", "Stone", "2015-02-11", postcode="NG1 1AA")],
        occurred_at="2026-01-20T10:00:00Z", summary="Mya came in with a burn."))
    mia_id, mya_id = str(mia.child_ids[0]), str(mya.child_ids[0])
    police_consent(api, mia_id)
    assert merge(api, mya_id, mia_id).status_code == 200
    for child_id in (mia_id, mya_id):
        seen = api.call("GET", "notts-police", f"/v1/children/{child_id}/chronology",
                        purpose="referral")
        assert str(mya.id) not in items(seen)
        assert "burn" not in seen.text


# A confirmed match, then the sender's amendment: the record follows the corrected child -------

def test_an_amendment_after_a_confirmed_match_takes_the_record_off_the_known_child(
        api: Api) -> None:
    ella_id, _, incident = confirmed(api)
    assert incident in on_record(api, ella_id)
    body = notification("NTP-SAM", subjects=[
        child("Tom", "Brown", "2017-03-04", postcode="NG3 3CC")],
        occurred_at="2026-01-12T22:00:00Z", summary="Tom was present at the incident.")
    amended = api.call("PUT", "notts-police", f"/v1/notifications/{incident}",
                       json={**body, "version": 2})
    assert amended.status_code == 200, amended.text
    assert ella_id not in amended.json()["child_ids"]
    assert incident not in on_record(api, ella_id)
    seen = api.call("GET", "city-mash", f"/v1/children/{ella_id}/chronology",
                    purpose="triage")
    assert incident not in items(seen)
    assert "Tom" not in seen.text


def test_an_amendment_of_a_confirmed_subject_leaves_the_record_on_one_child(api: Api) -> None:
    ella_id, _, incident = confirmed(api)
    amended = api.call("PUT", "notts-police", f"/v1/notifications/{incident}",
                       json={**sam_incident(given="Samuel"), "version": 2})
    assert amended.status_code == 200, amended.text
    [now] = amended.json()["child_ids"]
    holders = [c for c in (ella_id, now) if incident in on_record(api, c)]
    assert len(holders) == 1, holders


# Erasure and legal holds follow a confirmed match ------------------------------------------

def test_erasing_the_known_child_erases_what_a_confirmed_match_joined_to_her(
        api: Api) -> None:
    ella_id, sam_id, incident = confirmed(api)
    erased = api.call("POST", "info-governance/information-governance",
                      f"/v1/children/{ella_id}/erasure", json={"reason_code": "court-order"})
    assert erased.status_code == 200, erased.text
    for who in ("city-mash", "city-dart"):
        seen = api.call("GET", who, f"/v1/children/{ella_id}/chronology", purpose="triage")
        assert "Sam was present" not in seen.text, who
        assert "Sam" not in seen.text, who
        read = api.call("GET", who, f"/v1/notifications/{incident}", purpose="triage")
        assert "Sam was present" not in read.text, who
    assert api.hub.store.cipher.keys.get(UUID(sam_id)) is None


def test_a_hold_on_the_known_child_keeps_what_a_confirmed_match_joined_to_her(
        api: Api) -> None:
    ella_id, sam_id, _ = confirmed(api)
    held = api.call("POST", "info-governance/information-governance",
                    f"/v1/children/{ella_id}/legal-hold",
                    json={"held": True, "reason_code": "litigation"})
    assert held.status_code == 200, held.text
    erased = api.call("POST", "info-governance/information-governance",
                      f"/v1/children/{sam_id}/erasure", json={"reason_code": "court-order"})
    assert erased.status_code == 409, erased.text
    assert api.hub.store.cipher.keys.get(UUID(sam_id)) is not None
    seen = api.call("GET", "city-dart", f"/v1/children/{ella_id}/chronology",
                    purpose="triage")
    assert "Sam was present" in seen.text


def test_a_hold_on_the_merged_half_stops_erasing_the_survivor(api: Api) -> None:
    mia = submit(api.hub, "city-health", notification("H-MIA", "health_concern", subjects=[
        child("Mia", "Stone", "2015-02-11", postcode="NG7 2RD")]))
    mya = submit(api.hub, "city-health", notification("H-MYA", "health_concern", subjects=[
        child("Mya", "Stone", "2015-02-11", postcode="NG1 1AA")]))
    mia_id, mya_id = str(mia.child_ids[0]), str(mya.child_ids[0])
    held = api.call("POST", "info-governance/information-governance",
                    f"/v1/children/{mya_id}/legal-hold",
                    json={"held": True, "reason_code": "inquiry"})
    assert held.status_code == 200, held.text
    assert merge(api, mya_id, mia_id).status_code == 200
    for child_id in (mia_id, mya_id):
        erased = api.call("POST", "info-governance/information-governance",
                          f"/v1/children/{child_id}/erasure",
                          json={"reason_code": "court-order"})
        assert erased.status_code == 409, erased.text
    assert api.hub.store.cipher.keys.get(UUID(mya_id)) is not None
    assert api.hub.store.cipher.keys.get(UUID(mia_id)) is not None


# The relay: what every school reads says nothing of where a notice went, nor why -------------

def riverside_notice(api: Api) -> tuple[str, str]:
    """The police's incident about Amy (Riverside's pupil): (the notice, the child id the
    school sees in its inbox)."""
    submit(api.hub, "notts-police", notification("NTP-AMY"))
    inbox = api.call("GET", "riverside-primary", "/v1/schools/100001/encompass",
                     purpose="encompass")
    assert inbox.status_code == 200, inbox.text
    [notice] = inbox.json()["items"]
    return notice["id"], notice["child_id"]


def test_a_redirect_tells_the_first_school_nothing_of_the_school_it_went_to(
        api: Api) -> None:
    notice_id, child_id = riverside_notice(api)
    since = len(relayed(api.hub))
    redirected = api.call("POST", "city-dart/team-manager", f"/v1/encompass/{notice_id}/redirect",
                          json={"school_urn": "100002", "reason": "Amy moved to Hillside."})
    assert redirected.status_code == 200, redirected.text
    school_topic = [(key, value) for topic, key, value in relayed(api.hub)[since:]
                    if topic == "schools.encompass.v1"]
    assert any(v["event_type"] == "encompass.withdrawn" for _, v in school_topic)
    for key, value in school_topic:
        if value.get("school_urn") != "100001":
            assert key != child_id, value
            assert child_id not in json.dumps(value), value
        assert "moved" not in json.dumps(value)


def test_a_withdrawal_says_no_reason_and_no_words_on_any_topic_or_in_the_trail(
        api: Api) -> None:
    notice_id, _ = riverside_notice(api)
    incident = api.call("GET", "riverside-primary", "/v1/schools/100001/encompass",
                        purpose="encompass")
    assert incident.status_code == 200
    held = api.hub.store.find(UUID(notice_id), EncompassNotice)
    assert held is not None
    since_audit = api.hub.audit.size()
    since = len(relayed(api.hub))
    withdrawn = api.call("POST", "notts-police",
                         f"/v1/notifications/{held.notification_id}/withdrawal",
                         json={"reason_code": "other", "reason": SECRET_WORDS})
    assert withdrawn.status_code == 200, withdrawn.text
    records = relayed(api.hub)[since:]
    assert records
    for topic, _, value in records:
        text = json.dumps(value)
        for word in ("Beryl", "Amy", "Hart"):
            assert word not in text, value
        if topic == "schools.encompass.v1":
            assert "reason" not in value, value
            assert "reason_code" not in value, value
    for entry in api.hub.audit.entries(since_audit):
        assert "Beryl" not in repr(entry.details)
    after = api.call("GET", "riverside-primary", "/v1/schools/100001/encompass",
                     purpose="encompass")
    [shown] = after.json()["items"]
    assert shown["withdrawn"] is not None
    assert "Beryl" not in after.text
    assert "Amy" not in after.text
    assert "child_id" not in shown


# Corrections by the sender: only the roles that may correct, whatever the route -----------

@pytest.mark.parametrize("who", ["notts-police/admin"])
def test_a_role_that_may_not_correct_cannot_amend_by_posting_a_newer_version(
        api: Api, who: str) -> None:
    sent = submit(api.hub, "notts-police", notification("NTP-ADMIN-1"))
    body = {**notification("NTP-ADMIN-1", subjects=[
        child("Ella", "Ray", "2011-05-03", nhs_number=ELLA_NHS)],
        summary="rewritten by someone who may not"), "version": 2}
    refused = api.call("PUT", who, f"/v1/notifications/{sent.id}", json=body)
    assert refused.status_code == 403, refused.text
    posted = api.call("POST", who, "/v1/notifications", json=body)
    assert posted.status_code == 403, posted.text
    held = api.hub.store.find(sent.id, Notification)
    assert held is not None
    assert held.notification_version == 1


# Merge and split: odd requests ----------------------------------------------------------

def two_stones(api: Api) -> tuple[str, str, str, str]:
    """Mya merged into Mia: (Mia's id, Mya's id, Mia's note, Mya's note)."""
    mia = submit(api.hub, "city-health", notification("H-MIA", "health_concern", subjects=[
        child("Mia", "Stone", "2015-02-11", postcode="NG7 2RD")]))
    mya = submit(api.hub, "city-health", notification("H-MYA", "health_concern", subjects=[
        child("Mya", "Stone", "2015-02-11", postcode="NG1 1AA")]))
    mia_id, mya_id = str(mia.child_ids[0]), str(mya.child_ids[0])
    assert merge(api, mya_id, mia_id).status_code == 200
    return mia_id, mya_id, str(mia.id), str(mya.id)


def split(api: Api, child_id: str, body: Any) -> Any:
    return api.call("POST", "city-mash/team-manager", f"/v1/children/{child_id}/split",
                    purpose="referral", json=body)


def test_a_split_with_too_many_ids_is_refused_without_a_500(api: Api) -> None:
    mia_id, _, _, mya_note = two_stones(api)
    response = split(api, mia_id, {"notifications": [mya_note] * 1001, "reason": REASON})
    assert 400 <= response.status_code < 500, response.text
    many = split(api, mia_id, {"notifications": [str(uuid4()) for _ in range(1000)]
                               + [mya_note], "reason": REASON})
    assert 400 <= many.status_code < 500, many.text
    assert "Mya" not in many.text


def test_a_split_of_what_came_to_the_survivor_by_its_own_keys_is_refused(api: Api) -> None:
    """A notification that joined Mia after the merge by Mia's own keys was never moved by
    the merge: it cannot be sent to Mya by a split (alone, or mixed with one that was)."""
    mia_id, mya_id, _, mya_note = two_stones(api)
    later = submit(api.hub, "riverside-primary", notification(
        "S-MIA", "school_concern", subjects=[child("Mia", "Stone", "2015-02-11",
                                                   postcode="NG7 2RD")]))
    assert [str(c) for c in later.child_ids] == [mia_id]
    alone = split(api, mia_id, {"notifications": [str(later.id)], "reason": REASON})
    assert alone.status_code in (404, 409, 422), alone.text
    mixed = split(api, mia_id, {"notifications": [mya_note, str(later.id)],
                                "reason": REASON})
    assert 400 <= mixed.status_code < 500, mixed.text
    assert str(later.id) in on_record(api, mia_id)
    assert str(later.id) not in on_record(api, mya_id)


def test_a_split_asked_on_the_merged_childs_id_is_refused(api: Api) -> None:
    """The split is asked of the survivor: asked on the merged record it finds no merge."""
    _, mya_id, _, mya_note = two_stones(api)
    response = split(api, mya_id, {"notifications": [mya_note], "reason": REASON})
    assert response.status_code in (404, 409), response.text
    assert "Mya" not in response.text


@pytest.mark.parametrize("path", ["/v1/children/not-a-uuid/split",
                                  "/v1/children/00000000-0000-0000-0000-000000000000/split"])
def test_a_split_of_an_unknown_child_is_refused_without_a_500(api: Api, path: str) -> None:
    response = api.call("POST", "city-mash/team-manager", path, purpose="referral",
                        json={"notifications": [str(uuid4())], "reason": REASON})
    assert response.status_code in (400, 404, 422), response.text


def test_a_confirmed_provisional_record_cannot_be_merged_either_way(api: Api) -> None:
    """Sam, confirmed as Ella, is read as Ella: a merge into or from his provisional id must
    be refused, never make a chain that puts records on another child."""
    ella_id, sam_id, _ = confirmed(api)
    other = submit(api.hub, "city-health", notification("H-OTHER", "health_concern", subjects=[
        child("Ben", "Hart", "2013-01-15", postcode="NG2 2BB")]))
    ben = str(other.child_ids[0])
    for child_id, into in ((sam_id, ella_id), (ella_id, sam_id), (ben, sam_id),
                           (sam_id, ben)):
        response = merge(api, child_id, into)
        assert 400 <= response.status_code < 500, (child_id, into, response.text)
        assert "Sam" not in response.text
        assert "Ella" not in response.text


# Matches: a decision on a record erased or merged since --------------------------------------

def test_a_match_whose_provisional_was_erased_cannot_be_confirmed(api: Api) -> None:
    """Information governance erased Sam's provisional record; confirming the match would
    join shredded records to Ella: refused, without a 500."""
    ella(api)
    sam = submit(api.hub, "notts-police", sam_incident())
    [match] = api.call("GET", "city-dart", "/v1/matches").json()["items"]
    erased = api.call("POST", "info-governance/information-governance",
                      f"/v1/children/{sam.child_ids[0]}/erasure",
                      json={"reason_code": "recorded-in-error"})
    assert erased.status_code == 200, erased.text
    evidence = api.call("GET", "city-dart", f"/v1/matches/{match['id']}")
    assert evidence.status_code < 500, evidence.text
    decided = api.call("POST", "city-dart", f"/v1/matches/{match['id']}/decision",
                       json={"outcome": "confirmed", "reason": REASON})
    assert 400 <= decided.status_code < 500, decided.text


# Odd If-Match headers -------------------------------------------------------------------

@pytest.mark.parametrize("if_match", ['"abc"', "1", '"0"', '"-1"', '"1e3"', '"99999999999999999"',
                                      'W/"x"', '"1", "2"', "*", '"\t"'])
def test_an_odd_if_match_is_refused_without_a_500(api: Api, if_match: str) -> None:
    sent = submit(api.hub, "notts-police", notification("NTP-IFM"))
    response = api.client.request(
        "PUT", f"/v1/notifications/{sent.id}", json=notification("NTP-IFM"),
        headers={"Authorization": f"Bearer {api.tokens['notts-police']}",
                 "If-Match": if_match})
    assert response.status_code < 500, response.text
    if response.status_code == 200:
        assert response.json()["version"] == 2


# CP-IS after a merge: the plan recorded on the record that stays is found by either number ---

def test_a_plan_on_the_surviving_record_is_flagged_by_the_merged_childs_number(
        api: Api) -> None:
    mya = submit(api.hub, "city-health", notification("H-MYA", "health_concern", subjects=[
        child("Mya", "Stone", "2015-02-11", nhs_number=ELLA_NHS, postcode="NG5 1AB")]))
    mia = submit(api.hub, "city-health", notification("H-MIA", "health_concern", subjects=[
        child("Mia", "Stone", "2015-02-11", postcode="NG7 2RD")]))
    mya_id, mia_id = str(mya.child_ids[0]), str(mia.child_ids[0])
    assert merge(api, mya_id, mia_id).status_code == 200
    plan = api.call("POST", "city-mash/social-worker",
                    f"/v1/protection/{mia_id}/initial-conference",
                    json={"plan": True, "category": "neglect"})
    assert plan.status_code == 200, plan.text
    looked = api.call("POST", "city-health/unscheduled-care-clinician", "/v1/cp-is/lookups",
                      purpose="unscheduled-care", json={"nhs_number": ELLA_NHS})
    assert looked.status_code == 200, looked.text
    assert looked.json()["flagged"] is True, looked.text


# Every answer that names a child the hub held is on that child's trail -----------------------

def test_an_amendment_that_joins_a_known_child_is_on_her_trail(api: Api) -> None:
    """The police amend an incident to carry Ella's NHS number and (nearly) her name: the
    answer names Ella's id, which tells the police the hub holds her, so it is audited under
    her, and opens nothing health holds on her."""
    ella_id, health_note = ella(api)
    sent = submit(api.hub, "notts-police", notification("NTP-AMEND-ELLA", subjects=[
        child("Tom", "Brown", "2017-03-04", postcode="NG3 3CC")]))
    since = api.hub.audit.size()
    amended = api.call("PUT", "notts-police", f"/v1/notifications/{sent.id}", json={
        **notification("NTP-AMEND-ELLA", subjects=[
            child("Elle", "Ray", "2011-05-03", nhs_number=ELLA_NHS)]), "version": 2})
    assert amended.status_code == 200, amended.text
    if ella_id in amended.json()["child_ids"]:
        named = {str(c) for e in api.hub.audit.entries(since) if e.kind == "disclosure"
                 for c in e.child_ids}
        assert ella_id in named
    seen = api.call("GET", "notts-police", f"/v1/children/{ella_id}/chronology",
                    purpose="referral")
    assert health_note not in items(seen)
    assert "self-harm" not in seen.text


def test_a_told_apart_link_answered_to_another_sender_is_on_the_childs_trail(
        api: Api) -> None:
    """The DART tells Sam apart from Ella; health then sends about Sam on Ella's number: it
    joins Sam (told-apart), and the answer naming Sam's id is audited under Sam."""
    ella_id, _ = ella(api)
    sam = submit(api.hub, "notts-police", sam_incident())
    sam_id = str(sam.child_ids[0])
    [match] = api.call("GET", "city-dart", "/v1/matches").json()["items"]
    rejected = api.call("POST", "city-dart", f"/v1/matches/{match['id']}/decision",
                        json={"outcome": "rejected", "reason": "Two children, checked."})
    assert rejected.status_code == 200, rejected.text
    since = api.hub.audit.size()
    sent = api.call("POST", "city-health", "/v1/notifications", json=notification(
        "H-SAM", "health_concern", subjects=[
            child("Sam", "Jones", "2016-01-01", nhs_number=ELLA_NHS)],
        summary="Sam seen at the walk-in centre."))
    assert sent.status_code == 201, sent.text
    assert sent.json()["child_ids"] == [sam_id]
    assert ella_id not in sent.text
    named = {str(c) for e in api.hub.audit.entries(since) if e.kind == "disclosure"
             for c in e.child_ids}
    assert sam_id in named
    assert api.call("GET", "city-dart", "/v1/matches").json()["items"] == []
    # Health learns nothing of the police's incident about Sam by joining him.
    seen = api.call("GET", "city-health", f"/v1/children/{sam_id}/chronology",
                    purpose="referral")
    assert "present at the incident" not in seen.text
