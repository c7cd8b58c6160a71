"""What follows a sender's correction (``hub.corrections``) downstream, returned to be saved in
the same transaction as the correction itself:

- the DART case a police domestic-abuse incident opened follows its new version (children,
  adult victims, pregnant women, time, what changed that a triage rests on; a DASH amended
  before the triage moves the case's deadline to the new risk's), or leaves the queue when the
  incident is withdrawn (a MARAC referral its triage made then stands, flagged for the MARAC
  coordinator's review as ``incident-withdrawn``: a referral is never withdrawn silently);
  each child's Operation Encompass notice is updated in place, or withdrawn (and a new one
  issued, if the amendment sends it elsewhere or names another child); a withdrawn notice
  tells the school only that it was withdrawn;
- the MASH contact a concern or referral opened follows its children and indicators (an
  indicator added makes it red, by rule), or is closed with the reason
  ``withdrawn-by-sender``.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from domain.clocks import Rag
from domain.dart import DartCase, RiskLevel, arrival_level, pregnant_women
from domain.encompass import EncompassNotice
from domain.front_door import MashContact, contact_id
from domain.marac import MaracReferral
from domain.marac_meeting import MaracMeeting
from domain.notifications import Notification, NotificationSubmission, SubjectRole
from domain.people import PersonRecord
from domain.personal import reveal
from hub.access import HUB_OWNER
from hub.store import HubStore
from hub.timescales import Timescales

WITHDRAWN_BY_SENDER = "withdrawn-by-sender"
ADDED_INDICATOR = ("An immediate-referral indicator was added when the referrer amended what "
                   "it sent: the rating is red by rule.")


class IncidentCorrections:
    """Part of ``DomesticAbuse``: its DART cases and notices following the police's
    corrections."""

    _store: HubStore
    timescales: Timescales
    _notice: Callable[..., tuple[EncompassNotice | None, dict[str, Any]]]

    def on_amended(self, notification: Notification, submission: NotificationSubmission,
                   people: list[PersonRecord], at: datetime) -> list[Aggregate]:
        case = self._store.find(_case_id(notification.id), DartCase)
        if case is None or case.withdrawal is not None:
            return []
        children = list({p.id: (s, p) for s, p in zip(submission.subjects, people, strict=True)
                         if s.is_child}.values())
        held = {n.child_id: n for o in case.encompass if o["notice_id"] is not None
                if (n := self._store.find(o["notice_id"], EncompassNotice)) is not None
                and n.withdrawal is None}
        changed: list[Aggregate] = [case]
        outcomes: list[dict[str, Any]] = []
        for subject, person in children:
            fresh, outcome = self._notice(notification, submission, subject, person,
                                          only_child=len(children) == 1)
            old = held.pop(person.id, None)
            if fresh is not None and old is not None and (
                    old.recipient_agency, old.school_urn) == (fresh.recipient_agency,
                                                              fresh.school_urn):
                if _said(old.content) != _said(fresh.content):
                    old.update(fresh.content, notification.notification_version, at)
                    changed.append(old)
                outcome = {**outcome, "notice_id": old.id}
            else:
                if old is not None:
                    old.withdraw(at)
                    changed.append(old)
                if fresh is not None:  # issued now, due before the next school day from now
                    changed.append(EncompassNotice(
                        id=fresh.id, notification_id=notification.id, child_id=person.id,
                        recipient=fresh.recipient, recipient_agency=fresh.recipient_agency,
                        school_urn=fresh.school_urn,
                        due_at=self.timescales.encompass_due(fresh.school_urn, at),
                        issued_at=at, content=fresh.content))
            outcomes.append(outcome)
        for old in held.values():
            old.withdraw(at)
            changed.append(old)
        victims = [s["person_id"] for s in notification.subjects
                   if s["role"] == SubjectRole.ADULT_VICTIM.value]
        before = notification.history[-1]["details"] if notification.history else {}
        risk = arrival_level(notification.details.get("dash"))

        def retime(now: RiskLevel | None) -> datetime:
            """The untriaged case's deadline on the amended DASH (``Timescales``)."""
            return self.timescales.retriage_due(
                case.received_at, RiskLevel(case.risk) if case.risk else None, now,
                case.triage_due, at)

        case.follow_amendment(notification.notification_version, notification.child_ids,
                              list(dict.fromkeys(victims)), notification.occurred_at, outcomes,
                              before.get("dash") != notification.details.get("dash"), at,
                              pregnant_ids=pregnant_women(notification.subjects),
                              retime=retime, risk=risk)
        return changed + self._referral_follows(case, at)

    def _referral_follows(self, case: DartCase, at: datetime) -> list[Aggregate]:
        """A MARAC referral made for the incident, and the case list it is on, are about the
        people the amended incident names (never the ones it no longer names)."""
        made = (case.triage or {}).get("marac_referral")
        referral = self._store.find(made, MaracReferral) if made is not None else None
        if referral is None or not referral.follow_amendment(case.victim_ids, case.child_ids,
                                                             at):
            return []
        changed: list[Aggregate] = [referral]
        listing = referral.listing
        meeting = (self._store.find(listing["meeting_id"], MaracMeeting)
                   if listing is not None else None)
        if meeting is not None and meeting.correct_people(referral.id, referral.victim_ids,
                                                          referral.child_ids, at):
            changed.append(meeting)
        return changed

    def on_withdrawn(self, notification: Notification, at: datetime) -> list[Aggregate]:
        case = self._store.find(_case_id(notification.id), DartCase)
        if case is None or case.withdrawal is not None:
            return []
        notices = [n for o in case.encompass if o["notice_id"] is not None
                   if (n := self._store.find(o["notice_id"], EncompassNotice)) is not None
                   and n.withdrawal is None]
        for notice in notices:
            notice.withdraw(at)
        case.withdraw(at)
        changed: list[Aggregate] = [case, *notices]
        made = (case.triage or {}).get("marac_referral")  # by the triage or a re-triage
        referral = self._store.find(made, MaracReferral) if made is not None else None
        if referral is not None:  # it stands, for the MARAC coordinator to decide
            referral.flag_incident_withdrawn(notification.source_agency, at)
            changed.append(referral)
        return changed


class ContactCorrections:
    """Part of ``FrontDoor``: its contacts following their referrers' corrections."""

    _store: HubStore
    timescales: Timescales

    def on_amended(self, notification: Notification, _submission: NotificationSubmission,
                   _people: list[PersonRecord], at: datetime) -> list[Aggregate]:
        contact = self._store.find(contact_id(notification.id), MashContact)
        if contact is None or contact.closure is not None:
            return []
        indicators = list(notification.details.get("indicators") or [])
        added = set(indicators) - set(contact.indicators)
        contact.follow_amendment(notification.notification_version, notification.child_ids,
                                 indicators, at)
        rating = contact.rating
        if added and contact.decision is None and (rating is None or rating.rag != Rag.RED):
            contact.rate(Rag.RED, self.timescales.rag_due(Rag.RED, at), ADDED_INDICATOR,
                         _rule(), at)
        return [contact]

    def on_withdrawn(self, notification: Notification, at: datetime) -> list[Aggregate]:
        contact = self._store.find(contact_id(notification.id), MashContact)
        if contact is None or contact.closure is not None:
            return []
        contact.close(WITHDRAWN_BY_SENDER, at)
        return [contact]


def _said(content: dict[str, Any]) -> dict[str, Any]:
    return {k: reveal(v) for k, v in content.items()}


def _case_id(notification_id: UUID) -> UUID:
    """The incident's DART case (as ``hub.domestic_abuse.case_id``, which builds on this)."""
    return uuid5(NAMESPACE_URL, f"/hub/dart-case/{notification_id}")


def _rule() -> dict[str, str]:
    """The hub's own rule as the actor (as ``hub.front_door.HUB_RULE``)."""
    return {"user_id": "", "agency": HUB_OWNER, "agency_kind": "hub", "role": "rule"}


def withdrawn_notice_view(n: EncompassNotice, now: datetime) -> dict[str, Any]:
    """A withdrawn notice as its recipient sees it: that it was withdrawn and when, with its
    ids and times; never the child's name or words, nor why."""
    ack = n.acknowledgement
    return {
        "id": str(n.id), "child_id": str(n.child_id), "recipient": n.recipient,
        "school_urn": n.school_urn, "due_at": n.due_at.isoformat(),
        "issued_at": n.issued_at.isoformat(), "overdue": n.overdue(now), "child": None,
        "incident_at": None, "present": None, "welfare_check": None, "child_words": None,
        "acknowledged": None if ack is None else {"by": ack["by"], "at": ack["at"].isoformat(),
                                                  "late": n.acknowledged_late},
        "updated_at": n.updates[-1]["at"].isoformat() if n.updates else None,
        "withdrawn": {"at": (n.withdrawal or {})["at"].isoformat()},
    }


def case_corrections(case: DartCase) -> dict[str, Any]:
    """What a DART case shows of the police's corrections: each amendment followed (its
    version, what changed that the case rests on, whether after the triage) and a
    withdrawal."""
    return {
        "amendments": [{"version": a["version"], "changed": a["changed"],
                        "after_triage": a["after_triage"], "at": a["at"].isoformat()}
                       for a in case.amendments],
        "withdrawn": ({"at": case.withdrawal["at"].isoformat()}
                      if case.withdrawal is not None else None),
    }
