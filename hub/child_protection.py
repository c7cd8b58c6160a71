"""Child protection plans and looked-after status, and the CP-IS flag for unscheduled care.

Children's social care records conferences, core groups, reviews, the end of plans and
periods in care; the clocks are the domain's. Unscheduled care (A&E, out-of-hours GPs,
ambulance, maternity, sexual health) asks by NHS number whether a child is, or in the last 12
months was, on a plan or looked after: it gets the fact, the plan's type and dates, whom to
call, and the last 25 such look-ups, never the plan. Every look-up is audited and goes, in the
same write, to the responsible local authority's access-notification feed, as CP-IS does.
"""

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate

from domain.access import AccessDecision, AccessQuestion, DataClass, Purpose, Relation, Visibility
from domain.audit import AuditKind
from domain.child_protection import (
    Category,
    PlanEnd,
    ProtectionRecord,
    protection_id,
)
from domain.conferences import StepDown
from domain.errors import InvalidContent
from domain.identifiers import normalise_nhs_number
from domain.indexes import link_key, nhs_link
from domain.people import PersonRecord
from domain.signs_of_safety import SignsOfSafety
from domain.timescales import in_utc
from hub.access import HUB_OWNER
from hub.audit.shown import Shown, disclose
from hub.audit.trail import AuditTrail
from hub.capabilities import Requirement, parse_enum
from hub.child_in_need import stepped_down
from hub.conferences import Conferences, protection_view
from hub.disclosure import ReadContext
from hub.errors import NotEntitled, NotFound
from hub.intake import LinkHasher
from hub.merging import joined_people
from hub.policy_files import read_toml
from hub.projections.work_index import WorkIndex
from hub.purposes import PurposeBinding
from hub.registry import Caller, Registry
from hub.settings import SettingsError
from hub.social_care_records import SocialCareRecords
from hub.store import HubStore
from hub.timescales import Timescales
from policies.decision_point import CapabilityPolicy, DecisionPoint

RECENT_ACCESSES = 25


def load_contacts(path: Path | None = None) -> dict[str, dict[str, str]]:
    """Each local authority's children's social care numbers, by agency id."""
    data = read_toml(path, "contacts")
    contacts = {}
    for agency, entry in data.get("agencies", {}).items():
        if not isinstance(entry, dict) or not {"office_hours", "out_of_hours"} <= set(entry):
            raise SettingsError(f"contacts: agencies.{agency} needs office_hours and "
                                "out_of_hours")
        contacts[str(agency)] = {k: str(entry[k]) for k in ("name", "office_hours",
                                                            "out_of_hours") if k in entry}
    return contacts


class ChildProtection(Conferences):
    def __init__(self, store: HubStore, decisions: DecisionPoint,
                 capabilities: CapabilityPolicy, audit: AuditTrail, timescales: Timescales,
                 link_hasher: LinkHasher, contacts: dict[str, dict[str, str]],
                 work: WorkIndex,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC), *,
                 registry: Registry) -> None:
        self.work = work
        self._registry = registry
        self._store = store
        self._decisions = decisions
        self._capabilities = capabilities
        self._audit = audit
        self.require = Requirement(capabilities, audit)
        self.held = SocialCareRecords(store, work, audit)
        self.timescales = timescales
        self._hash = link_hasher
        self._contacts = contacts
        self._clock = clock

    def _person(self, person_id: UUID, unborn: bool) -> PersonRecord:
        """The child, or (for an unborn child's plan) the pregnant woman."""
        person = self._store.find(person_id, PersonRecord)
        if person is None or person.is_child == unborn:
            raise NotFound("no such child" if not unborn else "no such adult (the unborn "
                           "child's plan is held on the pregnant woman's record)")
        return person

    def _may(self, caller: Caller, person_id: UUID, unborn: bool, action: str,
             capability: str = "record-child-protection") -> None:
        """The capability first (before the content is judged), then that no other authority
        holds the child's records: refused as for an unknown person, audited."""
        self.require(caller, capability, action, [person_id])
        self.held.check(caller, person_id, action, "no such adult (the unborn child's plan is "
                        "held on the pregnant woman's record)" if unborn else "no such child")

    def _change(self, caller: Caller, person_id: UUID, unborn: bool, action: str,
                change: Callable[[ProtectionRecord, datetime], list[Aggregate] | None],
                capability: str = "record-child-protection") -> dict[str, Any]:
        """The change, made once ``_may`` has let the caller through."""
        self._person(person_id, unborn)
        at = self._clock()

        def attempt() -> ProtectionRecord:
            record = (self._store.find(protection_id(person_id), ProtectionRecord)
                      or ProtectionRecord(person_id=person_id))
            more = change(record, at) or []
            self._store.save(record, *more)
            return record

        record = self._store.write(attempt)
        disclose(self._audit, caller, action, [
            Shown(record.id, "protection-record", owner, person_id, (DataClass.SOCIAL_CARE,),
                  "local-authority-safeguarding-duty", f"capability:{capability}")
            for owner in self.owners(record)], purpose=None,
            kind=AuditKind.CHILD_PROTECTION, details={"agency": caller.agency_id})
        return protection_view(record, at)

    @staticmethod
    def _when(value: datetime | None, at: datetime) -> datetime:
        if value is not None and value.tzinfo is None:
            raise InvalidContent("at", "must carry a time zone")
        when = in_utc(value or at, "at")
        if when > at:
            raise InvalidContent("at", "must not be in the future")
        return when

    def initial_conference(self, caller: Caller, person_id: UUID, *, at: datetime | None,
                           plan: bool, category: str | None, unborn: bool,
                           enquiry_id: UUID | None, chair: UUID | None = None,
                           iro: UUID | None = None, core_group: list[dict[str, str]] | None = None,
                           signs: SignsOfSafety | None = None) -> dict[str, Any]:
        """The initial conference; with its chair and independent reviewing officer its
        minutes go on the clock, and the core group's members may be named."""
        self._may(caller, person_id, unborn, "initial-conference")
        chosen = parse_enum(Category, category, "category") if category else None
        staff = self.conference_staff(chair, iro, signs)
        members = self.members(core_group, "core_group") if core_group else None
        if members and not plan:
            raise InvalidContent("core_group", "only a plan has a core group")

        def change(record: ProtectionRecord, now: datetime) -> None:
            when, conference = self._when(at, now), uuid4()
            record.initial_conference(conference, when, plan, chosen, unborn,
                                      enquiry_id, self.timescales.working,
                                      caller.as_actor())
            self.chair(record, conference, staff, signs, caller)
            if members:
                record.set_core_group(members, when, caller.as_actor())

        return self._change(caller, person_id, unborn, "initial-conference", change)

    def review(self, caller: Caller, person_id: UUID, *, at: datetime | None,
               plan_continues: bool, category: str | None, unborn: bool,
               chair: UUID | None = None, iro: UUID | None = None,
               step_down: str | None = None,
               signs: SignsOfSafety | None = None) -> dict[str, Any]:
        """A review conference; one that ends the plan may step the child down to a child in
        need plan or early help (the level of need follows)."""
        self._may(caller, person_id, unborn, "review-conference")
        chosen = parse_enum(Category, category, "category") if category else None
        to = parse_enum(StepDown, step_down, "step_down") if step_down else None
        if to is not None and unborn:
            raise InvalidContent("step_down", "an unborn child's plan steps down on the "
                                 "baby's own record")
        staff = self.conference_staff(chair, iro, signs)

        def change(record: ProtectionRecord, now: datetime) -> list[Aggregate]:
            when, conference = self._when(at, now), uuid4()
            record.review(conference, when, plan_continues, chosen, caller.as_actor(), to)
            self.chair(record, conference, staff, signs, caller)
            if to is None:
                return []
            return stepped_down(self._store, person_id, to, when, conference,
                                self.timescales, caller.as_actor())

        return self._change(caller, person_id, unborn, "review-conference", change)

    def core_group(self, caller: Caller, person_id: UUID, *, at: datetime | None,
                   unborn: bool, present: list[dict[str, str]] | None = None,
                   signs: SignsOfSafety | None = None) -> dict[str, Any]:
        """A core group meeting, with those present; the next is due from it."""
        self._may(caller, person_id, unborn, "core-group")
        there = self.members(present, "present") if present else []
        return self._change(caller, person_id, unborn, "core-group",
                            lambda r, now: r.core_group_met(self._when(at, now),
                                                            caller.as_actor(),
                                                            self.timescales, there, signs))

    def end_plan(self, caller: Caller, person_id: UUID, *, at: datetime | None,
                 because: str, unborn: bool) -> dict[str, Any]:
        self._may(caller, person_id, unborn, "end-plan")
        reason = parse_enum(PlanEnd, because, "because")
        return self._change(caller, person_id, unborn, "end-plan",
                            lambda r, now: r.end_plan(self._when(at, now), reason,
                                                      caller.as_actor()))

    def looked_after(self, caller: Caller, child_id: UUID, *, looked_after: bool,
                     at: datetime | None) -> dict[str, Any]:
        self._may(caller, child_id, False, "looked-after")
        return self._change(caller, child_id, False, "looked-after",
                            lambda r, now: r.set_looked_after(looked_after,
                                                              self._when(at, now),
                                                              caller.as_actor()))

    @staticmethod
    def owners(record: ProtectionRecord) -> list[str]:
        """Whose record it is: the local authorities that recorded its conferences and periods
        in care (the hub's, if none has yet)."""
        return record.responsible_authorities or [HUB_OWNER]

    def record(self, caller: Caller, person_id: UUID, purpose: Purpose = Purpose.ASSESSMENT,
               case_ref: str | None = None) -> dict[str, Any]:
        """Social care's own view of the record: plans, conferences, clocks (audited as the
        recording local authority's social-care record, in full, with the reader's purpose).
        Another authority's record is answered as none."""
        action, unknown = "read-child-protection", "no child protection record for this person"
        self.require(caller, "record-child-protection", action, [person_id])
        PurposeBinding(self._store, self._capabilities, self._audit).check(
            caller, purpose, case_ref, [person_id], self._clock(), action)
        self.held.check(caller, person_id, action, unknown, purpose.value)
        record = self._store.find(protection_id(person_id), ProtectionRecord)
        if record is None:
            raise NotFound(unknown)
        disclose(self._audit, caller, action, [
            Shown(record.id, "protection-record", owner, person_id, (DataClass.SOCIAL_CARE,),
                  "local-authority-safeguarding-duty", "capability:record-child-protection")
            for owner in self.owners(record)], purpose=purpose.value, case_ref=case_ref)
        return protection_view(record, self._clock())

    def overdue(self, now: datetime) -> list[dict[str, Any]]:
        """Core groups, reviews and minutes past their date, on every plan in force and
        every conference whose minutes are outstanding."""
        self.work.catch_up()
        ids = {i for i, in_force in list(self.work.plans.items()) if in_force}
        ids |= set(self.work.minutes_outstanding)
        records = [r for i in sorted(ids, key=str)
                   if (r := self._store.find(i, ProtectionRecord)) is not None]
        return [{"person_id": str(r.person_id), "clock": o["clock"],
                 "record": r.id, "owners": self.owners(r), "due": o["due"].isoformat(),
                 "overdue_hours": round((now - o["due"]).total_seconds() / 3600, 1)}
                for r in records for o in r.overdue(now)]

    # CP-IS -----------------------------------------------------------------------------------

    def lookup(self, ctx: ReadContext, nhs_number: str) -> dict[str, Any]:
        """Is the child on a plan or looked after (now or in the last 12 months), and whom to
        call: audited, and notified to the responsible local authority."""
        caller = ctx.caller
        number = normalise_nhs_number(nhs_number, "nhs_number")
        at = self._clock()
        decision = self._decisions.decide(AccessQuestion(
            caller.agency_kind, caller.role, Relation.NONE, DataClass.CP_FLAG, ctx.purpose), at)
        child_id = self._store.lookup(link_key(self._hash(nhs_link(number))))
        about = [child_id] if child_id is not None else []
        PurposeBinding(self._store, self._capabilities, self._audit).check(
            caller, ctx.purpose, ctx.case_ref, about, at, "cp-is-lookup",
            ctx.break_glass_reason is not None)
        child_id, record = self._flag_record(child_id, at)
        about = list(dict.fromkeys([*about, *([child_id] if child_id else [])]))
        plans, care = record.cp_is_flag(at) if record is not None else ([], [])
        flagged = bool(plans or care)
        allowed = decision.visibility is Visibility.FULL
        # The flag is each responsible local authority's record; each sees the look-up.
        disclose(self._audit, caller, "cp-is-lookup",
                 self._flag_shown(record, child_id, decision), purpose=ctx.purpose.value,
                 case_ref=ctx.case_ref,
                 policy_version=self._decisions.version_at(at).text.version,
                 details={"found": record is not None, "flagged": flagged}, about=about,
                 denied=not allowed)
        if not allowed:
            raise NotEntitled("the CP-IS flag is for unscheduled care (purpose "
                              "'unscheduled-care')")
        if record is None or not flagged:
            return self._flag_view(None, [], [], [], [])
        return self._flag_view(child_id, plans, care, record.responsible_authorities,
                               self._seen(record, caller, at))

    def _flag_record(self, child_id: UUID | None, at: datetime,
                     ) -> tuple[UUID | None, ProtectionRecord | None]:
        """The child the number leads to, and the protection record to answer from: the
        child's whole record (a record merged into, or confirmed as, another is that one,
        and the plan may be on any part of it), the first part that is flagged now."""
        if child_id is None:
            return None, None
        person = self._store.find(child_id, PersonRecord)
        if person is None or not person.is_child:
            return child_id, self._store.find(protection_id(child_id), ProtectionRecord)
        root = self._store.same_child(person.id)
        parts = [root, *joined_people(self._store, root)]
        records = [(p.id, r) for p in parts
                   if (r := self._store.find(protection_id(p.id), ProtectionRecord))
                   is not None]
        for part_id, record in records:
            plans, care = record.cp_is_flag(at)
            if plans or care:
                return part_id, record
        return records[0] if records else (child_id, None)

    def _flag_shown(self, record: ProtectionRecord | None, child_id: UUID | None,
                    decision: AccessDecision) -> list[Shown]:
        if record is None or child_id is None:
            return []
        return [Shown(record.id, "cp-flag", owner, child_id, (DataClass.CP_FLAG,),
                      decision.ground, decision.rule, decision.visibility.value,
                      Relation.NONE.value, decision.basis.value)
                for owner in self.owners(record)]

    def _flag_view(self, child_id: UUID | None, plans: list[dict[str, Any]],
                   care: list[dict[str, Any]], authorities: list[str],
                   recent: list[Any]) -> dict[str, Any]:
        """What CP-IS shares: that a plan exists and its dates, never its category of abuse."""
        def iso(value: datetime | None) -> str | None:
            return value.isoformat() if value else None

        return {
            "flagged": bool(plans or care),
            "child_id": str(child_id) if child_id else None,
            "plans": [{"type": "unborn" if p["unborn"] else "child-protection",
                       "started_at": p["started_at"].isoformat(), "ended_at": iso(p["ended_at"])}
                      for p in plans],
            "looked_after": [{"started_at": p["started_at"].isoformat(),
                              "ended_at": iso(p["ended_at"])} for p in care],
            "responsible_authorities": [{"agency": a, **self._contacts.get(a, {})}
                                        for a in authorities],
            "recent_unscheduled_care_accesses": recent,
        }

    def _seen(self, record: ProtectionRecord, caller: Caller, at: datetime) -> list[Any]:
        """The last 25 unscheduled-care look-ups before this one, newest first; this one is
        added to the record."""
        earlier = [{"at": a["at"].isoformat(), "agency": a["agency"], "role": a["role"]}
                   for a in reversed(record.accesses)][:RECENT_ACCESSES]

        def attempt() -> None:
            current = self._store.find(record.id, ProtectionRecord)
            if current is not None:
                current.accessed(at, caller.agency_id, caller.role)
                self._store.save(current)

        self._store.write(attempt)
        return earlier
