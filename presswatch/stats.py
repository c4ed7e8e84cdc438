"""Aggregates for the dashboard and the API: volume over time by a dimension, share of voice by outlet,
top stories, and spikes against each series' own baseline. Content and aggregates only — never authors."""
from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta, timezone

VN = timezone(timedelta(hours=7))
DIMENSIONS = ("topics", "sentiment", "source_type", "provinces", "lang", "stance")
_DAY = "date(COALESCE(published, created_at), '+7 hours')"  # the Vietnamese calendar day of an item


def _rows(store, start: date, end: date, hidden: set[str] | None = None):
    rows = store.conn.execute(
        f"SELECT {_DAY} AS day, topics, sentiment, source_type, provinces, lang, stance, source_id, story_id"
        f" FROM documents WHERE status='processed' AND {_DAY} >= ? AND {_DAY} <= ?",
        (start.isoformat(), end.isoformat())).fetchall()
    return [r for r in rows if not hidden or r["story_id"] not in hidden]


def _values(row, dim: str) -> list[str]:
    v = row[dim]
    if dim in ("topics", "provinces"):
        return json.loads(v or "[]") or ["(none)"]
    return [v or "(none)"]


def volume(store, dim: str, days: int = 30, today: date | None = None, hidden: set[str] | None = None) -> dict:
    """{"days": [...], "series": {value: [count per day]}} over the last ``days`` days (Vietnam time)."""
    if dim not in DIMENSIONS:
        raise ValueError(f"unknown dimension {dim!r}; use one of {', '.join(DIMENSIONS)}")
    today = today or datetime.now(VN).date()
    start = today - timedelta(days=days - 1)
    axis = [(start + timedelta(days=i)).isoformat() for i in range(days)]
    pos = {d: i for i, d in enumerate(axis)}
    series: dict[str, list[int]] = defaultdict(lambda: [0] * days)
    for r in _rows(store, start, today, hidden):
        if r["day"] in pos:
            for v in _values(r, dim):
                series[v][pos[r["day"]]] += 1
    ordered = dict(sorted(series.items(), key=lambda kv: -sum(kv[1])))
    return {"dimension": dim, "days": axis, "series": ordered}


def share_of_voice(store, days: int = 30, today: date | None = None, hidden: set[str] | None = None,
                   top: int = 10) -> list[tuple[str, int]]:
    today = today or datetime.now(VN).date()
    c = Counter(r["source_id"] for r in _rows(store, today - timedelta(days=days - 1), today, hidden))
    return c.most_common(top)


def top_stories(store, days: int = 7, today: date | None = None, hidden: set[str] | None = None,
                top: int = 10) -> list[dict]:
    """Stories with the most copies across outlets in the period (spread), then by risk."""
    today = today or datetime.now(VN).date()
    start = (today - timedelta(days=days - 1)).isoformat()
    rows = store.conn.execute(
        f"SELECT story_id, count(*) AS copies, count(DISTINCT source_id) AS outlets, max(risk) AS risk,"
        f" min(id) AS first_id FROM documents WHERE status='processed' AND story_id IS NOT NULL"
        f" AND {_DAY} >= ? GROUP BY story_id ORDER BY outlets DESC, copies DESC, risk DESC LIMIT ?",
        (start, top + len(hidden or ()))).fetchall()
    out = []
    for r in rows:
        if hidden and r["story_id"] in hidden:
            continue
        first = store.conn.execute("SELECT title, url FROM documents WHERE id=?", (r["first_id"],)).fetchone()
        out.append({"story": r["story_id"], "title": first["title"], "url": first["url"], "doc_id": r["first_id"],
                    "copies": r["copies"], "outlets": r["outlets"], "risk": r["risk"]})
    return out[:top]


def spikes(store, dim: str = "topics", today: date | None = None, baseline_days: int = 14, factor: float = 2.0,
           min_count: int = 3, hidden: set[str] | None = None) -> list[dict]:
    """Values whose count today is at least ``factor`` × their mean over the previous ``baseline_days`` days
    (and at least ``min_count``)."""
    vol = volume(store, dim, days=baseline_days + 1, today=today, hidden=hidden)
    out = []
    for value, counts in vol["series"].items():
        base = sum(counts[:-1]) / baseline_days
        now = counts[-1]
        if now >= min_count and now >= factor * max(base, 0.5):
            out.append({"dimension": dim, "value": value, "today": now, "baseline_per_day": round(base, 2),
                        "ratio": round(now / max(base, 0.5), 1)})
    return sorted(out, key=lambda s: -s["ratio"])
