"""Notifications for new alerts: e-mail over SMTP and a generic JSON webhook (for chat apps), per role and
severity, from ``DATA_DIR/notify.yaml``. Nothing is sent without that file.

```yaml
base_url: https://presswatch.example.gov.vn      # links in messages
smtp: {host: mail.example.gov.vn, port: 587, starttls: true, username: presswatch, from: presswatch@example.gov.vn}
rules:
  - {roles: [monitor, security_liaison], min_severity: medium}          # e-mail to users of these roles
  - {webhook: "https://chat.example/hooks/abc", min_severity: high, kinds: [distortion, local_problem]}
```

The SMTP password comes from the environment only (``PRESSWATCH_SMTP_PASSWORD``); a password in the file
is refused. Webhooks go through the crawler's URL policy (``presswatch.netguard``): no loopback, private or
link-local target unless ``allow_private_hosts`` allows it, checked on the resolved address the request
connects to, again on every redirect; a refused target is a failed notification with the reason. E-mail goes only to
users who may see the alert (``auth.can_view``); a security-tagged alert's title and reasons never leave the
app (messages carry its number, kind, severity and link). Each (alert, channel, target) is sent once: the
``notifications`` table is the outbox; failures are retried on later batches, up to 5 attempts."""
from __future__ import annotations

import json
import logging
import os
import smtplib
import time
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import urljoin

import httpx
import yaml

from .auth import User, can_view
from .workflow import KIND_LABELS

log = logging.getLogger("presswatch.notify")
SEVERITY_ORDER = {"low": 0, "medium": 1, "high": 2}
SEVERITY_VI = {"low": "thấp", "medium": "trung bình", "high": "cao"}
MAX_ATTEMPTS = 5
WEBHOOK_TIMEOUT_S = 15.0  # the whole delivery, redirects included
WEBHOOK_MAX_REDIRECTS = 3
WEBHOOK_MAX_ANSWER_BYTES = 64 * 1024  # of a webhook's answer, at most this much is read
_SECRET_KEYS = ("password", "pass", "passwd", "secret", "token")


class WebhookError(Exception):
    """A webhook was not delivered; the message (Vietnamese, then English) says why and what to do."""


def load_config(settings) -> dict | None:
    path = Path(settings.data_dir) / "notify.yaml"
    if not path.exists():
        return None
    conf = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(conf.get("rules"), list):
        raise ValueError(f"{path}: needs a 'rules' list")
    smtp = conf.get("smtp") or {}
    found = [k for k in smtp if str(k).lower() in _SECRET_KEYS]
    if found:
        raise ValueError(f"{path}: smtp.{found[0]} must not be in a file; remove it and set the environment variable "
                         "PRESSWATCH_SMTP_PASSWORD instead (secrets come from the environment only)")
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
                _send_once(store, conf, a, channel, target, out, tuple(settings.allow_private_hosts))
    return out


def _send_once(store, conf, a, channel: str, target: str, out: dict, allow: tuple[str, ...] = ()) -> None:
    prev = store.conn.execute("SELECT status, attempts FROM notifications WHERE alert_id=? AND channel=? AND target=?",
                              (a["id"], channel, target)).fetchone()
    if prev and (prev["status"] == "sent" or prev["attempts"] >= MAX_ATTEMPTS):
        return
    try:
        if channel == "email":
            send_email(conf, target, *message(conf, a))
        else:
            send_webhook(target, payload(conf, a), allow=allow)
        status, error = "sent", None
        out["sent"] += 1
    except Exception as exc:  # noqa: BLE001 - one unreachable target must not stop the others
        status, error = "failed", f"{type(exc).__name__}: {exc}"[:1000]
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


def send_webhook(url: str, body: dict, *, allow: tuple[str, ...] = (), timeout: float | None = None,
                 max_redirects: int = WEBHOOK_MAX_REDIRECTS) -> None:
    """POST ``body`` as JSON to ``url``; raises ``WebhookError`` unless the answer is 2xx.

    Same guards as crawling (``crawlers.http``): the URL policy on the resolved addresses, the connection
    pinned to them, one total deadline. Only 307/308 redirects are followed (they keep the POST and its
    body), each hop checked again; any other 3xx is a failure naming the new address, so an admin updates
    the rule rather than Presswatch guessing. At most ``WEBHOOK_MAX_ANSWER_BYTES`` of the answer are read."""
    from crawlers.http import shared_client
    from .netguard import BlockedURL, check_url, pinned

    timeout = WEBHOOK_TIMEOUT_S if timeout is None else timeout
    client = shared_client(tuple(allow))
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "Presswatch"}
    started = time.monotonic()
    current = url
    for _ in range(max_redirects + 1):
        try:
            addresses = check_url(current, allow)
        except BlockedURL as exc:
            raise WebhookError(f"Địa chỉ webhook bị chặn (địa chỉ nội bộ hoặc không hợp lệ); nếu đúng là máy chủ "
                               f"nội bộ của cơ quan, quản trị viên thêm nó vào allow_private_hosts. "
                               f"(Webhook target refused: {exc})") from exc
        except ConnectionError as exc:
            raise WebhookError(f"Không phân giải được tên máy chủ webhook. (Webhook host not resolved: {exc})") from exc
        remaining = timeout - (time.monotonic() - started)
        if remaining <= 0:
            raise WebhookError(f"Webhook quá thời gian {timeout:.0f} giây. ({url}: timed out after {timeout:.0f} s)")
        try:
            with pinned(current, addresses, allow), client.stream(
                    "POST", current, content=data, headers=headers, timeout=httpx.Timeout(remaining)) as r:
                answer = _read_capped(r, started, timeout)
                if r.status_code in (307, 308) and "location" in r.headers:
                    current = urljoin(current, r.headers["location"])
                    continue
                if 200 <= r.status_code < 300:
                    return
                where = f" → {urljoin(current, r.headers['location'])}" if "location" in r.headers else ""
                raise WebhookError(f"Webhook trả lời HTTP {r.status_code}{where}; kiểm tra địa chỉ trong notify.yaml. "
                                   f"({current}: HTTP {r.status_code}{where}: "
                                   f"{answer[:200].decode('utf-8', 'replace')!r})")
        except BlockedURL as exc:  # refused at connect time (should not happen once pinned; kept as a backstop)
            raise WebhookError(f"Địa chỉ webhook bị chặn. (Webhook target refused: {exc})") from exc
        except httpx.TimeoutException as exc:
            raise WebhookError(f"Webhook quá thời gian {timeout:.0f} giây. ({url}: timed out after {timeout:.0f} s)") \
                from exc
        except httpx.HTTPError as exc:
            raise WebhookError(f"Không gửi được tới webhook. ({current}: {type(exc).__name__}: {exc})") from exc
    raise WebhookError(f"Webhook chuyển hướng quá {max_redirects} lần. ({url}: more than {max_redirects} redirects)")


def _read_capped(r: httpx.Response, started: float, timeout: float) -> bytes:
    """The first ``WEBHOOK_MAX_ANSWER_BYTES`` of the answer (the rest is not read), within the deadline."""
    got = b""
    for chunk in r.iter_raw():
        got += chunk
        if len(got) >= WEBHOOK_MAX_ANSWER_BYTES or time.monotonic() - started > timeout:
            break
    return got[:WEBHOOK_MAX_ANSWER_BYTES]
