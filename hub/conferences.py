"""Child protection conferences as practice works them (part of ``ChildProtection``): each
conference's chair and independent reviewing officer, its minutes on their clock, the core
group's members and meetings, and the record's view for social care."""

from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

from domain.child_protection import ProtectionRecord
from domain.errors import InvalidContent
from domain.personal import reveal
from domain.signs_of_safety import SignsOfSafety
from hub.capabilities import Requirement
from hub.errors import NotFound
from hub.registry import Caller, Registry
from hub.timescales import Timescales


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _signs(sos: dict[str, Any] | None) -> dict[str, Any] | None:
    return reveal(sos) if sos is not None else None  # type: ignore[return-value]


def protection_view(record: ProtectionRecord, now: datetime) -> dict[str, Any]:
    """Social care's own view: plans, conferences (chairs, minutes), core groups, clocks."""
    return {
        "person_id": str(record.person_id),
        "plans": [{
            "category": p["category"], "unborn": p["unborn"], "number": p["number"],
            "started_at": _iso(p["started_at"]), "ended_at": _iso(p["ended_at"]),
            "ended_because": p["ended_because"],
            "stepped_down_to": p.get("stepped_down_to"),
            "core_group_due": _iso(p["core_group_due"]),
            "core_group_at": _iso(p["core_group_at"]), "review_due": _iso(p["review_due"]),
            "core_group": p.get("core_group", []),
            "next_core_group_due": _iso(p.get("next_core_group_due")),
            "core_group_meetings": [{"at": _iso(m["at"]), "present": m["present"],
                                     "signs_of_safety": _signs(m["signs_of_safety"])}
                                    for m in p.get("core_groups", [])],
            "reviews": [{"at": _iso(r["at"]), "due": _iso(r["due"]),
                         "on_time": r["on_time"]} for r in p["reviews"]]}
            for p in record.plans],
        "conferences": [{
            "id": str(c["id"]), "kind": c["kind"], "at": _iso(c["at"]), "plan": c["plan"],
            "chair": c.get("chair"), "iro": c.get("iro"),
            "minutes_due": _iso(c.get("minutes_due")), "minutes_at": _iso(c.get("minutes_at")),
            "minutes": reveal(c["minutes"]) if c.get("minutes") is not None else None,
            "signs_of_safety": _signs(c.get("signs_of_safety"))}
            for c in record.conferences],
        "looked_after": [{"started_at": _iso(p["started_at"]),
                          "ended_at": _iso(p["ended_at"])} for p in record.looked_after],
        "overdue": [{"clock": o["clock"], "due": _iso(o["due"])}
                    for o in record.overdue(now)],
    }


class Conferences:
    """Chairs, minutes and core groups, on the child protection service's store and registry."""

    _registry: Registry
    timescales: Timescales
    require: Requirement
    _when: Callable[[datetime | None, datetime], datetime]
    _change: Callable[..., dict[str, Any]]
    _may: Callable[..., None]

    def _staff(self, user_id: UUID, field: str) -> dict[str, str]:
        try:
            member = self._registry.member(user_id)
        except NotFound:
            raise InvalidContent(field, "must be an active member of staff") from None
        return {"user_id": str(member.user_id), "agency": member.agency_id,
                "role": member.role}

    def conference_staff(self, chair: UUID | None, iro: UUID | None,
                         signs: SignsOfSafety | None,
                         ) -> tuple[dict[str, str], dict[str, str]] | None:
        """The chair and the independent reviewing officer (both or neither: with them the
        minutes are clocked); Signs of Safety checked early, so a bad one stores nothing."""
        if signs is not None:
            signs.validated()
        if (chair is None) != (iro is None):
            raise InvalidContent("iro" if iro is None else "chair",
                                 "a conference's chair and independent reviewing officer "
                                 "are recorded together")
        if chair is None or iro is None:
            return None
        return self._staff(chair, "chair"), self._staff(iro, "iro")

    def chair(self, record: ProtectionRecord, conference: UUID,
              staff: tuple[dict[str, str], dict[str, str]] | None,
              signs: SignsOfSafety | None, caller: Caller) -> None:
        if staff is None:
            if signs is not None:
                raise InvalidContent("signs_of_safety", "is recorded with the conference's "
                                     "chair and independent reviewing officer")
            return
        record.chaired(conference, staff[0], staff[1], signs, self.timescales,
                       caller.as_actor())

    def members(self, raw: list[dict[str, str]], field: str) -> list[dict[str, str]]:
        """Agencies and roles the registry knows: each agency registered, each role one its
        kind of agency may hold."""
        members = []
        for item in raw:
            try:
                agency = self._registry.agency(item["agency"])
            except NotFound:
                raise InvalidContent(field, "names an agency that is not registered") from None
            if item["role"] not in self._registry.roles_for(agency["kind"]):
                raise InvalidContent(field, f"names a role a {agency['kind']} agency does "
                                     "not hold")
            members.append({"agency": agency["id"], "role": item["role"]})
        return members

    def set_core_group(self, caller: Caller, person_id: UUID, *, at: datetime | None,
                       unborn: bool, members: list[dict[str, str]]) -> dict[str, Any]:
        """Name (or change) the core group's members."""
        self._may(caller, person_id, unborn, "set-core-group", "set-core-group")
        chosen = self.members(members, "members")
        return self._change(caller, person_id, unborn, "set-core-group",
                            lambda r, now: r.set_core_group(chosen, self._when(at, now),
                                                            caller.as_actor()),
                            "set-core-group")

    def minutes(self, caller: Caller, person_id: UUID, conference: UUID, *,
                at: datetime | None, unborn: bool, minutes: str) -> dict[str, Any]:
        """A conference's minutes (sealed under the person): they stop its clock."""
        self._may(caller, person_id, unborn, "record-conference-minutes",
                  "record-conference-minutes")
        return self._change(caller, person_id, unborn, "record-conference-minutes",
                            lambda r, now: r.record_minutes(conference, minutes,
                                                            self._when(at, now),
                                                            caller.as_actor()),
                            "record-conference-minutes")
