"""Lawful bases over time: consent and its withdrawal, expiry, override of a refusal,
statutory enquiries, restriction, break-glass, access notifications, point-in-time answers."""

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from domain.access import Purpose
from domain.audit import AuditKind
from domain.errors import InvalidContent, RuleViolation
from domain.front_door import contact_id
from domain.lawful_basis import SharingLedger, ledger_id
from hub.bootstrap import Hub
from hub.disclosure import ReadContext
from hub.errors import NotEntitled
from hub.registry import Caller
from policies.decision_point import PolicyText, packaged_policy
from tests.support import Clock, child, notification, submit

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> Clock:
    return Clock(START)


def health_record(hub: Hub, clock: Clock) -> tuple[Any, Any]:
    """A health concern about Amy, from the health partnership; returns (receipt, child id)."""
    receipt = submit(hub, "city-health", notification(
        "H-1", "health_concern", subjects=[child(postcode="NG5 1AB")],
        occurred_at="2026-11-01T10:00:00Z", summary="Bruising noted at clinic."))
    clock.advance(minutes=1)
    return receipt, receipt.child_ids[0]


def visibility(hub: Hub, caller: Caller, child_id: Any, purpose: Purpose = Purpose.REFERRAL,
               glass: str | None = None, case: str | None = None) -> dict[str, str]:
    try:
        view = hub.disclosure.chronology(ReadContext(caller, purpose, case, glass), child_id)
    except NotEntitled:
        return {}
    return {item["type"]: item["visibility"] for item in view["items"]}


def scope(agencies: list[str], classes: list[str] | None = None,
          purposes: list[str] | None = None) -> dict[str, list[str]]:
    return {"data_classes": classes or ["health"], "agencies": agencies,
            "purposes": purposes or ["referral"]}


def test_consent_opens_what_it_names_and_withdrawal_closes_it(
        hub: Hub, clock: Clock, people: dict[str, Caller]) -> None:
    _, child_id = health_record(hub, clock)
    police = people["notts-police"]
    assert visibility(hub, police, child_id) == {}
    consent = hub.sharing.record_consent(people["city-mash/social-worker"], child_id, "given",
                                         "parent", scope(["notts-police"]), None, None)
    clock.advance(minutes=1)
    assert visibility(hub, police, child_id) == {"health_concern": "full"}
    assert visibility(hub, police, child_id, Purpose.TRIAGE) == {}  # purpose out of scope
    assert visibility(hub, people["derbys-police"], child_id) == {}  # agency out of scope
    hub.sharing.withdraw_consent(people["city-mash/social-worker"], UUID(consent["id"]))
    clock.advance(minutes=1)
    assert visibility(hub, police, child_id) == {}
    with pytest.raises(RuleViolation):
        hub.sharing.withdraw_consent(people["city-mash/social-worker"], UUID(consent["id"]))


def test_consent_and_sharing_decisions_expire(hub: Hub, clock: Clock,
                                              people: dict[str, Caller]) -> None:
    _, child_id = health_record(hub, clock)
    until = clock.now + timedelta(days=2)
    hub.sharing.record_decision(
        people["city-health"], child_id, share=True, recipient_agency="riverside-primary",
        data_classes=["health"], purposes=["encompass"], legal_basis="dpa-2018-sch1-para18",
        consent_not_relied="would-put-child-at-risk",
        rationale="The DSL needs to know to support Amy in school.", valid_from=None,
        valid_until=until)
    clock.advance(hours=1)
    school = people["riverside-primary"]
    assert visibility(hub, school, child_id, Purpose.ENCOMPASS) == {"health_concern": "full"}
    clock.now = until
    assert visibility(hub, school, child_id, Purpose.ENCOMPASS) == {}


def test_a_refusal_is_overridden_only_by_an_authorised_role(
        hub: Hub, clock: Clock, people: dict[str, Caller]) -> None:
    receipt = submit(hub, "city-dart", notification(
        "D-1", "dart_triage", subjects=[child(postcode="NG5 1AB")],
        occurred_at="2026-11-01T10:00:00Z", dash={"yes_count": 12}))
    child_id = receipt.child_ids[0]
    clock.advance(minutes=1)
    hub.sharing.record_consent(people["city-mash/social-worker"], child_id, "refused", "parent",
                               scope(["city-health"], ["da-risk"], ["assessment"]), None, None)
    clock.advance(minutes=1)
    decision: dict[str, Any] = {"share": True, "recipient_agency": "city-health",
                                "data_classes": ["da-risk"],
                "purposes": ["assessment"], "legal_basis": "dpa-2018-sch1-para18",
                "consent_not_relied": "would-put-child-at-risk",
                "rationale": "Concerns about the child's welfare remain after the refusal.",
                "valid_from": None, "valid_until": clock.now + timedelta(days=30)}
    with pytest.raises(RuleViolation, match="authorised"):
        hub.sharing.record_decision(people["city-dart"], child_id, **decision)
    health = people["city-health"]
    assert visibility(hub, health, child_id, Purpose.ASSESSMENT) == {}
    made = hub.sharing.record_decision(people["city-dart/team-manager"], child_id, **decision)
    assert made["overrides_refusal"] is True
    clock.advance(minutes=1)
    assert visibility(hub, health, child_id, Purpose.ASSESSMENT) == {"dart_triage": "full"}


def _override(**changes: Any) -> dict[str, Any]:
    decision: dict[str, Any] = {
        "share": True, "recipient_agency": "notts-police", "data_classes": ["health"],
        "purposes": ["referral"], "legal_basis": "dpa-2018-sch1-para18",
        "consent_not_relied": "would-put-child-at-risk",
        "rationale": "Risk of significant harm outweighs the parent's refusal.",
        "valid_from": None, "valid_until": START + timedelta(days=30)}
    return decision | changes


def test_an_override_opens_exactly_what_it_names_and_is_audited_as_such(
        hub: Hub, clock: Clock, people: dict[str, Caller]) -> None:
    _, child_id = health_record(hub, clock)
    police, derbys = people["notts-police"], people["derbys-police"]
    hub.sharing.record_consent(
        people["city-mash/social-worker"], child_id, "refused", "parent",
        scope(["notts-police", "derbys-police"], ["health"], ["referral", "triage"]), None, None)
    clock.advance(minutes=1)
    assert visibility(hub, police, child_id) == {}
    made = hub.sharing.record_decision(people["city-health/safeguarding-lead"], child_id,
                                       **_override())
    assert made["overrides_refusal"] is True
    clock.advance(minutes=1)
    assert visibility(hub, police, child_id) == {"health_concern": "full"}
    fields = [f for r in list(hub.audit.entries())[-1].records for f in r["fields"]
              if f["visibility"] != "none"]
    assert fields
    assert {f["basis"] for f in fields} == {"sharing-decision-overriding-refusal"}
    # the refusal still blocks what the override does not name: another purpose, agency
    assert visibility(hub, police, child_id, Purpose.TRIAGE) == {}
    assert visibility(hub, derbys, child_id) == {}
    ledger = hub.store.find(ledger_id(child_id), SharingLedger)
    assert ledger is not None
    assert ledger.consents[-1]["status"] == "refused"  # still on record
    clock.now = START + timedelta(days=30)  # the override ends; the refusal stands
    assert visibility(hub, police, child_id) == {}


def test_a_decision_lasts_a_year_at_most_and_an_override_three_months(
        hub: Hub, clock: Clock, people: dict[str, Caller]) -> None:
    _, child_id = health_record(hub, clock)
    lead = people["city-health/safeguarding-lead"]
    with pytest.raises(InvalidContent, match="at most 12 months"):
        hub.sharing.record_decision(lead, child_id, **_override(
            valid_until=clock.now + timedelta(days=367)))
    hub.sharing.record_decision(lead, child_id, **_override(
        valid_until=clock.now + timedelta(days=364)))
    hub.sharing.record_consent(
        people["city-mash/social-worker"], child_id, "refused", "parent",
        scope(["notts-police"], ["health"], ["referral"]), None, None)
    clock.advance(minutes=1)
    # Against the refusal, a decision is looked at again within three months.
    with pytest.raises(InvalidContent, match="overriding a refusal lasts at most 3 months"):
        hub.sharing.record_decision(lead, child_id, **_override(
            valid_until=clock.now + timedelta(days=100)))
    made = hub.sharing.record_decision(lead, child_id, **_override(
        valid_until=clock.now + timedelta(days=85)))
    assert made["overrides_refusal"] is True


def test_no_one_without_the_entitlement_makes_an_override_effective(
        hub: Hub, clock: Clock, people: dict[str, Caller]) -> None:
    _, child_id = health_record(hub, clock)
    police = people["notts-police"]
    hub.sharing.record_consent(
        people["city-mash/social-worker"], child_id, "refused", "parent",
        scope(["notts-police", "city-mash"], ["health"], ["referral"]), None, None)
    clock.advance(minutes=1)
    with pytest.raises(RuleViolation, match="authorised"):  # an ordinary social worker
        hub.sharing.record_decision(people["city-mash/social-worker"], child_id,
                                    **_override(recipient_agency="notts-police"))
    # A police officer's override covers police records only: never health's, for itself.
    hub.sharing.record_decision(police, child_id, **_override())
    clock.advance(minutes=1)
    assert visibility(hub, police, child_id) == {}


def test_a_refusal_blocks_a_decision_that_did_not_override_it(
        hub: Hub, clock: Clock, people: dict[str, Caller]) -> None:
    _, child_id = health_record(hub, clock)
    police = people["notts-police"]
    made = hub.sharing.record_decision(people["city-health"], child_id, **_override())
    assert made["overrides_refusal"] is False
    clock.advance(minutes=1)
    assert visibility(hub, police, child_id) == {"health_concern": "full"}
    hub.sharing.record_consent(people["city-mash/social-worker"], child_id, "refused",
                               "parent", scope(["notts-police"]), None, None)
    clock.advance(minutes=1)
    assert visibility(hub, police, child_id) == {}


def test_a_decision_not_to_share_is_recorded_and_holds(hub: Hub, clock: Clock,
                                                       people: dict[str, Caller]) -> None:
    _, child_id = health_record(hub, clock)
    concern = submit(hub, "notts-police", notification(
        "P-1", "police_concern", subjects=[child(postcode="NG5 1AB")],
        occurred_at="2026-11-01T12:00:00Z"))
    clock.advance(minutes=1)
    police = people["notts-police"]
    assert "health_concern" not in visibility(hub, police, child_id)  # sending is not enough
    hub.front_door.acknowledge(people["city-mash"], contact_id(concern.id))
    clock.advance(minutes=1)
    assert visibility(hub, police, child_id)["health_concern"] == "summary"  # involved
    hub.sharing.record_decision(
        people["city-health"], child_id, share=False, recipient_agency="notts-police",
        data_classes=["health"], purposes=["referral", "triage"],
        legal_basis="dpa-2018-sch1-para18",
        consent_not_relied=None, rationale="Not proportionate: no link to the incident.",
        valid_from=None, valid_until=clock.now + timedelta(days=90))
    clock.advance(minutes=1)
    assert "health_concern" not in visibility(hub, police, child_id)
    entries = [e for e in hub.audit.entries() if e.kind == "sharing-decision"]
    assert entries[-1].details["share"] is False


def test_an_open_enquiry_entitles_its_partners_until_it_closes(
        hub: Hub, clock: Clock, people: dict[str, Caller]) -> None:
    _, child_id = health_record(hub, clock)
    police = people["notts-police"]
    enquiry = hub.sharing.open_enquiry(people["city-mash/social-worker"], child_id,
                                       "s47-enquiry", ["notts-police", "city-health"])
    clock.advance(minutes=1)
    case = enquiry["id"]
    assert visibility(hub, police, child_id, Purpose.S47, case=case) == {"health_concern": "full"}
    assert visibility(hub, police, child_id, Purpose.S47) == {}  # s47 names its enquiry
    assert visibility(hub, police, child_id, Purpose.TRIAGE) == {}
    assert visibility(hub, people["derbys-police"], child_id, Purpose.S47, case=case) == {}
    hub.sharing.close_enquiry(people["city-mash/social-worker"], UUID(enquiry["id"]), "ICPC")
    clock.advance(minutes=1)
    assert visibility(hub, police, child_id, Purpose.S47, case=case) == {}


def test_a_restricted_record_is_a_summary_unless_a_decision_names_the_reader(
        hub: Hub, clock: Clock, people: dict[str, Caller]) -> None:
    receipt, child_id = health_record(hub, clock)
    mash = people["city-mash"]
    assert visibility(hub, mash, child_id, Purpose.TRIAGE) == {"health_concern": "full"}
    with pytest.raises(NotEntitled, match="only the agency"):
        hub.sharing.restrict(people["notts-police"], receipt.id, True, "not theirs")
    hub.sharing.restrict(people["city-health"], receipt.id, True, "clinical sensitivity")
    clock.advance(minutes=1)
    assert visibility(hub, mash, child_id, Purpose.TRIAGE) == {"health_concern": "summary"}
    assert visibility(hub, people["city-health"], child_id) == {"health_concern": "full"}
    hub.sharing.record_decision(
        people["city-health"], child_id, share=True, recipient_agency="city-mash",
        data_classes=["health"], purposes=["triage"], legal_basis="dpa-2018-sch1-para18",
        consent_not_relied="cannot-reasonably-be-obtained", rationale="MASH triage needs it.",
        valid_from=None, valid_until=clock.now + timedelta(days=7))
    clock.advance(minutes=1)
    assert visibility(hub, mash, child_id, Purpose.TRIAGE) == {"health_concern": "full"}


def test_sensitive_locations_never_leave_without_a_named_role(
        hub: Hub, clock: Clock, people: dict[str, Caller]) -> None:
    receipt = submit(hub, "notts-police", notification(
        "P-9", subjects=[child(postcode="NG5 1AB")], occurred_at="2026-11-01T22:00:00Z",
        summary="Mother and child moved to refuge.", location="Refuge address",
        location_sensitive=True, dash={"yes_count": 16}))
    clock.advance(minutes=1)
    child_id = receipt.child_ids[0]
    mash = hub.disclosure.chronology(ReadContext(people["city-mash"], Purpose.TRIAGE, None),
                                     child_id)["items"][0]
    assert mash["visibility"] == "full"
    assert "location" not in mash["details"]
    assert mash["details"]["dash"] == {"yes_count": 16, "answers": None}
    own = hub.disclosure.notification(ReadContext(people["notts-police"], Purpose.REFERRAL,
                                                  None),
                                      receipt.id)
    assert own["details"]["location"] == "Refuge address"


def test_break_glass_is_allowed_flagged_alerted_and_listed_for_review(
        hub: Hub, clock: Clock, people: dict[str, Caller]) -> None:
    _, child_id = health_record(hub, clock)
    police = people["notts-police"]
    reason = "Child found alone at night; need medical history for paramedics."
    with pytest.raises(NotEntitled, match="break-glass"):  # a school may not break glass
        hub.disclosure.chronology(ReadContext(people["riverside-primary"], Purpose.TRIAGE, None,
                                              reason), child_id)
    assert visibility(hub, police, child_id, Purpose.TRIAGE) == {}
    assert visibility(hub, police, child_id, Purpose.TRIAGE, reason) == {"health_concern": "full"}
    entry = list(hub.audit.entries())[-1]
    assert entry.details["break_glass_claimed"] is True
    assert "break_glass" in entry.details
    assert reason not in str(entry.records) + str(entry.details)  # the reason stays encrypted-able
    feed = hub.sharing.access_feed(people["city-health"], 0, 10)["items"]
    assert feed[-1]["break_glass"] is True
    assert feed[-1]["reader_agency"] == "notts-police"
    listed = hub.sharing.break_glass_accesses(people["city-mash/team-manager"], True)
    assert [a["reason"] for a in listed] == [reason]
    with pytest.raises(NotEntitled):
        hub.sharing.break_glass_accesses(police, True)
    hub.sharing.review_break_glass(people["city-mash/team-manager"], UUID(listed[0]["id"]),
                                   "justified", "Appropriate in the circumstances.")
    assert hub.sharing.break_glass_accesses(people["city-mash/team-manager"], True) == []


def test_owners_are_told_when_another_agency_reads_their_record(
        hub: Hub, clock: Clock, people: dict[str, Caller]) -> None:
    receipt, child_id = health_record(hub, clock)
    hub.disclosure.chronology(ReadContext(people["city-mash"], Purpose.TRIAGE, "MASH-1"),
                              child_id)
    hub.disclosure.chronology(ReadContext(people["city-health"], Purpose.TRIAGE, None), child_id)
    feed = hub.sharing.access_feed(people["city-health"], 0, 10)
    [item] = feed["items"]
    assert (item["reader_agency"], item["purpose"], item["child_id"]) == \
        ("city-mash", "triage", str(child_id))
    assert item["records"][0]["record"] == str(receipt.id)
    assert hub.sharing.access_feed(people["city-health"], item["position"], 10)["items"] == []


def test_point_in_time_answers_and_replay_across_a_policy_change(
        hub: Hub, clock: Clock, people: dict[str, Caller]) -> None:
    _, child_id = health_record(hub, clock)
    before = clock.now
    school = people["riverside-primary"]
    submit(hub, "notts-police", notification("P-2", subjects=[child(postcode="NG5 1AB",
                                                                    school_urn="100001")],
                                             occurred_at="2026-11-01T22:00:00Z"))
    clock.advance(minutes=1)
    assert visibility(hub, school, child_id, Purpose.ENCOMPASS) == {}
    clock.advance(minutes=1)
    # A new policy lets a school see its pupils' health records in summary.
    packaged = packaged_policy("access")
    widened = PolicyText(packaged.model, packaged.policy +
                         "p, school, dsl, pupil, health, *, *, *, summary, allow, pilot\n")
    hub.policies.publish(widened, "Head of Information Governance", "pilot with schools")
    hub.decisions.adopt(widened, clock.now)
    changed = clock.advance(minutes=1)
    assert visibility(hub, school, child_id, Purpose.ENCOMPASS) == {"health_concern": "summary"}

    def entitled(at: datetime) -> set[tuple[str, str, str]]:
        return {(r["agency"], r["data_class"], r["visibility"])
                for r in hub.entitlements.could_see(child_id, at) if r["record_type"] ==
                "health_concern"}

    assert ("riverside-primary", "health", "summary") not in entitled(before)
    assert ("riverside-primary", "health", "summary") in entitled(changed)
    assert ("city-health", "health", "full") in entitled(before)
    checked, mismatches = hub.entitlements.replay()
    assert checked >= 2
    assert mismatches == []


def test_replay_finds_an_entry_that_does_not_follow_from_the_records(
        hub: Hub, clock: Clock, people: dict[str, Caller]) -> None:
    _, child_id = health_record(hub, clock)
    hub.disclosure.chronology(ReadContext(people["city-mash"], Purpose.TRIAGE, None), child_id)
    entry = list(hub.audit.entries())[-1]
    forged = [dict(r, fields=[dict(f, visibility="full", rule="forged") for f in r["fields"]])
              for r in entry.records]
    hub.audit.record(kind=AuditKind.DISCLOSURE, action="read-chronology",
                     actor=dict(entry.actor, agency="derbys-police", agency_kind="police",
                                role="police-officer"),
                     purpose="triage", child_ids=entry.child_ids, records=forged,
                     policy_version=entry.policy_version, details=dict(entry.details))
    checked, mismatches = hub.entitlements.replay()
    assert checked == 2
    assert mismatches
    assert mismatches[0].index == entry.originator_version
