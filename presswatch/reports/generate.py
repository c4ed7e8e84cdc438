"""Generate a report in DOCX, PDF and HTML (plus the full item list as CSV), record it in the ``reports``
table with every parameter needed to regenerate it, and optionally e-mail it to a role's list."""
from __future__ import annotations

import csv
import io
import json
import os
import smtplib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.message import EmailMessage
from pathlib import Path

import yaml

from .. import db
from ..gazetteer import load_gazetteer
from ..storage import iso, parse_iso
from ..text import csv_safe
from .build import build_report
from .data import collect
from .periods import VN_TZ, Period
from .render_docx import render_docx
from .render_html import render_html, render_pdf
from .templates import TemplateError, load_labels, load_template

FORMATS = ("docx", "pdf", "html")
PARAMS_VERSION = 1
DEFAULT_MAX_ROWS = 300      # appendix rows in DOCX/PDF/HTML (highest risk first); the CSV always has every item
DEFAULT_ATTENTION_MAX = 30  # stories listed in "needing attention" and alerts per alert table
MIME = {"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "pdf": "application/pdf", "html": "text/html", "csv": "text/csv"}


@dataclass
class Generated:
    id: int | None
    period: Period
    files: dict[str, Path] = field(default_factory=dict)  # format -> path (csv included)
    params: dict = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    total: int = 0


def slug(period: Period) -> str:
    s = period.start
    if period.kind == "daily":
        return f"ngay-{s.isoformat()}"
    if period.kind == "weekly":
        return f"tuan-{s.isoformat()}"
    if period.kind == "quarterly":
        return f"quy-{(s.month - 1) // 3 + 1}-{s.year}"
    if period.kind == "half_year":
        return f"6-thang-{'dau' if s.month == 1 else 'cuoi'}-nam-{s.year}"
    if period.kind == "yearly":
        return f"nam-{s.year}" + (f"-den-{period.end.isoformat()}" if period.is_partial_year else "")
    return f"{s.isoformat()}_{period.end.isoformat()}"


def _context(settings, tpl: dict, issued) -> dict:
    gaz = load_gazetteer()
    conf = tpl.get("context") or {}
    pid = (settings.provinces or ("",))[0]
    prov = gaz.provinces.get(pid)
    province = conf.get("province") or (prov.name if prov else pid)
    province_en = conf.get("province_en") or (prov.name_en if prov and prov.name_en else province)
    return {"province": province, "province_en": province_en, "place": conf.get("place") or province,
            "issued": issued}


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def items_csv(data) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["id", "time", "time_is_publication", "title", "url", "source", "source_type", "lang", "topics",
                "sentiment", "stance", "risk", "alert", "story", "duplicate_of"])
    for it in data.items:
        w.writerow([csv_safe(x) for x in (
            it.id, it.when.isoformat(), int(it.dated), it.title, it.url, it.source_name, it.source_type, it.lang,
            " ".join(it.topics), it.sentiment, it.stance, f"{it.risk:.3f}", int(it.alert), it.story_id or "",
            it.duplicate_of or "")])
    return buf.getvalue().encode("utf-8-sig")  # BOM: Excel opens it as UTF-8


def generate(store, settings, period: Period, *, template: str = "state", lang: str = "vi",
             formats=FORMATS, as_of: datetime | None = None, out_dir: Path | None = None,
             max_rows: int = DEFAULT_MAX_ROWS, attention_max: int = DEFAULT_ATTENTION_MAX,
             issued=None, record: bool = True, reproduces: int | None = None) -> Generated:
    """Write the report for ``period`` in ``formats`` (any of docx, pdf, html) and the CSV of all items."""
    import time

    if lang not in ("vi", "en"):
        raise ValueError(f"lang must be 'vi' or 'en', got {lang!r}")
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        raise ValueError(f"unknown format(s) {bad}; use any of {', '.join(FORMATS)}")
    as_of = (as_of or datetime.now(timezone.utc)).astimezone(timezone.utc).replace(microsecond=0)
    issued = issued or as_of.astimezone(VN_TZ).date()
    out_dir = Path(out_dir or settings.reports_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    tpl = load_template(template, settings.data_dir)
    labels = load_labels(settings.data_dir)
    name = f"bao-cao-{slug(period)}" + ("" if template == "state" else f"-{template}") + ("" if lang == "vi" else "-en")
    res = Generated(id=None, period=period)

    t = time.perf_counter()
    data = collect(store, period, as_of, attention_max=attention_max)
    res.timings["query"] = time.perf_counter() - t
    res.total = data.total
    t = time.perf_counter()
    rep = build_report(data, tpl, labels, lang, _context(settings, tpl, issued), max_rows, attention_max,
                       f"{name}.csv")
    res.timings["build+charts"] = time.perf_counter() - t
    writers = {"docx": lambda: render_docx(rep), "pdf": lambda: render_pdf(rep, settings.data_dir),
               "html": lambda: render_html(rep, settings.data_dir).encode("utf-8")}
    for fmt in FORMATS:
        if fmt in formats:
            t = time.perf_counter()
            path = out_dir / f"{name}.{fmt}"
            _atomic_write(path, writers[fmt]())
            res.files[fmt] = path
            res.timings[fmt] = time.perf_counter() - t
    path = out_dir / f"{name}.csv"
    _atomic_write(path, items_csv(data))
    res.files["csv"] = path
    res.params = {"version": PARAMS_VERSION, **period.as_params(), "template": template, "lang": lang,
                  "formats": [f for f in FORMATS if f in formats], "as_of": iso(as_of), "issued": issued.isoformat(),
                  "basis": "published, else stored (created_at)", "max_rows": max_rows,
                  "attention_max": attention_max, "items": data.total, "previous_items": data.prev_total,
                  "files": {k: str(v) for k, v in res.files.items()}}
    if reproduces is not None:
        res.params["reproduces"] = reproduces
    if record:
        primary = res.files[next(f for f in FORMATS if f in formats)]
        res.id = store.add_report(period.kind, res.params, str(primary))
    return res


def stored_params(store, report_id: int) -> dict:
    row = store.conn.execute("SELECT * FROM reports WHERE id=?", (report_id,)).fetchone()
    if row is None:
        raise KeyError(f"no report with id {report_id}")
    return json.loads(row["params"])


def regenerate(store, settings, report_id: int, out_dir: Path | None = None) -> Generated:
    """Write a stored report again from its parameters (same period, template, language, cut-off)."""
    from datetime import date

    p = stored_params(store, report_id)
    period = Period(p["period"], date.fromisoformat(p["start"]), date.fromisoformat(p["end"]))
    return generate(store, settings, period, template=p["template"], lang=p["lang"], formats=tuple(p["formats"]),
                    as_of=parse_iso(p["as_of"]), out_dir=out_dir, max_rows=p.get("max_rows", DEFAULT_MAX_ROWS),
                    attention_max=p.get("attention_max", DEFAULT_ATTENTION_MAX),
                    issued=date.fromisoformat(p["issued"]) if p.get("issued") else None, reproduces=report_id)


# --------------------------------------------------------------------------- e-mail
def role_recipients(store, settings, role: str) -> list[str]:
    """Addresses for a role: ``reports.recipients.<role>`` in DATA_DIR/notify.yaml, plus active users of that
    role with an e-mail address (when the users table has them)."""
    conf = _notify_conf(settings)
    out = list(((conf.get("reports") or {}).get("recipients") or {}).get(role) or [])
    cols = db.columns(store.conn, "users")
    if "email" in cols:
        active = " AND active=1" if "active" in cols else ""
        out += [r[0] for r in store.conn.execute(
            f"SELECT email FROM users WHERE role=? AND email IS NOT NULL AND email != ''{active}", (role,))]
    return sorted(set(out))


def _notify_conf(settings) -> dict:
    path = Path(settings.data_dir) / "notify.yaml"
    if not path.exists():
        return {}
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise TemplateError(f"{path}: not valid YAML ({exc})") from exc


def email_report(store, settings, gen: Generated, role: str, formats=("docx", "pdf")) -> list[str]:
    """Send the report's files to everyone on ``role``'s list, over the SMTP server in DATA_DIR/notify.yaml
    (``smtp: {host, port, starttls, username, from}``; password from PRESSWATCH_SMTP_PASSWORD). Returns the
    addresses; raises RuntimeError when nothing can be sent."""
    to = role_recipients(store, settings, role)
    if not to:
        raise RuntimeError(f"no e-mail addresses for role {role!r}: add users of that role with an e-mail, or "
                           f"reports.recipients.{role} in {Path(settings.data_dir) / 'notify.yaml'}")
    smtp = _notify_conf(settings).get("smtp") or {}
    if not smtp.get("host"):
        raise RuntimeError(f"no smtp.host in {Path(settings.data_dir) / 'notify.yaml'}")
    msg = EmailMessage()
    msg["From"] = smtp.get("from", "presswatch@localhost")
    msg["To"] = ", ".join(to)
    msg["Subject"] = f"[Presswatch] Báo cáo dư luận báo chí {gen.period.label('vi')}"
    msg.set_content(f"Báo cáo dư luận báo chí {gen.period.label('vi')} ({gen.total} tin, bài) đính kèm.\n"
                    f"Press coverage report for {gen.period.label('en')} attached.\n")
    for fmt in formats:
        path = gen.files.get(fmt)
        if path:
            maintype, subtype = MIME[fmt].split("/", 1)
            msg.add_attachment(path.read_bytes(), maintype=maintype, subtype=subtype, filename=path.name)
    with smtplib.SMTP(smtp["host"], int(smtp.get("port", 25)), timeout=30) as s:
        if smtp.get("starttls"):
            s.starttls()
        if smtp.get("username"):
            s.login(smtp["username"], os.environ.get("PRESSWATCH_SMTP_PASSWORD", ""))
        s.send_message(msg)
    return to
