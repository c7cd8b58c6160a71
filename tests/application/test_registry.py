import pytest

from domain.errors import InvalidContent
from domain.indexes import KeyIndex
from hub.bootstrap import Hub
from hub.errors import Conflict, NotAuthenticated
from hub.registry import token_hash


def test_a_token_is_random_and_stored_only_as_a_hash(hub: Hub) -> None:
    hub.registry.register_agency("notts-police", "police", "Nottinghamshire Police")
    user, token = hub.registry.register_user("notts-police", "police-officer", "PC One")
    _, other = hub.registry.register_user("notts-police", "police-officer", "PC Two")
    assert token != other
    assert len(token) >= 40
    for stored in hub.store.recorder.select_notifications(start=1, limit=100):
        assert token.encode() not in stored.state
    assert hub.store.lookup(f"token:{token_hash(token)}") is not None
    caller = hub.registry.authenticate(token)
    assert (str(caller.user_id), caller.agency_id, caller.agency_kind, caller.role) == \
        (user["id"], "notts-police", "police", "police-officer")


@pytest.mark.parametrize("token", [None, "", "hub_unknown", "x" * 500])
def test_unknown_tokens_are_refused(hub: Hub, token: str | None) -> None:
    with pytest.raises(NotAuthenticated):
        hub.registry.authenticate(token)


def test_roles_must_fit_the_agency_kind(hub: Hub) -> None:
    hub.registry.register_agency("riverside-primary", "school", "Riverside Primary", "100001")
    with pytest.raises(InvalidContent, match="role"):
        hub.registry.register_user("riverside-primary", "police-officer", "Someone")
    hub.registry.register_user("riverside-primary", "dsl", "Mrs Hughes")


def test_agencies_are_unique_and_schools_carry_a_unique_urn(hub: Hub) -> None:
    hub.registry.register_agency("riverside-primary", "school", "Riverside Primary", "100001")
    with pytest.raises(Conflict):
        hub.registry.register_agency("riverside-primary", "school", "Again", "100009")
    with pytest.raises(Conflict):
        hub.registry.register_agency("other-school", "school", "Other", "100001")
    with pytest.raises(InvalidContent, match="urn"):
        hub.registry.register_agency("no-urn", "school", "No URN")
    with pytest.raises(InvalidContent, match="urn"):
        hub.registry.register_agency("police-urn", "police", "Police", "100002")
    assert hub.registry.school_by_urn("100001") == {
        "id": "riverside-primary", "kind": "school", "name": "Riverside Primary", "urn": "100001"}
    assert hub.store.find(KeyIndex.create_id("school-urn:100001"), KeyIndex) is not None
