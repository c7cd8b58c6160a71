"""The projection's state: counts per local day, and the items still open (``indicator_counts``
and ``indicator_caseload`` say how each event changes them)."""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from domain.timescales import LOCAL

# 3: corrections (withdrawals, episode merges and splits) counted; 4: a triage deadline moved
# by the police's amended DASH; 5: a decision timed by its rating's deadline, brief
# assessments counted; 6: missing episodes counted by the child's age band; 7: referrals to
# social care (and re-referrals) counted per child, children in need and looked after kept;
# 8: missing episodes counted by where the child went missing from, strategy meeting flags
# following the rule decided again after corrections
STATE_VERSION = 8


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
