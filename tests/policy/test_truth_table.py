"""The truth table, row by row, at the decision point the hub uses."""

import csv
from pathlib import Path

from domain.access import AccessQuestion, Basis, DataClass, Purpose, Relation, Restriction
from policies.decision_point import DecisionPoint, packaged_policy
from tests.policy.spec import effective, render

TABLE = Path(__file__).with_name("truth_table.csv")


def table_rows() -> list[dict[str, str]]:
    lines = [line for line in TABLE.read_text().splitlines() if not line.startswith("#")]
    return list(csv.DictReader(lines))


def test_the_committed_table_is_the_specification() -> None:
    assert TABLE.read_text() == render(), "run: python -m tests.policy.spec"


def test_every_reachable_row_matches_the_decision_point() -> None:
    decisions = DecisionPoint(packaged_policy("access"))
    checked = 0
    for row in table_rows():
        if row["unreachable_because"]:
            continue
        question = AccessQuestion(row["kind"], row["role"], Relation(row["relation"]),
                                  DataClass(row["data_class"]), Purpose(row["purpose"]),
                                  restriction=Restriction(row["restriction"]))
        # The resolver drops a basis recorded by the wrong party before the policy decides.
        basis = effective(Basis(row["basis"]), row["recorded_by"])
        decision = decisions.decide_best(question, {basis})
        assert decision.visibility.value == row["expected"], (row, decision.rule)
        checked += 1
    assert checked > 6_000
