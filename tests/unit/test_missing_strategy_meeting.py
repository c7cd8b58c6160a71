"""The strategy meeting after repeated missing episodes: its due time on the working calendar
(the boundaries: Friday 16:59, a bank holiday, Christmas), and the record's rules for raising
one and recording it held; and the age band recorded on each episode as it starts."""

import json
from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from eventsourcing.application import Application
from eventsourcing.persistence import Mapper, StoredEvent

from domain.errors import InvalidContent, RuleViolation
from domain.missing import EpisodeEnd, EpisodeType, MissingRecord, StrategyOutcome, age_band
from hub.timescales import load_timescales

TIMESCALES = load_timescales()
DUE = TIMESCALES.strategy_meeting_due
WORKER = {"user_id": "w", "agency": "missing-team", "role": "missing-worker"}
T0 = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)  # a Monday


def utc(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_the_packaged_timescale_is_five_working_days() -> None:
    assert TIMESCALES.strategy_meeting_working_days == 5


@pytest.mark.parametrize(("flagged", "due"), [
    (utc(2026, 11, 18, 10, 0), utc(2026, 11, 25, 10, 0)),  # Wednesday: the next Wednesday
    (utc(2026, 11, 20, 16, 59), utc(2026, 11, 27, 16, 59)),  # Friday, a minute before close
    (utc(2026, 11, 20, 17, 1), utc(2026, 11, 27, 17, 0)),  # Friday after close: 5 full days
    # Friday 28 August 17:59 BST, after close; Monday 31 August is a bank holiday: the five
    # days are Tuesday to the next Monday, to its close (17:00 BST).
    (utc(2026, 8, 28, 16, 59), utc(2026, 9, 7, 16, 0)),
    # Christmas, Boxing Day (on a Monday in lieu) and New Year's Day do not count.
    (utc(2026, 12, 23, 10, 0), utc(2027, 1, 4, 10, 0)),
])
def test_the_meeting_falls_due_five_working_days_after_the_flag(flagged: datetime,
                                                                due: datetime) -> None:
    assert DUE(flagged) == due


def three_episodes(r: MissingRecord, start: datetime = T0) -> list[UUID]:
    ids = []
    for day in (0, 7, 14):
        begun = start + timedelta(days=day)
        ids.append(r.report_missing(uuid4(), EpisodeType.MISSING, begun, uuid4(), "police",
                                    None))
        r.report_return(uuid4(), begun + timedelta(hours=3), EpisodeEnd.FOUND, uuid4(),
                        "police", None, None, timedelta(hours=72))
    return ids


def test_no_meeting_until_the_flag() -> None:
    r = MissingRecord(child_id=uuid4())
    r.report_missing(uuid4(), EpisodeType.MISSING, T0, uuid4(), "police", None)
    assert r.raise_strategy_meeting(uuid4(), T0, DUE) is None
    assert r.strategy_meetings == []


def test_the_flag_raises_one_meeting_and_a_fourth_episode_joins_it() -> None:
    r = MissingRecord(child_id=uuid4())
    episodes = three_episodes(r)
    flagged = T0 + timedelta(days=14, hours=1)
    meeting = r.raise_strategy_meeting(uuid4(), flagged, DUE)
    assert meeting is not None
    [due] = r.strategy_meetings
    assert due["episodes"] == episodes
    assert due["due"] == DUE(flagged)
    assert r.raise_strategy_meeting(uuid4(), flagged, DUE) is None  # answered already
    r.report_missing(uuid4(), EpisodeType.MISSING, T0 + timedelta(days=16), uuid4(),
                     "police", None)
    assert r.raise_strategy_meeting(uuid4(), flagged, DUE) is None  # one is due: it covers
    assert len(r.strategy_meetings) == 1
    assert not MissingRecord.strategy_overdue(due, due["due"])
    assert MissingRecord.strategy_overdue(due, due["due"] + timedelta(seconds=1))


def test_held_with_agencies_and_an_outcome_then_a_new_flag_raises_another() -> None:
    r = MissingRecord(child_id=uuid4())
    three_episodes(r)
    flagged = T0 + timedelta(days=14, hours=1)
    r.raise_strategy_meeting(uuid4(), flagged, DUE)
    now = flagged + timedelta(days=2)
    with pytest.raises(InvalidContent, match="two or more"):
        r.hold_strategy_meeting(now, ["missing-team", "missing-team"],
                                StrategyOutcome.SAFETY_PLAN, None, WORKER, now)
    with pytest.raises(InvalidContent, match="after it falls due"):
        r.hold_strategy_meeting(flagged - timedelta(hours=1), ["missing-team", "police"],
                                StrategyOutcome.SAFETY_PLAN, None, WORKER, now)
    with pytest.raises(InvalidContent, match="future"):
        r.hold_strategy_meeting(now + timedelta(hours=1), ["missing-team", "police"],
                                StrategyOutcome.SAFETY_PLAN, None, WORKER, now)
    held = r.hold_strategy_meeting(now, ["missing-team", "police"],
                                   StrategyOutcome.EXPLOITATION_SCREENING,
                                   "  Agreed a safety plan with the school.  ", WORKER, now)
    [meeting] = r.strategy_meetings
    assert meeting["id"] == held
    assert r.pending_strategy_meeting is None
    assert meeting["held"]["participants"] == ["missing-team", "police"]
    assert meeting["held"]["outcome"] == "exploitation-screening"
    assert meeting["held"]["note"].field == "strategy_meeting_note"
    with pytest.raises(RuleViolation, match="no strategy meeting is due"):
        r.hold_strategy_meeting(now, ["missing-team", "police"],
                                StrategyOutcome.SAFETY_PLAN, None, WORKER, now)
    # A fourth episode within 30 days of two others after the meeting: a new flag, a new one.
    r.report_missing(uuid4(), EpisodeType.MISSING, T0 + timedelta(days=20), uuid4(),
                     "police", None)
    assert r.raise_strategy_meeting(uuid4(), now, DUE) is not None
    assert len(r.strategy_meetings) == 2


# Age bands ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("born", "band"), [
    (date(2016, 1, 3), "under-11"),  # 10 on the day
    (date(2015, 1, 2), "11-13"),  # 11 that day
    (date(2012, 1, 3), "11-13"),  # 13, a day short of 14
    (date(2012, 1, 2), "14-15"),
    (date(2010, 1, 3), "14-15"),
    (date(2010, 1, 2), "16-17"),
    (date(2008, 1, 3), "16-17"),
    (date(2008, 1, 2), None),  # 18: not a child's band
    (None, None),
])
def test_age_bands_on_the_day_the_episode_starts(born: date | None, band: str | None) -> None:
    assert age_band(born, date(2026, 1, 2)) == band


def test_the_band_is_taken_on_the_local_day_of_the_start() -> None:
    r = MissingRecord(child_id=uuid4())
    # 23:30 UTC on 31 May is 00:30 on 1 June in London (BST): the child's 14th birthday.
    r.report_missing(uuid4(), EpisodeType.MISSING, utc(2026, 5, 31, 23, 30), uuid4(),
                     "police", None, date(2012, 6, 1))
    assert r.episodes[0]["age_band"] == "14-15"


def test_an_episode_started_before_bands_were_recorded_loads_with_none() -> None:
    r = MissingRecord(child_id=uuid4())
    r.report_missing(uuid4(), EpisodeType.MISSING, T0, uuid4(), "police", None,
                     date(2012, 3, 4))
    mapper: Mapper[UUID] = Application[UUID]().mapper
    stored = [mapper.to_stored_event(e) for e in r.collect_events()]
    state = json.loads(stored[1].state)
    assert state.pop("age_band") == "14-15"
    state.pop("class_version", None)  # version 1 stored none
    old = StoredEvent(originator_id=stored[1].originator_id,
                      originator_version=stored[1].originator_version,
                      topic=stored[1].topic, state=json.dumps(state).encode())
    event = mapper.to_domain_event(old)
    assert isinstance(event, MissingRecord.EpisodeStarted)
    assert event.age_band is None
    opened = mapper.to_domain_event(stored[0])
    assert isinstance(opened, MissingRecord.Opened)
    rebuilt = event.mutate(opened.mutate(None))
    assert isinstance(rebuilt, MissingRecord)
    assert rebuilt.episodes[0]["age_band"] is None
    assert rebuilt.strategy_meetings == []
