"""Build a large synthetic archive fast, for load tests of the web app (``benchmarks/load.py``).

Running 1M documents through the pipeline takes hours on 2 CPUs, so this script runs only a *seed* set
through the real pipeline (``import_items`` + ``process_now``, keyword classifier: real records,
enrichment, stories and alerts with routing and security tags), then replicates it with bulk SQL inserts
up to N documents and bulk-indexes the replicas into tantivy:

* replica ``r`` of seed document ``i`` gets its own URL, story, a publication date spread over two years
  and a sentence of its own in the text (so its text and index entry differ), and keeps the seed's labels;
* a share of the replicas of alerted seeds (``--alert-share``, default 0.1) get an alert of their own, in
  a mix of review statuses, with the review events that status implies (``raised`` by the system, then one
  status change by a reviewer unless it is still ``new``), so the review queue and alert pages grow with
  the archive;
* not replicated (not needed to serve pages): raw snapshots, classification history, MinHash/story
  vectors and the audit log.

Speed (decisions): rows and index documents are written in batches of ``--batch`` (default 50,000) — one
SQLite transaction and one tantivy commit per batch, not per round over the seeds (every 2,000 documents;
at 100k on a quiet machine the whole replication went from 77 s to 49 s); the index goes through the product's
``TantivyIndex.upsert`` (same fields, same folding) but with a writer of ``--index-heap-mb`` (default 512)
and ``--index-threads`` (default 1: the cheapest per CPU-second on a shared machine; 2 threads cost ~20 %
more CPU per document) instead of the product's small incremental one; and each batch is indexed in a
background thread while the next batch is generated and inserted.

Texts: half VNTC (``../shared/data/vntc``, real Vietnamese news) when present, half the scaled demo site's
province-focused articles (``--corpus vntc|demo`` for one of them).
Labels of replicas are the seed's, so the archive is realistic in size, text and label distribution, not in
per-document correctness. Prints the seed time, the bulk insert and index rates and the sizes.

    nice -n 19 .venv/bin/python benchmarks/build_archive.py --docs 100000 --data-dir /tmp/pw-archive
"""
from __future__ import annotations

import argparse
import itertools
import json
import random
import resource
import sqlite3
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

STATUS_MIX = [("new", 40), ("in_progress", 20), ("verified", 5), ("informed", 10), ("referred", 10),
              ("rebutted", 5), ("no_action", 10)]


def seed_items(n: int, corpus: str) -> list[dict]:
    """``n`` import items: with ``auto``, half VNTC news (when present) and half the scaled demo site's
    province-focused articles (VNTC alone is national news that seldom concerns a monitored province, so
    it would raise almost no alerts)."""
    from presswatch.demo_site.scaled import VNTC_TRAIN, ScaledSite, load_vntc

    n_vntc = {"vntc": n, "demo": 0}.get(corpus, n // 2 if VNTC_TRAIN.exists() else 0)
    items = []
    for i, t in enumerate(load_vntc(n_vntc) if n_vntc else []):
        t = " ".join(t.split())
        items.append({"url": f"https://archive.test/vntc/{i}", "title": t[:110].rsplit(" ", 1)[0], "text": t,
                      "source_type": ("provincial_press", "national_press", "social")[i % 3],
                      "outlet": f"Báo tổng hợp {i % 12:02d}", "lang": "vi"})
    site = ScaledSite(n=n - len(items), feeds=4, seed=3)
    for i in range(n - len(items)):
        m = site._meta(i)  # noqa: SLF001 — the article the site would serve, without serving it
        items.append({"url": f"https://archive.test/demo/{i}", "title": m["title"], "text": "\n\n".join(m["body"]),
                      "published": m["published"].isoformat(),
                      "source_type": ("provincial_press", "national_press", "social")[i % 3],
                      "outlet": f"Báo tổng hợp {i % 12:02d}", "lang": "vi"})
    return items


def _columns(conn, table: str) -> list[str]:
    return [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]


def build(data_dir: Path, docs: int, seed_docs: int, corpus: str = "auto", alert_share: float = 0.1,
          batch: int = 50000, index_heap_mb: int = 512, index_threads: int = 1, log=print) -> dict:
    from presswatch.config import load_settings
    from presswatch.index import IndexDoc, open_index
    from presswatch.service import import_items, process_now
    from presswatch.storage import iso, open_store

    settings = load_settings(data_dir, classifier="keywords", batch_size=500)
    figures: dict = {}
    t0 = time.monotonic()
    items = seed_items(min(seed_docs, docs), corpus)
    with open_store(settings) as store:
        if store.conn.execute("SELECT count(*) FROM documents").fetchone()[0]:
            raise SystemExit(f"{data_dir} already has documents; build into an empty data directory")
        import_items(store, settings, [json.dumps(i, ensure_ascii=False) for i in items])
        process_now(store, settings)
    figures["seed_docs"] = len(items)
    figures["seed_s"] = time.monotonic() - t0
    log(f"seed: {len(items)} documents through the pipeline in {figures['seed_s']:.1f} s "
        f"({len(items) / figures['seed_s']:.0f} docs/s)")

    conn = sqlite3.connect(settings.db_path, isolation_level=None)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")  # a bulk build: rebuilt from scratch if interrupted
    conn.execute("PRAGMA cache_size=-200000")
    doc_cols = [c for c in _columns(conn, "documents") if c != "id"]
    alert_cols = [c for c in _columns(conn, "alerts") if c != "id"] + ["id"]
    seeds = [dict(r) for r in conn.execute("SELECT * FROM documents WHERE status='processed' ORDER BY id")]
    seed_alerts = {r["doc_id"]: dict(r) for r in conn.execute("SELECT * FROM alerts WHERE trigger='document'")}
    seed_recs = {s["id"]: json.loads(s["record"]) for s in seeds}
    next_id = conn.execute("SELECT max(id) FROM documents").fetchone()[0] + 1
    next_alert = (conn.execute("SELECT max(id) FROM alerts").fetchone()[0] or 0) + 1
    rng = random.Random(1)
    statuses = [s for s, w in STATUS_MIX for _ in range(w)]
    now = datetime.now(timezone.utc).replace(microsecond=0)
    now_iso = iso(now)
    to_make = docs - len(seeds)
    ix = open_index(settings, writable=True)

    def index_batch(index_docs: list) -> tuple[float, int]:
        t = time.monotonic()
        # the product's upsert (fields, folding, commit, merges), with a bulk-sized writer for this batch
        ix._writer = ix.index.writer(heap_size=index_heap_mb * 2**20, num_threads=index_threads)
        ix.upsert(index_docs)
        return time.monotonic() - t, len(index_docs)

    pool = ThreadPoolExecutor(max_workers=1)
    pending = None  # the batch being indexed in the background
    t_sql = t_index = 0.0
    made = alerts = events = indexed = 0
    t_rep = time.monotonic()
    doc_rows, story_rows, alert_rows, event_rows, index_docs = [], [], [], [], []

    def flush() -> None:
        nonlocal pending, t_sql, t_index, indexed, alerts, events
        nonlocal doc_rows, story_rows, alert_rows, event_rows, index_docs
        t_sql += _insert(conn, doc_cols, alert_cols, doc_rows, story_rows, alert_rows, event_rows)
        alerts, events = alerts + len(alert_rows), events + len(event_rows)
        if pending is not None:
            s_, n_ = pending.result()
            t_index, indexed = t_index + s_, indexed + n_
        pending = pool.submit(index_batch, index_docs)
        doc_rows, story_rows, alert_rows, event_rows, index_docs = [], [], [], [], []
        wall = time.monotonic() - t_rep
        log(f"  {len(seeds) + made:>9,} documents in {wall:,.0f} s ({made / wall:,.0f} docs/s); insert "
            f"{made / max(t_sql, 1e-9):,.0f} docs/s; index (previous batches) "
            f"{indexed / t_index if t_index else 0:,.0f} docs/s")

    try:
        for r in itertools.count(1):
            if made >= to_make:
                break
            replica_of: dict[int, int] = {}  # seed id -> this round's replica id (copies point at originals)
            for s in seeds:
                if made >= to_make:
                    break
                rec = seed_recs[s["id"]]
                ext, enr = rec["extraction"], rec["enrichment"]
                doc_id, made = next_id, made + 1
                next_id += 1
                replica_of[s["id"]] = doc_id
                dup = replica_of.get(s["duplicate_of"]) if s["duplicate_of"] else None
                published = now - timedelta(minutes=rng.randint(10, 730 * 24 * 60))
                story = f"r{r}-{s['story_id']}"
                text = (f"{ext['text']}\n\nBản tin lưu trữ số {doc_id} ngày {published.day}/{published.month}/"
                        f"{published.year}.")
                url = f"{s['url']}/r{r}"
                new_rec = {**rec, "url": url, "id": doc_id,
                           "extraction": {**ext, "text": text, "published": published.isoformat()},
                           "enrichment": {**enr, "story_id": story, "duplicate_of": dup}}
                row = dict(s)
                row.update(url=url, published=iso(published), story_id=story, duplicate_of=dup,
                           record=json.dumps(new_rec, ensure_ascii=False), created_at=iso(published),
                           updated_at=now_iso, indexed_at=now_iso)
                doc_rows.append(tuple(row[c] for c in doc_cols) + (doc_id,))
                story_rows.append((story, s["title"], doc_id, iso(published), iso(published), s["risk"]))
                a = seed_alerts.get(s["id"])
                if a is not None and rng.random() < alert_share:
                    ar = dict(a)
                    status = rng.choice(statuses)
                    decided = min(now, published + timedelta(minutes=rng.randint(20, 3 * 24 * 60)))
                    ar.update(id=next_alert, story_id=story, doc_id=doc_id, status=status, created_at=iso(published),
                              updated_at=iso(decided if status != "new" else published))
                    alert_rows.append(tuple(ar[c] for c in alert_cols))
                    event_rows.append((next_alert, iso(published), "system", "raised", None, "new",
                                       "; ".join(json.loads(ar["reasons"]))))
                    if status != "new":
                        event_rows.append((next_alert, iso(decided), f"load-{rng.randrange(8):02d}", "status", "new",
                                           status, None))
                    next_alert += 1
                index_docs.append(IndexDoc(
                    id=doc_id, url=url, title=s["title"] or "", text=text, lang=s["lang"] or "",
                    published=published.isoformat(), sort_date=published.isoformat(), source_id=s["source_id"],
                    source_type=s["source_type"], sentiment=s["sentiment"] or "", stance=s["stance"] or "",
                    topics=json.loads(s["topics"]), provinces=json.loads(s["provinces"]), risk=s["risk"]))
                if len(doc_rows) >= batch:
                    flush()
        if doc_rows:
            flush()
        if pending is not None:
            s_, n_ = pending.result()
            t_index, indexed, pending = t_index + s_, indexed + n_, None
    finally:
        if pending is not None:
            pending.exception()  # let a running commit finish before closing
        pool.shutdown()
        ix.close()
    replicate_s = time.monotonic() - t_rep
    t = time.monotonic()
    conn.execute("ANALYZE")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    total = time.monotonic() - t0
    figures.update(docs=len(seeds) + made, replicas=made, replica_alerts=alerts, replica_events=events,
                   insert_s=t_sql, index_s=t_index, replicate_s=replicate_s,
                   analyze_s=time.monotonic() - t, total_s=total,
                   insert_docs_per_s=made / t_sql if t_sql else 0, index_docs_per_s=made / t_index if t_index else 0,
                   db_mib=settings.db_path.stat().st_size / 2**20,
                   index_mib=sum(f.stat().st_size for f in settings.index_dir.iterdir() if f.is_file()) / 2**20,
                   peak_rss_mib=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return figures


def _insert(conn, doc_cols, alert_cols, doc_rows, story_rows, alert_rows, event_rows) -> float:
    t = time.monotonic()
    conn.execute("BEGIN")
    conn.executemany(f"INSERT INTO documents ({', '.join(doc_cols)}, id) VALUES ({', '.join('?' * (len(doc_cols) + 1))})",
                     doc_rows)
    conn.executemany("INSERT INTO stories (id, title, first_doc_id, first_seen, last_seen, doc_count, risk)"
                     " VALUES (?,?,?,?,?,1,?) ON CONFLICT(id) DO UPDATE SET doc_count=doc_count+1,"
                     " first_seen=min(first_seen, excluded.first_seen), last_seen=max(last_seen, excluded.last_seen)",
                     story_rows)
    if alert_rows:
        conn.executemany(f"INSERT INTO alerts ({', '.join(alert_cols)}) VALUES ({', '.join('?' * len(alert_cols))})"
                         " ON CONFLICT(story_id) DO NOTHING", alert_rows)
        conn.executemany("INSERT INTO review_events (alert_id, at, actor, action, from_status, to_status, note)"
                         " VALUES (?,?,?,?,?,?,?)", event_rows)
    conn.execute("COMMIT")
    return time.monotonic() - t


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=1_000_000)
    ap.add_argument("--seed-docs", type=int, default=2000, help="documents run through the real pipeline")
    ap.add_argument("--corpus", choices=["auto", "vntc", "demo"], default="auto")
    ap.add_argument("--alert-share", type=float, default=0.1)
    ap.add_argument("--batch", type=int, default=50000, help="documents per SQLite transaction and index commit")
    ap.add_argument("--index-heap-mb", type=int, default=512, help="tantivy writer heap for the bulk index")
    ap.add_argument("--index-threads", type=int, default=1, help="tantivy indexing threads for the bulk index")
    ap.add_argument("--data-dir", type=Path, required=True)
    a = ap.parse_args()
    f = build(a.data_dir, a.docs, a.seed_docs, a.corpus, a.alert_share, a.batch, a.index_heap_mb, a.index_threads,
              log=lambda m: print(f"{time.strftime('%H:%M:%S')} {m}", flush=True))
    print(f"\narchive: {f['docs']:,} documents ({f['seed_docs']:,} through the pipeline in {f['seed_s']:.0f} s, "
          f"{f['replicas']:,} replicas with {f['replica_alerts']:,} alerts and {f['replica_events']:,} review events)")
    rate = f['replicas'] / max(f['replicate_s'], 1e-9)
    print(f"replication {f['replicate_s']:.1f} s ({rate:,.0f} docs/s; insert and index overlap): bulk insert "
          f"{f['insert_s']:.1f} s ({f['insert_docs_per_s']:,.0f} docs/s); bulk index {f['index_s']:.1f} s "
          f"({f['index_docs_per_s']:,.0f} docs/s); ANALYZE + checkpoint {f['analyze_s']:.1f} s; "
          f"total {f['total_s']:.0f} s")
    print(f"SQLite {f['db_mib']:,.0f} MiB, index {f['index_mib']:,.0f} MiB, peak RSS {f['peak_rss_mib']:,.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
