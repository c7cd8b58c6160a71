"""Children in need: after an assessment, a conference without a plan, or a plan's end, some
children stay in need (a child in need plan) for some months and then step down to early help;
the others step down at once. The steps are the MASH's own (``front_door.set_level``)."""

from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from uuid import UUID

from domain.front_door import LevelOfNeed, NeedRecord, need_id

if TYPE_CHECKING:
    from simulation.engine import Simulation

IN_NEED = (LevelOfNeed.CHILD_IN_NEED, LevelOfNeed.PROTECTION)


class ChildrenInNeed:
    def __init__(self, sim: "Simulation") -> None:
        self.sim = sim

    def months(self) -> timedelta:
        return timedelta(days=self.sim.rng.uniform(*self.sim.profile.children_in_need[
            "months"]) * 30.4)

    def after_work(self, child_id: UUID) -> None:
        """The work that made the child in need is over: still in need for some months (a
        child in need plan), or stepped down now."""
        sim = self.sim
        if sim.rng.random() < sim.profile.children_in_need["after_assessment"]:
            self._set(child_id, LevelOfNeed.CHILD_IN_NEED, "Synthetic: a child in need plan.")
            self.step_down_at(child_id, sim.clock.now + self.months())
        else:
            self.step_down(child_id)

    def step_down_at(self, child_id: UUID, when: datetime) -> None:
        """Step down then, unless a newer decision about the child came meanwhile."""
        latest = self._latest(child_id)
        self.sim.at(when, lambda: self.step_down(child_id, latest))

    def step_down(self, child_id: UUID, latest: int | None = None) -> None:
        record = self.sim.hub.store.find(need_id(child_id), NeedRecord)
        if record is None or record.level not in IN_NEED:
            return
        if latest is not None and len(record.changes) != latest:
            return  # decided again since: that decision's work steps the child down
        self._set(child_id, LevelOfNeed.ADDITIONAL, "Synthetic: stepped down to early help.")

    def _latest(self, child_id: UUID) -> int:
        record = self.sim.hub.store.find(need_id(child_id), NeedRecord)
        return len(record.changes) if record is not None else 0

    def _set(self, child_id: UUID, level: LevelOfNeed, reason: str) -> None:
        record = self.sim.hub.store.find(need_id(child_id), NeedRecord)
        if record is not None and record.level is level:
            return
        self.sim.hub.front_door.set_level(self.sim.callers["mash/social-worker"], child_id,
                                          level.value, reason)
        self.sim.tally.add(f"level:{level.value}")
