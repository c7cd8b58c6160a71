"""The front door: contacts and referrals rated, acknowledged, researched with partners and
decided by the MASH; partners' reads (each audited), consents and sharing decisions; a school's
disagreement with a decision; and break-glass reads in an emergency."""

from collections import deque
from datetime import date, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any
from uuid import UUID

from domain.access import Purpose
from domain.front_door import MashContact, Rag, contact_id
from hub.disclosure import ReadContext
from hub.errors import HubError
from hub.registry import Caller
from simulation.population import Child

if TYPE_CHECKING:
    from simulation.engine import Simulation


class FrontDoor:
    def __init__(self, sim: "Simulation") -> None:
        self.sim = sim
        self._seen: deque[tuple[datetime, Child]] = deque()  # children seen this year
        # Children referred to social care (a contact decided for an assessment or a strategy
        # discussion) in the last 12 months, by the contact's arrival, and whom each of the
        # contacts still open is about.
        self._referred: deque[tuple[datetime, Child]] = deque()
        self._about: dict[UUID, Child] = {}

    def contact(self, day: date) -> None:
        sim = self.sim
        p = sim.profile.front_door
        now = sim.clock.now
        for kept in (self._seen, self._referred):
            while kept and now - kept[0][0] > timedelta(days=360):
                kept.popleft()
        referred = [c for _, c in self._referred if c.under_18_on(day)]
        if referred and sim.rng.random() < p["re_referral"] / sim.direct_share():
            child = sim.rng.choice(referred)
        else:
            child = sim.people.child(day)
        source = sim.pick(p["sources"])
        calendar = sim.hub.front_door.timescales.schools.for_school(child.urn)
        if source == "school" and not calendar.is_school_day(day):
            source = "health"  # out of term a concern comes from elsewhere
        kind, agency = self._sender(source, child)
        details: dict[str, Any] = {"summary": "Synthetic concern: the child seemed withdrawn."}
        if sim.rng.random() < p["indicators"]:
            details["indicators"] = [sim.rng.choice(["abuse-or-grooming-disclosed",
                                                     "adult-posing-risk",
                                                     "unexplained-injury"])]
        receipt = sim.submit(agency, {
            "type": kind, "source_ref": sim.ref("CON"),
            "occurred_at": (now - timedelta(minutes=sim.rng.uniform(5, 90))).isoformat(),
            "subjects": [child.subject()], "details": details})
        self._seen.append((now, child))
        self._about[contact_id(receipt.id)] = child
        self.work_contact(contact_id(receipt.id), agency)

    def _sender(self, source: str, child: Child) -> tuple[str, str]:
        """(notification type, sending agency) of a contact from ``source``."""
        # A referral's sender is drawn whatever the source: the workload of a seed stays as
        # it was.
        kind, agency = {
            "school": ("school_concern", f"school-{child.urn}" if child.urn else "health"),
            "health": ("health_concern", "health"), "police": ("police_concern", "police"),
            "referral": ("referral", self.sim.rng.choice(["health", "police"])),
            "dart": ("referral", "dart")}[source]
        if kind == "school_concern" and agency == "health":
            kind = "health_concern"
        return kind, agency

    def _office(self, after: datetime, hours: float) -> datetime:
        return self.sim.hub.front_door.timescales.working.add_working_hours(after, hours)

    def work_contact(self, contact: UUID, referrer: str) -> None:
        """Plan the MASH's work on a contact: rating, acknowledgement, research, reads,
        consent and sharing decisions, the decision, and what follows it."""
        sim = self.sim
        p, s = sim.profile.front_door, sim.profile.sharing
        now = sim.clock.now
        mash = sim.callers["mash/mash-worker"]
        arrived = sim.hub.store.find(contact, MashContact)
        if arrived is None:
            return
        forced = arrived.rating is not None  # an indicator made it red on arrival
        rag = "red" if forced else sim.pick(p["rag"])
        sim.tally.add(f"rag:{rag}")
        rate_at = now + timedelta(minutes=sim.rng.uniform(5, 50))
        if not forced:
            sim.at(rate_at, lambda: sim.hub.front_door.rate(mash, contact, rag, None))

        def acknowledge() -> None:
            found = sim.hub.store.find(contact, MashContact)
            if found is not None and found.acknowledged is None:  # not decided meanwhile
                sim.hub.front_door.acknowledge(mash, contact)

        sim.at(self._office(now, sim.rng.uniform(0.2, 7)), acknowledge)
        due = sim.hub.front_door.timescales.rag_due(Rag(rag), arrived.received_at)
        on_time = sim.rng.random() < p["rag_on_time"]
        window = max((due - rate_at).total_seconds() / 3600, 0.2)
        decide_at = (rate_at + timedelta(hours=sim.rng.uniform(0.1, 0.95) * window)
                     if on_time else due + timedelta(hours=sim.rng.uniform(0.5, 30)))
        if sim.rng.random() < p["research"]:
            self._plan_research(contact, referrer, rate_at, decide_at)
        child_id = self.contact_child(contact)
        self._plan_reads(child_id, rate_at, decide_at)
        if sim.rng.random() < s["consent"]:
            refused = sim.rng.random() < s["consent_refused"]
            sim.at(rate_at + timedelta(minutes=20), lambda: self._consent(child_id, refused))
        if sim.rng.random() < s["decisions"]:
            share = sim.rng.random() >= s["not_to_share"]
            sim.at(rate_at + timedelta(minutes=30), lambda: self._sharing(child_id, share))
        sim.at(decide_at, lambda: self._decide(contact, referrer))

    def _plan_research(self, contact: UUID, referrer: str, rate_at: datetime,
                       decide_at: datetime) -> None:
        sim = self.sim
        mash = sim.callers["mash/mash-worker"]
        partners = [a for a in ("police", "health") if a != referrer]
        ask = rate_at + timedelta(minutes=1)
        sim.at(ask, lambda: sim.hub.front_door.request_research(mash, contact, partners))
        for partner in partners:
            who = sim.callers["police/police-officer" if partner == "police"
                              else "health/health-practitioner"]
            answer = ask + (decide_at - ask) * sim.rng.uniform(0.2, 0.9)
            sim.at(answer, partial(
                sim.hub.front_door.add_research, who, contact,
                "Synthetic research: known to the service, no current plan."))

    def _plan_reads(self, child_id: UUID, rate_at: datetime, decide_at: datetime) -> None:
        sim = self.sim
        mash, social = sim.callers["mash/mash-worker"], sim.callers["mash/social-worker"]
        for _ in range(sim.poisson(sim.profile.sharing["reads"])):
            reader = sim.rng.choice([mash, social, sim.callers["health/health-practitioner"],
                                     sim.callers["police/police-officer"]])
            purpose = "triage" if reader.agency_kind == "mash" else "assessment"
            when = rate_at + (decide_at - rate_at) * sim.rng.random()
            sim.at(when, partial(self._read, reader, purpose, child_id))

    def contact_child(self, contact: UUID) -> UUID:
        found = self.sim.hub.store.find(contact, MashContact)
        if found is None:
            raise HubError("no such contact")
        return found.child_ids[0]

    def _read(self, reader: Caller, purpose: str, child_id: UUID) -> None:
        self.sim.tally.add("reads")
        self.sim.hub.disclosure.chronology(ReadContext(reader, Purpose(purpose), None),
                                           child_id)

    def _consent(self, child_id: UUID, refused: bool) -> None:
        sim = self.sim
        sim.hub.sharing.record_consent(
            sim.callers["mash/social-worker"], child_id, "refused" if refused else "given",
            "parent", {"data_classes": ["health", "education"], "agencies": ["mash"],
                       "purposes": ["assessment"]}, None, None)
        sim.tally.add("consent:refused" if refused else "consent:given")

    def _sharing(self, child_id: UUID, share: bool) -> None:
        sim = self.sim
        sim.hub.sharing.record_decision(
            sim.callers["police/police-officer"], child_id, share=share,
            recipient_agency="health", data_classes=["police-incident"],
            purposes=["assessment"], legal_basis="dpa-2018-sch8-para4",
            consent_not_relied="would-put-child-at-risk",
            rationale=("Synthetic: the health visitor needs to know of the incidents."
                       if share else "Synthetic: not necessary for the health assessment."),
            valid_from=None, valid_until=sim.clock.now + timedelta(days=90))
        sim.tally.add("sharing:share" if share else "sharing:not_to_share")

    def _decide(self, contact: UUID, referrer: str) -> None:
        sim = self.sim
        p = sim.profile.front_door
        outcome = sim.pick(p["outcomes"])
        level = sim.rng.choice({
            "no-further-action": ["universal", "additional"],
            "early-help": ["additional", "extensive"],
            "assessment": ["child-in-need", "protection"],
            "strategy-discussion": ["protection"]}[outcome])
        sim.hub.front_door.decide(
            sim.callers["mash/social-worker"], contact, level=level, outcome=outcome,
            rationale="Synthetic decision on the information gathered.",
            feedback="Synthetic feedback to the referrer.", signs_of_safety=None,
            participants=["police", "health"] if outcome == "strategy-discussion" else [])
        sim.tally.add(f"outcome:{outcome}")
        child = self._about.pop(contact, None)
        if child is not None and outcome in ("assessment", "strategy-discussion"):
            self._referred.append((self._received(contact), child))
        if outcome == "assessment":
            self._plan_assessment(contact)
        if outcome == "strategy-discussion":
            sim.child_protection.plan_conference(contact)
        elif outcome == "assessment" and sim.rng.random() < sim.profile.child_protection[
                "looked_after"]:
            sim.child_protection.plan_care(contact)
        if referrer.startswith("school-") and sim.rng.random() < p["disagreement"]:
            school = sim.schools[referrer]
            sim.at(sim.clock.now + timedelta(hours=3), lambda: self._disagree(school, contact))

    def _plan_assessment(self, contact: UUID) -> None:
        sim = self.sim
        in_time = sim.rng.random() < sim.profile.front_door["assessment_in_time"]
        days = sim.rng.uniform(10, 44) if in_time else sim.rng.uniform(46, 70)
        received = self._received(contact)
        done = sim.hub.front_door.timescales.working.add_working_days(received, 1) + timedelta(
            days=days * 7 / 5)

        def assess() -> None:
            sim.hub.front_door.complete_assessment(
                sim.callers["mash/social-worker"], contact, "Synthetic assessment completed.")
            sim.tally.add("assessment:completed")
            for child_id in self._children(contact):
                sim.children_in_need.after_work(child_id)

        sim.at(done, assess)

    def _children(self, contact: UUID) -> list[UUID]:
        found = self.sim.hub.store.find(contact, MashContact)
        return list(found.child_ids) if found is not None else []

    def _received(self, contact: UUID) -> datetime:
        found = self.sim.hub.store.find(contact, MashContact)
        return found.received_at if found is not None else self.sim.clock.now

    def _disagree(self, school: Caller, contact: UUID) -> None:
        sim = self.sim
        raised = sim.hub.front_door.raise_disagreement(
            school, contact, "Synthetic: the school believes the need is higher.")
        sim.tally.add("disagreements")
        ident = UUID(raised["id"])
        manager = sim.callers["mash/team-manager"]
        sim.at(sim.clock.now + timedelta(days=1),
               lambda: sim.hub.front_door.resolve_disagreement(
                   manager, ident, "Synthetic: agreed after a discussion."))

    def break_glass(self) -> None:
        if not self._seen:
            return
        sim = self.sim
        child = sim.rng.choice(list(self._seen))[1]
        ctx = ReadContext(sim.callers["health/health-practitioner"], Purpose("assessment"),
                          None, "Synthetic: unconscious child in A&E, no other basis")
        sim.hub.disclosure.chronology(ctx, sim.child_id(child))
        sim.tally.add("break_glass")
