"""The safeguarding indicators, from a projection of the event store.

The projection follows the store's log (only the events it needs) from a recorded position,
and keeps counts per local day, so any period is a sum, never a scan of everything. Each item
is counted on the day its clock started (a contact on the day it arrived, a notice on the day
it was issued, an episode on the day it began), and its outcome (decided in time, acknowledged
before the school day) joins that day's counts when it happens. Personal values are never
opened: the projection reads events through a mapper that cannot decrypt.

The state (counts, the items still open, the position) is saved in ``HUB_HOME/projections``
after each catch-up, atomically; ``rebuild`` starts again from the first event.
"""

import json
import os
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from threading import Lock
from typing import Any
from uuid import UUID

from eventsourcing.persistence import (
    DatetimeAsISO,
    DecimalAsStr,
    JSONTranscoder,
    Mapper,
    Transcoding,
    UUIDAsHex,
)
from eventsourcing.utils import get_topic

from domain.audit import AuditEntryRecorded
from domain.break_glass import BreakGlassAccess
from domain.child_protection import ProtectionRecord
from domain.dart import DartCase
from domain.encompass import EncompassNotice, NotIssued
from domain.front_door import MashContact
from domain.lawful_basis import SharingLedger
from domain.marac import MaracReferral
from domain.missing import InterviewStep, MissingRecord
from domain.notifications import Notification
from domain.personal import Personal
from domain.timescales import LOCAL
from hub.files import private_dir
from hub.store import DateAsISO, HubStore

STATE_VERSION = 2
DAY_24H = 24 * 3600

_FOLLOWED = (
    Notification.Received, MashContact.Opened, MashContact.Rated, MashContact.Acknowledged,
    MashContact.Decided, MashContact.AssessmentCompleted, DartCase.Opened, DartCase.Triaged,
    MaracReferral.Made, EncompassNotice.Issued, EncompassNotice.Acknowledged,
    MissingRecord.EpisodeStarted, MissingRecord.EpisodeEnded, MissingRecord.InterviewRecorded,
    SharingLedger.SharingDecided, SharingLedger.ConsentRecorded, SharingLedger.EnquiryOpened,
    BreakGlassAccess.Opened, AuditEntryRecorded, ProtectionRecord.InitialConferenceHeld,
    ProtectionRecord.ReviewHeld, ProtectionRecord.PlanEnded)
TOPICS = [get_topic(cls) for cls in _FOLLOWED]


class _Unopened(Transcoding):
    """Reads a sealed personal value as an empty one: the projection never decrypts."""

    type = Personal
    name = "personal"

    def encode(self, obj: Personal) -> dict[str, Any]:
        raise TypeError(f"the indicator projection writes no events ({type(obj).__name__})")

    def decode(self, data: dict[str, Any]) -> Personal:
        return Personal(UUID(data["h"]), data["f"], None)


def blind_mapper(store: HubStore) -> Mapper[Any]:
    transcoder = JSONTranscoder()
    for transcoding in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO(), _Unopened(),
                        DateAsISO()):
        transcoder.register(transcoding)
    mapper: Mapper[Any] = store.factory.mapper(transcoder=transcoder)
    return mapper


def _day(instant: datetime) -> str:
    return instant.astimezone(LOCAL).date().isoformat()


def _iso(instant: datetime | None) -> str | None:
    return instant.isoformat() if instant is not None else None


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


@dataclass
class State:
    store: str = ""  # which store the counts are of (its first event), "" before any
    position: int = 0
    counts: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    open: dict[str, dict[str, Any]] = field(default_factory=dict)  # item id -> clock data

    def add(self, day: str, metric: str, n: int = 1) -> None:
        self.counts[day][metric] += n

    def as_data(self) -> dict[str, Any]:
        return {"version": STATE_VERSION, "store": self.store, "position": self.position,
                "counts": {d: dict(c) for d, c in self.counts.items()}, "open": self.open}

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> "State":
        state = cls(store=str(data["store"]), position=int(data["position"]),
                    open=dict(data["open"]))
        for day, counts in data["counts"].items():
            state.counts[day] = Counter(counts)
        return state


class Indicators:
    """The projection, and the indicators computed from it for a period."""

    def __init__(self, store: HubStore, folder: Path | None) -> None:
        self._store = store
        self._mapper = blind_mapper(store)
        self._path = folder / "indicators.json" if folder is not None else None
        self._lock = Lock()
        self.state = self._load()

    # Following the log -----------------------------------------------------------------

    def _load(self) -> State:
        if self._path is None or not self._path.exists():
            return State()
        try:
            data = json.loads(self._path.read_text())
            if data.get("version") != STATE_VERSION:
                return State()  # another shape: rebuilt from the log
            return State.from_data(data)
        except (OSError, ValueError, KeyError, TypeError):
            return State()  # unreadable: rebuilt from the log, which is the truth

    def _save(self) -> None:
        if self._path is None:
            return
        private_dir(self._path.parent)
        fd, temporary = tempfile.mkstemp(dir=self._path.parent, prefix=".indicators-")
        with os.fdopen(fd, "w") as out:
            json.dump(self.state.as_data(), out)
        os.replace(temporary, self._path)

    def _identity(self) -> str:
        """The store's first event: a state saved for another store (the same HUB_HOME, a new
        HUB_STORE_URL) is not this store's, and is rebuilt."""
        first = self._store.recorder.select_notifications(start=1, limit=1)
        return f"{first[0].id}:{first[0].originator_id}" if first else ""

    def catch_up(self, batch: int = 2000,
                 progress: Callable[[int], None] | None = None) -> int:
        """Apply the events stored since the recorded position; the number applied."""
        with self._lock:
            return self._catch_up(batch, progress)

    def _catch_up(self, batch: int, progress: Callable[[int], None] | None) -> int:
        applied = 0
        identity = self._identity()
        last = self._store.recorder.max_notification_id() or 0
        if self.state.store != identity or self.state.position > last:
            self.state = State(store=identity)
        while True:
            rows = self._store.recorder.select_notifications(
                start=self.state.position + 1, limit=batch, topics=TOPICS)
            for row in rows:
                self._apply(self._mapper.to_domain_event(row))
                self.state.position = row.id
            applied += len(rows)
            if progress is not None and rows:
                progress(applied)
            if len(rows) < batch:
                break
        if applied:
            self._save()
        return applied

    def rebuild(self, progress: Callable[[int], None] | None = None) -> dict[str, Any]:
        """Forget everything and follow the log from its first event; how fast it went.
        Readers meanwhile wait, and then see the rebuilt counts, never half of them."""
        with self._lock:
            self.state = State()
            started = time.monotonic()
            events = self._catch_up(2000, progress)
            seconds = max(time.monotonic() - started, 1e-9)
        return {"events": events, "seconds": round(seconds, 3),
                "events_per_second": round(events / seconds)}

    def _apply(self, e: Any) -> None:
        handler = _HANDLERS.get(type(e))
        if handler is not None:
            handler(self.state, e)

    # The indicators --------------------------------------------------------------------

    def report(self, first: date | None, last: date | None,
               children: int | None) -> dict[str, Any]:
        """The indicators for the days from ``first`` to ``last`` (inclusive)."""
        with self._lock:
            self._catch_up(2000, None)
            days = sorted(self.state.counts)
            lo = first.isoformat() if first else (days[0] if days else None)
            hi = last.isoformat() if last else (days[-1] if days else None)
            lo, hi = lo or hi, hi or lo  # one bound given and no data: a one-day period
            if lo is not None and hi is not None and lo > hi:
                lo = hi = None  # a period with nothing in it
            total: Counter[str] = Counter()
            for day in days:
                if lo is not None and hi is not None and lo <= day <= hi:
                    total.update(self.state.counts[day])
            position = self.state.position
            # On a plan at the end of the period: every plan started by then, less those ended.
            for day in days:
                if hi is not None and day <= hi:
                    counts = self.state.counts[day]
                    total["cp_on_plan_at_end"] += (counts["cp_plans_started"]
                                                   - counts["cp_plans_ended"])
        span = ((date.fromisoformat(hi) - date.fromisoformat(lo)).days + 1
                if lo is not None and hi is not None else 0)
        return _indicators(total, lo, hi, span, children, position)


    def by_week(self, first: date | None, last: date | None) -> list[dict[str, Any]]:
        """Figures over time: for each week (Monday to Sunday) that meets the period, the
        volumes and the timeliness rates of that week's days alone."""
        period = self.report(first, last, None)["period"]
        if period["from"] is None:
            return []
        lo, hi = date.fromisoformat(period["from"]), date.fromisoformat(period["to"])
        weeks = []
        monday = lo - timedelta(days=lo.weekday())
        while monday <= hi:
            start, end = max(monday, lo), min(monday + timedelta(days=6), hi)
            r = self.report(start, end, None)
            f, d, m = r["front_door"], r["domestic_abuse"], r["missing"]
            weeks.append({
                "week": monday.isoformat(), "from": start.isoformat(), "to": end.isoformat(),
                "contacts": f["contacts"], "da_incidents": d["incidents"],
                "missing_episodes": m["episodes"],
                "decided_within_1_working_day": f["decided_within_1_working_day"],
                "dart_triaged_in_time": d["triaged_in_time"],
                "encompass_acknowledged_in_time":
                    d["encompass"]["acknowledged_before_the_school_day"],
                "return_interviews_within_72_hours": m["return_interviews_within_72_hours"]})
            monday += timedelta(days=7)
        return weeks


def _rate(count: int, of: int) -> dict[str, Any]:
    return {"count": count, "of": of, "rate": round(count / of, 4) if of else None}


def _prefixed(total: Counter[str], prefix: str) -> dict[str, int]:
    return {k[len(prefix):]: v for k, v in sorted(total.items()) if k.startswith(prefix)}


def _indicators(t: Counter[str], lo: str | None, hi: str | None, span: int,
                children: int | None, position: int) -> dict[str, Any]:
    contacts = t["contacts"]
    per_10000 = contacts / children * 10_000 if children else None
    by_purpose: dict[str, dict[str, int]] = defaultdict(dict)
    by_kind: dict[str, dict[str, int]] = defaultdict(dict)
    for key, value in sorted(t.items()):
        if key.startswith(("disclosure:", "disclosure-kind:")):
            metric, who, purpose = key.split(":", 2)
            (by_purpose if metric == "disclosure" else by_kind)[who][purpose] = value
    return {
        "period": {"from": lo, "to": hi, "days": span}, "children": children,
        "position": position,
        "front_door": {
            "contacts": contacts, "by_kind": _prefixed(t, "contacts:"),
            "per_10000_children": round(per_10000, 1) if per_10000 is not None else None,
            "per_10000_children_a_year": (round(per_10000 * 365 / span, 1)
                                          if per_10000 is not None and span else None),
            "re_referrals_within_12_months": _rate(t["re_referrals"], contacts),
            "rag": {colour: _rate(t[f"rag_on_time:{colour}"], t[f"rag_decided:{colour}"])
                    for colour in ("red", "amber", "green")},
            "acknowledged_within_1_working_day": _rate(t["acknowledged_in_time"],
                                                       t["acknowledged"]),
            "decided_within_1_working_day": _rate(t["decided_in_time"], t["decided"]),
            "assessments_within_45_working_days": _rate(t["assessments_in_time"],
                                                        t["assessments_completed"]),
            "assessments_due": t["assessments_due"],
            "outcomes": _prefixed(t, "outcome:"), "levels_of_need": _prefixed(t, "level:"),
            "strategy_discussions": t["enquiry:strategy-discussion"],
            "s47_enquiries": t["enquiry:s47-enquiry"],
        },
        "domestic_abuse": {
            "incidents": t["notifications:domestic_abuse_incident"],
            "dart_cases": t["dart_cases"],
            "triaged": t["triaged"],
            "triaged_in_time": _rate(t["triaged_in_time"], t["triaged"]),
            "by_dash_level": _prefixed(t, "dash:"),
            "by_risk_level_after_judgement": _prefixed(t, "risk:"),
            "marac_referrals": t["marac_referrals"], "marac_by_rule": _prefixed(t, "marac:"),
            "encompass": {
                "issued": t["encompass_issued"],
                "acknowledged_before_the_school_day": _rate(t["encompass_in_time"],
                                                            t["encompass_issued"]),
                "acknowledged": t["encompass_acknowledged"],
                "not_sent": _prefixed(t, "encompass_not_sent:")},
        },
        "missing": {
            "episodes": t["episodes"], "by_type": _prefixed(t, "episodes:"),
            "home_within_24_hours": _rate(t["home_within_24h"], t["returned"]),
            "return_interviews_within_72_hours": _rate(t["interviews_in_time"],
                                                       t["interviews_due"]),
            "interviews": _prefixed(t, "interview:"),
            "strategy_meeting_flags": t["strategy_meeting_flags"],
        },
        "child_protection": {
            "plans_started": t["cp_plans_started"],
            "second_or_subsequent_plans": _rate(t["cp_plans_repeat"], t["cp_plans_started"]),
            "on_a_plan_at_the_end": t["cp_on_plan_at_end"],
            "on_a_plan_per_10000_children": (round(t["cp_on_plan_at_end"] / children * 10_000,
                                                   1) if children else None),
            "plans_ended": t["cp_plans_ended"],
            "ended_plans_lasting_over_2_years": _rate(t["cp_plans_over_2_years"],
                                                      t["cp_plans_ended"]),
            "reviews_on_time": _rate(t["cp_reviews_on_time"], t["cp_reviews"]),
        },
        "sharing": {
            "decisions_to_share": _prefixed(t, "share:"),
            "decisions_not_to_share": _prefixed(t, "not-share:"),
            "consent": _prefixed(t, "consent:"),
        },
        "access": {
            "disclosures": t["disclosures"], "by_agency_and_purpose": dict(by_purpose),
            "by_agency_kind_and_purpose": dict(by_kind),
            "refusals": t["denials"], "break_glass": t["break_glass"],
        },
    }


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
                                    "rag_due": None, "assessment_due": None}


def _contact_rated(s: State, e: MashContact.Rated) -> None:
    item = s.open.get(str(e.originator_id))
    if item is not None:
        item.update(rag=e.rag, rag_due=_iso(e.due))


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
    if e.assessment_due is not None:
        s.add(day, "assessments_due")
        item["assessment_due"] = _iso(e.assessment_due)
    else:
        del s.open[key]


def _assessment_completed(s: State, e: MashContact.AssessmentCompleted) -> None:
    item = s.open.pop(str(e.originator_id), None)
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
    if any(f["rule"] == "strategy-meeting" for f in e.flags):
        s.add(day, "strategy_meeting_flags")
    s.open[str(e.episode_id)] = {"day": day, "start": _iso(e.start), "due": None}


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


TWO_YEARS = 730 * 24 * 3600


def _plan_started(s: State, e: ProtectionRecord.InitialConferenceHeld) -> None:
    if not e.plan:
        return
    day = _day(e.at)
    counter = s.open.setdefault(f"cp-plans:{e.originator_id}", {"n": 0})
    counter["n"] += 1
    s.add(day, "cp_plans_started")
    if counter["n"] > 1:
        s.add(day, "cp_plans_repeat")
    s.open[f"cp:{e.originator_id}"] = {"start": _iso(e.at), "due": _iso(e.review_due)}


def _plan_closed(s: State, key: str, at: datetime) -> None:
    item = s.open.pop(key, None)
    if item is not None:
        s.add(_day(at), "cp_plans_ended")
        if (at - _at(item["start"])).total_seconds() > TWO_YEARS:
            s.add(_day(at), "cp_plans_over_2_years")


def _plan_reviewed(s: State, e: ProtectionRecord.ReviewHeld) -> None:
    key = f"cp:{e.originator_id}"
    item = s.open.get(key)
    if item is None:
        return
    s.add(_day(e.at), "cp_reviews")  # each review counts on its own day
    if item["due"] is not None and e.at <= _at(item["due"]):
        s.add(_day(e.at), "cp_reviews_on_time")
    if e.plan_continues:
        item["due"] = _iso(e.next_due)
    else:
        _plan_closed(s, key, e.at)


def _plan_ended(s: State, e: ProtectionRecord.PlanEnded) -> None:
    _plan_closed(s, f"cp:{e.originator_id}", e.at)


_HANDLERS: dict[type[Any], Callable[[State, Any], None]] = {
    Notification.Received: _received, MashContact.Opened: _contact_opened,
    MashContact.Rated: _contact_rated, MashContact.Acknowledged: _contact_acknowledged,
    MashContact.Decided: _contact_decided,
    MashContact.AssessmentCompleted: _assessment_completed,
    DartCase.Opened: _case_opened, DartCase.Triaged: _case_triaged, MaracReferral.Made: _marac,
    EncompassNotice.Issued: _notice_issued, EncompassNotice.Acknowledged: _notice_acknowledged,
    MissingRecord.EpisodeStarted: _episode_started, MissingRecord.EpisodeEnded: _episode_ended,
    MissingRecord.InterviewRecorded: _interview, SharingLedger.SharingDecided: _sharing,
    SharingLedger.ConsentRecorded: _consent, SharingLedger.EnquiryOpened: _enquiry,
    BreakGlassAccess.Opened: _break_glass, AuditEntryRecorded: _audit,
    ProtectionRecord.InitialConferenceHeld: _plan_started,
    ProtectionRecord.ReviewHeld: _plan_reviewed, ProtectionRecord.PlanEnded: _plan_ended,
}
