"""Merge and split, on every store: a MASH team manager makes two records of one child one
(chronologies, link keys and bases follow, each record still judged on its own bases), or
undoes a wrong merge, choosing which notifications go back; both audited naming both
children, told to the owners of the records that moved, shown in the chronology; erasing the
survivor erases everything merged into it."""

import json
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest

from domain.access import Purpose
from domain.audit import AuditKind
from domain.errors import InvalidContent, NotPermitted, RuleViolation
from domain.matching import LinkRule
from domain.people import LegalHoldInPlace, PersonRecord
from hub.audit.history import disclosures
from hub.bootstrap import Hub
from hub.disclosure import ReadContext
from hub.errors import NotEntitled, NotFound
from hub.registry import Caller
from hub.shapes import parse_notification
from tests.support import Clock, child, notification, submit

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
MYA_NHS = "9434765919"
REASON = "Same child: the school and the GP confirm Mia is Mya."


@pytest.fixture
def clock() -> Clock:
    return Clock(START)


def mya_and_mia(hub: Hub, clock: Clock) -> tuple[UUID, UUID, UUID, UUID]:
    """Mya (NHS number, postcode) and a duplicate "Mia" (no identifier, another postcode), each
    with a health concern. Returns (Mya, Mia, Mya's concern, Mia's concern)."""
    mya = submit(hub, "city-health", notification("H-MYA", "health_concern", subjects=[
        child("Mya", "Stone", "2015-02-11", nhs_number=MYA_NHS, postcode="NG5 1AB")],
        occurred_at="2026-10-01T10:00:00Z", summary="Mya missed her appointments."))
    mia = submit(hub, "city-health", notification("H-MIA", "health_concern", subjects=[
        child("Mia", "Stone", "2015-02-11", postcode="NG7 2RD")],
        occurred_at="2026-10-20T10:00:00Z", summary="Mia came in with a burn."))
    assert mya.child_ids != mia.child_ids
    clock.advance(minutes=1)
    return mya.child_ids[0], mia.child_ids[0], mya.id, mia.id


def read(hub: Hub, caller: Caller, child_id: UUID,
         purpose: Purpose = Purpose.REFERRAL) -> dict[str, Any]:
    return hub.disclosure.chronology(ReadContext(caller, purpose, None), child_id)


def seen(hub: Hub, caller: Caller, child_id: UUID) -> dict[str, str]:
    try:
        view = read(hub, caller, child_id)
    except NotEntitled:
        return {}
    return {item["source_ref"] if "source_ref" in item else item["id"]: item["visibility"]
            for item in view["items"]}


def consent(hub: Hub, people: dict[str, Caller], child_id: UUID) -> None:
    hub.sharing.record_consent(people["city-mash/social-worker"], child_id, "given", "parent",
                               {"data_classes": ["health"], "agencies": ["notts-police"],
                                "purposes": ["referral"]}, None, None)


def person(hub: Hub, person_id: UUID) -> PersonRecord:
    found = hub.store.find(person_id, PersonRecord)
    assert found is not None
    return found


def test_a_merge_moves_the_chronology_and_the_link_keys_and_is_audited_naming_both(
        hub: Hub, clock: Clock, people: dict[str, Caller]) -> None:
    mya, mia, mya_note, mia_note = mya_and_mia(hub, clock)
    manager = people["city-mash/team-manager"]
    since = hub.audit.size()
    merged = hub.merging.merge(manager, mia, mya, REASON)
    assert (merged["survivor_id"], merged["merged_id"]) == (str(mya), str(mia))
    assert merged["notifications"] == [str(mia_note)]
    assert merged["reason"] == REASON
    clock.advance(minutes=1)
    view = read(hub, manager, mya)
    assert [i["id"] for i in view["items"]] == [str(mia_note), str(mya_note)]
    assert {i["id"]: i["link"]["rule"] for i in view["items"]}[str(mia_note)] == \
        LinkRule.MERGED.value
    assert [(c["kind"], c["other_id"]) for c in view["corrections"]] == [("merge", str(mia))]
    # Mia's id reads as Mya's record.
    assert read(hub, manager, mia)["child_id"] == str(mya)
    # The audit: one entry naming both, no words; the owner (health) told, for both children.
    [entry] = [e for e in hub.audit.entries(since) if e.action == "merge-children"]
    assert entry.kind == AuditKind.MATCHING.value
    assert set(entry.child_ids) == {mya, mia}
    assert "Same child" not in repr(entry)
    assert "Mia" not in repr(entry)
    feed = [e for e in hub.audit.feed("city-health") if e.purpose == "record-correction"]
    assert {e.child_id for e in feed} == {mya, mia}
    assert all(e.records[0]["record"] == str(mia_note) for e in feed)
    # Link keys follow: a new notification about Mia (her name, birth date and postcode, the
    # duplicate's key) is Mia's, shown on the survivor's record (as the merge's own are).
    again = submit(hub, "notts-police", notification("NTP-MIA", "police_concern", subjects=[
        child("Mia", "Stone", "2015-02-11", postcode="NG7 2RD")],
        occurred_at="2026-11-01T10:00:00Z"))
    assert again.child_ids == [mia]
    clock.advance(minutes=1)
    shown = {i["id"]: i["link"]["rule"] for i in read(hub, manager, mya)["items"]}
    assert shown[str(again.id)] == LinkRule.MERGED.value


def test_a_merge_widens_no_ones_access_each_record_keeps_its_own_bases(
        hub: Hub, clock: Clock, people: dict[str, Caller]) -> None:
    """A consent recorded for the duplicate opens the duplicate's records only, never the
    survivor's older ones; a consent recorded for the survivor after the merge opens both."""
    mya, mia, _, _ = mya_and_mia(hub, clock)
    police = people["notts-police"]
    consent(hub, people, mia)
    clock.advance(minutes=1)
    assert seen(hub, police, mia) == {"H-MIA": "full"}
    assert seen(hub, police, mya) == {}
    hub.merging.merge(people["city-mash/team-manager"], mia, mya, REASON)
    clock.advance(minutes=1)
    assert seen(hub, police, mya) == {"H-MIA": "full"}  # Mia's consent: Mia's record only
    consent(hub, people, mya)
    clock.advance(minutes=1)
    assert seen(hub, police, mya) == {"H-MIA": "full", "H-MYA": "full"}


def test_a_survivors_earlier_consent_does_not_open_the_merged_records(
        hub: Hub, clock: Clock, people: dict[str, Caller]) -> None:
    mya, mia, _, mia_note = mya_and_mia(hub, clock)
    police = people["notts-police"]
    consent(hub, people, mya)
    clock.advance(minutes=1)
    hub.merging.merge(people["city-mash/team-manager"], mia, mya, REASON)
    clock.advance(minutes=1)
    assert seen(hub, police, mya) == {"H-MYA": "full"}
    with pytest.raises(NotEntitled):  # read by its id: judged on Mia's bases too
        hub.disclosure.notification(ReadContext(police, Purpose.REFERRAL, None), mia_note)


def test_reads_of_the_merged_records_are_listed_by_who_saw_of_both(
        hub: Hub, clock: Clock, people: dict[str, Caller]) -> None:
    mya, mia, mya_note, mia_note = mya_and_mia(hub, clock)
    manager = people["city-mash/team-manager"]
    hub.merging.merge(manager, mia, mya, REASON)
    clock.advance(minutes=1)
    since = datetime(2026, 11, 2, 9, 1, 30, tzinfo=UTC)
    read(hub, people["city-mash"], mya)
    under_mia = [r["record"] for r in disclosures(hub.audit, mia, since=since)]
    under_mya = [r["record"] for r in disclosures(hub.audit, mya, since=since)]
    assert str(mia_note) in under_mia
    assert str(mia_note) not in under_mya
    assert str(mya_note) in under_mya


def test_erasing_the_survivor_destroys_every_merged_key(
        hub: Hub, clock: Clock, people: dict[str, Caller]) -> None:
    mya, mia, _, _ = mya_and_mia(hub, clock)
    hub.merging.merge(people["city-mash/team-manager"], mia, mya, REASON)
    clock.advance(minutes=1)
    # Retention assesses the survivor (with the merged records), never the merged one alone.
    assert mia not in {p.id for p in hub.retention.children()}
    assert mya in {p.id for p in hub.retention.children()}
    with pytest.raises(RuleViolation):  # the merged id: erase the survivor
        hub.erasure.erase({"cli_user": "ig"}, mia, "subject-request")
    hub.retention.hold({"cli_user": "ig"}, mia, True, "inquiry")
    with pytest.raises(LegalHoldInPlace):  # a hold on the merged record holds the survivor
        hub.erasure.erase({"cli_user": "ig"}, mya, "subject-request")
    assert hub.store.cipher.keys.get(mya) is not None
    hub.retention.hold({"cli_user": "ig"}, mia, False, "inquiry")
    result = hub.erasure.erase({"cli_user": "ig"}, mya, "subject-request")
    assert result["keys_destroyed"] is True
    keys = hub.store.cipher.keys
    assert keys.get(mya) is None
    assert keys.get(mia) is None
    assert person(hub, mia).erased
    assert person(hub, mya).erased
    view = read(hub, people["city-mash/team-manager"], mya)
    text = repr(view)
    for name in ("Mya", "Mia", "burn", "appointments", MYA_NHS):
        assert name not in text


def test_a_split_returns_the_chosen_notifications_and_is_audited_naming_both(
        hub: Hub, clock: Clock, people: dict[str, Caller]) -> None:
    mya, mia, mya_note, mia_note = mya_and_mia(hub, clock)
    second = submit(hub, "city-health", notification("H-MIA-2", "health_concern", subjects=[
        child("Mia", "Stone", "2015-02-11", postcode="NG7 2RD")],
        occurred_at="2026-10-21T10:00:00Z"))
    assert second.child_ids == [mia]
    manager = people["city-mash/team-manager"]
    hub.merging.merge(manager, mia, mya, REASON)
    clock.advance(minutes=1)
    since = hub.audit.size()
    undone = hub.merging.split(manager, mya, [mia_note], "Wrong: Mia is Mya's twin sister.")
    assert undone["split"]["returned"] == [str(mia_note)]
    assert undone["split"]["kept"] == [str(second.id)]
    clock.advance(minutes=1)
    assert [i["id"] for i in read(hub, manager, mia)["items"]] == [str(mia_note)]
    assert read(hub, manager, mia)["child_id"] == str(mia)
    survivor = read(hub, manager, mya)
    assert {i["id"] for i in survivor["items"]} == {str(mya_note), str(second.id)}
    assert [c["kind"] for c in survivor["corrections"]] == ["merge", "split"]
    assert [c["kind"] for c in read(hub, manager, mia)["corrections"]] == [
        "merged-into", "split-from"]
    [entry] = [e for e in hub.audit.entries(since) if e.action == "split-child"]
    assert set(entry.child_ids) == {mya, mia}
    assert "twin" not in repr(entry)
    with pytest.raises(NotFound):  # undone already: no merge moved it any more
        hub.merging.split(manager, mya, [second.id], "Again, to be sure of it.")
    # Mia's record can be merged again, into Mya (reversible both ways).
    again = hub.merging.merge(manager, mia, mya, REASON)
    assert again["notifications"] == [str(mia_note)]


def test_only_the_mash_team_manager_and_never_a_sender_merges_or_splits(
        hub: Hub, clock: Clock, people: dict[str, Caller]) -> None:
    mya, mia, _, _ = mya_and_mia(hub, clock)
    for who in ("notts-police", "city-health", "riverside-primary", "city-mash",
                "city-mash/social-worker", "city-dart", "city-dart/team-manager",
                "missing-team", "info-governance"):
        with pytest.raises(NotEntitled):
            hub.merging.merge(people[who], mia, mya, REASON)
    # The MASH's own referral about Mia: the MASH is a sender, and may not merge her.
    submit(hub, "city-mash", notification("MASH-MIA", "referral", subjects=[
        child("Mia", "Stone", "2015-02-11", postcode="NG7 2RD")],
        occurred_at="2026-11-01T10:00:00Z"))
    with pytest.raises(NotPermitted):
        hub.merging.merge(people["city-mash/team-manager"], mia, mya, REASON)
    assert person(hub, mia).merged_into is None
    with pytest.raises(InvalidContent):  # a reason is a sentence
        hub.merging.merge(people["city-mash/team-manager"], mia, mya, "same")


def test_two_records_with_different_nhs_numbers_are_two_children(
        hub: Hub, clock: Clock, people: dict[str, Caller]) -> None:
    mya, _, _, _ = mya_and_mia(hub, clock)
    other = submit(hub, "city-health", notification("H-ZOE", "health_concern", subjects=[
        child("Zoe", "Stone", "2015-02-11", nhs_number="9434765870")],
        occurred_at="2026-11-01T10:00:00Z"))
    with pytest.raises(RuleViolation):
        hub.merging.merge(people["city-mash/team-manager"], other.child_ids[0], mya, REASON)


def test_what_came_by_the_merged_childs_keys_is_that_childs_and_goes_back_on_a_split(
        hub: Hub, clock: Clock, people: dict[str, Caller]) -> None:
    """After Mia is merged into Mya, a concern naming Mia by her own key (name, birth date,
    postcode) is Mia's: shown on Mya's record while they are one, sent back to Mia by any
    split of that merge, and gone from Mya's record if its sender amends it to name another
    child."""
    mya, mia, mya_note, mia_note = mya_and_mia(hub, clock)
    manager = people["city-mash/team-manager"]
    hub.merging.merge(manager, mia, mya, REASON)
    clock.advance(minutes=1)
    late = submit(hub, "city-health", notification("H-MIA-LATE", "health_concern", subjects=[
        child("Mia", "Stone", "2015-02-11", postcode="NG7 2RD")],
        occurred_at="2026-11-01T10:00:00Z"))
    assert late.child_ids == [mia]
    assert person(hub, mya).home_of(late.id) == mia
    # A split naming only the merge's own notification sends the late one back too.
    undone = hub.merging.split(manager, mya, [mia_note], "Wrong: Mia is Mya's twin sister.")
    assert set(undone["split"]["returned"]) == {str(mia_note), str(late.id)}
    assert {n["notification_id"] for n in person(hub, mya).notifications} == {mya_note}
    assert {n["notification_id"] for n in person(hub, mia).notifications} == {
        mia_note, late.id}
    # Merged again; a later concern by Mia's key, then amended by its sender to name someone
    # else: neither record keeps it.
    hub.merging.merge(manager, mia, mya, REASON)
    clock.advance(minutes=1)
    body = notification("H-MIA-AMEND", "health_concern", subjects=[
        child("Mia", "Stone", "2015-02-11", postcode="NG7 2RD")],
        occurred_at="2026-11-01T12:00:00Z")
    wrong = submit(hub, "city-health", body)
    assert wrong.id in {n["notification_id"] for n in person(hub, mya).notifications}
    body["subjects"] = [child("Zac", "Hill", "2014-03-04", postcode="NG1 1AA")]
    body["version"] = 2
    hub.corrections.amend(people["city-health"], wrong.id,
                          parse_notification(json.dumps(body).encode()))
    for record in (mya, mia):
        assert wrong.id not in {n["notification_id"] for n in person(hub, record).notifications}
