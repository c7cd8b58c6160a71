"""The safeguarding indicators, from a projection of the event store.

The projection follows the store's log (only the events it needs; ``indicator_counts`` says how
each changes the day counts) from a recorded position, through a log that cannot decrypt:
personal values are never opened. The indicators for a period are worked out from the counts
summed over it (``indicator_figures``).

The state (counts, the items still open, the position) is saved (``HUB_HOME/projections``,
through ``hub.ports.StateFiles``) after each catch-up, atomically; ``rebuild`` starts again
from the first event.
"""

import time
from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta
from threading import Lock
from typing import Any

from hub.ports import EventLog, StateFiles
from hub.projections.board import Seeds, board_figures
from hub.projections.indicator_counts import HANDLERS, TOPICS
from hub.projections.indicator_figures import indicators
from hub.projections.indicator_state import STATE_VERSION, State

STATE_NAME = "indicators"  # HUB_HOME/projections/indicators.json


class Indicators:
    """The projection, and the indicators computed from it for a period."""

    def __init__(self, log: EventLog, states: StateFiles, seeds: Seeds | None = None) -> None:
        self._log = log
        self.seeds = seeds  # the profile's seed figures, for the board's figures
        self._states = states
        self._lock = Lock()
        self.state = self._load()

    # Following the log -----------------------------------------------------------------

    def _load(self) -> State:
        data = self._states.load(STATE_NAME)
        if data is None or data.get("version") != STATE_VERSION:
            return State()  # none, or another shape: rebuilt from the log
        try:
            return State.from_data(data)
        except (ValueError, KeyError, TypeError, AttributeError):
            return State()  # unreadable: rebuilt from the log, which is the truth

    def _identity(self) -> str:
        """The store's first event: a state saved for another store (the same HUB_HOME, a new
        HUB_STORE_URL) is not this store's, and is rebuilt."""
        first = self._log.first()
        return f"{first.position}:{first.originator_id}" if first else ""

    def catch_up(self, batch: int = 2000,
                 progress: Callable[[int], None] | None = None) -> int:
        """Apply the events stored since the recorded position; the number applied."""
        with self._lock:
            return self._catch_up(batch, progress)

    def _catch_up(self, batch: int, progress: Callable[[int], None] | None) -> int:
        applied = 0
        identity = self._identity()
        if self.state.store != identity or self.state.position > self._log.end():
            self.state = State(store=identity)
        for logged in self._log.follow(self.state.position, TOPICS, batch):
            for entry in logged:
                event = entry.event()
                handler = HANDLERS.get(type(event))
                if handler is not None:
                    handler(self.state, event)
                self.state.position = entry.position
            applied += len(logged)
            if progress is not None:
                progress(applied)
        if applied:
            self._states.save(STATE_NAME, self.state.as_data())
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

    # The indicators --------------------------------------------------------------------

    def report(self, first: date | None, last: date | None, children: int | None,
               seeds: Seeds | None = None) -> dict[str, Any]:
        """The indicators for the days from ``first`` to ``last`` (inclusive); with ``seeds``,
        the board's figures beside them (``board``)."""
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
            # At the end of the period: every plan started by then, less those ended; each
            # child's coming into need (into care) by then, less their going out of it.
            for day in days:
                if hi is not None and day <= hi:
                    counts = self.state.counts[day]
                    total["cp_on_plan_at_end"] += (counts["cp_plans_started"]
                                                   - counts["cp_plans_ended"])
                    total["in_need_at_end"] += counts["in_need_net"]
                    total["looked_after_at_end"] += counts["looked_after_net"]
        span = ((date.fromisoformat(hi) - date.fromisoformat(lo)).days + 1
                if lo is not None and hi is not None else 0)
        result = indicators(total, lo, hi, span, children, position)
        result["board"] = board_figures(result, seeds if seeds is not None else self.seeds)
        return result

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
                "decided_within_rag_timescale": f["decided_within_rag_timescale"],
                "dart_triaged_in_time": d["triaged_in_time"],
                "encompass_acknowledged_in_time":
                    d["encompass"]["acknowledged_before_the_school_day"],
                "return_interviews_within_72_hours": m["return_interviews_within_72_hours"]})
            monday += timedelta(days=7)
        return weeks
