"""``/docs`` renders its operations in a real browser with no network beyond the hub: Debian's
Chromium, driven by Playwright, against ``hub serve`` on a loopback port. Every request to
any other host is blocked and recorded, and none may be attempted. The screenshot is kept in
tests/artifacts/ (git-ignored) for a person to look at."""

from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import Route, sync_playwright

from tests.e2e.conftest import RunningHub
from tests.support import missing

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def require_chromium() -> None:
    if CHROMIUM.exists():
        return
    missing(f"Chromium is not installed at {CHROMIUM} (as root: apt-get install -y chromium)")


def test_docs_render_every_operation_with_no_network(running_hub: RunningHub) -> None:
    require_chromium()
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "docs.png"
    shot.unlink(missing_ok=True)
    local: list[str] = []
    blocked: list[str] = []

    def only_the_hub(route: Route) -> None:
        url = route.request.url
        if urlsplit(url).hostname == "127.0.0.1":
            local.append(url)
            route.continue_()
        else:
            blocked.append(url)
            route.abort("blockedbyclient")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            context.route("**/*", only_the_hub)
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(f"{running_hub.url}/docs", wait_until="load")
            page.wait_for_selector(".opblock", timeout=30_000)
            page.wait_for_load_state("networkidle")
            operations = page.locator(".opblock").count()
            title = page.locator(".info .title").inner_text()
            authorize = page.locator(".btn.authorize").count()
            # One operation opened: its parameters show X-Purpose's values, its answers the
            # hub's error.
            read = page.locator(".opblock-get", has_text="/v1/children/{child_id}/chronology")
            read.first.locator(".opblock-summary").click()
            page.wait_for_selector("select", timeout=10_000)
            opened = read.first.inner_text()
            page.screenshot(path=str(shot), full_page=False)
            read.first.screenshot(path=str(ARTIFACTS / "docs-operation.png"))
        finally:
            browser.close()

    assert blocked == [], f"requests to other hosts were attempted: {blocked}"
    assert errors == []
    assert "Safeguarding information-sharing hub" in title
    assert operations >= 50, operations
    assert authorize == 1  # the bearer scheme
    assert "X-Purpose" in opened
    assert '"error": {' in opened
    assert '"message": "string"' in opened
    assert any(url.endswith("/openapi.json") for url in local)
    assert any(url.endswith("/docs/assets/swagger-ui-bundle.js") for url in local)
    assert shot.stat().st_size > 10_000
