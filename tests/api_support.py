"""A hub served through its HTTP API in process, with each seeded agency's token and the extra
staff a test names: for tests that act as the hub's users would, per role."""

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from hub.api.app import create_app
from hub.bootstrap import Hub, bootstrap
from hub.settings import Settings
from tests.support import seed


class Api:
    def __init__(self, client: TestClient, hub: Hub, tokens: dict[str, str]) -> None:
        self.client, self.hub, self.tokens = client, hub, tokens

    def call(self, method: str, who: str, path: str, purpose: str = "triage",
             json: Any = None, headers: dict[str, str] | None = None) -> Any:
        return self.client.request(method, path, json=json, headers={
            "Authorization": f"Bearer {self.tokens[who]}", "X-Purpose": purpose,
            **(headers or {})})


def staffed_api(home: Path, staff: tuple[tuple[str, str], ...],
                prepare: Callable[[Hub, dict[str, str]], None] | None = None,
                ) -> Iterator[Api]:
    """The hub on the in-memory store, seeded, with a user for each (agency, role) in
    ``staff`` (token under "agency/role"); ``prepare`` registers anything else first."""
    hub = bootstrap(Settings(store_url="memory://", home=home))
    tokens = seed(hub)
    if prepare is not None:
        prepare(hub, tokens)
    for agency, role in staff:
        _, tokens[f"{agency}/{role}"] = hub.registry.register_user(agency, role, "Staff")
    with TestClient(create_app(hub, checkpointer=False),
                    raise_server_exceptions=False) as client:
        yield Api(client, hub, tokens)
    hub.close()
