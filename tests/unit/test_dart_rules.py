"""DASH grading and the MARAC referral rules, at their boundaries."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from domain.dart import (
    RiskLevel,
    arrival_level,
    dash_level,
    dash_yes_count,
    enters_dart_queue,
    grade,
    pregnant_women,
)
from domain.errors import InvalidContent, RuleViolation
from domain.marac import (
    RULE_VERSIONS,
    Incident,
    MaracFlag,
    MaracRule,
    VictimHistory,
    evaluate,
)

NOW = datetime(2026, 11, 20, 22, 15, tzinfo=UTC)
REASON = "Strangulation disclosed; victim terrified of escalation."


@pytest.mark.parametrize(("count", "level"), [
    (0, RiskLevel.STANDARD), (1, RiskLevel.STANDARD), (9, RiskLevel.STANDARD),
    (10, RiskLevel.MEDIUM), (13, RiskLevel.MEDIUM), (14, RiskLevel.HIGH), (24, RiskLevel.HIGH)])
def test_dash_levels(count: int, level: RiskLevel) -> None:
    assert dash_level(count) is level


def test_the_checklist_answers_or_the_count() -> None:
    answers = [True] * 11 + [False] * 13
    assert dash_yes_count(None, answers) == 11
    assert dash_yes_count(11, answers) == 11
    assert dash_yes_count(7, None) == 7
    for bad in ((12, answers), (None, answers[:23]), (25, None), (-1, None), (None, None)):
        with pytest.raises(InvalidContent):
            dash_yes_count(*bad)


def test_judgement_raises_with_a_reason_and_never_lowers() -> None:
    assert grade(5, None, None).level is RiskLevel.STANDARD
    raised = grade(5, RiskLevel.HIGH, REASON)
    assert raised.level is RiskLevel.HIGH
    assert raised.dash is RiskLevel.STANDARD
    assert raised.raised_by_judgement
    assert grade(12, RiskLevel.MEDIUM, None).judgement_reason is None  # the same level
    with pytest.raises(InvalidContent, match="reason"):
        grade(5, RiskLevel.MEDIUM, "because")
    with pytest.raises(RuleViolation, match="never lower"):
        grade(14, RiskLevel.MEDIUM, REASON)


def test_the_dart_queue_takes_every_da_incident_adults_alone_too() -> None:
    """A child, a pregnant woman, or adult victims alone (vulnerable adults are the DART's
    too): every police domestic-abuse incident is the DART's; nothing else is."""
    assert enters_dart_queue("domestic_abuse_incident")
    assert not enters_dart_queue("police_concern")
    mother, victim, girl = uuid4(), uuid4(), uuid4()
    subjects = [{"role": "adult_victim", "person_id": mother, "pregnant": True},
                {"role": "adult_victim", "person_id": victim, "pregnant": None},
                {"role": "child", "person_id": girl, "pregnant": True}]
    assert pregnant_women(subjects) == [mother]  # the unborn child, on the mother's record


def test_the_risk_known_on_arrival_is_the_polices_dash() -> None:
    assert arrival_level({"yes_count": 15, "answers": None}) is RiskLevel.HIGH
    assert arrival_level({"yes_count": 10}) is RiskLevel.MEDIUM
    assert arrival_level({"yes_count": 0}) is RiskLevel.STANDARD
    assert arrival_level(None) is None


def incident(days_ago: float = 0) -> Incident:
    return Incident(uuid4(), NOW - timedelta(days=days_ago))


def rules(flags: list[MaracFlag]) -> list[str]:
    return [f.rule.value for f in flags]


def test_visible_high_risk_at_14() -> None:
    now = incident()
    assert rules(evaluate(now, grade(13, None, None), [])) == []
    flags = evaluate(now, grade(14, None, None), [])
    assert rules(flags) == ["visible-high-risk"]
    assert flags[0].version == RULE_VERSIONS[MaracRule.VISIBLE_HIGH_RISK]
    assert flags[0].incidents == (now.id,)


def test_professional_judgement_only_when_raised_to_high() -> None:
    now = incident()
    assert rules(evaluate(now, grade(8, RiskLevel.MEDIUM, REASON), [])) == []
    assert rules(evaluate(now, grade(8, RiskLevel.HIGH, REASON), [])) == [
        "professional-judgement"]


def test_potential_escalation_three_incidents_in_twelve_months() -> None:
    now = incident()
    victim = uuid4()
    one_year = (NOW - (NOW.replace(year=NOW.year - 1))).days
    two = VictimHistory(victim, (incident(30),))
    assert rules(evaluate(now, grade(3, None, None), [two])) == []
    edge = incident(one_year)  # exactly twelve months before: inside
    three = VictimHistory(victim, (incident(30), edge))
    flags = evaluate(now, grade(3, None, None), [three])
    assert rules(flags) == ["potential-escalation"]
    assert set(flags[0].incidents) == {now.id, edge.id, three.incidents[0].id}
    assert flags[0].victim_id == victim
    outside = VictimHistory(victim, (incident(30), incident(one_year + 1)))
    assert rules(evaluate(now, grade(3, None, None), [outside])) == []
    later = VictimHistory(victim, (incident(30), incident(-5)))  # after this one: not counted
    assert rules(evaluate(now, grade(3, None, None), [later])) == []


def test_repeat_within_twelve_months_of_the_last_referral() -> None:
    now = incident()
    victim = uuid4()
    one_year = NOW.replace(year=NOW.year - 1)
    inside = VictimHistory(victim, referrals=(one_year,))
    assert rules(evaluate(now, grade(3, None, None), [inside])) == ["repeat"]
    outside = VictimHistory(victim, referrals=(one_year - timedelta(minutes=1),))
    assert rules(evaluate(now, grade(3, None, None), [outside])) == []
    future = VictimHistory(victim, referrals=(NOW + timedelta(days=1),))
    assert rules(evaluate(now, grade(3, None, None), [future])) == []


def test_every_rule_can_fire_together_in_order() -> None:
    now = incident()
    victim = VictimHistory(uuid4(), (incident(10), incident(20)), (NOW - timedelta(days=40),))
    assert rules(evaluate(now, grade(16, None, None), [victim])) == [
        "visible-high-risk", "potential-escalation", "repeat"]
