"""A synthetic archive for report tests and the report benchmark: processed documents with enrichment,
stories with copies, alerts and review decisions, written straight into the store with bulk SQL (the
pipeline is not run: crawling 50,000 pages is not what a report benchmark measures). Deterministic for a
given seed."""
from __future__ import annotations

import json
import random
from datetime import datetime, timedelta, timezone

from ..record import SOURCE_TYPES
from ..storage import iso

TOPICS = ("sovereignty", "foreign_relations", "human_rights", "religion_ethnicity", "investment_economy", "labour",
          "tourism_culture", "local_issues", "politics_governance", "social_welfare")
SUBTOPICS = {"labour": "iz_labour_unrest", "sovereignty": "sovereignty_misrepresentation",
             "foreign_relations": "foreign_press"}
WORDS = ("Bắc Ninh", "KCN Quang Châu", "đình công", "đầu tư", "du lịch", "lễ hội", "Yên Phong", "xuất khẩu",
         "nhân quyền", "biển đảo", "khánh thành", "phản ánh", "ô nhiễm", "cải cách hành chính", "hội nghị")


def add_synthetic(store, n: int, start: datetime, end: datetime, seed: int = 7, undated_share: float = 0.05,
                  title_prefix: str = "", alert_share: float = 0.04, decide_share: float = 0.5,
                  batch: int = 5000) -> list[int]:
    """Insert ``n`` processed documents published uniformly in [start, end); returns their ids."""
    rnd = random.Random(seed)
    span = (end - start).total_seconds()
    now = datetime.now(timezone.utc)
    ids: list[int] = []
    c = store.conn
    base = (c.execute("SELECT coalesce(max(id), 0) FROM documents").fetchone()[0]) + 1
    for lo in range(0, n, batch):
        docs, cls, stories, alerts, events = [], [], {}, [], []
        for i in range(lo, min(n, lo + batch)):
            doc_id = base + i
            pub = start + timedelta(seconds=rnd.random() * span)
            topics = rnd.sample(TOPICS, rnd.choice((1, 1, 2)))
            sentiment = rnd.choices(("negative", "neutral", "positive"), (2, 5, 3))[0]
            stance = rnd.choices(("supportive", "neutral", "critical", "distorting"), (3, 6, 2, 0.5))[0]
            stype = rnd.choice(SOURCE_TYPES)
            lang = rnd.choices(("vi", "en", "zh"), (8, 2, 0.5))[0]
            risk = round(rnd.random() ** 2, 3)
            story = f"s{seed}-{i // 3 if rnd.random() < 0.4 else i}"
            title = f"{title_prefix}{rnd.choice(WORDS)} {rnd.choice(WORDS)} — tin số {i}"
            dated = rnd.random() >= undated_share
            created = pub + timedelta(minutes=rnd.randint(1, 90)) if dated else pub
            alert = rnd.random() < alert_share
            record = {"url": f"https://synthetic.example/{seed}/{i}", "source": {"id": f"syn-{stype}",
                      "name": f"Nguồn {stype}", "source_type": stype}, "status": "processed",
                      "extraction": {"title": title, "published": pub.isoformat() if dated else None}}
            docs.append((doc_id, record["url"], f"syn-{stype}", stype, "processed", title, lang,
                         iso(pub) if dated else None, story, sentiment, stance, json.dumps(topics),
                         json.dumps(["bac_ninh"]), risk, int(alert), json.dumps(record, ensure_ascii=False),
                         iso(min(created, now)), iso(min(created, now))))
            cls.append((doc_id, "synthetic-1", json.dumps(topics),
                        json.dumps([SUBTOPICS[t] for t in topics if t in SUBTOPICS]), sentiment, stance, "{}",
                        "[]", iso(min(created, now))))
            st = stories.setdefault(story, [doc_id, title, iso(min(created, now)), 0, risk])
            st[3] += 1
            st[4] = max(st[4], risk)
            if alert:
                kind = {"distorting": "distortion", "critical": "local_problem"}.get(stance, "sensitive")
                alerts.append((story, doc_id, kind, risk, iso(min(created, now))))
            ids.append(doc_id)
        with store.tx() as tx:
            tx.executemany(
                "INSERT INTO documents (id, url, source_id, source_type, status, title, lang, published, story_id,"
                " sentiment, stance, topics, provinces, risk, alert, record, created_at, updated_at)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", docs)
            tx.executemany(
                "INSERT INTO classifications (doc_id, model_version, topics, subtopics, sentiment, stance, scores,"
                " reasons, created_at) VALUES (?,?,?,?,?,?,?,?,?)", cls)
            tx.executemany(
                "INSERT INTO stories (id, title, first_doc_id, first_seen, last_seen, doc_count, risk)"
                " VALUES (?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET doc_count=stories.doc_count+excluded.doc_count",
                [(sid, v[1], v[0], v[2], v[2], v[3], v[4]) for sid, v in stories.items()])
            for story, doc_id, kind, risk, at in alerts:
                cur = tx.execute("INSERT INTO alerts (story_id, doc_id, kind, status, risk, reasons, created_at,"
                                 " updated_at) VALUES (?,?,?,?,?,?,?,?) ON CONFLICT(story_id) DO NOTHING",
                                 (story, doc_id, kind, "new", risk, "[]", at, at))
                if not cur.rowcount:
                    continue
                aid = cur.lastrowid
                events.append((aid, at, "system", "raised", None, "new", None))
                if rnd.random() < decide_share:
                    to = {"distortion": "rebutted", "local_problem": "referred"}.get(kind, "no_action")
                    when = (datetime.fromisoformat(at) + timedelta(hours=rnd.randint(1, 48)))
                    when = min(when, now)
                    events.append((aid, iso(when), "officer", "status", "new", to, "synthetic decision"))
                    tx.execute("UPDATE alerts SET status=?, updated_at=? WHERE id=?", (to, iso(when), aid))
            tx.executemany("INSERT INTO review_events (alert_id, at, actor, action, from_status, to_status, note)"
                           " VALUES (?,?,?,?,?,?,?)", events)
    return ids
