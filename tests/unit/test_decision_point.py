"""The compiled decision point against plain Casbin, the reference.

The compiled rows give Casbin's decision and reported rule; the test suite checks every
kind/role pair the membership policy allows against Casbin over the attributes that vary most,
and a property test samples the whole space. (``make bench`` runs the exhaustive comparison.)
"""

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.access import (
    AccessQuestion,
    Basis,
    DataClass,
    Purpose,
    Relation,
    Restriction,
    Visibility,
)
from domain.agencies import AgencyKind, StaffRole
from policies.decision_point import (
    CompiledRows,
    DecisionPoint,
    MembershipPolicy,
    PolicyText,
    PolicyVersion,
    build_enforcer,
    packaged_policy,
)

ACCESS = packaged_policy("access")
REFERENCE = build_enforcer(ACCESS)
COMPILED = PolicyVersion.build(ACCESS).compiled
MEMBERSHIP = MembershipPolicy(packaged_policy("membership"))
PAIRS = [(k.value, r.value) for k in AgencyKind for r in StaffRole
         if MEMBERSHIP.allows(k.value, r.value)] + [("bakery", "baker")]


def casbin_says(request: tuple[str, ...]) -> tuple[bool, list[str]]:
    allowed, explain = REFERENCE.enforce_ex(*request)
    return bool(allowed), list(explain)


def test_the_packaged_policy_is_compiled() -> None:
    assert COMPILED is not None
    assert len(COMPILED.rows) == len(REFERENCE.get_policy())


def test_every_pair_relation_class_and_restriction_matches_casbin() -> None:
    assert COMPILED is not None
    checked = 0
    for (kind, role), relation, dclass, restriction, vis in itertools.product(
        PAIRS, Relation, DataClass, Restriction, ("full", "summary")
    ):
        for purpose, basis in ((Purpose.TRIAGE, Basis.NONE), (Purpose.S47, Basis.STATUTORY),
                               (Purpose.ENCOMPASS, Basis.SHARING_DECISION),
                               (Purpose.MISSING, Basis.BREAK_GLASS)):
            request = (kind, role, relation.value, dclass.value, purpose.value, basis.value,
                       restriction.value, vis)
            assert COMPILED.evaluate(request) == casbin_says(request), request
            checked += 1
    assert checked > 10_000


@settings(max_examples=1500, deadline=None)
@given(st.sampled_from(PAIRS), st.sampled_from(list(Relation)), st.sampled_from(list(DataClass)),
       st.sampled_from(list(Purpose)), st.sampled_from(list(Basis)),
       st.sampled_from(list(Restriction)), st.sampled_from(["full", "summary"]))
def test_random_requests_match_casbin(pair: tuple[str, str], relation: Relation,
                                      dclass: DataClass, purpose: Purpose, basis: Basis,
                                      restriction: Restriction, vis: str) -> None:
    assert COMPILED is not None
    request = (*pair, relation.value, dclass.value, purpose.value, basis.value,
               restriction.value, vis)
    assert COMPILED.evaluate(request) == casbin_says(request)


def test_a_model_the_compiler_does_not_know_is_decided_by_casbin() -> None:
    other = PolicyText(ACCESS.model.replace('r.dclass != "sensitive-location"', "true"),
                       ACCESS.policy)
    assert PolicyVersion.build(other).compiled is None


def test_compiled_rows_report_the_first_deny_or_the_last_allow() -> None:
    rows = CompiledRows([
        ("*", "*", "*", "*", "*", "*", "*", "full", "allow", "a"),
        ("*", "*", "*", "*", "*", "*", "*", "full", "allow", "b"),
        ("x", "*", "*", "*", "*", "*", "*", "full", "deny", "c"),
        ("x", "*", "*", "*", "*", "*", "*", "full", "deny", "d"),
    ])
    base = ("y", "r", "none", "health", "triage", "none", "none", "full")
    assert rows.evaluate(base) == (True, ["*", "*", "*", "*", "*", "*", "*", "full", "allow", "b"])
    assert rows.evaluate(("x", *base[1:]))[1][-1] == "c"


def test_restrictions_win_over_wildcards() -> None:
    decisions = DecisionPoint(ACCESS)
    mash = AccessQuestion("mash", "mash-worker", Relation.NONE, DataClass.SENSITIVE_LOCATION,
                          Purpose.TRIAGE)
    assert decisions.decide_best(mash, [Basis.CONSENT]).visibility is Visibility.NONE
    restricted = AccessQuestion("health", "health-practitioner", Relation.NONE,
                                DataClass.POLICE_INCIDENT, Purpose.TRIAGE,
                                restriction=Restriction.RESTRICTED)
    assert decisions.decide_best(restricted, [Basis.CONSENT]).visibility is Visibility.SUMMARY
    assert decisions.decide_best(restricted, [Basis.SHARING_DECISION]).visibility is \
        Visibility.FULL


def test_break_glass_is_relied_on_only_when_nothing_else_would_do() -> None:
    decisions = DecisionPoint(ACCESS)
    question = AccessQuestion("police", "police-officer", Relation.INVOLVED, DataClass.HEALTH,
                              Purpose.S47)
    decision = decisions.decide_best(question, [Basis.STATUTORY, Basis.BREAK_GLASS])
    assert (decision.visibility, decision.basis) == (Visibility.FULL, Basis.STATUTORY)
    decision = decisions.decide_best(question, [Basis.BREAK_GLASS])
    assert (decision.visibility, decision.basis) == (Visibility.FULL, Basis.BREAK_GLASS)


def test_unknown_subjects_are_denied_by_default() -> None:
    decision = DecisionPoint(ACCESS).decide_best(
        AccessQuestion("bakery", "baker", Relation.OWNER, DataClass.IDENTITY, Purpose.TRIAGE),
        list(Basis))
    assert decision.visibility is Visibility.NONE
    assert decision.rule == "default-deny"


def test_policy_version_is_a_content_hash() -> None:
    assert DecisionPoint(ACCESS).policy_version == ACCESS.version
    assert ACCESS.version.startswith("sha256:")
