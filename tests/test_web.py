"""The web UI in a real headless browser (Debian chromium, driven by Playwright so that it can carry the
session of a logged-in user) against the app served on 127.0.0.1."""
import json
import shutil
import socket
import threading
import time

import httpx
import pytest

from crawlers.ingest import poll_source
from flows.tasks import _ref
from presswatch.service import demo_sources_file, import_items, process_now, sync_sources

from presswatch.auth import COOKIE

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SESSION: dict = {}
HOSTILE_TITLE = '<script>document.title="pwned"</script><img src=x onerror=alert(1)> Bắc Ninh xuyên tạc'


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def web(demo_site, tmp_path_factory):
    import uvicorn

    from presswatch.config import load_settings
    from presswatch.storage import open_store
    from presswatch.web.app import create_app

    s = load_settings(tmp_path_factory.mktemp("web"), allow_private_hosts=["127.0.0.1"])
    from presswatch.auth import add_user
    from tests.review_support import PASSWORD, login

    with open_store(s) as st:
        add_user(st, "admin", PASSWORD, "admin", actor="test")
        sync_sources(st, s, demo_sources_file(), {"demo": demo_site.base_url})
        for row in st.sources():
            poll_source(row, st, s, _ref(row))
        hostile = {"title": HOSTILE_TITLE, "url": "javascript:alert(1)", "source_type": "social",
                   "text": "Chính quyền Bắc Ninh đàn áp công nhân, bịt miệng báo chí, sự thật bị che giấu. "
                           "<script>alert(2)</script> Tỉnh Bắc Ninh không có nhân quyền, đàn áp người dân."}
        import_items(st, s, [json.dumps(hostile, ensure_ascii=False)])
        process_now(st, s)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(s), host="127.0.0.1", port=port, log_level="warning"))
    t = threading.Thread(target=server.run, daemon=True)
    t.start()
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            httpx.get(base + "/healthz", timeout=1)
            break
        except httpx.HTTPError:
            time.sleep(0.1)
    with httpx.Client(base_url=base) as c:
        assert login(c, "admin").status_code == 303
        SESSION["cookie"] = c.cookies[COOKIE]
    yield base
    server.should_exit = True
    t.join(5)


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
