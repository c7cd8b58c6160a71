"""``hub audit replay`` re-decides every judgement the decision point made for an audited
answer (every store): each field, the record-level visibility against its fields', whether the
read was answered at all, and the answers the access policy decided directly (MASH research,
Operation Encompass notices, the CP-IS flag). A copy of an entry with any of them changed is a
mismatch; the entries the hub wrote replay with none."""

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from domain.access import Purpose
from domain.audit import AuditEntryRecorded, AuditKind
from domain.front_door import contact_id
from hub.audit.trail import AUDIT_LOG_ID
from hub.bootstrap import Hub
from hub.cli import main
from hub.disclosure import ReadContext
from hub.errors import NotEntitled
from hub.registry import Caller
from tests.application.test_audit_tamper import Database
from tests.support import Clock, child, notification, submit

MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
NHS = "9434765919"


@pytest.fixture
def clock() -> Clock:
    return Clock(MONDAY)


def copy_of(hub: Hub, entry: AuditEntryRecorded, **changes: Any) -> int:
    """Append a copy of ``entry`` with ``changes``: what someone editing the trail makes."""
    fields: dict[str, Any] = {
        "kind": AuditKind(entry.kind), "action": entry.action, "actor": entry.actor,
        "purpose": entry.purpose, "case_ref": entry.case_ref, "child_ids": entry.child_ids,
        "records": entry.records, "policy_version": entry.policy_version,
        "details": entry.details}
    fields.update(changes)
    return hub.audit.record(**fields)


def last(hub: Hub, action: str) -> AuditEntryRecorded:
    return [e for e in hub.audit.entries() if e.action == action][-1]


def replayed(hub: Hub) -> list[str]:
    _, mismatches = hub.entitlements.replay()
    return [str(m) for m in mismatches]


def test_a_record_level_visibility_changed_in_a_copy_is_a_mismatch(
        hub: Hub, people: dict[str, Caller], clock: Clock) -> None:
    receipt = submit(hub, "notts-police", notification())
    child_id = receipt.child_ids[0]
    hub.disclosure.chronology(ReadContext(people["city-mash"], Purpose.TRIAGE, None), child_id)
    entry = last(hub, "read-chronology")
    assert replayed(hub) == []
    shown = {r["visibility"] for r in entry.records}
    assert "full" in shown
    # The fields as they were; only what the records as a whole showed is changed.
    summary = [dict(r, visibility="summary") for r in entry.records]
    narrowed = [dict(r, visibility="none") for r in entry.records]
    index = copy_of(hub, entry, records=summary)
    second = copy_of(hub, entry, records=narrowed)
    found = replayed(hub)
    assert any(f"entry {index}:" in m and "record: recorded visibility=summary, "
               "re-decided visibility=full" in m for m in found), found
    assert any(f"entry {second}:" in m and "visibility=none" in m for m in found), found
    # A field left out of a copy: its class was decided, so it is missed.
    fewer = [dict(r, fields=[f for f in r["fields"] if f["data_class"] == "identity"])
             if r["record_type"] == "notification" else r for r in entry.records]
    third = copy_of(hub, entry, records=fewer)
    assert any(f"entry {third}:" in m and "not decided" in m for m in replayed(hub))
    # A refusal recorded as an answer.
    fourth = copy_of(hub, entry, kind=AuditKind.DENIAL)
    assert any(f"entry {fourth}:" in m and "kind=denial" in m for m in replayed(hub))


def test_encompass_cp_is_and_research_answers_are_re_decided(
        hub: Hub, people: dict[str, Caller], clock: Clock) -> None:
    hub.registry.register_agency("city-ae", "health", "Emergency Department")
    _, token = hub.registry.register_user("city-ae", "unscheduled-care-clinician", "A&E")
    ae = hub.registry.authenticate(token)
    school, mash = people["riverside-primary"], people["city-mash"]
    submit(hub, "notts-police", notification(occurred_at="2026-11-23T08:00:00Z"))
    hub.domestic_abuse.inbox(ReadContext(school, Purpose.ENCOMPASS, None), "100001")
    with pytest.raises(NotEntitled):
        hub.domestic_abuse.inbox(ReadContext(school, Purpose.TRIAGE, None), "100001")
    child_id = submit(hub, "city-health", notification(
        "H-1", type_="health_concern", occurred_at="2026-11-20T10:00:00Z",
        subjects=[child("Cal", "Reed", "2015-02-03", nhs_number=NHS)],
        summary="Bruising.")).child_ids[0]
    hub.child_protection.initial_conference(people["city-mash/social-worker"], child_id,
                                            at=None, plan=True, category="neglect",
                                            unborn=False, enquiry_id=None)
    hub.child_protection.lookup(ReadContext(ae, Purpose.UNSCHEDULED_CARE, None), NHS)
    with pytest.raises(NotEntitled):
        hub.child_protection.lookup(ReadContext(ae, Purpose.ASSESSMENT, None), NHS)
    cid = contact_id(submit(hub, "riverside-primary", notification(
        "SCH-1", "school_concern", subjects=[child()], occurred_at="2026-11-23T08:30:00Z",
        summary="Arrived hungry.")).id)
    hub.front_door.rate(mash, cid, "amber", None)
    hub.front_door.request_research(mash, cid, ["notts-police"])
    hub.front_door.add_research(people["notts-police"], cid, "Two call-outs this year.")
    hub.front_door.contact(ReadContext(mash, Purpose.TRIAGE, None), cid)
    hub.front_door.contact(ReadContext(people["notts-police"], Purpose.TRIAGE, None), cid)

    checked, mismatches = hub.entitlements.replay()
    assert mismatches == []
    # two inbox reads, two look-ups, two contact reads with research in them
    assert checked == 6

    inbox = [e for e in hub.audit.entries() if e.action == "read-encompass-inbox"]
    lookups = [e for e in hub.audit.entries() if e.action == "cp-is-lookup"]
    contact = last(hub, "read-mash-contact")
    assert [e.kind for e in inbox] == ["disclosure", "denial"]
    assert [e.kind for e in lookups] == ["disclosure", "denial"]
    research = [r for r in contact.records if r["record_type"] == "mash-research"]
    assert research
    assert research[0]["visibility"] != "none"

    def forged(entry: AuditEntryRecorded, **field: str) -> list[dict[str, Any]]:
        return [dict(r, fields=[dict(f, **field) for f in r["fields"]])
                if r["record_type"] in ("encompass-notice", "cp-flag", "mash-research")
                else r for r in entry.records]

    copies = {
        copy_of(hub, inbox[0], records=forged(inbox[0], rule="forged")): "rule=forged",
        copy_of(hub, inbox[1], kind=AuditKind.DISCLOSURE): "kind=disclosure",
        copy_of(hub, lookups[0], records=forged(lookups[0], visibility="none")):
            "visibility=none",
        copy_of(hub, lookups[1], kind=AuditKind.DISCLOSURE): "kind=disclosure",
        copy_of(hub, contact, records=[dict(r, visibility="none") if r in research else r
                                       for r in contact.records]): "visibility=none",
        copy_of(hub, contact, records=forged(contact, data_class="health")):
            "data_class=health",
    }
    found = replayed(hub)
    for index, what in copies.items():
        assert any(m.startswith(f"entry {index}:") and what in m for m in found), (
            index, what, found)


def test_hub_audit_replay_on_a_copy_of_the_store(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """The auditor's command, on a copy whose entry says a record showed more than its
    fields allowed: exit 1, the entry named."""
    from hub.bootstrap import bootstrap
    from hub.settings import Settings
    from tests.support import seed

    home = tmp_path / "home"
    hub = bootstrap(Settings(store_url=f"sqlite:///{tmp_path}/hub.sqlite3", home=home))
    try:
        tokens = seed(hub)
        child_id = submit(hub, "notts-police", notification()).child_ids[0]
        health = hub.registry.authenticate(tokens["city-health"])
        with pytest.raises(NotEntitled):
            hub.disclosure.chronology(ReadContext(health, Purpose.TRIAGE, None), child_id)
        index = last(hub, "read-chronology").originator_version - 1
    finally:
        hub.close()
    shutil.copy(tmp_path / "hub.sqlite3", tmp_path / "copy.sqlite3")
    copy = f"sqlite:///{tmp_path}/copy.sqlite3"
    db = Database(copy)
    state = json.loads(db.state(AUDIT_LOG_ID, index + 1))
    assert {r["visibility"] for r in state["records"]} != {"full"}
    state["records"] = [dict(r, visibility="full") for r in state["records"]]
    db.set_state(AUDIT_LOG_ID, index + 1, json.dumps(state, separators=(",", ":")).encode())
    monkeypatch.setenv("HUB_HOME", str(home))
    monkeypatch.setenv("HUB_STORE_URL", f"sqlite:///{tmp_path}/hub.sqlite3")
    assert main(["audit", "replay"]) == 0
    assert "0 mismatches" in capsys.readouterr().out
    monkeypatch.setenv("HUB_STORE_URL", copy)
    assert main(["audit", "replay"]) == 1
    out = capsys.readouterr().out
    assert f"entry {index}:" in out
    assert "visibility=full" in out
