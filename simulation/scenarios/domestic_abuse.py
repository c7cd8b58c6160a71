"""Domestic abuse: police notifications of incidents, the DART's triage, and the Encompass
notices schools read and acknowledge."""

from collections import deque
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID

from domain.access import Purpose
from domain.encompass import EncompassNotice
from domain.front_door import contact_id
from hub.disclosure import ReadContext
from hub.domestic_abuse import case_id
from hub.registry import Caller
from simulation.population import FAMILY, Child

if TYPE_CHECKING:
    from simulation.engine import Simulation


class DomesticAbuse:
    def __init__(self, sim: "Simulation") -> None:
        self.sim = sim
        self._victims: deque[tuple[datetime, dict[str, Any], Child]] = deque()

    def incident(self, day: date) -> None:
        sim = self.sim
        p = sim.profile.da
        now = sim.clock.now
        occurred = now - timedelta(minutes=sim.rng.uniform(10, 120))
        count = sim.rng.choices([1, 2, 3], p["children"])[0]
        while self._victims and now - self._victims[0][0] > timedelta(days=365):
            self._victims.popleft()
        repeat = [v for v in self._victims if v[2].under_18_on(day)]
        if repeat and sim.rng.random() < p["victim_repeat"]:
            _, victim, first = sim.rng.choice(repeat)
            children = [first]
        else:
            first = sim.people.child(day)
            victim = sim.people.adult("adult_victim", first.family, sim.rng.randint(1975, 2004))
            children = [first]
        while len(children) < count:
            sibling = sim.people.child(day)
            sibling.family, sibling.postcode = first.family, first.postcode
            children.append(sibling)
        self._victims.append((now, victim, first))
        level = sim.pick(p["dash"])
        yes = {"standard": (0, 9), "medium": (10, 13), "high": (14, 24)}[level]
        receipt = sim.submit("police", {
            "type": "domestic_abuse_incident", "source_ref": sim.ref("DA"),
            "occurred_at": occurred.isoformat(),
            "subjects": [*(c.subject(present=sim.rng.random() < 0.7,
                                     spoken_to=sim.rng.random() < 0.3) for c in children),
                         victim, sim.people.adult("perpetrator", sim.rng.choice(FAMILY),
                                                  sim.rng.randint(1970, 2004))],
            "details": {"summary": "Synthetic incident: raised voices reported by a neighbour.",
                        "location": "Synthetic address", "welfare_check": True,
                        "dash": {"yes_count": sim.rng.randint(*yes)}}})
        sim.tally.add(f"dash:{level}")
        case = case_id(receipt.id)
        hours = sim.rng.uniform(*p["triage_working_hours"])
        triage_at = sim.hub.front_door.timescales.working.add_working_hours(now, hours)
        sim.at(triage_at, lambda: self._triage(case))
        for notice_id in self._notices(case):
            self._plan_acknowledgement(notice_id)

    def _notices(self, case: UUID) -> list[UUID]:
        view = self.sim.hub.domestic_abuse.case(self.sim.callers["dart/dart-worker"], case)
        return [UUID(e["notice_id"]) for e in view["encompass"] if e["notice_id"]]

    def _plan_acknowledgement(self, notice_id: UUID) -> None:
        sim = self.sim
        notice = sim.hub.store.find(notice_id, EncompassNotice)
        if notice is None or notice.recipient_agency not in sim.schools:
            return
        sim.tally.add("encompass:issued")
        due = notice.due_at
        if sim.rng.random() < sim.profile.da["acknowledged"]:
            when = max(notice.issued_at + timedelta(minutes=5),
                       due - timedelta(minutes=sim.rng.uniform(5, 90)))
        else:
            when = due + timedelta(hours=sim.rng.uniform(0.5, 30))
        reader = sim.schools[notice.recipient_agency]
        sim.at(when, lambda: self._acknowledge(reader, notice_id))

    def _acknowledge(self, reader: Caller, notice_id: UUID) -> None:
        hub = self.sim.hub
        hub.domestic_abuse.inbox(ReadContext(reader, Purpose("encompass"), None), None,
                                 unacknowledged_only=True)
        hub.domestic_abuse.acknowledge(reader, notice_id)
        self.sim.tally.add("encompass:acknowledged")

    def _triage(self, case: UUID) -> None:
        sim = self.sim
        threshold = sim.rng.random() < sim.profile.da["threshold"]
        actions = ["mash-referral"] if threshold else [
            sim.rng.choice(["safety-planning", "idva-referral", "information-only"])]
        sim.hub.domestic_abuse.triage(
            sim.callers["dart/dart-worker"], case, yes_count=None, answers=None, level=None,
            judgement_reason=None, actions=actions, threshold_met=threshold,
            rationale="Synthetic triage: risk assessed from the police DASH.")
        sim.tally.add("dart:triaged")
        if threshold:
            sim.tally.add("dart:referred")
            found = sim.hub.domestic_abuse.case(sim.callers["dart/dart-worker"], case)
            referral = (found["triage"] or {}).get("mash_referral")
            if referral:
                sim.front_door.work_contact(contact_id(UUID(referral)), "dart")
