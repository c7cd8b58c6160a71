"""The one place where access is decided.

Casbin is the reference decision-maker. The decision for a set of discrete attributes never
changes while the policy text is the same, so decisions are memoised per ``AccessQuestion``;
the memo is dropped whenever the policy changes.
"""

import hashlib
import logging
from dataclasses import dataclass
from importlib import resources
from threading import Lock

import casbin
from casbin.model import Model
from casbin.persist.adapters.string_adapter import StringAdapter

from domain.access import AccessDecision, AccessQuestion, Visibility

DEFAULT_DENY_RULE = "default-deny"


@dataclass(frozen=True)
class PolicyText:
    """A Casbin model and its policy rows, as text; the version is their content hash."""

    model: str
    policy: str

    @property
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


class DecisionPoint:
    """Turns an ``AccessQuestion`` into an ``AccessDecision`` with the rule that decided it."""

    def __init__(self, text: PolicyText) -> None:
        self._lock = Lock()
        self._memo: dict[AccessQuestion, AccessDecision] = {}
        self._text = text
        self._enforcer = build_enforcer(text)

    @property
    def policy_version(self) -> str:
        return self._text.version

    def replace_policy(self, text: PolicyText) -> None:
        enforcer = build_enforcer(text)
        with self._lock:
            self._text, self._enforcer = text, enforcer
            self._memo = {}

    def decide(self, question: AccessQuestion) -> AccessDecision:
        decision = self._memo.get(question)
        if decision is None:
            with self._lock:
                decision = self._decide(question)
                self._memo[question] = decision
        return decision

    def _decide(self, question: AccessQuestion) -> AccessDecision:
        """Ask Casbin for full visibility, then for summary; the first allowed wins."""
        refusing_rule = DEFAULT_DENY_RULE
        for visibility in (Visibility.FULL, Visibility.SUMMARY):
            allowed, explain = self._enforcer.enforce_ex(
                question.agency_kind, question.role, question.relation.value,
                question.data_class.value, question.purpose.value, visibility.value,
            )
            rule = ", ".join(explain) if explain else DEFAULT_DENY_RULE
            if allowed:
                return AccessDecision(visibility, rule, self._text.version)
            if explain and refusing_rule == DEFAULT_DENY_RULE:
                refusing_rule = rule
        return AccessDecision(Visibility.NONE, refusing_rule, self._text.version)


class MembershipPolicy:
    """Which roles an agency of each kind may give its people (policy data, not code)."""

    def __init__(self, text: PolicyText) -> None:
        self._enforcer = build_enforcer(text)

    def allows(self, agency_kind: str, role: str) -> bool:
        return bool(self._enforcer.enforce(agency_kind, role))
