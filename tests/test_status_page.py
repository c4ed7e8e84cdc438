"""The web status page (/status, /status.json) on a real store: every part with its numbers, admins only
(403 for the others, audited), hostile source errors escaped, the JSON equal to ``presswatch.health.status``,
and Prefect asked only when PREFECT_API_URL names a server."""
import json
import re
import time
from datetime import datetime, timedelta, timezone

import pytest
import yaml
from markupsafe import escape
from starlette.testclient import TestClient

from presswatch.auth import add_user
from presswatch.health import status
from presswatch.notify import dispatch
from presswatch.record import Document, Enrichment, Extraction, Fetch, SourceRef
from presswatch.storage import iso
from tests.review_support import PASSWORD, login
from tests.test_health import sources_scenario

HOSTILE_ERROR = '<script>alert("pwned")</script><img src=x onerror=alert(1)> HTTP 503'
HOSTILE_NOTE = "ValueError: <b onmouseover=alert(2)>boom</b>"


def _doc(store, n, source="up"):
    url = f"https://e.org/{source}/{n}"
    return store.add_document(Document(url=url, source=SourceRef(id=source), fetch=Fetch(requested_url=url),
                                       extraction=Extraction(title=f"Tin {n}", text="x")))


def _processed(store, doc_id, n):
    d = store.load(doc_id)
    d.status = "processed"
    d.enrichment = Enrichment(story_id=f"s{n}", stance="critical", topics=["labour"], risk=0.9, alert=True,
                              risk_reasons=["Lý do"], content_hash=f"h{n}")
    store.save_processed(d)


@pytest.fixture()
def filled(settings, store):
    """A failing source (hostile error text), a quiet one, a never-polled one; one pending, one failed, one
    indexed and one not-yet-indexed document; a report; a failed webhook notification; an account per role."""
    now = datetime.now(timezone.utc)
    sources_scenario(store, now, HOSTILE_ERROR, failures=2)
    pending = _doc(store, 1)
    failed = _doc(store, 2)
    store.conn.execute("UPDATE documents SET status='failed', status_note=? WHERE id=?", (HOSTILE_NOTE, failed))
    done, lagging = _doc(store, 3), _doc(store, 4)
    _processed(store, done, 3)
    _processed(store, lagging, 4)
    store.mark_indexed([done])
    store.conn.execute("UPDATE documents SET updated_at=? WHERE id=?", (iso(now - timedelta(minutes=10)), lagging))
    store.conn.execute("INSERT INTO reports (kind, params, path, created_at) VALUES ('weekly', '{}', NULL, ?)",
                       (iso(now),))
    (settings.data_dir / "notify.yaml").write_text(yaml.safe_dump(
        {"rules": [{"webhook": "http://169.254.169.254/hook?token=s3cret", "min_severity": "low"}]}),
        encoding="utf-8")
    assert dispatch(store, settings) == {"sent": 0, "failed": 2}  # both alerts: the target is refused
    for name, role in (("admin", "admin"), ("monitor", "monitor"), ("editor", "media_editor"),
                       ("auditor", "auditor")):
        add_user(store, name, PASSWORD, role, actor="test")
    from presswatch.web.app import create_app

    return {"settings": settings, "store": store, "app": create_app(settings), "pending": pending,
            "failed": failed, "lagging": lagging}


def _client(filled, username):
    c = TestClient(filled["app"], base_url="http://testserver")
    assert login(c, username).status_code == 303
    return c


def _part(html, element_id):
    """The element with this id (up to the end of its table or paragraph)."""
    m = re.search(rf'id="{element_id}"[^>]*>(.*?)</(table|p)>', html, re.DOTALL)
    assert m, f"no #{element_id} on the page"
    return m.group(1)


def _text(fragment):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment)).strip()


def test_admin_sees_every_part_with_its_numbers(filled, monkeypatch):
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    c = _client(filled, "admin")
    r = c.get("/status")
    assert r.status_code == 200 and "script-src 'none'" in r.headers["content-security-policy"]
    html = r.text
    assert "<h1>Tình trạng hệ thống</h1>" in html and 'href="/status?lang=vi"' in html  # Vietnamese; nav link
    assert "<script" not in html.lower()  # no JavaScript, and nothing hostile got through
    assert _text(_part(html, "queue")) == "1 chờ xử lý · 1 xử lý lỗi"
    lag = _text(_part(html, "index-lag"))
    assert lag.startswith("1 tin chưa vào chỉ mục · tin chờ lâu nhất:")
    assert 595 <= int(re.search(r"lâu nhất: (\d+) giây \(≈ 10 phút\)", lag).group(1)) <= 700
    disk = _part(html, "disk")
    assert str(escape(filled["store"].location)) in disk  # a Postgres URL shows without its password
    h = status(filled["store"], filled["settings"])
    assert int(re.search(r'class="store-bytes" data-bytes="(\d+)"', disk).group(1)) > 0
    assert re.search(r'class="index-bytes" data-bytes="(\d+)"', disk)
    assert int(re.search(r'class="free-bytes[^"]*" data-bytes="(\d+)"', disk).group(1)) > 0
    assert ('id="low-disk"' in html) == h["disk"]["low"]
    assert _text(_part(html, "source-states")) == ("bình thường: 2 · đang lỗi: 1 · im lặng (lâu không có tin): 0"
                                                   " · chưa thu thập lần nào: 1")
    rows = {m.group(1): m.group(2) for m in re.finditer(r'<tr class="source-row" id="source-([a-z]+)">(.*?)</tr>',
                                                        html, re.DOTALL)}
    assert set(rows) == {"up", "down", "quiet", "new"}
    assert 'data-state="failing"' in rows["down"] and '<td class="failures">2</td>' in rows["down"]
    assert 'data-state="never polled"' in rows["new"] and 'data-state="ok"' in rows["up"]
    assert 'data-publishing="silent"' in rows["quiet"] and "no new items for 120 h" in rows["quiet"]
    assert '<td class="per-day">2.0</td>' in rows["quiet"]
    assert len(re.findall(r'<tr class="fetch-failure">', html)) == 2
    failed_docs = _part(html, "failed-documents")
    assert f'href="/documents/{filled["failed"]}?lang=vi"' in failed_docs and "https://e.org/up/2" in failed_docs
    notes = _text(_part(html, "notifications"))
    assert notes == "0 đã gửi · 2 gửi lỗi · 0 bỏ cuộc sau 5 lần thử"  # one webhook per alert, both refused
    nf = _part(html, "notification-failures")
    assert "http://169.254.169.254/hook?token=s3cret" in nf and "webhook" in nf  # admins see the targets
    for stage in ("poll", "processed", "indexed", "report", "notification"):
        assert re.search(rf'id="run-{stage}"><td>[^<]+</td><td>20\d\d-', html), stage
    assert "(weekly)" in _part(html, "last-runs")
    assert "PREFECT_API_URL" in _part(html, "flow-runs")  # not asked: no server named
    en = c.get("/status?lang=en").text
    assert "<h1>System status</h1>" in en and _text(_part(en, "queue")) == "1 pending · 1 failed"
    st = filled["store"]
    assert st.conn.execute("SELECT count(*) FROM audit_log WHERE action='status_view' AND actor='admin'"
                           " AND object_type='status'").fetchone()[0] == 2


def test_low_disk_is_a_visible_warning(filled, monkeypatch):
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.setattr("presswatch.health.LOW_DISK_BYTES", 1 << 62)  # any real disk is "low" against this
    html = _client(filled, "admin").get("/status").text
    warning = _part(html, "low-disk")
    assert 'role="alert"' in html and "ÍT DUNG LƯỢNG TRỐNG" in warning and "Còn trống" in warning


def test_hostile_source_errors_are_escaped(filled, monkeypatch):
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    html = _client(filled, "admin").get("/status").text
    escaped = "&lt;script&gt;alert(&#34;pwned&#34;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt; HTTP 503"
    assert escaped in _part(html, "sources") and escaped in _part(html, "fetch-failures")
    assert "&lt;b onmouseover=alert(2)&gt;boom&lt;/b&gt;" in _part(html, "failed-documents")
    assert "<script>" not in html and "<img src=x" not in html and "<b onmouseover" not in html


@pytest.mark.parametrize("username", ["monitor", "editor", "auditor"])
def test_others_are_refused_and_the_refusal_is_audited(filled, username, monkeypatch):
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    c = _client(filled, username)
    page = c.get("/status")
    assert page.status_code == 403 and "<h1>403</h1>" in page.text
    assert "169.254.169.254" not in page.text and "e.org/down" not in page.text
    as_json = c.get("/status.json")
    assert as_json.status_code == 403 and "queue" not in as_json.json()
    assert 'href="/status' not in c.get("/").text  # no nav link for them
    denied = filled["store"].conn.execute(
        "SELECT note FROM audit_log WHERE action='access_denied' AND actor=? AND object_type='status' ORDER BY id",
        (username,)).fetchall()
    assert [r[0] for r in denied] == ["GET /status", "GET /status.json"]


def test_status_json_is_health_status(filled, monkeypatch):
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    got = _client(filled, "admin").get("/status.json")
    assert got.status_code == 200 and got.headers["content-type"].startswith("application/json")
    got = got.json()
    want = json.loads(json.dumps(status(filled["store"], filled["settings"])))
    for part in (got, want):  # these move between the two calls (other processes write to the disk)
        for k in ("free_bytes", "total_bytes", "low"):
            part["disk"].pop(k)
    assert abs(got["index_lag"].pop("oldest_seconds") - want["index_lag"].pop("oldest_seconds")) <= 5
    assert got == want
    assert got["queue"] == {"pending": 1, "failed": 1} and got["index_lag"]["documents"] == 1
    assert "flow_runs" not in got


def test_flow_runs_are_asked_of_the_named_server_only(filled, monkeypatch):
    """With PREFECT_API_URL naming a server that does not answer, the page says so: Prefect did not start a
    temporary server of its own (which would have answered with an empty list)."""
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")  # discard port: nothing listens
    c = _client(filled, "admin")
    t0 = time.monotonic()
    html = c.get("/status").text
    assert time.monotonic() - t0 < 60
    assert "Prefect API not reachable" in _part(html, "flow-runs")
    got = c.get("/status.json").json()
    assert got["flow_runs"]["runs"] == [] and "Prefect API not reachable" in got["flow_runs"]["error"]
