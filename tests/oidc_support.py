"""A real OpenID Connect provider for the sign-in tests: ``oidc-provider`` (npm, pinned in
tests/oidc_provider/package-lock.json and installed there by ``make test``), run by node on a
free loopback port; and a browser's part in its sign-in, driven with httpx2 (its login and
consent pages are submitted as a person would)."""

import json
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urljoin, urlsplit

import httpx2

from tests.support import missing

PROVIDER_DIR = Path(__file__).parent / "oidc_provider"
# A provider left behind by a killed test run stops by itself after this long.
PROVIDER_LIFETIME_S = 600
HUB_CLIENT = "hub-web"
HUB_SECRET = "hub-web-test-secret-0123456789abcdef"  # the test provider's
OTHER_CLIENT = "other-app"
OTHER_SECRET = "other-app-test-secret-0123456789abcdef"
# The accounts the provider knows (each is its own subject).
ACCOUNTS = ("alice", "bob", "carol", "mallory")


@dataclass(frozen=True)
class RunningProvider:
    issuer: str
    hub_redirect: str
    other_redirect: str


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def node_or_skip() -> str:
    """node, with oidc-provider installed; skipped loudly without them (failed under CI)."""
    node = shutil.which("node")
    installed = (PROVIDER_DIR / "node_modules" / "oidc-provider" / "package.json").is_file()
    if node is None or not installed:
        missing("the OpenID Connect tests need node and tests/oidc_provider/node_modules "
                "(make test installs it: npm ci in tests/oidc_provider)")
    return node


@contextmanager
def running_provider(log: Path, *, again: RunningProvider | None = None,
                     jwks: dict[str, Any] | None = None) -> Iterator[RunningProvider]:
    """The provider, on a free port (or ``again`` on the port and with the redirect URLs of
    one stopped before), signing with ``jwks`` (private keys) if given."""
    node = node_or_skip()
    if again is None:
        # Nothing listens at the redirect URLs: the browser stops at them (as the web app
        # would take over), and the test reads the query the provider sent back.
        again = RunningProvider(f"http://127.0.0.1:{free_port()}",
                                f"http://127.0.0.1:{free_port()}/sign-in/callback",
                                f"http://127.0.0.1:{free_port()}/other/callback")
    issuer, hub_redirect, other_redirect = again.issuer, again.hub_redirect, again.other_redirect
    port = int(issuer.rsplit(":", 1)[1])
    config = {"port": port, "lifetime_s": PROVIDER_LIFETIME_S, "accounts": list(ACCOUNTS),
              **({"jwks": jwks} if jwks is not None else {}),
              "clients": [
                  {"client_id": HUB_CLIENT, "client_secret": HUB_SECRET,
                   "redirect_uris": [hub_redirect]},
                  {"client_id": OTHER_CLIENT, "client_secret": OTHER_SECRET,
                   "redirect_uris": [other_redirect]}]}
    with log.open("wb") as log_file:
        process = subprocess.Popen([node, "provider.mjs", json.dumps(config)], cwd=PROVIDER_DIR,
                                   stdin=subprocess.PIPE, stdout=log_file,
                                   stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx2.get(f"{issuer}/.well-known/openid-configuration",
                              timeout=1).status_code == 200:
                    break
            except httpx2.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("oidc-provider did not start: " + log.read_text())
            time.sleep(0.1)
        yield RunningProvider(issuer, hub_redirect, other_redirect)
    finally:
        if process.stdin is not None:
            process.stdin.close()  # the provider stops when its input closes
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


class _Form(HTMLParser):
    """The first form of a page: its action and its inputs' names and values."""

    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.fields: dict[str, str] = {}
        self.links: list[str] = []
        self._in_form = False
        self._done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "a" and "href" in values:
            self.links.append(values["href"])
        if self._done:
            return
        if tag == "form" and self.action is None:
            self.action, self._in_form = values.get("action", ""), True
        elif tag == "input" and self._in_form and values.get("name"):
            self.fields[values["name"]] = values.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self._in_form:
            self._in_form, self._done = False, True


def sign_in_at_provider(url: str, account: str, redirect: str, *,
                        abort: bool = False) -> dict[str, str]:
    """Follow the authorisation URL as a browser would: sign in as ``account`` on the
    provider's login page (any password), agree on its consent page (or, with ``abort``,
    cancel there), and return the query the provider redirects back to ``redirect`` with."""
    with httpx2.Client(follow_redirects=False, timeout=10) as browser:
        response = browser.get(url)
        for _ in range(20):
            if response.is_redirect:
                location = urljoin(str(response.url), response.headers["location"])
                if location.startswith(redirect):
                    return dict(parse_qsl(urlsplit(location).query))
                response = browser.get(location)
                continue
            assert response.status_code == 200, (response.status_code, response.text[:500])
            form = _Form()
            form.feed(response.text)
            assert form.action is not None, response.text[:500]
            if "login" in form.fields or "password" in form.fields:
                form.fields.update(login=account, password="any password")
            elif abort:
                cancel = next(link for link in form.links if link.endswith("/abort"))
                response = browser.get(urljoin(str(response.url), cancel))
                continue
            response = browser.post(urljoin(str(response.url), form.action), data=form.fields)
        raise AssertionError("the provider never sent the browser back")
