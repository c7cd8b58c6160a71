"""How each event the indicators follow changes their counts (the projection's state).

Counts are kept per local day, so any period is a sum, never a scan of everything. Each item is
counted on the day its clock started (a contact on the day it arrived, a notice on the day it
was issued, an episode on the day it began), and its outcome (decided in time, acknowledged
before the school day) joins that day's counts when it happens; the items still open keep what
their outcome will be judged against.
"""

from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic

from domain.audit import AuditEntryRecorded
from domain.break_glass import BreakGlassAccess
from domain.dart import DartCase
from domain.encompass import EncompassNotice, NotIssued
from domain.front_door import MashContact, Outcome
from domain.lawful_basis import SharingLedger
from domain.marac import MaracReferral
from domain.missing import InterviewStep, MissingRecord
from domain.notifications import Notification
from hub.projections.indicator_caseload import CASELOAD_HANDLERS
from hub.projections.indicator_state import State, _at, _day, _iso

DAY_24H = 24 * 3600
# A contact is a referral to children's social care when the MASH decides it for a children's
# assessment or a strategy discussion (docs/interface.md, "The board's figures").
REFERRAL_OUTCOMES = frozenset({Outcome.ASSESSMENT.value, Outcome.STRATEGY_DISCUSSION.value})


# How each event changes the counts ----------------------------------------------------------

def _received(s: State, e: Notification.Received) -> None:
    s.add(_day(e.received_at), f"notifications:{e.notification_type}")


def _contact_opened(s: State, e: MashContact.Opened) -> None:
    day = _day(e.received_at)
    s.add(day, "contacts")
    s.add(day, f"contacts:{e.kind}")
    if e.re_referral_of:
        s.add(day, "re_referrals")
    s.open[str(e.originator_id)] = {"day": day, "ack": _iso(e.acknowledge_due),
                                    "decide": _iso(e.decision_due), "rag": None,
                                    "rag_due": None, "assessment_due": None,
                                    "children": [str(c) for c in e.child_ids]}


def _contact_rated(s: State, e: MashContact.Rated) -> None:
    """A rating's deadline is the decision's from then on (``MashContact.decide_by``): the
    "decided in time" figure and the "within RAG" figures time the same deadline."""
    item = s.open.get(str(e.originator_id))
    if item is not None:
        item.update(rag=e.rag, rag_due=_iso(e.due), decide=_iso(e.due))


def _contact_acknowledged(s: State, e: MashContact.Acknowledged) -> None:
    item = s.open.get(str(e.originator_id))
    if item is not None:
        s.add(item["day"], "acknowledged")
        if e.at <= _at(item["ack"]):
            s.add(item["day"], "acknowledged_in_time")


def _contact_decided(s: State, e: MashContact.Decided) -> None:
    key = str(e.originator_id)
    item = s.open.get(key)
    if item is None:
        return
    day = item["day"]
    s.add(day, "decided")
    if e.at <= _at(item["decide"]):
        s.add(day, "decided_in_time")
    if item["rag"] is not None:
        s.add(day, f"rag_decided:{item['rag']}")
        if e.at <= _at(item["rag_due"]):
            s.add(day, f"rag_on_time:{item['rag']}")
    s.add(day, f"outcome:{e.outcome}")
    s.add(day, f"level:{e.level}")
    if e.outcome in REFERRAL_OUTCOMES:
        _referred(s, day, item.get("children", []))
    if e.assessment_due is not None:
        s.add(day, "assessments_due")
        item["assessment_due"] = _iso(e.assessment_due)
        if e.brief_assessment_due is not None:
            s.add(day, "brief_assessments_due")
            item["brief_due"] = _iso(e.brief_assessment_due)
    else:
        del s.open[key]


def _referred(s: State, day: str, children: list[str]) -> None:
    """A referral of each child named, counted on the day the contact arrived; a re-referral
    when the child's previous referral arrived within the 12 months before."""
    this = date.fromisoformat(day)
    year_before = this.replace(year=this.year - 1) if (this.month, this.day) != (2, 29) \
        else this.replace(year=this.year - 1, day=28)
    for child in children:
        s.add(day, "referrals")
        last = s.open.get(f"referred:{child}")
        if last is not None and year_before < date.fromisoformat(last["day"]) <= this:
            s.add(day, "referrals_repeat")
        if last is None or last["day"] < day:
            s.open[f"referred:{child}"] = {"day": day}


def _brief_done(s: State, item: dict[str, Any], at: datetime) -> None:
    """The brief assessment done (once): recorded as such, or the assessment completed."""
    if item.get("brief_due") is None or item.get("brief_done"):
        return
    item["brief_done"] = True
    s.add(item["day"], "brief_assessments_completed")
    if at <= _at(item["brief_due"]):
        s.add(item["day"], "brief_assessments_in_time")


def _brief_assessment_completed(s: State, e: MashContact.BriefAssessmentCompleted) -> None:
    item = s.open.get(str(e.originator_id))
    if item is not None:
        _brief_done(s, item, e.at)


def _assessment_completed(s: State, e: MashContact.AssessmentCompleted) -> None:
    item = s.open.pop(str(e.originator_id), None)
    if item is not None:
        _brief_done(s, item, e.at)
    if item is not None and item["assessment_due"] is not None:
        s.add(item["day"], "assessments_completed")
        if e.at <= _at(item["assessment_due"]):
            s.add(item["day"], "assessments_in_time")


def _case_opened(s: State, e: DartCase.Opened) -> None:
    day = _day(e.received_at)
    s.add(day, "dart_cases")
    for outcome in e.encompass:
        reason = outcome.get("reason")
        if reason not in (None, NotIssued.OUT_OF_AGE_RANGE.value):
            s.add(day, f"encompass_not_sent:{reason}")
    s.open[str(e.originator_id)] = {"day": day, "due": _iso(e.triage_due)}


def _case_triaged(s: State, e: DartCase.Triaged) -> None:
    item = s.open.pop(str(e.originator_id), None)
    if item is None:
        return
    s.add(item["day"], "triaged")
    s.add(item["day"], f"dash:{e.dash_level}")  # the checklist's level
    s.add(item["day"], f"risk:{e.level}")  # as the DART settled it (judgement may raise it)
    if e.at <= _at(item["due"]):
        s.add(item["day"], "triaged_in_time")


def _marac(s: State, e: MaracReferral.Made) -> None:
    day = _day(e.referred_at)
    s.add(day, "marac_referrals")
    for rule in dict.fromkeys(f["rule"] for f in e.flags):
        s.add(day, f"marac:{rule}")


def _notice_issued(s: State, e: EncompassNotice.Issued) -> None:
    day = _day(e.issued_at)
    s.add(day, "encompass_issued")
    s.open[str(e.originator_id)] = {"day": day, "due": _iso(e.due_at)}


def _notice_acknowledged(s: State, e: EncompassNotice.Acknowledged) -> None:
    item = s.open.pop(str(e.originator_id), None)
    if item is not None:
        s.add(item["day"], "encompass_acknowledged")
        if e.at <= _at(item["due"]):
            s.add(item["day"], "encompass_in_time")


def _episode_started(s: State, e: MissingRecord.EpisodeStarted) -> None:
    day = _day(e.start)
    s.add(day, "episodes")
    s.add(day, f"episodes:{e.episode_type}")
    flagged = any(f["rule"] == "strategy-meeting" for f in e.flags)
    if flagged:
        s.add(day, "strategy_meeting_flags")
    band = e.age_band or "unknown"  # recorded at intake (none on episodes from before)
    s.add(day, f"episodes_age:{band}")
    where = e.missing_from or "not-said"
    s.add(day, f"episodes_from:{where}")
    s.open[str(e.episode_id)] = {"day": day, "start": _iso(e.start), "due": None}
    _episode_counted(s, e.episode_id, day, e.episode_type, band, where, flagged)


def _episode_counted(s: State, episode_id: UUID, day: str, episode_type: str,
                     band: str, where: str, flagged: bool = False) -> None:
    """An episode's day, type, age band, where from and whether it raised the strategy
    meeting flag, kept for as long as the state (a merge, split or re-decision later moves
    the count)."""
    s.open[f"episode:{episode_id}"] = {"day": day, "type": episode_type, "band": band,
                                       "from": where, "flagged": flagged}


def _strategy_redecided(s: State, e: MissingRecord.StrategyRedecided) -> None:
    """Corrected episodes decided again: a flag that no longer stands leaves the count, a new
    one joins it, each on its episode's day."""
    for change in e.flags:
        counted = s.open.get(f"episode:{change['episode']}")
        if counted is None:
            continue
        now = change["flag"] is not None
        if now != counted.get("flagged", False):
            s.add(counted["day"], "strategy_meeting_flags", 1 if now else -1)
            counted["flagged"] = now


def _episodes_merged(s: State, e: MissingRecord.EpisodesMerged) -> None:
    """Two reports of one absence: the episode absorbed is no longer counted, nor timed."""
    counted = s.open.pop(f"episode:{e.absorbed}", None)
    s.open.pop(str(e.absorbed), None)
    if counted is not None:
        s.add(counted["day"], "episodes", -1)
        s.add(counted["day"], f"episodes:{counted['type']}", -1)
        s.add(counted["day"], f"episodes_age:{counted.get('band', 'unknown')}", -1)
        s.add(counted["day"], f"episodes_from:{counted.get('from', 'not-said')}", -1)
        if counted.get("flagged"):
            s.add(counted["day"], "strategy_meeting_flags", -1)


def _episode_split(s: State, e: MissingRecord.EpisodeSplit) -> None:
    """One episode was two: the second is counted on the day it began."""
    counted = s.open.get(f"episode:{e.episode_id}")
    if counted is None:
        return
    day = _day(e.left_again_at)
    s.add(day, "episodes")
    s.add(day, f"episodes:{counted['type']}")
    band = counted.get("band", "unknown")  # the same child, days apart: the same band
    s.add(day, f"episodes_age:{band}")
    where = counted.get("from", "not-said")  # the same absence, in two
    s.add(day, f"episodes_from:{where}")
    _episode_counted(s, e.new_episode_id, day, counted["type"], band, where)


def _contact_closed(s: State, e: MashContact.Closed) -> None:
    """Withdrawn by its referrer before a decision: no longer on any clock."""
    item = s.open.pop(str(e.originator_id), None)
    if item is not None:
        s.add(item["day"], "contacts_withdrawn")


def _case_amended(s: State, e: DartCase.IncidentAmended) -> None:
    """The DASH amended before the triage: the case's triage is timed by its new deadline."""
    item = s.open.get(str(e.originator_id))
    if item is not None and e.retimed is not None:
        item["due"] = _iso(e.retimed["triage_due"])


def _case_withdrawn(s: State, e: DartCase.IncidentWithdrawn) -> None:
    s.open.pop(str(e.originator_id), None)
    s.add(_day(e.at), "dart_withdrawn")


def _notice_withdrawn(s: State, e: EncompassNotice.Withdrawn) -> None:
    """A notice withdrawn before the school acknowledged it is not counted as late."""
    item = s.open.pop(str(e.originator_id), None)
    if item is not None:
        s.add(item["day"], "encompass_withdrawn_unacknowledged")
    s.add(_day(e.at), "encompass_withdrawn")


def _episode_ended(s: State, e: MissingRecord.EpisodeEnded) -> None:
    key = str(e.episode_id)
    item = s.open.get(key)
    if item is None:
        return
    if e.interview_due is None:  # away became missing: not a return
        del s.open[key]
        return
    s.add(item["day"], "returned")
    if (e.end - _at(item["start"])).total_seconds() <= DAY_24H:
        s.add(item["day"], "home_within_24h")
    s.add(item["day"], "interviews_due")
    item["due"] = _iso(e.interview_due)


def _interview(s: State, e: MissingRecord.InterviewRecorded) -> None:
    key = str(e.episode_id)
    item = s.open.get(key)
    if item is None or item["due"] is None:
        return
    s.add(item["day"], f"interview:{e.step}")
    if InterviewStep(e.step).settles:
        if e.at <= _at(item["due"]):
            s.add(item["day"], "interviews_in_time")
        del s.open[key]


def _sharing(s: State, e: SharingLedger.SharingDecided) -> None:
    s.add(_day(e.recorded_at), f"{'share' if e.share else 'not-share'}:{e.legal_basis}")


def _consent(s: State, e: SharingLedger.ConsentRecorded) -> None:
    s.add(_day(e.recorded_at), f"consent:{e.status}")


def _enquiry(s: State, e: SharingLedger.EnquiryOpened) -> None:
    s.add(_day(e.opened_at), f"enquiry:{e.kind}")


def _break_glass(s: State, e: BreakGlassAccess.Opened) -> None:
    s.add(_day(e.opened_at), "break_glass")


def _audit(s: State, e: AuditEntryRecorded) -> None:
    day = _day(e.timestamp)
    if e.kind == "disclosure":
        s.add(day, "disclosures")
        purpose = e.purpose or "none"
        kind = e.actor.get("agency_kind", "cli")
        # Schools are counted together: one school's count on one day could tell a reader
        # that a pupil was at a domestic-abuse incident.
        agency = "schools" if kind == "school" else e.actor.get("agency", "cli")
        s.add(day, f"disclosure:{agency}:{purpose}")
        s.add(day, f"disclosure-kind:{kind}:{purpose}")
    elif e.kind == "denial":
        s.add(day, "denials")


HANDLERS: dict[type[Any], Callable[[State, Any], None]] = {
    Notification.Received: _received, MashContact.Opened: _contact_opened,
    MashContact.Rated: _contact_rated, MashContact.Acknowledged: _contact_acknowledged,
    MashContact.Decided: _contact_decided,
    MashContact.AssessmentCompleted: _assessment_completed,
    MashContact.BriefAssessmentCompleted: _brief_assessment_completed,
    DartCase.Opened: _case_opened, DartCase.Triaged: _case_triaged, MaracReferral.Made: _marac,
    EncompassNotice.Issued: _notice_issued, EncompassNotice.Acknowledged: _notice_acknowledged,
    MissingRecord.EpisodeStarted: _episode_started, MissingRecord.EpisodeEnded: _episode_ended,
    MissingRecord.InterviewRecorded: _interview, SharingLedger.SharingDecided: _sharing,
    SharingLedger.ConsentRecorded: _consent, SharingLedger.EnquiryOpened: _enquiry,
    BreakGlassAccess.Opened: _break_glass, AuditEntryRecorded: _audit,
    MashContact.Closed: _contact_closed, DartCase.IncidentWithdrawn: _case_withdrawn,
    DartCase.IncidentAmended: _case_amended,
    EncompassNotice.Withdrawn: _notice_withdrawn,
    MissingRecord.EpisodesMerged: _episodes_merged, MissingRecord.EpisodeSplit: _episode_split,
    MissingRecord.StrategyRedecided: _strategy_redecided,
    **CASELOAD_HANDLERS,
}


TOPICS = [get_topic(cls) for cls in HANDLERS]
