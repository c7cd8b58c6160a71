"""Issue 14, attacker's review: each test is an attack over HTTP with an ordinary token on a
fresh hub, and asserts the SAFE behaviour, so a failing test is a live vulnerability (the
application is not fixed here). Tests are grouped by the promise attacked: A (no act of a
reader widens, redirects or cuts off access; break-glass only for named roles, audited),
B (every answer naming a child is listed by who-saw), C (one person's basis never opens
another's identity; known-to, CP-IS and Encompass stay minimal), D (purposes bound to cases)
and E (no personal data in errors, logs or the audit trail).

Attacks already covered by test_forged_bases.py, test_no_self_widening.py,
test_audit_completeness.py and the e2e suite are not repeated here.
"""

import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from hub.domestic_abuse import case_id
from tests.security.access_world import (
    NHS_AMY,
    NHS_BEN,
    World,
    amy,
    ben,
    concern,
    incident,
    open_world,
)
from tests.support import weeks_ahead

CLASSES = ["identity", "police-incident", "police-intelligence", "da-risk", "health",
           "education", "social-care", "missing-episode", "encompass-notice", "known-to"]
REASON = "Child found alone at night; paramedics need the history now."


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    yield from open_world(tmp_path, "memory://")


def denials(world: World, action: str | None = None) -> list[Any]:
    return [e for e in world.hub.audit.entries()
            if e.kind == "denial" and (action is None or e.action == action)]


def missing_report(ref: str, *subjects: dict[str, Any], type_: str = "missing",
                   **episode: Any) -> dict[str, Any]:
    return {"type": type_, "source_ref": ref, "occurred_at": "2026-11-19T18:00:00Z",
            "subjects": list(subjects) or [amy()],
            "details": {"summary": "Did not come home.",
                        "episode": {"type": "missing", **episode}}}


def share(world: World, who: str, child_id: str, recipient: str, classes: list[str],
          purposes: list[str], share_: bool = True) -> Any:
    return world.call("POST", "/v1/sharing-decisions", who, json={
        "child_id": child_id, "share": share_, "recipient_agency": recipient,
        "data_classes": classes, "purposes": purposes,
        "legal_basis": "dpa-2018-sch1-para18", "consent_not_relied": "would-put-child-at-risk",
        "rationale": "Needed for the child's safety.", "valid_until": weeks_ahead()})


def contact_of(world: World, notification_id: str, *asked: str) -> str:
    """The MASH contact a concern opened, rated and (if agencies are named) researched."""
    contact_id: str = next(i["id"] for i in world.call("GET", "/v1/mash/queue", "mash").json()[
        "items"] if i["notification_id"] == notification_id)
    if asked:
        rated = world.call("POST", f"/v1/mash/contacts/{contact_id}/rating", "mash",
                           json={"rag": "amber", "rationale": "Needs a look today."})
        assert rated.status_code == 200, rated.text
        requested = world.call("POST", f"/v1/mash/contacts/{contact_id}/research-requests",
                               "mash", json={"agencies": list(asked)})
        assert requested.status_code == 200, requested.text
    return contact_id


def inbox(world: World, who: str, urn: str) -> list[dict[str, Any]]:
    response = world.call("GET", f"/v1/schools/{urn}/encompass", who, "encompass")
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


# A. No act of a reader creates, widens or redirects access, nor cuts another agency off ------


def test_a_planted_identifier_redirects_a_siblings_encompass_notice_to_the_planter(
        world: World) -> None:
    """Riverside (Amy's school) sends a concern about Amy that also carries Ben's name, date
    of birth and postcode (its own word about its own pupil). Ben is new to the hub: when the
    police later report an incident naming Ben (with his own NHS number), Ben must be Ben."""
    world.send("police", incident("NTP-A1"))  # the police name Riverside as Amy's school
    planted = amy(given_name="Ben", date_of_birth="2013-01-15", school_urn="100001")
    world.send("riverside", concern("school_concern", "RS-A1", planted))
    sent = world.send("police", incident("NTP-A2", ben(present=True, spoken_to=True), {
        "role": "perpetrator", "given_name": "Rick", "family_name": "Kerr"}))
    notices = inbox(world, "riverside", "100001")
    assert all(n["child"]["given_name"] == "Amy" for n in notices), (
        "Ben's Encompass notice was redirected to the school that planted his details",
        [(n["child"], n["child_id"]) for n in notices])
    amy_id = world.send("gp", concern("health_concern", "H-A1", amy()))["child_ids"][0]
    assert sent["child_ids"] != [amy_id], "Ben's incident was filed under Amy"


def test_a_conflicting_nhs_number_never_links_to_another_child(world: World) -> None:
    """A subject whose NHS number differs from the record's is not that record, whatever
    other key (here name, date of birth and postcode) matches."""
    amy_id = world.send("police", incident("NTP-A3"))["child_ids"][0]
    other = world.send("other-police", concern("police_concern", "DP-A3", amy(
        nhs_number=NHS_BEN)))
    assert other["child_ids"] != [amy_id]


def test_a_police_officer_with_no_link_cannot_move_a_child_off_the_roll(world: World) -> None:
    """The MASH put Amy on Riverside's roll. A police officer of another force, with no link
    to Amy, names Hillview in a concern: Riverside must not be cut off, nor Hillview given
    Amy's identity and the next Encompass notice of the force that works with Amy."""
    amy_id = world.send("gp", concern("health_concern", "H-A4", amy()))["child_ids"][0]
    assert world.call("PUT", f"/v1/children/{amy_id}/school", "mash",
                      json={"urn": "100001"}).status_code == 200
    world.send("other-police", concern("police_concern", "DP-A4", amy(school_urn="100002")))
    world.send("police", incident("NTP-A4", amy(present=True), {
        "role": "perpetrator", "given_name": "Rick", "family_name": "Kerr"}))
    assert world.call("GET", f"/v1/children/{amy_id}", "hillview", "encompass"
                      ).status_code == 403
    assert inbox(world, "hillview", "100002") == []
    assert len(inbox(world, "riverside", "100001")) == 1


def test_a_school_reporting_an_incident_itself_gets_no_notice_and_no_pupil(
        world: World) -> None:
    world.send("police", incident("NTP-A5"))  # Amy is Riverside's
    body = incident("HV-A5", amy(school_urn="100002", present=True), {
        "role": "perpetrator", "given_name": "Rick", "family_name": "Kerr"})
    sent = world.send("hillview", body)
    amy_id = sent["child_ids"][0]
    assert inbox(world, "hillview", "100002") == []
    assert world.call("GET", f"/v1/children/{amy_id}", "hillview", "encompass"
                      ).status_code == 403


def test_a_non_owner_cannot_restrict_anothers_record_and_the_attempt_is_audited(
        world: World) -> None:
    sent = world.send("police", incident("NTP-A6"))
    child_id = sent["child_ids"][0]
    attempt = world.call("POST", f"/v1/notifications/{sent['id']}/restriction", "other-police",
                         json={"restricted": True, "reason": "cut the MASH off"})
    assert attempt.status_code in (403, 409)
    assert world.chronology("mash", child_id, "triage") == {"domestic_abuse_incident": "full"}
    assert denials(world, "restrict-record"), "the refused restriction left no audit entry"


def test_a_decision_not_to_share_binds_only_the_deciders_records(world: World) -> None:
    """The GP decides 'not to share' with the MASH: health's own records only, never the
    police's (no agency cuts another's record off)."""
    child_id = world.send("police", incident("NTP-A7"))["child_ids"][0]
    world.send("gp", concern("health_concern", "H-A7", amy()))
    made = share(world, "gp", child_id, "city-mash", CLASSES, ["triage"], share_=False)
    assert made.status_code == 201, made.text
    seen = world.chronology("mash", child_id, "triage")
    assert seen["domestic_abuse_incident"] == "full"


def test_a_found_report_from_another_force_does_not_give_it_the_missing_purpose(
        world: World) -> None:
    """Another force reports Amy found (ending the episode the police opened) and tries to
    read with purpose missing on that episode: it is not a party to the case."""
    sent = world.send("police", missing_report("NTP-M1"))
    child_id = sent["child_ids"][0]
    [episode] = world.call("GET", f"/v1/children/{child_id}/missing-episodes", "missing",
                           "missing").json()["episodes"]
    found = missing_report("DP-M1", type_="found")
    found["details"]["episode"] = {"ended": "found"}
    found["occurred_at"] = "2026-11-20T08:00:00Z"
    world.send("other-police", found)
    share(world, "police", child_id, "derbys-police", CLASSES, ["missing"])
    # a decision by the owner for purpose 'missing' only counts with a case naming derbys
    response = world.call("GET", f"/v1/children/{child_id}/chronology", "other-police",
                          "missing", episode["id"])
    assert response.status_code == 403, response.text


def test_a_another_agency_reusing_a_source_ref_gets_its_own_record_not_the_first(
        world: World) -> None:
    """Idempotency is per agency: another force re-sending the police's source_ref (with the
    same child) gets a record of its own, never the police's notification id."""
    first = world.send("police", incident("NTP-IDEM"))
    copy = world.call("POST", "/v1/notifications", "other-police", json=incident("NTP-IDEM"))
    assert copy.status_code == 201
    assert copy.json()["id"] != first["id"]
    assert world.chronology("other-police", first["child_ids"][0], "triage") == {
        "domestic_abuse_incident": "full"}  # its own copy, and nothing of the police's
    own = world.call("GET", f"/v1/notifications/{first['id']}", "other-police", "triage")
    assert own.status_code == 403


def test_a_manager_who_broke_the_glass_cannot_review_it_themselves(world: World) -> None:
    sent = world.send("gp", concern("health_concern", "H-SR", amy()))
    child_id = sent["child_ids"][0]
    refused = world.call("POST", f"/v1/children/{child_id}/consents", "gp", json={
        "status": "refused", "given_by": "parent",
        "scope": {"data_classes": CLASSES, "agencies": ["city-mash"],
                  "purposes": ["triage"]}})
    assert refused.status_code == 201
    assert world.chronology("mash-manager", child_id, "triage") == {"health_concern": "summary"}
    glass = world.call("GET", f"/v1/children/{child_id}/chronology", "mash-manager", "triage",
                       headers={"X-Break-Glass": REASON})
    assert glass.json()["items"][0]["visibility"] == "full"
    [access] = world.call("GET", "/v1/break-glass", "mash-manager").json()
    review = world.call("POST", f"/v1/break-glass/{access['id']}/review", "mash-manager",
                        json={"outcome": "justified", "notes": "Fine."})
    assert review.status_code in (403, 409)
    assert world.call("GET", "/v1/break-glass?unreviewed=true", "auditor").json() != []


@pytest.mark.parametrize("who", ["riverside", "ae", "missing", "mash", "social-worker",
                                 "auditor", "dart-manager"])
def test_a_roles_not_named_may_not_break_glass_and_the_refusal_is_audited(
        world: World, who: str) -> None:
    child_id = world.send("gp", concern("health_concern", "H-BG", amy()))["child_ids"][0]
    before = len(denials(world))
    response = world.call("GET", f"/v1/children/{child_id}/chronology", who, "triage",
                          headers={"X-Break-Glass": REASON})
    assert response.status_code == 403
    assert "Amy" not in response.text
    refused = denials(world)[before:]
    assert refused
    assert refused[-1].details.get("break_glass_claimed") is True
    assert world.call("GET", "/v1/break-glass", "mash-manager").json() == []


@pytest.mark.parametrize("route", ["inbox", "contact", "cp-is"])
def test_a_break_glass_claimed_on_any_read_by_a_role_not_named_is_refused_and_audited(
        world: World, route: str) -> None:
    """A school DSL (or A&E clinician) claims an emergency on a read that is not a
    chronology: the claim must be refused and audited, never silently ignored."""
    sent = world.send("police", incident("NTP-BG"))
    contact = world.send("gp", concern("health_concern", "H-BG2", amy()))
    contact_id = contact_of(world, contact["id"], "riverside-primary")
    glass = {"X-Break-Glass": REASON}
    if route == "inbox":
        response = world.call("GET", "/v1/schools/100001/encompass", "riverside", "encompass",
                              headers=glass)
    elif route == "contact":
        response = world.call("GET", f"/v1/mash/contacts/{contact_id}", "riverside",
                              "referral", headers=glass)
    else:
        response = world.call("POST", "/v1/cp-is/lookups", "ae", "unscheduled-care",
                              headers=glass, json={"nhs_number": NHS_AMY})
    assert sent
    claimed = [e for e in world.hub.audit.entries()
               if e.details.get("break_glass_claimed") is True]
    assert response.status_code == 403 or claimed, \
        "an emergency claimed by a role that may not break glass went unrefused and unaudited"


@pytest.mark.parametrize("purpose", ["s47", "unscheduled-care"])
def test_a_break_glass_does_not_stand_in_for_a_purposes_case_or_role(
        world: World, purpose: str) -> None:
    child_id = world.send("gp", concern("health_concern", "H-BG3", amy()))["child_ids"][0]
    response = world.call("GET", f"/v1/children/{child_id}/chronology", "police", purpose,
                          headers={"X-Break-Glass": REASON})
    assert response.status_code == 403
    assert world.call("GET", "/v1/break-glass", "mash-manager").json() == []


def test_a_an_admin_token_reads_nothing(world: World) -> None:
    world.hub.registry.register_agency("it-admin", "admin", "IT", None)
    _, token = world.hub.registry.register_user("it-admin", "admin", "Admin")
    world.tokens["admin"] = token
    child_id = world.send("police", incident("NTP-AD"))["child_ids"][0]
    for purpose in ("triage", "audit", "referral"):
        assert world.chronology("admin", child_id, purpose) == {}
        assert world.call("GET", f"/v1/children/{child_id}", "admin", purpose
                          ).status_code == 403
    assert world.call("GET", "/v1/audit/disclosures", "admin").json()["items"] == []
    glass = world.call("GET", f"/v1/children/{child_id}/chronology", "admin", "triage",
                       headers={"X-Break-Glass": REASON})
    assert glass.status_code == 403


# B. Every answer naming a child leaves an entry who-saw lists --------------------------------


def test_b_a_notification_answer_naming_an_existing_child_is_listed(world: World) -> None:
    """Sending a notification answers with the hub's id of the child it linked to: a probe
    with an NHS number and the child's name and date of birth learns which record the hub
    holds for it. That answer names an existing child, so who-saw must list it. (With only
    the NHS number, and other names, the probe is held on a provisional person: issue 18.)"""
    amy_id = world.send("police", incident("NTP-B1"))["child_ids"][0]
    blind = world.send("other-police", concern("police_concern", "DP-B0", amy(
        given_name="X", family_name="Y", postcode=None)))
    assert blind["child_ids"] != [amy_id]
    probe = world.send("other-police", concern("police_concern", "DP-B1", amy(
        postcode=None)))
    assert probe["child_ids"] == [amy_id]
    readers = {r["reader"]["agency"] for r in world.who_saw(amy_id)}
    assert "derbys-police" in readers, "the probe's answer named Amy and was not audited"


def test_b_an_agencys_own_disclosure_history_is_listed_under_each_child(
        world: World) -> None:
    """Like the access-notification feed, the disclosure history an agency reads of its own
    records names children: that read is listed under each child it names."""
    child_id = world.send("police", incident("NTP-B2"))["child_ids"][0]
    world.chronology("mash", child_id, "triage")
    history = world.call("GET", "/v1/audit/disclosures", "police")
    assert history.status_code == 200
    assert child_id in {r["child_id"] for r in history.json()["items"]}
    reads = [r for r in world.who_saw(child_id) if r["reader"]["agency"] == "notts-police"]
    assert reads, "the police read who saw their records (naming Amy) and who-saw omits it"


def test_b_research_shown_on_a_contact_is_listed_under_every_child_of_the_contact(
        world: World) -> None:
    sent = world.send("riverside", concern("school_concern", "RS-B3", amy(), ben()))
    amy_id, ben_id = sent["child_ids"]
    contact_id = contact_of(world, sent["id"], "notts-police")
    added = world.call("POST", f"/v1/mash/contacts/{contact_id}/research", "police",
                       json={"content": "Both children known: DA at home in 2025."})
    assert added.status_code == 201, added.text
    research_id = added.json()["id"]
    view = world.call("GET", f"/v1/mash/contacts/{contact_id}", "mash", "triage")
    assert "Both children known" in view.text
    for child in (amy_id, ben_id):
        listed = {r["record"] for r in world.who_saw(child) if r["reader"]["agency"]
                  == "city-mash"}
        assert research_id in listed, f"research about {child} read, not listed under them"


def test_b_a_missing_history_is_audited_under_the_purpose_the_reader_gave(
        world: World) -> None:
    """The missing team reads a child's history saying X-Purpose: triage. The entry must
    record what the reader said (or the read be refused), not a purpose it did not give."""
    child_id = world.send("police", missing_report("NTP-B5"))["child_ids"][0]
    response = world.call("GET", f"/v1/children/{child_id}/missing-episodes", "missing",
                          "triage")
    entry = [e for e in world.hub.audit.entries() if e.action == "read-missing-history"][-1]
    assert response.status_code == 403 or entry.purpose == "triage", entry.purpose


# C. One child's basis never opens another person; classes follow content ------------------


def test_c_an_s47_enquiry_about_one_child_does_not_open_a_siblings_identity(
        world: World) -> None:
    """The police, in an s47 enquiry about Amy, read her chronology. Health's concern names
    Amy and her brother Ben, about whom there is no enquiry: Ben's name and NHS number stay
    hidden (his own ledger holds no statutory basis)."""
    both = world.send("gp", concern("health_concern", "H-C1", amy(), ben()))
    amy_id, ben_id = both["child_ids"]
    about_amy = enquiry(world, amy_id)
    response = world.call("GET", f"/v1/children/{amy_id}/chronology", "police", "s47",
                          about_amy)
    [item] = response.json()["items"]
    assert item["visibility"] == "full"
    assert [s.get("given_name") for s in item["subjects"]] == ["Amy", None]
    assert NHS_BEN not in response.text
    assert world.call("GET", f"/v1/notifications/{both['id']}", "police", "s47",
                      about_amy).json()["subjects"][1].get("given_name") is None
    assert all(r["reader"]["agency"] != "notts-police" for r in world.who_saw(ben_id))


def test_c_a_missing_case_for_one_child_does_not_open_a_siblings_identity(
        world: World) -> None:
    """The missing team reads Amy's chronology on Amy's episode; a police concern names Amy
    and Ben (never missing): its content and Ben's identity stay out of the team's view."""
    sent = world.send("police", missing_report("NTP-C1"))
    amy_id = sent["child_ids"][0]
    [episode] = world.call("GET", f"/v1/children/{amy_id}/missing-episodes", "missing",
                           "missing").json()["episodes"]
    both = world.send("police", concern("police_concern", "NTP-C1b", amy(), ben()))
    ben_id = both["child_ids"][1]
    assert world.call("GET", f"/v1/children/{ben_id}", "missing", "missing", episode["id"]
                      ).status_code == 403
    response = world.call("GET", f"/v1/children/{amy_id}/chronology", "missing", "missing",
                          episode["id"])
    assert response.status_code == 200, response.text
    assert "Ben" not in response.text
    assert NHS_BEN not in response.text


def test_c_a_contact_shown_to_a_school_asked_for_research_does_not_say_who_knows_the_child(
        world: World) -> None:
    """A school asked for research is not allowed the known-to class: the contact it reads
    must not list the other agencies asked, those that answered, nor the referrer."""
    world.send("police", incident("NTP-C2"))
    sent = world.send("gp", concern("health_concern", "H-C2", amy()))
    contact_id = contact_of(world, sent["id"], "riverside-primary", "notts-police",
                            "city-health")
    world.call("POST", f"/v1/mash/contacts/{contact_id}/research", "police",
               json={"content": "Known to us."})
    child_id = sent["child_ids"][0]
    school = world.call("GET", f"/v1/children/{child_id}", "riverside", "encompass")
    assert "known_to" not in school.json()  # the school is not allowed known-to ...
    view = world.call("GET", f"/v1/mash/contacts/{contact_id}", "riverside", "referral")
    assert view.status_code == 200, view.text
    # ... and the contact must not tell it either
    assert "notts-police" not in view.text
    assert "city-health" not in view.text


def wide(text: str) -> str:
    """The text in full-width forms (NFKC reads them as the ASCII they are)."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


WORDS = [
    pytest.param(wide("Rick") + " hit mummy", id="full-width-name"),
    pytest.param("R.i.c.k hit mummy", id="dotted-name"),
    pytest.param("RICKKERR hit mummy", id="run-together-names"),
    pytest.param("Ri\u200bck hit mummy", id="zero-width-in-name"),
    pytest.param("Ric\u0301k hit mummy", id="combining-accent"),
    pytest.param("we live at " + wide("NG5 1AB"), id="full-width-postcode"),
    pytest.param("we live at " + wide("Birch"), id="full-width-street"),
    pytest.param("we live at B i r c h Close", id="spaced-street"),
]


@pytest.mark.parametrize("words", WORDS)
def test_c_words_for_the_school_naming_someone_or_somewhere_in_another_spelling(
        world: World, words: str) -> None:
    body = incident("NTP-W")
    body["details"].update(words_for_school=words)
    world.send("police", body)
    [notice] = inbox(world, "riverside", "100001")
    said = notice["child_words"] or ""
    plain = "".join(ch for ch in unicodedata.normalize("NFKD", said).casefold()
                    if ch.isalnum())
    for secret in ("rick", "kerr", "ng51ab", "birch"):
        assert secret not in plain, f"{secret!r} reached the school as {said!r}"


def test_c_cp_is_never_says_the_category_even_after_a_review_changes_it(
        world: World) -> None:
    child_id = world.send("gp", concern("health_concern", "H-C4", amy()))["child_ids"][0]
    world.call("POST", f"/v1/protection/{child_id}/initial-conference", "social-worker",
               json={"plan": True, "category": "neglect"})
    world.call("POST", f"/v1/protection/{child_id}/review", "social-worker",
               json={"plan_continues": True, "category": "sexual"})
    looked = world.call("POST", "/v1/cp-is/lookups", "ae", "unscheduled-care",
                        json={"nhs_number": NHS_AMY})
    assert looked.status_code == 200
    for word in ("neglect", "sexual", "category", "physical", "emotional", "multiple"):
        assert word not in looked.text
    # the GP, the police and a school get nothing of the plan on any purpose
    for who in ("gp", "police", "riverside"):
        for purpose in ("unscheduled-care", "triage", "referral"):
            assert world.call("GET", f"/v1/protection/{child_id}", who, purpose
                              ).status_code == 403


# D. Purposes bound to cases --------------------------------------------------------------


def enquiry(world: World, child_id: str, kind: str = "s47-enquiry",
            participants: tuple[str, ...] = ("notts-police", "city-health")) -> str:
    opened = world.call("POST", f"/v1/children/{child_id}/enquiries", "social-worker",
                        json={"kind": kind, "participants": list(participants)})
    assert opened.status_code == 201, opened.text
    enquiry_id: str = opened.json()["id"]
    return enquiry_id


def test_d_an_enquiry_about_one_child_does_not_open_another(world: World) -> None:
    amy_id = world.send("gp", concern("health_concern", "H-D1", amy()))["child_ids"][0]
    ben_id = world.send("gp", concern("health_concern", "H-D1b", ben()))["child_ids"][0]
    about_amy = enquiry(world, amy_id)
    assert world.chronology("police", amy_id, "s47", about_amy) == {"health_concern": "full"}
    before = len(denials(world))
    assert world.chronology("police", ben_id, "s47", about_amy) == {}
    assert world.call("GET", f"/v1/children/{ben_id}", "police", "s47", about_amy
                      ).status_code == 403
    refused = denials(world)[before:]
    assert refused
    assert all(e.case_ref == about_amy for e in refused)


def test_d_a_notification_naming_two_children_is_read_on_the_case_of_the_one_it_is_about(
        world: World) -> None:
    """A case about Ben opens a record naming Ben; a record naming only Amy stays shut."""
    amy_only = world.send("gp", concern("health_concern", "H-D2", amy()))
    ben_id = world.send("gp", concern("health_concern", "H-D2b", ben()))["child_ids"][0]
    about_ben = enquiry(world, ben_id)
    response = world.call("GET", f"/v1/notifications/{amy_only['id']}", "police", "s47",
                          about_ben)
    assert response.status_code == 403
    assert "Amy" not in response.text


def test_d_a_closed_enquiry_is_no_case(world: World) -> None:
    child_id = world.send("gp", concern("health_concern", "H-D3", amy()))["child_ids"][0]
    case = enquiry(world, child_id)
    closed = world.call("POST", f"/v1/enquiries/{case}/close", "social-worker",
                        json={"outcome": "No further action"})
    assert closed.status_code == 200
    assert world.chronology("police", child_id, "s47", case) == {}


def test_d_a_strategy_discussion_is_no_s47_case(world: World) -> None:
    child_id = world.send("gp", concern("health_concern", "H-D4", amy()))["child_ids"][0]
    case = enquiry(world, child_id, "strategy-discussion")
    assert world.chronology("police", child_id, "s47", case) == {}
    assert world.chronology("police", child_id, "strategy-discussion", case) == {
        "health_concern": "full"}


def test_d_cases_of_other_kinds_stand_for_no_bound_purpose(world: World) -> None:
    """A DART case, a MASH contact, a notification, a MARAC referral and a missing episode
    named for the wrong purpose (or by an agency they do not name) are no case."""
    sent = world.send("police", incident("NTP-D5", amy(school_urn="100001"), {
        "role": "adult_victim", "given_name": "Jo", "family_name": "Hart",
        "date_of_birth": "1990-01-09"}))
    child_id = sent["child_ids"][0]
    dart_case = str(case_id(UUID(sent["id"])))
    triaged = world.call("POST", f"/v1/dart/cases/{dart_case}/triage", "dart", json={
        "dash": {"yes_count": 16}, "actions": ["marac-referral"], "threshold_met": False,
        "rationale": "High risk."})
    assert triaged.status_code == 200, triaged.text
    marac = triaged.json()["triage"]["marac_referral"]
    world.send("police", missing_report("NTP-D5m"))
    [episode] = world.call("GET", f"/v1/children/{child_id}/missing-episodes", "missing",
                           "missing").json()["episodes"]
    share(world, "police", child_id, "city-health", CLASSES, ["s47", "marac", "missing"])
    for purpose, case in [("s47", dart_case), ("s47", sent["id"]), ("s47", marac),
                          ("s47", episode["id"]), ("marac", episode["id"]),
                          ("missing", marac), ("strategy-discussion", marac),
                          ("marac", marac), ("missing", episode["id"])]:
        assert world.chronology("gp", child_id, purpose, case) == {}, (purpose, case)


def test_d_a_marac_referral_the_dart_made_alone_opens_nothing_more_than_triage(
        world: World) -> None:
    """The DART makes a MARAC referral by its own triage: the marac purpose on it must not
    show the DART more than it sees on triage without any case."""
    sent = world.send("police", incident("NTP-D6"))
    child_id = sent["child_ids"][0]
    world.send("gp", concern("health_concern", "H-D6", amy()))
    share(world, "gp", child_id, "city-dart", ["health"], ["marac"])
    triage_view = world.chronology("dart", child_id, "triage")
    triaged = world.call("POST", f"/v1/dart/cases/{case_id(UUID(sent['id']))}/triage",
                         "dart", json={"actions": ["marac-referral"], "threshold_met": False,
                                       "rationale": "Referring to MARAC."})
    marac = triaged.json()["triage"]["marac_referral"]
    marac_view = world.chronology("dart", child_id, "marac", marac)
    rank = {None: 0, "summary": 1, "full": 2}
    assert rank[marac_view.get("health_concern")] <= rank[triage_view.get("health_concern")], (
        "a case the DART made alone unlocked what the health sharing decision for marac holds",
        triage_view, marac_view)


def test_d_unscheduled_care_is_for_its_role_on_every_read(world: World) -> None:
    sent = world.send("gp", concern("health_concern", "H-D8", amy()))
    child_id = sent["child_ids"][0]
    for who in ("gp", "police", "mash", "dart"):
        for path in (f"/v1/children/{child_id}", f"/v1/children/{child_id}/chronology",
                     f"/v1/notifications/{sent['id']}"):
            response = world.call("GET", path, who, "unscheduled-care")
            assert response.status_code == 403, (who, path)
    # the clinician, on the purpose of its role, sees the flag and nothing of the records
    for path in (f"/v1/children/{child_id}", f"/v1/children/{child_id}/chronology"):
        assert world.call("GET", path, "ae", "unscheduled-care").status_code == 403


# E. No personal data in errors, logs or the audit trail's free text -------------------------


def test_e_an_error_never_echoes_the_value_sent(world: World) -> None:
    child_id = world.send("police", incident("NTP-E1"))["child_ids"][0]
    name = "amy-hart-9434765919"
    responses = [
        world.call("POST", f"/v1/children/{child_id}/consents", "social-worker", json={
            "status": "given", "given_by": "parent",
            "scope": {"data_classes": ["health"], "agencies": [name], "purposes": ["triage"]}}),
        share(world, "police", child_id, name, ["health"], ["triage"]),
        world.call("POST", f"/v1/children/{child_id}/enquiries", "social-worker", json={
            "kind": "s47-enquiry", "participants": [name, "city-health"]}),
    ]
    for response in responses:
        assert 400 <= response.status_code < 500
        assert "9434765919" not in response.text, response.text


def test_e_the_audit_trail_holds_no_free_text_from_any_act(world: World) -> None:
    secret = "Zebedee Quartermaine"
    sent = world.send("police", incident("NTP-E2"))
    child_id = sent["child_ids"][0]
    world.call("POST", f"/v1/notifications/{sent['id']}/restriction", "police",
               json={"restricted": True, "reason": secret})
    share(world, "police", child_id, "city-health", ["health"], ["triage"])
    world.call("POST", f"/v1/dart/cases/{case_id(UUID(sent['id']))}/triage", "dart", json={
        "actions": ["mash-referral"], "threshold_met": True, "rationale": secret,
        "level": "high", "judgement_reason": secret})
    case = enquiry(world, child_id)
    world.call("POST", f"/v1/enquiries/{case}/close", "social-worker", json={"outcome": secret})
    world.call("GET", f"/v1/children/{child_id}/chronology", "police", "triage",
               headers={"X-Break-Glass": f"{secret} is at risk tonight"})
    world.call("POST", f"/v1/children/{child_id}/level-of-need", "social-worker",
               json={"level": "additional", "reason": secret})
    trail = " ".join(str(e.__dict__) for e in world.hub.audit.entries())
    assert "Zebedee" not in trail
    assert "Quartermaine" not in trail


def test_e_logs_carry_no_ids_names_or_identifiers(world: World,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG")
    sent = world.send("police", incident("NTP-E3"))
    child_id = sent["child_ids"][0]
    world.call("GET", f"/v1/children/{child_id}/chronology", "hillview", "triage")
    world.call("GET", f"/v1/notifications/{sent['id']}", "mash", "triage")
    world.call("POST", "/v1/cp-is/lookups", "ae", "unscheduled-care",
               json={"nhs_number": NHS_AMY})
    world.call("POST", "/v1/notifications", "police", json={**incident("NTP-E3b"),
                                                            "type": "burglary"})
    world.call("GET", f"/v1/children/{child_id}", "mash", "triage",
               headers={"X-Case-Ref": "Amy Hart"})
    # the test client's own request log (httpx2) is not the hub's
    text = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("httpx"))
    assert "/v1/children/{child_id}" in text
    for secret in (child_id, sent["id"], NHS_AMY, "Amy", "Hart", "Rick", "Birch"):
        assert secret not in text, secret
