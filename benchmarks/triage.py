"""Triage throughput, and the review page's latency with 10,000 open alerts.

    python benchmarks/triage.py [--docs 20000] [--alerts 10000] [--requests 200]

Prints documents per second through ``pipelines.triage.triage`` (synthetic enriched documents, the bundled
policy, a story-velocity tuple per document), then builds a store with N open alerts (one document and
story each, spread over departments, kinds and security tags), serves the app with uvicorn on 127.0.0.1
and times GET /review (first page, default sort) and a filtered, sorted page, as a logged-in monitor and as
a sector officer (whose visibility is filtered in SQL), reporting p50 / p95 / max."""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("PRESSWATCH_PASSWORD_HASH_COST", "test")


def bench_triage(n: int) -> float:
    from pipelines.triage import load_policy, triage
    from presswatch.record import Document, Enrichment, Extraction, ProvinceHit, SourceRef

    rnd = random.Random(1)
    policy = load_policy(monitored=("bac_ninh", "tuyen_quang", "hung_yen", "lam_dong"))
    topics = ["labour", "local_issues", "human_rights", "tourism_culture", "investment_economy", "politics_governance"]
    docs = [Document(url=f"https://x/{i}", source=SourceRef(id="s", source_type=rnd.choice(["social", "national_press"]),
                                                             trust_tier=rnd.choice([2, 3, 4])),
                     extraction=Extraction(title="t", text="x", published=datetime(2026, 11, 19, tzinfo=timezone.utc)
                                           - timedelta(days=rnd.randrange(400))),
                     enrichment=Enrichment(stance=rnd.choice(["neutral", "critical", "distorting", "supportive"]),
                                           sentiment=rnd.choice(["negative", "neutral", "positive"]),
                                           topics=rnd.sample(topics, 2),
                                           provinces=[ProvinceHit(id=rnd.choice(["bac_ninh", "hung_yen", "ha_noi"]),
                                                                  score=rnd.random(), evidence=["x"])]))
            for i in range(n)]
    acts = [(rnd.randint(1, 8), rnd.randint(1, 4)) for _ in range(n)]
    t = time.perf_counter()
    alerts = sum(triage(d, policy, a).enrichment.alert for d, a in zip(docs, acts))
    dt = time.perf_counter() - t
    print(f"triage: {n} documents in {dt:.2f} s = {n / dt:,.0f} documents/s ({alerts} alerts)")
    return n / dt


def build_store(path: Path, n: int):
    from presswatch.auth import add_user
    from presswatch.storage import Store

    st = Store(path / "presswatch.db")
    rnd = random.Random(2)
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    kinds = ["distortion", "local_problem", "sensitive"]
    depts = ["so_tttt", "vp_ubnd", "cong_an", "bql_kcn", "so_ngoai_vu"]
    topics = ["labour", "local_issues", "human_rights", "tourism_culture"]
    with st.tx() as c:
        for i in range(1, n + 1):
            tp = json.dumps([rnd.choice(topics)])
            c.execute("INSERT INTO documents (id, url, source_id, source_type, status, title, story_id, topics, provinces,"
                      " risk, alert, record, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,1,'{}',?,?)",
                      (i, f"https://example.org/{i}", "src", "social", "processed", f"Tin số {i} <b>về</b> Bắc Ninh",
                       f"s{i}", tp, '["bac_ninh"]', rnd.random(), now, now))
            c.execute("INSERT INTO stories (id, title, first_doc_id, first_seen, last_seen, doc_count, risk)"
                      " VALUES (?,?,?,?,?,?,?)", (f"s{i}", "t", i, now, now, rnd.randint(1, 5), 0.5))
            c.execute("INSERT INTO alerts (story_id, doc_id, kind, status, risk, reasons, created_at, updated_at,"
                      " department, security, severity) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                      (f"s{i}", i, rnd.choice(kinds), rnd.choice(["new", "in_progress", "verified"]), rnd.random(),
                       '["Lý do"]', now, now, rnd.choice(depts), int(rnd.random() < 0.2), "medium"))
    add_user(st, "monitor", "benchmark-password", "monitor", actor="bench")
    add_user(st, "kcn", "benchmark-password", "sector_officer", actor="bench", department="bql_kcn",
             areas=["bac_ninh"])
    st.close()


def bench_review(n: int, requests: int) -> None:
    import httpx

    from presswatch.config import load_settings
    from presswatch.web.app import create_app
    from tests.review_support import Served, csrf_of

    tmp = Path(tempfile.mkdtemp(prefix="pw-bench-"))
    t = time.perf_counter()
    build_store(tmp, n)
    print(f"store with {n} open alerts built in {time.perf_counter() - t:.1f} s")
    s = load_settings(tmp)
    with Served(create_app(s)) as srv:
        for user in ("monitor", "kcn"):
            with httpx.Client(base_url=srv.base) as c:
                page = c.get("/login")
                c.post("/login", data={"csrf": csrf_of(page.text), "username": user, "password": "benchmark-password"})
                for label, url in (("/review", "/review"),
                                   ("/review?kind=distortion&sort=due&q=B", "/review?kind=distortion&sort=due&q=B")):
                    assert c.get(url).status_code == 200
                    times = []
                    for _ in range(requests):
                        t0 = time.perf_counter()
                        r = c.get(url)
                        times.append((time.perf_counter() - t0) * 1000)
                        assert r.status_code == 200
                    times.sort()
                    p95 = times[int(0.95 * len(times)) - 1]
                    print(f"review page as {user:<7} {label:<40} p50 {statistics.median(times):6.1f} ms"
                          f"  p95 {p95:6.1f} ms  max {times[-1]:6.1f} ms  ({requests} requests)")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=20000)
    ap.add_argument("--alerts", type=int, default=10000)
    ap.add_argument("--requests", type=int, default=200)
    a = ap.parse_args()
    bench_triage(a.docs)
    bench_review(a.alerts, a.requests)
