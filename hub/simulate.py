"""``hub simulate``: a deterministic synthetic workload through the hub's real services.

An area profile (``policies/profiles/nottingham.toml``, or any file in its format) says how
many children live there and how often each kind of event happens. The simulation draws a
timeline from the profile and a seed, and plays it through the application on a simulated
clock, so that every deadline, breach and audit entry is what the hub would have produced:
police domestic-abuse notifications and the DART's triage, Encompass notices read by schools,
missing and found reports and return home interviews, contacts and referrals rated,
researched and decided at the front door, consents, sharing decisions, partners' reads (each
audited) and break-glass. Everyone is synthetic: generated names, NHS numbers in the 999
range (never issued to patients).
"""

import heapq
import json
import math
import random
import tomllib
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from importlib.resources import files
from pathlib import Path
from time import monotonic as time_now
from time import sleep
from typing import Any
from uuid import UUID

from adapters.keys import private_file
from domain.child_protection import ProtectionRecord, protection_id
from domain.encompass import EncompassNotice
from domain.errors import DomainError
from domain.front_door import MashContact, contact_id
from domain.notifications import Notification
from domain.timescales import LOCAL
from hub.bootstrap import Hub
from hub.disclosure import ReadContext
from hub.domestic_abuse import case_id
from hub.errors import HubError, InvalidInput
from hub.registry import Caller
from hub.settings import SettingsError
from hub.shapes import parse_notification

GIVEN = ("Amelia", "Olivia", "Isla", "Ava", "Mia", "Ivy", "Lily", "Freya", "Grace", "Evie",
         "Noah", "Oliver", "George", "Leo", "Arthur", "Muhammad", "Harry", "Oscar", "Jack",
         "Theo", "Zara", "Aisha", "Maja", "Kacper", "Tomasz", "Ayaan", "Ibrahim", "Sienna",
         "Ruby", "Poppy", "Reggie", "Finley", "Kai", "Elsie", "Maryam", "Yusuf", "Ella")
FAMILY = ("Ashworth", "Brennan", "Carver", "Dunmore", "Ellery", "Fenwick", "Garside",
          "Holbrook", "Ingham", "Jessop", "Kirkland", "Lindqvist", "Marsden", "Nuttall",
          "Okafor", "Pryce", "Quigley", "Rushworth", "Stainthorpe", "Thorley", "Umerji",
          "Varga", "Whitlock", "Yardley", "Zielinski", "Akhtar", "Bielski", "Chowdhury")
DISTRICTS = ("NG1", "NG2", "NG3", "NG5", "NG6", "NG7", "NG8", "NG9", "NG11")


# The profile --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Profile:
    """An area, as ``hub simulate`` needs it. See ``policies/profiles/nottingham.toml``."""

    school_days: dict[str, Any]
    name: str
    children: int
    start: date
    schools: int
    home_educated: float
    da: dict[str, Any]
    missing: dict[str, Any]
    front_door: dict[str, Any]
    sharing: dict[str, Any]
    child_protection: dict[str, Any]


DEFAULTS: dict[str, dict[str, Any]] = {
    "domestic_abuse": {"incidents": 4817, "children": [0.55, 0.30, 0.15],
                       "dash": {"standard": 0.55, "medium": 0.30, "high": 0.15},
                       "victim_repeat": 0.35, "triage_working_hours": [1, 9],
                       "threshold": 0.25, "acknowledged": 0.92},
    "missing": {"episodes": 1436, "home_within_24_hours": 0.77, "aged_14_15": 0.43,
                "away": 0.15, "away_becomes_missing": 0.2, "repeat_child": 0.55,
                "interview_in_time": 0.63, "declined": 0.12},
    "front_door": {"referrals_per_10000": 800.6, "re_referral": 0.24,
                   "sources": {"school": 0.30, "health": 0.22, "police": 0.33,
                               "referral": 0.15},
                   "indicators": 0.04, "rag": {"red": 0.10, "amber": 0.35, "green": 0.55},
                   "rag_on_time": 0.88,
                   "outcomes": {"no-further-action": 0.38, "early-help": 0.30,
                                "assessment": 0.27, "strategy-discussion": 0.05},
                   "assessment_in_time": 0.887, "research": 0.6, "disagreement": 0.02},
    "child_protection": {"plan_after_strategy": 0.6, "conference_working_days": [10, 15],
                         "core_group_in_time": 0.95, "review_in_time": 0.99,
                         "plan_months": [6, 24], "looked_after": 0.05,
                         "care_days": [60, 720]},
    "sharing": {"consent": 0.3, "consent_refused": 0.15, "decisions": 0.1,
                "not_to_share": 0.2, "reads": 2.0, "break_glass": 24},
}


def _share(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise SettingsError(f"profile: {where} must be a share between 0 and 1")
    return float(value)


def _rate(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise SettingsError(f"profile: {where} must be a number, 0 or more")
    return float(value)


def _weights(value: Any, where: str, known: set[str]) -> dict[str, float]:
    if not isinstance(value, dict) or not value:
        raise SettingsError(f"profile: {where} must be a table of shares")
    unknown = set(map(str, value)) - known
    if unknown:
        raise SettingsError(f"profile: {where} has unknown keys: {', '.join(sorted(unknown))} "
                            f"(known: {', '.join(sorted(known))})")
    weights = {str(k): _rate(v, f"{where}.{k}") for k, v in value.items()}
    if not math.isclose(sum(weights.values()), 1.0, abs_tol=0.011):
        raise SettingsError(f"profile: the shares in {where} must add up to 1")
    return weights


def _section(data: dict[str, Any], name: str) -> dict[str, Any]:
    given = data.get(name, {})
    if not isinstance(given, dict):
        raise SettingsError(f"profile: [{name}] must be a table")
    unknown = set(given) - set(DEFAULTS[name])  # a typo must not pass as a default
    if unknown:
        raise SettingsError(f"profile: [{name}] has unknown keys: {', '.join(sorted(unknown))}")
    merged = {**DEFAULTS[name], **given}
    for key, value in merged.items():
        where = f"{name}.{key}"
        default = DEFAULTS[name][key]
        if isinstance(default, dict):
            merged[key] = _weights(value, where, set(default))
        elif isinstance(default, list):
            if not isinstance(value, list) or len(value) != len(default):
                raise SettingsError(f"profile: {where} must be a list of {len(default)}")
            merged[key] = [_rate(v, where) for v in value]
            if not sum(merged[key]) > 0:
                raise SettingsError(f"profile: {where} must not be all zero")
        elif (isinstance(default, float) and default <= 1
              and key not in ("reads",)):
            merged[key] = _share(value, where)
        else:
            merged[key] = _rate(value, where)
    return merged


def simulated_timescales(profile: Profile, base: Path | None, out: Path) -> Path:
    """The hub's timescales (``base``, or the packaged file) with the profile's school terms,
    written to ``out`` for the simulated hub (and for serving its store afterwards)."""
    from hub.timescales import load_timescales

    text = (base.read_text() if base is not None
            else files("policies").joinpath("timescales.toml").read_text())
    data = tomllib.loads(text)
    data.setdefault("school_days", {}).update(profile.school_days)
    private_file(out).write_text(_toml(data))
    load_timescales(out)  # refuses bad term dates with the reason, before anything is stored
    return out


def _toml(data: dict[str, Any], prefix: str = "") -> str:
    """Just enough TOML for a timescales file: tables of strings, numbers and lists."""
    plain = {k: v for k, v in data.items() if not isinstance(v, dict)}
    lines = [f"{k} = {json.dumps(v, default=str)}" for k, v in plain.items()]
    text = "\n".join(lines) + ("\n" if lines else "")
    for key, value in data.items():
        if isinstance(value, dict):
            name = f"{prefix}{json.dumps(key) if not key.isidentifier() else key}"
            text += f"\n[{name}]\n" + _toml(value, f"{name}.")
    return text


def load_profile(name: str) -> Profile:
    """A packaged profile by name (``nottingham``), or a profile file by path."""
    packaged = files("policies").joinpath("profiles", f"{name}.toml")
    try:
        text = (packaged.read_text() if packaged.is_file() else Path(name).read_text())
        data = tomllib.loads(text)
    except OSError:
        raise SettingsError(f"profile: no packaged profile or file named {name!r}") from None
    except tomllib.TOMLDecodeError as error:
        raise SettingsError(f"profile: not valid TOML ({error})") from None
    except ValueError:  # not UTF-8
        raise SettingsError("profile: the file is not UTF-8 text") from None
    try:
        start = date.fromisoformat(str(data.get("start", "2026-01-05")))
    except ValueError:
        raise SettingsError("profile: start must be an ISO date") from None
    children = data.get("children")
    if isinstance(children, bool) or not isinstance(children, int) or children < 100:
        raise SettingsError("profile: children must be a whole number, at least 100")
    schools = data.get("schools", 90)
    if isinstance(schools, bool) or not isinstance(schools, int) or not 1 <= schools <= 900:
        raise SettingsError("profile: schools must be a whole number from 1 to 900")
    if not isinstance(data.get("name"), str):
        raise SettingsError("profile: name is required")
    school_days = data.get("school_days", {})
    if not isinstance(school_days, dict) or set(school_days) - {"terms", "holidays", "starts"}:
        raise SettingsError("profile: [school_days] takes terms, holidays and starts, as in "
                            "policies/timescales.toml")
    return Profile(school_days=school_days, name=data["name"], children=children, start=start,
                   schools=schools,
                   home_educated=_share(data.get("home_educated", 0.01), "home_educated"),
                   da=_section(data, "domestic_abuse"), missing=_section(data, "missing"),
                   front_door=_section(data, "front_door"), sharing=_section(data, "sharing"),
                   child_protection=_section(data, "child_protection"))


# Synthetic people -----------------------------------------------------------------------------


def nhs_number(rng: random.Random) -> str:
    """A well-formed NHS number in the 999 range, which is never issued (mod 11 check digit)."""
    while True:
        digits = [9, 9, 9] + [rng.randrange(10) for _ in range(6)]
        check = 11 - sum(d * (10 - i) for i, d in enumerate(digits)) % 11
        if check == 11:
            check = 0
        if check != 10:
            return "".join(map(str, digits)) + str(check)


@dataclass
class Child:
    given: str
    family: str
    dob: date
    nhs: str
    postcode: str
    urn: str | None
    home_educated: bool

    def under_18_on(self, day: date) -> bool:
        return (day.year - self.dob.year
                - ((day.month, day.day) < (self.dob.month, self.dob.day))) < 18

    def subject(self, **extra: Any) -> dict[str, Any]:
        subject = {"role": "child", "given_name": self.given, "family_name": self.family,
                   "date_of_birth": self.dob.isoformat(), "nhs_number": self.nhs,
                   "postcode": self.postcode, **extra}
        if self.home_educated:
            subject["home_educated"] = True
        elif self.urn is not None:
            subject["school_urn"] = self.urn
        return subject


class Population:
    """Children and adults drawn as needed, each one kept, so that a child comes back."""

    def __init__(self, rng: random.Random, profile: Profile) -> None:
        self.rng = rng
        self.profile = profile
        self.urns = [str(100001 + i) for i in range(profile.schools)]
        self._issued: set[str] = set()  # one number, one synthetic child
        self.secondary = max(1, profile.schools // 3)

    def child(self, on: date, ages: tuple[int, int] = (0, 17)) -> Child:
        rng = self.rng
        age = rng.randint(*ages)
        dob = on - timedelta(days=age * 365 + rng.randrange(365))
        home = rng.random() < self.profile.home_educated and 4 <= age <= 16
        urn = None
        if 4 <= age <= 10:
            urn = self.urns[self.secondary + rng.randrange(len(self.urns) - self.secondary)
                            ] if len(self.urns) > self.secondary else self.urns[0]
        elif 11 <= age <= 17:
            urn = self.urns[rng.randrange(self.secondary)]
        letters = "ABDEFGHJLNPQRSTUWXYZ"
        postcode = (f"{rng.choice(DISTRICTS)} {rng.randint(1, 9)}"
                    f"{rng.choice(letters)}{rng.choice(letters)}")
        number = nhs_number(rng)
        while number in self._issued:
            number = nhs_number(rng)
        self._issued.add(number)
        return Child(rng.choice(GIVEN), rng.choice(FAMILY), dob, number, postcode, urn, home)

    def adult(self, role: str, family: str, born: int) -> dict[str, Any]:
        return {"role": role, "given_name": self.rng.choice(GIVEN),
                "family_name": family, "date_of_birth": date(born, self.rng.randint(1, 12),
                                                             self.rng.randint(1, 28)).isoformat()}


# The simulation ---------------------------------------------------------------------------


class PathFailed(RuntimeError):
    """The way in (HTTP, Kafka) failed: the run stops rather than count it as a refusal."""


@dataclass(frozen=True)
class Receipt:
    id: UUID
    child_ids: list[UUID]


Sender = Callable[["Simulation", str, dict[str, Any]], Receipt]


def application_path(sim: "Simulation", agency: str, body: dict[str, Any]) -> Receipt:
    receipt = sim.hub.intake.submit(agency, "simulation",
                                    parse_notification(json.dumps(body).encode()))
    return Receipt(receipt.id, receipt.child_ids)


class HttpPath:
    """Notifications POSTed to the hub's HTTP API, served by uvicorn on a loopback port in
    this process, so that it shares the simulated clock."""

    def __init__(self, hub: Hub) -> None:
        import socket
        import threading

        import uvicorn

        from hub.api.app import create_app

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        config = uvicorn.Config(create_app(hub, checkpointer=False), host="127.0.0.1",
                                port=self.port, log_level="warning", access_log=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="simulate-http",
                                        daemon=True)
        self._thread.start()
        deadline = time_now() + 30
        while not self._server.started:
            if time_now() > deadline or not self._thread.is_alive():
                raise HubError("the simulation's HTTP server did not start")
            sleep(0.05)

    def __call__(self, sim: "Simulation", agency: str, body: dict[str, Any]) -> Receipt:
        from urllib.error import HTTPError
        from urllib.request import Request, urlopen

        request = Request(f"http://127.0.0.1:{self.port}/v1/notifications",
                          data=json.dumps(body).encode(), method="POST",
                          headers={"Authorization": f"Bearer {sim.tokens[agency]}",
                                   "Content-Type": "application/json"})
        try:
            with urlopen(request, timeout=60) as response:  # noqa: S310 (loopback only)
                answer = json.loads(response.read())
        except HTTPError as error:
            try:
                reason = json.loads(error.read() or b"{}").get("error", {}).get("message", "")
            except ValueError:
                reason = ""
            if error.code >= 500:  # the hub failed: not part of the workload, stop
                raise PathFailed(f"the HTTP API answered {error.code}") from None
            raise InvalidInput(f"HTTP {error.code}: {reason}") from None
        return Receipt(UUID(answer["id"]), [UUID(c) for c in answer["child_ids"]])

    def close(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=30)


# Which inbound topic carries which simulated agency's notifications (docs/interface.md). Schools
# write to one shared topic, which names no single school, so their concerns stay on the
# application path.
KAFKA_TOPICS = {"police": "police.notifications.v1", "health": "health.concerns.v1"}


class KafkaPath:
    """Police and health notifications produced to their inbound topics and stored by the
    hub's own ``hub ingest`` worker (run in this process, on the simulated clock); each is
    waited for, because what follows needs its id."""

    def __init__(self, hub: Hub, client: dict[str, object],
                 consumer_options: dict[str, object] | None = None,
                 idempotent: bool = True) -> None:
        import threading

        from kafka import KafkaProducer

        from adapters.kafka_ingest import Ingest

        self._hub = hub
        self._producer = KafkaProducer(**client, acks="all", enable_idempotence=idempotent)
        self._ingest = Ingest(hub, client, {t: a for a, t in KAFKA_TOPICS.items()},
                              consumer_options=consumer_options, idempotent=idempotent)
        self._thread = threading.Thread(target=self._ingest.run, name="simulate-ingest",
                                        daemon=True)
        self._thread.start()

    def __call__(self, sim: "Simulation", agency: str, body: dict[str, Any]) -> Receipt:
        topic = KAFKA_TOPICS.get(agency)
        if topic is None:
            return application_path(sim, agency, body)
        self._producer.send(topic, key=body["source_ref"].encode(),
                            value=json.dumps(body).encode()).get(timeout=60)
        key = f"source-ref:{agency}:{body['source_ref']}"
        deadline = time_now() + 120
        while (found := self._hub.store.lookup(key)) is None:
            if time_now() > deadline or not self._thread.is_alive():
                raise PathFailed("hub ingest did not store the simulated notification")
            sleep(0.01)
        stored = self._hub.store.find(found, Notification)
        if stored is None:
            raise PathFailed("the ingested notification is not in the store")
        return Receipt(stored.id, stored.child_ids)

    def close(self) -> None:
        self._producer.flush(timeout=30)
        self._producer.close(timeout=30)
        self._ingest.stop.set()
        self._thread.join(timeout=60)


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
        self._front_door_seen: deque[tuple[datetime, Child]] = deque()
        self._missing_prone: list[Child] = []
        self._missing_now: set[str] = set()
        self._victims: deque[tuple[datetime, dict[str, Any], Child]] = deque()
        self._ids: dict[str, UUID] = {}  # NHS number -> the hub's child id
        self.refusals: Counter[str] = Counter()  # why the hub refused (no personal data)

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

    # The timeline ------------------------------------------------------------------------

    def at(self, when: datetime, action: Callable[[], object]) -> None:
        self._sequence += 1
        heapq.heappush(self._queue, (when, self._sequence, action))

    def _poisson(self, mean: float) -> int:
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

    def _pick(self, weights: dict[str, float]) -> str:
        return self.rng.choices(list(weights), list(weights.values()))[0]

    def _ref(self, prefix: str) -> str:
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
        for _ in range(self._poisson(self.profile.da["incidents"] * per_day)):
            self.at(self._moment(day, (7, 31)), partial(self._incident, day))
        for _ in range(self._poisson(self.profile.missing["episodes"] * per_day)):
            self.at(self._moment(day, (12, 30)), partial(self._missing, day))
        # The profile's rate counts every contact and referral, the DART's onward referrals
        # among them; those come from triage, so the rest arrive directly.
        total = self.profile.front_door["referrals_per_10000"] * self.profile.children / 10_000
        from_dart = self.profile.da["incidents"] * self.profile.da["threshold"]
        contacts = max(0.0, total - from_dart) * per_day
        for _ in range(self._poisson(contacts)):
            self.at(self._moment(day, (8, 19)), partial(self._contact, day))
        for _ in range(self._poisson(self.profile.sharing["break_glass"] * per_day)):
            self.at(self._moment(day, (0, 24)), self._break_glass)

    def _submit(self, agency: str, body: dict[str, Any]) -> Receipt:
        receipt = self.send(self, agency, body)
        self.tally.add(f"notification:{body['type']}")
        children = [s["nhs_number"] for s in body["subjects"] if s["role"] == "child"]
        self._ids.update(zip(children, receipt.child_ids, strict=True))
        return receipt

    # Domestic abuse ------------------------------------------------------------------------

    def _incident(self, day: date) -> None:
        p = self.profile.da
        now = self.clock.now
        occurred = now - timedelta(minutes=self.rng.uniform(10, 120))
        count = self.rng.choices([1, 2, 3], p["children"])[0]
        while self._victims and now - self._victims[0][0] > timedelta(days=365):
            self._victims.popleft()
        repeat = [v for v in self._victims if v[2].under_18_on(day)]
        if repeat and self.rng.random() < p["victim_repeat"]:
            _, victim, first = self.rng.choice(repeat)
            children = [first]
        else:
            first = self.people.child(day)
            victim = self.people.adult("adult_victim", first.family, self.rng.randint(1975, 2004))
            children = [first]
        while len(children) < count:
            sibling = self.people.child(day)
            sibling.family, sibling.postcode = first.family, first.postcode
            children.append(sibling)
        self._victims.append((now, victim, first))
        level = self._pick(p["dash"])
        yes = {"standard": (0, 9), "medium": (10, 13), "high": (14, 24)}[level]
        receipt = self._submit("police", {
            "type": "domestic_abuse_incident", "source_ref": self._ref("DA"),
            "occurred_at": occurred.isoformat(),
            "subjects": [*(c.subject(present=self.rng.random() < 0.7,
                                     spoken_to=self.rng.random() < 0.3) for c in children),
                         victim, self.people.adult("perpetrator", self.rng.choice(FAMILY),
                                                   self.rng.randint(1970, 2004))],
            "details": {"summary": "Synthetic incident: raised voices reported by a neighbour.",
                        "location": "Synthetic address", "welfare_check": True,
                        "dash": {"yes_count": self.rng.randint(*yes)}}})
        self.tally.add(f"dash:{level}")
        case = case_id(receipt.id)
        hours = self.rng.uniform(*p["triage_working_hours"])
        triage_at = self.hub.front_door.timescales.working.add_working_hours(now, hours)
        self.at(triage_at, lambda: self._triage(case))
        for notice_id in self._notices(case):
            self._plan_acknowledgement(notice_id)

    def _notices(self, case: UUID) -> list[UUID]:
        view = self.hub.domestic_abuse.case(self.callers["dart/dart-worker"], case)
        return [UUID(e["notice_id"]) for e in view["encompass"] if e["notice_id"]]

    def _plan_acknowledgement(self, notice_id: UUID) -> None:
        notice = self.hub.store.find(notice_id, EncompassNotice)
        if notice is None or notice.recipient_agency not in self.schools:
            return
        self.tally.add("encompass:issued")
        due = notice.due_at
        if self.rng.random() < self.profile.da["acknowledged"]:
            when = max(notice.issued_at + timedelta(minutes=5),
                       due - timedelta(minutes=self.rng.uniform(5, 90)))
        else:
            when = due + timedelta(hours=self.rng.uniform(0.5, 30))
        reader = self.schools[notice.recipient_agency]
        self.at(when, lambda: self._acknowledge(reader, notice_id))

    def _acknowledge(self, reader: Caller, notice_id: UUID) -> None:
        self.hub.domestic_abuse.inbox(ReadContext(reader, _purpose("encompass"), None), None,
                                      unacknowledged_only=True)
        self.hub.domestic_abuse.acknowledge(reader, notice_id)
        self.tally.add("encompass:acknowledged")

    def _triage(self, case: UUID) -> None:
        threshold = self.rng.random() < self.profile.da["threshold"]
        actions = ["mash-referral"] if threshold else [
            self.rng.choice(["safety-planning", "idva-referral", "information-only"])]
        self.hub.domestic_abuse.triage(
            self.callers["dart/dart-worker"], case, yes_count=None, answers=None, level=None,
            judgement_reason=None, actions=actions, threshold_met=threshold,
            rationale="Synthetic triage: risk assessed from the police DASH.")
        self.tally.add("dart:triaged")
        if threshold:
            self.tally.add("dart:referred")
            found = self.hub.domestic_abuse.case(self.callers["dart/dart-worker"], case)
            referral = (found["triage"] or {}).get("mash_referral")
            if referral:
                self._work_contact(contact_id(UUID(referral)), "dart")

    # Missing episodes ----------------------------------------------------------------------

    def _missing(self, day: date) -> None:
        p = self.profile.missing
        home = [c for c in self._missing_prone
                if c.nhs not in self._missing_now and c.under_18_on(day)]
        if home and self.rng.random() < p["repeat_child"]:
            child = self.rng.choice(home)
        else:
            ages = (14, 15) if self.rng.random() < p["aged_14_15"] else self.rng.choice(
                [(10, 13), (16, 17)])
            child = self.people.child(day, ages)
            self._missing_prone.append(child)
        self._missing_now.add(child.nhs)
        now = self.clock.now
        seen = now - timedelta(hours=self.rng.uniform(0.5, 3))
        away = self.rng.random() < p["away"]
        self._submit("police", _report(self._ref("MIS"), "missing", now, child,
                                       {"type": "away" if away else "missing",
                                        "last_seen_at": seen.isoformat()}))
        self.tally.add("missing:episodes")
        start = seen
        if away and self.rng.random() < p["away_becomes_missing"]:
            start = now + timedelta(hours=self.rng.uniform(1, 6))
            self.at(start, lambda: self._submit("police", _report(
                self._ref("MIS"), "missing", self.clock.now, child, {"type": "missing"})))
            self.tally.add("missing:episodes")
        within = self.rng.random() < p["home_within_24_hours"]
        hours = self.rng.uniform(1, 23.5) if within else self.rng.uniform(24.5, 120)
        back = max(start + timedelta(hours=hours), now + timedelta(minutes=30))
        self.at(back + timedelta(minutes=self.rng.uniform(5, 60)),
                lambda: self._found(child, back))

    def _found(self, child: Child, back: datetime) -> None:
        self._submit("police", _report(self._ref("FND"), "found", back, child,
                                       {"ended": self.rng.choice(["found", "returned"])}))
        self.tally.add("missing:returned")
        self._missing_now.discard(child.nhs)
        history = self.hub.missing.history(self.callers["missing-team/missing-worker"],
                                           self._child_id(child))
        episode = UUID(history["episodes"][0]["id"])
        p = self.profile.missing
        in_time = self.rng.random() < p["interview_in_time"]
        offer = back + timedelta(hours=self.rng.uniform(2, 24))
        settle = back + timedelta(hours=self.rng.uniform(26, 71) if in_time
                                  else self.rng.uniform(73, 200))
        worker = self.callers["missing-team/missing-worker"]
        record = self.hub.missing.record_interview
        self.at(offer, lambda: record(worker, episode, "offered", None, None, None))
        step = "declined" if self.rng.random() < p["declined"] else "held"

        def settle_interview() -> None:
            record(worker, episode, step, None, True if step == "held" else None, None)
            self.tally.add(f"missing:interview_{step}")

        self.at(settle, settle_interview)

    def _child_id(self, child: Child) -> UUID:
        return self._ids[child.nhs]

    # The front door ------------------------------------------------------------------------

    def _contact(self, day: date) -> None:
        p = self.profile.front_door
        now = self.clock.now
        while self._front_door_seen and now - self._front_door_seen[0][0] > timedelta(days=360):
            self._front_door_seen.popleft()
        seen = [c for _, c in self._front_door_seen if c.under_18_on(day)]
        if seen and self.rng.random() < p["re_referral"]:
            child = self.rng.choice(seen)
        else:
            child = self.people.child(day)
        source = self._pick(p["sources"])
        calendar = self.hub.front_door.timescales.schools.for_school(child.urn)
        if source == "school" and not calendar.is_school_day(day):
            source = "health"  # out of term a concern comes from elsewhere
        kind, agency = {
            "school": ("school_concern", f"school-{child.urn}" if child.urn else "health"),
            "health": ("health_concern", "health"), "police": ("police_concern", "police"),
            "referral": ("referral", self.rng.choice(["health", "police"])),
            "dart": ("referral", "dart")}[source]
        if kind == "school_concern" and agency == "health":
            kind = "health_concern"
        details: dict[str, Any] = {"summary": "Synthetic concern: the child seemed withdrawn."}
        if self.rng.random() < p["indicators"]:
            details["indicators"] = [self.rng.choice(["abuse-or-grooming-disclosed",
                                                      "adult-posing-risk",
                                                      "unexplained-injury"])]
        receipt = self._submit(agency, {
            "type": kind, "source_ref": self._ref("CON"),
            "occurred_at": (now - timedelta(minutes=self.rng.uniform(5, 90))).isoformat(),
            "subjects": [child.subject()], "details": details})
        self._front_door_seen.append((now, child))
        self._work_contact(contact_id(receipt.id), agency)

    def _office(self, after: datetime, hours: float) -> datetime:
        return self.hub.front_door.timescales.working.add_working_hours(after, hours)

    def _work_contact(self, contact: UUID, referrer: str) -> None:
        """Plan the MASH's work on a contact: rating, acknowledgement, research, reads,
        consent and sharing decisions, the decision, and what follows it."""
        p, s = self.profile.front_door, self.profile.sharing
        now = self.clock.now
        mash, social = self.callers["mash/mash-worker"], self.callers["mash/social-worker"]
        arrived = self.hub.store.find(contact, MashContact)
        if arrived is None:
            return
        forced = arrived.rating is not None  # an indicator made it red on arrival
        rag = "red" if forced else self._pick(p["rag"])
        self.tally.add(f"rag:{rag}")
        rate_at = now + timedelta(minutes=self.rng.uniform(5, 50))
        if not forced:
            self.at(rate_at, lambda: self.hub.front_door.rate(mash, contact, rag, None))
        def acknowledge() -> None:
            found = self.hub.store.find(contact, MashContact)
            if found is not None and found.acknowledged is None:  # not decided meanwhile
                self.hub.front_door.acknowledge(mash, contact)

        self.at(self._office(now, self.rng.uniform(0.2, 7)), acknowledge)
        due = self.hub.front_door.timescales.rag_due(_rag(rag), arrived.received_at)
        on_time = self.rng.random() < p["rag_on_time"]
        window = max((due - rate_at).total_seconds() / 3600, 0.2)
        decide_at = (rate_at + timedelta(hours=self.rng.uniform(0.1, 0.95) * window)
                     if on_time else due + timedelta(hours=self.rng.uniform(0.5, 30)))
        if self.rng.random() < p["research"]:
            partners = [a for a in ("police", "health") if a != referrer]
            ask = rate_at + timedelta(minutes=1)
            self.at(ask, lambda: self.hub.front_door.request_research(mash, contact, partners))
            for partner in partners:
                who = self.callers["police/police-officer" if partner == "police"
                                   else "health/health-practitioner"]
                answer = ask + (decide_at - ask) * self.rng.uniform(0.2, 0.9)
                self.at(answer, partial(
                    self.hub.front_door.add_research, who, contact,
                    "Synthetic research: known to the service, no current plan."))
        child_id = self._contact_child(contact)
        for _ in range(self._poisson(s["reads"])):
            reader = self.rng.choice([mash, social, self.callers["health/health-practitioner"],
                                      self.callers["police/police-officer"]])
            purpose = "triage" if reader.agency_kind == "mash" else "assessment"
            when = rate_at + (decide_at - rate_at) * self.rng.random()
            self.at(when, partial(self._read, reader, purpose, child_id))
        if self.rng.random() < s["consent"]:
            refused = self.rng.random() < s["consent_refused"]
            self.at(rate_at + timedelta(minutes=20), lambda: self._consent(child_id, refused))
        if self.rng.random() < s["decisions"]:
            share = self.rng.random() >= s["not_to_share"]
            self.at(rate_at + timedelta(minutes=30), lambda: self._sharing(child_id, share))
        self.at(decide_at, lambda: self._decide(contact, referrer))

    def _contact_child(self, contact: UUID) -> UUID:
        found = self.hub.store.find(contact, MashContact)
        if found is None:
            raise HubError("no such contact")
        return found.child_ids[0]

    def _read(self, reader: Caller, purpose: str, child_id: UUID) -> None:
        self.tally.add("reads")
        self.hub.disclosure.chronology(ReadContext(reader, _purpose(purpose), None), child_id)

    def _consent(self, child_id: UUID, refused: bool) -> None:
        self.hub.sharing.record_consent(
            self.callers["mash/social-worker"], child_id, "refused" if refused else "given",
            "parent", {"data_classes": ["health", "education"], "agencies": ["mash"],
                       "purposes": ["assessment"]}, None, None)
        self.tally.add("consent:refused" if refused else "consent:given")

    def _sharing(self, child_id: UUID, share: bool) -> None:
        self.hub.sharing.record_decision(
            self.callers["police/police-officer"], child_id, share=share,
            recipient_agency="health", data_classes=["police-incident"],
            purposes=["assessment"], legal_basis="dpa-2018-sch8-para4",
            consent_not_relied="would-put-child-at-risk",
            rationale=("Synthetic: the health visitor needs to know of the incidents."
                       if share else "Synthetic: not necessary for the health assessment."),
            valid_from=None, valid_until=self.clock.now + timedelta(days=90))
        self.tally.add("sharing:share" if share else "sharing:not_to_share")

    def _decide(self, contact: UUID, referrer: str) -> None:
        p = self.profile.front_door
        outcome = self._pick(p["outcomes"])
        level = self.rng.choice({
            "no-further-action": ["universal", "additional"],
            "early-help": ["additional", "extensive"],
            "assessment": ["child-in-need", "protection"],
            "strategy-discussion": ["protection"]}[outcome])
        self.hub.front_door.decide(
            self.callers["mash/social-worker"], contact, level=level, outcome=outcome,
            rationale="Synthetic decision on the information gathered.",
            feedback="Synthetic feedback to the referrer.", signs_of_safety=None,
            participants=["police", "health"] if outcome == "strategy-discussion" else [])
        self.tally.add(f"outcome:{outcome}")
        if outcome == "assessment":
            in_time = self.rng.random() < p["assessment_in_time"]
            days = self.rng.uniform(10, 44) if in_time else self.rng.uniform(46, 70)
            received = self._received(contact)
            done = self.hub.front_door.timescales.working.add_working_days(received, 1) + timedelta(
                days=days * 7 / 5)
            def assess() -> None:
                self.hub.front_door.complete_assessment(
                    self.callers["mash/social-worker"], contact,
                    "Synthetic assessment completed.")
                self.tally.add("assessment:completed")

            self.at(done, assess)
        if outcome == "strategy-discussion":
            self._plan_conference(contact)
        elif outcome == "assessment" and self.rng.random() < self.profile.child_protection[
                "looked_after"]:
            self._plan_care(contact)
        if referrer.startswith("school-") and self.rng.random() < p["disagreement"]:
            school = self.schools[referrer]
            self.at(self.clock.now + timedelta(hours=3), lambda: self._disagree(school, contact))

    # Child protection ------------------------------------------------------------------------

    def _plan_conference(self, contact: UUID) -> None:
        """The initial conference after the strategy discussion, and the plan's life."""
        p = self.profile.child_protection
        child_id = self._contact_child(contact)
        working = self.hub.front_door.timescales.working
        held = working.add_working_days(self.clock.now, round(self.rng.uniform(
            *p["conference_working_days"])))
        plan = self.rng.random() < p["plan_after_strategy"]
        social = self.callers["mash/social-worker"]
        cp = self.hub.child_protection

        def conference() -> None:
            held = self.hub.store.find(protection_id(child_id), ProtectionRecord)
            if held is not None and held.current_plan is not None:
                return  # already on a plan: its next review takes this into account
            cp.initial_conference(social, child_id, at=None, plan=plan,
                                  category=self.rng.choice(["neglect", "physical", "sexual",
                                                            "emotional", "multiple"])
                                  if plan else None, unborn=False, enquiry_id=None)
            self.tally.add("cp:conference")
            if not plan:
                return
            self.tally.add("cp:plan")
            met = working.add_working_days(self.clock.now, self.rng.randint(3, 9) if (
                self.rng.random() < p["core_group_in_time"]) else self.rng.randint(11, 16))
            self.at(met, lambda: cp.core_group(social, child_id, at=None, unborn=False))
            months = self.rng.uniform(*p["plan_months"])
            self._plan_review(child_id, self.clock.now, first=True,
                              ends=self.clock.now + timedelta(days=months * 30.4))

        self.at(held, conference)

    def _plan_review(self, child_id: UUID, since: datetime, first: bool,
                     ends: datetime) -> None:
        p = self.profile.child_protection
        months = 3 if first else 6
        in_time = self.rng.random() < p["review_in_time"]
        when = since + timedelta(days=months * 30.4 * (self.rng.uniform(0.8, 0.97) if in_time
                                                       else self.rng.uniform(1.02, 1.15)))
        continues = when < ends
        social = self.callers["mash/social-worker"]

        def review() -> None:
            self.hub.child_protection.review(social, child_id, at=None,
                                             plan_continues=continues, category=None,
                                             unborn=False)
            self.tally.add("cp:review")
            if continues:
                self._plan_review(child_id, self.clock.now, first=False, ends=ends)

        self.at(when, review)

    def _plan_care(self, contact: UUID) -> None:
        child_id = self._contact_child(contact)
        social = self.callers["mash/social-worker"]
        start = self.clock.now + timedelta(days=self.rng.uniform(5, 40))
        end = start + timedelta(days=self.rng.uniform(*self.profile.child_protection[
            "care_days"]))
        looked = self.hub.child_protection.looked_after
        self.at(start, lambda: looked(social, child_id, looked_after=True, at=None))
        self.at(end, lambda: looked(social, child_id, looked_after=False, at=None))

    def _received(self, contact: UUID) -> datetime:
        found = self.hub.store.find(contact, MashContact)
        return found.received_at if found is not None else self.clock.now

    def _disagree(self, school: Caller, contact: UUID) -> None:
        raised = self.hub.front_door.raise_disagreement(
            school, contact, "Synthetic: the school believes the need is higher.")
        self.tally.add("disagreements")
        ident = UUID(raised["id"])
        manager = self.callers["mash/team-manager"]
        self.at(self.clock.now + timedelta(days=1),
                lambda: self.hub.front_door.resolve_disagreement(
                    manager, ident, "Synthetic: agreed after a discussion."))

    def _break_glass(self) -> None:
        if not self._front_door_seen:
            return
        child = self.rng.choice(list(self._front_door_seen))[1]
        ctx = ReadContext(self.callers["health/health-practitioner"], _purpose("assessment"),
                          None, "Synthetic: unconscious child in A&E, no other basis")
        self.hub.disclosure.chronology(ctx, self._child_id(child))
        self.tally.add("break_glass")


def _purpose(value: str) -> Any:
    from domain.access import Purpose

    return Purpose(value)


def _rag(value: str) -> Any:
    from domain.front_door import Rag

    return Rag(value)


def _report(ref: str, type_: str, at: datetime, child: Child,
            episode: dict[str, Any]) -> dict[str, Any]:
    return {"type": type_, "source_ref": ref, "occurred_at": at.isoformat(),
            "subjects": [child.subject()],
            "details": {"summary": "Synthetic report.", "episode": episode}}
