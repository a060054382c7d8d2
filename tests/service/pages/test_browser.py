"""The pages in a real Chromium (Debian's, never a downloaded one) driven by Playwright.

A live uvicorn on loopback serves a SQLite file of its own. Every request the browser makes is
intercepted: one that would leave the server fails the test. axe-core, vendored from its npm
package (``vendor/axe-core``, MPL-2.0), runs in the same browser on every page visited.

Skipped only when Chromium or Playwright is missing and ``COHORTS_REQUIRE_BROWSER`` is not 1
(CI sets it). With ``COHORTS_SCREENSHOTS=<folder>`` each page visited is saved there as a PNG
(``make screenshots``).
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient

import seed_data.schemes
from service.app import create_app
from service.keys import create_key
from service.migrate import upgrade
from service.pages.service import CHART_WIDTH
from service.settings import Settings
from tests.service.selection.builders import assign_cohort, scored_round

CHROMIUM = os.environ.get("COHORTS_CHROMIUM", "/usr/bin/chromium")
AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
SHOTS = os.environ.get("COHORTS_SCREENSHOTS")

try:
    from playwright.sync_api import Browser, Page, Route, sync_playwright
except ImportError:  # pragma: no cover - only where the dev dependencies are missing
    sync_playwright = None  # type: ignore[assignment]

if sync_playwright is None or shutil.which(CHROMIUM) is None:
    if os.environ.get("COHORTS_REQUIRE_BROWSER") == "1":
        pytest.fail(f"Chromium ({CHROMIUM}) and Playwright are required here.", pytrace=False)
    pytest.skip(f"Chromium ({CHROMIUM}) or Playwright is not installed.", allow_module_level=True)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Site:
    """The live server's address, its demo keys and the scored round."""

    def __init__(self, base: str, keys: dict[str, str], round_id: int) -> None:
        self.base = base
        self.keys = keys
        self.round_id = round_id

    def api(self, path: str, role: str) -> Any:
        """A JSON answer of the API, as the role."""
        response = httpx.get(self.base + path, headers={"X-API-Key": self.keys[role]})
        response.raise_for_status()
        return response.json()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """A migrated SQLite file with a scored seed cohort, served by uvicorn on loopback."""
    url = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'pages.db'}"
    upgrade(url, schemes=seed_data.schemes.load_every_bundled_version())
    settings = Settings(database_url=url, log_json=False, log_level="WARNING", webhook_worker=False)
    app = create_app(settings)
    keys: dict[str, str] = {}
    with app.state.write_sessions.begin() as session:
        for role in ("admin", "officer", "reviewer", "chair", "tracker"):
            keys[role] = create_key(session, role=role, label=f"browser-{role}")[1]
    with TestClient(app) as client:
        round_id = scored_round(
            client,
            lambda role: {"X-API-Key": keys[role]},
            per_cohort=20,
            capacity=5,
            hostile_name="<img src=x onerror=alert(1)> 科技",
        )
        # The one reviewer rates every seed firm: a reviewer rates what is assigned to them.
        assign_cohort(client, lambda role: {"X-API-Key": keys[role]}, round_id, "seed")
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield Site(f"http://127.0.0.1:{port}", keys, round_id)
    server.should_exit = True
    thread.join(timeout=10)
    app.state.engine.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless (no sandbox: CI runs as root)."""
    assert sync_playwright is not None
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


class Visit:
    """A browser tab that records requests off the server and checks each page with axe."""

    def __init__(self, browser: Browser, site: Site) -> None:
        self.site = site
        self.context = browser.new_context(java_script_enabled=True, locale="zh-CN")
        self.page: Page = self.context.new_page()
        self.outside: list[str] = []
        self.axe_problems: list[str] = []
        self.page.route("**/*", self._guard)

    def _guard(self, route: Route) -> None:
        if route.request.url.startswith(self.site.base + "/"):
            route.continue_()
        else:
            self.outside.append(route.request.url)
            route.abort()

    def open(self, path: str, shot: str | None = None) -> Page:
        """Go to ``path`` and check the page."""
        self.page.goto(self.site.base + path)
        self.check(shot)
        return self.page

    def check(self, shot: str | None = None) -> None:
        """axe-core on the current page: no serious or critical violation."""
        self.page.evaluate(AXE.read_text(encoding="utf-8"))
        violations = self.page.evaluate(
            "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
            ".map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.length,"
            " target: v.nodes[0] && v.nodes[0].target.join(' ')}))"
        )
        if os.environ.get("COHORTS_AXE_REPORT"):
            print(self.page.url, violations)
        for v in violations:
            if v["impact"] in ("serious", "critical"):
                self.axe_problems.append(f"{self.page.url}: {v}")
        if SHOTS and shot:
            Path(SHOTS).mkdir(parents=True, exist_ok=True)
            self.page.screenshot(path=str(Path(SHOTS) / f"{shot}.png"), full_page=True)

    def sign_in(self, role: str) -> None:
        """Sign in through the form."""
        self.open("/ui/login", "login")
        self.page.fill("#api_key", self.site.keys[role])
        self.page.click("form.narrow button[type=submit]")
        self.page.wait_for_url("**/ui")

    def sign_out(self) -> None:
        """Sign out through the header's button."""
        self.page.click("header form button")
        self.page.wait_for_url("**/ui/login")

    def close(self) -> None:
        """Close the tab; fail on any request off the server or any axe problem."""
        self.context.close()
        assert self.outside == [], self.outside
        assert self.axe_problems == [], "\n".join(self.axe_problems)


def test_reviewer_and_chair_flow(browser: Browser, site: Site) -> None:
    round_id = site.round_id
    shortlist_path = f"/ui/rounds/{round_id}/cohorts/seed/shortlist"
    items = site.api(f"/v1/rounds/{round_id}/cohorts/seed/shortlist?limit=1000", "reviewer")[
        "items"
    ]
    visit = Visit(browser, site)
    visit.sign_in("reviewer")
    visit.open("/ui/rounds", "rounds")
    visit.open(f"/ui/rounds/{round_id}", "dashboard")
    page = visit.open(shortlist_path, "shortlist")
    assert page.locator("tr.within").count() == sum(
        1 for i in items if i["eligible"] and i["within_capacity"]
    )
    first = items[0]
    page.click(f"a[href$='/firms/{first['uscc']}']")
    visit.check("firm")
    bars = page.eval_on_selector_all(
        "svg.chart g.criterion",
        "gs => gs.map(g => [g.dataset.criterion, g.dataset.points,"
        " g.querySelector('rect.fill').getAttribute('width')])",
    )
    expected = {c["criterion"]: c["points"] for c in first["explanation"]["criteria"]}
    assert {c: (float(p) if p else None) for c, p, _ in bars} == expected
    widest = max(float(c["max_points"] or 0) for c in first["explanation"]["criteria"])
    for criterion, points, width in bars:
        if points:
            assert float(width) == pytest.approx(CHART_WIDTH * float(points) / widest, abs=0.01), (
                criterion
            )
    rated = page.locator("input[name^='score:']")
    assert rated.count() >= 1
    for i in range(rated.count()):
        rated.nth(i).fill("8")
    page.fill("textarea[name^='comment:']", "<b>团队很强</b>")
    page.click("form.card button.primary")
    page.wait_for_url("**?done=rated")
    visit.check()
    assert page.locator("p.ok").count() == 1
    visit.sign_out()

    visit.sign_in("chair")
    page = visit.open(shortlist_path)
    below = next(i for i in items if i["eligible"] and not i["within_capacity"])
    page.select_option(f"select[name='outcome:{below['nomination_id']}']", "select")
    assert page.locator("#live-count").inner_text().startswith("1 /")
    page.fill(f"input[name='reason:{below['nomination_id']}']", "战略性芯片供应商")
    page.click("button[form=decide]")
    visit.check("confirm")
    page.click("main form button.primary")
    page.wait_for_url("**shortlist?decided=1")
    visit.check()
    decided = site.api(f"/v1/rounds/{round_id}/cohorts/seed/shortlist?limit=1000", "chair")
    assert next(i for i in decided["items"] if i["uscc"] == below["uscc"])["decision"] == "select"
    compare = "&".join(f"uscc={i['uscc']}" for i in items[:3])
    visit.open(f"/ui/rounds/{round_id}/cohorts/seed/compare?{compare}", "compare")
    visit.open(f"/ui/rounds/{round_id}?lang=en", "dashboard-en")
    visit.sign_out()
    visit.close()


def test_a_reviewer_finds_their_firms_and_the_scale_in_words(browser: Browser, site: Site) -> None:
    round_id = site.round_id
    mine = site.api(f"/v1/rounds/{round_id}/assignments", "reviewer")["items"]
    scheme = site.api("/v1/schemes/seed", "reviewer")["document"]
    visit = Visit(browser, site)
    visit.sign_in("reviewer")
    page = visit.page
    page.click("header nav a[href='/ui/assignments']")
    page.wait_for_url("**/ui/assignments")
    visit.check("assignments")
    assert page.locator("tbody tr[data-nomination]").count() == len(mine)
    items = site.api(f"/v1/rounds/{round_id}/cohorts/seed/shortlist?limit=1000", "chair")["items"]
    eligible = {i["uscc"] for i in items if i["eligible"]}
    first = next(a for a in mine if a["uscc"] in eligible)
    page.click(f"a[href='/ui/rounds/{round_id}/cohorts/seed/firms/{first['uscc']}#rate']")
    visit.check("rating-form")
    rated = [c for c in scheme["criteria"] if c.get("rating")]
    assert page.locator("dl.scale").count() == len(rated)
    anchors = page.locator("dl.scale").first.locator("dd").all_inner_texts()
    assert anchors == [a["zh"] for a in rated[0]["rating"]["anchors"]]
    robust = page.locator("#robustness")
    assert robust.locator("tr[data-loo-criterion]").count() >= 1
    visit.sign_out()
    visit.sign_in("chair")
    page = visit.open(f"/ui/rounds/{round_id}", "dashboard-chair")
    progress = site.api(f"/v1/rounds/{round_id}/progress", "chair")
    seed = next(c for c in progress["cohorts"] if c["cohort"] == "seed")
    cell = page.locator("tr[data-cohort='seed'] td.ratings")
    assert cell.get_attribute("data-given") == str(seed["ratings_given"])
    assert cell.get_attribute("data-required") == str(seed["ratings_required"])

    # The notice period with an objection whose grounds try to run script. The round needs a
    # selection of its own: under xdist the test that decides through the pages may run elsewhere.
    admin = {"X-API-Key": site.keys["admin"]}
    pick = next(i for i in items if i["eligible"] and i["decision"] is None)
    chosen = httpx.post(
        f"{site.base}/v1/rounds/{round_id}/cohorts/seed/decisions",
        json={"decisions": [{"nomination_id": pick["nomination_id"], "outcome": "select",
                             "reason": "浏览器测试：公示需要一家入选企业"}]},
        headers={"X-API-Key": site.keys["chair"]},
    )
    assert chosen.status_code == 201, chosen.text
    moved = httpx.post(f"{site.base}/v1/rounds/{round_id}/state", json={"state": "decided"},
                       headers=admin)
    assert moved.status_code == 200, moved.text
    noticed = httpx.post(f"{site.base}/v1/rounds/{round_id}/notice", headers=admin)
    assert noticed.status_code == 200, noticed.text
    notice = httpx.get(f"{site.base}/v1/notices/{round_id}").json()
    proposed = [f for c in notice["cohorts"] for f in c["firms"]]
    grounds = "<script>alert('异议')</script> 营业收入存疑"
    filed = httpx.post(
        f"{site.base}/v1/notices/{round_id}/objections",
        json={"uscc": proposed[0]["uscc"], "grounds": grounds, "contact": "tel"},
    )
    assert filed.status_code == 201, filed.text
    page = visit.open(f"/ui/rounds/{round_id}", "dashboard-objections")
    assert page.locator("td.grounds").first.inner_text() == grounds  # shown as text, not run
    visit.sign_out()
    visit.close()


def test_a_form_without_its_token_and_a_tracker_are_refused(browser: Browser, site: Site) -> None:
    visit = Visit(browser, site)
    visit.sign_in("admin")
    page = visit.open("/ui/rounds")
    page.fill("#name", "无令牌的轮次")
    page.fill("#reference_date", "2026-06-30")
    page.evaluate("document.querySelector('main form input[name=csrf_token]').remove()")
    page.click("main form button[type=submit]")
    assert page.locator("p.error").count() == 1
    visit.check("refused")
    assert "无令牌的轮次" not in page.goto(site.base + "/ui/rounds").text()  # type: ignore[union-attr]
    visit.open(f"/ui/rounds/{site.round_id}/upload", "upload")
    visit.sign_out()
    visit.sign_in("tracker")
    response = page.goto(f"{site.base}/ui/rounds/{site.round_id}/cohorts/seed/shortlist")
    assert response is not None
    assert response.status == 403
    visit.check()
    visit.close()


def test_the_axe_check_can_fail(browser: Browser, site: Site) -> None:
    visit = Visit(browser, site)
    visit.page.set_content("<html><body><img src='data:,'><button></button></body></html>")
    visit.check()
    assert any("image-alt" in problem for problem in visit.axe_problems)
    visit.axe_problems.clear()
    visit.close()


def test_the_chairs_shortlist_fits_1024_px_in_both_languages(browser: Browser, site: Site) -> None:
    visit = Visit(browser, site)
    visit.page.set_viewport_size({"width": 1024, "height": 800})
    visit.sign_in("chair")
    for lang in ("zh", "en"):
        path = f"/ui/rounds/{site.round_id}/cohorts/seed/shortlist?lang={lang}"
        page = visit.open(path, f"shortlist-1024-{lang}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 1024, (lang, width)
        reason = page.locator("td.decide input").first.bounding_box()
        assert reason is not None
        assert reason["x"] + reason["width"] <= 1024, (lang, reason)
    visit.close()
