"""Notifications against a real SMTP server (aiosmtpd on 127.0.0.1) and a real local HTTP webhook."""
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import yaml

from presswatch.auth import add_user
from presswatch.notify import dispatch
from presswatch.record import Document, Enrichment, Extraction, Fetch, SourceRef
from tests.review_support import PASSWORD, free_port


@pytest.fixture()
def smtp():
    from aiosmtpd.controller import Controller

    class Sink:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append((envelope.rcpt_tos, envelope.content.decode("utf-8", "replace")))
            return "250 OK"

    sink = Sink()
    ctl = Controller(sink, hostname="127.0.0.1", port=free_port())
    ctl.start()
    yield ctl.port, sink.messages
    ctl.stop()


@pytest.fixture()
def webhook():
    got = []

    class H(BaseHTTPRequestHandler):
        def do_POST(self):
            got.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *a):
            pass

    srv = HTTPServer(("127.0.0.1", 0), H)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}/hook", got
    srv.shutdown()


def _alert(store, n, *, kind, security, severity, title):
    url = f"https://example.org/{n}"
    i = store.add_document(Document(url=url, source=SourceRef(id="s"), fetch=Fetch(requested_url=url),
                                    extraction=Extraction(title=title, text="x")))
    d = store.load(i)
    d.status = "processed"
    d.enrichment = Enrichment(story_id=f"s{n}", stance="distorting" if kind == "distortion" else "critical",
                              topics=["labour"], risk=0.9, alert=True, risk_reasons=["Lý do kiểm tra"],
                              content_hash=f"h{n}")
    aid = store.save_processed(d)["alert_id"]
    store.conn.execute("UPDATE alerts SET security=?, severity=?, department=? WHERE id=?",
                       (int(security), severity, "cong_an" if security else "bql_kcn", aid))
    return aid


def test_email_and_webhook_per_role_and_severity(settings, store, smtp, webhook):
    port, mails = smtp
    hook, posts = webhook
    (settings.data_dir / "notify.yaml").write_text(yaml.safe_dump({
        "base_url": "https://pw.example", "smtp": {"host": "127.0.0.1", "port": port, "from": "pw@example.test"},
        "rules": [{"roles": ["monitor", "sector_officer"], "min_severity": "medium"},
                  {"webhook": hook, "min_severity": "high"}]}), encoding="utf-8")
    add_user(store, "mon", PASSWORD, "monitor", actor="t", email="mon@example.test")
    add_user(store, "kcn", PASSWORD, "sector_officer", actor="t", department="bql_kcn", email="kcn@example.test")
    add_user(store, "ed", PASSWORD, "media_editor", actor="t", email="ed@example.test")
    strike = _alert(store, 1, kind="local_problem", security=False, severity="high", title="Công nhân ngừng việc")
    secret = _alert(store, 2, kind="distortion", security=True, severity="high", title="Bài xuyên tạc MẬT")
    low = _alert(store, 3, kind="local_problem", security=False, severity="low", title="Tin mức thấp")

    out = dispatch(store, settings)
    assert out == {"sent": 5, "failed": 0}
    to = sorted((rcpt[0], "MẬT" in body or "Bài xuyên tạc" in body) for rcpt, body in mails)
    # the strike to both roles; the security item only to the cleared monitor, and without its title
    assert to == [("kcn@example.test", False), ("mon@example.test", False), ("mon@example.test", False)]
    bodies = "\n".join(body for _, body in mails)
    assert "Công nhân ngừng việc" in bodies.replace("=\n", "") or "C=C3=B4ng" in bodies
    assert f"https://pw.example/review/{secret}" in bodies and "Tin m" not in bodies
    by_id = {p["alert_id"]: p for p in posts}
    assert set(by_id) == {strike, secret}                            # low severity: no webhook
    assert by_id[strike]["title"] == "Công nhân ngừng việc" and by_id[strike]["reasons"] == ["Lý do kiểm tra"]
    assert by_id[secret]["security"] is True and "title" not in by_id[secret] and "reasons" not in by_id[secret]
    # each (alert, channel, target) goes out once
    assert dispatch(store, settings) == {"sent": 0, "failed": 0}
    assert low not in {r[0] for r in store.conn.execute("SELECT alert_id FROM notifications")}


def test_unreachable_targets_are_recorded_and_retried(settings, store, webhook):
    hook, posts = webhook
    dead = f"http://127.0.0.1:{free_port()}/nobody"
    (settings.data_dir / "notify.yaml").write_text(yaml.safe_dump({
        "smtp": {"host": "127.0.0.1", "port": free_port()},
        "rules": [{"webhook": dead, "min_severity": "low"}, {"emails": ["x@example.test"], "min_severity": "low"},
                  {"webhook": hook, "min_severity": "low"}]}), encoding="utf-8")
    aid = _alert(store, 1, kind="local_problem", security=False, severity="medium", title="Tin")
    assert dispatch(store, settings) == {"sent": 1, "failed": 2}
    rows = store.conn.execute("SELECT channel, status, attempts, error FROM notifications WHERE alert_id=?"
                              " ORDER BY channel, target", (aid,)).fetchall()
    assert sorted((r["channel"], r["status"]) for r in rows) == [("email", "failed"), ("webhook", "failed"),
                                                                 ("webhook", "sent")]
    assert dispatch(store, settings) == {"sent": 0, "failed": 2}  # retried; the sent one is not repeated
    assert store.conn.execute("SELECT max(attempts) FROM notifications").fetchone()[0] == 2
    assert len(posts) == 1


def test_report_is_emailed_to_a_roles_list(smtp, store, settings):
    """A generated report goes, with its DOCX attached, to every active user of the role with an e-mail."""
    import email
    from datetime import date

    from presswatch.reports.generate import email_report, generate
    from presswatch.reports.periods import day

    port, messages = smtp
    (settings.data_dir / "notify.yaml").write_text(yaml.safe_dump({"smtp": {"host": "127.0.0.1", "port": port,
                                                                            "from": "presswatch@so-tttt.test"}}))
    add_user(store, "lanhdao", PASSWORD, "leader", actor="test", email="lanhdao@ubnd.test")
    add_user(store, "bientap", PASSWORD, "media_editor", actor="test", email="bientap@bao.test")
    gen = generate(store, settings, day(date(2026, 11, 19)), formats=("docx",))
    assert email_report(store, settings, gen, "leader", formats=("docx",)) == ["lanhdao@ubnd.test"]
    assert len(messages) == 1
    rcpt, raw = messages[0]
    msg = email.message_from_string(raw)
    assert rcpt == ["lanhdao@ubnd.test"] and "19/11/2026" in str(email.header.make_header(
        email.header.decode_header(msg["Subject"])))
    names = [p.get_filename() for p in msg.walk() if p.get_filename()]
    assert names == [gen.files["docx"].name]
    with pytest.raises(RuntimeError, match="no e-mail addresses"):
        email_report(store, settings, gen, "auditor")


# --------------------------------------------------------------------------- webhook URL policy (SSRF)
class _Hook:
    """A real HTTP server on 127.0.0.1 that records POSTs and answers as ``answer(handler)`` says."""

    def __init__(self, answer=None):
        import socketserver
        from http.server import ThreadingHTTPServer

        self.posts, hook = [], self

        class H(BaseHTTPRequestHandler):
            def do_POST(self):
                hook.posts.append((self.path, self.headers.get("Content-Type"),
                                   self.rfile.read(int(self.headers["Content-Length"]))))
                (answer or _no_content)(self)

            def log_message(self, *a):
                pass

        socketserver.TCPServer.allow_reuse_address = True
        self.srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.port = self.srv.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hook"
        threading.Thread(target=self.srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def stop(self):
        self.srv.shutdown()
        self.srv.server_close()


def _no_content(h):
    h.send_response(204)
    h.end_headers()


class _Resolver:
    """Stands in for DNS for the named hosts (other names go to the real resolver)."""

    def __init__(self, monkeypatch, answers: dict[str, str]):
        import socket

        self.answers, self._real = answers, socket.getaddrinfo
        monkeypatch.setattr(socket, "getaddrinfo", self)

    def __call__(self, host, port, *args, **kwargs):
        import socket

        if host not in self.answers:
            return self._real(host, port, *args, **kwargs)
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (self.answers[host], int(port)))]


def _rules(settings, *hooks):
    (settings.data_dir / "notify.yaml").write_text(yaml.safe_dump(
        {"rules": [{"webhook": h, "min_severity": "low"} for h in hooks]}), encoding="utf-8")


def _rows(store):
    return {r["target"]: dict(r) for r in store.conn.execute("SELECT target, status, attempts, error FROM notifications")}


@pytest.fixture()
def strict_settings(tmp_path):
    """Settings as shipped: no private host allowed."""
    from presswatch.config import load_settings

    s = load_settings(tmp_path / "strict")
    s.ensure_dirs()
    assert s.allow_private_hosts == ()
    return s


def test_webhook_to_loopback_is_refused_and_recorded_without_the_allowance(strict_settings):
    from presswatch.storage import open_store

    hook = _Hook()
    try:
        with open_store(strict_settings) as store:
            _alert(store, 1, kind="local_problem", security=False, severity="high", title="Tin")
            _rules(strict_settings, hook.url)
            assert dispatch(store, strict_settings) == {"sent": 0, "failed": 1}
            row = _rows(store)[hook.url]
            assert row["status"] == "failed"
            assert "bị chặn" in row["error"] and "internal address 127.0.0.1" in row["error"]
            assert "allow_private_hosts" in row["error"]
            assert dispatch(store, strict_settings) == {"sent": 0, "failed": 1}  # still refused, still recorded
            assert _rows(store)[hook.url]["attempts"] == 2
        assert hook.posts == []  # nothing reached the server
    finally:
        hook.stop()


def test_webhook_with_the_allowance_is_delivered(settings, store):
    hook = _Hook()
    try:
        aid = _alert(store, 1, kind="local_problem", security=False, severity="high", title="Công nhân ngừng việc")
        _rules(settings, hook.url)
        assert dispatch(store, settings) == {"sent": 1, "failed": 0}
        (path, ctype, raw), = hook.posts
        assert path == "/hook" and ctype.startswith("application/json")
        got = json.loads(raw.decode("utf-8"))
        assert got["alert_id"] == aid and got["title"] == "Công nhân ngừng việc"
        assert _rows(store)[hook.url]["status"] == "sent"
    finally:
        hook.stop()


def test_webhook_redirect_to_a_private_address_is_refused(settings, store, monkeypatch):
    """The allowed local server answers 307 to a name resolving to the cloud metadata address: not followed."""
    _Resolver(monkeypatch, {"metadata.test": "169.254.169.254"})

    def to_metadata(h):
        h.send_response(307)
        h.send_header("Location", "http://metadata.test/latest/meta-data")
        h.send_header("Content-Length", "0")
        h.end_headers()

    hook = _Hook(to_metadata)
    try:
        _alert(store, 1, kind="local_problem", security=False, severity="high", title="Tin")
        _rules(settings, hook.url)
        assert dispatch(store, settings) == {"sent": 0, "failed": 1}
        err = _rows(store)[hook.url]["error"]
        assert "metadata.test resolves to internal address 169.254.169.254" in err and "bị chặn" in err
        assert len(hook.posts) == 1
    finally:
        hook.stop()


def test_webhook_307_within_the_policy_is_followed_and_other_redirects_are_failures(settings, monkeypatch):
    from presswatch.notify import WebhookError, send_webhook

    def moved(h):
        if h.path == "/old":
            h.send_response(308)
            h.send_header("Location", "/hook")
        elif h.path == "/gone":
            h.send_response(302)
            h.send_header("Location", "https://chat.example/new-hook")
        else:
            h.send_response(200)
        h.send_header("Content-Length", "0")
        h.end_headers()

    hook = _Hook(moved)
    try:
        send_webhook(f"http://127.0.0.1:{hook.port}/old", {"n": 1}, allow=("127.0.0.1",))
        assert [(p, json.loads(b)) for p, _, b in hook.posts] == [("/old", {"n": 1}), ("/hook", {"n": 1})]
        with pytest.raises(WebhookError, match=r"HTTP 302 → https://chat.example/new-hook"):
            send_webhook(f"http://127.0.0.1:{hook.port}/gone", {"n": 2}, allow=("127.0.0.1",))
        assert hook.posts[-1][0] == "/gone" and len(hook.posts) == 3  # the 302 was not followed
    finally:
        hook.stop()


def test_webhook_host_name_resolving_to_a_private_address_is_refused(settings, store, monkeypatch):
    """A name is judged by the address it resolves to: 10.x is refused although 127.0.0.1 is allowed, and a
    name resolving to the allowed 127.0.0.1 is delivered (the allowance is by address)."""
    _Resolver(monkeypatch, {"chat.internal.test": "10.20.30.40", "hook.test": "127.0.0.1"})
    hook = _Hook()
    try:
        _alert(store, 1, kind="local_problem", security=False, severity="high", title="Tin")
        inside, named = "http://chat.internal.test/hook", f"http://hook.test:{hook.port}/hook"
        _rules(settings, inside, named)
        assert dispatch(store, settings) == {"sent": 1, "failed": 1}
        rows = _rows(store)
        assert rows[inside]["status"] == "failed"
        assert "chat.internal.test resolves to internal address 10.20.30.40" in rows[inside]["error"]
        assert rows[named]["status"] == "sent" and len(hook.posts) == 1
    finally:
        hook.stop()


def test_webhook_without_allowance_refuses_a_name_for_loopback(strict_settings, monkeypatch):
    from presswatch.notify import WebhookError, send_webhook

    _Resolver(monkeypatch, {"hook.test": "127.0.0.1"})
    hook = _Hook()
    try:
        with pytest.raises(WebhookError, match="hook.test resolves to internal address 127.0.0.1"):
            send_webhook(f"http://hook.test:{hook.port}/hook", {"n": 1})
        with pytest.raises(WebhookError, match="only http and https"):
            send_webhook("file:///etc/passwd", {"n": 1})
        assert hook.posts == []
    finally:
        hook.stop()


def test_webhook_answer_is_capped_in_size_and_time(settings):
    """An endless 200 answer is not read to its end (delivered: the POST arrived); an endless error answer
    gives a failure quoting its start; a server that never answers fails at the deadline."""
    import time

    from presswatch.notify import WebhookError, send_webhook

    def endless(h):
        if h.path == "/silent":
            time.sleep(3)
            return
        h.send_response(200 if h.path == "/ok" else 500)
        h.end_headers()
        try:
            for _ in range(100_000):  # 6.5 GB if all were read
                h.wfile.write(b"x" * 65536)
        except (BrokenPipeError, ConnectionResetError):
            pass

    hook = _Hook(endless)
    allow = ("127.0.0.1",)
    try:
        t0 = time.monotonic()
        send_webhook(f"http://127.0.0.1:{hook.port}/ok", {"n": 1}, allow=allow, timeout=3)
        with pytest.raises(WebhookError, match=r"HTTP 500.*'xxxx"):
            send_webhook(f"http://127.0.0.1:{hook.port}/err", {"n": 2}, allow=allow, timeout=3)
        assert time.monotonic() - t0 < 1.5  # without the cap, each would read until the 3 s deadline
        t0 = time.monotonic()
        with pytest.raises(WebhookError, match="timed out after 1 s"):
            send_webhook(f"http://127.0.0.1:{hook.port}/silent", {"n": 3}, allow=allow, timeout=1)
        assert time.monotonic() - t0 < 2.5
    finally:
        hook.stop()


def test_smtp_password_in_the_file_is_refused(settings, store):
    (settings.data_dir / "notify.yaml").write_text(yaml.safe_dump({
        "smtp": {"host": "127.0.0.1", "username": "pw", "password": "hunter2"}, "rules": []}), encoding="utf-8")
    with pytest.raises(ValueError, match="PRESSWATCH_SMTP_PASSWORD"):
        dispatch(store, settings)
