"""Hand entry (a collaborator's URL or pasted text) from the CLI (``presswatch add`` in a subprocess) and the
web form (/submit): the same stages as crawled items, audit with who entered it, no-op re-entry, the
private-address policy, readable errors that keep what was typed, CSRF and escaping."""
from __future__ import annotations

import json
import re
import subprocess

import pytest
from starlette.testclient import TestClient

from tests.conftest import cli_env, presswatch_cmd, use_module_database
from tests.local_server import LocalServer
from tests.review_support import PASSWORD, csrf_of, login

ARTICLE = ("<html><head><meta charset='utf-8'><title>Công nhân KCN Quang Châu ngừng việc</title></head><body>"
           "<article><h1>Công nhân KCN Quang Châu ngừng việc</h1>"
           + "<p>Sáng 20/11, hơn một nghìn công nhân tại KCN Quang Châu, tỉnh Bắc Ninh ngừng việc, đình công đòi "
             "tăng lương và phản đối việc nợ lương kéo dài. Ban quản lý các KCN đã đối thoại với người lao động.</p>"
           * 3 + "</article></body></html>").encode()
HOSTILE_TITLE = '<script>alert("t")</script> Bắc Ninh xuyên tạc <img src=x onerror=alert(1)>'
HOSTILE_TEXT = ("Chính quyền Bắc Ninh đàn áp công nhân, bịt miệng báo chí, sự thật bị che giấu. <script>alert(2)"
                "</script> Tỉnh Bắc Ninh không có nhân quyền, đàn áp người dân.")


class PageServer(LocalServer):
    def route(self, req, path, query):
        if path == "/bai-viet.html":
            return req.send(200, ARTICLE, "text/html; charset=utf-8")
        if path == "/login-wall":
            return req.send(200, b"<html><body><script>location='/login'</script></body></html>", "text/html")
        if path == "/file.pdf":
            return req.send(200, b"%PDF-1.7 ...", "application/pdf")
        req.send(404, b"not found", "text/plain")


@pytest.fixture(scope="module")
def pages():
    s = PageServer()
    yield s
    s.stop()


# ------------------------------------------------------------------------------------------------ CLI
def _pw(data_dir, *args, stdin=None, **env):
    return subprocess.run([*presswatch_cmd(), *args], input=stdin, capture_output=True, text=True, timeout=120,
                          env=cli_env(data_dir, PRESSWATCH_CLASSIFIER="keywords", **env))


def test_cli_add_pasted_text_then_again_is_a_no_op(tmp_path):
    d = tmp_path / "d"
    text = HOSTILE_TEXT + "\nDòng thứ hai của bài."
    args = ("add", "--text", "-", "--title", "Bắc Ninh: bài trên nhóm Zalo", "--outlet", "Nhóm Zalo CTV",
            "--source-type", "social", "--published", "2026-11-20T08:00:00+07:00", "--note", "CTV xã Yên Phong gửi",
            "--actor", "canbo.theodoi")
    first = _pw(d, *args, "--json", stdin=text)
    assert first.returncode == 0, first.stderr
    res = json.loads(first.stdout)
    assert res["new"] is True and res["status"] == "processed" and res["id"] == 1
    doc = res["document"]
    assert doc["source"].startswith("manual-") and doc["source_type"] == "social" and "bac_ninh" in doc["provinces"]
    assert doc["published"] == "2026-11-20T08:00:00+07:00" and doc["model_version"].startswith("keywords")
    assert doc["stance"] == "distorting" and res["alert_id"] is not None  # triage ran: an alert was raised

    again = _pw(d, *args, stdin=text)
    assert again.returncode == 0 and "Already stored (nothing changed): document #1" in again.stdout

    from presswatch.config import load_settings
    from presswatch.storage import open_store

    con = open_store(load_settings(d)).conn  # the CLI's store: the SQLite file, or Postgres under DATABASE_URL
    assert con.execute("SELECT count(*) FROM documents").fetchone()[0] == 1
    assert tuple(con.execute("SELECT status, indexed_at IS NOT NULL FROM documents").fetchone()) == ("processed", 1)
    rows = con.execute("SELECT actor, channel, action, object_id, note, after FROM audit_log"
                       " WHERE action='manual_entry' ORDER BY id").fetchall()
    assert [r[:5] for r in rows] == [("canbo.theodoi", "cli", "manual_entry", "1", "CTV xã Yên Phong gửi")] * 2
    assert [json.loads(r[5])["new"] for r in rows] == [True, False]
    found = _pw(d, "search", "bịt miệng", "--json")
    assert found.returncode == 0 and '"id": 1' in found.stdout  # indexed at once


def test_cli_add_url_is_fetched_through_the_guard(tmp_path, pages):
    d = tmp_path / "d"
    seen = len(pages.requests)
    blocked = _pw(d, "add", "--url", f"{pages.base}/bai-viet.html")
    assert blocked.returncode == 1 and "internal address" in blocked.stderr and "paste the text" in blocked.stderr
    assert pages.requests[seen:] == []  # refused before any request

    ok = _pw(d, "add", "--url", f"{pages.base}/bai-viet.html?utm_source=zalo", PRESSWATCH_ALLOW_PRIVATE_HOSTS="127.0.0.1")
    assert ok.returncode == 0, ok.stderr
    assert "Stored document #1 'Công nhân KCN Quang Châu ngừng việc' [processed]" in ok.stdout
    assert "labour" in ok.stdout and "bac_ninh" in ok.stdout
    again = _pw(d, "add", "--url", f"{pages.base}/bai-viet.html", PRESSWATCH_ALLOW_PRIVATE_HOSTS="127.0.0.1")
    assert "Already stored (nothing changed): document #1" in again.stdout
    assert pages.requests[seen:] == ["/bai-viet.html?utm_source=zalo"]  # the second entry did not fetch again

    bad = _pw(d, "add", "--url", pages.base + "/login-wall", PRESSWATCH_ALLOW_PRIVATE_HOSTS="127.0.0.1")
    assert bad.returncode == 1 and "no text could be extracted" in bad.stderr and "paste the text" in bad.stderr
    usage = _pw(d, "add", "--title", "x")
    assert usage.returncode == 2 and "--url URL" in usage.stderr
    from presswatch.config import load_settings
    from presswatch.storage import open_store

    with open_store(load_settings(d)) as st:
        assert st.conn.execute("SELECT count(*) FROM documents").fetchone()[0] == 1


def test_service_refuses_unusable_links_before_storing_anything(store, settings, pages):
    from presswatch.service import ItemError, add_item

    for url, message, vi in ((pages.base + "/missing", "HTTP 404", "không tải được"),
                             (pages.base + "/file.pdf", "not a web page (application/pdf)", "không phải trang web"),
                             ("ftp://example.org/x", "not a web address", "không phải địa chỉ web"),
                             ("http://169.254.169.254/latest/meta-data/", "internal address", "không tải được")):
        with pytest.raises(ItemError, match=re.escape(message)) as exc:
            add_item(store, settings, {"url": url}, actor="t")
        assert vi in exc.value.vi
    with pytest.raises(ItemError, match="source_type 'tabloid' unknown"):
        add_item(store, settings, {"title": "T", "text": "N", "source_type": "tabloid"}, actor="t")
    assert store.conn.execute("SELECT count(*) FROM documents").fetchone()[0] == 0


# ------------------------------------------------------------------------------------------------ web
@pytest.fixture(scope="module")
def web(tmp_path_factory):
    from presswatch.auth import add_user
    from presswatch.config import load_settings
    from presswatch.storage import open_store
    from presswatch.web.app import create_app

    s = use_module_database(load_settings(tmp_path_factory.mktemp("manual"), allow_private_hosts=["127.0.0.1"], classifier="keywords"))
    s.ensure_dirs()
    with open_store(s) as st:
        for name, role in (("monitor", "monitor"), ("editor", "media_editor"), ("leader", "leader")):
            add_user(st, name, PASSWORD, role, actor="test")
    return {"settings": s, "app": create_app(s)}


def _client(web, username):
    c = TestClient(web["app"], base_url="http://testserver")
    assert login(c, username).status_code == 303
    return c


def _submit(c, lang="vi", **fields):
    page = c.get(f"/submit?lang={lang}")
    assert page.status_code == 200
    return c.post("/submit", data={"csrf": csrf_of(page.text), "lang": lang, **fields}, follow_redirects=False)


def _count(web):
    from presswatch.storage import open_store

    with open_store(web["settings"]) as st:
        return st.conn.execute("SELECT count(*) FROM documents").fetchone()[0]


def test_web_form_pasted_text_is_processed_escaped_and_audited(web):
    c = _client(web, "monitor")
    home = c.get("/")
    assert 'href="/submit?lang=vi">Nhập tin thủ công</a>' in home.text
    form = c.get("/submit")
    assert "<h1>Nhập tin thủ công</h1>" in form.text and 'name="csrf"' in form.text
    assert "Enter an item by hand" in c.get("/submit?lang=en").text

    r = _submit(c, title=HOSTILE_TITLE, text=HOSTILE_TEXT, outlet="Trang <b>lạ</b>", source_type="social",
                published="2026-11-20", note="CTV gửi qua Zalo")
    assert r.status_code == 303 and r.headers["location"].startswith("/submit/")
    page = c.get(r.headers["location"])
    assert page.status_code == 200 and 'data-state="new"' in page.text and "Đã lưu và xử lý tin mới." in page.text
    # everything shown is escaped: the hostile title, text and outlet are text, never markup
    assert "<script>" not in page.text and "<img src=x" not in page.text and "<b>lạ</b>" not in page.text
    assert "&lt;script&gt;alert(&#34;t&#34;)&lt;/script&gt;" in page.text and "Trang &lt;b&gt;lạ&lt;/b&gt;" in page.text
    assert 'data-status="processed">đã xử lý' in page.text
    assert "distorting" in page.text and 'id="alert-link"' in page.text  # classified and triaged at once
    doc_id = int(r.headers["location"].split("/")[2].split("?")[0])

    from presswatch.storage import open_store

    with open_store(web["settings"]) as st:
        row = st.conn.execute("SELECT actor, role, channel, note, after FROM audit_log WHERE action='manual_entry'"
                              " AND object_id=?", (str(doc_id),)).fetchone()
        doc = st.load(doc_id, with_raw=False)
    assert tuple(row)[:4] == ("monitor", "monitor", "web", "CTV gửi qua Zalo")
    assert json.loads(row["after"])["source_type"] == "social"
    assert doc.source.name == "Trang <b>lạ</b>" and doc.extraction.published.date().isoformat() == "2026-11-20"

    n = _count(web)
    again = _submit(c, lang="en", title=HOSTILE_TITLE, text=HOSTILE_TEXT, outlet="Trang <b>lạ</b>", source_type="social")
    assert again.status_code == 303 and again.headers["location"] == f"/submit/{doc_id}?lang=en&state=existing"
    assert "This item is already stored; nothing changed." in c.get(again.headers["location"]).text
    assert _count(web) == n


def test_web_form_url_errors_keep_what_was_typed(web, pages):
    c = _client(web, "editor")  # the provincial paper's editors enter items too
    n = _count(web)
    r = _submit(c, url="http://10.1.2.3/bai-viet", title="Tiêu đề <gõ tay>", note="ghi chú")
    assert r.status_code == 400 and 'id="error"' in r.text and "không tải được" in r.text
    assert "10.1.2.3 resolves to internal address" in r.text
    assert 'value="http://10.1.2.3/bai-viet"' in r.text and 'value="Tiêu đề &lt;gõ tay&gt;"' in r.text
    assert 'value="ghi chú"' in r.text

    empty = _submit(c, title="Chỉ có tiêu đề")
    assert empty.status_code == 400 and "cần có tiêu đề và nội dung" in empty.text
    assert "Chỉ có tiêu đề" in empty.text
    nothing = _submit(c, lang="en")
    assert nothing.status_code == 400 and "Give a link, or a title and the text." in nothing.text
    wall = _submit(c, url=f"{pages.base}/login-wall")
    assert wall.status_code == 400 and "không trích xuất được nội dung" in wall.text
    assert _count(web) == n

    ok = _submit(c, url=f"{pages.base}/bai-viet.html", source_type="provincial_press")
    assert ok.status_code == 303
    page = c.get(ok.headers["location"])
    assert "Công nhân KCN Quang Châu ngừng việc" in page.text and "labour" in page.text
    assert _count(web) == n + 1

    long = _submit(c, title="Bài dài", text="chữ " * 6000)
    assert long.status_code == 400 and "quá giới hạn 20000" in long.text and "chữ chữ" in long.text
    # pasted text with its original address, then the address alone: the same item, nothing fetched
    seen = len(pages.requests)
    pasted = _submit(c, url=f"{pages.base}/bai-khac.html", title="Bài dán kèm địa chỉ gốc",
                     text="Người dân Tuyên Quang phản ánh đường ĐT 176 xuống cấp nghiêm trọng.")
    assert pasted.status_code == 303 and "state=new" in pasted.headers["location"]
    alone = _submit(c, url=f"{pages.base}/bai-khac.html?utm_source=fb")
    assert alone.headers["location"] == pasted.headers["location"].replace("state=new", "state=existing")
    assert pages.requests[seen:] == [] and _count(web) == n + 2


def test_web_form_needs_csrf_same_origin_and_a_monitoring_role(web):
    c = _client(web, "monitor")
    n = _count(web)
    no_token = c.post("/submit", data={"title": "Tiêu đề", "text": "Nội dung"}, follow_redirects=False)
    assert no_token.status_code == 403 and "CSRF" in no_token.text
    token = csrf_of(c.get("/submit").text)
    cross = c.post("/submit", data={"csrf": token, "title": "Tiêu đề", "text": "Nội dung"},
                   headers={"Origin": "https://evil.example"}, follow_redirects=False)
    assert cross.status_code == 403 and "cross-origin" in cross.text
    assert _count(web) == n

    leader = _client(web, "leader")
    assert "/submit" not in leader.get("/").text
    assert leader.get("/submit").status_code == 403
    token = csrf_of(leader.get("/").text)
    assert leader.post("/submit", data={"csrf": token, "title": "T", "text": "N"}).status_code == 403
    assert _count(web) == n
    from presswatch.storage import open_store

    with open_store(web["settings"]) as st:
        denied = st.conn.execute("SELECT count(*) FROM audit_log WHERE actor='leader' AND action='access_denied'"
                                 " AND object_type='manual_entry'").fetchone()[0]
    assert denied == 2
    anonymous = TestClient(web["app"], base_url="http://testserver")
    assert anonymous.get("/submit", follow_redirects=False).headers["location"].startswith("/login?next=%2Fsubmit")
