"""The area's standing caseload on the first day: children on a child protection plan, looked
after and in need, so many per 10,000 children as the profile's seed figures say, imported as
a local authority imports its own at go-live (``hub import``: the same checks and the same
records, through ``hub.caseload``), and then worked like the others: plans reviewed until they
end, periods in care ended, children stepped down.

Each is in progress on the first day as it would be in an area where as many start as end: a
longer plan (period in care, time in need) is more often in progress, and each has run for a
share of its length drawn evenly, so that as many end in the first year as would later.
"""

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import partial
from typing import TYPE_CHECKING
from uuid import UUID

from domain.caseload import CaseloadKind
from domain.timescales import LOCAL
from hub.errors import HubError
from simulation.population import Child

if TYPE_CHECKING:
    from simulation.engine import Simulation

# Who imports: the simulation, in place of an operator at the hub's host.
IMPORTER = {"cli_user": "hub-simulate", "host": "simulation"}
CATEGORIES = ("neglect", "physical", "sexual", "emotional", "multiple")
LEGAL_STATUSES = {"C2": 0.55, "V2": 0.30, "C1": 0.10, "E1": 0.05}
REVIEW_DAYS = (91, 182)  # a plan's first review 3 months after it starts, then every 6


@dataclass
class InProgress:
    """One plan, period in care or time in need on the first day."""

    child: Child
    began: date
    ends: datetime
    row: dict[str, str]
    last_review: date | None = None


class StandingCaseload:
    def __init__(self, sim: "Simulation") -> None:
        self.sim = sim

    def load(self) -> None:
        sim = self.sim
        p = sim.profile
        plans = p.per_10000("on_a_plan_per_10000")
        care = p.per_10000("looked_after_per_10000")
        # Children in need include those on a plan and those looked after (each once).
        need = max(0, p.per_10000("children_in_need_per_10000") - plans - care)
        cp, cin = p.child_protection, p.children_in_need
        on_plan = [self._plan(n) for n in range(plans)]
        for item, child_id in self._import(CaseloadKind.CP_PLANS, on_plan):
            since = item.last_review or item.began
            sim.child_protection.plan_review(child_id, self._start(since),
                                             first=item.last_review is None, ends=item.ends)
        in_care = [self._in_progress(n, "LAC", lambda: timedelta(
            days=sim.rng.uniform(*cp["care_days"])), timedelta(days=cp["care_days"][1]))
            for n in range(care)]
        for item, child_id in self._import(CaseloadKind.LOOKED_AFTER, in_care):
            sim.at(item.ends, partial(sim.child_protection.leave_care, child_id))
        in_need = [self._in_progress(n, "CIN", sim.children_in_need.months,
                                     timedelta(days=cin["months"][1] * 30.4))
                   for n in range(need)]
        for item, child_id in self._import(CaseloadKind.CIN_PLANS, in_need):
            sim.children_in_need.step_down_at(child_id, item.ends)

    def _start(self, day: date) -> datetime:
        return datetime.combine(day, time(0), LOCAL)

    def _in_progress(self, n: int, prefix: str, length: Callable[[], timedelta],
                     longest: timedelta) -> InProgress:
        """One in progress today: its length drawn as often as it would be in progress, and
        how much of it has run drawn evenly (at least a day)."""
        sim = self.sim
        while True:
            lasts = length()
            if sim.rng.random() < lasts / longest:
                break
        ran = max(timedelta(days=1), lasts * sim.rng.random())
        today = sim.clock.now
        began = (today - ran).astimezone(LOCAL).date()
        child = sim.people.child(today.astimezone(LOCAL).date(),
                                 (min(17, ran.days // 365 + 1), 17))
        row = {"case_ref": f"SIM-{prefix}-{n + 1:06d}", "nhs_number": child.nhs,
               "given_name": child.given, "family_name": child.family,
               "date_of_birth": child.dob.isoformat(), "postcode": child.postcode}
        if prefix == "LAC":
            row.update(legal_status=sim.pick(LEGAL_STATUSES), start_date=began.isoformat())
        else:
            row["plan_start_date"] = began.isoformat()
        return InProgress(child, began, self._start(began) + lasts, row)

    def _plan(self, n: int) -> InProgress:
        """A plan in progress: its reviews so far (the core group met a week in)."""
        sim = self.sim
        cp = sim.profile.child_protection
        longest = timedelta(days=max(cp["plan_months"][1], cp["long_plan_months"][1]) * 30.4)
        item = self._in_progress(n, "CP", sim.child_protection.plan_length, longest)
        today = sim.clock.now.astimezone(LOCAL).date()
        review = item.began + timedelta(days=REVIEW_DAYS[0])
        while review < today:
            item.last_review = review
            review += timedelta(days=REVIEW_DAYS[1])
        met = item.began + timedelta(days=7)
        item.row.update(category=sim.rng.choice(CATEGORIES),
                        core_group_date=met.isoformat() if met < today else "",
                        last_review_date=(item.last_review.isoformat()
                                          if item.last_review else ""))
        return item

    def _import(self, kind: CaseloadKind,
                items: list[InProgress]) -> list[tuple[InProgress, UUID]]:
        """The rows checked and stored as ``hub import`` stores a file: each item with the
        hub's id of its child."""
        if not items:
            return []
        sim = self.sim
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(items[0].row), lineterminator="\n")
        writer.writeheader()
        writer.writerows(item.row for item in items)
        checked = sim.hub.caseload.check(kind, io.StringIO(out.getvalue()))
        loaded = sim.hub.caseload.load(IMPORTER, "mash", kind, checked.rows,
                                       skip_bad_rows=False)
        if checked.errors or loaded.errors or len(loaded.children) != len(items):
            problems = [str(e) for e in [*checked.errors, *loaded.errors]][:3]
            raise HubError(f"the standing {kind.value} caseload was refused: "
                           + "; ".join(problems))
        sim.tally.add(f"standing:{kind.value}", loaded.stored)
        for item, child_id in zip(items, loaded.children, strict=True):
            sim.remember(item.child, child_id)
        return list(zip(items, loaded.children, strict=True))
