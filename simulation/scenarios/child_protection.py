"""Child protection: the initial conference after a strategy discussion, the core group and
the reviews of a plan until it ends, and periods of being looked after."""

from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from uuid import UUID

from domain.child_protection import ProtectionRecord, protection_id

if TYPE_CHECKING:
    from simulation.engine import Simulation


class ChildProtection:
    def __init__(self, sim: "Simulation") -> None:
        self.sim = sim

    def plan_conference(self, contact: UUID) -> None:
        """The initial conference after the strategy discussion, and the plan's life."""
        sim = self.sim
        p = sim.profile.child_protection
        child_id = sim.front_door.contact_child(contact)
        working = sim.hub.front_door.timescales.working
        held = working.add_working_days(sim.clock.now, round(sim.rng.uniform(
            *p["conference_working_days"])))
        plan = sim.rng.random() < p["plan_after_strategy"]
        social = sim.callers["mash/social-worker"]
        cp = sim.hub.child_protection

        def conference() -> None:
            held = sim.hub.store.find(protection_id(child_id), ProtectionRecord)
            if held is not None and held.current_plan is not None:
                return  # already on a plan: its next review takes this into account
            cp.initial_conference(social, child_id, at=None, plan=plan,
                                  category=sim.rng.choice(["neglect", "physical", "sexual",
                                                           "emotional", "multiple"])
                                  if plan else None, unborn=False, enquiry_id=None)
            sim.tally.add("cp:conference")
            if not plan:
                sim.children_in_need.after_work(child_id)
                return
            sim.tally.add("cp:plan")
            met = working.add_working_days(sim.clock.now, sim.rng.randint(3, 9) if (
                sim.rng.random() < p["core_group_in_time"]) else sim.rng.randint(11, 16))
            sim.at(met, lambda: cp.core_group(social, child_id, at=None, unborn=False))
            self._plan_review(child_id, sim.clock.now, first=True,
                              ends=sim.clock.now + self.plan_length())

        sim.at(held, conference)

    def plan_length(self) -> timedelta:
        """How long a plan is needed: it ends at its first review after that."""
        p = self.sim.profile.child_protection
        months = p["long_plan_months"] if self.sim.rng.random() < p["long_plan"] else p[
            "plan_months"]
        return timedelta(days=self.sim.rng.uniform(*months) * 30.4)

    def plan_review(self, child_id: UUID, since: datetime, first: bool,
                    ends: datetime) -> None:
        """The plan's next review (the first 3 months after ``since``, the others 6), and
        those after it until the plan ends."""
        self._plan_review(child_id, since, first, ends)

    def _plan_review(self, child_id: UUID, since: datetime, first: bool,
                     ends: datetime) -> None:
        sim = self.sim
        p = sim.profile.child_protection
        months = 3 if first else 6
        in_time = sim.rng.random() < p["review_in_time"]
        when = since + timedelta(days=months * 30.4 * (sim.rng.uniform(0.8, 0.97) if in_time
                                                       else sim.rng.uniform(1.02, 1.15)))
        continues = when < ends
        social = sim.callers["mash/social-worker"]

        def review() -> None:
            sim.hub.child_protection.review(social, child_id, at=None,
                                            plan_continues=continues, category=None,
                                            unborn=False)
            sim.tally.add("cp:review")
            if continues:
                self._plan_review(child_id, sim.clock.now, first=False, ends=ends)
            else:
                sim.children_in_need.after_work(child_id)

        sim.at(when, review)

    def plan_care(self, contact: UUID) -> None:
        sim = self.sim
        child_id = sim.front_door.contact_child(contact)
        social = sim.callers["mash/social-worker"]
        start = sim.clock.now + timedelta(days=sim.rng.uniform(5, 40))
        end = start + timedelta(days=sim.rng.uniform(*sim.profile.child_protection[
            "care_days"]))
        looked = sim.hub.child_protection.looked_after

        def come_into_care() -> None:
            record = sim.hub.store.find(protection_id(child_id), ProtectionRecord)
            if record is not None and record.currently_looked_after is not None:
                return  # in care already: that period's end stands
            looked(social, child_id, looked_after=True, at=None)
            sim.tally.add("looked-after:started")
            sim.at(end, lambda: self.leave_care(child_id))

        sim.at(start, come_into_care)

    def leave_care(self, child_id: UUID) -> None:
        """The period in care ends."""
        self.sim.hub.child_protection.looked_after(
            self.sim.callers["mash/social-worker"], child_id, looked_after=False, at=None)
        self.sim.tally.add("looked-after:ended")
