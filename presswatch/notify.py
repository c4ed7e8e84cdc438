"""Notifications for new alerts: e-mail over SMTP and a generic JSON webhook (for chat apps), per role and
severity, from ``DATA_DIR/notify.yaml``. Nothing is sent without that file.

```yaml
base_url: https://presswatch.example.gov.vn      # links in messages
smtp: {host: mail.example.gov.vn, port: 587, starttls: true, username: presswatch, from: presswatch@example.gov.vn}
rules:
  - {roles: [monitor, security_liaison], min_severity: medium}          # e-mail to users of these roles
  - {webhook: "https://chat.example/hooks/abc", min_severity: high, kinds: [distortion, local_problem]}
```

The SMTP password comes from the environment only (``PRESSWATCH_SMTP_PASSWORD``). E-mail goes only to
users who may see the alert (``auth.can_view``); a security-tagged alert's title and reasons never leave the
app (messages carry its number, kind, severity and link). Each (alert, channel, target) is sent once: the
``notifications`` table is the outbox; failures are retried on later batches, up to 5 attempts."""
from __future__ import annotations

import json
import logging
import os
import smtplib
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from pathlib import Path

import httpx
import yaml

from .auth import User, can_view
from .workflow import KIND_LABELS

log = logging.getLogger("presswatch.notify")
SEVERITY_ORDER = {"low": 0, "medium": 1, "high": 2}
SEVERITY_VI = {"low": "thấp", "medium": "trung bình", "high": "cao"}
MAX_ATTEMPTS = 5


def load_config(settings) -> dict | None:
    path = Path(settings.data_dir) / "notify.yaml"
    if not path.exists():
        return None
    conf = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(conf.get("rules"), list):
        raise ValueError(f"{path}: needs a 'rules' list")
    return conf


def _iso(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).isoformat(timespec="seconds")


def dispatch(store, settings, conf: dict | None = None, since_hours: int = 48) -> dict:
    """Send what is due; returns {"sent": n, "failed": n}."""
    conf = conf if conf is not None else load_config(settings)
    out = {"sent": 0, "failed": 0}
    if not conf:
        return out
    since = _iso(datetime.now(timezone.utc) - timedelta(hours=since_hours))
    alerts = store.conn.execute(
        "SELECT a.*, d.title, d.topics, d.provinces, d.source_type FROM alerts a JOIN documents d ON d.id=a.doc_id"
        " WHERE a.created_at >= ? AND a.status='new' ORDER BY a.id", (since,)).fetchall()
    if not alerts:
        return out
    users = [User.from_row(r) for r in store.conn.execute("SELECT * FROM users WHERE active=1 AND email IS NOT NULL")]
    for a in alerts:
        for rule in conf["rules"]:
            if SEVERITY_ORDER.get(a["severity"], 1) < SEVERITY_ORDER.get(rule.get("min_severity", "medium"), 1):
                continue
            if rule.get("kinds") and a["kind"] not in rule["kinds"]:
                continue
            targets: list[tuple[str, str]] = []
            if rule.get("roles"):
                targets += [("email", u.email) for u in users if u.role in rule["roles"] and can_view(u, a)]
            if rule.get("emails"):  # explicit addresses get only what any role may read: no security items
                targets += [("email", e) for e in rule["emails"] if not a["security"]]
            if rule.get("webhook"):
                targets.append(("webhook", rule["webhook"]))
            for channel, target in targets:
                _send_once(store, conf, a, channel, target, out)
    return out


def _send_once(store, conf, a, channel: str, target: str, out: dict) -> None:
    prev = store.conn.execute("SELECT status, attempts FROM notifications WHERE alert_id=? AND channel=? AND target=?",
                              (a["id"], channel, target)).fetchone()
    if prev and (prev["status"] == "sent" or prev["attempts"] >= MAX_ATTEMPTS):
        return
    try:
        if channel == "email":
            send_email(conf, target, *message(conf, a))
        else:
            send_webhook(target, payload(conf, a))
        status, error = "sent", None
        out["sent"] += 1
    except Exception as exc:  # noqa: BLE001 - one unreachable target must not stop the others
        status, error = "failed", f"{type(exc).__name__}: {exc}"[:500]
        out["failed"] += 1
        log.warning("notification %s to %s for alert %s failed: %s", channel, target, a["id"], error)
    store.conn.execute(
        "INSERT INTO notifications (alert_id, channel, target, status, attempts, error, at) VALUES (?,?,?,?,1,?,?)"
        " ON CONFLICT(alert_id, channel, target) DO UPDATE SET status=excluded.status,"
        " attempts=notifications.attempts+1, error=excluded.error, at=excluded.at",
        (a["id"], channel, target, status, error, _iso(datetime.now(timezone.utc))))


def _link(conf, a) -> str:
    return f"{str(conf.get('base_url', 'http://127.0.0.1:8000')).rstrip('/')}/review/{a['id']}"


def message(conf: dict, a) -> tuple[str, str]:
    kind_vi = KIND_LABELS.get(a["kind"], (a["kind"],))[0]
    sev = SEVERITY_VI.get(a["severity"], a["severity"])
    if a["security"]:
        subject = f"[Presswatch] Cảnh báo #{a['id']} (mức {sev}) — nội dung mật, xem trong hệ thống"
        body = (f"Cảnh báo #{a['id']}: {kind_vi}, mức {sev}.\nNội dung thuộc diện bảo mật: "
                f"đăng nhập để xem.\n{_link(conf, a)}\n")
    else:
        subject = f"[Presswatch] Cảnh báo #{a['id']} (mức {sev}): {a['title']}"[:200]
        reasons = "\n".join(f"- {r}" for r in json.loads(a["reasons"]))
        body = f"{kind_vi}, mức {sev}, rủi ro {a['risk']:.2f}\n{a['title']}\n\nLý do:\n{reasons}\n\n{_link(conf, a)}\n"
    return subject, body


def payload(conf: dict, a) -> dict:
    p = {"alert_id": a["id"], "kind": a["kind"], "severity": a["severity"], "risk": a["risk"],
         "security": bool(a["security"]), "link": _link(conf, a), "created_at": a["created_at"]}
    subject, _ = message(conf, a)
    p["text"] = subject
    if not a["security"]:
        p["title"] = a["title"]
        p["reasons"] = json.loads(a["reasons"])
    return p


def send_email(conf: dict, to: str, subject: str, body: str) -> None:
    smtp = conf.get("smtp") or {}
    msg = EmailMessage()
    msg["From"] = smtp.get("from", "presswatch@localhost")
    msg["To"] = to
    msg["Subject"] = subject.replace("\n", " ").replace("\r", " ")
    msg.set_content(body)
    with smtplib.SMTP(smtp.get("host", "127.0.0.1"), int(smtp.get("port", 25)), timeout=15) as s:
        if smtp.get("starttls"):
            s.starttls()
        if smtp.get("username"):
            s.login(smtp["username"], os.environ.get("PRESSWATCH_SMTP_PASSWORD", ""))
        s.send_message(msg)


def send_webhook(url: str, body: dict) -> None:
    r = httpx.post(url, json=body, timeout=15, follow_redirects=False)
    r.raise_for_status()
