"""Driving the web app in Debian's Chromium (Playwright) against a real ``hub serve``: no host
but the hub reached, axe-core run on every page visited (0 serious or critical violations), a
screenshot of each kept under tests/artifacts/web/ (git-ignored), and the demo's tokens and
children for the API calls a journey needs around it."""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx2
from playwright.sync_api import Page, Route, sync_playwright

from tests.e2e.conftest import RunningHub
from tests.e2e.test_docs_offline import ARGS, ARTIFACTS, CHROMIUM, require_chromium
from tests.support import missing

AXE = Path(__file__).resolve().parents[2] / "hub" / "web" / "node_modules" / "axe-core" / \
    "axe.min.js"
SERIOUS = {"serious", "critical"}


def require_browser_tools() -> None:
    require_chromium()
    if AXE.exists():
        return
    missing(f"axe-core is not installed at {AXE} (make web: npm ci in hub/web)")


@dataclass
class Demo:
    tokens: dict[str, str]
    children: dict[str, str]  # child id: what the demo sent about them

    def child(self, part: str) -> str:
        [found] = [c for c, parts in self.children.items() if part in parts]
        return found


def seed_demo(hub: RunningHub) -> Demo:
    out = hub.cli("demo").stdout
    tokens = {f"{agency}/{role}": token for agency, role, token in re.findall(
        r"^\s+(\S+)\s+(\S+)\s+.*?(hub_demo_\w+)$", out, re.MULTILINE)}
    children = dict(re.findall(r"^\s+([0-9a-f-]{36}): (.*)$", out, re.MULTILINE))
    return Demo(tokens, children)


def api(hub: RunningHub, method: str, path: str, token: str, purpose: str = "audit",
        **kw: Any) -> httpx2.Response:
    return httpx2.request(method, hub.url + path, timeout=30, **kw, headers={
        "Authorization": f"Bearer {token}", "X-Purpose": purpose})


@dataclass
class Browsing:
    page: Page
    name: str
    requested: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    # The design system's files the pages asked for and did not get.
    missing: list[str] = field(default_factory=list)
    steps: int = 0

    def check(self, step: str) -> list[dict[str, Any]]:
        """axe-core on the page as it is now, and its screenshot; the violations."""
        self.page.wait_for_load_state("load")
        self.steps += 1
        folder = ARTIFACTS / "web"
        folder.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(folder / f"{self.name}-{self.steps:02}-{step}.png"),
                             full_page=True)
        assert self.page.evaluate(
            "document.body.classList.contains('govuk-frontend-supported')"), step
        self.page.add_script_tag(path=str(AXE))
        found: list[dict[str, Any]] = self.page.evaluate(
            """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
                 .map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.length,
                             help: v.help}))""")
        serious = [v for v in found if v["impact"] in SERIOUS]
        assert serious == [], (step, serious)
        return found


@contextmanager
def browsing(hub: RunningHub, name: str) -> Iterator[Browsing]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            # axe-core is added to each page by the test, past the pages' own CSP.
            context = browser.new_context(viewport={"width": 1024, "height": 800},
                                          bypass_csp=True)
            page = context.new_page()
            seen = Browsing(page, name)

            def only_the_hub(route: Route) -> None:
                url = route.request.url
                if urlsplit(url).hostname == "127.0.0.1":
                    seen.requested.append(url)
                    route.continue_()
                else:
                    seen.blocked.append(url)
                    route.abort("blockedbyclient")

            context.route("**/*", only_the_hub)
            page.on("pageerror", lambda error: seen.errors.append(str(error)))
            page.on("response", lambda answer: seen.missing.append(answer.url) if (
                answer.status >= 400 and ("/static/" in answer.url or "/assets/" in answer.url)
            ) else None)
            yield seen
        finally:
            browser.close()
    assert seen.blocked == [], seen.blocked
    assert seen.errors == [], seen.errors
    assert seen.missing == [], seen.missing
    styles = [u for u in seen.requested if u.endswith("/static/govuk/govuk-frontend.min.css")]
    assert styles, "the design system's style sheet was never loaded"
    assert any(u.endswith("/static/govuk/govuk-frontend.min.js") for u in seen.requested)
    assert any("/assets/fonts/" in u for u in seen.requested), "no font was loaded"
