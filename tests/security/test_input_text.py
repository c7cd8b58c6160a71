"""Text that is not Unicode (a JSON escape for a lone surrogate) is refused as malformed, in
any field of any body, never a 500; found by the fuzz run on a list of agency ids."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.security.access_world import World, amy, concern, open_world


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    yield from open_world(tmp_path, "memory://")


@pytest.mark.parametrize(("who", "path", "body"), [
    ("gp", "/v1/children/{child}/consents",
     '{"status": "given", "given_by": "parent", "scope": {"data_classes": ["health"], '
     '"agencies": ["\\ud800"], "purposes": ["triage"]}}'),
    ("social-worker", "/v1/children/{child}/enquiries",
     '{"kind": "s47-enquiry", "participants": ["\\udfff"]}'),
    ("police", "/v1/notifications",
     '{"type": "police_concern", "source_ref": "S-1", "occurred_at": "2026-11-20T10:00:00Z",'
     ' "subjects": [{"role": "child", "given_name": "\\ud83d", "family_name": "Hart",'
     ' "date_of_birth": "2016-04-02"}]}'),
])
def test_a_lone_surrogate_is_malformed_input(world: World, who: str, path: str,
                                             body: str) -> None:
    child = world.send("gp", concern("health_concern", "H-1", amy()))["child_ids"][0]
    response = world.call("POST", path.format(child=child), who, content=body.encode(),
                          headers={"Content-Type": "application/json"})
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "malformed"


def test_a_whole_emoji_is_text(world: World) -> None:
    body = concern("school_concern", "RS-1", amy())
    body["details"]["summary"] = "Drew a sad face \U0001f622 on the worksheet."
    assert world.call("POST", "/v1/notifications", "riverside", json=body).status_code == 201
