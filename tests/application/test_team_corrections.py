"""Corrections by the teams, on every store: the DART's re-triage, the MASH's corrected
decision, the missing team's corrected episodes and the DART coordinator's redirected
Encompass notice; each with a reason, audited naming the child (never the reason), and kept
in the record's history."""

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest

from domain.errors import InvalidContent, NotPermitted, RuleViolation
from hub.bootstrap import Hub
from hub.domestic_abuse import case_id
from hub.errors import NotEntitled
from hub.registry import Caller
from tests.support import Clock, notification, submit

MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
REASON = "The DASH answers were entered against the wrong incident by mistake."


@pytest.fixture
def clock() -> Clock:
    return Clock(MONDAY)


def audited(hub: Hub, since: int, action: str) -> list[Any]:
    return [e for e in hub.audit.entries(since) if e.action == action]


def no_reason_in_trail(hub: Hub, words: str) -> None:
    assert words not in "".join(repr(e) for e in hub.audit.entries(0))


# The DART re-triages ---------------------------------------------------------------------

def incident(hub: Hub, yes: int, ref: str = "NTP-1") -> UUID:
    receipt = submit(hub, "notts-police", notification(
        ref, occurred_at="2026-11-23T08:00:00Z", summary="Incident.", dash={"yes_count": yes}))
    return case_id(receipt.id)


def triaged(hub: Hub, dart: Caller, yes: int, **kw: Any) -> UUID:
    case = incident(hub, yes)
    hub.domestic_abuse.triage(dart, case, yes_count=None, answers=None, level=None,
                              judgement_reason=None,
                              actions=kw.get("actions", ["safety-planning"]),
                              threshold_met=kw.get("threshold_met", False),
                              rationale="Triaged on the police's checklist.")
    return case


def retriage(hub: Hub, who: Caller, case: UUID, **kw: Any) -> dict[str, Any]:
    args: dict[str, Any] = {"yes_count": None, "answers": None, "level": None,
                            "judgement_reason": None, "actions": ["safety-planning"],
                            "threshold_met": False, "reason": REASON}
    args.update(kw)
    return hub.domestic_abuse.retriage(who, case, **args)


def test_a_worker_raises_the_risk_and_the_marac_referral_follows(
        hub: Hub, people: dict[str, Caller]) -> None:
    dart = people["city-dart"]
    case = triaged(hub, dart, yes=5)
    assert hub.domestic_abuse.case(dart, case)["triage"]["marac_referral"] is None
    since = hub.audit.size()
    view = retriage(hub, dart, case, yes_count=15)  # the count was mistyped: high risk
    triage = view["triage"]
    assert (triage["level"], triage["yes_count"]) == ("high", 15)
    assert triage["actions"][0] == "marac-referral"
    [correction] = view["corrections"]
    assert correction["previous_level"] == "standard"
    assert correction["direction"] == "up"
    assert correction["reason"] == REASON
    assert correction["flags"] == []
    assert triage["marac_referral"] == correction["marac_referral"] is not None
    [referral] = hub.domestic_abuse.marac_referrals(dart)["items"]
    assert referral["id"] == triage["marac_referral"]
    assert [f["rule"] for f in referral["flags"]] == ["visible-high-risk"]
    [entry] = [e for e in audited(hub, since, "dart-retriage") if e.kind == "triage"]
    assert entry.details["direction"] == "up"
    assert set(view["child_ids"]) <= {str(c) for c in entry.child_ids}
    no_reason_in_trail(hub, "wrong incident")


def test_lowering_the_risk_is_a_team_managers_and_a_made_referral_stands_flagged(
        hub: Hub, people: dict[str, Caller]) -> None:
    dart, manager = people["city-dart"], people["city-dart/team-manager"]
    case = triaged(hub, dart, yes=15, actions=["safety-planning", "mash-referral"],
                   threshold_met=True)
    first = hub.domestic_abuse.case(dart, case)["triage"]
    assert first["marac_referral"]
    assert first["mash_referral"]
    since = hub.audit.size()
    with pytest.raises(NotEntitled):
        retriage(hub, dart, case, yes_count=5)
    [denied] = audited(hub, since, "dart-retriage")
    assert denied.kind == "denial"
    assert denied.details["capability"] == "dart-lower-risk"
    view = retriage(hub, manager, case, yes_count=5)
    triage, [correction] = view["triage"], view["corrections"]
    assert (triage["level"], correction["direction"]) == ("standard", "down")
    # Neither referral is undone: both stand, recorded and flagged.
    assert (triage["marac_referral"], triage["mash_referral"]) == (
        first["marac_referral"], first["mash_referral"])
    assert correction["flags"] == ["marac-referral-stands", "mash-referral-stands"]
    [referral] = hub.domestic_abuse.marac_referrals(dart)["items"]
    assert referral["review"]["reason"] == "criteria-no-longer-met"
    assert referral["review"]["level"] == "standard"
    # The history keeps the original triage's level and the manager's reason.
    assert correction["previous_level"] == "high"
    assert correction["reason"] == REASON
    assert correction["by"]["role"] == "team-manager"


def test_a_retriage_meeting_the_threshold_refers_to_the_mash_once(
        hub: Hub, people: dict[str, Caller]) -> None:
    dart = people["city-dart"]
    case = triaged(hub, dart, yes=5)
    view = retriage(hub, dart, case, actions=["safety-planning", "mash-referral"],
                    threshold_met=True)
    mash = view["triage"]["mash_referral"]
    assert mash is not None
    assert view["corrections"][0]["mash_referral"] == mash
    again = retriage(hub, dart, case, actions=["safety-planning", "idva-referral",
                                                "mash-referral"], threshold_met=True)
    assert again["triage"]["mash_referral"] == mash  # not a second referral
    assert again["corrections"][1]["mash_referral"] is None


def test_a_retriage_needs_a_triage_a_reason_and_a_change(
        hub: Hub, people: dict[str, Caller]) -> None:
    dart = people["city-dart"]
    with pytest.raises(RuleViolation):
        retriage(hub, dart, incident(hub, 5, "NTP-9"))
    case = triaged(hub, dart, yes=5)
    with pytest.raises(InvalidContent):
        retriage(hub, dart, case, yes_count=12, reason="oops")
    with pytest.raises(RuleViolation):
        retriage(hub, dart, case)
    with pytest.raises(RuleViolation):  # judgement never lowers below the DASH level
        retriage(hub, dart, case, yes_count=15, level="medium", judgement_reason=REASON)
    for outsider in ("notts-police", "city-mash", "missing-team", "riverside-primary"):
        with pytest.raises(NotEntitled):
            retriage(hub, people[outsider], case, yes_count=12)


def test_the_domain_refuses_a_lowering_without_the_managers_permission(
        hub: Hub, people: dict[str, Caller]) -> None:
    from domain.dart import DartCase, grade

    dart = people["city-dart"]
    case = triaged(hub, dart, yes=12)
    found = hub.store.find(case, DartCase)
    assert found is not None
    with pytest.raises(NotPermitted):
        found.record_retriage(grade(3, None, None), [], False, REASON, dart.as_actor(),
                              MONDAY, may_lower=False, marac_criteria_met=False,
                              marac_referral=None, mash_referral=None)
