"""Access decisions per second: the hub's decision point against plain Casbin, and a proof.

Speed. The same workload of questions (drawn with a fixed seed, skewed as real traffic is, so
that questions repeat) is decided by ``DecisionPoint.decide`` and by a fresh plain Casbin
enforcer of the same policy asked the same requests the same way (full, then summary if full
is refused), at two policy sizes: 50 rules (an evenly spaced sample of the packaged rows, so
every section is represented) and 1,000 rules (the packaged rows followed by generated grants
and concrete refusals of the same shape, as a large local authority accumulates them). The hub
is timed cold (its memo emptied before every decision: the compiled evaluator alone) and warm
(the memo filled by a previous pass). Casbin is timed on a prefix of the workload.

Proof. The compiled rows must give Casbin's decision and reported rule for every request: each
valid kind/role pair and one unknown, times every relation, class, purpose, basis, restriction
and visibility, 304,000 requests at a millisecond or more each in Casbin. Both answers depend
only on which rows match (Casbin's effect and explained rule are functions of the matching rows
in order), and the matcher (which ``CompiledRows.evaluate`` spells out) compares a request
value only for equality with the row's value in that column (a row's "*" accepts any value)
and with two constants, "sensitive-location" and "none". So, among a set of rows, two values
that no row names in a column and that are not a constant make every row match or not alike:
they are interchangeable. The space is split one column at a time: each value some remaining
row names (or a constant) alone, all the others together as one class with one representative;
then the rows whose value in that column is neither "*" nor the representative are dropped, as
they can no longer match, and the next column is split judged by the rows that remain (the
column that leaves fewest rows is taken next; any order is sound). Kind and role go first, as
pairs. One request per class is compared, and the class sizes are summed to check that they
cover the whole space.
"""

import math
import multiprocessing
import random
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

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
from hub.progress import step
from policies.decision_point import (
    CompiledRows,
    DecisionPoint,
    MembershipPolicy,
    PolicyText,
    Request,
    build_enforcer,
    packaged_policy,
)

Row = tuple[str, ...]
Answer = tuple[bool, list[str]]
CONSTANTS = frozenset({"sensitive-location", "none"})  # request values the matcher names
VIS = ("full", "summary")
DOMAINS: tuple[tuple[str, ...], ...] = (
    *(tuple(v.value for v in e) for e in (Relation, DataClass, Purpose, Basis, Restriction)), VIS)
UNKNOWN_PAIR = ("bakery", "baker")
# How often each value is asked about (unlisted: 1), in a city's daily traffic.
WEIGHTS = {
    "police-officer": 30, "mash-worker": 20, "social-worker": 12, "health-practitioner": 15,
    "dsl": 15, "dart-worker": 8, "missing-worker": 6, "team-manager": 4,
    "none": 14, "involved": 3, "owner": 2, "identity": 5, "police-incident": 4, "triage": 12,
    "assessment": 6, "strategy-discussion": 4, "s47": 4, "referral": 4, "statutory": 2,
    "sharing-decision": 2, "restricted": 2, "full": 1, "summary": 1,
}


def _progress(label: str, done: int, total: int) -> None:
    step(f"  {label}:", done, total)  # a bar on a terminal, plain lines otherwise


def _text(model: str, rows: Sequence[Row]) -> PolicyText:
    return PolicyText(model, "".join(f"p, {', '.join(row)}\n" for row in rows))


def _pairs() -> list[tuple[str, str]]:
    membership = MembershipPolicy(packaged_policy("membership"))
    return [(k.value, r.value) for k in AgencyKind for r in StaffRole
            if membership.allows(k.value, r.value)]


def grown_rows(rows: Sequence[Row], pairs: Sequence[tuple[str, str]], size: int,
               rng: random.Random) -> list[Row]:
    """The packaged rows, then local grants and concrete refusals until ``size`` rows."""
    staff = [pair for pair in pairs if pair[1] != "admin"]
    grown, seen = list(rows), {row[:9] for row in rows}
    while len(grown) < size:
        kind, role = rng.choice(staff)
        relation, dclass, purpose, basis, restriction, vis = (rng.choice(d) for d in DOMAINS)
        if rng.random() < 0.15:
            row = (kind, role, "*", dclass, purpose, basis, restriction, vis, "deny",
                   f"local-exclusion-{len(grown)}")
        else:
            row = (kind, role, rng.choice((relation, "*")), dclass, purpose,
                   rng.choice((basis, "*", "*")), rng.choice((restriction, "*", "*", "*")),
                   vis, "allow", f"local-agreement-{len(grown) // 25}")
        if row[:9] not in seen:
            seen.add(row[:9])
            grown.append(row)
    return grown


def workload(pairs: Sequence[tuple[str, str]], count: int, rng: random.Random
             ) -> list[AccessQuestion]:
    def pick(values: Sequence[Any], key: Callable[[Any], str] = str) -> Any:
        return rng.choices(values, [WEIGHTS.get(key(v), 1) for v in values])[0]

    questions = []
    for _ in range(count):
        kind, role = pick(pairs, lambda pair: pair[1])
        questions.append(AccessQuestion(kind, role, pick(list(Relation)), pick(list(DataClass)),
                                        pick(list(Purpose)), pick(list(Basis)),
                                        pick(list(Restriction))))
    return questions


def _request(question: AccessQuestion, vis: str) -> Request:
    return (question.agency_kind, question.role, question.relation.value,
            question.data_class.value, question.purpose.value, question.basis.value,
            question.restriction.value, vis)


def casbin_decide(enforcer: Any, question: AccessQuestion) -> Visibility:
    """What ``DecisionPoint.decide`` does, asked of plain Casbin."""
    for vis in VIS:
        allowed, _ = enforcer.enforce_ex(*_request(question, vis))
        if allowed:
            return Visibility(vis)
    return Visibility.NONE


def _rate(label: str, items: Sequence[AccessQuestion], decide: Callable[[AccessQuestion], Any],
          passes: int = 3) -> float:
    """Decisions per second, the best of some passes (progress per pass: none in the loop)."""
    best = math.inf
    for done in range(1, passes + 1):
        began = time.perf_counter()
        for question in items:
            decide(question)
        best = min(best, time.perf_counter() - began)
        _progress(label, done, passes)
    return len(items) / best


def speed(text: PolicyText, questions: Sequence[AccessQuestion], casbin_count: int,
          label: str) -> dict[str, Any]:
    sample = questions[:casbin_count]
    enforcer = build_enforcer(text)
    seen: list[Visibility] = []
    began = time.perf_counter()
    for i, question in enumerate(sample, 1):
        seen.append(casbin_decide(enforcer, question))
        _progress(f"{label}, casbin", i, len(sample))
    casbin_rate = len(sample) / (time.perf_counter() - began)
    cold = DecisionPoint(text)
    memo = cold.version_at(None).memo

    def decide_cold(question: AccessQuestion) -> object:
        memo.clear()
        return cold.decide(question)

    cold_rate = _rate(f"{label}, hub cold (passes)", questions, decide_cold)
    warm = DecisionPoint(text)
    for question in questions:
        warm.decide(question)
    warm_rate = _rate(f"{label}, hub warm (passes)", questions, warm.decide, passes=5)
    disagree = [q for q, v in zip(sample, seen, strict=True) if warm.decide(q).visibility != v]
    return {"rules": len(enforcer.get_policy()), "casbin_decisions": len(sample),
            "casbin": casbin_rate, "cold": cold_rate, "warm": warm_rate,
            "workload_disagreements": len(disagree)}


def _classes(domain: Sequence[str], mentioned: set[str]) -> list[tuple[str, int]]:
    """A representative of each class and its size: named values alone, the rest together."""
    alone = [(v, 1) for v in domain if v in mentioned or v in CONSTANTS]
    rest = [v for v in domain if v not in mentioned and v not in CONSTANTS]
    return alone + ([(rest[0], len(rest))] if rest else [])


def class_representatives(rows: Sequence[Row], pairs: Sequence[tuple[str, str]]
                          ) -> tuple[list[Request], int]:
    """One request per class of the whole space, and the number of requests they stand for."""
    kinds, roles = {row[0] for row in rows} | CONSTANTS, {row[1] for row in rows} | CONSTANTS
    by_class: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for kind, role in pairs:
        by_class.setdefault((kind if kind in kinds else "", role if role in roles else ""),
                            []).append((kind, role))
    requests: list[Request] = []
    covered = 0
    for members in by_class.values():
        kind, role = members[0]
        relevant = [row for row in rows if row[0] in (kind, "*") and row[1] in (role, "*")]
        covered += _expand(relevant, {0: kind, 1: role}, len(members), requests)
    return requests, covered


def _expand(rows: Sequence[Row], fixed: dict[int, str], size: int, out: list[Request]) -> int:
    """Split the open column that leaves fewest rows into classes judged by those rows."""
    splits = {column: [(value, count, [row for row in rows if row[column] in (value, "*")])
                       for value, count in _classes(DOMAINS[column - 2], {r[column] for r in rows})]
              for column in range(2, 8) if column not in fixed}
    if not splits:
        f = fixed
        out.append((f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7]))
        return size
    column = min(splits, key=lambda c: sum(len(still) for _, _, still in splits[c]))
    # A row whose value in a fixed column is neither "*" nor the request's cannot match.
    return sum(_expand(still, {**fixed, column: value}, size * count, out)
               for value, count, still in splits[column])


_WORKER: list[tuple[Any, CompiledRows]] = []


def _start_worker(text: PolicyText) -> None:
    enforcer = build_enforcer(text)
    _WORKER.append((enforcer, CompiledRows(enforcer.get_policy())))


def _check(chunk: list[Request]) -> tuple[int, int, list[tuple[Request, Answer, Answer]]]:
    enforcer, compiled = _WORKER[0]
    wrong = []
    for request in chunk:
        allowed, explain = enforcer.enforce_ex(*request)
        reference = (bool(allowed), list(explain))
        if (ours := compiled.evaluate(request)) != reference:
            wrong.append((request, ours, reference))
    return len(chunk), len(wrong), wrong[:5]


def compare(text: PolicyText, requests: Sequence[Request], label: str) -> dict[str, Any]:
    """Compiled rows against plain Casbin on every request, in two processes."""
    chunks = [list(requests[i:i + 250]) for i in range(0, len(requests), 250)]
    done, wrong, first = 0, 0, list[tuple[Request, Answer, Answer]]()
    began = time.perf_counter()
    with multiprocessing.Pool(2, _start_worker, (text,)) as pool:
        for count, mismatches, some in pool.imap_unordered(_check, chunks):
            done, wrong, first = done + count, wrong + mismatches, first + some
            _progress(label, done, len(requests))
    seconds = time.perf_counter() - began
    for request, ours, reference in first[:5]:
        print(f"  MISMATCH {request}: compiled {ours}, casbin {reference}", file=sys.stderr)
    return {"compared": done, "mismatches": wrong, "seconds": round(seconds, 1)}


def run(workload_size: int = 20_000, seed: int = 11) -> dict[str, Any]:
    rng = random.Random(seed)
    packaged = packaged_policy("access")
    rows = [tuple(row) for row in build_enforcer(packaged).get_policy()]
    pairs = _pairs()
    big_rows = grown_rows(rows, pairs, 1000, rng)
    small = _text(packaged.model, [rows[i * len(rows) // 50] for i in range(50)])
    big = _text(packaged.model, big_rows)
    questions = workload(pairs, workload_size, rng)
    result: dict[str, Any] = {
        "workload": len(questions), "distinct": len(set(questions)),
        "speed": [speed(small, questions, 4000, "50 rules"),
                  speed(big, questions, 1000, "1,000 rules")],
    }
    space = (len(pairs) + 1) * math.prod(len(d) for d in DOMAINS)
    requests, covered = class_representatives(rows, [*pairs, UNKNOWN_PAIR])
    if covered != space:
        raise AssertionError(f"the classes cover {covered} requests of {space}")
    proofs = [{"policy": f"packaged ({len(rows)} rules)", "scope": "exhaustive",
               "space": space, **compare(packaged, requests, "exhaustive, packaged")}]
    big_requests, big_covered = class_representatives(big_rows, [*pairs, UNKNOWN_PAIR])
    if len(big_requests) <= 40_000:
        proofs.append({"policy": "1,000 rules", "scope": "exhaustive", "space": big_covered,
                       **compare(big, big_requests, "exhaustive, 1,000 rules")})
    else:
        sample: list[Request] = []
        for _ in range(20_000):
            (kind, role), (rel, dclass, purpose, basis, restr, vis) = (
                rng.choice([*pairs, UNKNOWN_PAIR]), [rng.choice(d) for d in DOMAINS])
            sample.append((kind, role, rel, dclass, purpose, basis, restr, vis))
        proofs.append({"policy": "1,000 rules", "scope": "random sample", "space": space,
                       "classes": len(big_requests),
                       **compare(big, sample, "sample, 1,000 rules")})
    result["proofs"] = proofs
    result["mismatches"] = sum(p["mismatches"] for p in proofs) + sum(
        s["workload_disagreements"] for s in result["speed"])
    return result


def markdown(result: dict[str, Any]) -> list[str]:
    """The BENCHMARKS.md section for a result of ``run``."""
    lines = [
        "## Access decisions: the decision point against plain Casbin",
        "",
        f"{result['workload']:,} questions ({result['distinct']:,} distinct) drawn with a fixed",
        "seed, skewed as daily traffic is, decided by `DecisionPoint.decide` and by a fresh plain",
        "Casbin enforcer of the same policy (`enforce_ex` for full, then summary if refused).",
        "Cold: the memo emptied before each decision (the compiled rows alone); warm: the memo",
        "filled by a previous pass. Casbin is timed on the first "
        + " and ".join(f"{s['casbin_decisions']:,}" for s in result["speed"])
        + " questions.",
        "50 rules: an evenly spaced sample of the packaged policy; 1,000 rules: the packaged",
        "policy and generated local grants and concrete refusals of the same shape.",
        "",
        "| rules | Casbin decisions/s | hub cold/s | hub warm/s | cold / Casbin | warm / Casbin |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    lines += [f"| {s['rules']:,} | {s['casbin']:,.0f} | {s['cold']:,.0f} | {s['warm']:,.0f} "
              f"| {s['cold'] / s['casbin']:,.0f}x | {s['warm'] / s['casbin']:,.0f}x |"
              for s in result["speed"]]
    lines += [
        "",
        "Equivalence: the compiled rows' decision and reported rule against Casbin's, over",
        "the valid kind/role pairs and one unknown pair times every relation, class, purpose,",
        "basis, restriction and visibility. Both depend only on which rows match, and the",
        "matcher compares a request value only with the row's value in its column (`*` accepts",
        "any) and with the constants `sensitive-location` and `none`; so values that no",
        "remaining row names in a column, other than the constants, are interchangeable. The",
        "space is split a column at a time into such classes, dropping the rows that can no",
        "longer match; one request per class is compared, and the class sizes are checked to",
        "add up to the whole space. Two processes.",
        "",
        "| policy | scope | space | requests compared | seconds | mismatches |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    lines += [f"| {p['policy']} | {p['scope']} | {p['space']:,} | {p['compared']:,} "
              f"| {p['seconds']} | {p['mismatches']} |" for p in result["proofs"]]
    big = result["speed"][-1]
    lines += ["", f"**Hub warm / plain Casbin at {big['rules']:,} rules: "
              f"{big['warm'] / big['casbin']:,.0f}x (cold: {big['cold'] / big['casbin']:,.0f}x); "
              f"mismatches: {result['mismatches']}**", ""]
    return lines
