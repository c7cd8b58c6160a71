#!/usr/bin/env python3
"""The container's health check: exit 0 if the hub process in this container answers.

    hub-healthcheck                 GET http://127.0.0.1:8000/healthz (hub serve; the default)
    hub-healthcheck --ready         GET /readyz instead: the store and the audit trail answer
    hub-healthcheck --port 8080     hub serve on another port
    hub-healthcheck --metrics 9101  hub ingest or hub relay: GET /metrics on their metrics port
                                    with the metrics token (HUB_METRICS_TOKEN, or the file
                                    named by HUB_METRICS_TOKEN_FILE)

It runs inside the container, so 127.0.0.1 is the container's own loopback. Standard library
only; it prints one line and never the token.
"""

import argparse
import os
import sys
import urllib.error
import urllib.request


def _metrics_token() -> str:
    token = os.environ.get("HUB_METRICS_TOKEN", "").strip()
    if not token and os.environ.get("HUB_METRICS_TOKEN_FILE"):
        with open(os.environ["HUB_METRICS_TOKEN_FILE"], encoding="utf-8") as f:
            token = f.read().strip()
    if not token:
        raise SystemExit("hub-healthcheck: --metrics needs HUB_METRICS_TOKEN or "
                         "HUB_METRICS_TOKEN_FILE")
    return token


def main() -> int:
    parser = argparse.ArgumentParser(prog="hub-healthcheck")
    parser.add_argument("--port", type=int, default=8000, help="hub serve's port")
    parser.add_argument("--ready", action="store_true", help="check /readyz, not /healthz")
    parser.add_argument("--metrics", type=int, metavar="PORT",
                        help="check the metrics port of hub ingest or hub relay")
    parser.add_argument("--timeout", type=float, default=4.0)
    args = parser.parse_args()

    headers = {}
    if args.metrics:
        url = f"http://127.0.0.1:{args.metrics}/metrics"
        headers["Authorization"] = f"Bearer {_metrics_token()}"
    else:
        url = f"http://127.0.0.1:{args.port}/{'readyz' if args.ready else 'healthz'}"
    # Always http://127.0.0.1:PORT/...: built here, never taken from outside.
    request = urllib.request.Request(url, headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=args.timeout) as response:  # noqa: S310
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    except (OSError, ValueError) as error:
        print(f"hub-healthcheck: {url}: {type(error).__name__}", file=sys.stderr)
        return 1
    print(f"hub-healthcheck: {url}: {status}")
    return 0 if status == 200 else 1


if __name__ == "__main__":
    sys.exit(main())
