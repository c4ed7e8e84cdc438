"""The alert review workflow, shared by the web queue and the CLI (one way to make each decision).

Two paths (plans-digest take-away 2, §3.5): a *distortion* is clarified or rebutted, with the link to the
published rebuttal; a *local problem* reported by the press is routed to the department that must fix it
(remedy request / referral) and is never "rebutted". Every decision is a person's, written in the same
transaction as its audit row (before/after), a ``review_events`` row, and, for final dispositions, a
training example for the classifier (confirmed / dismissed / corrected labels)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import urlsplit

from . import audit
from .storage import ALERT_STATUSES, alert_kind, iso

STATUS_LABELS = {
    "new": ("mới", "new"), "in_progress": ("đang xử lý", "in progress"), "verified": ("đã xác minh", "verified"),
    "informed": ("đã cung cấp thông tin / đã giải thích", "informed / clarified"),
    "rebutted": ("đã phản bác", "rebutted"), "referred": ("đã chuyển cơ quan chức năng", "referred"),
    "no_action": ("không cần xử lý", "no action needed"),
}
OPEN_STATUSES = ("new", "in_progress", "verified")
KIND_LABELS = {
    "distortion": ("Xuyên tạc — cần giải thích, phản bác", "Distortion — clarify or rebut"),
    "local_problem": ("Vấn đề địa phương — cần khắc phục", "Local problem — route for a fix"),
    "sensitive": ("Nội dung nhạy cảm", "Sensitive content"),
    "spike": ("Tăng đột biến số tin", "Volume spike"),
    "saved_search": ("Khớp tìm kiếm đã lưu", "Saved-search match"),
}


@dataclass(frozen=True)
class Action:
    vi: str
    en: str
    status: str              # the status the alert moves to
    needs_url: bool = False
    needs_target: bool = False


ACTIONS: dict[str, Action] = {
    "official_info": Action("Cung cấp thông tin chính thống", "Official information", "informed"),
    "clarification": Action("Giải thích, làm rõ", "Clarification", "informed"),
    "rebuttal": Action("Phản bác (đường dẫn bài phản bác đã đăng)", "Rebuttal (link to the published rebuttal)",
                       "rebutted", needs_url=True),
    "correction_request": Action("Đề nghị cơ quan báo chí cải chính", "Correction request to the outlet",
                                 "in_progress", needs_target=True),
    "takedown_request": Action("Đề nghị nền tảng gỡ bỏ", "Takedown request to the platform", "in_progress",
                               needs_target=True),
    "referral": Action("Chuyển cơ quan chức năng", "Referral to another agency", "referred", needs_target=True),
    "remedy_request": Action("Đề nghị khắc phục (vấn đề địa phương)", "Remedy request for a local problem",
                             "referred", needs_target=True),
}
PATHS: dict[str, tuple[str, ...]] = {
    "distortion": ("rebuttal", "clarification", "official_info", "correction_request", "takedown_request", "referral"),
    "local_problem": ("remedy_request", "referral", "official_info"),
    "sensitive": ("official_info", "clarification", "referral", "correction_request"),
    "spike": ("official_info", "clarification", "referral"),
    "saved_search": ("official_info", "clarification", "referral", "remedy_request"),
}
CONFIRMING = {"verified", "informed", "rebutted", "referred"}


class WorkflowError(ValueError):
    """A decision that the workflow refuses; the message says why and what to do instead."""


def label(mapping: dict, key: str, lang: str) -> str:
    v = mapping.get(key)
    if v is None:
        return key
    return v[0] if lang == "vi" else v[1]


def check_url(url: str | None) -> str | None:
    if not url:
        return None
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > 2000:
        raise WorkflowError("đường dẫn phải là http(s):// (the link must be an http(s) URL)")
    return url


def _state(row) -> dict:
    return {k: row[k] for k in ("status", "kind", "department", "assignee", "due_at", "response_url")}


def _actor(actor) -> tuple[str, str | None]:
    return (actor.username, actor.role) if hasattr(actor, "username") else (str(actor), None)


def get_alert(store, alert_id: int):
    return store.conn.execute(
        "SELECT a.*, d.title, d.url, d.source_id, d.source_type, d.stance, d.sentiment, d.topics, d.provinces,"
        " d.lang, d.published, COALESCE(s.doc_count, 1) AS copies FROM alerts a JOIN documents d ON d.id=a.doc_id"
        " LEFT JOIN stories s ON s.id=a.story_id WHERE a.id=?", (alert_id,)).fetchone()


def decide(store, alert_id: int, actor, *, status: str | None = None, action: str | None = None,
           url: str | None = None, target: str | None = None, note: str | None = None,
           channel: str = "web") -> dict:
    """Record a status change and/or a response action. Returns the state after."""
    who, role = _actor(actor)
    note = (note or "").strip() or None
    url = check_url(url)
    target = (target or "").strip() or None
    if status is not None and status not in ALERT_STATUSES:
        raise WorkflowError(f"unknown status {status!r}; use one of: {', '.join(ALERT_STATUSES)}")
    if action is not None and action not in ACTIONS:
        raise WorkflowError(f"unknown action {action!r}; use one of: {', '.join(ACTIONS)}")
    now = iso(datetime.now(timezone.utc))
    with store.tx() as c:
        row = c.execute("SELECT * FROM alerts WHERE id=?", (alert_id,)).fetchone()
        if row is None:
            raise KeyError(f"no alert with id {alert_id}")
        before = _state(row)
        kind = row["kind"]
        if kind == "local_problem" and (status == "rebutted" or action == "rebuttal"):
            raise WorkflowError("phản ánh vấn đề địa phương không 'phản bác': dùng đề nghị khắc phục hoặc chuyển "
                                "cơ quan chức năng (legitimate criticism is routed for a fix, not rebutted)")
        if status == "rebutted" and action is None:
            # a rebuttal is only recorded with the link to what was published
            if url:
                action = "rebuttal"
            elif not row["response_url"]:
                raise WorkflowError("'đã phản bác' cần đường dẫn bài phản bác đã đăng "
                                    "(rebutted needs the link to the published rebuttal: --url / field 'url')")
        if action:
            if action not in PATHS.get(kind, ()):
                allowed = ", ".join(PATHS.get(kind, ()))
                raise WorkflowError(
                    f"hành động {action!r} không thuộc quy trình của loại cảnh báo {kind!r} "
                    f"(action {action!r} is not on the {kind} path; use one of: {allowed})")
            spec = ACTIONS[action]
            if spec.needs_url and not url:
                raise WorkflowError("cần đường dẫn bài đã đăng (the link to the published piece is required)")
            if spec.needs_target and not target:
                raise WorkflowError("cần nêu cơ quan / nền tảng nhận (name the agency, outlet or platform addressed)")
            status = status or spec.status
        if status == "no_action" and not note:
            raise WorkflowError("'không cần xử lý' cần ghi chú lý do (no action needs a note saying why)")
        if status is None and not note:
            raise WorkflowError("nothing to record: give a status, an action or a note")
        new_status = status or row["status"]
        response_url = url if action == "rebuttal" else row["response_url"]
        c.execute("UPDATE alerts SET status=?, response_url=?, updated_at=? WHERE id=?",
                  (new_status, response_url, now, alert_id))
        if action:
            c.execute("INSERT INTO alert_responses (alert_id, at, actor, action, url, target, note)"
                      " VALUES (?,?,?,?,?,?,?)", (alert_id, now, who, action, url, target, note))
        ev_note = "; ".join(x for x in (action and f"{action}", target, url, note) if x) or None
        c.execute("INSERT INTO review_events (alert_id, at, actor, action, from_status, to_status, note)"
                  " VALUES (?,?,?,?,?,?,?)", (alert_id, now, who, action or ("status" if status else "note"),
                                               row["status"], new_status, ev_note))
        after = dict(before, status=new_status, response_url=response_url)
        audit.append(c, actor=who, role=role, channel=channel, action="alert_" + (action or "status"),
                     object_type="alert", object_id=alert_id, before=before, after=after,
                     note=ev_note, at=now)
        if new_status != row["status"] and (new_status in CONFIRMING or new_status == "no_action"):
            _training(c, row, who, now, confirmed=new_status != "no_action")
    return after


def _training(c, alert_row, who: str, now: str, confirmed: bool) -> None:
    d = c.execute("SELECT stance, sentiment, topics FROM documents WHERE id=?", (alert_row["doc_id"],)).fetchone()
    lab = {"alert": confirmed}
    if confirmed:
        lab.update(stance=d["stance"], sentiment=d["sentiment"], topics=json.loads(d["topics"]))
    c.execute("INSERT INTO training_examples (doc_id, alert_id, label, origin, actor, at) VALUES (?,?,?,?,?,?)",
              (alert_row["doc_id"], alert_row["id"], json.dumps(lab, ensure_ascii=False),
               "confirmed" if confirmed else "dismissed", who, now))


def assign(store, alert_id: int, actor, *, department: str | None = None, assignee: str | None = None,
           due_at: str | None = None, channel: str = "web") -> dict:
    """Assign to a department and/or a person, with a due date (YYYY-MM-DD or ISO). Empty string clears."""
    who, role = _actor(actor)
    if due_at:
        try:
            d = datetime.fromisoformat(due_at)
        except ValueError as exc:
            raise WorkflowError(f"due date {due_at!r}: use YYYY-MM-DD") from exc
        due_at = d.date().isoformat() if len(due_at) <= 10 else iso(d)
    now = iso(datetime.now(timezone.utc))
    with store.tx() as c:
        row = c.execute("SELECT * FROM alerts WHERE id=?", (alert_id,)).fetchone()
        if row is None:
            raise KeyError(f"no alert with id {alert_id}")
        if assignee and not c.execute("SELECT 1 FROM users WHERE username=? AND active=1", (assignee,)).fetchone():
            raise WorkflowError(f"no active user {assignee!r}")
        before = _state(row)
        new = dict(before)
        for k, v in (("department", department), ("assignee", assignee), ("due_at", due_at)):
            if v is not None:
                new[k] = v or None
        if new == before:
            return before
        status = "in_progress" if row["status"] == "new" else row["status"]
        new["status"] = status
        c.execute("UPDATE alerts SET department=?, assignee=?, due_at=?, status=?, updated_at=? WHERE id=?",
                  (new["department"], new["assignee"], new["due_at"], status, now, alert_id))
        note = ", ".join(f"{k}={new[k]}" for k in ("department", "assignee", "due_at") if new[k] != before[k])
        c.execute("INSERT INTO review_events (alert_id, at, actor, action, from_status, to_status, note)"
                  " VALUES (?,?,?,?,?,?,?)", (alert_id, now, who, "assign", row["status"], status, note))
        audit.append(c, actor=who, role=role, channel=channel, action="alert_assign", object_type="alert",
                     object_id=alert_id, before=before, after=new, at=now)
    return new


def correct_labels(store, alert_id: int, actor, *, stance: str | None = None, topics: list[str] | None = None,
                   sentiment: str | None = None, channel: str = "web") -> dict:
    """A reviewer corrects the classifier. The document's machine labels stay as they were (they are the
    model's output); the correction becomes a training example, and a corrected stance moves the alert to
    the matching path (distortion ↔ local problem)."""
    from .record import SENTIMENTS, STANCES, TOPICS

    who, role = _actor(actor)
    if stance and stance not in STANCES:
        raise WorkflowError(f"unknown stance {stance!r}; use one of: {', '.join(STANCES)}")
    if sentiment and sentiment not in SENTIMENTS:
        raise WorkflowError(f"unknown sentiment {sentiment!r}")
    bad = [t for t in topics or [] if t not in TOPICS]
    if bad:
        raise WorkflowError(f"unknown topic(s) {', '.join(bad)}")
    now = iso(datetime.now(timezone.utc))
    with store.tx() as c:
        row = c.execute("SELECT * FROM alerts WHERE id=?", (alert_id,)).fetchone()
        if row is None:
            raise KeyError(f"no alert with id {alert_id}")
        d = c.execute("SELECT stance, sentiment, topics FROM documents WHERE id=?", (row["doc_id"],)).fetchone()
        before = {"stance": d["stance"], "sentiment": d["sentiment"], "topics": json.loads(d["topics"]),
                  "kind": row["kind"]}
        lab = {k: v for k, v in (("stance", stance), ("sentiment", sentiment), ("topics", topics)) if v}
        if not lab:
            raise WorkflowError("nothing to correct")
        after = dict(before, **lab)
        if stance and row["kind"] in ("distortion", "local_problem", "sensitive"):
            after["kind"] = alert_kind(stance)
            c.execute("UPDATE alerts SET kind=?, updated_at=? WHERE id=?", (after["kind"], now, alert_id))
        c.execute("INSERT INTO training_examples (doc_id, alert_id, label, origin, actor, at) VALUES (?,?,?,?,?,?)",
                  (row["doc_id"], alert_id, json.dumps(lab, ensure_ascii=False), "corrected", who, now))
        audit.append(c, actor=who, role=role, channel=channel, action="alert_correct_labels", object_type="alert",
                     object_id=alert_id, before=before, after=after, at=now)
    return after


# --------------------------------------------------------------------------------------------------- queue
SORTS = {
    "risk": "a.risk DESC, a.id DESC",
    "due": "a.due_at IS NULL, a.due_at ASC, a.risk DESC",
    "new": "a.created_at DESC, a.id DESC",
    "updated": "a.updated_at DESC, a.id DESC",
}


def visibility_sql(user) -> tuple[str, list]:
    """SQL condition (on aliases a = alerts, d = documents) matching ``auth.can_view``."""
    from .auth import ROLES

    role = ROLES.get(user.role, {})
    dept = user.department
    if role.get("see_all") and role.get("cleared"):
        return "1=1", []
    if role.get("see_all"):
        return "(a.security=0 OR a.department=?)", [dept]
    ors, args = ["a.department=?"], [dept]
    topics = sorted(set(user.topics) | set(role.get("topics", ())))
    scoped = []
    # topics/provinces are JSON arrays of ids: a quoted-id LIKE is exact and much cheaper than json_each
    for t in topics:
        scoped.append("d.topics LIKE ?")
        args.append(f'%"{t}"%')
    if role.get("source_types"):
        scoped.append(f"d.source_type IN ({','.join('?' * len(role['source_types']))})")
        args += list(role["source_types"])
    for p in user.areas:
        scoped.append("d.provinces LIKE ?")
        args.append(f'%"{p}"%')
    if scoped:
        ors.append("(a.security=0 AND (" + " OR ".join(scoped) + "))")
    return "(" + " OR ".join(ors) + ")", args


def queue(store, user, *, status: str = "open", kind: str | None = None, department: str | None = None,
          assignee: str | None = None, q: str | None = None, sort: str = "risk", security: str | None = None,
          limit: int = 50, offset: int = 0) -> tuple[int, list]:
    where, args = visibility_sql(user)
    conds = [where]
    if status == "open":
        conds.append(f"a.status IN ({','.join('?' * len(OPEN_STATUSES))})")
        args += list(OPEN_STATUSES)
    elif status and status != "all":
        conds.append("a.status=?")
        args.append(status)
    if kind:
        conds.append("a.kind=?")
        args.append(kind)
    if department:
        conds.append("a.department=?")
        args.append(department)
    if assignee == "me":
        conds.append("a.assignee=?")
        args.append(user.username)
    elif assignee:
        conds.append("a.assignee=?")
        args.append(assignee)
    if security in ("0", "1"):
        conds.append("a.security=?")
        args.append(int(security))
    if q:
        conds.append("d.title LIKE ? ESCAPE '\\'")
        args.append("%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%")
    where_sql = " AND ".join(conds)
    # join documents only when a condition needs it; pick the page's ids first, then fetch 'limit' rows
    base = " FROM alerts a" + (" JOIN documents d ON d.id=a.doc_id" if "d." in where_sql else "") + " WHERE " + where_sql
    order = SORTS.get(sort, SORTS["risk"])
    total = store.conn.execute("SELECT count(*)" + base, args).fetchone()[0]
    rows = store.conn.execute(
        "SELECT a.*, d.title, d.url, d.source_id, d.source_type, d.stance, d.topics, d.provinces,"
        " (SELECT doc_count FROM stories s WHERE s.id=a.story_id) AS copies"
        f" FROM (SELECT a.id{base} ORDER BY {order} LIMIT ? OFFSET ?) AS pg"
        f" JOIN alerts a ON a.id=pg.id JOIN documents d ON d.id=a.doc_id ORDER BY {order}",
        args + [int(limit), int(offset)]).fetchall()
    return total, rows


def story(store, story_id: str) -> list:
    return store.conn.execute(
        "SELECT d.id, d.url, d.title, d.source_id, d.source_type, d.lang, d.published, d.created_at, d.duplicate_of,"
        " r.fetched_at, r.final_url, r.http_status, r.sha256, length(r.raw) AS raw_size"
        " FROM documents d LEFT JOIN raw_snapshots r ON r.doc_id=d.id WHERE d.story_id=? ORDER BY d.id",
        (story_id,)).fetchall()


def history(store, alert_id: int) -> list:
    return store.conn.execute("SELECT * FROM review_events WHERE alert_id=? ORDER BY id", (alert_id,)).fetchall()


def responses(store, alert_id: int) -> list:
    return store.conn.execute("SELECT * FROM alert_responses WHERE alert_id=? ORDER BY id", (alert_id,)).fetchall()


def training_rows(store, fmt: str = "labelled"):
    """Reviewers' decisions as training data. ``labelled``: one row per reviewed document in the format
    ``models/train.py`` reads (``review_labels``: id, family, lang, title, text, topics, sentiment, stance,
    split, tags) — the model's labels confirmed by a decision, with reviewers' corrections applied in order;
    dismissed alerts say the item needed no action but not which label was wrong, so they appear only in
    ``raw`` (every example as recorded). No reviewer names are exported."""
    rows = store.conn.execute(
        "SELECT t.*, d.title, d.lang, d.record, d.story_id, d.stance, d.sentiment, d.topics FROM training_examples t"
        " JOIN documents d ON d.id=t.doc_id ORDER BY t.id").fetchall()
    if fmt == "raw":
        for r in rows:
            rec = json.loads(r["record"])
            yield {"doc_id": r["doc_id"], "title": r["title"], "text": rec.get("extraction", {}).get("text", ""),
                   "lang": r["lang"], "label": json.loads(r["label"]), "origin": r["origin"], "at": r["at"]}
        return
    docs: dict[int, dict] = {}
    for r in rows:
        if r["origin"] == "dismissed":
            continue
        d = docs.get(r["doc_id"])
        if d is None:
            rec = json.loads(r["record"])
            d = docs[r["doc_id"]] = {
                "id": f"review-{r['doc_id']}", "family": f"review-{r['story_id']}", "lang": r["lang"] or "vi",
                "title": r["title"] or "", "text": rec.get("extraction", {}).get("text", ""),
                "topics": json.loads(r["topics"]), "sentiment": r["sentiment"], "stance": r["stance"],
                "split": "train", "tags": []}
        lab = json.loads(r["label"])
        for k in ("topics", "sentiment", "stance"):
            if lab.get(k):
                d[k] = lab[k]
        tag = f"review:{r['origin']}"
        if tag not in d["tags"]:
            d["tags"].append(tag)
    yield from docs.values()
