"""Application tests: the people who act, registered on the hub under test."""

import pytest

from hub.bootstrap import Hub
from hub.registry import Caller
from tests.support import seed

EXTRA_STAFF = (("city-mash", "team-manager"), ("city-mash", "social-worker"),
               ("city-dart", "team-manager"), ("city-health", "safeguarding-lead"))


@pytest.fixture
def people(hub: Hub) -> dict[str, Caller]:
    """One person for each seeded agency (by agency id), and the MASH's team manager and
    social worker and the DART's team manager (by "agency/role")."""
    tokens = seed(hub)
    for agency, role in EXTRA_STAFF:
        _, tokens[f"{agency}/{role}"] = hub.registry.register_user(agency, role, "Staff")
    return {name: hub.registry.authenticate(token) for name, token in tokens.items()}
