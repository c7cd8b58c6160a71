"""Agency ids the hub writes for itself cannot be registered by anyone else (issue 14,
finding 8: an agency registered as ``hub`` would own every child's identity record)."""

import pytest

from domain.agencies import Agency, AgencyKind, is_reserved_agency_id
from domain.errors import InvalidContent
from hub.access import HUB_OWNER
from hub.front_door import HUB_RULE


@pytest.mark.parametrize("agency_id", [HUB_OWNER, HUB_RULE["agency"], "cli", "schools",
                                       "system", "hub-ingest", "hub-x"])
def test_reserved_ids_are_refused(agency_id: str) -> None:
    assert is_reserved_agency_id(agency_id)
    with pytest.raises(InvalidContent, match="reserved"):
        Agency.register(agency_id, AgencyKind.ADMIN, "Anyone", None)


@pytest.mark.parametrize("agency_id", ["hub-admin", "hubbard", "city-hub", "notts-police"])
def test_other_ids_are_not(agency_id: str) -> None:
    assert not is_reserved_agency_id(agency_id)
    assert Agency.register(agency_id, AgencyKind.ADMIN, "Anyone", None).agency_id == agency_id
