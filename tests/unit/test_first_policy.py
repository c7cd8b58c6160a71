"""The first access policy, as a truth table over every attribute it decides on."""

import itertools

import pytest

from domain.access import AccessQuestion, DataClass, Purpose, Relation, Visibility
from domain.agencies import AgencyKind, StaffRole
from policies.decision_point import DecisionPoint, MembershipPolicy, packaged_policy

FULL_FOR_ALL_RECORDS = {("mash", "mash-worker"), ("mash", "social-worker"),
                        ("mash", "team-manager"), ("dart", "dart-worker"),
                        ("dart", "team-manager")}


def expected(kind: str, role: str, relation: Relation) -> Visibility:
    """The policy of issue 2 in words: owners and MASH/DART roles see in full; nobody else."""
    if (kind, role) in FULL_FOR_ALL_RECORDS:
        return Visibility.FULL
    if relation is Relation.OWNER:
        return Visibility.FULL
    return Visibility.NONE


def test_every_combination_matches_the_table() -> None:
    decisions = DecisionPoint(packaged_policy("access"))
    membership = MembershipPolicy(packaged_policy("membership"))
    checked = 0
    for kind, role, relation, data_class, purpose in itertools.product(
        AgencyKind, StaffRole, Relation, DataClass, Purpose
    ):
        if not membership.allows(kind.value, role.value):
            continue
        decision = decisions.decide(AccessQuestion(kind.value, role.value, relation, data_class,
                                                   purpose))
        assert decision.visibility is expected(kind.value, role.value, relation), \
            (kind, role, relation, data_class, purpose, decision.rule)
        assert decision.rule
        checked += 1
    assert checked > 1000


def test_the_memo_agrees_with_plain_casbin() -> None:
    decisions = DecisionPoint(packaged_policy("access"))
    question = AccessQuestion("police", "police-officer", Relation.OTHER, DataClass.HEALTH,
                              Purpose.TRIAGE)
    first = decisions.decide(question)
    assert decisions.decide(question) is first
    fresh = DecisionPoint(packaged_policy("access"))._decide(question)
    assert fresh == first


def test_unknown_subjects_are_denied() -> None:
    decisions = DecisionPoint(packaged_policy("access"))
    decision = decisions.decide(AccessQuestion("bakery", "baker", Relation.OTHER,
                                               DataClass.IDENTITY, Purpose.TRIAGE))
    assert decision.visibility is Visibility.NONE
    assert decision.rule == "default-deny"


@pytest.mark.parametrize(("kind", "role", "allowed"), [
    ("police", "police-officer", True), ("school", "dsl", True),
    ("school", "police-officer", False),
    ("mash", "dsl", False), ("auditor", "auditor", True), ("police", "auditor", False),
])
def test_membership_policy(kind: str, role: str, allowed: bool) -> None:
    assert MembershipPolicy(packaged_policy("membership")).allows(kind, role) is allowed


def test_policy_version_is_a_content_hash() -> None:
    text = packaged_policy("access")
    assert DecisionPoint(text).policy_version == text.version
    assert text.version.startswith("sha256:")
