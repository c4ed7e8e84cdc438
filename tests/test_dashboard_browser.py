"""The dashboard in headless Debian chromium with real data from the demo run: charts render, the
screenshot is saved (its path is printed), and clicking a bar opens the matching search."""
import shutil

import pytest

from tests.review_support import PASSWORD, Served, build_demo

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
playwright = pytest.importorskip("playwright.sync_api", reason="pip install -e '.[test]' installs playwright")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium not installed (.ci/run installs it)")


def test_dashboard_renders_and_bars_open_their_search(demo_site, tmp_path_factory):
    from presswatch.config import load_settings
    from presswatch.web.app import create_app

    s = load_settings(tmp_path_factory.mktemp("dashb"), allow_private_hosts=["127.0.0.1"])
    build_demo(s, demo_site, hostile=False)
    shot = tmp_path_factory.mktemp("screens") / "dashboard.png"
    with Served(create_app(s)) as srv, playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1100, "height": 1800})
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(srv.base + "/dashboard?days=30&until=2026-11-21")
        page.fill("#username", "leader")
        page.fill("#password", PASSWORD)
        page.press("#password", "Enter")
        page.wait_for_url("**/dashboard**")
        assert page.locator("svg.chart").count() >= 5
        topics = page.locator("#chart-topics svg rect").count()
        assert topics >= 8  # bars and legend swatches for the demo's topics
        page.screenshot(path=str(shot), full_page=True)
        print(f"dashboard screenshot: {shot}")
        box = page.locator("#chart-topics svg a").first.bounding_box()
        assert box and box["width"] > 0
        page.locator("#chart-topics svg a").first.click()
        page.wait_for_url("**/search**")
        assert "date:2026-11" in page.url or "topic" in page.url
        assert page.locator("#hits li").count() >= 1
        browser.close()
    assert shot.stat().st_size > 20_000 and not errors
