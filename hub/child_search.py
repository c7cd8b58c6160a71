"""Searching for a child: for a reader with the capability, audited, never an oracle.

A reader who may search (``search-children`` in the capability policy) names a child by an
NHS number, a UPN, or name, date of birth and postcode together (``domain.child_search``). The
criteria are hashed with the link key and looked up in the link index, as the intake does: no
personal value is ever compared in clear or scanned for. The answer is one of three:

* ``found``: the child, as ``GET /v1/children/{id}`` would show them, because the access policy
  lets this reader see the child's identity for this purpose, now (the same decision, on the
  same bases);
* ``match-exists``: a child matches whom the reader may not see: no id, no detail, only that
  the MASH is the one to ask;
* ``none``: no child the hub holds matches (an adult's record, or a child whose data was
  erased, is no match).

At most one child can match (each link key points at one record, and several criteria must
all lead to the same one), so no answer is ordered or counted. Every search is one audit entry,
durable before the answer leaves: a disclosure naming the child found (listed by who-saw), a
denial naming the child that matched but was not shown, or a disclosure naming no one. The
entry names the criteria used, never their values. Refusals that do not depend on the match
(the role, an emergency claim, a purpose bound to a role) are made before anything is looked
up, so they say nothing about whether a child exists.
"""

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from domain.access import DataClass, Visibility
from domain.audit import AuditKind
from domain.child_search import ChildQuery, SearchBy, SearchResult
from domain.indexes import link_key
from domain.people import PersonRecord
from domain.personal import reveal_fields
from domain.purposes import needs_case
from hub.access import HUB_OWNER, AccessResolver, Judgement
from hub.audit.trail import AuditTrail
from hub.capabilities import Requirement
from hub.disclosure import ReadContext
from hub.errors import NotEntitled
from hub.intake import LinkHasher
from hub.purposes import PurposeBinding
from hub.registry import Registry
from hub.store import HubStore
from policies.decision_point import CapabilityPolicy, DecisionPoint

ACTION = "search-children"
CAPABILITY = "search-children"
# A search that looked a child up answers no sooner than this after it began, whatever it
# found: how long a record took to load (how much the hub holds about the child), or whether
# there was one, is not to be read from the time an answer takes.
ANSWER_FLOOR_SECONDS = 0.1

MESSAGES = {
    SearchResult.FOUND: "a child matches",
    SearchResult.NONE: "no child matches",
    SearchResult.MATCH_EXISTS: "a match exists that you may not see: contact the MASH",
}


class ChildSearch:
    def __init__(self, store: HubStore, registry: Registry, decisions: DecisionPoint,
                 capabilities: CapabilityPolicy, audit: AuditTrail, link_hasher: LinkHasher,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 floor_seconds: float = ANSWER_FLOOR_SECONDS) -> None:
        self._store = store
        self._floor = floor_seconds
        self._decisions = decisions
        self._audit = audit
        self._hash = link_hasher
        self._clock = clock
        self._resolver = AccessResolver(store, decisions, registry)
        self._purposes = PurposeBinding(store, capabilities, audit)
        self.require = Requirement(capabilities, audit)

    def search(self, ctx: ReadContext, query: ChildQuery) -> dict[str, Any]:
        began = time.monotonic()
        answer = self._search(ctx, query)
        time.sleep(max(0.0, began + self._floor - time.monotonic()))
        return answer

    def _search(self, ctx: ReadContext, query: ChildQuery) -> dict[str, Any]:
        caller = ctx.caller
        self.require(caller, CAPABILITY, ACTION)
        at = self._clock()
        if ctx.break_glass_reason is not None:
            self._audit.record(kind=AuditKind.DENIAL, action=ACTION, actor=caller.as_actor(),
                               purpose=ctx.purpose.value, case_ref=ctx.case_ref,
                               details={"at": at.isoformat(), "break_glass_claimed": True,
                                        "outcome": "no break-glass on a search"})
            raise NotEntitled("a search does not take X-Break-Glass: in an emergency, call "
                              "the MASH")
        if not needs_case(ctx.purpose):  # a purpose bound to a role: refused before a look-up
            self._purposes.check(caller, ctx.purpose, ctx.case_ref, [], at, ACTION)
        keys = query.link_keys()
        details: dict[str, Any] = {"at": at.isoformat(), "break_glass_claimed": False,
                                   "by": [by.value for by, _ in keys]}
        child = self._match(keys)
        if child is None:
            return self._answer(ctx, SearchResult.NONE, None, None, details)
        if needs_case(ctx.purpose):
            case, why = self._purposes.bound_case(caller, ctx.purpose, ctx.case_ref,
                                                  [child.id], at)
            if why is not None:  # the purpose does not hold for this child: not shown
                return self._answer(ctx, SearchResult.MATCH_EXISTS, child, None,
                                    {**details, "outcome": "purpose without its case"})
            if case is not None:
                details["case"] = case
        identity = self._resolver.judge(
            ctx.reader, ctx.purpose, child, self._resolver.ledger(child.id), HUB_OWNER,
            DataClass.IDENTITY, False, at, break_glass=False)
        shown = identity.decision.visibility is Visibility.FULL
        return self._answer(ctx, SearchResult.FOUND if shown else SearchResult.MATCH_EXISTS,
                            child, identity, details)

    def _match(self, keys: list[tuple[SearchBy, str]]) -> PersonRecord | None:
        """The one child every criterion leads to, or None. Every key is looked up, whatever
        the first one found."""
        targets = [self._store.lookup(link_key(self._hash(key))) for _, key in keys]
        if not targets or targets[0] is None or any(t != targets[0] for t in targets):
            return None
        person = self._store.find(targets[0], PersonRecord)
        for _ in range(8):  # a merged record's keys lead on to the record it was merged into
            if person is None or person.merged_into is None:
                break
            person = self._store.find(person.merged_into, PersonRecord)
        if person is None or not person.is_child or person.erased or person.merged_into:
            return None
        return person

    def _answer(self, ctx: ReadContext, result: SearchResult, child: PersonRecord | None,
                identity: Judgement | None, details: dict[str, Any]) -> dict[str, Any]:
        """Audit the search (durably), then answer it."""
        records: list[dict[str, Any]] = []
        if child is not None:
            fields = [identity.as_record()] if identity is not None else []
            visibility = (identity.decision.visibility if identity is not None
                          else Visibility.NONE)
            records.append({"record": str(child.id), "record_type": "person",
                            "owner": HUB_OWNER, "child": str(child.id),
                            "visibility": visibility.value, "fields": fields})
        at = datetime.fromisoformat(details["at"])
        self._audit.record(
            kind=(AuditKind.DENIAL if result is SearchResult.MATCH_EXISTS
                  else AuditKind.DISCLOSURE),
            action=ACTION, actor=ctx.caller.as_actor(), purpose=ctx.purpose.value,
            case_ref=ctx.case_ref, child_ids=[child.id] if child is not None else [],
            records=records, policy_version=self._decisions.version_at(at).text.version,
            details={**details, "result": result.value})
        children = []
        if result is SearchResult.FOUND and child is not None:
            children.append({"id": str(child.id), "kind": child.kind,
                             **reveal_fields(dict(sorted(child.identity.items())))})
        return {"result": result.value, "message": MESSAGES[result], "children": children}

