"""An http(s) URL given in a setting, checked before it is used."""

from urllib.parse import SplitResult, urlsplit


def http_url(raw: str, what: str) -> SplitResult:
    """``raw`` as an http:// or https:// URL with a host and a valid port; ValueError naming
    ``what`` otherwise."""
    try:
        parts = urlsplit(raw)
        parts.port  # noqa: B018 (read to check: out of range raises)
    except ValueError:
        raise ValueError(f"{what} is not a URL (a port is a number from 1 to 65535)") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{what} is http:// or https:// and a host")
    return parts
