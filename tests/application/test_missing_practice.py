"""Missing from home, care and education; the placing authority's interviews; what a held
interview learned, sealed and shown only to entitled readers; strategy meetings with their
agencies and the 3-in-30 rule decided again after a correction (every store)."""

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest

from domain.errors import InvalidContent, RuleViolation
from hub.bootstrap import Hub
from hub.errors import InvalidInput, NotEntitled
from hub.registry import Caller
from tests.support import Clock, child, notification, submit

FRIDAY = datetime(2026, 11, 20, 19, 0, tzinfo=UTC)
WHERE = "At a flat above the takeaway on Alfreton Road."
WHO = "Two older boys she met online."
CONTENT = {"whereabouts": WHERE, "with_whom": WHO, "push_factors": "Rows with the carers.",
           "pull_factors": "Money and attention."}


@pytest.fixture
def clock() -> Clock:
    return Clock(FRIDAY)


@pytest.fixture
def shire(hub: Hub) -> dict[str, Caller]:
    """A placing authority (another local authority's children's social care) and its
    social worker; a school, for a reader with no part in it."""
    hub.registry.register_agency("shire-cs", "mash", "Shire Children's Services", None)
    _, worker = hub.registry.register_user("shire-cs", "social-worker", "Staff")
    return {"worker": hub.registry.authenticate(worker)}


def report(ref: str, type_: str, occurred_at: str, **episode: Any) -> dict[str, Any]:
    body = notification(ref, type_=type_, occurred_at=occurred_at,
                        subjects=[child("Sam", "Lowe", "2011-05-05", postcode="NG7 2AA")],
                        summary="Left the placement after an argument.")
    if episode:
        body["details"]["episode"] = episode
    return body


def from_care(hub: Hub, clock: Clock) -> UUID:
    """Missing from a placement Shire made, found three hours later."""
    receipt = submit(hub, "notts-police", report(
        "MISS-C", "missing", "2026-11-20T18:30:00Z", missing_from="care",
        placing_authority="shire-cs"))
    clock.advance(hours=3)
    submit(hub, "notts-police", report("FOUND-C", "found", "2026-11-20T21:30:00Z"))
    return UUID(str(receipt.child_ids[0]))


def test_a_child_placed_from_elsewhere_is_the_placing_authoritys_interview(
        hub: Hub, people: dict[str, Caller], shire: dict[str, Caller], clock: Clock) -> None:
    team, placing = people["missing-team"], shire["worker"]
    child_id = from_care(hub, clock)
    queue = hub.missing.queue(team)
    assert queue["interviews"] == []  # not the area's to hold
    [hosted] = queue["hosted"]
    assert (hosted["missing_from"], hosted["placing_authority"]) == ("care", "shire-cs")
    assert hosted["interview"]["due"] == "2026-11-23T21:30:00+00:00"
    [owed] = hub.missing.queue(placing)["interviews"]
    assert owed["id"] == hosted["id"]
    # Another authority's social care sees none of it.
    other = people["city-mash/social-worker"]
    assert hub.missing.queue(other)["interviews"] == []
    assert hub.missing.queue(other)["missing"] == []

    clock.now = datetime(2026, 11, 23, 21, 31, tzinfo=UTC)  # a minute late
    assert hub.missing.breaches(team)["interviews"] == []
    [late] = hub.missing.breaches(placing)["interviews"]
    assert (late["id"], late["overdue_hours"]) == (owed["id"], 0.0)

    episode = UUID(owed["id"])
    with pytest.raises(NotEntitled):  # not the child's placing authority
        hub.missing.record_interview(other, episode, "offered", None, None, None)
    hub.missing.record_interview(placing, episode, "offered", None, None, None)
    since = hub.audit.size()
    held = hub.missing.record_interview(placing, episode, "held", None, True, None, CONTENT,
                                        ["child-criminal-exploitation", "county-lines"])
    step = held["interview"]["steps"][-1]
    assert step["content"] == CONTENT
    assert step["exploitation_indicators"] == ["child-criminal-exploitation", "county-lines"]
    [entry] = [e for e in hub.audit.entries(since) if e.action == "record-return-interview"]
    assert child_id in entry.child_ids
    assert entry.details["exploitation_indicators"] == ["child-criminal-exploitation",
                                                        "county-lines"]
    trail = "".join(repr(e) for e in hub.audit.entries(0))
    assert WHERE not in trail
    assert WHO not in trail
    assert hub.missing.breaches(placing)["interviews"] == []

    # The host's team: the episode and its indicators, never what the child said.
    [mine] = hub.missing.history(team, child_id)["episodes"]
    held_step = mine["interview"]["steps"][-1]
    assert "content" not in held_step
    assert held_step["content_withheld"] is True
    assert held_step["exploitation_indicators"] == ["child-criminal-exploitation",
                                                    "county-lines"]
    assert WHERE not in repr(hub.missing.history(team, child_id))


def test_the_areas_own_interview_content_is_the_missing_teams(
        hub: Hub, people: dict[str, Caller], clock: Clock) -> None:
    team = people["missing-team"]
    receipt = submit(hub, "notts-police", report("MISS-H", "missing", "2026-11-20T18:30:00Z",
                                                 missing_from="home"))
    clock.advance(hours=3)
    submit(hub, "notts-police", report("FOUND-H", "found", "2026-11-20T21:30:00Z"))
    child_id = UUID(str(receipt.child_ids[0]))
    [due] = hub.missing.queue(team)["interviews"]
    assert due["missing_from"] == "home"
    hub.missing.record_interview(team, UUID(due["id"]), "offered", None, None, None)
    hub.missing.record_interview(team, UUID(due["id"]), "held", None, True, None,
                                 {"whereabouts": WHERE}, ["child-sexual-exploitation"])
    since = hub.audit.size()
    [read] = hub.missing.history(team, child_id)["episodes"]
    assert read["interview"]["steps"][-1]["content"] == {"whereabouts": WHERE}
    [entry] = list(hub.audit.entries(since))
    assert child_id in entry.child_ids
    # The child's allocated social worker reads it afterwards; another social worker not.
    worker, other = people["city-mash/social-worker"], people["city-mash/team-manager"]
    with pytest.raises(NotEntitled):
        hub.missing.history(worker, child_id)
    hub.front_door.allocate(people["city-mash/team-manager"], child_id, worker.user_id)
    [theirs] = hub.missing.history(worker, child_id)["episodes"]
    assert theirs["interview"]["steps"][-1]["content"] == {"whereabouts": WHERE}
    with pytest.raises(NotEntitled):
        hub.missing.history(other, child_id)
    with pytest.raises(NotEntitled):  # police do not read the team's interviews
        hub.missing.history(people["notts-police"], child_id)
    with pytest.raises(NotEntitled):  # nor does a school
        hub.missing.episode(people["riverside-primary"], UUID(due["id"]))


def test_a_child_missing_from_school_is_recorded_without_an_interview_clock(
        hub: Hub, people: dict[str, Caller], clock: Clock) -> None:
    team = people["missing-team"]
    receipt = submit(hub, "notts-police", report("MISS-E", "missing", "2026-11-20T11:00:00Z",
                                                 missing_from="education"))
    [now_missing] = hub.missing.queue(team)["missing"]
    assert now_missing["missing_from"] == "education"
    clock.advance(hours=1)
    submit(hub, "notts-police", report("FOUND-E", "found", "2026-11-20T15:00:00Z"))
    assert hub.missing.queue(team)["interviews"] == []
    [episode] = hub.missing.history(team, UUID(str(receipt.child_ids[0])))["episodes"]
    assert (episode["end"], episode["interview"]) == ("2026-11-20T15:00:00+00:00", None)
    figures = hub.indicators.report(None, None, None)["missing"]
    assert figures["episodes"] == 1
    assert figures["by_missing_from"] == {"education": 1}
    assert figures["interviews"] == {}  # no interview fell due


@pytest.mark.parametrize(("episode", "field"), [
    ({"missing_from": "care", "placing_authority": "nowhere-cs"}, "placing_authority"),
    ({"missing_from": "care", "placing_authority": "notts-police"}, "placing_authority"),
    ({"missing_from": "home", "placing_authority": "shire-cs"}, "placing_authority"),
])
def test_a_placing_authority_must_be_a_registered_local_authority(
        hub: Hub, shire: dict[str, Caller], clock: Clock, episode: dict[str, str],
        field: str) -> None:
    with pytest.raises((InvalidInput, InvalidContent), match=field):  # both 422 over HTTP
        submit(hub, "notts-police", report("MISS-X", "missing", "2026-11-20T18:30:00Z",
                                           **episode))


def test_an_authority_naming_itself_placing_authority_takes_nothing_over(
        hub: Hub, people: dict[str, Caller], shire: dict[str, Caller], clock: Clock) -> None:
    """Shire's own report names Shire: the episode is the area's. The police's report of the
    child missing from home does not join it: it waits for the team to reconcile it."""
    team = people["missing-team"]
    receipt = submit(hub, "shire-cs", report("SHIRE-1", "missing", "2026-11-20T18:30:00Z",
                                             missing_from="care",
                                             placing_authority="shire-cs"))
    child_id = UUID(str(receipt.child_ids[0]))
    police = submit(hub, "notts-police", report("MISS-P", "missing", "2026-11-20T19:00:00Z",
                                                missing_from="home"))
    [missing] = hub.missing.queue(team)["missing"]
    assert (missing["missing_from"], missing["placing_authority"]) == ("care", None)
    assert missing["reports"] == [str(receipt.id)]
    [waiting] = hub.missing.queue(team)["to_reconcile"]
    assert (waiting["child_id"], waiting["report"]) == (str(child_id),
                                                        str(police.id))
    assert "elsewhere" in waiting["reason"]
    clock.advance(hours=3)
    submit(hub, "notts-police", report("FOUND-P", "found", "2026-11-20T21:30:00Z"))
    [owed] = hub.missing.queue(team)["interviews"]  # the area's team's, not Shire's
    assert owed["id"] == missing["id"]
    assert hub.missing.queue(shire["worker"])["interviews"] == []
    with pytest.raises(NotEntitled):
        hub.missing.history(shire["worker"], child_id)


def test_episodes_from_different_places_are_not_merged(
        hub: Hub, people: dict[str, Caller], shire: dict[str, Caller], clock: Clock) -> None:
    team = people["missing-team"]
    child_id = from_care(hub, clock)
    clock.advance(hours=2)
    submit(hub, "notts-police", report("MISS-H2", "missing", "2026-11-20T23:00:00Z",
                                       missing_from="home"))
    clock.advance(hours=2)
    submit(hub, "notts-police", report("FOUND-H2", "found", "2026-11-21T01:00:00Z"))
    later, earlier = hub.missing.history(team, child_id)["episodes"]
    with pytest.raises(RuleViolation, match="different places"):  # 409 over HTTP
        hub.missing.merge(team, UUID(earlier["id"]), UUID(later["id"]),
                          "The same night: she never came home.")
    assert len(hub.missing.history(team, child_id)["episodes"]) == 2


def three_episodes(hub: Hub, clock: Clock) -> UUID:
    """Episodes starting on 2, 9 and 20 November: the flag on the third."""
    child_id = None
    for n, day in enumerate((2, 9, 20), 1):
        clock.now = datetime(2026, 11, day, 10, 0, tzinfo=UTC)
        receipt = submit(hub, "notts-police", report(f"MISS-{n}", "missing",
                                                     clock.now.isoformat()))
        child_id = UUID(str(receipt.child_ids[0]))
        clock.advance(hours=2)
        submit(hub, "notts-police", report(f"FOUND-{n}", "found", clock.now.isoformat()))
    assert child_id is not None
    return child_id


def test_a_correction_decides_the_strategy_meeting_again(
        hub: Hub, people: dict[str, Caller], clock: Clock) -> None:
    team = people["missing-team"]
    child_id = three_episodes(hub, clock)
    [meeting] = hub.missing.queue(team)["strategy_meetings"]
    first = meeting["episodes"][0]
    clock.now = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
    since = hub.audit.size()
    hub.missing.correct_times(team, UUID(first), datetime(2026, 10, 20, 10, 0, tzinfo=UTC),
                              datetime(2026, 10, 20, 12, 0, tzinfo=UTC),
                              "The police log had the wrong month.")
    [entry] = [e for e in hub.audit.entries(since) if e.action == "correct-missing-episode"]
    assert entry.details["strategy_meeting_withdrawn"] == meeting["id"]
    assert child_id in entry.child_ids
    assert hub.missing.queue(team)["strategy_meetings"] == []
    [third] = [e for e in hub.missing.history(team, child_id)["episodes"]
               if e["start"] == "2026-11-20T10:00:00+00:00"]
    assert "strategy-meeting" not in {f["rule"] for f in third["flags"]}
    assert hub.indicators.report(None, None, None)["missing"]["strategy_meeting_flags"] == 0

    clock.advance(hours=1)
    hub.missing.correct_times(team, UUID(first), datetime(2026, 11, 2, 10, 0, tzinfo=UTC),
                              datetime(2026, 11, 2, 12, 0, tzinfo=UTC),
                              "The first date was right after all.")
    [again] = hub.missing.queue(team)["strategy_meetings"]
    assert again["id"] != meeting["id"]
    assert again["flagged_at"] == "2026-11-21T10:00:00+00:00"
    assert hub.indicators.report(None, None, None)["missing"]["strategy_meeting_flags"] == 1

    since = hub.audit.size()
    held = hub.missing.hold_strategy_meeting(team, child_id, clock.now, ["notts-police"],
                                             "exploitation-screening", None)
    assert held["held"]["absent"] == ["health"]  # practice expects health too: recorded
    [entry] = [e for e in hub.audit.entries(since)
               if e.action == "hold-missing-strategy-meeting"]
    assert entry.details["absent"] == ["health"]
    assert child_id in entry.child_ids
    assert hub.missing.queue(team)["strategy_meetings"] == []
