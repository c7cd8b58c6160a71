"""Missing children: police reports of a child missing or away, found again, and the return
home interview offered and held (or declined)."""

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID

from simulation.population import Child

if TYPE_CHECKING:
    from simulation.engine import Simulation


class Missing:
    def __init__(self, sim: "Simulation") -> None:
        self.sim = sim
        self._prone: list[Child] = []
        self._now: set[str] = set()  # NHS numbers of the children missing now

    def episode(self, day: date) -> None:
        sim = self.sim
        p = sim.profile.missing
        home = [c for c in self._prone if c.nhs not in self._now and c.under_18_on(day)]
        if home and sim.rng.random() < p["repeat_child"]:
            child = sim.rng.choice(home)
        else:
            ages = (14, 15) if sim.rng.random() < p["aged_14_15"] else sim.rng.choice(
                [(10, 13), (16, 17)])
            child = sim.people.child(day, ages)
            self._prone.append(child)
        self._now.add(child.nhs)
        now = sim.clock.now
        seen = now - timedelta(hours=sim.rng.uniform(0.5, 3))
        away = sim.rng.random() < p["away"]
        sim.submit("police", _report(sim.ref("MIS"), "missing", now, child,
                                     {"type": "away" if away else "missing",
                                      "last_seen_at": seen.isoformat()}))
        sim.tally.add("missing:episodes")
        start = seen
        if away and sim.rng.random() < p["away_becomes_missing"]:
            start = now + timedelta(hours=sim.rng.uniform(1, 6))
            sim.at(start, lambda: sim.submit("police", _report(
                sim.ref("MIS"), "missing", sim.clock.now, child, {"type": "missing"})))
            sim.tally.add("missing:episodes")
        within = sim.rng.random() < p["home_within_24_hours"]
        hours = sim.rng.uniform(1, 23.5) if within else sim.rng.uniform(24.5, 120)
        back = max(start + timedelta(hours=hours), now + timedelta(minutes=30))
        sim.at(back + timedelta(minutes=sim.rng.uniform(5, 60)),
               lambda: self._found(child, back))

    def _found(self, child: Child, back: datetime) -> None:
        sim = self.sim
        sim.submit("police", _report(sim.ref("FND"), "found", back, child,
                                     {"ended": sim.rng.choice(["found", "returned"])}))
        sim.tally.add("missing:returned")
        self._now.discard(child.nhs)
        history = sim.hub.missing.history(sim.callers["missing-team/missing-worker"],
                                          sim.child_id(child))
        episode = UUID(history["episodes"][0]["id"])
        p = sim.profile.missing
        in_time = sim.rng.random() < p["interview_in_time"]
        offer = back + timedelta(hours=sim.rng.uniform(2, 24))
        settle = back + timedelta(hours=sim.rng.uniform(26, 71) if in_time
                                  else sim.rng.uniform(73, 200))
        worker = sim.callers["missing-team/missing-worker"]
        record = sim.hub.missing.record_interview
        sim.at(offer, lambda: record(worker, episode, "offered", None, None, None))
        step = "declined" if sim.rng.random() < p["declined"] else "held"

        def settle_interview() -> None:
            record(worker, episode, step, None, True if step == "held" else None, None)
            sim.tally.add(f"missing:interview_{step}")

        sim.at(settle, settle_interview)


def _report(ref: str, type_: str, at: datetime, child: Child,
            episode: dict[str, Any]) -> dict[str, Any]:
    return {"type": type_, "source_ref": ref, "occurred_at": at.isoformat(),
            "subjects": [child.subject()],
            "details": {"summary": "Synthetic report.", "episode": episode}}
