"""Triage stage: a risk score with reasons in plain Vietnamese, and whether the story raises an alert.

The weights and thresholds are data (``thresholds.yaml``); the reasons name every term that added risk."""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path

import yaml

from presswatch.config import PACKAGE_DATA
from presswatch.gazetteer import load_gazetteer
from presswatch.record import Document, utcnow

log = logging.getLogger("presswatch.triage")

TOPIC_VI = {
    "sovereignty": "chủ quyền, biên giới", "foreign_relations": "quan hệ đối ngoại",
    "human_rights": "nhân quyền, dân chủ", "religion_ethnicity": "tôn giáo, dân tộc",
    "investment_economy": "đầu tư, kinh tế", "labour": "lao động, khu công nghiệp",
    "tourism_culture": "du lịch, văn hóa", "local_issues": "vấn đề nóng ở địa phương",
    "politics_governance": "chính trị, chính quyền", "social_welfare": "an sinh xã hội",
}
STANCE_VI = {"distorting": "có dấu hiệu xuyên tạc, sai sự thật", "critical": "phản ánh tồn tại, hạn chế cần khắc phục",
             "supportive": "tích cực, ủng hộ", "neutral": "đưa tin trung lập"}
SOURCE_VI = {"social": "nguồn mạng xã hội", "blog_forum": "nguồn blog, diễn đàn", "foreign_press": "báo chí nước ngoài",
             "other": "nguồn khác"}


@dataclass
class Policy:
    alert_threshold: float
    topic_thresholds: dict[str, float]
    weights: dict
    not_relevant_factor: float
    topic_sensitivity: dict[str, str]
    monitored: tuple[str, ...]
    province_thresholds: dict[str, dict[str, float]] = field(default_factory=dict)
    velocity: dict = field(default_factory=dict)
    calendar: list[dict] = field(default_factory=list)
    calendar_lead_days: int = 3
    level_factor: dict[int, float] = field(default_factory=dict)
    spikes: list[dict] = field(default_factory=list)
    severity: dict[str, float] = field(default_factory=lambda: {"high": 0.75, "medium": 0.5})
    security_topics: tuple[str, ...] = ()
    security_stances: tuple[str, ...] = ()
    departments: dict[str, dict] = field(default_factory=dict)
    routing: dict = field(default_factory=dict)

    def bar(self, topics: list[str], provinces: list[str]) -> float:
        """The alert threshold for a document: the lowest of the default, its topics' and its provinces' bars."""
        bars = [self.alert_threshold] + [self.topic_thresholds.get(t, self.alert_threshold) for t in topics]
        for p in provinces:
            per = self.province_thresholds.get(p, {})
            bars += [per[t] for t in topics if t in per]
        return min(bars)


def load_policy(path: str | Path | None = None, monitored: tuple[str, ...] = (),
                calendar_path: str | Path | None = None) -> Policy:
    return _load(str(path or PACKAGE_DATA / "thresholds.yaml"), tuple(monitored),
                 str(calendar_path or PACKAGE_DATA / "calendar.yaml"))


@lru_cache(maxsize=8)
def _load(path: str, monitored: tuple[str, ...], calendar_path: str) -> Policy:
    d = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    tax = yaml.safe_load((PACKAGE_DATA / "taxonomy.yaml").read_text(encoding="utf-8"))
    # a data dir's thresholds.yaml may be an older copy: the bundled file supplies what it lacks
    bundled = yaml.safe_load((PACKAGE_DATA / "thresholds.yaml").read_text(encoding="utf-8"))
    get = lambda k: d.get(k, bundled.get(k))  # noqa: E731
    cal_file = Path(calendar_path)
    cal = yaml.safe_load(cal_file.read_text(encoding="utf-8")) if cal_file.exists() else {"events": []}
    sec = get("security") or {}
    cal_conf = get("calendar") or {}
    return Policy(
        alert_threshold=float(d["alert_threshold"]),
        topic_thresholds={k: float(v) for k, v in (d.get("topic_thresholds") or {}).items()},
        weights=d["weights"],
        not_relevant_factor=float(d.get("relevance", {}).get("not_relevant_factor", 0.3)),
        topic_sensitivity={t["id"]: t.get("sensitivity", "promoted") for t in tax["topics"]},
        monitored=monitored,
        province_thresholds={p: {t: float(v) for t, v in (m or {}).items()}
                             for p, m in (get("province_thresholds") or {}).items()},
        velocity=get("velocity") or {},
        calendar=[_event(e) for e in cal.get("events") or []],
        calendar_lead_days=int(cal_conf.get("lead_days", 3)),
        level_factor={int(k): float(v) for k, v in (cal_conf.get("level_factor") or {}).items()},
        spikes=list(get("spikes") or []),
        severity={k: float(v) for k, v in (get("severity") or {"high": 0.75, "medium": 0.5}).items()},
        security_topics=tuple(sec.get("topics") or ()),
        security_stances=tuple(sec.get("stances") or ()),
        departments=get("departments") or {},
        routing=get("routing") or {},
    )


def _event(e: dict) -> dict:
    e = dict(e)
    for k in ("date", "start", "end"):
        if isinstance(e.get(k), str):
            e[k] = date.fromisoformat(e[k])
    e.setdefault("level", 1)
    e["topics"] = tuple(e.get("topics") or ())
    e["provinces"] = tuple(e.get("provinces") or ())
    return e


# ---------------------------------------------------------------------------------------------- calendar
def active_events(policy: Policy, day: date) -> list[dict]:
    """Events whose watch period covers ``day`` (dated events from lead_days before to the day after)."""
    out = []
    lead = timedelta(days=policy.calendar_lead_days)
    for e in policy.calendar:
        if "date" in e:
            on = e["date"] - lead <= day <= e["date"] + timedelta(days=1)
        elif "start" in e:
            on = e["start"] <= day <= e.get("end", e["start"])
        elif "recurring" in e:
            r = e["recurring"]
            start = _md(r["start"], day.year)
            end = _md(r.get("end", r["start"]), day.year)
            if r.get("end"):
                on = start <= day <= end
            else:
                on = start - lead <= day <= start + timedelta(days=1)
        else:
            on = False
        if on:
            out.append(e)
    return out


def _md(md: str, year: int) -> date:
    m, d = (int(x) for x in md.split("-"))
    return date(year, m, d)


def watch_level(policy: Policy, day: date, topics: list[str], provinces: list[str]) -> tuple[int, list[dict]]:
    hits = [e for e in active_events(policy, day) if e["level"] > 0
            and (not e["topics"] or set(e["topics"]) & set(topics))
            and (not e["provinces"] or set(e["provinces"]) & set(provinces))]
    return (max((e["level"] for e in hits), default=0), hits)


def _doc_day(doc: Document) -> date:
    when = doc.extraction.published or (doc.fetch.fetched_at if doc.fetch else None) or utcnow()
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(timezone(timedelta(hours=7))).date()  # the province's calendar day (UTC+7)


def triage(doc: Document, policy: Policy, activity: tuple[int, int] | None = None) -> Document:
    """Score one document. ``activity`` is the story's spread so far: (copies within the velocity window,
    counting this one; distinct sources among them); None when the caller has no store at hand."""
    e = doc.enrichment
    w = policy.weights
    reasons: list[str] = []
    risk = 0.0
    s = w["stance"].get(e.stance, 0.0)
    if s > 0:
        reasons.append(f"Nội dung {STANCE_VI[e.stance]} (+{s:.2f})")
    risk += s
    s = w["sentiment"].get(e.sentiment, 0.0)
    if s > 0:
        reasons.append(f"Sắc thái tiêu cực (+{s:.2f})")
    risk += s
    sens = [(w["topic_sensitivity"].get(policy.topic_sensitivity.get(t, "promoted"), 0.0), t) for t in e.topics]
    if sens:
        best, topic = max(sens)
        if best > 0:
            reasons.append(f"Chủ đề nhạy cảm: {TOPIC_VI.get(topic, topic)} (+{best:.2f})")
        risk += best
    s = w["source_type"].get(doc.source.source_type, 0.0) + w["trust_tier"].get(doc.source.trust_tier, 0.0)
    if s > 0:
        label = SOURCE_VI.get(doc.source.source_type, "nguồn")
        reasons.append(f"{label[0].upper() + label[1:]}, mức tin cậy {doc.source.trust_tier} (+{s:.2f})")
    risk += s
    if activity and policy.velocity:
        copies, sources = activity
        add = 0.0
        for step in policy.velocity.get("steps", []):
            if copies >= step["copies"] and sources >= step.get("sources", 1):
                add = max(add, float(step["add"]))
        if add > 0:
            hours = policy.velocity.get("window_hours", 6)
            reasons.append(f"Lan truyền nhanh: {copies} bản từ {sources} nguồn trong {hours} giờ qua "
                           f"({copies / hours:.1f} bản/giờ) (+{add:.2f})")
        risk += add
    risk = max(0.0, min(1.0, risk))
    relevant = [p for p in e.provinces if not policy.monitored or p.id in policy.monitored]
    if relevant:
        top = max(relevant, key=lambda p: p.score)
        factor = 0.5 + 0.5 * top.score
        reasons.append(f"Liên quan đến tỉnh {load_gazetteer().label(top.id)} (mức {top.score:.2f}: "
                       + ", ".join(top.evidence[:3]) + ")")
    else:
        factor = policy.not_relevant_factor
        reasons.append("Không liên quan trực tiếp đến tỉnh được theo dõi")
    e.risk = round(risk * factor, 3)
    prov_ids = [p.id for p in relevant]
    bar = policy.bar(e.topics, prov_ids)
    level, events = watch_level(policy, _doc_day(doc), e.topics, prov_ids) if relevant else (0, [])
    if level:
        bar = round(bar * policy.level_factor.get(level, 1.0), 3)
        reasons.append("Thời gian theo dõi cao điểm (mức " + str(level) + "): "
                       + "; ".join(ev["vi"] for ev in events) + f" — ngưỡng cảnh báo hạ còn {bar:.2f}")
    e.alert = bool(relevant) and e.risk >= bar and (e.stance in ("distorting", "critical") or e.sentiment == "negative")
    if e.alert:
        reasons.append(f"Điểm rủi ro {e.risk:.2f} ≥ ngưỡng {bar:.2f}: cần xem xét")
    e.risk_reasons = reasons
    return doc


# ------------------------------------------------------------------------------------------- alert routing
def severity(policy: Policy, risk: float) -> str:
    if risk >= policy.severity.get("high", 0.75):
        return "high"
    return "medium" if risk >= policy.severity.get("medium", 0.5) else "low"


def route(policy: Policy, kind: str, stance: str | None, topics: list[str]) -> tuple[str, bool]:
    """(department, security-tagged) for a new alert, from the routing table in thresholds.yaml."""
    security = stance in policy.security_stances or bool(set(topics) & set(policy.security_topics))
    r = policy.routing
    if security and r.get("security"):
        return r["security"], True
    dept = (r.get("kind") or {}).get(kind)
    if not dept:
        dept = next((r["topic"][t] for t in topics if t in (r.get("topic") or {})), None)
    return dept or r.get("default") or "so_tttt", security


def after_save(store, policy: Policy, doc: Document, outcome: dict) -> None:
    """Route a newly raised alert (department, security tag, severity); refresh severity when a copy raised
    the story's risk. Runs right after ``Store.save_processed``."""
    aid = outcome.get("alert_id")
    if not aid:
        return
    row = store.conn.execute("SELECT kind, risk, department FROM alerts WHERE id=?", (aid,)).fetchone()
    sev = severity(policy, row["risk"])
    if outcome.get("new_alert"):
        dept, sec = route(policy, row["kind"], doc.enrichment.stance, doc.enrichment.topics)
        store.conn.execute("UPDATE alerts SET department=?, security=?, severity=? WHERE id=?",
                           (dept, int(sec), sev, aid))
    else:
        store.conn.execute("UPDATE alerts SET severity=? WHERE id=? AND severity != ?", (sev, aid, sev))


# ------------------------------------------------------------------------------------------------ spikes
@dataclass
class Spike:
    province: str
    topic: str
    window: str
    recent: int
    expected: float
    ratio: float
    recent_hours: int
    baseline_hours: int
    last_doc_id: int


def detect_spikes(events, now: datetime, windows: list[dict], monitored: tuple[str, ...] = ()) -> list[Spike]:
    """``events``: iterable of (doc_id, created_at datetime, provinces, topics). For each window, the count in
    the last ``recent_hours`` is compared with the rate over the ``baseline_hours`` before it. A spike needs
    at least ``min_count`` items and ``ratio`` times the expected count (plus one, so an empty baseline
    does not make two items a spike)."""
    events = list(events)
    out: list[Spike] = []
    for w in windows:
        rh, bh = int(w["recent_hours"]), int(w["baseline_hours"])
        r0 = now - timedelta(hours=rh)
        b0 = r0 - timedelta(hours=bh)
        recent: dict[tuple[str, str], list[int]] = {}
        base: dict[tuple[str, str], int] = {}
        for doc_id, at, provinces, topics in events:
            if at > now or at < b0:
                continue
            for p in provinces:
                if monitored and p not in monitored:
                    continue
                for t in topics:
                    if at >= r0:
                        recent.setdefault((p, t), []).append(doc_id)
                    else:
                        base[(p, t)] = base.get((p, t), 0) + 1
        for (p, t), ids in recent.items():
            expected = base.get((p, t), 0) * rh / bh
            n = len(ids)
            if n >= int(w.get("min_count", 5)) and n >= float(w["ratio"]) * (expected + 1):
                out.append(Spike(p, t, w["name"], n, round(expected, 2), round(n / max(expected, 1e-9), 1)
                                 if expected else float("inf"), rh, bh, max(ids)))
    return out


def raise_spike_alerts(store, policy: Policy, now: datetime | None = None) -> list[int]:
    """Detect spikes over the store's processed documents and raise one alert per spike (not again while
    the same province x topic x window spike was raised within its recent window)."""
    if not policy.spikes:
        return []
    now = now or utcnow()
    longest = max(int(w["recent_hours"]) + int(w["baseline_hours"]) for w in policy.spikes)
    since = (now - timedelta(hours=longest)).isoformat(timespec="seconds")
    rows = store.conn.execute(
        "SELECT id, created_at, provinces, topics FROM documents WHERE status='processed' AND created_at >= ?",
        (since,)).fetchall()
    events = [(r["id"], datetime.fromisoformat(r["created_at"]), json.loads(r["provinces"]), json.loads(r["topics"]))
              for r in rows]
    gaz = load_gazetteer()
    raised = []
    for sp in detect_spikes(events, now, policy.spikes, policy.monitored):
        prefix = f"spike:{sp.province}:{sp.topic}:{sp.window}:"
        recent_cut = (now - timedelta(hours=sp.recent_hours)).isoformat(timespec="seconds")
        if store.conn.execute("SELECT 1 FROM alerts WHERE story_id LIKE ? AND created_at >= ?",
                              (prefix + "%", recent_cut)).fetchone():
            continue
        times = "giờ" if sp.recent_hours == 1 else f"{sp.recent_hours} giờ"
        base = (f"mức nền {sp.baseline_hours} giờ trước đó: trung bình {sp.expected:.1f} tin mỗi {times}"
                if sp.expected else f"không có tin nào trong {sp.baseline_hours} giờ trước đó")
        reasons = [f"Số tin về {TOPIC_VI.get(sp.topic, sp.topic)} liên quan tỉnh {gaz.label(sp.province)} tăng đột biến: "
                   f"{sp.recent} tin trong {times} qua ({base})"]
        risk = round(min(1.0, 0.5 + 0.05 * min(sp.recent / max(sp.expected, 1.0), 8)), 3)
        dept, sec = route(policy, "spike", None, [sp.topic])
        at = now.isoformat(timespec="seconds")
        with store.tx() as c:
            cur = c.execute(
                "INSERT INTO alerts (story_id, doc_id, kind, status, risk, reasons, created_at, updated_at, department,"
                " security, severity, trigger) VALUES (?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(story_id) DO NOTHING",
                (prefix + at, sp.last_doc_id, "spike", "new", risk, json.dumps(reasons, ensure_ascii=False), at, at,
                 dept, int(sec), severity(policy, risk), "spike"))
            if cur.rowcount:
                c.execute("INSERT INTO review_events (alert_id, at, actor, action, to_status, note) VALUES (?,?,?,?,?,?)",
                          (cur.lastrowid, at, "system", "raised", "new", reasons[0]))
                raised.append(cur.lastrowid)
    return raised


# ------------------------------------------------------------------------------------------ saved searches
def check_saved_searches(store, index, policy: Policy | None = None) -> list[int]:
    """Run each alerting saved search against the index; documents newer than the search's high-water mark
    whose story has no alert yet raise a ``saved_search`` alert."""
    searches = store.conn.execute("SELECT * FROM saved_searches WHERE raises_alerts=1").fetchall()
    if not searches:
        return []
    policy = policy or load_policy()
    raised = []
    for ss in searches:
        try:
            _, hits = index.search(ss["query"], limit=200)
        except Exception as exc:  # noqa: BLE001 - a bad saved query must not stop indexing
            log.warning("saved search %s (%r) failed: %s", ss["id"], ss["query"], exc)
            continue
        new = sorted(h.id for h in hits if h.id > ss["last_doc_id"])
        top = max([ss["last_doc_id"]] + new)
        with store.tx() as c:
            for doc_id in new:
                d = c.execute("SELECT story_id, risk, stance, topics FROM documents WHERE id=? AND status='processed'",
                              (doc_id,)).fetchone()
                if d is None or not d["story_id"]:
                    continue
                at = utcnow().isoformat(timespec="seconds")
                reasons = [f"Khớp tìm kiếm đã lưu “{ss['name']}” ({ss['query']})"]
                risk = max(d["risk"], 0.5)
                dept, sec = route(policy, "saved_search", d["stance"], json.loads(d["topics"]))
                cur = c.execute(
                    "INSERT INTO alerts (story_id, doc_id, kind, status, risk, reasons, created_at, updated_at,"
                    " department, security, severity, trigger) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"
                    " ON CONFLICT(story_id) DO NOTHING",
                    (d["story_id"], doc_id, "saved_search", "new", risk, json.dumps(reasons, ensure_ascii=False),
                     at, at, dept, int(sec), severity(policy, risk), "saved_search"))
                if cur.rowcount:
                    c.execute("INSERT INTO review_events (alert_id, at, actor, action, to_status, note)"
                              " VALUES (?,?,?,?,?,?)", (cur.lastrowid, at, "system", "raised", "new", reasons[0]))
                    raised.append(cur.lastrowid)
            c.execute("UPDATE saved_searches SET last_doc_id=? WHERE id=?", (top, ss["id"]))
    return raised


# -------------------------------------------------------------------------------------------- after a batch
def after_batch(store, settings, policy: Policy, counts=None) -> None:
    """Once per processed batch: route alerts a crash left unrouted, detect volume spikes, send the
    notifications that are due. Failures here are logged and never lose the batch's documents."""
    try:
        for r in store.conn.execute(
                "SELECT a.id, a.kind, a.risk, d.stance, d.topics FROM alerts a JOIN documents d ON d.id=a.doc_id"
                " WHERE a.department IS NULL").fetchall():
            dept, sec = route(policy, r["kind"], r["stance"], json.loads(r["topics"]))
            store.conn.execute("UPDATE alerts SET department=?, security=?, severity=? WHERE id=?",
                               (dept, int(sec), severity(policy, r["risk"]), r["id"]))
        raise_spike_alerts(store, policy)
    except Exception:  # noqa: BLE001
        log.exception("routing / spike detection failed; the documents are saved")
    try:
        from presswatch.notify import dispatch

        dispatch(store, settings)
    except Exception:  # noqa: BLE001
        log.exception("notification dispatch failed; it is retried after the next batch")
