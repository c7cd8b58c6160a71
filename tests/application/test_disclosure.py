"""Reads of personal data: filtered by the policy, and audited before anything is returned."""

import pytest

from domain.access import Purpose
from domain.audit import AuditEntryRecorded
from domain.missing import MissingRecord, record_id
from domain.notifications import Notification
from hub.bootstrap import Hub
from hub.disclosure import ReadContext
from hub.domestic_abuse import case_id
from hub.errors import NotEntitled
from tests.support import child, notification, seed, submit


def ctx(hub: Hub, token: str, purpose: Purpose = Purpose.TRIAGE,
        case_ref: str | None = None) -> ReadContext:
    return ReadContext(hub.registry.authenticate(token), purpose, case_ref)


def last_entry(hub: Hub) -> AuditEntryRecorded:
    entries = list(hub.audit.entries())
    return entries[-1]


def test_mash_reads_the_chronology_in_full_and_it_is_audited(hub: Hub) -> None:
    tokens = seed(hub)
    receipt = submit(hub, "notts-police", notification())
    chronology = hub.disclosure.chronology(
        ctx(hub, tokens["city-mash"], Purpose.TRIAGE, "MASH-7"), receipt.child_ids[0])
    [item] = chronology["items"]
    assert item["visibility"] == "full"
    assert item["details"]["summary"] == "free text from the sending agency"
    assert item["subjects"][0]["given_name"] == "Amy"
    entry = last_entry(hub)
    assert (entry.kind, entry.action, entry.purpose, entry.case_ref) == \
        ("disclosure", "read-chronology", "triage", "MASH-7")
    assert entry.actor["agency"] == "city-mash"
    assert entry.actor["role"] == "mash-worker"
    # The child first, then every other subject whose identity the response showed.
    notification_ = hub.store.find(receipt.id, Notification)
    assert notification_ is not None
    assert entry.child_ids == list(dict.fromkeys(notification_.person_ids))
    assert entry.child_ids[0] == receipt.child_ids[0]
    visible = {r["record"]: r["visibility"] for r in entry.records}
    assert visible[str(receipt.id)] == "full"
    fields = [f for r in entry.records for f in r["fields"]]
    assert all(f["rule"] and f["ground"] for f in fields)
    assert {f["ground"] for f in fields} == {"local-authority-safeguarding-duty"}
    assert entry.policy_version == hub.decisions.policy_version


def test_another_police_force_is_refused_and_the_refusal_is_audited(hub: Hub) -> None:
    tokens = seed(hub)
    receipt = submit(hub, "notts-police", notification())
    size = hub.audit.size()
    with pytest.raises(NotEntitled):
        hub.disclosure.chronology(ctx(hub, tokens["derbys-police"]), receipt.child_ids[0])
    with pytest.raises(NotEntitled):
        hub.disclosure.notification(ctx(hub, tokens["derbys-police"]), receipt.id)
    assert hub.audit.size() == size + 2
    entry = last_entry(hub)
    assert entry.kind == "denial"
    assert entry.actor["agency"] == "derbys-police"
    assert entry.records[0]["visibility"] == "none"
    assert {f["rule"] for f in entry.records[0]["fields"]} == {"default-deny"}
    assert {f["relation"] for f in entry.records[0]["fields"]} == {"none"}


def test_the_sending_agency_sees_its_own_notification_in_full(hub: Hub) -> None:
    tokens = seed(hub)
    receipt = submit(hub, "notts-police", notification())
    view = hub.disclosure.notification(ctx(hub, tokens["notts-police"]), receipt.id)
    assert view["visibility"] == "full"
    assert view["source_ref"] == "NTP-2026-004211"
    assert [s["role"] for s in view["subjects"]] == ["child", "adult_victim", "perpetrator"]
    assert view["details"]["dash"] == {"yes_count": 15, "answers": None}
    assert {f["ground"] for f in last_entry(hub).records[0]["fields"]} == {"own-record"}


def test_a_chronology_holds_only_what_the_caller_may_know_newest_first(hub: Hub) -> None:
    tokens = seed(hub)
    amy = child(postcode="NG5 1AB")
    police = submit(hub, "notts-police", notification("P1", subjects=[amy],
                                                      occurred_at="2026-11-20T22:15:00Z"))
    school = submit(hub, "riverside-primary", notification(
        "S1", "school_concern", subjects=[amy], occurred_at="2026-11-18T09:00:00Z",
        summary="tired", child_words="they were shouting"))
    health = submit(hub, "city-health", notification(
        "H1", "health_concern", subjects=[amy], occurred_at="2026-11-19T12:00:00Z"))
    child_id = police.child_ids[0]
    assert school.child_ids == [child_id] == health.child_ids

    mash = hub.disclosure.chronology(ctx(hub, tokens["city-mash"]), child_id)
    assert [i["id"] for i in mash["items"]] == [str(police.id), str(health.id), str(school.id)]

    own = hub.disclosure.chronology(ctx(hub, tokens["riverside-primary"]), child_id)
    assert [i["id"] for i in own["items"]] == [str(school.id)]
    assert own["items"][0]["details"]["child_words"] == "they were shouting"
    records = {r["record"]: r["visibility"] for r in last_entry(hub).records}
    assert records[str(police.id)] == "none"
    assert records[str(school.id)] == "full"

    # Sending alone makes the police the owner of what they sent, nothing more.
    police_view = hub.disclosure.chronology(ctx(hub, tokens["notts-police"]), child_id)
    assert [i["id"] for i in police_view["items"]] == [str(police.id)]
    # Once the DART takes the incident up, the police are involved: they see that the
    # school and health hold records, and whom to call, but not what the records say.
    hub.domestic_abuse.triage(hub.registry.authenticate(tokens["city-dart"]),
                              case_id(police.id), yes_count=None, answers=None, level=None,
                              judgement_reason=None, actions=[], threshold_met=False,
                              rationale="Standard risk; school informed.")
    police_view = hub.disclosure.chronology(ctx(hub, tokens["notts-police"]), child_id)
    by_id = {i["id"]: i for i in police_view["items"]}
    assert by_id[str(police.id)]["visibility"] == "full"
    assert by_id[str(school.id)] == {
        "id": str(school.id), "type": "school_concern", "agency": "riverside-primary",
        "occurred_at": "2026-11-18T09:00:00+00:00", "visibility": "summary",
        "contact": {"agency": "riverside-primary", "name": "Riverside Primary School"},
        "link": {"rule": "demographic-exact", "version": 2}}


def test_the_identity_record_is_for_the_front_door_dart_and_missing_team(hub: Hub) -> None:
    tokens = seed(hub)
    receipt = submit(hub, "notts-police", notification(
        subjects=[child(nhs_number="9434765919", postcode="NG5 1AB")]))
    record = hub.disclosure.child(ctx(hub, tokens["city-dart"]), receipt.child_ids[0])
    assert (record["given_name"], record["nhs_number"], record["known_to"]) == \
        ("Amy", "9434765919", ["notts-police"])
    # The missing team reads for a missing episode, which it names.
    with pytest.raises(NotEntitled, match="needs X-Case-Ref"):
        hub.disclosure.child(ctx(hub, tokens["missing-team"], Purpose.MISSING),
                             receipt.child_ids[0])
    submit(hub, "notts-police", notification(
        "M-1", "missing", subjects=[child(nhs_number="9434765919", postcode="NG5 1AB")]))
    record_ = hub.store.find(record_id(receipt.child_ids[0]), MissingRecord)
    assert record_ is not None
    episode = str(record_.episodes[0]["id"])
    missing = hub.disclosure.child(ctx(hub, tokens["missing-team"], Purpose.MISSING, episode),
                                   receipt.child_ids[0])
    assert missing["given_name"] == "Amy"
    assert "known_to" not in missing  # which agencies know the child is a class of its own
    for agency in ("notts-police", "riverside-primary", "city-health", "info-governance"):
        with pytest.raises(NotEntitled):
            hub.disclosure.child(ctx(hub, tokens[agency]), receipt.child_ids[0])
        assert last_entry(hub).kind == "denial"


def test_audit_entries_hold_no_personal_data(hub: Hub) -> None:
    tokens = seed(hub)
    receipt = submit(hub, "notts-police", notification(
        subjects=[child(nhs_number="9434765919", postcode="NG5 1AB")]))
    hub.disclosure.chronology(ctx(hub, tokens["city-mash"]), receipt.child_ids[0])
    with pytest.raises(NotEntitled):
        hub.disclosure.chronology(ctx(hub, tokens["derbys-police"]), receipt.child_ids[0])
    personal = [b"Amy", b"Hart", b"2016-04-02", b"9434765919", b"NG5 1AB", b"free text"]
    audit_states = [state for _, state in hub.audit.stored_entries()]
    assert len(audit_states) == 3  # the policy coming into force, a disclosure, a refusal
    for state in audit_states:
        for value in personal:
            assert value not in state
