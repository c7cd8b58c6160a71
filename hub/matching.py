"""Possible matches: the owning team lists them, sees the evidence, confirms or rejects.

The intake holds a subject whose identifier matched a known person, while the names or date of
birth did not (``domain.matching``), on a provisional person, with a ``PossibleMatch`` saved in
the same write as the notification. The team that works what the notification is (the DART
for a police domestic abuse incident, the MASH otherwise) decides, with a reason:

- confirmed: the provisional person's notifications (and the involvement accepted on them)
  join the known person's record, each link saying a confirmed match made it, and the
  provisional record points at the known one (``PersonRecord.same_as``): a read of either is a
  read of the known child;
- rejected: the two stay apart.

Listing names both children (a summary); the evidence (both persons' names, dates of birth
and identifiers side by side) is a disclosure naming both, audited before it is answered. A
decision is audited with its outcome and the rule that raised the doubt, never the reason's
words (sealed under the provisional person). Deny by default: only the owning team's roles
with the capability, never the agency that sent the notification.
"""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from domain.access import DataClass, Purpose, Visibility
from domain.audit import AuditKind
from domain.errors import RuleViolation
from domain.matching import MatchOutcome, PossibleMatch
from domain.people import PersonRecord
from domain.personal import reveal, reveal_fields
from hub.access import HUB_OWNER
from hub.audit.shown import Shown, disclose
from hub.audit.trail import AuditTrail
from hub.capabilities import Requirement
from hub.errors import NotEntitled, NotFound
from hub.projections.work_index import WorkIndex
from hub.registry import Caller
from hub.store import HubStore
from policies.decision_point import CapabilityPolicy

READ = "read-possible-matches"
DECIDE = "decide-possible-match"
# What the evidence shows of each person, side by side.
EVIDENCE_FIELDS = ("given_name", "family_name", "date_of_birth", "nhs_number", "upn",
                   "postcode")


class Matching:
    def __init__(self, store: HubStore, capabilities: CapabilityPolicy, audit: AuditTrail,
                 work: WorkIndex,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._store = store
        self._audit = audit
        self._work = work
        self._clock = clock
        self.require = Requirement(capabilities, audit)

    def possible_matches(self, caller: Caller) -> dict[str, Any]:
        """The caller's team's undecided possible matches, oldest first: ids, rule and which
        fields disagreed (never a value), audited as a summary of both children."""
        self.require(caller, READ, "read-possible-matches")
        self._work.catch_up()
        matches = sorted(
            (m for i in self._work.open_matches
             if (m := self._store.find(i, PossibleMatch)) is not None
             and m.open and m.team == caller.agency_kind),
            key=lambda m: (m.raised_at, str(m.id)))
        disclose(self._audit, caller, "read-possible-matches",
                 [s for m in matches for s in self._shown(m, Visibility.SUMMARY, READ)],
                 purpose=Purpose.TRIAGE.value,
                 details={"possible_matches": [str(m.id) for m in matches]})
        return {"items": [self._view(m) for m in matches]}

    def evidence(self, caller: Caller, match_id: UUID) -> dict[str, Any]:
        """Both persons side by side, for the owning team only; a disclosure naming both."""
        self.require(caller, READ, "read-possible-match")
        match = self._owned(caller, match_id, "read-possible-match")
        provisional, known = self._people(match)
        disclose(self._audit, caller, "read-possible-match",
                 self._shown(match, Visibility.FULL, READ), purpose=Purpose.TRIAGE.value,
                 details={"possible_match": str(match.id)})
        return {**self._view(match),
                "provisional": self._person(provisional), "known": self._person(known)}

    def decide(self, caller: Caller, match_id: UUID, outcome: MatchOutcome,
               reason: str) -> dict[str, Any]:
        """Confirm (the provisional person's records join the known person's) or reject (they
        stay apart), with a reason; audited with the outcome, never the reason's words."""
        self.require(caller, DECIDE, "decide-possible-match")
        at = self._clock()

        def attempt() -> PossibleMatch:
            match = self._owned(caller, match_id, "decide-possible-match")
            match.decide(outcome, reason, caller.as_actor(), caller.agency_kind, at)
            changed: list[Any] = [match]
            if outcome is MatchOutcome.CONFIRMED:
                provisional, known = self._people(match)
                if provisional.erased or known.erased:
                    raise RuleViolation("one of the two records has been erased: it cannot "
                                        "be confirmed as the other")
                if provisional.merged_in or provisional.merged_into or known.merged_into:
                    # A record merged in keeps its bases only while it stays a merge; taken
                    # in again by a confirmation it would be judged on the known child's.
                    raise RuleViolation("a record was merged into (or from) one of the two: "
                                        "split it off before confirming the match")
                known.take_in(provisional, match.id, caller.as_actor(), at)
                changed += [known, provisional]
            else:
                provisional, known = self._people(match)
                known.tell_apart(provisional, match.id, at)
                changed.append(known)
            self._store.save(*changed)
            return match

        match = self._store.write(attempt)
        self._audit.record(
            kind=AuditKind.MATCHING, action="decide-possible-match", actor=caller.as_actor(),
            purpose=Purpose.TRIAGE.value, child_ids=[match.provisional_id, match.known_id],
            details={"possible_match": str(match.id), "outcome": outcome.value,
                     "notification": str(match.notification_id), "rule": match.rule,
                     "rule_version": match.rule_version})
        return self._view(match)

    # Helpers ---------------------------------------------------------------------------

    def _owned(self, caller: Caller, match_id: UUID, action: str) -> PossibleMatch:
        """The match, if the caller's team owns it (a refusal audited, naming no child)."""
        match = self._store.find(match_id, PossibleMatch)
        if match is None:
            raise NotFound("no such possible match")
        if match.team != caller.agency_kind:
            self._audit.record(kind=AuditKind.DENIAL, action=action, actor=caller.as_actor(),
                               purpose=Purpose.TRIAGE.value, child_ids=[],
                               details={"possible_match": str(match.id),
                                        "outcome": "refused", "reason": "another team's"})
            raise NotEntitled("another team decides this possible match")
        return match

    def _people(self, match: PossibleMatch) -> tuple[PersonRecord, PersonRecord]:
        provisional = self._store.find(match.provisional_id, PersonRecord)
        known = self._store.find(match.known_id, PersonRecord)
        if provisional is None or known is None:
            raise NotFound("no such person")
        return provisional, known

    @staticmethod
    def _shown(match: PossibleMatch, visibility: Visibility, capability: str) -> list[Shown]:
        """The match shows the provisional person (as its sender described them) and the
        known person (the hub's record): one record of each."""
        rule = f"capability:{capability}"
        return [Shown(match.id, "possible-match", match.sender, match.provisional_id,
                      (DataClass.IDENTITY,), "matching-review", rule, visibility.value),
                Shown(match.id, "possible-match", HUB_OWNER, match.known_id,
                      (DataClass.IDENTITY,), "matching-review", rule, visibility.value)]

    @staticmethod
    def _person(person: PersonRecord) -> dict[str, Any]:
        shown = reveal_fields({k: v for k, v in person.identity.items() if k in EVIDENCE_FIELDS})
        return {"id": str(person.id), "kind": person.kind, "erased": person.erased, **shown}

    @staticmethod
    def _view(match: PossibleMatch) -> dict[str, Any]:
        decision = match.decision
        return {
            "id": str(match.id), "provisional_id": str(match.provisional_id),
            "known_id": str(match.known_id), "notification_id": str(match.notification_id),
            "notification_type": match.notification_type, "sender": match.sender,
            "team": match.team, "rule": match.rule, "rule_version": match.rule_version,
            "comparisons": list(match.comparisons), "raised_at": match.raised_at.isoformat(),
            "decision": None if decision is None else {
                "outcome": decision["outcome"], "by": decision["by"],
                "at": decision["at"].isoformat(), "reason": reveal(decision["reason"])},
        }
