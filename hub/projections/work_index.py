"""Where the work of the DART, the schools, the missing team and the MASH stands: a read model of
the log, kept in memory.

It follows the store's log (only the topics it needs, through the one log follower,
``hub.ports.EventLog``) from where it last read, on every query, so every process sees what any
process has stored; the aggregates stay the truth and are loaded for anything shown. It holds
ids, deadlines and states, never personal data.

It also remembers, once looked up, which agency sent a notification and of what type (facts
that never change), so that a queue can name the owner of each record it shows without
loading the incident again on every read.
"""

from dataclasses import dataclass, field
from datetime import datetime
from threading import Lock
from uuid import UUID

from eventsourcing.utils import get_topic

from domain.child_in_need import ChildInNeedRecord
from domain.child_protection import ProtectionRecord
from domain.dart import DartCase
from domain.disagreement import Disagreement
from domain.encompass import EncompassNotice, NotIssued
from domain.front_door import MashContact
from domain.front_door.feedback_call import FeedbackCall, declines
from domain.lawful_basis import SharingLedger
from domain.marac import MaracReferral
from domain.marac_meeting import MaracMeeting
from domain.matching import PossibleMatch
from domain.missing import InterviewStep, MissingRecord
from domain.notifications import Notification
from hub.ports import EventLog
from hub.store import HubStore

_FOLLOWED = (DartCase.Opened, DartCase.Triaged, EncompassNotice.Issued,
             EncompassNotice.Acknowledged, EncompassNotice.Escalated, MaracReferral.Made,
             MissingRecord.EpisodeStarted, MissingRecord.EpisodeEnded,
             MissingRecord.InterviewRecorded, MissingRecord.ReportNotApplied,
             MashContact.Opened, MashContact.Acknowledged, MashContact.Decided,
             MashContact.AssessmentCompleted, ProtectionRecord.InitialConferenceHeld,
             ProtectionRecord.ReviewHeld, ProtectionRecord.PlanEnded,
             Disagreement.Raised, Disagreement.Resolved, PossibleMatch.Raised,
             PossibleMatch.Decided, MashContact.DecisionCorrected,
             EncompassNotice.Redirected, MissingRecord.EpisodeTimesCorrected,
             MissingRecord.EpisodesMerged, MissingRecord.EpisodeSplit,
             DartCase.IncidentAmended, DartCase.IncidentWithdrawn,
             EncompassNotice.Withdrawn, MashContact.Closed, MashContact.Rated,
             MissingRecord.StrategyMeetingDue, MissingRecord.StrategyMeetingHeld,
             FeedbackCall.Recorded, SharingLedger.SharingDecided,
             ProtectionRecord.ConferenceChaired, ProtectionRecord.MinutesRecorded,
             ChildInNeedRecord.PlanStarted, ChildInNeedRecord.PlanEnded,
             MissingRecord.StrategyRedecided,
             MaracMeeting.Scheduled, MaracMeeting.AgenciesInvited, MaracMeeting.CaseHeard,
             MaracMeeting.ActionDone)
TOPICS = [get_topic(cls) for cls in _FOLLOWED]


@dataclass
class CaseState:
    id: UUID
    received_at: datetime
    due: datetime
    triaged: bool = False
    notification_id: UUID | None = None  # the incident
    child_ids: list[UUID] = field(default_factory=list)
    risk: str | None = None  # the DASH level known on arrival (None: none sent)
    # (child id, reason) for each child whose Encompass notice could not be sent
    not_sent: list[tuple[UUID, str]] = field(default_factory=list)


@dataclass
class NoticeState:
    id: UUID
    recipient_agency: str
    school_urn: str | None
    due: datetime
    acknowledged: bool = False
    escalated: bool = False
    notification_id: UUID | None = None  # the incident
    child_id: UUID | None = None
    issued_at: datetime | None = None
    withdrawn: bool = False  # withdrawn by the police, or redirected: owed nothing here


@dataclass
class ContactClocks:
    """A MASH contact's first two clocks: acknowledged, and decided, by when (the decision by
    its rating's deadline once rated: ``MashContact.decide_by``)."""

    acknowledge_due: datetime
    decision_due: datetime
    acknowledged: bool = False


@dataclass
class EpisodeState:
    record_id: UUID
    open: bool = True
    interview_due: datetime | None = None
    settled: bool = False

    @property
    def active(self) -> bool:
        """Work remains: the child is still missing, or the interview is not settled."""
        return self.open or (self.interview_due is not None and not self.settled)


@dataclass
class MaracActionState:
    """An action a MARAC meeting gave an agency: by when, and whether it is done."""

    id: UUID
    meeting_id: UUID
    agency: str
    due: datetime
    done: bool = False


@dataclass(frozen=True)
class Source:
    """Who sent a notification, and what type it is."""

    agency: str
    notification_type: str


@dataclass
class WorkIndex:
    store: HubStore
    log: EventLog
    cases: dict[UUID, CaseState] = field(default_factory=dict)
    notices: dict[UUID, NoticeState] = field(default_factory=dict)
    referrals: list[UUID] = field(default_factory=list)
    episodes: dict[UUID, EpisodeState] = field(default_factory=dict)
    contacts: dict[UUID, str] = field(default_factory=dict)  # id -> open, assessing, done
    contact_clocks: dict[UUID, ContactClocks] = field(default_factory=dict)
    disagreements: dict[UUID, bool] = field(default_factory=dict)  # id -> resolved
    # declined contacts whose referrer is not yet told: contact -> when it was declined
    declined: dict[UUID, datetime] = field(default_factory=dict)
    told: set[UUID] = field(default_factory=set)  # contacts whose feedback call is recorded
    # decisions a disagreement can name, to the record holding them: conference id ->
    # protection record; a decision not to share -> the child's sharing ledger
    conferences: dict[UUID, UUID] = field(default_factory=dict)
    refusals: dict[UUID, UUID] = field(default_factory=dict)
    plans: dict[UUID, bool] = field(default_factory=dict)  # protection record -> plan in force
    # protection record -> its conferences whose minutes are not yet recorded
    minutes: dict[UUID, set[UUID]] = field(default_factory=dict)
    cin_plans: dict[UUID, bool] = field(default_factory=dict)  # CIN record -> plan in force
    child_contacts: dict[UUID, list[UUID]] = field(default_factory=dict)  # child -> contacts
    unreconciled: set[UUID] = field(default_factory=set)  # missing records with a conflict
    open_matches: set[UUID] = field(default_factory=set)  # possible matches undecided
    # strategy meetings due and not yet held: meeting id -> the child's missing record
    strategy_meetings: dict[UUID, UUID] = field(default_factory=dict)
    # MARAC meetings (id -> the agencies invited) and the actions they gave agencies
    marac_meetings: dict[UUID, list[str]] = field(default_factory=dict)
    marac_actions: dict[UUID, MaracActionState] = field(default_factory=dict)
    position: int = 0
    _lock: Lock = field(default_factory=Lock)
    _sources: dict[UUID, Source] = field(default_factory=dict)

    def source(self, notification_id: UUID) -> Source | None:
        """The sender and type of a notification (loaded once, then remembered), or None if
        it is not held."""
        known = self._sources.get(notification_id)
        if known is None:
            n = self.store.find(notification_id, Notification)
            if n is None:
                return None
            known = self._sources[notification_id] = Source(n.source_agency,
                                                            n.notification_type)
        return known

    @property
    def minutes_outstanding(self) -> list[UUID]:
        """The protection records with a conference's minutes not yet recorded."""
        return [i for i, waiting in list(self.minutes.items()) if waiting]

    def catch_up(self, batch: int = 1000) -> None:
        with self._lock:
            for logged in self.log.follow(self.position, TOPICS, batch):
                for entry in logged:
                    self._apply(entry.event())
                    self.position = entry.position

    def _apply(self, e: object) -> None:
        self._note_decision(e)
        if isinstance(e, DartCase.Opened):
            self.cases[e.originator_id] = CaseState(
                e.originator_id, e.received_at, e.triage_due,
                not_sent=[(o["child_id"], o["reason"]) for o in e.encompass
                          if o["reason"] not in (None, NotIssued.OUT_OF_AGE_RANGE.value)],
                notification_id=e.notification_id, child_ids=list(e.child_ids), risk=e.risk)
        elif isinstance(e, DartCase.Triaged) and e.originator_id in self.cases:
            self.cases[e.originator_id].triaged = True
        elif isinstance(e, EncompassNotice.Issued):
            self.notices[e.originator_id] = NoticeState(
                e.originator_id, e.recipient_agency, e.school_urn, e.due_at,
                notification_id=e.notification_id, child_id=e.child_id,
                issued_at=e.issued_at)
        elif isinstance(e, EncompassNotice.Acknowledged) and e.originator_id in self.notices:
            self.notices[e.originator_id].acknowledged = True
        elif isinstance(e, EncompassNotice.Escalated) and e.originator_id in self.notices:
            self.notices[e.originator_id].escalated = True
        elif isinstance(e, EncompassNotice.Redirected) and e.originator_id in self.notices:
            self.notices[e.originator_id].withdrawn = True
        elif isinstance(e, MaracReferral.Made):
            self.referrals.append(e.originator_id)
        elif isinstance(e, PossibleMatch.Raised):
            self.open_matches.add(e.originator_id)
        elif isinstance(e, PossibleMatch.Decided):
            self.open_matches.discard(e.originator_id)
        elif isinstance(e, MissingRecord.StrategyMeetingDue):
            self.strategy_meetings[e.meeting_id] = e.originator_id
        elif isinstance(e, MissingRecord.StrategyMeetingHeld):
            self.strategy_meetings.pop(e.meeting_id, None)
        elif isinstance(e, MissingRecord.StrategyRedecided) and e.withdrawn is not None:
            self.strategy_meetings.pop(e.withdrawn, None)
        elif self._apply_correction(e) or self._apply_marac(e):
            return
        else:
            self._apply_front_door(e)

    def _note_decision(self, e: object) -> None:
        """Where a conference's decision, or a decision not to share, is held."""
        if isinstance(e, ProtectionRecord.InitialConferenceHeld | ProtectionRecord.ReviewHeld):
            self.conferences[e.conference_id] = e.originator_id
        elif isinstance(e, SharingLedger.SharingDecided) and not e.share:
            self.refusals[e.decision_id] = e.originator_id

    def _apply_correction(self, e: object) -> bool:
        """A sender's correction followed downstream (hub.corrections): a withdrawn case or
        notice leaves the queues and breach lists, a closed contact its queue."""
        if isinstance(e, DartCase.IncidentAmended) and e.originator_id in self.cases:
            case = self.cases[e.originator_id]
            case.child_ids = list(e.child_ids)
            case.not_sent = [(o["child_id"], o["reason"]) for o in e.encompass
                             if o["reason"] not in (None, NotIssued.OUT_OF_AGE_RANGE.value)]
            if e.retimed is not None:  # the DASH amended before the triage: a new clock
                case.risk, case.due = e.retimed["risk"], e.retimed["triage_due"]
        elif isinstance(e, DartCase.IncidentWithdrawn):
            self.cases.pop(e.originator_id, None)
        elif isinstance(e, EncompassNotice.Withdrawn) and e.originator_id in self.notices:
            self.notices[e.originator_id].withdrawn = True
        elif isinstance(e, MashContact.Closed):
            self.contacts[e.originator_id] = "closed"
            self.contact_clocks.pop(e.originator_id, None)
            self.declined.pop(e.originator_id, None)
        else:
            return False
        return True

    def _apply_marac(self, e: object) -> bool:
        """A MARAC meeting scheduled (or more agencies invited), its actions given, done."""
        if isinstance(e, MaracMeeting.Scheduled):
            self.marac_meetings[e.originator_id] = list(e.agencies)
        elif isinstance(e, MaracMeeting.AgenciesInvited):
            self.marac_meetings.setdefault(e.originator_id, []).extend(e.agencies)
        elif isinstance(e, MaracMeeting.CaseHeard):
            for a in e.actions:
                self.marac_actions[a["id"]] = MaracActionState(a["id"], e.originator_id,
                                                               a["agency"], a["due_at"])
        elif isinstance(e, MaracMeeting.ActionDone) and e.action_id in self.marac_actions:
            self.marac_actions[e.action_id].done = True
        else:
            return False
        return True

    def _apply_front_door(self, e: object) -> None:
        if isinstance(e, MissingRecord.EpisodeStarted):
            self.episodes[e.episode_id] = EpisodeState(e.originator_id)
        elif isinstance(e, MissingRecord.EpisodeEnded) and e.episode_id in self.episodes:
            episode = self.episodes[e.episode_id]
            episode.open, episode.interview_due = False, e.interview_due
        elif isinstance(e, MissingRecord.InterviewRecorded) and e.episode_id in self.episodes:
            if InterviewStep(e.step).settles:
                self.episodes[e.episode_id].settled = True
        elif isinstance(e, (MissingRecord.EpisodeTimesCorrected, MissingRecord.EpisodesMerged,
                            MissingRecord.EpisodeSplit)):
            self._apply_episode_correction(e)
        elif isinstance(e, MissingRecord.ReportNotApplied):
            self.unreconciled.add(e.originator_id)
        elif isinstance(e, MashContact.Opened):
            self.contacts[e.originator_id] = "open"
            for child in e.child_ids:
                self.child_contacts.setdefault(child, []).append(e.originator_id)
            self.contact_clocks[e.originator_id] = ContactClocks(e.acknowledge_due,
                                                                 e.decision_due)
        elif isinstance(e, MashContact.Rated | MashContact.Acknowledged):
            self._apply_contact_clock(e)
        elif isinstance(e, (MashContact.Decided, MashContact.DecisionCorrected,
                            FeedbackCall.Recorded)):
            self._apply_decision(e)
        elif isinstance(e, MashContact.AssessmentCompleted):
            self.contacts[e.originator_id] = "done"
        elif self._apply_plans(e):
            return
        elif isinstance(e, Disagreement.Raised):
            self.disagreements[e.originator_id] = False
        elif isinstance(e, Disagreement.Resolved):
            self.disagreements[e.originator_id] = True

    def _apply_decision(self, e: MashContact.Decided | MashContact.DecisionCorrected
                        | FeedbackCall.Recorded) -> None:
        """A decided contact is assessing or done. A declined referral's feedback clock runs
        from the decision (or from a correction that declined it) until the call is recorded;
        a correction accepting it stops it."""
        if isinstance(e, FeedbackCall.Recorded):
            self.told.add(e.contact_id)
            self.declined.pop(e.contact_id, None)
            return
        self.contacts[e.originator_id] = "assessing" if e.assessment_due else "done"
        if not declines(e.outcome):
            self.declined.pop(e.originator_id, None)
        elif e.originator_id not in self.told:
            self.declined.setdefault(e.originator_id, e.at)

    def _apply_plans(self, e: object) -> bool:
        """Plans in force (child protection, child in need), and conferences' minutes
        outstanding."""
        if isinstance(e, ProtectionRecord.InitialConferenceHeld):
            if e.plan:
                self.plans[e.originator_id] = True
        elif (isinstance(e, ProtectionRecord.ReviewHeld) and not e.plan_continues) or \
                isinstance(e, ProtectionRecord.PlanEnded):
            self.plans[e.originator_id] = False
        elif isinstance(e, ProtectionRecord.ConferenceChaired):
            self.minutes.setdefault(e.originator_id, set()).add(e.conference_id)
        elif isinstance(e, ProtectionRecord.MinutesRecorded):
            self.minutes.get(e.originator_id, set()).discard(e.conference_id)
        elif isinstance(e, ChildInNeedRecord.PlanStarted | ChildInNeedRecord.PlanEnded):
            self.cin_plans[e.originator_id] = isinstance(e, ChildInNeedRecord.PlanStarted)
        else:
            return False
        return True

    def _apply_contact_clock(self, e: MashContact.Rated | MashContact.Acknowledged) -> None:
        """A rating's deadline is the decision's from then on (``MashContact.decide_by``)."""
        clocks = self.contact_clocks.get(e.originator_id)
        if clocks is None:
            return
        if isinstance(e, MashContact.Rated):
            clocks.decision_due = e.due
        else:
            clocks.acknowledged = True

    def _apply_episode_correction(
            self, e: (MissingRecord.EpisodeTimesCorrected | MissingRecord.EpisodesMerged
                      | MissingRecord.EpisodeSplit)) -> None:
        """An episode's times corrected, two merged (the later no longer one), or one split
        in two."""
        kept = self.episodes.get(e.episode_id)
        if kept is None:
            return
        if isinstance(e, MissingRecord.EpisodeTimesCorrected):
            kept.open, kept.interview_due = e.end is None, e.interview_due
            return
        if isinstance(e, MissingRecord.EpisodesMerged):
            gone = self.episodes.get(e.absorbed)
            kept.open, kept.interview_due = e.end is None, e.interview_due
            kept.settled = gone.settled if gone is not None else False
            if gone is not None:  # still readable, no work of its own
                gone.open, gone.interview_due = False, None
            return
        self.episodes[e.new_episode_id] = EpisodeState(
            kept.record_id, kept.open, kept.interview_due, kept.settled)
        kept.open, kept.interview_due, kept.settled = False, e.interview_due, False
