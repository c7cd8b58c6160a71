"""The safeguarding information-sharing hub: application services, HTTP API, CLI, audit."""
