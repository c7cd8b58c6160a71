"""A simulated period, seed fixed: the report reproduces the rates the simulation was driven
with, and its counts equal counts made independently from the raw events.

Tolerances: each driven share is checked to within about three standard errors for the
number of items in the period (40 days: some 470 DA cases, 1,700 contacts, 150 episodes); the
referral rate, a Poisson count, to within 15% of the profile's rate.
"""

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest

from domain.child_protection import ProtectionRecord
from domain.dart import DartCase
from domain.encompass import EncompassNotice
from domain.front_door import MashContact
from domain.missing import InterviewStep, MissingRecord
from domain.notifications import Notification
from domain.timescales import LOCAL
from hub.bootstrap import Hub, bootstrap
from hub.settings import Settings
from simulation import SimulatedClock, Simulation, load_profile

DAYS = 40


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Hub, Any]]:
    profile = load_profile("nottingham")
    clock = SimulatedClock(datetime.combine(profile.start, time(0), LOCAL).astimezone(UTC))
    hub = bootstrap(Settings(store_url="memory://", home=tmp_path_factory.mktemp("sim")),
                    clock)
    Simulation(hub, clock, profile, seed=11).run(DAYS)
    yield hub, profile
    hub.close()


def aggregates(hub: Hub) -> dict[type[Any], list[Any]]:
    """Every aggregate of the kinds the indicators count, loaded from the raw log."""
    kinds = (Notification, MashContact, DartCase, EncompassNotice, MissingRecord,
             ProtectionRecord)
    ids: dict[type[Any], set[Any]] = {k: set() for k in kinds}
    for row in hub.store.recorder.select_notifications(start=1, limit=10_000_000):
        event = hub.store.mapper.to_domain_event(row)
        for kind in kinds:
            if type(event).__qualname__.startswith(kind.__name__ + "."):
                ids[kind].add(event.originator_id)
    return {k: [a for i in v if (a := hub.store.find(i, k)) is not None]
            for k, v in ids.items()}


def test_the_counts_match_the_raw_events(simulated: tuple[Hub, Any]) -> None:
    hub, _ = simulated
    report = hub.indicators.report(None, None, 63_900)
    raw = aggregates(hub)
    types = Counter(n.notification_type for n in raw[Notification])
    assert report["domestic_abuse"]["incidents"] == types["domestic_abuse_incident"]
    contacts = raw[MashContact]
    front = report["front_door"]
    assert front["contacts"] == len(contacts)
    assert front["re_referrals_within_12_months"]["count"] == sum(
        1 for c in contacts if c.re_referral_of)
    decided = [c for c in contacts if c.decision is not None]
    # A referral: a contact decided for an assessment or a strategy discussion, per child.
    assert front["referrals"]["children"] == sum(
        len(c.child_ids) for c in decided
        if c.decision["outcome"] in ("assessment", "strategy-discussion"))
    # Decided by the decision's deadline: the rating's (every decided contact is rated).
    in_time = sum(1 for c in decided if c.decision["at"] <= c.decide_by)
    assert front["decided_within_rag_timescale"] == {
        "count": in_time, "of": len(decided), "rate": round(in_time / len(decided), 4)}
    assert in_time == sum(front["rag"][colour]["count"] for colour in ("red", "amber", "green"))
    acknowledged = [c for c in contacts if c.acknowledged is not None]
    assert front["acknowledged_within_1_working_day"]["of"] == len(acknowledged)
    assert front["outcomes"] == dict(sorted(Counter(c.decision["outcome"]
                                                    for c in decided).items()))
    for colour in ("red", "amber", "green"):
        rated = [c for c in decided if c.ratings[-1].rag == colour]
        assert front["rag"][colour]["of"] == len(rated)
        assert front["rag"][colour]["count"] == sum(
            1 for c in rated if c.decision["at"] <= c.ratings[-1].due)
    cases = [c for c in raw[DartCase] if c.triage is not None]
    assert report["domestic_abuse"]["by_dash_level"] == dict(sorted(Counter(
        c.triage["dash_level"] for c in cases).items()))
    notices = raw[EncompassNotice]
    encompass = report["domestic_abuse"]["encompass"]
    assert encompass["issued"] == len(notices)
    assert encompass["acknowledged_before_the_school_day"]["count"] == sum(
        1 for n in notices if n.acknowledgement and n.acknowledgement["at"] <= n.due_at)
    episodes = [e for r in raw[MissingRecord] for e in r.episodes]
    returned = [e for e in episodes if e["interview_due"] is not None]
    missing = report["missing"]
    assert missing["episodes"] == len(episodes)
    home = sum(1 for e in returned if e["end"] - e["start"] <= timedelta(hours=24))
    assert missing["home_within_24_hours"] == {
        "count": home, "of": len(returned), "rate": round(home / len(returned), 4)}
    plans = [p for r in raw[ProtectionRecord] for p in r.plans]
    assert report["child_protection"]["plans_started"] == len(plans)
    in_time = 0
    for e in returned:
        settled = next((s["at"] for s in e["interview"] if InterviewStep(s["step"]).settles),
                       None)
        in_time += settled is not None and settled <= e["interview_due"]
    assert missing["return_interviews_within_72_hours"]["count"] == in_time


def test_the_report_reproduces_the_driven_rates(simulated: tuple[Hub, Any]) -> None:
    hub, profile = simulated
    # The simulated days (the standing caseload imported on the first day began before).
    report = hub.indicators.report(profile.start, profile.start + timedelta(days=DAYS - 1),
                                   profile.children)
    front, da, missing = report["front_door"], report["domestic_abuse"], report["missing"]
    # Referrals to social care per 10,000 children a year (the DART's referrals included),
    # over the days whose contacts were all decided by the end (a green rating's deadline is
    # days away: the last week's may be decided after it).
    decided = hub.indicators.report(profile.start, profile.start + timedelta(days=DAYS - 8),
                                    profile.children)
    assert decided["front_door"]["referrals"]["per_10000_children_a_year"] == pytest.approx(
        profile.front_door["referrals_per_10000"], rel=0.15)
    triaged = da["triaged"]
    for level, share in profile.da["dash"].items():
        assert da["by_dash_level"].get(level, 0) / triaged == pytest.approx(share, abs=0.07)
    decided = sum(front["outcomes"].values())
    for outcome, share in profile.front_door["outcomes"].items():
        assert front["outcomes"].get(outcome, 0) / decided == pytest.approx(share, abs=0.06)
    assert missing["home_within_24_hours"]["rate"] == pytest.approx(
        profile.missing["home_within_24_hours"], abs=0.11)
    assert missing["episodes"] / DAYS * 365 == pytest.approx(profile.missing["episodes"],
                                                             rel=0.2)
    assert da["incidents"] / DAYS * 365 == pytest.approx(profile.da["incidents"], rel=0.1)
    # A re-referral within 12 months, from a standing start: at most the profile's share.
    assert 0 < front["referrals"]["re_referrals_within_12_months"]["rate"] <= (
        profile.front_door["re_referral"] + 0.05)
    assert report["sharing"]["decisions_not_to_share"]
    assert report["access"]["refusals"] > 0


def test_the_same_seed_gives_the_same_workload(tmp_path: Path) -> None:
    profile = load_profile("nottingham")
    tallies, reports = [], []
    for run in range(2):
        clock = SimulatedClock(datetime.combine(profile.start, time(0), LOCAL).astimezone(UTC))
        hub = bootstrap(Settings(store_url="memory://", home=tmp_path / str(run)), clock)
        tallies.append(Simulation(hub, clock, profile, seed=5).run(3).counts)
        reports.append(hub.indicators.report(None, None, profile.children))
        hub.close()
    assert tallies[0] == tallies[1]
    assert reports[0] == reports[1]
    assert tallies[0]["notification:domestic_abuse_incident"] > 0


def test_a_simulated_day_over_kafka(tmp_path: Path) -> None:
    """Police and health notifications go to their inbound topics and are stored by the hub's
    ingest worker; the positions it consumed are in the store with them."""
    import subprocess
    import sys

    from tests.integration.kafka_broker import tansu

    topics = {"police.notifications.v1": 1, "police.notifications.v1.dlq": 1,
              "health.concerns.v1": 1, "health.concerns.v1.dlq": 1}
    with tansu(tmp_path / "tansu.log", topics) as brokers:
        env = {"HUB_HOME": str(tmp_path / "home"),
               "HUB_STORE_URL": f"sqlite:///{tmp_path}/hub.sqlite3",
               "HUB_KAFKA_BOOTSTRAP": brokers, "HUB_KAFKA_SESSION_TIMEOUT_MS": "6000",
               "HUB_KAFKA_IDEMPOTENT": "false", "PATH": "/usr/bin:/bin"}
        done = subprocess.run([sys.executable, "-m", "hub", "simulate", "--days", "1",
                               "--seed", "4", "--via", "kafka"], env=env, capture_output=True,
                              text=True, timeout=300, check=False)
        assert done.returncode == 0, done.stderr[-3000:]
        assert "via kafka" in done.stdout
    hub = bootstrap(Settings(store_url=env["HUB_STORE_URL"], home=tmp_path / "home"))
    try:
        police = hub.store.tracker.max_tracking_id("kafka/police.notifications.v1/0")
        stored = Counter(n.source_agency for n in aggregates(hub)[Notification])
        assert police is not None
        assert police == stored["police"]  # every police record consumed, each stored once
        assert stored["health"] > 0
    finally:
        hub.close()
