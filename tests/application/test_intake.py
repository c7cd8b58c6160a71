"""Receiving notifications: idempotent re-sends and linking of subjects to records."""

import threading

import pytest

from domain.errors import InvalidContent
from domain.notifications import Notification
from domain.people import PersonRecord
from hub.bootstrap import Hub
from tests.support import child, notification, seed, submit


def test_a_notification_is_stored_with_its_children(hub: Hub) -> None:
    seed(hub)
    receipt = submit(hub, "notts-police", notification())
    assert receipt.created
    stored = hub.store.find(receipt.id, Notification)
    assert stored is not None
    assert stored.source_agency == "notts-police"
    assert stored.child_ids == receipt.child_ids
    assert len(stored.person_ids) == 3
    person = hub.store.find(receipt.child_ids[0], PersonRecord)
    assert person is not None
    assert person.is_child
    assert person.identity["given_name"].value == "Amy"


def test_the_same_source_ref_from_the_same_agency_is_stored_once(hub: Hub) -> None:
    seed(hub)
    first = submit(hub, "notts-police", notification())
    events_before = hub.store.recorder.max_notification_id()
    again = submit(hub, "notts-police", notification())
    assert not again.created
    assert (again.id, again.child_ids) == (first.id, first.child_ids)
    assert hub.store.recorder.max_notification_id() == events_before


def test_another_agency_may_use_the_same_source_ref(hub: Hub) -> None:
    seed(hub)
    first = submit(hub, "notts-police", notification())
    other = submit(hub, "derbys-police", notification())
    assert other.created
    assert other.id != first.id


def test_concurrent_copies_of_one_notification_are_stored_once(hub: Hub) -> None:
    seed(hub)
    results = []

    def send() -> None:
        results.append(submit(hub, "notts-police", notification()))

    threads = [threading.Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({r.id for r in results}) == 1
    assert sum(r.created for r in results) == 1


def test_an_exact_nhs_number_links_to_the_existing_child(hub: Hub) -> None:
    seed(hub)
    first = submit(hub, "notts-police", notification(
        "A1", subjects=[child("Amy", "Hart", nhs_number="9434765919")]))
    second = submit(hub, "city-health", notification("H1", "health_concern", subjects=[
        child("Amelia", "Hart-Smith", nhs_number="943 476 5919")]))
    assert second.child_ids == first.child_ids
    person = hub.store.find(first.child_ids[0], PersonRecord)
    assert person is not None
    assert [n["agency"] for n in person.notifications] == ["notts-police", "city-health"]
    assert person.identity["given_name"].value == "Amy"  # values already held are kept


def test_name_dob_and_postcode_together_link(hub: Hub) -> None:
    seed(hub)
    first = submit(hub, "notts-police", notification(
        "A1", subjects=[child(postcode="NG5 1AB")]))
    second = submit(hub, "riverside-primary", notification("S1", "school_concern", subjects=[
        child("AMY", "hart", postcode="ng51ab", upn="B801200005001")]))
    assert second.child_ids == first.child_ids
    # The UPN learned from the school now links on its own.
    third = submit(hub, "city-health", notification(
        "H1", "health_concern", subjects=[child("Amy", "Hart", upn="B801200005001")]))
    assert third.child_ids == first.child_ids


@pytest.mark.parametrize("different", [{"dob": "2016-04-03"}, {"given": "Amie"}])
def test_a_partial_demographic_match_creates_a_new_child(hub: Hub,
                                                         different: dict[str, str]) -> None:
    seed(hub)
    first = submit(hub, "notts-police", notification("A1", subjects=[child(postcode="NG5 1AB")]))
    second = submit(hub, "notts-police", notification(
        "A2", subjects=[child(**different, postcode="NG5 1AB")]))
    assert second.child_ids != first.child_ids


def test_without_postcode_or_identifier_no_link_is_made(hub: Hub) -> None:
    seed(hub)
    first = submit(hub, "notts-police", notification("A1", subjects=[child()]))
    second = submit(hub, "notts-police", notification("A2", subjects=[child()]))
    assert second.child_ids != first.child_ids


def test_adults_and_children_never_link_to_each_other(hub: Hub) -> None:
    seed(hub)
    kid = submit(hub, "notts-police", notification("A1", subjects=[child(nhs_number="9434765919")]))
    body = notification("A2", subjects=[child("Bo", "Hart", nhs_number="4010232137"),
                                        {"role": "parent", "given_name": "Amy",
                                         "family_name": "Hart", "nhs_number": "9434765919"}])
    other = submit(hub, "notts-police", body)
    stored = hub.store.find(other.id, Notification)
    assert stored is not None
    assert kid.child_ids[0] not in stored.person_ids


def test_invalid_content_stores_nothing(hub: Hub) -> None:
    seed(hub)
    before = hub.store.recorder.max_notification_id()
    with pytest.raises(InvalidContent, match="nhs_number"):
        submit(hub, "notts-police", notification(subjects=[child(nhs_number="9434765918")]))
    assert hub.store.recorder.max_notification_id() == before
