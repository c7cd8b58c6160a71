"""The missing-children team's work: episodes from police (and care providers') 'missing' and
'found' reports, and a return home interview after every return.

A report updates the child's missing record in the same atomic save as the notification
(``on_received``), over HTTP or Kafka, and the child's allocated worker, if any, is named on
the episode as informed (the relay tells their systems; ``alerts`` lists it for them).
"""

from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate

from domain.access import DataClass, Purpose, Visibility
from domain.audit import AuditKind
from domain.errors import DomainError, InvalidContent
from domain.front_door import Allocation, allocation_id
from domain.missing import (
    EpisodeEnd,
    EpisodeType,
    InterviewStep,
    MissingRecord,
    StrategyOutcome,
    episode_start,
    record_id,
)
from domain.missing_practice import (
    MissingFrom,
    absent_agencies,
    placing_authority_from,
    responsible_authority,
)
from domain.notifications import (
    EpisodeReport,
    Notification,
    NotificationSubmission,
    NotificationType,
)
from domain.people import PersonRecord
from domain.timescales import in_utc
from hub.access import HUB_OWNER
from hub.audit.shown import Shown, disclose
from hub.audit.trail import AuditTrail
from hub.capabilities import Requirement, parse_enum
from hub.errors import NotEntitled, NotFound
from hub.missing_placed import placed_breaches, placed_queue, social_worker_history
from hub.missing_views import episode_view, meeting_view
from hub.projections.work_index import WorkIndex
from hub.registry import Caller, Registry
from hub.relationships import accept_involvement
from hub.store import HubStore
from hub.timescales import Timescales
from policies.decision_point import CapabilityPolicy

_REPORTS = {NotificationType.MISSING.value, NotificationType.FOUND.value}


class MissingChildren:
    def __init__(self, store: HubStore, capabilities: CapabilityPolicy, audit: AuditTrail,
                 timescales: Timescales, work: WorkIndex,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC), *,
                 registry: Registry | None = None) -> None:
        self._store = store
        self._registry = registry
        self._capabilities = capabilities
        self._audit = audit
        self.require = Requirement(capabilities, audit)
        self.timescales = timescales
        self.work = work
        self._clock = clock

    # At intake ---------------------------------------------------------------------------

    def on_received(self, notification: Notification, submission: NotificationSubmission,
                    people: list[PersonRecord]) -> list[Aggregate]:
        """Each child's missing record, with the report applied (none for other types). The
        child's age band is taken from the report's date of birth (never decrypted here)."""
        if notification.notification_type not in _REPORTS:
            return []
        report = submission.details.episode or EpisodeReport()  # validation fills it in
        self._check_placing(report.placing_authority)  # refused whole, before any record
        born = {p.id: s.date_of_birth for s, p in zip(submission.subjects, people, strict=False)
                if s.is_child}
        records: list[Aggregate] = []
        for child_id in dict.fromkeys(notification.child_ids):
            try:
                records.append(self._apply(notification, report, child_id,
                                           born.get(child_id)))
            except DomainError as error:  # never lose a report: store it, flag the conflict
                record = self._fresh(child_id)
                record.report_not_applied(notification.id, notification.notification_type,
                                          str(error), notification.received_at)
                records.append(record)
        return records

    def _check_placing(self, agency_id: str | None) -> None:
        """A placing authority is a registered local authority's children's social care."""
        if agency_id is not None and self._registry_kind(agency_id) != "mash":
            raise InvalidContent("details.episode.placing_authority", "must be a registered "
                                 "local authority's children's social care (kind mash)")

    def _fresh(self, child_id: UUID) -> MissingRecord:
        return (self._store.find(record_id(child_id), MissingRecord)
                or MissingRecord(child_id=child_id))

    def _apply(self, notification: Notification, report: EpisodeReport, child_id: UUID,
               date_of_birth: date | None = None) -> MissingRecord:
        record = self._fresh(child_id)
        informed = self._allocated(child_id)
        where = MissingFrom(report.missing_from) if report.missing_from else None
        placed = placing_authority_from(self._registry_kind(notification.source_agency),
                                        report.placing_authority)
        if notification.notification_type == NotificationType.MISSING.value:
            record.report_missing(
                uuid4(), EpisodeType(report.type or EpisodeType.MISSING.value),
                episode_start(notification.occurred_at, report.left_at, report.last_seen_at),
                notification.id, notification.source_agency, informed, date_of_birth,
                where, placed)
        else:
            known = [t for t in (report.left_at, report.last_seen_at) if t is not None]
            record.report_return(
                uuid4(), notification.occurred_at, EpisodeEnd(report.ended or "found"),
                notification.id, notification.source_agency, max(known) if known else None,
                informed, interview_within=self.timescales.interview_within,
                date_of_birth=date_of_birth, missing_from=where,
                placing_authority=placed)
        # A strategy-meeting flag (3 or more episodes in 30 days) makes a meeting due.
        record.raise_strategy_meeting(uuid4(), notification.received_at,
                                      self.timescales.strategy_meeting_due)
        return record

    def _allocated(self, child_id: UUID) -> dict[str, str] | None:
        allocation = self._store.find(allocation_id(child_id), Allocation)
        return allocation.worker if allocation is not None else None

    def _registry_kind(self, agency_id: str) -> str | None:
        """The registered agency's kind (None if not registered, or no registry)."""
        return self._registry.kind_of(agency_id) if self._registry is not None else None

    # Views -------------------------------------------------------------------------------

    def _record_of(self, episode_id: UUID) -> MissingRecord:
        self.work.catch_up()
        state = self.work.episodes.get(episode_id)
        record = (self._store.find(state.record_id, MissingRecord)
                  if state is not None else None)
        if record is None:
            raise NotFound("no such missing episode")
        return record

    def responsible(self, episode: dict[str, Any]) -> str | None:
        """The placing authority answering for the episode's interview; None: the area's."""
        return responsible_authority(episode.get("missing_from"),
                                     episode.get("placing_authority"),
                                     self.timescales.missing_own_authority)

    def _view(self, record: MissingRecord, episode: dict[str, Any], now: datetime,
              content: bool | None = None) -> dict[str, Any]:
        """The episode; the interview's content for the team where the interview is the
        area's (``content`` None), never where a placing authority answers for it."""
        return episode_view(record, episode, now,
                            self.responsible(episode) is None if content is None else content)

    def _active(self) -> list[tuple[MissingRecord, dict[str, Any]]]:
        self.work.catch_up()
        found: list[tuple[MissingRecord, dict[str, Any]]] = []
        records: dict[UUID, MissingRecord | None] = {}
        for episode_id, state in list(self.work.episodes.items()):
            if not state.active:
                continue
            if state.record_id not in records:
                records[state.record_id] = self._store.find(state.record_id, MissingRecord)
            record = records[state.record_id]
            if record is not None:
                found.append((record, record.episode(episode_id)))
        return found

    def _disclose(self, caller: Caller, action: str,
                  shown: list[tuple[MissingRecord, dict[str, Any]]], *,
                  ground: str = "missing-children-function",
                  rule: str = "capability:read-missing-queue",
                  reports: list[Shown] | None = None, about: list[UUID] | None = None,
                  purpose: Purpose = Purpose.MISSING, case_ref: str | None = None) -> None:
        """Audit a read of whole episodes (every view shows an episode in full): each is the
        reporting agency's record (missing-episode), about its child."""
        episodes = [Shown(e["id"], "missing-episode", e["reported_by"] or HUB_OWNER,
                          r.child_id, (DataClass.MISSING_EPISODE,), ground, rule)
                    for r, e in shown]
        disclose(self._audit, caller, action, [*episodes, *(reports or [])],
                 purpose=purpose.value, case_ref=case_ref, about=about or [],
                 details={"missing_episodes": [str(e["id"]) for _, e in shown]})

    def queue(self, caller: Caller) -> dict[str, Any]:
        """Children missing now (longest first), and interviews due (the oldest deadline
        first, priority cases first among equals); ``hosted``, interviews a placing authority
        answers for (when due, never what was said). A placing authority's own queue instead
        for its children's social care (``hub.missing_placed``)."""
        if self._placed_reader(caller):
            return placed_queue(self, caller)
        self.require(caller, "read-missing-queue", "read-missing-queue")
        now = self._clock()
        active = self._active()
        missing = sorted((a for a in active if a[1]["end"] is None),
                         key=lambda a: (a[1]["start"], str(a[1]["id"])))
        returned = sorted((a for a in active if a[1]["end"] is not None),
                          key=lambda a: (a[1]["interview_due"],
                                         not MissingRecord.priority(a[1]), str(a[1]["id"])))
        interviews = [a for a in returned if self.responsible(a[1]) is None]
        hosted = [a for a in returned if self.responsible(a[1]) is not None]
        unreconciled = self._unreconciled()
        meetings = self._strategy_due()
        self._disclose(caller, "read-missing-queue", missing + interviews + hosted, reports=[
            *(self._report_shown(r.child_id, u["report"]) for r, u in unreconciled),
            *(self._meeting_shown(r, m) for r, m in meetings)])
        return {"at": now.isoformat(),
                "missing": [self._view(r, e, now) for r, e in missing],
                "interviews": [self._view(r, e, now) for r, e in interviews],
                "hosted": [self._view(r, e, now) for r, e in hosted],
                "strategy_meetings": [meeting_view(r, m, now) for r, m in meetings],
                "to_reconcile": [{"child_id": str(r.child_id), "report": str(u["report"]),
                                  "type": u["type"], "reason": u["reason"],
                                  "at": u["at"].isoformat()} for r, u in unreconciled]}

    def _unreconciled(self) -> list[tuple[MissingRecord, dict[str, Any]]]:
        """Reports that contradicted a child's record, for the team to put right by hand."""
        records = [r for i in sorted(self.work.unreconciled, key=str)
                   if (r := self._store.find(i, MissingRecord)) is not None]
        return [(r, u) for r in records for u in r.to_reconcile]

    def _strategy_due(self) -> list[tuple[MissingRecord, dict[str, Any]]]:
        """Strategy meetings due and not yet held, the earliest deadline first."""
        self.work.catch_up()
        records: dict[UUID, MissingRecord | None] = {}
        found = []
        for meeting_id, rid in list(self.work.strategy_meetings.items()):
            if rid not in records:
                records[rid] = self._store.find(rid, MissingRecord)
            record = records[rid]
            if record is not None:
                meeting = record.strategy_meeting(meeting_id)
                if meeting["held"] is None and not meeting.get("withdrawn"):
                    found.append((record, meeting))
        return sorted(found, key=lambda a: (a[1]["due"], str(a[1]["id"])))

    @staticmethod
    def _meeting_shown(record: MissingRecord, meeting: dict[str, Any]) -> Shown:
        return Shown(meeting["id"], "missing-strategy-meeting", HUB_OWNER, record.child_id,
                     (DataClass.MISSING_EPISODE,), "missing-children-function",
                     "capability:read-missing-queue", Visibility.SUMMARY.value)

    def _report_shown(self, child_id: UUID, report: UUID) -> Shown:
        """A report listed to reconcile: its id, type and time, the sending agency's record."""
        source = self.work.source(report)
        return Shown(report, "missing-report", source.agency if source else HUB_OWNER,
                     child_id, (DataClass.MISSING_EPISODE,), "missing-children-function",
                     "capability:read-missing-queue", Visibility.SUMMARY.value)

    def reconcile(self, caller: Caller, child_id: UUID, report: UUID,
                  note: str) -> dict[str, Any]:
        """Record how a contradicting report was put right; it leaves the queue."""
        self.require(caller, "record-return-interview", "reconcile-missing-report",
                     [child_id])
        at = self._clock()

        def attempt() -> MissingRecord:
            record = self._store.find(record_id(child_id), MissingRecord)
            if record is None:
                raise NotFound("no missing record for this child")
            record.reconcile(report, note, caller.as_actor(), at)
            self._store.save(record)
            return record

        self._store.write(attempt)
        self._audit.record(kind=AuditKind.MISSING, action="reconcile-missing-report",
                           actor=caller.as_actor(), purpose=Purpose.MISSING.value,
                           child_ids=[child_id], details={"report": str(report)})
        return {"child_id": str(child_id), "report": str(report), "reconciled_at":
                at.isoformat()}

    def breaches(self, caller: Caller) -> dict[str, Any]:
        """Interviews past their deadline and not yet held, declined or decided against: the
        area's (a placing authority's are on its own list)."""
        if self._placed_reader(caller):
            return placed_breaches(self, caller)
        self.require(caller, "read-missing-queue", "read-missing-breaches")
        now = self._clock()
        late = sorted(((r, e) for r, e in self._active()
                       if MissingRecord.interview_overdue(e, now)
                       and self.responsible(e) is None),
                      key=lambda a: (a[1]["interview_due"], str(a[1]["id"])))
        meetings = [(r, m) for r, m in self._strategy_due()
                    if MissingRecord.strategy_overdue(m, now)]
        self._disclose(caller, "read-missing-breaches", late,
                       reports=[self._meeting_shown(r, m) for r, m in meetings])
        return {"at": now.isoformat(), "interviews": [
            {**self._view(r, e, now),
             "overdue_hours": round((now - e["interview_due"]).total_seconds() / 3600, 1)}
            for r, e in late],
            "strategy_meetings": [meeting_view(r, m, now) for r, m in meetings]}

    def _for_missing(self, caller: Caller, purpose: Purpose, case_ref: str | None,
                     action: str, people: list[UUID]) -> None:
        """The team's reads of episodes are for the purpose 'missing' (a refusal audited)."""
        if purpose is not Purpose.MISSING:
            self._audit.record(kind=AuditKind.DENIAL, action=action, actor=caller.as_actor(),
                               purpose=purpose.value, case_ref=case_ref, child_ids=people,
                               details={"outcome": "purpose other than missing"})
            raise NotEntitled("missing episodes are read for the purpose 'missing'")

    def episode(self, caller: Caller, episode_id: UUID, purpose: Purpose = Purpose.MISSING,
                case_ref: str | None = None) -> dict[str, Any]:
        self.require(caller, "read-missing-queue", "read-missing-episode")
        record = self._record_of(episode_id)
        self._for_missing(caller, purpose, case_ref, "read-missing-episode", [record.child_id])
        episode = record.episode(episode_id)
        self._disclose(caller, "read-missing-episode", [(record, episode)], purpose=purpose,
                       case_ref=case_ref)
        return self._view(record, episode, self._clock())

    def history(self, caller: Caller, child_id: UUID, purpose: Purpose = Purpose.MISSING,
                case_ref: str | None = None) -> dict[str, Any]:
        """A child's episodes, newest first. For the child's social worker (allocated) or
        placing authority: those it answers for, with what the interviews learned
        (``hub.missing_placed``)."""
        if self._placed_reader(caller):
            return social_worker_history(self, caller, child_id, purpose, case_ref)
        self.require(caller, "read-missing-queue", "read-missing-history", [child_id])
        self._for_missing(caller, purpose, case_ref, "read-missing-history", [child_id])
        record = self._store.find(record_id(child_id), MissingRecord)
        episodes = list(reversed(record.episodes)) if record is not None else []
        shown = [(record, e) for e in episodes] if record is not None else []
        self._disclose(caller, "read-missing-history", shown, about=[child_id],
                       purpose=purpose, case_ref=case_ref)
        now = self._clock()
        return {"child_id": str(child_id),
                "episodes": [self._view(r, e, now) for r, e in shown]}

    def alerts(self, caller: Caller, purpose: Purpose = Purpose.MISSING) -> dict[str, Any]:
        """Episodes of the children allocated to the caller, newest first, while active."""
        now = self._clock()
        mine = sorted(((r, e) for r, e in self._active()
                       if (e["informed"] or {}).get("user_id") == str(caller.user_id)
                       and (self._allocated(r.child_id) or {}).get("user_id")
                       == str(caller.user_id)),  # still theirs
                      key=lambda a: a[1]["start"], reverse=True)
        self._disclose(caller, "read-allocated-worker-alerts", mine, ground="allocated-worker",
                       rule="allocation:allocated-worker", purpose=purpose)
        return {"items": [self._view(r, e, now, content=True) for r, e in mine]}

    # The return home interview --------------------------------------------------------------

    def record_interview(self, caller: Caller, episode_id: UUID, step: str,
                         at: datetime | None, independent: bool | None,
                         reason: str | None, content: Mapping[str, str | None] | None = None,
                         indicators: list[str] | None = None) -> dict[str, Any]:
        """A step of the interview, by the missing team or, for a child it placed, the
        placing authority; a held one may say what it learned (sealed under the child's key)
        and the exploitation indicators found (codes). The answer shows the content to the
        one who recorded it."""
        chosen = parse_enum(InterviewStep, step, "step")
        now = self._clock()
        if at is not None and at.tzinfo is None:
            raise InvalidContent("at", "must carry a time zone")
        when = in_utc(at or now, "at")
        if when > now + timedelta(minutes=5):
            raise InvalidContent("at", "must not be in the future")

        record = self._record_of(episode_id)
        capability = self._interview_capability(caller, record, record.episode(episode_id))
        record.live(episode_id)  # an episode merged into another has no interview of its own

        def attempt() -> MissingRecord:
            current = self._store.find(record.id, MissingRecord) or record
            current.record_interview(episode_id, chosen, when, caller.as_actor(),
                                     independent, reason, content, indicators)
            # The missing team has taken the episode up: its reporters are involved.
            accepted: list[PersonRecord] = []
            for report in current.episode(episode_id)["reports"]:
                accepted += accept_involvement(self._store, [current.child_id], report,
                                               caller.as_actor(), now, loaded=accepted)
            self._store.save(current, *accepted)
            return current

        saved = self._store.write(attempt)
        episode = saved.episode(episode_id)
        disclose(self._audit, caller, "record-return-interview", [
            Shown(episode_id, "missing-episode", episode["reported_by"] or HUB_OWNER,
                  saved.child_id, (DataClass.MISSING_EPISODE,),
                  "missing-children-function" if capability == "record-return-interview"
                  else "local-authority-safeguarding-duty", f"capability:{capability}")],
            purpose=Purpose.MISSING.value, kind=AuditKind.MISSING,
            details={"episode": str(episode_id), "step": chosen.value,
                     "exploitation_indicators": episode["interview"][-1]["indicators"]})
        return self._view(saved, episode, now, content=True)

    def _placed_reader(self, caller: Caller) -> bool:
        """A placing authority's reader (not the missing team): its own queue and list."""
        return (not self._capabilities.allows(caller.agency_kind, caller.role,
                                              "read-missing-queue")
                and self._capabilities.allows(caller.agency_kind, caller.role,
                                              "read-placed-missing-interviews"))

    def _interview_capability(self, caller: Caller, record: MissingRecord,
                              episode: dict[str, Any]) -> str:
        """The missing team records any interview's steps (a placing authority may ask the
        host's team to hold one); a placing authority only those of the children it placed.
        A refusal is audited naming the child."""
        if self._capabilities.allows(caller.agency_kind, caller.role,
                                     "record-return-interview") \
                or not self._capabilities.allows(caller.agency_kind, caller.role,
                                                 "record-placed-return-interview"):
            self.require(caller, "record-return-interview", "record-return-interview",
                         [record.child_id])
            return "record-return-interview"
        if self.responsible(episode) != caller.agency_id:
            self._audit.record(kind=AuditKind.DENIAL, action="record-return-interview",
                               actor=caller.as_actor(), child_ids=[record.child_id],
                               details={"capability": "record-placed-return-interview",
                                        "outcome": "not the child's placing authority"})
            raise NotEntitled("only the authority that placed the child, or the missing team, "
                              "records this interview")
        return "record-placed-return-interview"

    # The strategy meeting ------------------------------------------------------------------

    def hold_strategy_meeting(self, caller: Caller, child_id: UUID, held_at: datetime,
                              participants: list[str], outcome: str,
                              note: str | None) -> dict[str, Any]:
        """Record the child's due strategy meeting held: when, the agencies taking part
        (registered; the caller's among them) and an outcome code; a note is sealed under the
        child's key and never in the trail. It leaves the queue and the breach list."""
        chosen = parse_enum(StrategyOutcome, outcome, "outcome")
        self.require(caller, "hold-missing-strategy-meeting", "hold-missing-strategy-meeting",
                     [child_id])
        now = self._clock()
        if held_at.tzinfo is None:
            raise InvalidContent("held_at", "must carry a time zone")
        when = in_utc(held_at, "held_at")
        if when > now + timedelta(minutes=5):
            raise InvalidContent("held_at", "must not be in the future")
        agencies, kinds = [caller.agency_id], [caller.agency_kind]
        for agency_id in participants:
            kind = self._registry_kind(agency_id)
            if kind is None:
                raise InvalidContent("participants", "names an agency that is not registered")
            agencies.append(agency_id)
            kinds.append(kind)
        absent = absent_agencies(kinds)  # practice: social care, police and health

        def attempt() -> tuple[MissingRecord, UUID]:
            record = self._store.find(record_id(child_id), MissingRecord)
            if record is None:
                raise NotFound("no missing record for this child")
            meeting_id = record.hold_strategy_meeting(min(when, now), agencies, chosen, note,
                                                      caller.as_actor(), now, absent)
            self._store.save(record)
            return record, meeting_id

        saved, meeting_id = self._store.write(attempt)
        meeting = saved.strategy_meeting(meeting_id)
        self._audit.record(kind=AuditKind.MISSING, action="hold-missing-strategy-meeting",
                           actor=caller.as_actor(), purpose=Purpose.MISSING.value,
                           child_ids=[child_id],
                           details={"meeting": str(meeting_id), "outcome": chosen.value,
                                    "participants": meeting["held"]["participants"],
                                    "absent": absent,
                                    "late": MissingRecord.strategy_overdue(meeting, now)})
        return meeting_view(saved, meeting, now)

    # Corrections by the missing team -------------------------------------------------------

    def _correct(self, caller: Caller, episode_id: UUID, kind: str,
                 change: Callable[[MissingRecord, datetime], list[UUID]]) -> dict[str, Any]:
        """Apply one correction to a child's episodes (``change`` returns the episodes it
        leaves standing, to answer with), audited naming the child; the reason is sealed
        under the child's key and never in the trail. The 3-in-30 rule is decided again on
        the episodes as they now stand: a strategy meeting due that no flag calls for any more
        is withdrawn, and one newly called for falls due."""
        record = self._record_of(episode_id)
        self.require(caller, "correct-missing-episode", "correct-missing-episode",
                     [record.child_id])
        now = self._clock()

        def attempt() -> tuple[MissingRecord, list[UUID], dict[str, str]]:
            current = self._store.find(record.id, MissingRecord) or record
            answer = change(current, now)
            before = current.pending_strategy_meeting
            current.redecide_strategy_meeting(uuid4(), now,
                                              self.timescales.strategy_meeting_due)
            after = current.pending_strategy_meeting
            meeting = ({"strategy_meeting_withdrawn": str(before["id"])}
                       if before is not None and after is None else
                       {"strategy_meeting_due": str(after["id"])}
                       if after is not None and before is None else {})
            self._store.save(current)
            return current, answer, meeting

        saved, answer, meeting = self._store.write(attempt)
        episodes = [saved.episode(i) for i in answer]
        disclose(self._audit, caller, "correct-missing-episode", [
            Shown(e["id"], "missing-episode", e["reported_by"] or HUB_OWNER, saved.child_id,
                  (DataClass.MISSING_EPISODE,), "missing-children-function",
                  "capability:correct-missing-episode") for e in episodes],
            purpose=Purpose.MISSING.value, kind=AuditKind.MISSING,
            details={"correction": kind, "episode": str(episode_id),
                     "episodes": [str(i) for i in answer], **meeting})
        return {"items": [self._view(saved, e, now) for e in episodes]}

    def correct_times(self, caller: Caller, episode_id: UUID, start: datetime | None,
                      end: datetime | None, reason: str) -> dict[str, Any]:
        """Correct when an episode began or ended; the interview's deadline follows."""
        begun = in_utc(start, "start") if start is not None else None
        ended = in_utc(end, "end") if end is not None else None

        def change(record: MissingRecord, now: datetime) -> list[UUID]:
            record.correct_times(episode_id, begun, ended, reason, caller.as_actor(), now,
                                 self.timescales.interview_within)
            return [episode_id]

        return self._correct(caller, episode_id, "times", change)

    def merge(self, caller: Caller, episode_id: UUID, other: UUID,
              reason: str) -> dict[str, Any]:
        """Merge two of a child's episodes that were one."""
        def change(record: MissingRecord, now: datetime) -> list[UUID]:
            if other not in {e["id"] for e in record.episodes}:
                raise NotFound("no such episode of this child")
            return [record.merge_episodes(episode_id, other, reason, caller.as_actor(), now)]

        return self._correct(caller, episode_id, "merge", change)

    def split(self, caller: Caller, episode_id: UUID, returned_at: datetime,
              left_again_at: datetime, ended_by: str, reason: str) -> dict[str, Any]:
        """Split an episode that was two: the child came back, and went again."""
        end = parse_enum(EpisodeEnd, ended_by, "ended_by")
        back, again = in_utc(returned_at, "returned_at"), in_utc(left_again_at,
                                                                  "left_again_at")
        new_id = uuid4()

        def change(record: MissingRecord, now: datetime) -> list[UUID]:
            record.split_episode(episode_id, new_id, back, again, end, reason,
                                 caller.as_actor(), now, self.timescales.interview_within)
            return [episode_id, new_id]

        return self._correct(caller, episode_id, "split", change)
