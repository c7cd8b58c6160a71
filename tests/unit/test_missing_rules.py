"""Missing episodes: splitting, starts and ends, interview deadlines, and each rule's
boundaries."""

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from domain.errors import InvalidContent, RuleViolation
from domain.missing import (
    RULE_VERSIONS,
    EpisodeEnd,
    EpisodeType,
    InterviewStep,
    MissingRecord,
    MissingRule,
    PastEpisode,
    episode_start,
    flags_on_opening,
    flags_on_return,
)
from hub.timescales import load_timescales

T0 = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)  # a Friday evening
POLICE = "notts-police"
WORKER = {"user_id": "w", "agency": "city-missing", "role": "missing-worker"}
INTERVIEW_WITHIN = load_timescales().interview_within  # the packaged timescale: 72 hours


def record() -> MissingRecord:
    return MissingRecord(child_id=uuid4())


def go_missing(r: MissingRecord, start: datetime, kind: EpisodeType = EpisodeType.MISSING,
               report: UUID | None = None) -> UUID:
    return r.report_missing(uuid4(), kind, start, report or uuid4(), POLICE, None)


def come_back(r: MissingRecord, end: datetime, report: UUID | None = None,
              start: datetime | None = None) -> UUID:
    return r.report_return(uuid4(), end, EpisodeEnd.FOUND, report or uuid4(), POLICE, start,
                           None, INTERVIEW_WITHIN)


def rules(episode: dict[str, object]) -> set[str]:
    flags = episode["flags"]
    assert isinstance(flags, list)
    return {f["rule"] for f in flags}


def test_the_start_is_the_later_of_leaving_and_last_seen() -> None:
    left, seen = T0 - timedelta(hours=3), T0 - timedelta(hours=1)
    assert episode_start(T0, left, seen) == seen
    assert episode_start(T0, seen, left) == seen
    assert episode_start(T0, left, None) == left
    assert episode_start(T0, None, None) == T0


def test_an_episode_stays_open_until_found_and_then_its_interview_is_due_in_72_hours() -> None:
    r = record()
    episode = go_missing(r, T0)
    assert r.open_episode is not None
    assert r.episode(episode)["end"] is None
    assert r.episode(episode)["interview_due"] is None
    back = T0 + timedelta(hours=5)
    assert come_back(r, back) == episode
    assert r.open_episode is None
    assert r.episode(episode)["end"] == back
    assert r.episode(episode)["interview_due"] == back + timedelta(hours=72)


def test_away_becoming_missing_is_two_episodes() -> None:
    r = record()
    away = go_missing(r, T0, EpisodeType.AWAY)
    became = T0 + timedelta(hours=2)
    missing = go_missing(r, became, EpisodeType.MISSING)
    assert missing != away
    first, second = r.episodes
    assert (first["type"], first["end"], first["ended_by"]) == ("away", became, "became-missing")
    assert first["interview_due"] is None  # no return yet: the interview follows the return
    assert (second["type"], second["start"], second["split_from"]) == ("missing", became, away)
    come_back(r, became + timedelta(hours=1))
    assert r.episode(missing)["interview_due"] is not None


def test_a_further_report_of_the_open_episode_is_not_a_new_episode() -> None:
    r = record()
    first = go_missing(r, T0)
    assert go_missing(r, T0 + timedelta(minutes=30)) == first  # a second force reports it
    assert go_missing(r, T0, EpisodeType.AWAY) == first  # whereabouts now known: same episode
    assert len(r.episodes) == 1
    assert len(r.episodes[0]["reports"]) == 3


def test_a_found_report_with_no_missing_report_records_a_closed_episode() -> None:
    r = record()
    start = T0 - timedelta(hours=30)
    episode = come_back(r, T0, start=start)
    e = r.episode(episode)
    assert (e["start"], e["end"]) == (start, T0)
    assert MissingRule.PRIORITY_OVER_24_HOURS.value in rules(e)


def test_a_second_agency_reporting_the_same_return_adds_a_report_only() -> None:
    r = record()
    episode = go_missing(r, T0)
    come_back(r, T0 + timedelta(hours=2))
    assert come_back(r, T0 + timedelta(hours=3)) == episode  # a care home reports it too
    assert len(r.episodes) == 1


def test_a_late_copy_of_a_missing_report_joins_the_episode_it_falls_in() -> None:
    r = record()
    episode = go_missing(r, T0)
    come_back(r, T0 + timedelta(hours=6))
    assert go_missing(r, T0 + timedelta(hours=1)) == episode
    assert len(r.episodes) == 1


def test_found_before_the_episode_began_is_refused() -> None:
    r = record()
    go_missing(r, T0)
    with pytest.raises(RuleViolation, match="before the episode started"):
        come_back(r, T0 - timedelta(minutes=1))


def test_three_episodes_in_30_days_flag_a_strategy_meeting() -> None:
    first = PastEpisode(uuid4(), T0, T0 + timedelta(hours=1))
    second = PastEpisode(uuid4(), T0 + timedelta(days=10), T0 + timedelta(days=10, hours=1))
    new = uuid4()
    at_30_days = T0 + timedelta(days=30)
    flags = flags_on_opening(new, at_30_days, [first, second])
    strategy = [f for f in flags if f.rule is MissingRule.STRATEGY_MEETING]
    assert len(strategy) == 1
    assert strategy[0].episodes == (first.id, second.id, new)
    assert strategy[0].version == RULE_VERSIONS[MissingRule.STRATEGY_MEETING]
    just_after = at_30_days + timedelta(seconds=1)
    assert not [f for f in flags_on_opening(new, just_after, [first, second])
                if f.rule is MissingRule.STRATEGY_MEETING]
    assert not [f for f in flags_on_opening(new, at_30_days, [second])
                if f.rule is MissingRule.STRATEGY_MEETING]


def test_a_split_counts_twice_towards_the_strategy_meeting() -> None:
    r = record()
    go_missing(r, T0, EpisodeType.AWAY)
    second = go_missing(r, T0 + timedelta(hours=1))  # away became missing: episode 2
    assert MissingRule.STRATEGY_MEETING.value not in rules(r.episode(second))
    come_back(r, T0 + timedelta(hours=2))
    third = go_missing(r, T0 + timedelta(days=3))
    assert MissingRule.STRATEGY_MEETING.value in rules(r.episode(third))


def test_a_second_episode_is_an_interview_priority_the_first_is_not() -> None:
    r = record()
    first = go_missing(r, T0)
    come_back(r, T0 + timedelta(hours=2))
    assert not MissingRecord.priority(r.episode(first))
    second = go_missing(r, T0 + timedelta(days=200))
    assert MissingRule.PRIORITY_REPEAT_EPISODE.value in rules(r.episode(second))
    assert MissingRecord.priority(r.episode(second))


@pytest.mark.parametrize(("hours", "priority"), [(24, False), (24.01, True), (23, False)])
def test_missing_over_24_hours_is_an_interview_priority(hours: float, priority: bool) -> None:
    fired = flags_on_return(uuid4(), T0, T0 + timedelta(hours=hours))
    assert bool(fired) is priority


def test_the_interview_steps_and_its_clock() -> None:
    r = record()
    episode = go_missing(r, T0)
    back = T0 + timedelta(hours=4)
    come_back(r, back)
    e = r.episode(episode)
    with pytest.raises(RuleViolation, match="offered before"):
        r.record_interview(episode, InterviewStep.ACCEPTED, back, WORKER)
    r.record_interview(episode, InterviewStep.OFFERED, back + timedelta(hours=1), WORKER)
    r.record_interview(episode, InterviewStep.ACCEPTED, back + timedelta(hours=2), WORKER)
    with pytest.raises(InvalidContent, match="independent"):
        r.record_interview(episode, InterviewStep.HELD, back + timedelta(hours=3), WORKER,
                           independent=False)
    due = back + timedelta(hours=72)
    assert not MissingRecord.interview_overdue(e, due)
    assert MissingRecord.interview_overdue(e, due + timedelta(seconds=1))
    r.record_interview(episode, InterviewStep.HELD, due, WORKER, independent=True)
    assert MissingRecord.interview_settled(e) == due
    assert not MissingRecord.interview_overdue(e, due + timedelta(days=10))  # held in time
    with pytest.raises(RuleViolation, match="already settled"):
        r.record_interview(episode, InterviewStep.NOT_HELD, due, WORKER, reason="x" * 20)


def test_a_decision_not_to_hold_an_interview_needs_its_reason() -> None:
    r = record()
    episode = go_missing(r, T0)
    come_back(r, T0 + timedelta(hours=1))
    with pytest.raises(InvalidContent, match="reason"):
        r.record_interview(episode, InterviewStep.NOT_HELD, T0 + timedelta(hours=2), WORKER)
    r.record_interview(episode, InterviewStep.NOT_HELD, T0 + timedelta(hours=2), WORKER,
                       reason="Already interviewed after the previous episode yesterday.")
    assert MissingRecord.interview_settled(r.episode(episode)) == T0 + timedelta(hours=2)


def test_held_late_stays_a_missed_deadline() -> None:
    r = record()
    episode = go_missing(r, T0)
    back = T0 + timedelta(hours=1)
    come_back(r, back)
    r.record_interview(episode, InterviewStep.HELD, back + timedelta(hours=73), WORKER,
                       independent=True)
    assert MissingRecord.interview_overdue(r.episode(episode), back + timedelta(days=30))


def test_no_interview_while_the_child_is_still_missing() -> None:
    r = record()
    episode = go_missing(r, T0)
    with pytest.raises(RuleViolation, match="follows a return"):
        r.record_interview(episode, InterviewStep.OFFERED, T0, WORKER)
