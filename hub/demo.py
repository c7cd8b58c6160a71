"""A small, realistic demo data set for development: agencies, people and notifications.

Demo tokens are derived from a development-only key in ``HUB_HOME``, so running the demo
again prints the same working tokens without the hub ever storing a token in clear (an
expired one is issued again). Demo users are marked as such: production refuses to run while
one is active, and refuses their tokens.
"""

import hashlib
import hmac
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from domain.agencies import StaffChangeReason
from domain.notifications import (
    DashAssessment,
    DetailsSubmission,
    NotificationSubmission,
    NotificationType,
    SubjectRole,
    SubjectSubmission,
)
from hub.bootstrap import Hub
from hub.errors import Conflict
from hub.registry import DEMO_TOKEN_PREFIX, token_hash
from hub.settings import SettingsError

AGENCIES = [
    ("notts-police", "police", "Nottinghamshire Police", None),
    ("derbys-police", "police", "Derbyshire Constabulary", None),
    ("city-mash", "mash", "Children and Families Direct (MASH)", None),
    ("city-dart", "dart", "Domestic Abuse Referral Team", None),
    ("city-health", "health", "City Health Partnership", None),
    ("riverside-primary", "school", "Riverside Primary School", "100001"),
    ("hillview-academy", "school", "Hillview Academy", "100002"),
    ("missing-team", "missing", "Missing Children Team", None),
    ("info-governance", "auditor", "Information Governance", None),
    ("hub-admin", "admin", "Hub Administration", None),
]

USERS = [
    ("notts-police", "police-officer", "PC Sam Reid"),
    ("derbys-police", "police-officer", "PC Alex Dunn"),
    ("city-mash", "mash-worker", "Priya Shah"),
    ("city-mash", "team-manager", "Tom Okafor"),
    ("city-mash", "independent-reviewing-officer", "Maya Ellis"),  # chairs conferences
    ("city-dart", "dart-worker", "Helen Marsh"),
    ("city-dart", "team-manager", "Grace Obi"),  # the MARAC coordinator
    ("city-health", "health-practitioner", "Nurse Kim Lowe"),
    ("city-health", "unscheduled-care-clinician", "Dr Ade Cole"),  # A&E: the CP-IS look-up
    ("city-health", "safeguarding-lead", "Lena Brooks"),  # the named nurse: consent overrides
    ("riverside-primary", "dsl", "Mrs Clare Hughes"),
    ("hillview-academy", "dsl", "Mr Dev Patel"),
    ("missing-team", "missing-worker", "Jordan Fox"),
    ("info-governance", "auditor", "Ruth Evans"),
    ("info-governance", "information-governance", "Dana Whitfield"),
    ("hub-admin", "admin", "Hub Admin"),
]


@dataclass(frozen=True)
class DemoUser:
    agency: str
    role: str
    name: str
    token: str
    active: bool = True


def demo_token(secret: bytes, agency: str, role: str) -> str:
    mac = hmac.new(secret, f"{agency}/{role}".encode(), hashlib.sha256).hexdigest()
    return f"{DEMO_TOKEN_PREFIX}{mac[:40]}"


def demo_token_hashes(secret: bytes) -> frozenset[str]:
    """The hashes of every demo user's token under this demo key."""
    return frozenset(token_hash(demo_token(secret, agency, role)) for agency, role, _ in USERS)


def _notifications(now: datetime) -> list[tuple[str, NotificationSubmission]]:
    last_night = (now - timedelta(days=1)).replace(hour=22, minute=15, second=0, microsecond=0)
    amy = SubjectSubmission(SubjectRole.CHILD, "Amy", "Hart", datetime(2016, 4, 2).date(),
                            school_urn="100001", postcode="NG5 1AB", present=True,
                            spoken_to=False)
    kyle = SubjectSubmission(SubjectRole.CHILD, "Kyle", "Moss", datetime(2011, 9, 14).date(),
                             nhs_number="9434765919", school_urn="100002", postcode="NG7 2QP")
    return [
        ("notts-police", NotificationSubmission(
            NotificationType.DOMESTIC_ABUSE_INCIDENT, "NTP-DEMO-0001", last_night,
            (amy,
             SubjectSubmission(SubjectRole.ADULT_VICTIM, "Jo", "Hart",
                               datetime(1990, 1, 9).date(), postcode="NG5 1AB"),
             SubjectSubmission(SubjectRole.PERPETRATOR, "Lee", "Kerr",
                               datetime(1988, 7, 30).date())),
            DetailsSubmission(summary="Verbal argument escalated; neighbour called police.",
                              location="Home address", welfare_check=True,
                              dash=DashAssessment(11)))),
        ("notts-police", NotificationSubmission(
            NotificationType.MISSING, "NTP-DEMO-0002", now - timedelta(days=3),
            (kyle,), DetailsSubmission(summary="Did not return home after school."))),
        ("riverside-primary", NotificationSubmission(
            NotificationType.SCHOOL_CONCERN, "RPS-DEMO-0001", now - timedelta(days=5),
            (amy,), DetailsSubmission(summary="Arrived tired and hungry three days this week.",
                                      child_words="Mum and Lee were shouting again."))),
        ("city-health", NotificationSubmission(
            NotificationType.HEALTH_CONCERN, "CHP-DEMO-0001", now - timedelta(days=10),
            (kyle,), DetailsSubmission(summary="Missed two appointments; weight loss noted."))),
    ]


@dataclass(frozen=True)
class DemoChild:
    """A demo child by id, and the part it plays: what was sent about it, by whom (never a
    name: the ids and roles are what `make run` prints)."""

    id: str
    parts: tuple[str, ...]

    def describe(self) -> str:
        return f"{self.id}: " + "; ".join(self.parts)


def seed_demo(hub: Hub, now: datetime | None = None) -> tuple[list[DemoUser], list[DemoChild]]:
    """Register the demo agencies, users and data (again, harmlessly).

    Returns the users and the demo children (ids and parts only: nothing personal).
    """
    if hub.settings.is_production:
        raise SettingsError("demo data is refused when HUB_ENV=production")
    for agency_id, kind, name, urn in AGENCIES:
        with suppress(Conflict):  # already seeded by an earlier run
            hub.registry.register_agency(agency_id, kind, name, urn)
    secret = hub.keys.secret("demo")
    users = []
    now_ = hub.registry.now()
    for agency, role, name in USERS:
        token = demo_token(secret, agency, role)
        user = hub.registry.user_for_token(token)
        if user is None:
            user, _ = hub.registry.register_user(agency, role, name, token=token, demo=True)
        else:  # seeded before: marked as demo, and working again if its token ran out
            hub.registry.mark_demo(user["id"])
            if user["active"] and datetime.fromisoformat(user["token_expires_at"]) <= now_:
                user = hub.registry.renew(user["id"], token, StaffChangeReason.EXPIRED)
        users.append(DemoUser(agency, role, name, token, user["active"]))
    parts: dict[str, list[str]] = {}
    for agency, submission in _notifications(now or datetime.now(UTC)):
        schools = [s.school_urn for s in submission.subjects if s.is_child]
        for child_id, urn in zip(hub.intake.submit(agency, "demo", submission).child_ids,
                                 schools, strict=False):
            part = f"{submission.type.value.replace('_', ' ')} from {agency}"
            if urn is not None and submission.type is NotificationType.DOMESTIC_ABUSE_INCIDENT:
                part += f" (an Encompass notice to school {urn})"
            parts.setdefault(str(child_id), []).append(part)
    return users, [DemoChild(child, tuple(p)) for child, p in parts.items()]

