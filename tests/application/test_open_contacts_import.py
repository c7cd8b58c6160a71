"""Contacts open at the front door at go-live (every store): imported as received at the time
each row gives, so the MASH queue shows them with their clocks running from then, a contact
that is late already is on the breach list, and an indicator rates one red; each child linked
as the intake links them; a file imported twice stored once; the import audited under each
child with nothing personal in its words."""

import io
import json
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from domain.caseload import CaseloadKind
from domain.clocks import Rag
from domain.front_door import MashContact, contact_id
from domain.notifications import Notification
from domain.people import PersonRecord
from hub.bootstrap import Hub
from hub.caseload import Loaded
from hub.registry import Caller
from tests.caseload_support import CONTACT_COLUMNS, as_csv, contact_row, local_time
from tests.support import Clock, child, notification, submit

NOW = datetime(2026, 1, 15, 10, 0, tzinfo=UTC)  # a Thursday (GMT)
OPERATOR = {"cli_user": "migration", "host": "test"}
KIND = CaseloadKind.OPEN_CONTACTS


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


def load(hub: Hub, rows: list[dict[str, str]], *, skip: bool = False) -> Loaded:
    checked = hub.caseload.check(KIND, io.StringIO(as_csv(rows, CONTACT_COLUMNS)))
    assert not checked.errors
    return hub.caseload.load(OPERATOR, "city-mash", KIND, checked.rows, skip_bad_rows=skip)


def test_open_contacts_are_on_the_queue_with_clocks_from_their_arrival(
        hub: Hub, people: dict[str, Caller]) -> None:
    mash = people["city-mash"]
    old = {**contact_row(0, NOW), "received_at": "2026-01-12 09:00",  # Monday: overdue
           "contact_type": "referral", "rag": ""}
    fresh = {**contact_row(1, NOW), "received_at": local_time(NOW - timedelta(hours=1)),
             "rag": "amber"}
    red = contact_row(5, NOW)  # an immediate-referral indicator
    loaded = load(hub, [old, fresh, red])
    assert (loaded.stored, loaded.already, loaded.errors) == (3, 0, [])

    queue = {i["id"]: i for i in hub.front_door.queue(mash)["items"]}
    assert len(queue) == 3
    times = hub.front_door.timescales
    by_ref = {}
    for item in queue.values():
        held = hub.store.find(UUID(item["notification_id"]), Notification)
        assert held is not None
        by_ref[held.source_ref] = item
        received = datetime.fromisoformat(item["received_at"])
        assert held.received_at == received  # the notification too: received then, not now
        assert held.source_agency == item["referrer"] == "city-mash"
        assert item["deadlines"]["acknowledge"]["due"] == times.acknowledge_due(
            received).isoformat()
        # The decision is due by the rating's deadline once rated, a working day until then.
        rating = item["rag"]
        assert item["deadlines"]["decide"]["due"] == (
            rating["due"] if rating else times.decision_due(received).isoformat())
    first = by_ref["MC-00000"]
    assert first["received_at"] == "2026-01-12T09:00:00+00:00"
    assert first["kind"] == "referral"
    assert first["rag"] is None
    assert first["deadlines"]["decide"]["overdue"] is True
    assert first["deadlines"]["acknowledge"]["overdue"] is True
    assert by_ref["MC-00001"]["kind"] == "contact"
    amber = by_ref["MC-00001"]["rag"]
    assert amber["rating"] == "amber"
    assert amber["due"] == times.rag_due(Rag.AMBER, NOW - timedelta(hours=1)).isoformat()
    assert amber["by"] == {**OPERATOR, "agency": "city-mash", "agency_kind": "mash"}
    assert by_ref["MC-00005"]["rag"]["rating"] == "red"
    assert by_ref["MC-00005"]["rag"]["forced_by"] == ["adult-posing-risk"]
    assert by_ref["MC-00005"]["indicators"] == ["adult-posing-risk"]
    # The queue is oldest deadline first: the overdue referral heads it.
    assert hub.front_door.queue(mash)["items"][0]["id"] == first["id"]

    breaches = hub.front_door.breaches(mash)["items"]
    late = {b["clock"] for b in breaches if b.get("contact_id") == first["id"]}
    assert late == {"acknowledge", "decide"}
    assert not [b for b in breaches if b.get("contact_id") == by_ref["MC-00001"]["id"]]

    # The MASH works an imported contact as any other.
    decided = hub.front_door.rate(mash, UUID(first["id"]), "green", None)
    assert decided["rag"]["due"] == times.rag_due(
        Rag.GREEN, datetime(2026, 1, 12, 9, 0, tzinfo=UTC)).isoformat()

    [entry] = [e for e in hub.audit.entries() if e.kind == "caseload-import"]
    assert sorted(map(str, entry.child_ids)) == sorted(map(str, loaded.children))
    assert entry.details == {"kind": "open-contacts", "agency": "city-mash", "rows": 3,
                             "part": 1, "parts": 1}
    words = json.dumps(entry.details)
    for row in (old, fresh, red):  # nothing personal in its words
        assert row["family_name"] not in words
        assert row["nhs_number"] not in words


def test_a_file_imported_twice_is_stored_once(hub: Hub, people: dict[str, Caller]) -> None:
    rows = [contact_row(n, NOW) for n in range(8)]
    assert load(hub, rows).stored == 8
    events = hub.store.recorder.max_notification_id()
    again = load(hub, rows)
    assert (again.stored, again.already, again.children) == (0, 8, [])
    assert hub.store.recorder.max_notification_id() == events
    assert len(hub.front_door.queue(people["city-mash"])["items"]) == 8


def test_a_child_the_hub_holds_is_linked_and_a_doubted_one_refused(
        hub: Hub, people: dict[str, Caller]) -> None:
    row = contact_row(2, NOW)
    known = submit(hub, "city-health", notification(
        "H-1", type_="health_concern", occurred_at="2026-01-10T10:00:00Z",
        subjects=[child(row["given_name"], row["family_name"], row["date_of_birth"],
                        nhs_number=row["nhs_number"])],
        summary="Bruising noted.")).child_ids[0]
    other = contact_row(3, NOW)
    doubted = {**contact_row(4, NOW), "nhs_number": row["nhs_number"],
               "given_name": "Someone", "date_of_birth": "2012-02-02"}
    checked = hub.caseload.check(KIND, io.StringIO(as_csv([row, other, doubted],
                                                          CONTACT_COLUMNS)))
    assert checked.errors == []  # a child may have more than one contact open
    refused = hub.caseload.load(OPERATOR, "city-mash", KIND, checked.rows,
                                skip_bad_rows=False)
    assert [str(e) for e in refused.errors] == [
        "line 4: nhs_number: the hub holds this NHS number for a child whose name or date of "
        "birth disagrees: check the row"]
    assert refused.stored == 0
    assert [i["kind"] for i in hub.front_door.queue(people["city-mash"])["items"]] == [
        "contact"]  # the health concern alone: nothing stored
    kept = hub.caseload.load(OPERATOR, "city-mash", KIND, checked.rows, skip_bad_rows=True)
    assert (kept.stored, len(kept.errors)) == (2, 1)
    assert known in kept.children
    person = hub.store.find(known, PersonRecord)
    assert person is not None
    [imported] = [n for n in person.notifications if n["agency"] == "city-mash"]
    contact = hub.store.find(contact_id(imported["notification_id"]), MashContact)
    assert contact is not None
    assert contact.child_ids == [known]
    assert contact.received_at == datetime.fromisoformat(row["received_at"]).replace(
        tzinfo=UTC)  # GMT in January


def test_bad_received_times_are_row_errors(hub: Hub, people: dict[str, Caller]) -> None:
    rows = [contact_row(n, NOW) for n in range(5)]
    rows[1]["received_at"] = local_time(NOW + timedelta(hours=2))
    rows[2]["received_at"] = local_time(NOW - timedelta(days=400))
    rows[3]["received_at"] = "15/01/2026 09:00"
    rows[4]["contact_type"] = "email"
    checked = hub.caseload.check(KIND, io.StringIO(as_csv(rows, CONTACT_COLUMNS)))
    assert [str(e) for e in checked.errors] == [
        "line 3: received_at: must not be in the future",
        "line 4: received_at: must be within the last 12 months (decide or close an older "
        "contact first)",
        "line 5: received_at: must be a date and time, YYYY-MM-DD HH:MM (UK local time)",
        "line 6: contact_type: must be one of referral, school_concern, health_concern, "
        "police_concern"]
    assert len(checked.rows) == 1


def test_a_reference_the_authority_has_sent_is_refused(hub: Hub,
                                                       people: dict[str, Caller]) -> None:
    row = contact_row(6, NOW)
    submit(hub, "city-mash", notification(
        row["case_ref"], type_="referral", occurred_at="2026-01-14T10:00:00Z",
        subjects=[child("Other", "Child", "2015-05-05")], summary="Referral."))
    checked = hub.caseload.check(KIND, io.StringIO(as_csv([row], CONTACT_COLUMNS)))
    refused = hub.caseload.load(OPERATOR, "city-mash", KIND, checked.rows,
                                skip_bad_rows=False)
    assert [str(e) for e in refused.errors] == [
        "line 2: case_ref: the authority has sent the hub a notification under this "
        "reference already"]


def test_a_later_contact_is_a_re_referral_whatever_the_file_order(
        hub: Hub, people: dict[str, Caller]) -> None:
    earlier = {**contact_row(7, NOW), "received_at": "2026-01-05 11:00"}
    later = {**contact_row(8, NOW), "nhs_number": earlier["nhs_number"],
             **{k: earlier[k] for k in ("given_name", "family_name", "date_of_birth")},
             "received_at": "2026-01-14 15:00"}
    load(hub, [later, earlier])
    queue = {i["received_at"]: i for i in hub.front_door.queue(people["city-mash"])["items"]}
    first, second = queue["2026-01-05T11:00:00+00:00"], queue["2026-01-14T15:00:00+00:00"]
    assert first["re_referral"] is False
    assert second["re_referral_of"] == [first["id"]]
