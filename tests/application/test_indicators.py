"""The indicator projection (every store): each item counted on the day its clock started,
its outcome added when it happens; the position and counts kept across processes; a rebuild
from the first event gives the same figures; periods are sums of days."""

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from adapters.event_log import JsonStateFiles, StoreLog
from domain.front_door import contact_id
from hub.bootstrap import Hub, bootstrap
from hub.domestic_abuse import case_id
from hub.projections.indicators import Indicators
from hub.registry import Caller
from hub.settings import Settings
from tests.support import Clock, child, notification, submit

MONDAY = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
WHY = "Synthetic rationale for the decision."


def indicators(hub: Hub, folder: Path) -> Indicators:
    """The projection as another process of the same HUB_HOME would have it."""
    return Indicators(StoreLog.of(hub.store, blind=True), JsonStateFiles(folder),
                      hub.indicators.seeds)


@pytest.fixture
def clock() -> Clock:
    return Clock(MONDAY)


AMY = child("Amy", "Hart", "2016-04-02", school_urn="100001", postcode="NG5 1AB")


def concern(ref: str, at: datetime) -> dict[str, Any]:
    return notification(ref, type_="school_concern", occurred_at=at.isoformat(),
                        subjects=[dict(AMY)], summary="Arrived hungry.")


def week(hub: Hub, people: dict[str, Caller], clock: Clock) -> None:
    """A week at the front door, the DART and the missing team, with known outcomes."""
    mash, social = people["city-mash"], people["city-mash/social-worker"]
    first = contact_id(submit(hub, "riverside-primary", concern("C-1", clock.now)).id)
    hub.front_door.rate(mash, first, "amber", None)
    hub.front_door.acknowledge(mash, first)
    clock.advance(hours=2)
    hub.front_door.decide(social, first, level="additional", outcome="early-help",
                          rationale=WHY, feedback=WHY, signs_of_safety=None, participants=[])
    clock.advance(days=2)  # Wednesday: the same child again, a re-referral
    second = contact_id(submit(hub, "riverside-primary", concern("C-2", clock.now)).id)
    hub.front_door.rate(mash, second, "red", None)
    clock.advance(hours=5)  # red is 4 hours: late, though within one working day
    hub.front_door.decide(social, second, level="child-in-need", outcome="assessment",
                          rationale=WHY, feedback=WHY, signs_of_safety=None, participants=[])
    clock.advance(days=1)  # Thursday
    incident = submit(hub, "notts-police", notification(
        "DA-1", occurred_at="2026-11-26T09:00:00Z",
        subjects=[dict(AMY, present=True)], dash={"yes_count": 15}))
    case = hub.domestic_abuse.case(people["city-dart"], case_id(incident.id))
    notice = case["encompass"][0]["notice_id"]
    hub.domestic_abuse.acknowledge(people["riverside-primary"], UUID(notice))
    hub.domestic_abuse.triage(people["city-dart"], case_id(incident.id), yes_count=None,
                              answers=None, level=None, judgement_reason=None,
                              actions=["safety-planning"], threshold_met=False, rationale=WHY)
    clock.advance(hours=3)  # Thursday 19:30
    submit(hub, "notts-police", notification(
        "M-1", type_="missing", occurred_at="2026-11-26T18:00:00Z", subjects=[dict(AMY)],
        summary="Not home."))
    clock.advance(hours=8)  # Friday 03:30
    submit(hub, "notts-police", notification(
        "F-1", type_="found", occurred_at="2026-11-27T03:00:00Z", subjects=[dict(AMY)],
        summary="Found."))
    episode = hub.missing.history(people["missing-team"], incident.child_ids[0])
    clock.advance(hours=30)
    hub.missing.record_interview(people["missing-team"], UUID(episode["episodes"][0]["id"]),
                                 "held", None, True, None)


def test_a_week_counted(hub: Hub, people: dict[str, Caller], clock: Clock) -> None:
    week(hub, people, clock)
    report = hub.indicators.report(None, None, 63_900)
    front = report["front_door"]
    assert report["period"] == {"from": "2026-11-23", "to": "2026-11-27", "days": 5}
    assert front["contacts"] == 2
    assert front["re_referrals_within_12_months"] == {"count": 1, "of": 2, "rate": 0.5}
    assert front["rag"]["amber"] == {"count": 1, "of": 1, "rate": 1.0}
    assert front["rag"]["red"] == {"count": 0, "of": 1, "rate": 0.0}
    # A decision is due by its rating's deadline: the red one was late, whatever a working
    # day would have allowed. The figure is the RAG figures summed.
    assert front["decided_within_rag_timescale"] == {"count": 1, "of": 2, "rate": 0.5}
    # The second is acknowledged by its decision, five hours after it came in.
    assert front["acknowledged_within_1_working_day"] == {"count": 2, "of": 2, "rate": 1.0}
    assert front["assessments_due"] == 1
    assert front["brief_assessments_due"] == 1  # the same assessment, its brief stage
    assert front["outcomes"] == {"assessment": 1, "early-help": 1}
    da = report["domestic_abuse"]
    assert (da["incidents"], da["triaged"], da["by_dash_level"]) == (1, 1, {"high": 1})
    assert da["marac_by_rule"] == {"visible-high-risk": 1}
    assert da["encompass"]["acknowledged_before_the_school_day"]["count"] == 1
    missing = report["missing"]
    assert missing["episodes"] == 1
    assert missing["by_age_band"] == {"under-11": 1}  # Amy was 10 (no date of birth read)
    assert missing["home_within_24_hours"] == {"count": 1, "of": 1, "rate": 1.0}
    assert missing["return_interviews_within_72_hours"]["count"] == 1
    access = report["access"]
    # read the case, and the case its triage answered with
    assert access["by_agency_and_purpose"]["city-dart"] == {"triage": 2}
    assert access["by_agency_and_purpose"]["missing-team"] == {"missing": 1}

    # By week: one week here (Monday 23 to Friday 27), the same as the whole.
    [one] = hub.indicators.by_week(None, None)
    assert (one["week"], one["from"], one["to"]) == ("2026-11-23", "2026-11-23", "2026-11-27")
    assert (one["contacts"], one["da_incidents"], one["missing_episodes"]) == (2, 1, 1)
    assert one["dart_triaged_in_time"] == da["triaged_in_time"]
    two = hub.indicators.by_week(date(2026, 11, 20), date(2026, 11, 24))
    assert [w["week"] for w in two] == ["2026-11-16", "2026-11-23"]
    assert two[0]["decided_within_rag_timescale"]["rate"] is None  # nothing fell due

    # Wednesday on: the first contact (Monday) is outside the period.
    later = hub.indicators.report(date(2026, 11, 25), None, 63_900)
    assert later["front_door"]["contacts"] == 1
    assert later["front_door"]["per_10000_children"] == round(1 / 63_900 * 10_000, 1)


def test_withdrawals_by_the_sender_leave_the_clocks_they_started(
        hub: Hub, people: dict[str, Caller], clock: Clock) -> None:
    """A concern withdrawn before a decision, and an incident withdrawn before its triage
    (its notice with it, unacknowledged): counted as withdrawn, never as late."""
    police = people["notts-police"]
    concern_id = submit(hub, "riverside-primary", concern("C-W", clock.now)).id
    incident = submit(hub, "notts-police", notification(
        "DA-W", occurred_at="2026-11-23T08:00:00Z",
        subjects=[dict(AMY, present=True)], dash={"yes_count": 3}))
    clock.advance(hours=1)
    hub.corrections.withdraw(people["riverside-primary"], concern_id, "sent-in-error", None)
    hub.corrections.withdraw(police, incident.id, "wrong-person", None)
    clock.advance(days=3)
    report = hub.indicators.report(None, None, 63_900)
    assert report["front_door"]["withdrawn_by_referrer"] == 1
    assert report["front_door"]["decided_within_rag_timescale"]["of"] == 0
    da = report["domestic_abuse"]
    assert (da["dart_cases"], da["incidents_withdrawn"], da["triaged"]) == (1, 1, 0)
    notices = da["encompass"]
    assert (notices["issued"], notices["withdrawn"]) == (1, 1)
    assert notices["acknowledged_before_the_school_day"] == {"count": 0, "of": 0,
                                                             "rate": None}


def test_the_projection_keeps_its_place_and_rebuilds_the_same(
        hub: Hub, people: dict[str, Caller], clock: Clock, tmp_path: Path,
        store_url: str) -> None:
    week(hub, people, clock)
    first = hub.indicators.report(None, None, None)
    folder = None if store_url == "memory://" else tmp_path / "home" / "projections"
    if folder is not None:
        again = indicators(hub, folder)  # another process: reads the saved state
        assert again.state.position == hub.indicators.state.position
        assert again.catch_up() == 0
        assert again.report(None, None, None) == first
    speed = hub.indicators.rebuild()
    assert speed["events"] > 0
    assert hub.indicators.report(None, None, None) == first


def test_a_saved_state_of_another_store_is_not_used(
        hub: Hub, people: dict[str, Caller], clock: Clock, tmp_path: Path,
        store_url: str) -> None:
    """The same HUB_HOME with a new HUB_STORE_URL: the projection starts again."""
    week(hub, people, clock)
    folder = tmp_path / "shared-projections"
    indicators(hub, folder).catch_up()
    other = bootstrap(Settings(store_url="memory://", home=tmp_path / "other"), clock)
    try:
        fresh = indicators(other, folder).report(None, None, None)
        assert fresh["front_door"]["contacts"] == 0
        assert fresh["domestic_abuse"]["incidents"] == 0
    finally:
        other.close()


def test_periods_outside_the_data(hub: Hub, people: dict[str, Caller], clock: Clock) -> None:
    week(hub, people, clock)
    after = hub.indicators.report(date(2027, 1, 1), None, None)
    assert after["period"] == {"from": None, "to": None, "days": 0}
    assert after["front_door"]["contacts"] == 0
    only_to = hub.indicators.report(None, date(2026, 11, 23), None)
    assert only_to["period"]["days"] == 1
    assert only_to["front_door"]["contacts"] == 1
