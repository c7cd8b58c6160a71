"""Issue 14, findings 1-7, 11 and 12: no act of a reader widens its own access, and what
leaves the hub is what the recipient's class allows. Each test is an attack over HTTP with an
ordinary token, on a fresh hub."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from hub.domestic_abuse import case_id
from tests.security.access_world import (
    NHS_AMY,
    World,
    amy,
    ben,
    concern,
    incident,
    open_world,
)
from tests.support import weeks_ahead

ALL_CLASSES = ["identity", "police-incident", "police-intelligence", "da-risk", "health",
               "education", "social-care", "missing-episode", "encompass-notice", "known-to"]


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    yield from open_world(tmp_path)


def consent(world: World, who: str, child_id: str, status: str, agencies: list[str],
            purposes: list[str]) -> Any:
    return world.call("POST", f"/v1/children/{child_id}/consents", who, json={
        "status": status, "given_by": "parent",
        "scope": {"data_classes": ALL_CLASSES, "agencies": agencies, "purposes": purposes}})


def test_1_a_consent_a_reader_records_for_itself_opens_nothing(world: World) -> None:
    child_id = world.send("police", incident("NTP-1"))["child_ids"][0]
    assert world.chronology("other-police", child_id, "referral") == {}
    made = consent(world, "other-police", child_id, "given", ["derbys-police"], ["referral"])
    assert made.status_code == 201  # what the parent said is recorded ...
    # ... but the reader's own word is no basis for the reader.
    assert world.chronology("other-police", child_id, "referral") == {}
    response = world.call("GET", f"/v1/children/{child_id}/chronology", "other-police",
                          "referral")
    assert "Rick" not in response.text
    assert "Birch" not in response.text


def test_1_a_school_cannot_cut_the_mash_off_or_withdraw_anothers_consent(world: World) -> None:
    child_id = world.send("police", incident("NTP-2"))["child_ids"][0]
    assert world.chronology("mash", child_id, "triage") == {"domestic_abuse_incident": "full"}
    refused = consent(world, "riverside", child_id, "refused", ["city-mash"], ["triage"])
    assert refused.status_code == 201
    # A refusal recorded by someone who neither owns the record nor leads the work holds
    # nothing back.
    assert world.chronology("mash", child_id, "triage") == {"domestic_abuse_incident": "full"}
    given = consent(world, "social-worker", child_id, "given", ["city-health"], ["referral"])
    withdrawn = world.call("POST", f"/v1/consents/{given.json()['id']}/withdraw", "riverside")
    assert withdrawn.status_code == 403
    assert world.chronology("gp", child_id, "referral") == {"domestic_abuse_incident": "full"}


def test_2_a_schools_own_concern_does_not_make_a_pupil_its_own(world: World) -> None:
    first = world.send("police", incident("NTP-3"))  # the police name Riverside
    child_id = first["child_ids"][0]
    world.send("hillview", concern("school_concern", "HV-1", amy(school_urn="100002")))
    # Hillview is not Amy's school: no identity, no notices.
    assert world.call("GET", f"/v1/children/{child_id}", "hillview", "encompass"
                      ).status_code == 403
    second = incident("NTP-4", amy(present=True), {"role": "perpetrator",
                                                   "given_name": "Rick", "family_name": "Kerr"})
    world.send("police", second)
    hillview = world.call("GET", "/v1/schools/100002/encompass", "hillview", "encompass")
    assert hillview.json()["items"] == []
    riverside = world.call("GET", "/v1/schools/100001/encompass", "riverside", "encompass")
    assert len(riverside.json()["items"]) == 2
    # The claim is listed for the MASH, which settles it on the roll.
    queue = world.call("GET", "/v1/mash/queue", "mash").json()
    claims = [c for item in queue["items"] for c in item["school_claims"]]
    assert claims == [{"child_id": child_id, "claimed_by": "hillview-academy",
                       "school_urn": "100002", "known_school_urn": "100001"}]
    assert world.call("PUT", f"/v1/children/{child_id}/school", "hillview",
                      json={"urn": "100002"}).status_code == 403
    settled = world.call("PUT", f"/v1/children/{child_id}/school", "mash",
                         json={"urn": "100002"})
    assert settled.status_code == 200
    assert world.call("GET", f"/v1/children/{child_id}", "hillview", "encompass"
                      ).status_code == 200


def test_3_a_made_up_concern_does_not_make_the_sender_involved(world: World) -> None:
    child_id = world.send("gp", concern("health_concern", "H-1", amy()))["child_ids"][0]
    world.send("police", incident("NTP-5"))
    probe = world.send("other-police", concern("police_concern", "PROBE-1",
                                               amy(given_name="Amelia")))
    assert probe["child_ids"] == [child_id]  # it linked on the NHS number (Amy: a nickname)
    # The sender owns its probe and sees nothing else, not even that other records exist.
    assert world.chronology("other-police", child_id, "referral") == {
        "police_concern": "full"}
    # Once the MASH takes a genuine concern up, the sender is involved: summaries only.
    contact = next(i for i in world.call("GET", "/v1/mash/queue", "mash").json()["items"]
               if i["notification_id"] == probe["id"])
    world.call("POST", f"/v1/mash/contacts/{contact['id']}/acknowledge", "mash")
    seen = world.chronology("other-police", child_id, "referral")
    assert seen["health_concern"] == "summary"


def test_4_a_triage_rationale_copied_into_a_referral_keeps_its_class(world: World) -> None:
    sent = world.send("police", incident("NTP-6"))
    child_id = sent["child_ids"][0]
    triaged = world.call("POST", f"/v1/dart/cases/{case_id(UUID(sent['id']))}"
                         "/triage", "dart", json={
                             "actions": ["mash-referral"], "threshold_met": True,
                             "rationale": "Rick Kerr hit Jo at 9 Birch Close; Amy saw it."})
    assert triaged.status_code == 200, triaged.text
    # The DART shares its social care referral with the school...
    decided = world.call("POST", "/v1/sharing-decisions", "dart", json={
        "child_id": child_id, "share": True, "recipient_agency": "riverside-primary",
        "data_classes": ["social-care"], "purposes": ["encompass"],
        "legal_basis": "dpa-2018-sch1-para18", "consent_not_relied": "would-put-child-at-risk",
        "rationale": "The DSL supports Amy in school.",
        "valid_until": weeks_ahead()})
    assert decided.status_code == 201, decided.text
    response = world.call("GET", f"/v1/children/{child_id}/chronology", "riverside",
                          "encompass")
    referral = [i for i in response.json()["items"] if i["type"] == "referral"]
    assert referral
    assert referral[0]["visibility"] == "full"
    # ... but the rationale was the DART's risk assessment, and stays so.
    assert "summary" not in referral[0]["details"]
    assert "Birch" not in response.text
    assert "Rick" not in response.text


def test_5_a_basis_for_one_child_does_not_open_a_brothers_identity(world: World) -> None:
    sent = world.send("police", incident("NTP-7", amy(), ben()))
    amy_id, ben_id = sent["child_ids"]
    world.call("POST", "/v1/sharing-decisions", "police", json={
        "child_id": amy_id, "share": True, "recipient_agency": "city-health",
        "data_classes": ALL_CLASSES, "purposes": ["referral"],
        "legal_basis": "dpa-2018-sch8-para4", "consent_not_relied": "would-put-child-at-risk",
        "rationale": "Health visitor follow-up for Amy.", "valid_until": weeks_ahead()})
    response = world.call("GET", f"/v1/children/{amy_id}/chronology", "gp", "referral")
    [item] = response.json()["items"]
    assert item["visibility"] == "full"
    names = [s.get("given_name") for s in item["subjects"]]
    assert names == ["Amy", None]
    assert "Ben" not in response.text
    assert "9434765870" not in response.text
    assert world.who_saw(ben_id) == []  # nothing of Ben was shown to health
    # The MASH sees both; Ben's who-saw lists that read under Ben.
    world.chronology("mash", amy_id, "triage")
    assert [r["reader"]["agency"] for r in world.who_saw(ben_id)] == ["city-mash"]


def test_6_which_agencies_know_a_child_is_not_told_to_a_school(world: World) -> None:
    child_id = world.send("police", incident("NTP-8"))["child_ids"][0]
    school = world.call("GET", f"/v1/children/{child_id}", "riverside", "encompass")
    assert school.status_code == 200
    assert "known_to" not in school.json()
    assert "notts-police" not in school.text
    mash = world.call("GET", f"/v1/children/{child_id}", "mash", "triage")
    assert mash.json()["known_to"] == ["notts-police"]


def test_7_a_purpose_needs_its_case_or_its_role(world: World) -> None:
    child_id = world.send("gp", concern("health_concern", "H-2", amy()))["child_ids"][0]
    assert world.chronology("police", child_id, "s47") == {}
    refused = world.call("GET", f"/v1/children/{child_id}/chronology", "police", "s47")
    assert refused.status_code == 403
    assert "X-Case-Ref" in refused.text
    opened = world.call("POST", f"/v1/children/{child_id}/enquiries", "social-worker", json={
        "kind": "s47-enquiry", "participants": ["notts-police", "city-health"]})
    enquiry = opened.json()["id"]
    assert world.chronology("police", child_id, "s47", enquiry) == {"health_concern": "full"}
    assert world.chronology("other-police", child_id, "s47", enquiry) == {}
    entry = [e for e in world.hub.audit.entries() if e.action == "read-chronology"][-2]
    assert entry.details["case"] == {"kind": "s47-enquiry", "id": enquiry}
    # CP-IS is for unscheduled care: a GP at a routine appointment gets nothing.
    gp = world.call("POST", "/v1/cp-is/lookups", "gp", "unscheduled-care",
                    json={"nhs_number": NHS_AMY})
    assert gp.status_code == 403
    ae = world.call("POST", "/v1/cp-is/lookups", "ae", "unscheduled-care",
                    json={"nhs_number": NHS_AMY})
    assert ae.status_code == 200


def test_11_cp_is_never_says_the_category_of_abuse(world: World) -> None:
    child_id = world.send("gp", concern("health_concern", "H-3", amy()))["child_ids"][0]
    plan = world.call("POST", f"/v1/protection/{child_id}/initial-conference",
                      "social-worker", json={"plan": True, "category": "sexual"})
    assert plan.status_code == 200, plan.text
    looked = world.call("POST", "/v1/cp-is/lookups", "ae", "unscheduled-care",
                        json={"nhs_number": NHS_AMY})
    assert looked.json()["flagged"] is True
    assert "category" not in looked.json()["plans"][0]
    assert "sexual" not in looked.text


def test_12_words_for_the_school_that_name_someone_or_somewhere_are_withheld(
        world: World) -> None:
    body = incident("NTP-9")
    body["details"].update(child_words="Rick hit mummy with a bottle in the kitchen",
                           words_for_school="Rick hit mummy at 9 Birch Close")
    sent = world.send("police", body)
    notices = world.call("GET", "/v1/schools/100001/encompass", "riverside", "encompass")
    [notice] = notices.json()["items"]
    assert notice["child_words"] is None
    assert "Rick" not in notices.text
    assert "bottle" not in notices.text
    case = world.call("GET", f"/v1/dart/cases/{case_id(UUID(sent['id']))}",
                      "dart").json()
    assert case["encompass"][0]["words_withheld"] == "names-another-subject"
    # Words written for the school that name no one go as written; the police's own record
    # of what the child said never does.
    fine = incident("NTP-10")
    fine["details"].update(child_words="Rick hit mummy", words_for_school="I was scared")
    world.send("police", fine)
    words = {n["child_words"] for n in world.call(
        "GET", "/v1/schools/100001/encompass", "riverside", "encompass").json()["items"]}
    assert words == {None, "I was scared"}


def test_9_reading_the_access_feed_is_itself_listed(world: World) -> None:
    child_id = world.send("police", incident("NTP-11"))["child_ids"][0]
    world.chronology("mash", child_id, "triage")
    feed = world.call("GET", "/v1/access-notifications", "police")
    people = [i["child_id"] for i in feed.json()["items"]]
    assert child_id in people
    assert len(people) == 3  # the child and the two adults the MASH saw named
    reads = [r for r in world.who_saw(child_id) if r["reader"]["agency"] == "notts-police"]
    assert {r["record_type"] for r in reads} == {"access-notification"}


def test_9_a_change_whose_answer_shows_a_record_is_listed_like_a_read(world: World) -> None:
    sent = world.send("riverside", concern("school_concern", "S-9", amy()))
    child_id = sent["child_ids"][0]
    contact = next(i for i in world.call("GET", "/v1/mash/queue", "mash").json()["items"]
                   if i["notification_id"] == sent["id"])
    rated = world.call("POST", f"/v1/mash/contacts/{contact['id']}/rating", "mash",
                       json={"rag": "amber", "rationale": "Needs a look today."})
    assert rated.status_code == 200, rated.text
    listed = {r["audit_index"] for r in world.who_saw(child_id)
              if r["record"] == contact["id"]}
    actions = {e.action for e in world.hub.audit.entries()
               if e.originator_version - 1 in listed}
    assert "rate-contact" in actions
    feed = world.call("GET", "/v1/access-notifications", "riverside").json()["items"]
    assert any(r["record"] == contact["id"] for i in feed for r in i["records"])
