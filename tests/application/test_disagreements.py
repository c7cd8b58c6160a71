"""Inter-agency disagreement against any decision the hub records (a DART triage, the handling
of a missing episode, a MASH contact's decision), on the risk the raiser states, with the
deciding agency's named person told at each stage (every store)."""

import json
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import StoredEvent

from domain.disagreement import Disagreement, SubjectKind
from domain.errors import InvalidContent, RuleViolation
from domain.front_door import contact_id
from hub.bootstrap import Hub
from hub.domestic_abuse import case_id
from hub.errors import NotEntitled, NotFound
from hub.registry import Caller
from tests.support import Clock, child, notification, seed, submit

MONDAY = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
WHY = "The children were present and the triage did not refer them on."


@pytest.fixture
def clock() -> Clock:
    return Clock(MONDAY)


@pytest.fixture
def people(hub: Hub) -> dict[str, Caller]:
    tokens = seed(hub)
    for agency, role in (("city-dart", "team-manager"), ("city-mash", "social-worker"),
                         ("missing-team", "team-manager"), ("notts-police", "police-officer")):
        _, tokens[f"{agency}/{role}"] = hub.registry.register_user(agency, role, "Staff")
    return {name: hub.registry.authenticate(token) for name, token in tokens.items()}


def triaged(hub: Hub, people: dict[str, Caller], ref: str = "NTP-9") -> tuple[UUID, UUID]:
    """A police incident (DASH 12, medium) the DART triaged as medium: (case, child)."""
    receipt = submit(hub, "notts-police", notification(
        ref, summary="Shouting heard by neighbours.", dash={"yes_count": 12}))
    case = case_id(receipt.id)
    hub.domestic_abuse.triage(people["city-dart"], case, yes_count=None, answers=None,
                              level=None, judgement_reason=None, actions=["safety-planning"],
                              threshold_met=False, rationale="Safety planning with the victim.")
    return case, receipt.child_ids[0]


def test_a_disagreement_with_a_dart_triage_reaches_the_named_manager_on_the_clock(
        hub: Hub, people: dict[str, Caller], clock: Clock) -> None:
    fd = hub.front_door
    police, dart = people["notts-police"], people["city-dart"]
    manager = people["city-dart/team-manager"]
    receipt = submit(hub, "notts-police", notification(
        "NTP-8", summary="Shouting heard.", dash={"yes_count": 3}))
    with pytest.raises(RuleViolation, match="not triaged"):
        fd.raise_against(police, "dart-triage", case_id(receipt.id), WHY, "high")
    case, child_id = triaged(hub, people)
    # The school may not know the triage exists: the same answer as an unknown id.
    for who, ident in ((people["riverside-primary"], case), (police, uuid4()),
                       (people["city-health"], case)):
        with pytest.raises(NotFound, match="no such decision"):
            fd.raise_against(who, "dart-triage", ident, WHY, "high")
    with pytest.raises(InvalidContent, match="risk"):
        fd.raise_against(police, "dart-triage", case, WHY, "severe")
    with pytest.raises(InvalidContent, match=r"subject\.kind"):
        fd.raise_against(police, "conference", case, WHY, "high")

    fd.name_escalation_contact(manager, "team-manager", manager.user_id)
    raised = fd.raise_against(police, "dart-triage", case, WHY, "high")
    assert raised["subject"] == {"kind": "dart-triage", "id": str(case)}
    assert raised["child_ids"] == [str(child_id)]  # the triage's own child
    assert "contact_id" not in raised
    assert raised["with_agency"] == "city-dart"
    assert raised["risk"] == "high"
    assert raised["due"] == "2026-11-23T13:30:00+00:00"  # four elapsed hours
    assert raised["named"] == str(dart.user_id)  # who triaged: nobody named for the stage
    did = UUID(raised["id"])
    assert [d["id"] for d in fd.disagreement_alerts(dart, "referral")["items"]] == [str(did)]
    assert fd.disagreement_alerts(manager, "referral")["items"] == []

    clock.advance(hours=4, minutes=1)
    assert fd.escalate_overdue() == 1
    [alert] = fd.disagreement_alerts(manager, "referral")["items"]
    assert alert["stage"] == "team-manager"
    assert alert["named"] == str(manager.user_id)
    assert alert["stages"][1]["automatic"] is True
    assert alert["due"] == "2026-11-23T17:31:00+00:00"  # four hours from the escalation
    assert fd.disagreement_alerts(dart, "referral")["items"] == []  # the stage moved on
    [entry] = [e for e in hub.audit.entries() if e.action == "read-disagreement-alerts"
               and e.actor["user_id"] == str(manager.user_id) and e.records]
    assert entry.child_ids == [child_id]

    # The risk lessens: the open stage takes the standard clock from its start (13:31).
    lowered = fd.restate_disagreement_risk(police, did, "standard",
                                           "The victim and children have moved to family.")
    assert lowered["risk"] == "standard"
    # 16 working hours from Monday 13:31: 3h29 on Monday, 8h30 on Tuesday, 4h01 on Wednesday.
    assert lowered["due"] == "2026-11-25T12:31:00+00:00"
    assert lowered["risk_changes"][0]["previous"] == "high"
    with pytest.raises(NotFound):  # not a party to it
        fd.restate_disagreement_risk(people["riverside-primary"], did, "high", WHY)
    with pytest.raises(RuleViolation, match="raised the disagreement says"):
        fd.resolve_disagreement(manager, did, "We consider this closed now.")
    resolved = fd.resolve_disagreement(police, did, "Agreed to refer the children on.")
    assert resolved["resolution"]["stage"] == "team-manager"
    assert fd.disagreement_alerts(manager, "referral")["items"] == []


def test_a_disagreement_with_a_decision_not_to_hold_an_interview(
        hub: Hub, people: dict[str, Caller], clock: Clock) -> None:
    fd, team = hub.front_door, people["missing-team"]
    sam = child("Sam", "Lowe", "2011-05-05", postcode="NG7 2AA")
    submit(hub, "notts-police", notification("MISS-9", type_="missing", subjects=[sam],
                                             occurred_at="2026-11-20T18:00:00Z",
                                             summary="Left home after an argument."))
    receipt = submit(hub, "notts-police", notification(
        "FOUND-9", type_="found", subjects=[sam], occurred_at="2026-11-21T20:30:00Z",
        summary="Found at a friend's.", episode={"ended": "returned"}))
    [episode] = hub.missing.queue(team)["interviews"]
    ident = UUID(episode["id"])
    with pytest.raises(RuleViolation, match="not settled"):
        fd.raise_against(people["notts-police"], "missing-episode", ident, WHY, "medium")
    hub.missing.record_interview(team, ident, "not-held", None, None,
                                 "The child is placed out of area; they will hold it.")
    with pytest.raises(NotFound):
        fd.raise_against(people["riverside-primary"], "missing-episode", ident, WHY, "medium")
    raised = fd.raise_against(people["notts-police"], "missing-episode", ident,
                              "The child went missing again; an interview is needed.",
                              "medium")
    assert raised["with_agency"] == "missing-team"
    assert raised["child_ids"] == [str(receipt.child_ids[0])]
    assert raised["named"] == str(team.user_id)
    # Medium: 16 working hours from Monday 09:30.
    assert raised["due"] == "2026-11-24T17:00:00+00:00"


def decided_contact(hub: Hub, people: dict[str, Caller]) -> UUID:
    receipt = submit(hub, "riverside-primary", notification(
        "SCH-9", type_="school_concern", occurred_at="2026-11-23T08:50:00Z",
        subjects=[child()], summary="Amy said her step-father hit her."))
    cid = contact_id(receipt.id)
    hub.front_door.rate(people["city-mash"], cid, "green", None)
    hub.front_door.decide(people["city-mash/social-worker"], cid, level="universal",
                          outcome="no-further-action",
                          rationale="Universal services meet the need at present.",
                          feedback="No further action.", signs_of_safety=None, participants=[])
    return cid


def test_escalation_contacts_are_the_agencys_own_staff(
        hub: Hub, people: dict[str, Caller]) -> None:
    fd, manager = hub.front_door, people["city-dart/team-manager"]
    for stranger in (people["city-mash"].user_id, uuid4()):
        with pytest.raises(InvalidContent, match="active member of your agency"):
            fd.name_escalation_contact(manager, "director", stranger)
    with pytest.raises(NotEntitled):
        fd.name_escalation_contact(people["city-dart"], "director", manager.user_id)
    with pytest.raises(NotEntitled):
        fd.escalation_contacts(people["info-governance"])
    named = fd.name_escalation_contact(manager, "director", manager.user_id)
    assert {s["stage"]: s["user_id"] for s in named["stages"]}["director"] == \
        str(manager.user_id)
    cleared = fd.name_escalation_contact(manager, "director", None)
    assert all(s["user_id"] is None for s in cleared["stages"])
    assert fd.escalation_contacts(people["city-mash/social-worker"])["stages"][0] == {
        "stage": "worker", "user_id": None}


def _as_v1(row: StoredEvent, ident: UUID) -> StoredEvent:
    """An event as version 1 stored it: a Raised naming the contact, no children list, risk
    or named person; an Escalated naming no one."""
    state = json.loads(row.state)
    state.pop("class_version", None)
    if row.topic.endswith("Raised"):
        assert state.pop("subject_kind") == "mash-contact"
        state["contact_id"] = state.pop("subject_id")
        for name in ("child_ids", "risk", "named"):
            state.pop(name)
    else:
        state.pop("named")
    return StoredEvent(originator_id=ident, originator_version=row.originator_version,
                       topic=row.topic, state=json.dumps(state).encode())


def test_disagreements_stored_by_version_1_still_load(
        hub: Hub, people: dict[str, Caller], clock: Clock) -> None:
    cid = decided_contact(hub, people)
    raised = hub.front_door.raise_disagreement(people["riverside-primary"], cid,
                                               "We think this needs an assessment.")
    assert raised["risk"] == "standard"
    assert raised["contact_id"] == str(cid)
    clock.advance(hours=48)
    assert hub.front_door.escalate_overdue() == 1
    old = uuid4()
    rows = list(hub.store.recorder.select_events(UUID(raised["id"])))
    hub.store.recorder.insert_events([_as_v1(r, old) for r in rows])
    d = hub.store.find(old, Disagreement)
    assert d is not None
    assert d.subject_kind is SubjectKind.MASH_CONTACT
    assert d.contact_id == cid
    assert d.child_ids == [d.child_id]
    assert d.risk is None
    assert [s.named for s in d.stages] == [None, None]
    assert d.stage.stage.value == "team-manager"
    view: dict[str, Any] = hub.front_door._disagreement_view(d, clock.now)
    assert view["reason"] == "We think this needs an assessment."


def test_the_referrer_is_told_of_a_declined_referral_within_24_hours(
        hub: Hub, people: dict[str, Caller], clock: Clock) -> None:
    fd, worker = hub.front_door, people["city-mash/social-worker"]
    cid = decided_contact(hub, people)  # no further action, decided on Monday 09:30

    def late() -> list[dict[str, Any]]:
        return [b for b in fd.breaches(people["city-mash"])["items"]
                if b["clock"] == "referral-feedback"]

    clock.advance(hours=24)  # Tuesday 09:30: due, not yet late
    assert late() == []
    clock.advance(minutes=30)
    [breach] = late()
    assert breach["contact_id"] == str(cid)
    assert breach["due"] == "2026-11-24T09:30:00+00:00"
    assert breach["overdue_hours"] == 0.5
    with pytest.raises(NotEntitled):
        fd.record_feedback_call(people["riverside-primary"], cid, None, None)
    with pytest.raises(InvalidContent, match="after the decision"):
        fd.record_feedback_call(worker, cid, MONDAY.replace(hour=8), None)
    called = fd.record_feedback_call(worker, cid, None,
                                     "Rang the DSL and explained the decision.")
    assert called["late"] is True
    assert called["note"] == "Rang the DSL and explained the decision."
    assert late() == []
    with pytest.raises(RuleViolation, match="already recorded"):
        fd.record_feedback_call(worker, cid, None, None)


def test_only_a_declined_referral_has_a_feedback_call(
        hub: Hub, people: dict[str, Caller], clock: Clock) -> None:
    receipt = submit(hub, "riverside-primary", notification(
        "SCH-10", type_="school_concern", occurred_at="2026-11-23T08:50:00Z",
        subjects=[child("Ben", "Cole", "2014-02-02")], summary="Ben has bruises."))
    cid = contact_id(receipt.id)
    hub.front_door.rate(people["city-mash"], cid, "amber", None)
    hub.front_door.decide(people["city-mash/social-worker"], cid, level="child-in-need",
                          outcome="assessment", rationale="Needs a children's assessment.",
                          feedback="An assessment will follow.", signs_of_safety=None,
                          participants=[])
    with pytest.raises(RuleViolation, match="not a declined referral"):
        hub.front_door.record_feedback_call(people["city-mash/social-worker"], cid, None, None)
    clock.advance(days=3)
    assert [b for b in hub.front_door.breaches(people["city-mash"])["items"]
            if b["clock"] == "referral-feedback"] == []


def test_a_disagreement_with_a_conference_decision(
        hub: Hub, people: dict[str, Caller], clock: Clock) -> None:
    social = people["city-mash/social-worker"]
    receipt = submit(hub, "riverside-primary", notification(
        "SCH-11", type_="school_concern", occurred_at="2026-11-23T08:50:00Z",
        subjects=[child("Kai", "Moss", "2013-06-06")], summary="Kai has marks on his arms."))
    kai = receipt.child_ids[0]
    enquiry = hub.sharing.open_enquiry(social, kai, "s47-enquiry",
                                       ["notts-police", "city-health"])
    view = hub.child_protection.initial_conference(social, kai, at=None, plan=False,
                                                   category=None, unborn=False,
                                                   enquiry_id=UUID(enquiry["id"]))
    [conference] = view["conferences"]
    assert conference["kind"] == "initial"
    assert conference["plan"] is False
    ident = UUID(conference["id"])
    # The school took no part in the enquiry: the conference is unknown to it.
    with pytest.raises(NotFound):
        hub.front_door.raise_against(people["riverside-primary"], "cp-conference", ident,
                                     WHY, "high")
    raised = hub.front_door.raise_against(
        people["notts-police"], "cp-conference", ident,
        "The police hold intelligence that meets the threshold for a plan.", "high")
    assert raised["with_agency"] == "city-mash"
    assert raised["child_ids"] == [str(kai)]
    assert raised["named"] == str(social.user_id)


def test_a_disagreement_with_a_refusal_to_share(
        hub: Hub, people: dict[str, Caller], clock: Clock) -> None:
    receipt = submit(hub, "riverside-primary", notification(
        "SCH-12", type_="school_concern", occurred_at="2026-11-23T08:50:00Z",
        subjects=[child("Lia", "Ford", "2012-07-07")], summary="Lia is often hungry."))
    lia = receipt.child_ids[0]

    def decide(share: bool) -> UUID:
        return UUID(hub.sharing.record_decision(
            people["city-health"], lia, share=share, recipient_agency="riverside-primary",
            data_classes=["health"], purposes=["encompass"],
            legal_basis="dpa-2018-sch1-para18",
            consent_not_relied="would-put-child-at-risk" if share else None,
            rationale="The health record holds nothing the school needs to know.",
            valid_from=None, valid_until=MONDAY.replace(year=2027))["id"])

    refusal, sharing = decide(False), decide(True)
    for who, ident in ((people["notts-police"], refusal),
                       (people["riverside-primary"], sharing)):  # not a refusal
        with pytest.raises(NotFound):
            hub.front_door.raise_against(who, "sharing-refusal", ident, WHY, "medium")
    raised = hub.front_door.raise_against(
        people["riverside-primary"], "sharing-refusal", refusal,
        "Lia's weight loss matters for her care in school every day.", "medium")
    assert raised["with_agency"] == "city-health"
    assert raised["child_ids"] == [str(lia)]
