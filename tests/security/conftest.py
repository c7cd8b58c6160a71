"""The security tests drive the real app over HTTP with the integration suite's fixture: a
fresh hub on SQLite, the test agencies (tests.support.seed), and a TestClient."""

from tests.integration.test_http_input import api

__all__ = ["api"]
