"""The HTTP API: thin routes over the application services."""
