"""The figures a report shows, read from the store (plans-digest §6.3).

**Which items belong to a period.** An item belongs to the period in which it was *published* (the page's or
feed's date, ``documents.published``); when no publication date is known, the time Presswatch stored it
(``created_at``) stands in. Only items stored up to the report's cut-off (``as_of``) count, and alert
statuses are replayed from ``review_events`` up to the cut-off, so a report regenerated later from its
stored parameters shows the same figures (unless documents were reprocessed in between).

Everything here is aggregate: counts by source type, language, topic, sentiment, stance and province, with
the previous period beside them; no figure is about an individual author.
"""
from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from statistics import median

from .. import db
from ..gazetteer import load_gazetteer
from ..storage import iso, parse_iso
from .periods import VN_TZ, Period

BASIS = "COALESCE(d.published, d.created_at)"
OPEN_STATUSES = ("new", "in_progress", "verified")
HANDLED_STATUSES = ("informed", "rebutted", "referred", "no_action")
DIMENSIONS = ("source_type", "lang", "topic", "sentiment", "stance", "province")
# sub-topics the plans ask to count separately (§6.3 items 7-9)
WATCHED_SUBTOPICS = ("iz_labour_unrest", "sovereignty_misrepresentation", "foreign_press")


@dataclass
class Item:
    id: int
    url: str
    title: str
    source_id: str
    source_name: str
    source_type: str
    lang: str
    topics: list[str]
    subtopics: list[str]
    provinces: list[str]
    sentiment: str
    stance: str
    risk: float
    alert: bool
    story_id: str | None
    duplicate_of: int | None
    when: datetime          # publication time, else stored time (Vietnam time)
    dated: bool             # True when ``when`` is the publication time


@dataclass
class ReportData:
    period: Period
    previous: Period
    as_of: datetime
    items: list[Item]
    prev_counts: dict[str, Counter]
    counts: dict[str, Counter]
    prev_total: int
    undated: int
    late_found: int                       # stored in the period but published before it
    stories: int
    duplicates: int
    timeline: list[tuple[str, Counter]]   # (bucket label, sentiment counts)
    highlights: list[tuple[str, int, list[dict]]]  # (topic, items, top stories)
    attention: list[dict]                # the first attention_max stories
    attention_total: int
    alerts_raised: Counter
    alerts_handled: list[dict]
    alerts_open: list[dict]
    alert_status_counts: Counter          # status as of the cut-off, alerts raised in the period
    response_hours_median: float | None
    responses: Counter
    subtopic_counts: Counter
    prev_subtopic_counts: Counter
    extra: dict = field(default_factory=dict)

    @property
    def total(self) -> int:
        return len(self.items)


def _columns(conn, table: str) -> set[str]:
    return db.columns(conn, table)


def _has_table(conn, table: str) -> bool:
    return db.has_table(conn, table)


def _vn(s: str) -> datetime:
    return parse_iso(s).astimezone(VN_TZ)


@lru_cache(maxsize=8192)
def _list(raw: str | None) -> tuple:
    """JSON lists of ids (topics, provinces, sub-topics) repeat a lot: parse each distinct one once."""
    return tuple(json.loads(raw or "[]"))


def load_items(store, period: Period, as_of: datetime) -> list[Item]:
    rows = store.conn.execute(
        f"""SELECT d.id, d.url, d.title, d.source_id, d.source_type, d.lang, d.topics, d.provinces, d.sentiment,
                   d.stance, d.risk, d.alert, d.story_id, d.duplicate_of, d.published, d.created_at,
                   COALESCE(s.name, {db.json_text(store.conn, 'd.record', 'source.name')}, d.source_id) AS source_name,
                   c.subtopics AS subtopics
            FROM documents d LEFT JOIN sources s ON s.id = d.source_id
            LEFT JOIN classifications c ON c.id = (SELECT max(id) FROM classifications WHERE doc_id = d.id)
            WHERE d.status = 'processed' AND {BASIS} >= ? AND {BASIS} < ? AND d.created_at <= ?
            ORDER BY {BASIS}, d.id""",
        (iso(period.start_dt), iso(period.end_dt), iso(as_of))).fetchall()
    return [Item(id=r["id"], url=r["url"], title=r["title"] or "", source_id=r["source_id"],
                 source_name=r["source_name"] or r["source_id"], source_type=r["source_type"] or "other",
                 lang=r["lang"] or "?", topics=_list(r["topics"]),
                 subtopics=_list(r["subtopics"]), provinces=_list(r["provinces"]),
                 sentiment=r["sentiment"] or "neutral", stance=r["stance"] or "neutral", risk=r["risk"] or 0.0,
                 alert=bool(r["alert"]), story_id=r["story_id"], duplicate_of=r["duplicate_of"],
                 when=_vn(r["published"] or r["created_at"]), dated=r["published"] is not None)
            for r in rows]


def count(items: list[Item]) -> dict[str, Counter]:
    c = {k: Counter() for k in DIMENSIONS}
    for it in items:
        c["source_type"][it.source_type] += 1
        c["lang"][it.lang] += 1
        c["sentiment"][it.sentiment] += 1
        c["stance"][it.stance] += 1
        for t in it.topics or ["(none)"]:
            c["topic"][t] += 1
        for p in it.provinces:
            c["province"][p] += 1
    return c


def _bucket_key(period: Period, when: datetime) -> str:
    b = period.bucket()
    if b == "hour":
        return f"{when.hour:02d}h"
    if b == "day":
        return when.strftime("%d/%m")
    if b == "week":
        monday = (when - timedelta(days=when.weekday())).date()
        return max(monday, period.start).strftime("%d/%m")
    return when.strftime("%m/%Y")


def _bucket_labels(period: Period) -> list[str]:
    b = period.bucket()
    if b == "hour":
        return [f"{h:02d}h" for h in range(24)]
    labels, d = [], period.start
    while d <= period.end:
        key = _bucket_key(period, datetime.combine(d, datetime.min.time(), VN_TZ))
        if key not in labels:
            labels.append(key)
        d += timedelta(days=1)
    return labels


def _alert_history(store, as_of: datetime) -> dict[int, dict]:
    """Each alert's status as of the cut-off and its first human decision, replayed from review_events."""
    cols = _columns(store.conn, "alerts")
    dept = "a.department" if "department" in cols else "NULL"
    alerts = {r["id"]: dict(r) for r in store.conn.execute(
        f"SELECT a.id, a.story_id, a.doc_id, a.kind, a.risk, a.assignee, {dept} AS department, a.created_at,"
        " d.title, d.url, d.source_id FROM alerts a JOIN documents d ON d.id = a.doc_id WHERE a.created_at <= ?",
        (iso(as_of),))}
    for a in alerts.values():
        a.update(status="new", first_response=None, last_change=None, note=None)
    for e in store.conn.execute("SELECT alert_id, at, actor, to_status, note FROM review_events WHERE at <= ?"
                                " ORDER BY at, id", (iso(as_of),)):
        a = alerts.get(e["alert_id"])
        if a is None:
            continue
        if e["to_status"]:
            a["status"] = e["to_status"]
        if e["actor"] != "system":
            a["first_response"] = a["first_response"] or e["at"]
            a["last_change"] = e["at"]
            if e["to_status"]:
                a["note"] = e["note"]
    return alerts


def collect(store, period: Period, as_of: datetime, top_per_topic: int = 3, attention_max: int = 30) -> ReportData:
    items = load_items(store, period, as_of)
    prev_period = period.previous()
    prev_items = load_items(store, prev_period, as_of)
    counts, prev_counts = count(items), count(prev_items)
    start_s, end_s = iso(period.start_dt), iso(period.end_dt)

    late = store.conn.execute(
        "SELECT count(*) FROM documents WHERE status='processed' AND created_at >= ? AND created_at < ?"
        " AND created_at <= ? AND published IS NOT NULL AND published < ?",
        (start_s, end_s, iso(as_of), start_s)).fetchone()[0]

    # stories: copies of one story inside the period
    by_story: dict[str, list[Item]] = defaultdict(list)
    for it in items:
        by_story[it.story_id or f"doc:{it.id}"].append(it)
    story_totals = {}
    sids = [s for s in by_story if not s.startswith("doc:")]
    for i in range(0, len(sids), 500):
        chunk = sids[i:i + 500]
        for r in store.conn.execute(f"SELECT id, doc_count FROM stories WHERE id IN ({','.join('?' * len(chunk))})",
                                    chunk):
            story_totals[r["id"]] = r["doc_count"]

    history = _alert_history(store, as_of)
    alert_by_story = {a["story_id"]: a for a in history.values()}

    # one pass over the stories for the cheap sort keys; full views only for the stories shown
    stats: dict[str, tuple] = {}
    for sid, group in by_story.items():
        # the story is headed by an original, in Vietnamese when the story has one (a clustered story may
        # hold a foreign outlet's report of the same event), then by risk and time
        lead = min(group, key=lambda x: (x.duplicate_of is not None, x.lang != "vi", -x.risk, x.when))
        stats[sid] = (len(group), max(x.risk for x in group), min(x.when for x in group), lead)

    def story_view(sid: str) -> dict:
        group = by_story[sid]
        n, risk, first, lead = stats[sid]
        return {"story": sid, "lead": lead, "copies": n, "sources": len({x.source_id for x in group}),
                "source_types": sorted({x.source_type for x in group}), "copies_total": story_totals.get(sid, 1),
                "first": first, "last": max(x.when for x in group), "alert": alert_by_story.get(sid), "risk": risk}

    # highlights by topic: the most-covered stories of each topic
    topic_stories: dict[str, set[str]] = defaultdict(set)
    for sid, group in by_story.items():
        for t in {t for x in group for t in x.topics}:
            topic_stories[t].add(sid)
    highlights = []
    for topic, n in counts["topic"].most_common():
        if topic not in topic_stories:
            continue
        top = sorted(topic_stories[topic], key=lambda s: (-stats[s][0], -stats[s][1], stats[s][2], s))[:top_per_topic]
        highlights.append((topic, n, [story_view(s) for s in top]))

    # negative and distorting items needing attention, one row per story (distortions first, then by risk)
    negative = [sid for sid, group in by_story.items()
                if any(x.sentiment == "negative" or x.stance in ("critical", "distorting") for x in group)]
    negative.sort(key=lambda s: (stats[s][3].stance != "distorting", -stats[s][1], stats[s][2], s))
    attention = [story_view(s) for s in negative[:attention_max]]

    # alerts: raised in the period, decided in the period, open at the cut-off
    raised = [a for a in history.values() if start_s <= a["created_at"] < end_s]
    alerts_raised = Counter(a["kind"] for a in raised)
    status_counts = Counter(a["status"] for a in raised)
    handled = [a for a in history.values()
               if a["status"] in HANDLED_STATUSES and a["last_change"] and start_s <= a["last_change"] < end_s]
    handled.sort(key=lambda a: a["last_change"])
    open_ = sorted((a for a in history.values() if a["status"] in OPEN_STATUSES), key=lambda a: -a["risk"])
    hours = [(parse_iso(a["first_response"]) - parse_iso(a["created_at"])).total_seconds() / 3600
             for a in raised if a["first_response"]]
    responses: Counter = Counter()
    if _has_table(store.conn, "alert_responses"):
        for r in store.conn.execute("SELECT action, count(*) FROM alert_responses WHERE at >= ? AND at < ? AND at <= ?"
                                    " GROUP BY action", (start_s, end_s, iso(as_of))):
            responses[r[0]] = r[1]

    # the volume chart
    buckets = {k: Counter() for k in _bucket_labels(period)}
    for it in items:
        buckets.setdefault(_bucket_key(period, it.when), Counter())[it.sentiment] += 1

    sub = Counter(s for it in items for s in set(it.subtopics) if s in WATCHED_SUBTOPICS)
    prev_sub = Counter(s for it in prev_items for s in set(it.subtopics) if s in WATCHED_SUBTOPICS)
    return ReportData(
        period=period, previous=prev_period, as_of=as_of, items=items, counts=counts, prev_counts=prev_counts,
        prev_total=len(prev_items), undated=sum(not it.dated for it in items), late_found=late,
        stories=len(by_story), duplicates=sum(it.duplicate_of is not None for it in items),
        timeline=list(buckets.items()), highlights=highlights, attention=attention, attention_total=len(negative),
        alerts_raised=alerts_raised, alerts_handled=handled, alerts_open=open_, alert_status_counts=status_counts,
        response_hours_median=round(median(hours), 1) if hours else None, responses=responses,
        subtopic_counts=sub, prev_subtopic_counts=prev_sub)


def province_label(pid: str) -> str:
    return load_gazetteer().label(pid)
