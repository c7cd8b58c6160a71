"""Wires the hub together from settings. Nothing connects or reads files before this runs."""

import base64
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from eventsourcing.domain import Aggregate

from adapters.data_keys import (
    DataKeyStore,
    LocalMasterKey,
    MemoryDataKeys,
    PostgresDataKeys,
    SQLiteDataKeys,
)
from adapters.event_log import JsonStateFiles, NoStateFiles, StoreLog
from adapters.keys import KeyFiles
from adapters.store import holds_notifications, postgres_location, store_environment
from adapters.witness_client import WitnessClient
from domain.notifications import Notification, NotificationSubmission
from domain.people import PersonRecord
from hub.audit.checkpoints import Checkpoints, SigningKeys
from hub.audit.entitlements import Entitlements
from hub.audit.memory import SignerMemory
from hub.audit.service import AuditorService
from hub.audit.trail import AuditTrail
from hub.audit.witnesses import WitnessConfig, Witnesses
from hub.caseload import CaseloadImport
from hub.child_in_need import ChildInNeed
from hub.child_protection import ChildProtection, load_contacts
from hub.child_search import ChildSearch
from hub.corrections import Corrections, Downstream
from hub.disclosure import Disclosure
from hub.domestic_abuse import DomesticAbuse
from hub.erasure import Erasure
from hub.files import private_dir
from hub.front_door import FrontDoor
from hub.intake import LinkHasher, NotificationIntake
from hub.marac import MaracMeetings
from hub.matching import Matching
from hub.merging import Merging
from hub.missing import MissingChildren
from hub.oidc_sign_in import OidcSignIn
from hub.personal_data import PersonalCipher
from hub.policy_store import PolicyStore
from hub.ports import EventLog, Keys, StateFiles
from hub.projections.board import load_seeds
from hub.projections.indicators import Indicators
from hub.projections.work_index import WorkIndex
from hub.registry import Registry
from hub.relationships import Relationships
from hub.retention import Retention, load_schedule
from hub.safety_scale import SafetyScale
from hub.settings import Settings, SettingsError
from hub.sharing import Sharing
from hub.store import HubStore
from hub.subject_access import SubjectAccess
from hub.timescales import load_timescales, missing_term_calendars
from policies.decision_point import (
    CapabilityPolicy,
    DecisionPoint,
    MembershipPolicy,
    packaged_policy,
)


@dataclass
class Hub:
    """The application services, ready for the HTTP API, the CLI and the Kafka adapters."""

    settings: Settings
    store: HubStore
    # The store's log, followed in order (the work index, the relay, retention).
    log: EventLog
    keys: KeyFiles
    # Where people's data keys are kept (the services see them as hub.ports.DataKeys).
    data_keys: DataKeyStore
    registry: Registry
    intake: NotificationIntake
    corrections: Corrections
    disclosure: Disclosure
    sharing: Sharing
    audit: AuditTrail
    decisions: DecisionPoint
    policies: PolicyStore
    capabilities: CapabilityPolicy
    entitlements: Entitlements
    checkpoints: Checkpoints
    auditor: AuditorService
    erasure: Erasure
    retention: Retention
    subject_access: SubjectAccess
    domestic_abuse: DomesticAbuse
    missing: MissingChildren
    front_door: FrontDoor
    indicators: Indicators
    child_protection: ChildProtection
    child_in_need: ChildInNeed
    safety_scale: SafetyScale
    relationships: Relationships
    caseload: CaseloadImport
    matching: Matching
    merging: Merging
    child_search: ChildSearch
    marac: MaracMeetings
    # Where the queues stand (ids, deadlines, states; no personal data), and the hub's clock:
    # what the operators' gauges are computed from (hub.metrics).
    work: WorkIndex
    clock: Callable[[], datetime]
    # Sign-in to the web app through the OpenID Connect provider (None: HUB_OIDC_ISSUER unset).
    sign_in: OidcSignIn | None = None

    def close(self) -> None:
        self.checkpoints.witnesses.close()
        self.store.close()
        self.data_keys.close()


def _now() -> datetime:
    return datetime.now(UTC)


def bootstrap(settings: Settings, clock: Callable[[], datetime] = _now) -> Hub:
    """The hub, wired. ``clock`` is the hub's one source of "now" (tests move it)."""
    if settings.is_production and not settings.store_url_given:
        raise SettingsError("production needs HUB_STORE_URL: it never falls back to a store "
                            "of its own in HUB_HOME")
    if settings.is_production and settings.store_url == "memory://":
        raise SettingsError("HUB_STORE_URL=memory:// keeps nothing; not allowed in production")
    private_dir(settings.home)  # the owner's only (0700), if the hub creates it
    keys = KeyFiles(settings.home, may_generate=not settings.is_production)
    link_secret = keys.secret("link")
    keys.secret("audit-signing")  # present before anything is served
    data_keys = _data_keys(settings, keys)
    cipher = PersonalCipher(data_keys)
    store = HubStore(store_environment(settings.store_url), cipher)
    audit = AuditTrail(store, clock)
    policies = PolicyStore(store, audit, clock)
    decisions = _access_policy(policies, settings)
    capabilities = CapabilityPolicy(packaged_policy("capability"))
    registry = Registry(store, MembershipPolicy(packaged_policy("membership")), clock,
                        timedelta(days=settings.token_days), settings.is_production,
                        _legacy_demo_hashes(keys), audit)
    signing = SigningKeys(keys, settings.audit_origin)
    signing.publish()
    checkpoints = Checkpoints(
        store, audit, signing, clock,
        memory=None if settings.store_url == "memory://" else SignerMemory(settings.home,
                                                                           settings.store_url),
        witnesses=open_witnesses(settings.audit_witnesses))
    erasure = Erasure(store, cipher, audit, capabilities, clock)
    timescales = load_timescales(settings.timescales_file)
    log = StoreLog.of(store)
    work = WorkIndex(store, log)
    relationships = Relationships(store, registry, capabilities, audit, clock)
    front_door = FrontDoor(store, registry, decisions, capabilities, audit, timescales, work,
                           clock, relationships=relationships)
    missing = MissingChildren(store, capabilities, audit, timescales, work, clock,
                              registry=registry)

    contacts = load_contacts(settings.contacts_file)
    child_protection = ChildProtection(store, decisions, capabilities, audit, timescales,
                                       LinkHasher(link_secret), contacts, work, clock,
                                       registry=registry)
    # The local authorities the hub serves: those whose numbers it holds (and the missing
    # team's own); a child no authority holds records of is allocated by one of them.
    front_door.served = frozenset([*contacts, *filter(None, [timescales.missing_own_authority])])
    child_in_need = ChildInNeed(store, capabilities, audit, timescales, work, clock)
    front_door.protection_overdue = lambda now: [*child_protection.overdue(now),
                                                 *child_in_need.overdue(now)]

    def workflows(notification: Notification, submission: NotificationSubmission,
                  people: list[PersonRecord]) -> list[Aggregate]:
        """Everything a new notification sets going, saved with it."""
        return [*domestic_abuse.on_received(notification, submission, people),
                *missing.on_received(notification, submission, people),
                *front_door.on_received(notification, submission, people)]

    intake = NotificationIntake(store, LinkHasher(link_secret), clock, workflows=workflows)
    # The DART's referrals to the MASH go in through the same intake.
    domestic_abuse = DomesticAbuse(store, registry, decisions, capabilities, audit,
                                   timescales, clock, work, intake=intake)

    def amended(notification: Notification, submission: NotificationSubmission,
                people: list[PersonRecord], at: datetime) -> list[Aggregate]:
        """Everything an amendment sets going, saved with it."""
        return [*domestic_abuse.on_amended(notification, submission, people, at),
                *front_door.on_amended(notification, submission, people, at)]

    def withdrawn(notification: Notification, at: datetime) -> list[Aggregate]:
        return [*domestic_abuse.on_withdrawn(notification, at),
                *front_door.on_withdrawn(notification, at)]

    corrections = Corrections(store, intake, audit, capabilities,
                              Downstream(amended, withdrawn), clock)
    intake.amendments = corrections.amend_by_ref
    intake.withdrawals = corrections.withdraw_by_ref

    return Hub(
        settings=settings,
        store=store,
        log=log,
        keys=keys,
        data_keys=data_keys,
        registry=registry,
        intake=intake,
        corrections=corrections,
        disclosure=Disclosure(store, registry, decisions, capabilities, audit, clock),
        sharing=Sharing(store, registry, capabilities, audit, clock),
        audit=audit,
        decisions=decisions,
        policies=policies,
        capabilities=capabilities,
        entitlements=Entitlements(store, registry, decisions, audit),
        checkpoints=checkpoints,
        auditor=AuditorService(audit, checkpoints, capabilities, registry),
        erasure=erasure,
        retention=Retention(store, log, erasure, audit, capabilities,
                            load_schedule(settings.retention_file), clock),
        subject_access=SubjectAccess(store, audit, clock),
        domestic_abuse=domestic_abuse,
        missing=missing,
        front_door=front_door,
        # Read through a log that cannot decrypt: the indicators never open personal values.
        indicators=Indicators(StoreLog.of(store, blind=True), _projection_states(settings),
                              load_seeds(settings.board_profile)),
        child_protection=child_protection,
        child_in_need=child_in_need,
        safety_scale=SafetyScale(store, capabilities, audit, work, clock),
        relationships=relationships,
        caseload=CaseloadImport(store, intake, registry, audit, timescales, clock),
        matching=Matching(store, capabilities, audit, work, clock),
        merging=Merging(store, capabilities, audit, clock),
        child_search=ChildSearch(store, registry, decisions, capabilities, audit,
                                 LinkHasher(link_secret), clock),
        marac=MaracMeetings(store, registry, capabilities, audit, timescales, work, clock),
        work=work,
        clock=clock,
        sign_in=_oidc_sign_in(settings, registry, LinkHasher(link_secret), clock),
    )


# What the entry points take from the composition root rather than from adapters/: the key
# files (``hub keys init``, the witness's key), and whether a store already holds
# notifications, read without writing (``hub simulate`` asks before it starts the hub).
__all__ = ["Hub", "KeyFiles", "bootstrap", "holds_notifications", "key_files", "master_keys",
           "open_witnesses", "refuse_demo_users", "refuse_missing_term_calendars",
           "refuse_to_run", "rotate_master"]


def key_files(home: Path, *, may_generate: bool) -> Keys:
    """The named secrets under ``home/keys``; missing ones are made only if ``may_generate``."""
    return KeyFiles(home, may_generate=may_generate)


def open_witnesses(configs: tuple[WitnessConfig, ...]) -> Witnesses:
    """The configured witnesses, reached over HTTP (C2SP tlog-witness)."""
    return Witnesses(configs, transport=WitnessClient)


def _oidc_sign_in(settings: Settings, registry: Registry, hasher: LinkHasher,
                  clock: Callable[[], datetime]) -> OidcSignIn | None:
    """The web app's sign-in through the OpenID Connect provider, when one is configured
    (authlib is imported only then)."""
    oidc = settings.oidc
    if oidc is None:
        return None
    from adapters.oidc import OidcProvider

    oidc.client_secret()  # readable now, or the hub refuses to start (SettingsError)
    provider = OidcProvider(oidc.issuer, oidc.client_id, oidc.client_secret, oidc.redirect_url,
                            clock)
    return OidcSignIn(provider, registry, hasher)


def _legacy_demo_hashes(keys: KeyFiles) -> frozenset[str]:
    """The hashes of the demo's tokens, where this HUB_HOME holds the demo key (so that users
    seeded by a demo from before demo users were marked are still known as demo users)."""
    if not keys.path("demo").exists():
        return frozenset()
    from hub.demo import demo_token_hashes

    return demo_token_hashes(keys.secret("demo"))


def refuse_demo_users(hub: Hub, command: str) -> None:
    """In production, refuse to run while any demo user can still sign in."""
    if not hub.settings.is_production:
        return
    count = len(hub.registry.demo_users())
    if count:
        raise SettingsError(
            f"hub {command}: refused in production: {count} active demo "
            f"user{'s' if count != 1 else ''} in the store; disable them with "
            "'hub users disable --demo'")


def refuse_missing_term_calendars(hub: Hub, command: str) -> None:
    """In production, refuse to run while a local authority with schools registered has no
    term calendar of its own (only the packaged example, or none): its schools' Operation
    Encompass notices would fall due, and escalate, in the holidays."""
    if not hub.settings.is_production:
        return
    urns = [a["urn"] for a in hub.registry.agencies() if a["urn"] is not None]
    missing = missing_term_calendars(hub.settings.timescales_file, urns)
    if missing:
        raise SettingsError(
            f"hub {command}: refused in production: no term calendar for the local "
            f"authorit{'ies' if len(missing) != 1 else 'y'} {', '.join(missing)} (schools are "
            "registered there); name each one's terms file in HUB_TIMESCALES_FILE "
            "([school_days.authorities.\"<id>\"] terms_file), not the packaged example")


def refuse_to_run(hub: Hub, command: str) -> None:
    """Production's checks before a process serves or streams: no demo users, and a term
    calendar for every local authority with schools registered."""
    refuse_demo_users(hub, command)
    refuse_missing_term_calendars(hub, command)


def master_keys(keys: KeyFiles) -> tuple[LocalMasterKey, tuple[LocalMasterKey, ...]]:
    """The master key in force and the retired ones (still needed until keys are rewrapped)."""
    master = LocalMasterKey(keys.secret("master"))
    retired = tuple(LocalMasterKey(base64.b64decode(p.read_bytes().strip()))
                    for p in sorted(keys.folder.glob("master.retired-*.key")))
    return master, retired


def _data_keys(settings: Settings, keys: KeyFiles) -> DataKeyStore:
    """Where people's data keys live: beside the store, never inside its event tables."""
    master, retired = master_keys(keys)
    store: DataKeyStore
    if settings.store_url == "memory://":
        store = MemoryDataKeys(master, retired)
    elif (postgres := postgres_location(settings.store_url)) is not None:
        store = PostgresDataKeys(*postgres, master, retired)
    else:
        store = SQLiteDataKeys(keys.folder / "data-keys.sqlite3", master, retired)
    store.reload = lambda: master_keys(keys)
    return store


def _projection_states(settings: Settings) -> StateFiles:
    """Where projections keep their state: HUB_HOME/projections, nowhere for memory://."""
    if settings.store_url == "memory://":
        return NoStateFiles()
    return JsonStateFiles(settings.home / "projections")


def _access_policy(policies: PolicyStore, settings: Settings) -> DecisionPoint:
    """The access policy in force: the store's history, with the packaged one on first start.

    In development a changed packaged policy is published as a new version; in production a
    policy changes only by ``hub policy publish``, by a named person with a reason.
    """
    packaged = packaged_policy("access")
    latest = policies.latest()
    if latest is None or (latest.version != packaged.version and not settings.is_production):
        reason = ("initial policy" if latest is None
                  else "development: the packaged policy changed")
        latest = policies.publish(packaged, author="hub (packaged policy)", reason=reason)
    decisions = DecisionPoint(packaged)
    policies.load_into(decisions)
    return decisions


def rotate_master(hub: Hub) -> int:
    """Replace the master key and rewrap every data key under it; nothing is re-encrypted.

    The old master is kept as ``master.retired-<time>.key`` so that processes still using it
    (and any key they wrap meanwhile) keep working; they adopt the new one on first sight.
    """
    keys = hub.keys
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    keys.path("master").rename(keys.path(f"master.retired-{stamp}"))
    keys.create("master")
    data_keys = hub.data_keys
    data_keys.use_masters(*master_keys(keys))
    return data_keys.rewrap()
