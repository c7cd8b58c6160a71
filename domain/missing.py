"""Missing episodes and return home interviews.

'Missing' (whereabouts unknown) and 'away' (absent without authorisation, whereabouts known)
are distinct episode types; a change from away to missing ends the away episode and starts a
missing one, so it counts as two episodes. An episode runs from the later of leaving and last
being seen, to being found or returning; until then it stays open.

Every return is followed by a return home interview, due within the local timescale (72
hours in policies/timescales.toml; elapsed time: a child back on Friday night is seen by
Monday night): offered, accepted or declined, held by someone independent of the child's care,
or a recorded decision not to hold one.

Rules, each versioned, each recording what made it fire (change a rule only with a new
version):
- strategy meeting: 3 or more episodes starting within 30 days (the new one included);
- interview priority: the child was missing for more than 24 hours, or this is not the child's
  first episode on record.

A strategy-meeting flag starts a strategy meeting, due within the local timescale (working
days in policies/timescales.toml, ``[missing]``) of the flag being raised, unless one is
already due and not yet held (that one covers the new episode too). The missing team records
it held: when, the agencies taking part and an outcome code; any note is sealed under the
child's key.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.errors import InvalidContent, RuleViolation
from domain.identifiers import age_on
from domain.missing_practice import (
    Counted,
    MissingFrom,
    check_indicators,
    contradicts,
    interview_content,
    same_place,
    strategy_windows,
)
from domain.personal import Personal
from domain.records import ChildRecord
from domain.text import optional_text, required_text
from domain.timescales import LOCAL

STRATEGY_EPISODES = 3
STRATEGY_WINDOW = timedelta(days=30)
LONG_EPISODE = timedelta(hours=24)
# A 'found' report with no open episode, within this of the last return, reports that return.
SAME_RETURN = timedelta(hours=24)


class EpisodeType(StrEnum):
    MISSING = "missing"  # whereabouts unknown
    AWAY = "away"  # absent without authorisation, whereabouts known


class EpisodeEnd(StrEnum):
    FOUND = "found"
    RETURNED = "returned"
    BECAME_MISSING = "became-missing"  # an away episode that turned into a missing one


class MissingRule(StrEnum):
    STRATEGY_MEETING = "strategy-meeting"
    PRIORITY_OVER_24_HOURS = "interview-priority-over-24-hours"
    PRIORITY_REPEAT_EPISODE = "interview-priority-repeat-episode"


RULE_VERSIONS: dict[MissingRule, int] = dict.fromkeys(MissingRule, 1)


class StrategyOutcome(StrEnum):
    """What a strategy meeting about repeated missing episodes decided (a code, never text)."""

    SAFETY_PLAN = "safety-plan"  # a multi-agency plan to reduce the risk of going missing
    EXPLOITATION_SCREENING = "exploitation-screening"  # referred for CSE / CCE screening
    MASH_REFERRAL = "mash-referral"
    STRATEGY_DISCUSSION = "strategy-discussion"  # significant harm suspected: s47 route
    NO_FURTHER_ACTION = "no-further-action"


class InterviewStep(StrEnum):
    OFFERED = "offered"
    ACCEPTED = "accepted"
    DECLINED = "declined"  # the child's choice: the duty to offer is met
    HELD = "held"
    NOT_HELD = "not-held"  # a recorded decision not to hold one, with the reason

    @property
    def settles(self) -> bool:
        """Whether this step ends the interview's clock."""
        return self in (InterviewStep.DECLINED, InterviewStep.HELD, InterviewStep.NOT_HELD)


@dataclass(frozen=True)
class Flag:
    rule: MissingRule
    version: int
    episodes: tuple[UUID, ...]

    def as_data(self) -> dict[str, Any]:
        return {"rule": self.rule.value, "version": self.version,
                "episodes": [str(e) for e in self.episodes]}


@dataclass(frozen=True)
class PastEpisode:
    id: UUID
    start: datetime
    end: datetime | None


def episode_start(occurred_at: datetime, left_at: datetime | None,
                  last_seen_at: datetime | None) -> datetime:
    """The later of leaving and last being seen; the report's time if neither is known."""
    known = [t for t in (left_at, last_seen_at) if t is not None]
    return max(known) if known else occurred_at


def flags_on_opening(new_id: UUID, start: datetime,
                     history: list[PastEpisode]) -> list[Flag]:
    """The rules that fire when an episode starts at ``start`` after ``history``."""
    flags = []
    window = sorted((e for e in history if start - STRATEGY_WINDOW <= e.start <= start),
                    key=lambda e: e.start)
    if len(window) + 1 >= STRATEGY_EPISODES:
        flags.append(Flag(MissingRule.STRATEGY_MEETING,
                          RULE_VERSIONS[MissingRule.STRATEGY_MEETING],
                          (*(e.id for e in window), new_id)))
    earlier = sorted((e for e in history if e.start <= start), key=lambda e: e.start)
    if earlier:
        flags.append(Flag(MissingRule.PRIORITY_REPEAT_EPISODE,
                          RULE_VERSIONS[MissingRule.PRIORITY_REPEAT_EPISODE],
                          (earlier[-1].id, new_id)))
    return flags


def flags_on_return(episode_id: UUID, start: datetime, end: datetime) -> list[Flag]:
    if end - start > LONG_EPISODE:
        return [Flag(MissingRule.PRIORITY_OVER_24_HOURS,
                     RULE_VERSIONS[MissingRule.PRIORITY_OVER_24_HOURS], (episode_id,))]
    return []


# The age bands the indicators count episodes in (the child's age on the day it started).
AGE_BANDS = ((11, "under-11"), (14, "11-13"), (16, "14-15"), (18, "16-17"))


def age_band(date_of_birth: date | None, on: date) -> str | None:
    """The child's age band on ``on`` (None: no date of birth, or 18 or over). Recorded on the
    episode at intake, so the indicators count bands without reading personal data."""
    if date_of_birth is None:
        return None
    age = age_on(date_of_birth, on)
    return next((band for below, band in AGE_BANDS if age < below), None)


def record_id(child_id: UUID) -> UUID:
    """One missing-episode record per child."""
    return uuid5(NAMESPACE_URL, f"/hub/missing-record/{child_id}")


def _text(value: str | None, field: str, required: bool) -> str | None:
    """A note or reason, tidied; kept to its first 1000 characters."""
    said = (required_text(value, field, most=None) if required
            else optional_text(value, field, most=None))
    return said[:1000] if said is not None else None


class MissingRecord(ChildRecord):
    """A child's missing episodes and return home interviews, in the order they happened."""

    def opened(self) -> None:
        self.episodes: list[dict[str, Any]] = []
        self.unreconciled: list[dict[str, Any]] = []
        self.strategy_meetings: list[dict[str, Any]] = []

    @staticmethod
    def create_id(child_id: UUID) -> UUID:
        return record_id(child_id)

    # Episodes ------------------------------------------------------------------------------

    class EpisodeStarted(Aggregate.Event):
        class_version = 3
        episode_id: UUID
        episode_type: str
        start: datetime
        report: UUID
        reported_by: str
        split_from: UUID | None
        flags: list[dict[str, Any]]
        informed: dict[str, str] | None
        age_band: str | None  # the child's band (``AGE_BANDS``) on the start's day, if known
        missing_from: str | None  # home, care or education (``MissingFrom``), if said
        placing_authority: str | None  # missing from care: the authority that placed them

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """Episodes started before age bands were recorded: band not known."""
            state["age_band"] = None

        @staticmethod
        def upcast_v2_v3(state: dict[str, Any]) -> None:
            """Episodes started before where from was recorded: not said."""
            state["missing_from"] = None
            state["placing_authority"] = None

    @event(EpisodeStarted)
    def _start(self, episode_id: UUID, episode_type: str, start: datetime, report: UUID,
               reported_by: str, split_from: UUID | None, flags: list[dict[str, Any]],
               informed: dict[str, str] | None, age_band: str | None,
               missing_from: str | None, placing_authority: str | None) -> None:
        self.episodes.append({
            "id": episode_id, "type": episode_type, "start": start, "end": None,
            "ended_by": None, "reports": [report], "reported_by": reported_by,
            "split_from": split_from, "flags": list(flags), "informed": informed,
            "interview_due": None, "interview": [], "age_band": age_band,
            "missing_from": missing_from, "placing_authority": placing_authority})

    class EpisodeReported(Aggregate.Event):
        """A further report of an open episode (another force, an update)."""

        class_version = 1
        episode_id: UUID
        report: UUID

    @event(EpisodeReported)
    def _reported(self, episode_id: UUID, report: UUID) -> None:
        self.episode(episode_id)["reports"].append(report)

    class EpisodeEnded(Aggregate.Event):
        class_version = 1
        episode_id: UUID
        end: datetime
        ended_by: str
        report: UUID | None
        interview_due: datetime | None
        flags: list[dict[str, Any]]

    @event(EpisodeEnded)
    def _end(self, episode_id: UUID, end: datetime, ended_by: str, report: UUID | None,
             interview_due: datetime | None, flags: list[dict[str, Any]]) -> None:
        episode = self.episode(episode_id)
        episode.update(end=end, ended_by=ended_by, interview_due=interview_due)
        episode["flags"].extend(flags)
        if report is not None:
            episode["reports"].append(report)

    @staticmethod
    def interview_follows(episode: dict[str, Any]) -> bool:
        """A return home interview follows the episode's return (not from education)."""
        return episode.get("missing_from") != MissingFrom.EDUCATION.value

    def episode(self, episode_id: UUID) -> dict[str, Any]:
        for episode in self.episodes:
            if episode["id"] == episode_id:
                return episode
        raise RuleViolation("no such episode for this child")

    @property
    def open_episode(self) -> dict[str, Any] | None:
        return next((e for e in reversed(self.episodes) if e["end"] is None), None)

    def _covering(self, instant: datetime) -> dict[str, Any] | None:
        return next((e for e in self.episodes
                     if e["end"] is not None and e["start"] <= instant < e["end"]), None)

    def _history(self) -> list[PastEpisode]:
        return [PastEpisode(e["id"], e["start"], e["end"]) for e in self.episodes
                if not e.get("merged_into")]  # an episode merged into another is not one

    def report_missing(self, new_id: UUID, episode_type: EpisodeType, start: datetime,
                       report: UUID, reported_by: str,
                       informed: dict[str, str] | None,
                       date_of_birth: date | None = None, missing_from: MissingFrom | None = None,
                       placing_authority: str | None = None) -> UUID:
        """A 'missing' report: a new episode, a further report of the open one, or (away
        becoming missing) the end of the away episode and the start of a missing one (from
        where the away one was, unless the report says). Returns the id of the episode the
        report belongs to."""
        current = self.open_episode
        if current is not None:
            becomes_missing = (current["type"] == EpisodeType.AWAY.value
                               and episode_type is EpisodeType.MISSING)
            if not becomes_missing:
                self._check_same_place(current, missing_from, placing_authority)
                self._reported(current["id"], report)
                return UUID(str(current["id"]))
            if start < current["start"]:
                raise RuleViolation("the child cannot go missing before the away episode "
                                    "began")
            self._end(current["id"], start, EpisodeEnd.BECAME_MISSING.value, None, None, [])
            if missing_from is None and current.get("missing_from"):
                missing_from = MissingFrom(current["missing_from"])
                placing_authority = current.get("placing_authority")
        else:
            covering = self._covering(start)
            if covering is not None:  # a late copy of a report of a past episode
                self._check_same_place(covering, missing_from, placing_authority)
                self._reported(covering["id"], report)
                return UUID(str(covering["id"]))
        flags = flags_on_opening(new_id, start, self._history())
        self._start(new_id, episode_type.value, start, report, reported_by,
                    current["id"] if current is not None else None,
                    [f.as_data() for f in flags], informed,
                    age_band(date_of_birth, start.astimezone(LOCAL).date()),
                    missing_from.value if missing_from is not None else None,
                    placing_authority)
        return new_id

    @staticmethod
    def _check_same_place(episode: dict[str, Any], missing_from: MissingFrom | None,
                          placing_authority: str | None) -> None:
        """A report saying the child went missing from elsewhere than the episode it would
        join (home against care, another placing authority) is not folded into it: the
        missing team reconciles it, so no report moves an episode to another authority."""
        if contradicts(episode, missing_from.value if missing_from is not None else None,
                       placing_authority):
            raise RuleViolation("the report says the child went missing from elsewhere than "
                                "the episode it falls in")

    def report_return(self, new_id: UUID, end: datetime, ended_by: EpisodeEnd, report: UUID,
                      reported_by: str, start_if_unreported: datetime | None,
                      informed: dict[str, str] | None,
                      interview_within: timedelta,
                      date_of_birth: date | None = None, missing_from: MissingFrom | None = None,
                      placing_authority: str | None = None) -> UUID:
        """A 'found' report: the open episode ends and its interview falls due (none for a
        child missing from education). A child found with no episode on record (the missing
        report never reached the hub) gets a closed episode from the start the report gives,
        or from the return itself."""
        current = self.open_episode
        if current is None:
            latest = self.episodes[-1] if self.episodes else None
            if latest is not None and abs(end - latest["end"]) <= SAME_RETURN:
                self._reported(latest["id"], report)  # another agency reporting the return
                return UUID(str(latest["id"]))
            start = min(start_if_unreported or end, end)
            opened = self.report_missing(new_id, EpisodeType.MISSING, start, report,
                                         reported_by, informed, date_of_birth, missing_from,
                                         placing_authority)
            current = self.episode(opened)
            if current["end"] is not None:  # the report fell in an episode already closed
                return opened
        elif report in current["reports"]:
            return UUID(str(current["id"]))
        if end < current["start"]:
            raise RuleViolation("the child cannot be found before the episode started")
        flags = flags_on_return(current["id"], current["start"], end)
        self._end(current["id"], end, ended_by.value,
                  None if report in current["reports"] else report,
                  end + interview_within if self.interview_follows(current) else None,
                  [f.as_data() for f in flags])
        return UUID(str(current["id"]))

    class ReportNotApplied(Aggregate.Event):
        """A report that contradicts the record (found before the episode began, say): the
        notification is stored all the same, and the missing team reconciles it by hand."""

        class_version = 1
        report: UUID
        report_type: str
        reason: str
        at: datetime

    @event(ReportNotApplied)
    def _not_applied(self, report: UUID, report_type: str, reason: str, at: datetime) -> None:
        self.unreconciled.append({"report": report, "type": report_type, "reason": reason,
                                  "at": at})

    def report_not_applied(self, report: UUID, report_type: str, reason: str,
                           at: datetime) -> None:
        self._not_applied(report, report_type, reason[:300], at)

    class Reconciled(Aggregate.Event):
        """The missing team put a contradicting report right (and says how)."""

        class_version = 1
        report: UUID
        note: Personal
        by: dict[str, str]
        at: datetime

    @event(Reconciled)
    def _reconciled(self, report: UUID, note: Personal, by: dict[str, str],
                    at: datetime) -> None:
        for item in self.unreconciled:
            if item["report"] == report:
                item["reconciled"] = {"note": note, "by": by, "at": at}

    def reconcile(self, report: UUID, note: str, by: dict[str, str], at: datetime) -> None:
        item = next((u for u in self.unreconciled if u["report"] == report), None)
        if item is None:
            raise RuleViolation("that report is not waiting to be reconciled for this child")
        if item.get("reconciled") is not None:
            raise RuleViolation("that report is already reconciled")
        how = _text(note, "note", required=True)
        self._reconciled(report, Personal(self.child_id, "reconciliation", how), by, at)

    @property
    def to_reconcile(self) -> list[dict[str, Any]]:
        return [u for u in self.unreconciled if u.get("reconciled") is None]

    # Strategy meetings ---------------------------------------------------------------------

    class StrategyMeetingDue(Aggregate.Event):
        """A strategy-meeting flag was raised: a meeting is due by ``due``."""

        class_version = 1
        meeting_id: UUID
        episodes: list[UUID]  # the episodes the flag counted
        flagged_at: datetime
        due: datetime

    @event(StrategyMeetingDue)
    def _strategy_due(self, meeting_id: UUID, episodes: list[UUID], flagged_at: datetime,
                      due: datetime) -> None:
        self.strategy_meetings.append({
            "id": meeting_id, "episodes": list(episodes), "flagged_at": flagged_at,
            "due": due, "held": None, "withdrawn": None})

    class StrategyMeetingHeld(Aggregate.Event):
        class_version = 2
        meeting_id: UUID
        held_at: datetime
        participants: list[str]
        outcome: str
        note: Personal | None
        by: dict[str, str]
        at: datetime
        # the agencies practice expects (social care, police, health) that took no part
        absent: list[str] | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """Meetings recorded before absent agencies were: not known."""
            state["absent"] = None

    @event(StrategyMeetingHeld)
    def _strategy_held(self, meeting_id: UUID, held_at: datetime, participants: list[str],
                       outcome: str, note: Personal | None, by: dict[str, str],
                       at: datetime, absent: list[str] | None) -> None:
        self.strategy_meeting(meeting_id)["held"] = {
            "at": held_at, "participants": list(participants), "outcome": outcome,
            "note": note, "by": by, "recorded_at": at, "absent": absent}

    class StrategyRedecided(Aggregate.Event):
        """Episodes corrected, merged or split: the 3-in-30 rule decided again on every
        episode that stands. ``flags`` gives each episode whose strategy-meeting flag changed
        its new flag (None: the rule no longer fires on it); a meeting due and not held that
        no flag calls for any more is ``withdrawn``."""

        class_version = 1
        flags: list[dict[str, Any]]  # {"episode": id, "flag": flag data or None}
        withdrawn: UUID | None
        at: datetime

    @event(StrategyRedecided)
    def _strategy_redecided(self, flags: list[dict[str, Any]], withdrawn: UUID | None,
                            at: datetime) -> None:
        for change in flags:
            episode = self.episode(change["episode"])
            kept = [f for f in episode["flags"]
                    if f["rule"] != MissingRule.STRATEGY_MEETING.value]
            episode["flags"] = [*kept, change["flag"]] if change["flag"] else kept
        if withdrawn is not None:
            self.strategy_meeting(withdrawn)["withdrawn"] = at

    def strategy_meeting(self, meeting_id: UUID) -> dict[str, Any]:
        for meeting in self.strategy_meetings:
            if meeting["id"] == meeting_id:
                return meeting
        raise RuleViolation("no such strategy meeting for this child")

    @property
    def pending_strategy_meeting(self) -> dict[str, Any] | None:
        """The strategy meeting due and not yet held (nor withdrawn), if any."""
        return next((m for m in self.strategy_meetings
                     if m["held"] is None and not m.get("withdrawn")), None)

    def raise_strategy_meeting(self, meeting_id: UUID, at: datetime,
                               due_from: Callable[[datetime], datetime]) -> UUID | None:
        """A strategy meeting due (by ``due_from(at)``) for the newest strategy-meeting flag
        not yet answered by one; none while one is already due. Returns its id, if raised."""
        if self.pending_strategy_meeting is not None:
            return None
        counted = {e for m in self.strategy_meetings if not m.get("withdrawn")
                   for e in m["episodes"]}
        flagged = [e for e in self._strategy_flagged() if e["id"] not in counted]
        if not flagged:
            return None
        newest = max(flagged, key=lambda e: e["start"])
        flag = next(f for f in newest["flags"]
                    if f["rule"] == MissingRule.STRATEGY_MEETING.value)
        self._strategy_due(meeting_id, [UUID(str(e)) for e in flag["episodes"]], at,
                           due_from(at))
        return meeting_id

    def _strategy_flagged(self) -> list[dict[str, Any]]:
        """The episodes standing that carry a strategy-meeting flag."""
        return [e for e in self.episodes if not e.get("merged_into")
                and any(f["rule"] == MissingRule.STRATEGY_MEETING.value for f in e["flags"])]

    def redecide_strategy_meeting(self, meeting_id: UUID, at: datetime,
                                  due_from: Callable[[datetime], datetime]) -> None:
        """After a correction: the 3-in-30 rule decided again on the episodes as they now
        stand. A meeting due and not held is withdrawn when no flag that a held meeting has
        not answered remains; a flag newly firing makes one due (``raise_strategy_meeting``).
        A meeting already held stands as it was."""
        standing = [Counted(e["id"], e["start"], i) for i, e in enumerate(self.episodes)
                    if not e.get("merged_into")]
        windows = strategy_windows(standing, STRATEGY_WINDOW, STRATEGY_EPISODES)
        changes = []
        for e in self.episodes:
            if e.get("merged_into"):
                continue
            held = [f for f in e["flags"] if f["rule"] == MissingRule.STRATEGY_MEETING.value]
            counted = windows[e["id"]]
            new = Flag(MissingRule.STRATEGY_MEETING,
                       held[0]["version"] if held
                       else RULE_VERSIONS[MissingRule.STRATEGY_MEETING],
                       counted).as_data() if counted else None
            if held != ([new] if new else []):
                changes.append({"episode": e["id"], "flag": new})
        pending = self.pending_strategy_meeting
        answered = {e for m in self.strategy_meetings if m["held"] for e in m["episodes"]}
        still = {e["id"] for e in self.episodes if not e.get("merged_into")
                 and windows.get(e["id"])} - answered
        withdrawn = pending["id"] if pending is not None and not still else None
        if changes or withdrawn is not None:
            self._strategy_redecided(changes, withdrawn, at)
        self.raise_strategy_meeting(meeting_id, at, due_from)

    def hold_strategy_meeting(self, held_at: datetime, participants: list[str],
                              outcome: StrategyOutcome, note: str | None,
                              by: dict[str, str], at: datetime,
                              absent: list[str] | None = None) -> UUID:
        """Record the due strategy meeting held; returns its id."""
        meeting = self.pending_strategy_meeting
        if meeting is None:
            raise RuleViolation("no strategy meeting is due for this child")
        if held_at < meeting["flagged_at"]:
            raise InvalidContent("held_at", "a strategy meeting is held after it falls due")
        if held_at > at:
            raise InvalidContent("held_at", "must not be in the future")
        agencies = list(dict.fromkeys(participants))
        if len(agencies) < 2:
            raise InvalidContent("participants", "a strategy meeting is multi-agency: name "
                                 "two or more agencies")
        said = _text(note, "note", required=False)
        self._strategy_held(meeting["id"], held_at, agencies, outcome.value,
                            Personal(self.child_id, "strategy_meeting_note", said)
                            if said else None, by, at, absent)
        return UUID(str(meeting["id"]))

    @staticmethod
    def strategy_overdue(meeting: dict[str, Any], now: datetime) -> bool:
        held = meeting["held"]
        return bool((held["at"] if held else now) > meeting["due"])

    # Return home interviews ----------------------------------------------------------------

    class InterviewRecorded(Aggregate.Event):
        class_version = 2
        episode_id: UUID
        step: str
        at: datetime
        by: dict[str, str]
        independent: bool | None
        reason: Personal | None
        # held: what the interview learned (``INTERVIEW_FIELDS``, each sealed under the
        # child's key) and the exploitation indicators it found (codes)
        content: dict[str, Personal] | None
        indicators: list[str]

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """Steps recorded before an interview's content was: none recorded."""
            state["content"] = None
            state["indicators"] = []

    @event(InterviewRecorded)
    def _interview(self, episode_id: UUID, step: str, at: datetime, by: dict[str, str],
                   independent: bool | None, reason: Personal | None,
                   content: dict[str, Personal] | None, indicators: list[str]) -> None:
        self.episode(episode_id)["interview"].append(
            {"step": step, "at": at, "by": by, "independent": independent, "reason": reason,
             "content": dict(content) if content else None, "indicators": list(indicators)})

    def record_interview(self, episode_id: UUID, step: InterviewStep, at: datetime,
                         by: dict[str, str], independent: bool | None = None,
                         reason: str | None = None,
                         content: Mapping[str, str | None] | None = None,
                         indicators: list[str] | None = None) -> None:
        """A step of the interview; a held one may say what it learned (sealed) and the
        exploitation indicators it found."""
        episode = self.episode(episode_id)
        if episode["end"] is None or episode["interview_due"] is None:
            raise RuleViolation("a return home interview follows a return; this episode "
                                "has none")
        done = [s["step"] for s in episode["interview"]]
        if any(InterviewStep(s).settles for s in done):
            raise RuleViolation("this episode's interview is already settled")
        if step in (InterviewStep.ACCEPTED, InterviewStep.DECLINED) \
                and InterviewStep.OFFERED.value not in done:
            raise RuleViolation("the interview must be offered before it is accepted or "
                                "declined")
        if step is InterviewStep.OFFERED and InterviewStep.OFFERED.value in done:
            raise RuleViolation("the interview has already been offered")
        if step is InterviewStep.HELD:
            if independent is not True:
                raise InvalidContent("independent", "a return home interview is held by "
                                     "someone independent of the child's care")
            if at < episode["end"]:
                raise InvalidContent("at", "an interview is held after the return")
        said = {k: v for k, v in (content or {}).items() if v is not None}
        if (said or indicators) and step is not InterviewStep.HELD:
            raise InvalidContent("step", "what an interview learned is recorded when it is "
                                 "held")
        note = _text(reason, "reason", required=step is InterviewStep.NOT_HELD)
        self._interview(episode_id, step.value, at, by,
                        independent if step is InterviewStep.HELD else None,
                        Personal(self.child_id, "interview_reason", note) if note else None,
                        interview_content(self.child_id, said) or None,
                        check_indicators(list(indicators or [])))

    @staticmethod
    def interview_settled(episode: dict[str, Any]) -> datetime | None:
        """When the interview's clock stopped (held, declined or decided against), if it has."""
        return next((s["at"] for s in episode["interview"] if InterviewStep(s["step"]).settles),
                    None)

    @classmethod
    def interview_overdue(cls, episode: dict[str, Any], now: datetime) -> bool:
        due = episode["interview_due"]
        if due is None:
            return False
        settled = cls.interview_settled(episode)
        return bool((settled or now) > due)

    @staticmethod
    def priority(episode: dict[str, Any]) -> bool:
        return any(f["rule"] in (MissingRule.PRIORITY_OVER_24_HOURS.value,
                                 MissingRule.PRIORITY_REPEAT_EPISODE.value)
                   for f in episode["flags"])

    # Corrections by the missing team ---------------------------------------------------------

    def live(self, episode_id: UUID) -> dict[str, Any]:
        """An episode that stands (not merged into another)."""
        episode = self.episode(episode_id)
        if episode.get("merged_into"):
            raise RuleViolation("that episode was merged into another")
        return episode

    def _overlapping(self, start: datetime, end: datetime | None,
                     *ignore: UUID) -> bool:
        far = datetime.max.replace(tzinfo=start.tzinfo)
        return any(start < (e["end"] or far) and e["start"] < (end or far)
                   for e in self.episodes
                   if e["id"] not in ignore and not e.get("merged_into"))

    def _correction(self, episode: dict[str, Any], kind: str, reason: Personal,
                    by: dict[str, str], at: datetime, previous: dict[str, Any],
                    **more: Any) -> None:
        episode["corrections"] = [*episode.get("corrections", []), {
            "kind": kind, "reason": reason, "by": by, "at": at, "previous": previous,
            **more}]

    def _reason(self, why: str) -> Personal:
        said = _text(why, "reason", required=True) or ""
        if len(said) < 10:
            raise InvalidContent("reason", "give the reason in a sentence (10 or more "
                                 "characters)")
        return Personal(self.child_id, "episode_correction", said)

    @staticmethod
    def _long_flags(episode_id: UUID, start: datetime, end: datetime | None,
                    flags: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The flags with the over-24-hours rule re-decided on corrected times."""
        kept = [f for f in flags if f["rule"] != MissingRule.PRIORITY_OVER_24_HOURS.value]
        fired = flags_on_return(episode_id, start, end) if end is not None else []
        return [*kept, *(f.as_data() for f in fired)]

    class EpisodeTimesCorrected(Aggregate.Event):
        """The missing team corrected when an episode began or ended, with a reason; the
        interview's deadline follows the corrected return."""

        class_version = 1
        episode_id: UUID
        start: datetime
        end: datetime | None
        interview_due: datetime | None
        flags: list[dict[str, Any]]
        previous: dict[str, Any]  # start, end, interview_due
        reason: Personal
        by: dict[str, str]
        at: datetime

    @event(EpisodeTimesCorrected)
    def _correct_times(self, episode_id: UUID, start: datetime, end: datetime | None,
                       interview_due: datetime | None, flags: list[dict[str, Any]],
                       previous: dict[str, Any], reason: Personal, by: dict[str, str],
                       at: datetime) -> None:
        episode = self.episode(episode_id)
        episode.update(start=start, end=end, interview_due=interview_due, flags=list(flags))
        self._correction(episode, "times", reason, by, at, previous)

    def correct_times(self, episode_id: UUID, start: datetime | None, end: datetime | None,
                      why: str, by: dict[str, str], at: datetime,
                      interview_within: timedelta) -> None:
        episode = self.live(episode_id)
        if end is not None and episode["end"] is None:
            raise RuleViolation("the episode is open: a 'found' report ends it")
        new_start, new_end = start or episode["start"], end or episode["end"]
        if (new_start, new_end) == (episode["start"], episode["end"]):
            raise RuleViolation("the correction changes nothing of the episode's times")
        if new_start > at:
            raise InvalidContent("start", "must not be in the future")
        if new_end is not None and new_end <= new_start:
            raise InvalidContent("end", "must be after the start")
        if new_end is not None and new_end > at:
            raise InvalidContent("end", "must not be in the future")
        if self._overlapping(new_start, new_end, episode_id):
            raise RuleViolation("the corrected times overlap another of the child's episodes")
        due = episode["interview_due"]
        if due is not None and new_end is not None:
            due = new_end + interview_within
        self._correct_times(episode_id, new_start, new_end, due,
                            self._long_flags(episode_id, new_start, new_end,
                                             episode["flags"]),
                            {"start": episode["start"], "end": episode["end"],
                             "interview_due": episode["interview_due"]},
                            self._reason(why), by, at)

    class EpisodesMerged(Aggregate.Event):
        """Two episodes were one: the later (``absorbed``) joins the earlier
        (``episode_id``), which now ends when the later ended, with its interview."""

        class_version = 1
        episode_id: UUID
        absorbed: UUID
        end: datetime | None
        ended_by: str | None
        interview_due: datetime | None
        flags: list[dict[str, Any]]
        previous: dict[str, Any]  # the earlier's end, ended_by, interview_due
        reason: Personal
        by: dict[str, str]
        at: datetime

    @event(EpisodesMerged)
    def _merge(self, episode_id: UUID, absorbed: UUID, end: datetime | None,
               ended_by: str | None, interview_due: datetime | None,
               flags: list[dict[str, Any]], previous: dict[str, Any], reason: Personal,
               by: dict[str, str], at: datetime) -> None:
        kept, gone = self.episode(episode_id), self.episode(absorbed)
        kept.update(end=end, ended_by=ended_by, interview_due=interview_due,
                    flags=list(flags), interview=list(gone["interview"]),
                    reports=list(dict.fromkeys([*kept["reports"], *gone["reports"]])))
        gone["merged_into"] = episode_id
        self._correction(kept, "merge", reason, by, at, previous, other=absorbed)
        self._correction(gone, "merged-into", reason, by, at, {}, other=episode_id)

    def merge_episodes(self, first: UUID, second: UUID, why: str, by: dict[str, str],
                       at: datetime) -> UUID:
        """Merge two of the child's episodes, one after the other with none between, of the
        same type and from the same place (and placing authority), into the earlier; returns
        its id."""
        if first == second:
            raise RuleViolation("an episode cannot be merged with itself")
        a, b = sorted((self.live(first), self.live(second)), key=lambda e: e["start"])
        if a["type"] != b["type"]:
            raise RuleViolation("an away episode and a missing one are two episodes")
        if not same_place(a, b):  # else one authority's interview would become another's
            raise RuleViolation("episodes from different places (home, care, another "
                                "placing authority) are two episodes")
        if a["end"] is None:
            raise RuleViolation("the earlier episode is still open")
        between = [e for e in self.episodes if not e.get("merged_into")
                   and e["id"] not in (a["id"], b["id"]) and a["start"] < e["start"] < b["start"]]
        if between:
            raise RuleViolation("only episodes next to each other can be merged")
        reports = [*a["reports"], *b["reports"]]
        self._merge(a["id"], b["id"], b["end"], b["ended_by"], b["interview_due"],
                    self._long_flags(a["id"], a["start"], b["end"],
                                     [*a["flags"], *(f for f in b["flags"]
                                                     if f not in a["flags"])]),
                    {"end": a["end"], "ended_by": a["ended_by"],
                     "interview_due": a["interview_due"], "reports": len(reports)},
                    self._reason(why), by, at)
        return UUID(str(a["id"]))

    class EpisodeSplit(Aggregate.Event):
        """One episode was two: the child came back at ``returned_at`` and left again at
        ``left_again_at``. The first part keeps the id and ends at the return (its own
        interview due); the second (``new_episode_id``) carries the rest, with the original
        end and interview."""

        class_version = 1
        episode_id: UUID
        new_episode_id: UUID
        returned_at: datetime
        ended_by: str
        interview_due: datetime | None  # none for a child missing from education
        left_again_at: datetime
        first_flags: list[dict[str, Any]]
        second_flags: list[dict[str, Any]]
        reason: Personal
        by: dict[str, str]
        at: datetime

    @event(EpisodeSplit)
    def _split(self, episode_id: UUID, new_episode_id: UUID, returned_at: datetime,
               ended_by: str, interview_due: datetime | None, left_again_at: datetime,
               first_flags: list[dict[str, Any]], second_flags: list[dict[str, Any]],
               reason: Personal, by: dict[str, str], at: datetime) -> None:
        first = self.episode(episode_id)
        second = {**first, "id": new_episode_id, "start": left_again_at,
                  "reports": list(first["reports"]), "split_from": episode_id,
                  "flags": list(second_flags), "interview": list(first["interview"]),
                  "corrections": []}
        previous = {"end": first["end"], "ended_by": first["ended_by"],
                    "interview_due": first["interview_due"]}
        first.update(end=returned_at, ended_by=ended_by, interview_due=interview_due,
                     flags=list(first_flags), interview=[])
        self._correction(first, "split", reason, by, at, previous, other=new_episode_id)
        self._correction(second, "split-from", reason, by, at, {}, other=episode_id)
        place = next(i for i, e in enumerate(self.episodes) if e["id"] == episode_id)
        self.episodes.insert(place + 1, second)

    def split_episode(self, episode_id: UUID, new_id: UUID, returned_at: datetime,
                      left_again_at: datetime, ended_by: EpisodeEnd, why: str,
                      by: dict[str, str], at: datetime, interview_within: timedelta) -> None:
        episode = self.live(episode_id)
        if ended_by is EpisodeEnd.BECAME_MISSING:
            raise InvalidContent("ended_by", "the first part ends found or returned")
        if not episode["start"] < returned_at <= left_again_at:
            raise InvalidContent("returned_at", "the return falls after the start and before "
                                 "leaving again")
        if left_again_at > at:
            raise InvalidContent("left_again_at", "must not be in the future")
        if episode["end"] is not None and left_again_at >= episode["end"]:
            raise InvalidContent("left_again_at", "must be before the episode's end")
        self._split(episode_id, new_id, returned_at, ended_by.value,
                    returned_at + interview_within if self.interview_follows(episode)
                    else None, left_again_at,
                    self._long_flags(episode_id, episode["start"], returned_at,
                                     episode["flags"]),
                    self._long_flags(new_id, left_again_at, episode["end"], []),
                    self._reason(why), by, at)
