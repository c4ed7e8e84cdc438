"""The web UI in a real headless browser (Debian chromium, driven by Playwright so that it can carry the
session of a logged-in user) against the app served on 127.0.0.1."""
import shutil

import httpx
import pytest

from presswatch.auth import COOKIE
from tests.review_support import Served, build_demo, login

from tests.conftest import use_module_database

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SESSION: dict = {}


@pytest.fixture(scope="module")
def web(demo_site, tmp_path_factory):
    """The demo run (plus an imported item whose title is an XSS payload) served on 127.0.0.1, admin logged in."""
    from presswatch.config import load_settings
    from presswatch.web.app import create_app

    s = use_module_database(load_settings(tmp_path_factory.mktemp("web"), allow_private_hosts=["127.0.0.1"]))
    build_demo(s, demo_site)
    with Served(create_app(s)) as srv:
        with httpx.Client(base_url=srv.base) as c:
            assert login(c, "admin").status_code == 303
            SESSION["cookie"] = c.cookies[COOKIE]
        yield srv.base


def dump_dom(url: str, tmp_path) -> str:
    """The DOM after the page ran in chromium, as the logged-in admin (every page needs a session now)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-quic"])
        try:
            ctx = b.new_context()
            ctx.add_cookies([{"name": COOKIE, "value": SESSION["cookie"], "url": url}])
            page = ctx.new_page()
            page.goto(url)
            page.wait_for_load_state()
            return page.content()
        finally:
            b.close()


def test_security_headers(web):
    assert httpx.get(web + "/").status_code == 303  # to the login page
    r = httpx.get(web + "/", cookies={COOKIE: SESSION["cookie"]})
    assert r.status_code == 200
    assert "script-src 'none'" in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff" and r.headers["x-frame-options"] == "DENY"


@pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium not installed (.ci/run installs it)")
def test_home_shows_strike_and_distorted_post_as_alerts(web, tmp_path):
    dom = dump_dom(web + "/", tmp_path)
    alerts_table = dom[dom.index('id="alerts"'):dom.index('id="documents"')]
    assert "Hơn 1.200 công nhân ngừng việc tại KCN Quang Châu" in alerts_table
    assert "mangxahoi" in alerts_table and "Xuyên tạc — cần giải thích, phản bác" in alerts_table
    assert "Vấn đề địa phương — cần khắc phục" in alerts_table
    # crawled text is shown as text, never run: no injected element, the page title untouched
    assert "<title>Presswatch — Theo dõi dư luận báo chí</title>" in dom
    assert "&lt;script&gt;document.title" in dom
    assert "<img src=\"x\"" not in dom and "onerror=alert" not in dom.replace("onerror=alert(1)&gt;", "")
    assert 'href="javascript:' not in dom


@pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium not installed (.ci/run installs it)")
def test_english_switch_and_search_page(web, tmp_path):
    dom = dump_dom(web + "/?lang=en", tmp_path)
    assert "Alerts to review" in dom and "Distortion — clarify or rebut" in dom
    dom = dump_dom(web + "/search?q=ngung+viec+quang+chau", tmp_path)
    assert "ngừng việc" in dom.lower() and "<mark>" in dom
    dom = dump_dom(web + '/search?q=%22unclosed', tmp_path)
    assert "unbalanced quote" in dom


def test_document_page_and_404(web):
    r = httpx.get(web + "/documents/1", cookies={COOKIE: SESSION["cookie"]})
    assert r.status_code == 200 and "Các bản của cùng câu chuyện" in r.text
    assert httpx.get(web + "/documents/99999", cookies={COOKIE: SESSION["cookie"]}).status_code == 404
