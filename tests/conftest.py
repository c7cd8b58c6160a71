from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.bootstrap import Hub, bootstrap
from hub.settings import Settings
from tests.support import postgres_schema


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Each application test runs on the in-memory store, SQLite and PostgreSQL."""
    if request.param == "memory":
        yield "memory://"
    elif request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/hub.sqlite3"
    else:
        with postgres_schema() as url:
            yield url


@pytest.fixture
def hub(store_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Hub]:
    """The hub on the store under test; on the module's ``clock`` fixture if it has one (the
    test moves it), else on the real clock."""
    try:
        clock = request.getfixturevalue("clock")
    except pytest.FixtureLookupError:
        clock = None
    settings = Settings(store_url=store_url, home=tmp_path / "home")
    the_hub = bootstrap(settings, clock) if clock is not None else bootstrap(settings)
    yield the_hub
    the_hub.close()
