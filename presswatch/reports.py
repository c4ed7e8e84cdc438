"""A first plain daily report (HTML), from the store. A later issue makes the official DOCX/PDF one."""
from __future__ import annotations

import json
from collections import Counter
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from .gazetteer import load_gazetteer
from .storage import iso
from .urls import safe_href

VN_TZ = timezone(timedelta(hours=7))
_env = Environment(loader=FileSystemLoader(Path(__file__).parent / "web" / "templates"),
                   autoescape=select_autoescape(["html"]))
_env.filters["href"] = safe_href


def daily_data(store, day: date) -> dict:
    start = datetime.combine(day, time(0), VN_TZ)
    end = start + timedelta(days=1)
    rows = store.conn.execute(
        "SELECT * FROM documents WHERE status='processed' AND created_at >= ? AND created_at < ? ORDER BY risk DESC",
        (iso(start), iso(end))).fetchall()
    by = lambda key: Counter(r[key] or "?" for r in rows)  # noqa: E731
    topics = Counter(t for r in rows for t in json.loads(r["topics"]))
    gaz = load_gazetteer()
    provinces = Counter(gaz.label(p) for r in rows for p in json.loads(r["provinces"]))
    alerts = store.conn.execute(
        "SELECT a.*, d.title, d.url FROM alerts a JOIN documents d ON d.id=a.doc_id"
        " WHERE a.created_at >= ? AND a.created_at < ? ORDER BY a.risk DESC", (iso(start), iso(end))).fetchall()
    return {"day": day, "total": len(rows), "by_source_type": by("source_type"), "by_lang": by("lang"),
            "by_sentiment": by("sentiment"), "by_stance": by("stance"), "by_topic": topics,
            "by_province": provinces, "alerts": alerts, "items": rows[:200]}


def write_daily_report(store, settings, day: date) -> Path:
    data = daily_data(store, day)
    html = _env.get_template("daily_report.html").render(**data)
    out = settings.reports_dir / f"bao-cao-ngay-{day.isoformat()}.html"
    tmp = out.with_suffix(".tmp")
    tmp.write_text(html, encoding="utf-8")
    tmp.replace(out)
    store.add_report("daily", {"day": day.isoformat()}, str(out))
    return out
