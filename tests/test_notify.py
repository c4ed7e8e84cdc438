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
