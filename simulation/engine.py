"""The simulation's engine: a simulated clock, a timeline of actions played in time order, the
synthetic agencies and their staff, and the tally of what was done. The scenarios
(``simulation.scenarios``) plan the work of each service on the timeline."""

import heapq
import math
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from typing import Any
from uuid import UUID

from domain.errors import DomainError
from domain.timescales import LOCAL
from hub.bootstrap import Hub
from hub.errors import HubError
from hub.registry import Caller
from simulation.drivers import Receipt, Sender, application_path
from simulation.population import Child, Population
from simulation.profile import Profile
from simulation.scenarios.child_protection import ChildProtection
from simulation.scenarios.children_in_need import ChildrenInNeed
from simulation.scenarios.domestic_abuse import DomesticAbuse
from simulation.scenarios.front_door import FrontDoor
from simulation.scenarios.missing import Missing
from simulation.scenarios.standing import StandingCaseload


class SimulatedClock:
    """The hub's "now" during a simulation: moved to each event's time before it is played."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


SYNTHETIC_TOKEN_LIFETIME = timedelta(days=3660 + 366)
AGENCIES = [("police", "police", "Police (synthetic)"),
            ("health", "health", "Health (synthetic)"),
            ("dart", "dart", "Domestic Abuse Referral Team (synthetic)"),
            ("mash", "mash", "MASH (synthetic)"),
            ("missing-team", "missing", "Missing Children Team (synthetic)")]
ROLES = [("police", "police-officer"), ("health", "health-practitioner"),
         ("dart", "dart-worker"), ("mash", "mash-worker"), ("mash", "social-worker"),
         ("mash", "team-manager"), ("missing-team", "missing-worker")]


@dataclass
class Tally:
    """What the simulation did: its own count, to check the hub's report against."""

    counts: Counter[str] = field(default_factory=Counter)

    def add(self, what: str, n: int = 1) -> None:
        self.counts[what] += n


class Simulation:
    def __init__(self, hub: Hub, clock: SimulatedClock, profile: Profile, seed: int,
                 progress: Callable[[int, int, Tally], None] = lambda *_: None) -> None:
        self.hub = hub
        self.clock = clock
        self.profile = profile
        # Reproducible by design: the same seed gives the same workload (not for secrets).
        self.rng = random.Random(seed)  # noqa: S311
        self.people = Population(self.rng, profile)
        self.progress = progress
        self.tally = Tally()
        self._queue: list[tuple[datetime, int, Callable[[], object]]] = []
        self._sequence = 0
        self._refs = 0
        self.callers: dict[str, Caller] = {}
        self.tokens: dict[str, str] = {}
        # How notifications arrive: the application's intake (the same code the HTTP and
        # Kafka adapters call), or those adapters themselves (``HttpPath``, ``KafkaPath``).
        self.send: Sender = application_path
        self.schools: dict[str, Caller] = {}
        self._ids: dict[str, UUID] = {}  # NHS number -> the hub's child id
        self.refusals: Counter[str] = Counter()  # why the hub refused (no personal data)
        self.domestic_abuse = DomesticAbuse(self)
        self.missing = Missing(self)
        self.front_door = FrontDoor(self)
        self.child_protection = ChildProtection(self)
        self.children_in_need = ChildrenInNeed(self)
        self.standing = StandingCaseload(self)

    # Set-up -------------------------------------------------------------------------------

    def _agency(self, agency_id: str, kind: str, name: str, urn: str | None = None) -> None:
        try:
            self.hub.registry.agency(agency_id)
        except HubError:
            self.hub.registry.register_agency(agency_id, kind, name, urn)

    def _user(self, agency: str, role: str) -> Caller:
        # Synthetic people in a store of their own: their tokens outlast the longest run.
        _, token = self.hub.registry.register_user(agency, role, f"Synthetic {role}",
                                                   lifetime=SYNTHETIC_TOKEN_LIFETIME)
        self.tokens.setdefault(agency, token)  # the agency's sender, for the HTTP path
        return self.hub.registry.authenticate(token)

    def setup(self) -> None:
        for agency_id, kind, name in AGENCIES:
            self._agency(agency_id, kind, name)
        for urn in self.people.urns:
            self._agency(f"school-{urn}", "school", f"School {urn} (synthetic)", urn)
        for agency, role in ROLES:
            self.callers[f"{agency}/{role}"] = self._user(agency, role)
        for urn in self.people.urns:
            self.schools[f"school-{urn}"] = self._user(f"school-{urn}", "dsl")
        self.standing.load()  # the area's caseload on the first day, as imported at go-live

    # The timeline ------------------------------------------------------------------------

    def at(self, when: datetime, action: Callable[[], object]) -> None:
        self._sequence += 1
        heapq.heappush(self._queue, (when, self._sequence, action))

    def poisson(self, mean: float) -> int:
        if mean <= 0:
            return 0
        if mean > 30:
            return max(0, round(self.rng.gauss(mean, math.sqrt(mean))))
        limit, k, p = math.exp(-mean), 0, 1.0
        while True:
            p *= self.rng.random()
            if p <= limit:
                return k
            k += 1

    def _moment(self, day: date, hours: tuple[float, float]) -> datetime:
        """A local time on ``day`` between the two hours (24 and more run into the night)."""
        offset = timedelta(hours=self.rng.uniform(*hours))
        return datetime.combine(day, time(0), LOCAL).astimezone(UTC) + offset

    def pick(self, weights: dict[str, float]) -> str:
        return self.rng.choices(list(weights), list(weights.values()))[0]

    def ref(self, prefix: str) -> str:
        self._refs += 1
        return f"SIM-{prefix}-{self._refs:07d}"

    def run(self, days: int) -> Tally:
        if not self.callers:
            self.setup()
        start = datetime.combine(self.profile.start, time(0), LOCAL).astimezone(UTC)
        end = start + timedelta(days=days)
        for offset in range(days):
            day = self.profile.start + timedelta(days=offset)
            self._plan_day(day)
        done_days = 0
        while self._queue:
            when, _, action = heapq.heappop(self._queue)
            if when >= end:
                continue  # beyond the period: not played
            if when > self.clock.now:
                self.clock.now = when
            elapsed = (when - start).days
            if elapsed > done_days:
                done_days = elapsed
                self.progress(done_days, days, self.tally)
            try:
                action()
            except (DomainError, HubError) as error:  # a refusal is part of the workload
                self.tally.add(f"refused:{type(error).__name__}")
                self.refusals[str(error)] += 1
        self.clock.now = max(self.clock.now, end)
        self.progress(days, days, self.tally)
        return self.tally

    def _plan_day(self, day: date) -> None:
        per_day = 1 / 365
        for _ in range(self.poisson(self.profile.da["incidents"] * per_day)):
            self.at(self._moment(day, (7, 31)), partial(self.domestic_abuse.incident, day))
        for _ in range(self.poisson(self.profile.missing["episodes"] * per_day)):
            self.at(self._moment(day, (12, 30)), partial(self.missing.episode, day))
        contacts = self.direct_contacts() * per_day
        for _ in range(self.poisson(contacts)):
            self.at(self._moment(day, (8, 19)), partial(self.front_door.contact, day))
        for _ in range(self.poisson(self.profile.sharing["break_glass"] * per_day)):
            self.at(self._moment(day, (0, 24)), self.front_door.break_glass)

    def direct_contacts(self) -> float:
        """Contacts a year sent straight to the front door. The profile gives referrals to
        social care (a child each), and a share of contacts are decided as referrals (its
        outcomes); the DART's referrals to the MASH come from triage, each naming the
        incident's children, so the rest arrive directly, one child each."""
        fd, da = self.profile.front_door, self.profile.da
        share = fd["outcomes"]["assessment"] + fd["outcomes"]["strategy-discussion"]
        if share <= 0:
            return 0.0
        referrals = fd["referrals_per_10000"] * self.profile.children / 10_000
        children = sum(n * w for n, w in enumerate(da["children"], start=1)) / sum(
            da["children"])
        from_dart = da["incidents"] * da["threshold"] * children
        return float(max(0.0, referrals / share - from_dart))

    def direct_share(self) -> float:
        """The share of referrals that come from direct contacts: the DART's children are
        never re-referred here, so a direct contact is a re-referral more often, for the
        profile's share of all referrals."""
        fd = self.profile.front_door
        referrals = fd["referrals_per_10000"] * self.profile.children / 10_000
        share = fd["outcomes"]["assessment"] + fd["outcomes"]["strategy-discussion"]
        direct = min(1.0, self.direct_contacts() * share / referrals) if referrals else 1.0
        return direct or 1.0  # no direct contacts: none to re-refer

    def remember(self, child: Child, child_id: UUID) -> None:
        """The hub's id of a synthetic child (sent, or imported)."""
        self._ids[child.nhs] = child_id

    def submit(self, agency: str, body: dict[str, Any]) -> Receipt:
        receipt = self.send(self, agency, body)
        self.tally.add(f"notification:{body['type']}")
        children = [s["nhs_number"] for s in body["subjects"] if s["role"] == "child"]
        self._ids.update(zip(children, receipt.child_ids, strict=True))
        return receipt

    def child_id(self, child: Child) -> UUID:
        """The hub's id of a synthetic child it has been sent."""
        return self._ids[child.nhs]

