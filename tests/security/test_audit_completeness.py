"""No audit, no disclosure: every answer that says anything about a child leaves an entry
naming the children and the records, so who-saw, the auditor's disclosure history (and its
FHIR export) and the owning agency's access-notification feed all list it.

Each test performs one read through the HTTP API as the role entitled to it, then checks all
of them, for each child the answer names.
"""

import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from domain.audit import AuditEntryRecorded
from domain.caseload import CaseloadKind
from domain.child_protection import protection_id
from domain.front_door import contact_id
from hub.api.app import create_app
from hub.audit.bundle import read_bundle
from hub.audit.examination import export
from hub.audit.fhir import privacy_disclosure
from hub.audit.history import disclosures
from hub.audit.verify import verify_log
from hub.bootstrap import Hub, bootstrap
from hub.domestic_abuse import case_id
from hub.settings import Settings
from tests.support import Clock, child, notification, seed, submit

MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
NHS = "9434765919"
STAFF = (("city-mash", "team-manager"), ("city-mash", "social-worker"),
         ("county-mash", "team-manager"), ("county-mash", "social-worker"),
         ("city-ae", "unscheduled-care-clinician"), ("city-dart", "team-manager"))


@dataclass
class Api:
    client: TestClient
    hub: Hub
    tokens: dict[str, str]
    clock: Clock

    def call(self, method: str, who: str, path: str, purpose: str | None = None,
             json: Any = None, expect: int = 200) -> Any:
        headers = {"Authorization": f"Bearer {self.tokens[who]}"}
        if purpose is not None:
            headers["X-Purpose"] = purpose
        response = self.client.request(method, path, headers=headers, json=json)
        assert response.status_code == expect, (path, response.text)
        return response.json()

    def get(self, who: str, path: str, purpose: str | None = None) -> Any:
        return self.call("GET", who, path, purpose)

    def post(self, who: str, path: str, json: Any, purpose: str | None = None) -> Any:
        return self.call("POST", who, path, purpose, json)

    def disclosure(self, since: int, action: str) -> AuditEntryRecorded:
        """The one disclosure entry written for ``action`` since position ``since``."""
        [entry] = [e for e in self.hub.audit.entries(since)
                   if e.kind == "disclosure" and e.action == action]
        return entry

    def assert_listed(self, since: int, action: str, record: Any, children: list[Any],
                      owner: str, reader: str) -> None:
        """The read of ``record`` (owned by ``owner``) by ``reader`` is listed for each child:
        in the entry, by who-saw, by the auditor's API (and as FHIR), in the owner's feed."""
        entry = self.disclosure(since, action)
        index = entry.originator_version - 1
        assert {UUID(str(c)) for c in children} <= set(entry.child_ids), entry.child_ids
        for person in children:
            def mine(row: dict[str, Any], person: Any = person) -> bool:
                return bool(row["audit_index"] == index and row["record"] == str(record)
                            and row["child_id"] == str(person) and row["owner"] == owner
                            and row["reader"]["agency"] == reader)

            listed = self.get("info-governance",
                              f"/v1/audit/disclosures?child_id={person}")["items"]
            assert [r for r in listed if mine(r)], (
                f"GET /v1/audit/disclosures does not list {action} for {person}")
            rows = list(disclosures(self.hub.audit, child_id=UUID(str(person))))
            who_saw = [r for r in rows if mine(r)]
            assert who_saw, f"who-saw does not list {action} for {person}"
            assert {r["child_id"] for r in [*listed, *rows]} == {str(person)}, (
                "who saw one child lists another's records")
            event = privacy_disclosure(who_saw[0], self.hub.checkpoints.origin)
            assert {e["what"]["identifier"]["value"] for e in event["entity"]} == {
                str(person), str(record)}
            if owner != reader:
                feed = self.get(owner, "/v1/access-notifications?limit=500")["items"]
                told = [i for i in feed if i["audit_index"] == index
                        and i["child_id"] == str(person) and i["reader_agency"] == reader
                        and str(record) in [r["record"] for r in i["records"]]]
                assert told, f"{owner}'s feed does not show {action} for {person}"


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    clock = Clock(MONDAY)
    hub = bootstrap(Settings(store_url=f"sqlite:///{tmp_path}/hub.sqlite3", home=tmp_path),
                    clock)
    tokens = seed(hub)
    hub.registry.register_agency("county-mash", "mash", "County Children's Services")
    hub.registry.register_agency("city-ae", "health", "Emergency Department")
    for agency, role in STAFF:
        _, tokens[f"{agency}/{role}"] = hub.registry.register_user(agency, role, "Staff")
        tokens.setdefault(agency, tokens[f"{agency}/{role}"])  # the agency, as its feed's reader
    with TestClient(create_app(hub, checkpointer=False)) as client:
        yield Api(client, hub, tokens, clock)
    hub.close()


# Domestic abuse ----------------------------------------------------------------------------

def incident(api: Api) -> tuple[Any, UUID, dict[str, Any]]:
    """A police incident (a child, an adult victim); returns (receipt, case id, case)."""
    receipt = submit(api.hub, "notts-police", notification(occurred_at="2026-11-23T08:00:00Z"))
    case = case_id(receipt.id)
    api.clock.advance(minutes=5)
    return receipt, case, api.get("city-dart", f"/v1/dart/cases/{case}")


def test_the_dart_queue_names_each_child_and_victim(api: Api) -> None:
    receipt, case, view = incident(api)
    since = api.hub.audit.size()
    [item] = api.get("city-dart", "/v1/dart/queue")["items"]
    assert item["id"] == str(case)
    people = [*receipt.child_ids, *view["victim_ids"]]
    api.assert_listed(since, "read-dart-queue", case, people, "notts-police", "city-dart")


def test_a_dart_case_names_each_child_and_victim(api: Api) -> None:
    receipt, case, view = incident(api)
    since = api.hub.audit.size()
    api.get("city-dart", f"/v1/dart/cases/{case}")
    people = [*receipt.child_ids, *view["victim_ids"]]
    api.assert_listed(since, "read-dart-case", case, people, "notts-police", "city-dart")


def test_the_triage_answer_is_a_disclosure_of_the_case(api: Api) -> None:
    receipt, case, view = incident(api)
    since = api.hub.audit.size()
    api.post("city-dart", f"/v1/dart/cases/{case}/triage", {
        "actions": ["safety-planning"], "threshold_met": False, "rationale": "High risk."})
    people = [*receipt.child_ids, *view["victim_ids"]]
    api.assert_listed(since, "dart-triage", case, people, "notts-police", "city-dart")
    entry = api.disclosure(since, "dart-triage")
    assert {f["data_class"] for r in entry.records for f in r["fields"]} == {
        "police-incident", "da-risk"}


def test_marac_referrals_name_each_child_and_victim(api: Api) -> None:
    receipt, case, view = incident(api)
    api.post("city-dart", f"/v1/dart/cases/{case}/triage", {  # DASH 15: high, so MARAC
        "actions": ["safety-planning"], "threshold_met": False, "rationale": "High risk."})
    since = api.hub.audit.size()
    [referral] = api.get("city-dart", "/v1/marac/referrals")["items"]
    people = [*receipt.child_ids, *view["victim_ids"]]
    api.assert_listed(since, "read-marac-referrals", referral["id"], people, "city-dart",
                      "city-dart")


def heard_at_marac(api: Api) -> tuple[Any, dict[str, Any], dict[str, Any]]:
    """A MARAC referral heard today, the police invited and given an action: (the incident's
    receipt, the DART case, the meeting)."""
    receipt, case, view = incident(api)
    api.post("city-dart", f"/v1/dart/cases/{case}/triage", {
        "actions": ["safety-planning"], "threshold_met": False, "rationale": "High risk."})
    [referral] = api.get("city-dart", "/v1/marac/referrals")["items"]
    coordinator = "city-dart/team-manager"
    meeting = api.call("POST", coordinator, "/v1/marac/meetings", json={
        "meets_on": "2026-11-23", "agencies": ["notts-police"]}, expect=201)
    path = f"/v1/marac/meetings/{meeting['id']}"
    api.post(coordinator, f"{path}/cases", {"referral_id": referral["id"]})
    meeting = api.post(coordinator, f"{path}/cases/{referral['id']}/outcome", {
        "risk": "high", "summary": "The agencies agreed a safety plan together.",
        "attendance": ["notts-police"], "actions": [{
            "agency": "notts-police", "action": "Flag the address for urgent response.",
            "due_on": "2026-11-24"}]})
    return receipt, view, meeting


def test_a_marac_meeting_names_each_child_and_victim_on_its_case_list(api: Api) -> None:
    receipt, view, meeting = heard_at_marac(api)
    since = api.hub.audit.size()
    api.get("notts-police", f"/v1/marac/meetings/{meeting['id']}")
    people = [*receipt.child_ids, *view["victim_ids"]]
    api.assert_listed(since, "read-marac-meeting", meeting["cases"][0]["referral_id"], people,
                      "city-dart", "notts-police")


def test_an_agencys_marac_actions_name_each_child_and_victim(api: Api) -> None:
    receipt, view, meeting = heard_at_marac(api)
    api.clock.advance(days=2)  # past the action's due time: on the breach list too
    people = [*receipt.child_ids, *view["victim_ids"]]
    [action] = meeting["cases"][0]["actions"]
    for path, action_name in (("/v1/marac/actions", "read-marac-actions"),
                              ("/v1/marac/actions/breaches", "read-marac-breaches")):
        since = api.hub.audit.size()
        [item] = api.get("notts-police", path)["items"]
        assert item["id"] == action["id"]
        api.assert_listed(since, action_name, action["id"], people, "city-dart",
                          "notts-police")


def test_the_breach_list_names_each_child_of_each_case_and_notice(api: Api) -> None:
    receipt, case, _ = incident(api)
    api.clock.advance(days=3)  # past the triage deadline and the school day
    since = api.hub.audit.size()
    breaches = api.get("city-mash/team-manager", "/v1/breaches")
    assert [t["case_id"] for t in breaches["triage"]] == [str(case)]
    [notice] = breaches["encompass"]
    api.assert_listed(since, "read-breaches", case, receipt.child_ids, "notts-police",
                      "city-mash")
    api.assert_listed(since, "read-breaches", notice["notice_id"], receipt.child_ids,
                      "notts-police", "city-mash")


def test_the_police_see_the_school_read_the_encompass_notice(api: Api) -> None:
    receipt, _, view = incident(api)
    since = api.hub.audit.size()
    [notice] = api.get("riverside-primary", "/v1/schools/100001/encompass", "encompass")[
        "items"]
    assert notice["id"] == view["encompass"][0]["notice_id"]
    api.assert_listed(since, "read-encompass-inbox", notice["id"], receipt.child_ids,
                      "notts-police", "riverside-primary")


# The MASH front door -----------------------------------------------------------------------

def concern(api: Api, ref: str = "C-1") -> tuple[UUID, UUID]:
    """A school's concern about a child; returns (contact id, child id)."""
    receipt = submit(api.hub, "riverside-primary", notification(
        ref, "school_concern", subjects=[child()], occurred_at="2026-11-23T08:30:00Z",
        summary="Arrived hungry again."))
    api.clock.advance(minutes=5)
    return contact_id(receipt.id), receipt.child_ids[0]


def decided(api: Api) -> tuple[UUID, UUID]:
    contact, child_id = concern(api)
    api.post("city-mash", f"/v1/mash/contacts/{contact}/rating", {"rag": "amber"})
    api.post("city-mash/social-worker", f"/v1/mash/contacts/{contact}/decision", {
        "level": "additional", "outcome": "early-help", "rationale": "Needs support.",
        "feedback": "Early help will contact the family."})
    return contact, child_id


def test_the_mash_queue_names_each_child(api: Api) -> None:
    contact, child_id = concern(api)
    since = api.hub.audit.size()
    api.get("city-mash", "/v1/mash/queue")
    api.assert_listed(since, "read-mash-queue", contact, [child_id], "riverside-primary",
                      "city-mash")


def test_a_mash_contact_names_its_child(api: Api) -> None:
    contact, child_id = concern(api)
    since = api.hub.audit.size()
    api.get("city-mash", f"/v1/mash/contacts/{contact}", "triage")
    api.assert_listed(since, "read-mash-contact", contact, [child_id], "riverside-primary",
                      "city-mash")
    entry = api.disclosure(since, "read-mash-contact")
    assert {f["data_class"] for r in entry.records for f in r["fields"]} == {"education"}


def test_the_mash_breach_list_names_contacts_and_protection_records(api: Api) -> None:
    contact, child_id = concern(api)
    api.post("city-mash/social-worker", f"/v1/protection/{child_id}/initial-conference",
             {"plan": True, "category": "neglect"})
    api.clock.advance(days=21)  # acknowledgement, decision and core group all overdue
    since = api.hub.audit.size()
    clocks = {i["clock"] for i in api.get("city-mash", "/v1/mash/breaches")["items"]}
    assert {"acknowledge", "core-group"} <= clocks, clocks
    api.assert_listed(since, "read-mash-breaches", contact, [child_id], "riverside-primary",
                      "city-mash")
    api.assert_listed(since, "read-mash-breaches", protection_id(child_id), [child_id],
                      "city-mash", "city-mash")


def test_feedback_to_the_referrer_is_told_to_the_mash(api: Api) -> None:
    contact, child_id = decided(api)
    since = api.hub.audit.size()
    [item] = api.get("riverside-primary", "/v1/mash/feedback", "referral")["items"]
    assert item["contact_id"] == str(contact)
    api.assert_listed(since, "read-referral-feedback", contact, [child_id], "city-mash",
                      "riverside-primary")


def test_disagreements_name_their_child(api: Api) -> None:
    contact, child_id = decided(api)
    raised = api.call("POST", "riverside-primary", f"/v1/mash/contacts/{contact}/disagreements",
                      json={"reason": "The family need more than early help."}, expect=201)
    since = api.hub.audit.size()
    [item] = api.get("city-mash/social-worker", "/v1/disagreements", "referral")["items"]
    assert item["id"] == raised["id"]
    api.assert_listed(since, "read-disagreements", raised["id"], [child_id],
                      "riverside-primary", "city-mash")


# Missing children --------------------------------------------------------------------------

def missing_report(api: Api, ref: str, type_: str, occurred_at: str) -> Any:
    receipt = submit(api.hub, "notts-police", notification(
        ref, type_=type_, occurred_at=occurred_at,
        subjects=[child("Sam", "Lowe", "2011-05-05", postcode="NG7 2AA")],
        summary="Left the children's home after an argument."))
    api.clock.advance(minutes=5)
    return receipt


def missing_child(api: Api) -> tuple[UUID, str]:
    """A child reported missing, then found; returns (child id, episode id)."""
    gone = missing_report(api, "M-1", "missing", "2026-11-23T06:00:00Z")
    missing_report(api, "F-1", "found", "2026-11-23T08:00:00Z")
    [episode] = api.get("missing-team", "/v1/missing/queue")["interviews"]
    return gone.child_ids[0], episode["id"]


def test_the_missing_queue_names_each_child_and_report_to_reconcile(api: Api) -> None:
    child_id, episode = missing_child(api)
    missing_report(api, "M-2", "missing", "2026-11-23T09:00:00Z")
    contrary = missing_report(api, "F-2", "found", "2026-11-23T08:30:00Z")  # before it began
    since = api.hub.audit.size()
    queue = api.get("missing-team", "/v1/missing/queue")
    assert [r["report"] for r in queue["to_reconcile"]] == [str(contrary.id)]
    api.assert_listed(since, "read-missing-queue", episode, [child_id], "notts-police",
                      "missing-team")
    api.assert_listed(since, "read-missing-queue", contrary.id, [child_id], "notts-police",
                      "missing-team")


def test_missing_breaches_name_each_child(api: Api) -> None:
    child_id, episode = missing_child(api)
    api.clock.advance(days=4)  # the 72-hour interview is overdue
    since = api.hub.audit.size()
    [late] = api.get("missing-team", "/v1/missing/breaches")["interviews"]
    assert late["id"] == episode
    api.assert_listed(since, "read-missing-breaches", episode, [child_id], "notts-police",
                      "missing-team")


def test_a_missing_episode_names_its_child(api: Api) -> None:
    child_id, episode = missing_child(api)
    since = api.hub.audit.size()
    api.get("missing-team", f"/v1/missing/episodes/{episode}", "missing")
    api.assert_listed(since, "read-missing-episode", episode, [child_id], "notts-police",
                      "missing-team")


def test_a_missing_history_names_its_child(api: Api) -> None:
    child_id, episode = missing_child(api)
    since = api.hub.audit.size()
    api.get("missing-team", f"/v1/children/{child_id}/missing-episodes", "missing")
    api.assert_listed(since, "read-missing-history", episode, [child_id], "notts-police",
                      "missing-team")


def test_the_allocated_workers_alerts_name_each_child(api: Api) -> None:
    child_id, _ = missing_child(api)
    worker = api.hub.registry.authenticate(api.tokens["city-mash/social-worker"])
    api.call("PUT", "city-mash/team-manager", f"/v1/children/{child_id}/allocated-worker",
             json={"user_id": str(worker.user_id)})
    missing_report(api, "M-2", "missing", "2026-11-23T09:00:00Z")
    since = api.hub.audit.size()
    [alert] = api.get("city-mash/social-worker", "/v1/me/alerts", "missing")["items"]
    api.assert_listed(since, "read-allocated-worker-alerts", alert["id"], [child_id],
                      "notts-police", "city-mash")


# Child protection ----------------------------------------------------------------------

def on_a_plan(api: Api) -> UUID:
    """A child on a plan recorded by the city, and in care recorded by the county (its
    caseload imported: over the API the county may not write on the city's child)."""
    child_id: UUID = submit(api.hub, "city-health", notification(
        "H-1", type_="health_concern", occurred_at="2026-11-20T10:00:00Z",
        subjects=[child(nhs_number=NHS)], summary="Bruising.")).child_ids[0]
    api.post("city-mash/social-worker", f"/v1/protection/{child_id}/initial-conference",
             {"plan": True, "category": "neglect"})
    api.call("POST", "county-mash/social-worker", f"/v1/protection/{child_id}/looked-after",
             json={"looked_after": True}, expect=404)
    in_care = ("case_ref,nhs_number,given_name,family_name,date_of_birth,legal_status,"
               f"start_date\nLA-1,{NHS},Amy,Hart,2016-04-02,C2,2026-11-19\n")
    checked = api.hub.caseload.check(CaseloadKind.LOOKED_AFTER, io.StringIO(in_care))
    assert not checked.errors, checked.errors
    api.hub.caseload.load({"cli_user": "migration", "host": "test"}, "county-mash",
                          CaseloadKind.LOOKED_AFTER, checked.rows, skip_bad_rows=False)
    api.clock.advance(minutes=5)
    return child_id


def test_a_protection_record_names_its_child_and_every_authority(api: Api) -> None:
    child_id = on_a_plan(api)
    since = api.hub.audit.size()
    api.get("city-mash/team-manager", f"/v1/protection/{child_id}", "assessment")
    record = protection_id(child_id)
    api.assert_listed(since, "read-child-protection", record, [child_id], "city-mash",
                      "city-mash")
    api.assert_listed(since, "read-child-protection", record, [child_id], "county-mash",
                      "city-mash")


def test_a_cp_is_lookup_is_listed_for_every_responsible_authority(api: Api) -> None:
    child_id = on_a_plan(api)
    since = api.hub.audit.size()
    assert api.post("city-ae/unscheduled-care-clinician", "/v1/cp-is/lookups", {"nhs_number": NHS},
                    "unscheduled-care")["flagged"] is True
    for authority in ("city-mash", "county-mash"):
        api.assert_listed(since, "cp-is-lookup", protection_id(child_id), [child_id],
                          authority, "city-ae")
        own = api.get(authority, "/v1/audit/disclosures")["items"]  # its records' history
        assert [r["record_type"] for r in own if r["reader"]["agency"] == "city-ae"] == [
            "cp-flag"]


# Break-glass review ----------------------------------------------------------------------

def broken_glass(api: Api) -> tuple[UUID, str]:
    """The police open a health record in an emergency; returns (child id, access id)."""
    child_id = submit(api.hub, "city-health", notification(
        "H-2", "health_concern", subjects=[child()], occurred_at="2026-11-20T10:00:00Z",
        summary="Bruising noted at clinic.")).child_ids[0]
    api.clock.advance(minutes=1)
    response = api.client.get(f"/v1/children/{child_id}/chronology", headers={
        "Authorization": f"Bearer {api.tokens['notts-police']}", "X-Purpose": "triage",
        "X-Break-Glass": "Child found alone at night; paramedics need the history."})
    assert response.status_code == 200, response.text
    [access] = api.hub.sharing.break_glass_accesses(
        api.hub.registry.authenticate(api.tokens["info-governance"]), True)
    return child_id, access["id"]


def test_listing_break_glass_accesses_names_each_child(api: Api) -> None:
    child_id, access = broken_glass(api)
    since = api.hub.audit.size()
    [listed] = api.call("GET", "city-mash/team-manager", "/v1/break-glass")
    assert listed["child_id"] == str(child_id)
    api.assert_listed(since, "list-break-glass", access, [child_id], "notts-police",
                      "city-mash")


def test_a_break_glass_review_answer_names_its_child(api: Api) -> None:
    child_id, access = broken_glass(api)
    since = api.hub.audit.size()
    api.post("city-mash/team-manager", f"/v1/break-glass/{access}/review",
             {"outcome": "justified", "notes": "Appropriate in the circumstances."})
    api.assert_listed(since, "review-break-glass", access, [child_id], "notts-police",
                      "city-mash")


# Possible matches ------------------------------------------------------------------------

def doubted_match(api: Api) -> tuple[UUID, UUID, str]:
    """Ella known to health; the police send Sam's incident on her NHS number. Returns
    (Ella's id, Sam's provisional id, the possible match's id)."""
    ella = submit(api.hub, "city-health", notification("H-ELLA", "health_concern", subjects=[
        child("Ella", "Ray", "2011-05-03", nhs_number=NHS)], occurred_at="2026-11-20T08:00:00Z"))
    sam = submit(api.hub, "notts-police", notification("NTP-SAM", subjects=[
        child("Sam", "Jones", "2016-01-01", nhs_number=NHS)],
        occurred_at="2026-11-23T08:00:00Z"))
    [match] = api.get("city-dart", "/v1/matches")["items"]
    return ella.child_ids[0], sam.child_ids[0], match["id"]


def test_listing_possible_matches_names_both_children(api: Api) -> None:
    ella, sam, match = doubted_match(api)
    since = api.hub.audit.size()
    api.get("city-dart", "/v1/matches")
    api.assert_listed(since, "read-possible-matches", match, [sam], "notts-police",
                      "city-dart")
    assert {ella, sam} <= set(api.disclosure(since, "read-possible-matches").child_ids)


def test_the_evidence_of_a_possible_match_names_both_children(api: Api) -> None:
    ella, sam, match = doubted_match(api)
    since = api.hub.audit.size()
    evidence = api.get("city-dart", f"/v1/matches/{match}")
    assert evidence["known"]["id"] == str(ella)
    api.assert_listed(since, "read-possible-match", match, [sam], "notts-police", "city-dart")
    entry = api.disclosure(since, "read-possible-match")
    assert set(entry.child_ids) == {ella, sam}
    rows = [r for r in disclosures(api.hub.audit, child_id=ella)
            if r["audit_index"] == entry.originator_version - 1]
    assert [r["record"] for r in rows] == [match], "who-saw does not list it for Ella"


# The auditor's tools take the new entries ------------------------------------------------

def test_replay_export_and_verification_take_the_new_entries(api: Api,
                                                             tmp_path: Path) -> None:
    incident(api)
    concern(api)
    missing_child(api)
    child_id = on_a_plan(api)
    api.get("city-mash/team-manager", f"/v1/protection/{child_id}", "assessment")
    api.get("city-mash", "/v1/mash/queue")
    api.get("city-dart", "/v1/dart/queue")
    api.get("city-mash", f"/v1/children/{child_id}/chronology", "triage")
    checked, mismatches = api.hub.entitlements.replay()
    assert checked == 1  # the chronology; the queues' capability rules are not re-decided
    assert mismatches == []
    api.hub.checkpoints.checkpoint(force=True)  # the checkpointer's act; export only reads
    out = tmp_path / "bundle"
    assert export(api.hub.settings, str(out), {"cli_user": "auditor", "host": "h"}).verdict.ok
    bundle = read_bundle(str(out))
    report = verify_log(bundle.entries, bundle.checkpoints, bundle.transitions,
                        api.hub.checkpoints._keys.verifier_key(), api.hub.checkpoints.origin)
    assert report.ok, report.problems
    fhir = (out / "fhir" / "AuditEvent.ndjson").read_text().splitlines()
    assert len(fhir) == len(list(disclosures(api.hub.audit)))
    assert any("dart-case" in line for line in fhir)
