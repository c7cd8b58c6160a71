"""The board's counts at their boundaries: a re-referral is within 12 months of the child's
previous referral (the same day a year on is not; 29 February counts back to 28 February),
and a child in need is counted once whatever makes them so."""

from uuid import uuid4

from hub.projections.indicator_caseload import _record_opened, _status
from hub.projections.indicator_counts import _referred
from hub.projections.indicator_state import State


def repeats(first: str, then: str) -> int:
    s = State()
    _referred(s, first, ["amy"])
    _referred(s, then, ["amy"])
    return s.counts[then]["referrals_repeat"]


def test_a_re_referral_is_within_12_months_of_the_previous() -> None:
    assert repeats("2025-11-24", "2026-11-23") == 1  # 364 days
    assert repeats("2025-11-23", "2026-11-23") == 0  # a year to the day: not within
    assert repeats("2026-11-23", "2026-11-23") == 1  # twice in a day
    assert repeats("2027-03-01", "2028-02-29") == 1
    assert repeats("2027-02-28", "2028-02-29") == 0  # a year before 29 February
    assert repeats("2024-02-29", "2025-02-28") == 1  # 365 days, within 12 months


def test_an_earlier_referral_decided_later_keeps_the_latest() -> None:
    s = State()
    _referred(s, "2026-06-01", ["amy"])
    _referred(s, "2026-05-01", ["amy"])  # arrived before, decided after
    assert s.open["referred:amy"] == {"day": "2026-06-01"}
    assert s.counts["2026-05-01"]["referrals"] == 1


class Opened:
    def __init__(self, record: object, child: object) -> None:
        self.originator_id, self.child_id = record, child


def test_a_child_in_need_is_counted_once_whatever_makes_them_so() -> None:
    s, child = State(), uuid4()
    need, protection = uuid4(), uuid4()
    _record_opened(s, Opened(need, child))
    _record_opened(s, Opened(protection, child))
    _status(s, need, "2026-01-05", level=True)
    _status(s, protection, "2026-01-06", plan=True)
    _status(s, protection, "2026-01-07", care=True)
    _status(s, need, "2026-01-08", level=False)
    _status(s, protection, "2026-01-09", plan=False)
    _status(s, protection, "2026-01-10", care=False)
    net = {day: c["in_need_net"] for day, c in s.counts.items() if c["in_need_net"]}
    assert net == {"2026-01-05": 1, "2026-01-10": -1}
    _status(s, uuid4(), "2026-01-11", level=True)  # a record the projection never saw open
    assert s.counts["2026-01-11"]["in_need_net"] == 0
