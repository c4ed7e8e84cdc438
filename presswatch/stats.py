"""Aggregates for the dashboard and the API: volume over time by a dimension, share of voice by outlet,
top stories, and spikes against each series' own baseline. Content and aggregates only — never authors.

Everything is counted in SQL (GROUP BY day and value; ``json_each`` for the multi-valued topics and
provinces), over the index ``documents_vn_day`` (storage.MIGRATION_EXTRAS[6]): its day expression is ``_day``
here, character for character — an engine uses an expression index only for the very same expression — and it holds
every column these queries read, so a period's aggregates never touch the document rows (issue 8: the
dashboard took ~15 s at 100,000 documents when every chart read the period's rows in Python).
Ties are ordered by name (value, outlet, story), so that the same data always give the same order."""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

from . import db

VN = timezone(timedelta(hours=7))
DIMENSIONS = ("topics", "sentiment", "source_type", "provinces", "lang", "stance")
MULTI = ("topics", "provinces")  # JSON lists: an item counts once per value, "(none)" when the list is empty


def _day(conn) -> str:
    """The Vietnamese calendar day of an item (published, else stored), as the day index spells it."""
    return db.vn_day(conn, "COALESCE(published, created_at)")


def _period(conn, start: date, end: date, hidden: set[str] | None) -> tuple[str, list]:
    """WHERE clause and parameters: processed items of the Vietnamese days ``start``…``end``, without the
    ``hidden`` stories. The hidden ids travel as one JSON parameter (``json_each``), so that no number of
    them reaches SQLite's limit on bound variables."""
    sql, params = f"status='processed' AND {_day(conn)} BETWEEN ? AND ?", [start.isoformat(), end.isoformat()]
    if hidden:
        ids = sorted(h for h in hidden if h is not None)
        # a None among the hidden ids hides the items without a story too (as `story_id in hidden` would)
        keep_storyless = "" if None in hidden else "story_id IS NULL OR "
        sql += f" AND ({keep_storyless}story_id NOT IN ({db.json_values(conn)}))"
        params.append(json.dumps(ids))
    return sql, params


def _today(today: date | None) -> date:
    return today or datetime.now(VN).date()


def volume(store, dim: str, days: int = 30, today: date | None = None, hidden: set[str] | None = None) -> dict:
    """{"days": [...], "series": {value: [count per day]}} over the last ``days`` days (Vietnam time),
    the series with the most items first."""
    if dim not in DIMENSIONS:
        raise ValueError(f"unknown dimension {dim!r}; use one of {', '.join(DIMENSIONS)}")
    today = _today(today)
    start = today - timedelta(days=days - 1)
    axis = [(start + timedelta(days=i)).isoformat() for i in range(days)]
    pos = {d: i for i, d in enumerate(axis)}
    where, params = _period(store.conn, start, today, hidden)
    day = _day(store.conn)
    if dim in MULTI:  # dim is one of DIMENSIONS: safe to name in SQL
        q = (f"SELECT {day} AS day, COALESCE(j.value, '(none)') AS value, count(*) AS n"
             f" FROM documents {db.left_join_json_each(store.conn, f'documents.{dim}', 'j')} WHERE {where}"
             " GROUP BY 1, 2")
    else:
        q = (f"SELECT {day} AS day, COALESCE(NULLIF({dim}, ''), '(none)') AS value, count(*) AS n"
             f" FROM documents WHERE {where} GROUP BY 1, 2")
    series: dict[str, list[int]] = {}
    for day, value, n in store.conn.execute(q, params):
        if day in pos:
            series.setdefault(value, [0] * days)[pos[day]] += n
    ordered = dict(sorted(series.items(), key=lambda kv: (-sum(kv[1]), kv[0])))
    return {"dimension": dim, "days": axis, "series": ordered}


def share_of_voice(store, days: int = 30, today: date | None = None, hidden: set[str] | None = None,
                   top: int = 10) -> list[tuple[str, int]]:
    today = _today(today)
    where, params = _period(store.conn, today - timedelta(days=days - 1), today, hidden)
    rows = store.conn.execute(f"SELECT source_id, count(*) AS n FROM documents WHERE {where}"
                              " GROUP BY source_id ORDER BY n DESC, source_id LIMIT ?", [*params, top])
    return [(r[0], r[1]) for r in rows]


def top_stories(store, days: int = 7, today: date | None = None, hidden: set[str] | None = None,
                top: int = 10) -> list[dict]:
    """Stories with the most copies across outlets in the period (spread), then by risk; each with the
    title and address of its first stored copy."""
    today = _today(today)
    where, params = _period(store.conn, today - timedelta(days=days - 1), today, hidden)
    rows = store.conn.execute(
        f"SELECT g.story_id, g.copies, g.outlets, g.risk, g.first_id, d.title, d.url FROM"
        f" (SELECT story_id, count(*) AS copies, count(DISTINCT source_id) AS outlets, max(risk) AS risk,"
        f"  min(id) AS first_id FROM documents WHERE {where} AND story_id IS NOT NULL GROUP BY story_id"
        f"  ORDER BY outlets DESC, copies DESC, risk DESC, story_id LIMIT ?) AS g"
        f" JOIN documents d ON d.id = g.first_id ORDER BY g.outlets DESC, g.copies DESC, g.risk DESC, g.story_id",
        [*params, top]).fetchall()
    return [{"story": r["story_id"], "title": r["title"], "url": r["url"], "doc_id": r["first_id"],
             "copies": r["copies"], "outlets": r["outlets"], "risk": r["risk"]} for r in rows]


def spikes_from_volume(vol: dict, baseline_days: int = 14, factor: float = 2.0, min_count: int = 3) -> list[dict]:
    """Spikes out of an already computed ``volume`` whose last day is the day looked at and which covers at
    least ``baseline_days`` days before it (the dashboard derives them from its charts' series)."""
    if len(vol["days"]) < baseline_days + 1:
        raise ValueError(f"a volume of {len(vol['days'])} days cannot hold a {baseline_days}-day baseline")
    out = []
    for value, counts in vol["series"].items():
        window = counts[-(baseline_days + 1):]
        base = sum(window[:-1]) / baseline_days
        now = window[-1]
        if now >= min_count and now >= factor * max(base, 0.5):
            out.append({"dimension": vol["dimension"], "value": value, "today": now,
                        "baseline_per_day": round(base, 2), "ratio": round(now / max(base, 0.5), 1)})
    return sorted(out, key=lambda s: (-s["ratio"], s["value"]))


def spikes(store, dim: str = "topics", today: date | None = None, baseline_days: int = 14, factor: float = 2.0,
           min_count: int = 3, hidden: set[str] | None = None) -> list[dict]:
    """Values whose count today is at least ``factor`` × their mean over the previous ``baseline_days`` days
    (and at least ``min_count``)."""
    vol = volume(store, dim, days=baseline_days + 1, today=today, hidden=hidden)
    return spikes_from_volume(vol, baseline_days, factor, min_count)
