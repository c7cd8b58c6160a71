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
def hub(store_url: str, tmp_path: Path) -> Iterator[Hub]:
    the_hub = bootstrap(Settings(store_url=store_url, home=tmp_path / "home"))
    yield the_hub
    the_hub.close()
