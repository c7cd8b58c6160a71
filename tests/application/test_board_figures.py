"""The board's figures (every store): a referral is a contact decided for an assessment or a
strategy discussion, one per child, a re-referral within 12 months of the child's previous
one; children in need, on a plan and looked after are counted at the end of a period's last
day, each child once; each figure beside its seed figure."""

from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

import pytest

from domain.front_door import contact_id
from domain.timescales import LOCAL
from hub.bootstrap import Hub
from hub.projections.board import Seed
from hub.registry import Caller
from tests.support import Clock, child, notification, submit

MONDAY = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
WHY = "Synthetic rationale for the decision."
AMY = child("Amy", "Hart", "2016-04-02", postcode="NG5 1AB")
BEN = child("Ben", "Hart", "2014-07-19", postcode="NG5 1AB")


def concern(ref: str, at: datetime, *children: dict[str, Any]) -> dict[str, Any]:
    return notification(ref, type_="police_concern", occurred_at=at.isoformat(),
                        subjects=[dict(c) for c in children or (AMY,)],
                        summary="Seen at an address of concern.")


@pytest.fixture
def clock() -> Clock:
    return Clock(MONDAY)


def contact(hub: Hub, people: dict[str, Caller], ref: str, clock: Clock, outcome: str,
            level: str, *children: dict[str, Any]) -> list[UUID]:
    """A police concern, rated and decided an hour later: its children."""
    receipt = submit(hub, "notts-police", concern(ref, clock.now, *children))
    made = contact_id(receipt.id)
    hub.front_door.rate(people["city-mash"], made, "amber", None)
    clock.advance(hours=1)
    hub.front_door.decide(people["city-mash/social-worker"], made, level=level,
                          outcome=outcome, rationale=WHY, feedback=WHY,
                          signs_of_safety=None,
                          participants=(["notts-police", "city-health"]
                                        if outcome == "strategy-discussion" else []))
    return list(receipt.child_ids)


def local_day(clock: Clock) -> date:
    return clock.now.astimezone(LOCAL).date()


def test_referrals_are_contacts_decided_for_social_care(
        hub: Hub, people: dict[str, Caller], clock: Clock) -> None:
    contact(hub, people, "C-1", clock, "early-help", "additional")  # a contact only
    contact(hub, people, "C-2", clock, "assessment", "child-in-need")  # Amy's first
    clock.advance(days=120)
    contact(hub, people, "C-3", clock, "no-further-action", "universal", AMY, BEN)
    # Amy again within 12 months (a re-referral), and Ben's first: one referral each.
    contact(hub, people, "C-4", clock, "strategy-discussion", "protection", AMY, BEN)
    clock.advance(days=370)
    contact(hub, people, "C-5", clock, "assessment", "child-in-need", BEN)  # over a year on
    report = hub.indicators.report(None, None, 10_000)
    front = report["front_door"]
    assert front["contacts"] == 5
    referrals = front["referrals"]
    assert referrals["children"] == 4
    assert referrals["re_referrals_within_12_months"] == {"count": 1, "of": 4, "rate": 0.25}
    span = report["period"]["days"]
    assert referrals["per_10000_children_a_year"] == round(4 * 365 / span, 1)
    # A period holding the re-referral alone still knows the earlier referral.
    later = hub.indicators.report(date(2027, 3, 1), date(2027, 3, 31), 10_000)
    assert later["front_door"]["referrals"]["children"] == 2
    assert later["front_door"]["referrals"]["re_referrals_within_12_months"]["count"] == 1
    assert hub.indicators.report(None, None, None)["front_door"]["referrals"][
        "per_10000_children_a_year"] is None


def test_children_in_need_on_a_plan_and_looked_after_at_the_end(
        hub: Hub, people: dict[str, Caller], clock: Clock) -> None:
    social = people["city-mash/social-worker"]
    [amy] = contact(hub, people, "C-1", clock, "assessment", "child-in-need")
    monday = local_day(clock)
    clock.advance(days=1)
    [ben] = contact(hub, people, "C-2", clock, "strategy-discussion", "protection", BEN)
    hub.child_protection.initial_conference(social, ben, at=None, plan=True,
                                            category="neglect", unborn=False,
                                            enquiry_id=None)
    hub.child_protection.looked_after(social, ben, looked_after=True, at=None)
    tuesday = local_day(clock)
    clock.advance(days=1)
    # Ben's level steps down, but he is on a plan and looked after: in need still, once.
    hub.front_door.set_level(social, ben, "additional", "Synthetic: stepped down.")
    hub.front_door.set_level(social, amy, "additional", "Synthetic: stepped down.")
    wednesday = local_day(clock)
    clock.advance(days=1)
    hub.child_protection.review(social, ben, at=None, plan_continues=False, category=None,
                                unborn=False)
    thursday = local_day(clock)
    clock.advance(days=1)
    hub.child_protection.looked_after(social, ben, looked_after=False, at=None)
    friday = local_day(clock)

    def at_end(last: date) -> tuple[int, int, int]:
        r = hub.indicators.report(None, last, 10_000)
        return (r["children_in_need"]["at_the_end"],
                r["child_protection"]["on_a_plan_at_the_end"],
                r["looked_after"]["at_the_end"])

    assert at_end(monday) == (1, 0, 0)
    assert at_end(tuesday) == (2, 1, 1)
    assert at_end(wednesday) == (1, 1, 1)  # Amy stepped down; Ben on a plan and in care
    assert at_end(thursday) == (1, 0, 1)  # in care
    assert at_end(friday) == (0, 0, 0)
    report = hub.indicators.report(monday, tuesday, 10_000)
    assert report["children_in_need"] == {"at_the_end": 2, "per_10000_children": 2.0}
    assert report["looked_after"] == {"at_the_end": 1, "per_10000_children": 1.0}
    # The same after a rebuild from the first event.
    hub.indicators.rebuild()
    assert at_end(tuesday) == (2, 1, 1)


def test_each_figure_beside_its_seed(hub: Hub, people: dict[str, Caller],
                                     clock: Clock) -> None:
    contact(hub, people, "C-1", clock, "assessment", "child-in-need")
    seeds = {"referrals_per_10000": Seed(800.6, "A board paper"),
             "re_referrals": Seed(0.24, "England")}
    report = hub.indicators.report(None, None, 10_000, seeds)
    board = {f["figure"]: f for f in report["board"]}
    referrals = board["referrals_per_10000"]
    assert referrals["value"] == 365.0  # one child in one day, per 10,000 a year
    assert (referrals["seed"], referrals["source"]) == (800.6, "A board paper")
    assert referrals["difference"] == round(365.0 - 800.6, 4)
    assert board["re_referrals"]["value"] == 0.0
    assert board["re_referrals"]["difference"] == -0.24
    # A figure with no seed, and one with nothing to count: no difference.
    assert board["looked_after_per_10000"]["seed"] is None
    assert board["looked_after_per_10000"]["difference"] is None
    assert board["missing_home_within_24_hours"]["value"] is None
    # The hub's own profile (HUB_BOARD_PROFILE, by default the packaged Nottingham one).
    packaged = {f["figure"]: f for f in hub.indicators.report(None, None, 10_000)["board"]}
    assert packaged["on_a_plan_per_10000"]["seed"] == 81.4
    assert "Children's Partnership Board" in packaged["on_a_plan_per_10000"]["source"]
