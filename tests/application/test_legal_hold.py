"""Legal holds and erasure reasons: a hold stops every erasure (on request or by schedule,
even one assessed before the hold), reasons are codes in clear with their words sealed under
the child's key, and events recorded before (``Erased`` and ``HoldChanged`` v1, reason in
clear) read as code ``other`` with no words."""

import json
from datetime import UTC, datetime
from uuid import UUID

import pytest
from eventsourcing.persistence import StoredEvent

from domain.errors import InvalidContent, RuleViolation
from domain.people import LegalHoldInPlace, PersonRecord
from domain.personal import Personal
from hub.bootstrap import Hub
from hub.errors import NotEntitled
from hub.registry import Caller
from hub.retention import Due
from tests.support import Clock, child, notification, submit

IG = {"cli_user": "ig", "host": "hub-1"}


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def amy(hub: Hub, people: dict[str, Caller]) -> UUID:
    child_id: UUID = submit(hub, "notts-police", notification(
        occurred_at="2026-10-20T22:15:00Z")).child_ids[0]
    return child_id


def record(hub: Hub, child_id: UUID) -> PersonRecord:
    person = hub.store.find(child_id, PersonRecord)
    assert person is not None
    return person


def test_a_hold_stops_erasure_and_the_refusal_is_audited(hub: Hub, amy: UUID) -> None:
    hub.retention.hold(IG, amy, True, "litigation", "Claim FC-9 by the family")
    hold = record(hub, amy).hold
    assert hold is not None
    assert hold["reason_code"] == "litigation"
    assert hold["reason"] == Personal(amy, "hold_reason", "Claim FC-9 by the family")
    with pytest.raises(LegalHoldInPlace):
        hub.erasure.erase(IG, amy, "subject-request")
    assert not record(hub, amy).erased
    assert record(hub, amy).identity["given_name"].value == "Amy"
    [denial] = [e for e in hub.audit.entries() if e.kind == "denial"]
    assert (denial.action, denial.details["outcome"]) == ("erase-child", "legal-hold")
    hub.retention.hold(IG, amy, False, "other", "Claim settled")
    done = hub.erasure.erase(IG, amy, "subject-request", "Asked for by the family")
    assert done["reason_code"] == "subject-request"
    erased = record(hub, amy).erasure
    assert erased is not None
    assert erased["reason_code"] == "subject-request"
    assert erased["reason"] == Personal(amy, "erasure_reason", None)  # its key destroyed
    entries = [e for e in hub.audit.entries() if e.kind in ("erasure", "legal-hold")]
    assert [e.details["reason_code"] for e in entries] == ["litigation", "other",
                                                           "subject-request"]
    assert all("family" not in json.dumps(e.details).lower() for e in entries)


def test_holds_need_a_known_code_and_words_for_other(hub: Hub, amy: UUID) -> None:
    with pytest.raises(InvalidContent, match="reason_code"):
        hub.retention.hold(IG, amy, True, "because")
    with pytest.raises(InvalidContent, match="reason"):
        hub.retention.hold(IG, amy, True, "other", "   ")
    with pytest.raises(InvalidContent, match="500"):
        hub.retention.hold(IG, amy, True, "inquiry", "x" * 501)
    with pytest.raises(RuleViolation):
        hub.retention.hold(IG, amy, False, "inquiry")  # nothing to release
    hub.retention.hold(IG, amy, True, "inquiry")
    assert record(hub, amy).hold["reason"] is None  # type: ignore[index]


def test_only_information_governance_holds_or_erases(
        hub: Hub, amy: UUID, people: dict[str, Caller]) -> None:
    _, token = hub.registry.register_user("info-governance", "information-governance", "IG")
    ig = hub.registry.authenticate(token)
    for caller in (people["info-governance"], people["city-mash"]):
        with pytest.raises(NotEntitled):
            hub.retention.hold_by(caller, amy, True, "complaint")
        with pytest.raises(NotEntitled):
            hub.erasure.erase_by(caller, amy, "court-order")
    hub.retention.hold_by(ig, amy, True, "complaint")
    with pytest.raises(LegalHoldInPlace):
        hub.erasure.erase_by(ig, amy, "court-order")
    hub.retention.hold_by(ig, amy, False, "complaint")
    hub.erasure.erase_by(ig, amy, "court-order")
    assert record(hub, amy).erased


def test_a_hold_placed_after_the_schedule_was_assessed_still_stops_the_run(
        hub: Hub, clock: Clock, people: dict[str, Caller]) -> None:
    due = submit(hub, "riverside-primary", notification(
        "S-1", "school_concern", subjects=[child("Ada", "Due", "2009-03-01")],
        occurred_at="2026-10-01T09:00:00Z")).child_ids[0]
    clock.now = datetime(2034, 7, 1, tzinfo=UTC)
    assessed = hub.retention.assess(record(hub, due))
    assert assessed is not None
    assert not assessed.held
    original = hub.retention.assess

    def stale(person: PersonRecord) -> Due | None:
        """The assessment as it was before a hold placed meanwhile by another process."""
        found = original(person)
        hub.retention.hold(IG, person.id, True, "subject-access")
        return found

    hub.retention.assess = stale  # type: ignore[method-assign]
    done = hub.retention.run(dry_run=False)
    assert (done["erased"], done["held"]) == (0, 1)
    assert not record(hub, due).erased
    erasures = [e for e in hub.audit.entries() if e.kind == "erasure"]
    assert erasures == []


def test_retention_erasures_carry_their_code(hub: Hub, clock: Clock,
                                             people: dict[str, Caller]) -> None:
    due = submit(hub, "riverside-primary", notification(
        "S-1", "school_concern", subjects=[child("Ada", "Due", "2009-03-01")],
        occurred_at="2026-10-01T09:00:00Z")).child_ids[0]
    clock.now = datetime(2034, 7, 1, tzinfo=UTC)
    assert hub.retention.run(dry_run=False)["erased"] == 1
    assert (record(hub, due).erasure or {}).get("reason_code") == "retention-expired"
    [entry] = [e for e in hub.audit.entries() if e.kind == "erasure"]
    assert entry.details["reason_code"] == "retention-expired"
    assert entry.details["rule"] == "education"


def v1_event(hub: Hub, child_id: UUID, topic: str, fields: dict[str, object]) -> None:
    """Append an event as the hub wrote it before reasons were sealed (class_version 1)."""
    version = record(hub, child_id).version + 1
    at = {"_type_": "datetime_iso", "_data_": "2026-01-05T10:00:00+00:00"}
    state = {"timestamp": at, **fields}
    hub.store.recorder.insert_events([StoredEvent(
        originator_id=child_id, originator_version=version,
        topic=f"domain.people:PersonRecord.{topic}", state=json.dumps(state).encode())])


def test_old_events_with_reasons_in_clear_read_as_other_without_words(
        hub: Hub, amy: UUID) -> None:
    at = {"_type_": "datetime_iso", "_data_": "2026-01-05T10:00:00+00:00"}
    v1_event(hub, amy, "HoldChanged", {"held": True, "reason": "Old plain hold reason",
                                       "changed_by": IG, "changed_at": at})
    hold = record(hub, amy).hold
    assert hold is not None
    assert (hold["reason_code"], hold["reason"]) == ("other", None)
    with pytest.raises(LegalHoldInPlace):  # an old hold stops erasure as a new one does
        hub.erasure.erase(IG, amy, "court-order")
    v1_event(hub, amy, "HoldChanged", {"held": False, "reason": "Old plain release",
                                       "changed_by": IG, "changed_at": at})
    v1_event(hub, amy, "Erased", {"reason": "Old plain erasure reason", "erased_by": IG,
                                  "erased_at": at})
    erased = record(hub, amy).erasure
    assert erased is not None
    assert (erased["reason_code"], erased["reason"]) == ("other", None)
    # Recorded as erased but the keys are still there (an erasure that stopped half way):
    # asking again finishes it.
    hub.erasure.erase(IG, amy, "court-order")
    assert record(hub, amy).identity["given_name"].value is None
    with pytest.raises(RuleViolation, match="already"):
        hub.erasure.erase(IG, amy, "court-order")
