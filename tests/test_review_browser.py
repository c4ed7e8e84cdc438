"""The review queue in a real headless browser (Debian chromium driven by Playwright): log in as different
roles, take the distorted post to "đã phản bác" with the rebuttal link, a hostile crawled title stays text,
another department's security-tagged item is refused."""
import shutil

import pytest

from tests.review_support import HOSTILE_TITLE, PASSWORD, Served, alert_id, build_demo

from tests.conftest import use_module_database

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
playwright = pytest.importorskip("playwright.sync_api", reason="pip install -e '.[test]' installs playwright")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium not installed (.ci/run installs it)")


@pytest.fixture(scope="module")
def site(demo_site, tmp_path_factory):
    from presswatch.config import load_settings
    from presswatch.storage import open_store
    from presswatch.web.app import create_app

    s = use_module_database(load_settings(tmp_path_factory.mktemp("browser"), allow_private_hosts=["127.0.0.1"]))
    build_demo(s, demo_site)
    st = open_store(s)
    with Served(create_app(s)) as srv:
        yield srv.base, st
    st.close()


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


def login_as(browser, base, username):
    ctx = browser.new_context()
    page = ctx.new_page()
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(base + "/review")
    assert "/login" in page.url
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.press("#password", "Enter")
    page.wait_for_url("**/review")
    return ctx, page, dialogs


def test_monitor_rebuts_the_distorted_post_with_the_link(site, browser):
    base, st = site
    ctx, page, dialogs = login_as(browser, base, "monitor")
    assert page.locator("#queue tr.alert").count() >= 4
    page.click("text=SỰ THẬT BỊ CHE GIẤU")
    assert "Xuyên tạc — cần giải thích, phản bác" in page.inner_text("#alert")
    assert "Quy trình xuyên tạc" in page.inner_text("#alert")
    # only the distortion path's actions are offered
    options = page.locator("#respond select[name=action] option").all_inner_texts()
    assert any("Phản bác" in o for o in options) and not any("khắc phục" in o for o in options)
    page.select_option("#respond select[name=action]", "rebuttal")
    page.fill("#respond input[name=url]", "https://baobacninh.example/phan-bac-thong-tin-sai-su-that")
    page.fill("#respond textarea[name=note]", "Đã đăng bài phản bác trên Báo Bắc Ninh")
    page.click("#respond button[type=submit]")
    page.wait_for_load_state()
    assert page.inner_text("#status") == "đã phản bác"
    assert page.get_attribute("#rebuttal-link", "href") == "https://baobacninh.example/phan-bac-thong-tin-sai-su-that"
    assert "Phản bác" in page.inner_text("#responses") and "monitor" in page.inner_text("#history")
    aid = alert_id(st, "SỰ THẬT BỊ CHE GIẤU")
    row = st.conn.execute("SELECT actor, role, channel FROM audit_log WHERE action='alert_rebuttal' AND object_id=?",
                          (str(aid),)).fetchone()
    assert tuple(row) == ("monitor", "monitor", "web")
    assert dialogs == []
    ctx.close()


def test_hostile_title_is_text_and_never_runs(site, browser):
    base, st = site
    ctx, page, dialogs = login_as(browser, base, "admin")
    assert HOSTILE_TITLE in page.inner_text("#queue")
    assert page.title() == "Presswatch — Theo dõi dư luận báo chí"
    assert page.locator("#queue img").count() == 0 and page.locator("#queue script").count() == 0
    page.click(f"text={HOSTILE_TITLE[:40]}")
    assert HOSTILE_TITLE in page.inner_text("h1")
    assert page.locator("article script, article img").count() == 0
    assert page.locator('a[href^="javascript:"]').count() == 0
    assert page.title() != "pwned" and dialogs == []
    ctx.close()


def test_sector_officer_gets_403_for_another_departments_security_item(site, browser):
    base, st = site
    aid = alert_id(st, "SỰ THẬT BỊ CHE GIẤU")
    ctx, page, _ = login_as(browser, base, "kcn")
    assert "SỰ THẬT BỊ CHE GIẤU" not in page.inner_text("main")
    assert "Hơn 1.200 công nhân" in page.inner_text("#queue")
    resp = page.goto(f"{base}/review/{aid}")
    assert resp.status == 403 and "không có quyền" in page.inner_text("main")
    assert st.conn.execute("SELECT count(*) FROM audit_log WHERE actor='kcn' AND action='access_denied'"
                           " AND object_id=?", (str(aid),)).fetchone()[0] >= 1
    resp = page.goto(f"{base}/review?lang=en")
    assert "Alert review queue" in page.inner_text("h1") and "Log out" in page.inner_text("header")
    ctx.close()
