"""The retention run: what is due is erased, a legal hold pauses it, a dry run erases nothing."""

from datetime import UTC, datetime

import pytest

from domain.people import PersonRecord
from hub.bootstrap import Hub
from tests.support import Clock, child, notification, seed, submit


@pytest.fixture
def clock() -> Clock:
    return Clock()


def test_due_children_are_erased_unless_held(hub: Hub, clock: Clock) -> None:
    seed(hub)
    school = submit(hub, "riverside-primary", notification(
        "S-1", "school_concern", subjects=[child("Ada", "Due", "2009-03-01")],
        occurred_at="2026-10-01T09:00:00Z"))
    held = submit(hub, "riverside-primary", notification(
        "S-2", "school_concern", subjects=[child("Ben", "Held", "2009-06-01")],
        occurred_at="2026-10-01T09:00:00Z"))
    police = submit(hub, "notts-police", notification(
        "P-1", subjects=[child("Cat", "Kept", "2009-03-01")], occurred_at="2026-10-01T09:00:00Z"))
    hub.retention.hold({"cli_user": "ig"}, held.child_ids[0], True, "litigation")

    assert hub.retention.run(dry_run=True)["due"] == []
    clock.now = datetime(2034, 7, 1, tzinfo=UTC)  # both education records are past 25 years
    dry = hub.retention.run(dry_run=True)
    assert {d["child_id"] for d in dry["due"]} == {str(school.child_ids[0]),
                                                    str(held.child_ids[0])}
    assert dry["erased"] == 0
    done = hub.retention.run(dry_run=False)
    assert (done["erased"], done["held"]) == (1, 1)
    kept = hub.store.find(police.child_ids[0], PersonRecord)
    assert kept is not None
    assert not kept.erased  # a DA incident is kept 35 years after the last record
    erased = [e for e in hub.audit.entries() if e.kind == "erasure"]
    assert [e.child_ids for e in erased] == [school.child_ids]
    assert hub.retention.run(dry_run=True)["due"] == [
        d for d in dry["due"] if d["child_id"] == str(held.child_ids[0])]
