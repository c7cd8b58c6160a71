"""The one place where access is decided.

Casbin is the reference decision-maker. For speed, each policy is also compiled: its rows are
matched in plain Python with exactly the model's semantics (exact value or "*", the two
restriction exceptions, first matching deny wins, otherwise the last matching allow is the
rule reported), and answers are memoised per set of discrete attributes. The tests prove the
compiled form gives Casbin's decision and rule over the whole attribute space; a model whose
text differs from the one compiled here is decided by Casbin alone.

Every policy version is kept with the instant it came into force, so a past access can be
re-decided under the policy of its time.
"""

import bisect
import hashlib
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from importlib import resources
from threading import Lock

import casbin
from casbin.model import Model
from casbin.persist.adapters.string_adapter import StringAdapter

from domain.access import (
    BASIS_PREFERENCE,
    VISIBILITY_RANK,
    AccessDecision,
    AccessQuestion,
    Basis,
    Restriction,
    Visibility,
)

DEFAULT_DENY_RULE = "default-deny"
SENSITIVE = "sensitive-location"
Request = tuple[str, str, str, str, str, str, str, str]


@dataclass(frozen=True)
class PolicyText:
    """A Casbin model and its policy rows, as text; the version is their content hash."""

    model: str
    policy: str

    @cached_property
    def version(self) -> str:
        digest = hashlib.sha256()
        for part in (self.model, self.policy):
            data = part.encode()
            digest.update(len(data).to_bytes(8, "big"))
            digest.update(data)
        return "sha256:" + digest.hexdigest()[:16]


def packaged_policy(name: str) -> PolicyText:
    """The policy shipped in this package as ``<name>_model.conf`` and ``<name>_policy.csv``."""
    folder = resources.files("policies")
    return PolicyText(
        model=folder.joinpath(f"{name}_model.conf").read_text(encoding="utf-8"),
        policy=folder.joinpath(f"{name}_policy.csv").read_text(encoding="utf-8"),
    )


def build_enforcer(text: PolicyText) -> casbin.Enforcer:
    # Casbin logs grants at INFO and refusals at WARNING; the audit trail records both.
    for name in ("casbin", "casbin.enforcer", "casbin.policy", "casbin.role"):
        logging.getLogger(name).setLevel(logging.ERROR)
    model = Model()
    model.load_model_from_text(text.model)
    return casbin.Enforcer(model, StringAdapter(text.policy))


def _matcher_line(model_text: str) -> str:
    return next(line.strip() for line in model_text.splitlines() if line.strip().startswith("m ="))


# The compiled evaluator implements this matcher, and only this one.
COMPILED_MATCHER = _matcher_line(packaged_policy("access").model)


class CompiledRows:
    """The policy rows matched in Python with the access model's semantics."""

    def __init__(self, rows: Iterable[Sequence[str]]) -> None:
        self.rows = [tuple(row) for row in rows]

    def evaluate(self, request: Request) -> tuple[bool, list[str]]:
        kind, role, relation, dclass, purpose, basis, restriction, vis = request
        explain: list[str] = []
        allowed = False
        for row in self.rows:
            p_kind, p_role, p_rel, p_cls, p_pur, p_basis, p_restr, p_vis, eft, _ = row
            if not (
                p_vis == vis
                and (p_kind == kind or p_kind == "*")
                and (p_role == role or p_role == "*")
                and (p_rel == relation or p_rel == "*")
                and (p_cls == dclass or (p_cls == "*" and dclass != SENSITIVE))
                and (p_pur == purpose or p_pur == "*")
                and (p_basis == basis or p_basis == "*")
                and (p_restr == restriction or (p_restr == "*" and restriction == "none"))
            ):
                continue
            explain = list(row)
            if eft == "deny":
                return False, explain
            if eft == "allow":
                allowed = True
        return allowed, explain


@dataclass
class PolicyVersion:
    """One version of the access policy, ready to decide."""

    text: PolicyText
    enforcer: casbin.Enforcer
    compiled: CompiledRows | None
    memo: dict[Request, tuple[bool, list[str]]] = field(default_factory=dict)

    @classmethod
    def build(cls, text: PolicyText) -> "PolicyVersion":
        enforcer = build_enforcer(text)
        compiled = (CompiledRows(enforcer.get_policy())
                    if _matcher_line(text.model) == COMPILED_MATCHER else None)
        return cls(text, enforcer, compiled)

    def enforce(self, request: Request) -> tuple[bool, list[str]]:
        answer = self.memo.get(request)
        if answer is None:
            if self.compiled is not None:
                answer = self.compiled.evaluate(request)
            else:
                allowed, explain = self.enforcer.enforce_ex(*request)
                answer = (bool(allowed), list(explain))
            self.memo[request] = answer
        return answer


class DecisionPoint:
    """Turns an ``AccessQuestion`` into an ``AccessDecision`` under the policy in force."""

    def __init__(self, text: PolicyText, effective_at: datetime | None = None) -> None:
        self._lock = Lock()
        self._versions: dict[str, PolicyVersion] = {}
        self._timeline: list[tuple[datetime, str]] = []
        self._current = self._add(text)
        if effective_at is not None:
            self._timeline.append((effective_at, text.version))

    def _add(self, text: PolicyText) -> PolicyVersion:
        version = self._versions.get(text.version)
        if version is None:
            version = PolicyVersion.build(text)
            self._versions[text.version] = version
        return version

    @property
    def policy_version(self) -> str:
        return self._current.text.version

    @property
    def policy_text(self) -> PolicyText:
        return self._current.text

    def adopt(self, text: PolicyText, effective_at: datetime) -> None:
        """Bring a policy version into force from an instant (history is kept)."""
        with self._lock:
            version = self._add(text)
            bisect.insort(self._timeline, (effective_at, text.version))
            if self._timeline[-1][1] == text.version:
                self._current = version

    def version_at(self, at: datetime | None) -> PolicyVersion:
        if at is None or not self._timeline:
            return self._current
        index = bisect.bisect_right(self._timeline, (at, "\uffff")) - 1
        if index < 0:
            return self._versions[self._timeline[0][1]]
        return self._versions[self._timeline[index][1]]

    def decide(self, question: AccessQuestion, at: datetime | None = None) -> AccessDecision:
        """The visibility one basis gives: full if a row grants it, else summary, else none."""
        version = self.version_at(at)
        refusing = DEFAULT_DENY_RULE
        for visibility in (Visibility.FULL, Visibility.SUMMARY):
            allowed, explain = version.enforce((
                question.agency_kind, question.role, question.relation.value,
                question.data_class.value, question.purpose.value, question.basis.value,
                question.restriction.value, visibility.value,
            ))
            if allowed:
                return AccessDecision(visibility, ", ".join(explain), version.text.version,
                                      ground=explain[-1], basis=question.basis)
            if explain and refusing == DEFAULT_DENY_RULE:
                refusing = ", ".join(explain)
        return AccessDecision(Visibility.NONE, refusing, version.text.version,
                              ground="none", basis=question.basis)

    def decide_best(self, question: AccessQuestion, bases: Iterable[Basis],
                    at: datetime | None = None) -> AccessDecision:
        """The most that any of the bases that hold gives; ties go to the preferred basis."""
        held = set(bases)
        best = self.decide(_with_basis(question, Basis.NONE), at)
        for basis in BASIS_PREFERENCE[1:]:
            if basis not in held:
                continue
            decision = self.decide(_with_basis(question, basis), at)
            if VISIBILITY_RANK[decision.visibility] > VISIBILITY_RANK[best.visibility]:
                best = decision
        return best


def _with_basis(question: AccessQuestion, basis: Basis) -> AccessQuestion:
    return AccessQuestion(question.agency_kind, question.role, question.relation,
                          question.data_class, question.purpose, basis, question.restriction)


def strongest(restrictions: Iterable[Restriction]) -> Restriction:
    order = list(Restriction)
    return max(restrictions, key=order.index, default=Restriction.NONE)


class MembershipPolicy:
    """Which roles an agency of each kind may give its people (policy data, not code)."""

    def __init__(self, text: PolicyText) -> None:
        self._enforcer = build_enforcer(text)

    def allows(self, agency_kind: str, role: str) -> bool:
        return bool(self._enforcer.enforce(agency_kind, role))


class CapabilityPolicy:
    """What a role may do besides reading (record decisions, break glass, ...)."""

    def __init__(self, text: PolicyText) -> None:
        self._enforcer = build_enforcer(text)
        self._memo: dict[tuple[str, str, str], bool] = {}

    def allows(self, agency_kind: str, role: str, capability: str) -> bool:
        key = (agency_kind, role, capability)
        if key not in self._memo:
            self._memo[key] = bool(self._enforcer.enforce(*key))
        return self._memo[key]
