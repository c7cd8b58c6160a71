from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.bootstrap import Hub, bootstrap
from hub.settings import Settings
from tests.support import postgres_schema

# The longest test files, started first: on several workers (``make test``) each file runs
# whole on one worker, and a long file taken last would run on alone at the end.
LONGEST_FIRST = (
    "tests/integration/test_simulated_year.py",
    "tests/security/test_fuzz_api.py",
    "tests/unit/test_decision_point.py",
    "tests/policy/test_truth_table_api.py",
    "tests/integration/test_kafka.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The longest files first, everything else in the order collected (a stable sort)."""
    def rank(item: pytest.Item) -> int:
        path = item.nodeid.split("::", 1)[0]
        return LONGEST_FIRST.index(path) if path in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)


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
