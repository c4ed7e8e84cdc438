"""Ingestion throughput without the classifier: fetch, then parse + extract + normalise + language +
relevance + dedup, on VNTC-based pages served over HTTP on 127.0.0.1.

    .venv/bin/python benchmarks/ingest.py                 # 10,000 pages (needs ../shared/data/vntc)
    .venv/bin/python benchmarks/ingest.py --docs 1000     # quick run

A ``ScaledSite`` serves ``--docs`` article pages whose bodies are VNTC texts (``load_vntc``; every 20th
page a verbatim copy of the one before, so dedup has work) in ``--feeds`` RSS feeds. Two phases, timed
apart, in this one process (the site's server threads too):

* **fetch** — ``crawlers.ingest.poll_source`` per feed: the feed is fetched and parsed, every article
  page is fetched and stored as a ``fetched`` document with its raw snapshot;
* **stages** — per stored document, in arrival order: load it (raw bytes included), ``extract`` (HTML
  parse, charset, trafilatura), ``normalize``, ``detect_language``, ``relevance``, ``dedup`` (exact hash
  and MinHash-LSH lookups in the store) and, for originals, ``Store.save_signature`` — the work
  ``pipelines.runner.run_stages`` does before the classifier. No classifier, no clustering, no triage;
  documents stay ``fetched`` (nothing else is written).

Prints docs/s for each phase, per-document latency p50/p95 of the stages, peak RSS, the load average
and the outcome counts (dropped, duplicates)."""
from __future__ import annotations

import argparse
import logging
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.measure import pct as _pct
from benchmarks.measure import peak_rss_mib as _peak_rss_mib






def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=10_000, help="article pages (default 10000)")
    ap.add_argument("--feeds", type=int, default=20, help="RSS feeds (default 20)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)

    from crawlers.ingest import poll_source
    from flows.tasks import _ref
    from pipelines.dedup import dedup, signature
    from pipelines.extract import extract
    from pipelines.language import detect_language
    from pipelines.normalize import normalize
    from pipelines.relevance import relevance
    from presswatch.config import load_settings
    from presswatch.demo_site.scaled import ScaledSite, load_vntc
    from presswatch.storage import open_store

    corpus = load_vntc(args.docs)
    print(f"Ingestion benchmark: {args.docs:,} VNTC-based pages ({len(corpus):,} VNTC texts), {args.feeds} feeds; "
          f"Python {platform.python_version()}, {os.cpu_count()} CPUs, load average "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory(prefix="pw-ingest-") as tmp, \
            ScaledSite(args.docs, feeds=args.feeds, seed=args.seed, corpus=corpus) as site:
        settings = load_settings(Path(tmp), allow_private_hosts=["127.0.0.1"])
        store = open_store(settings)
        store.sync_sources(site.source_specs())
        rows = [r for r in store.sources() if r["id"].startswith("scaled-")]

        t0 = time.perf_counter()
        new = 0
        errors: list[str] = []
        for row in rows:
            res = poll_source(row, store, settings, _ref(row))
            new += res.new
            errors += res.errors
        t_fetch = time.perf_counter() - t0

        def lookup(h: str, exclude: int | None):
            r = store.find_by_hash(h, exclude)
            return (r["id"], r["story_id"]) if r else None

        ids = store.pending_ids()
        lat: list[float] = []
        dropped = dups = 0
        chars = 0
        t1 = time.perf_counter()
        for doc_id in ids:
            t = time.perf_counter()
            doc = store.load(doc_id)
            doc = extract(doc)
            if doc.status == "dropped":
                dropped += 1
                lat.append(time.perf_counter() - t)
                continue
            for stage in (normalize, detect_language, relevance):
                doc = stage(doc)
            doc = dedup(doc, lambda h, i=doc.id: lookup(h, i), store.find_near_duplicate)
            e = doc.enrichment
            # what save_processed records for dedup: the hash and story (so later copies find this one)
            store.conn.execute("UPDATE documents SET content_hash=?, story_id=?, duplicate_of=?, status='processed'"
                               " WHERE id=?", (e.content_hash, e.story_id, e.duplicate_of, doc.id))
            if e.duplicate_of is None:
                sig = signature(doc.extraction.text)
                if sig is not None:
                    store.save_signature(doc.id, sig)
            else:
                dups += 1
            chars += len(doc.extraction.text)
            lat.append(time.perf_counter() - t)
        t_stages = time.perf_counter() - t1
        store.close()

    n = len(ids)
    print(f"{'phase':<28}{'docs':>8}{'seconds':>10}{'docs/s':>10}")
    print(f"{'fetch (feeds + pages, store)':<28}{new:>8,}{t_fetch:>10.1f}{new / t_fetch:>10.1f}")
    print(f"{'extract … dedup':<28}{n:>8,}{t_stages:>10.1f}{n / t_stages:>10.1f}")
    print(f"{'both':<28}{n:>8,}{t_fetch + t_stages:>10.1f}{n / (t_fetch + t_stages):>10.1f}")
    print(f"stages per document: p50 {_pct(lat, 50) * 1000:.1f} ms, p95 {_pct(lat, 95) * 1000:.1f} ms, "
          f"max {max(lat) * 1000:.0f} ms; mean text {chars / max(1, n - dropped):,.0f} characters")
    print(f"outcome: stored {new:,}, dropped {dropped:,}, duplicates {dups:,} (the site plants "
          f"{sum(ScaledSite.is_copy(i) for i in range(args.docs)):,} verbatim copies); fetch errors {len(errors)}")
    print(f"peak RSS {_peak_rss_mib():,.0f} MiB (this process: site, corpus, store); load average now "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    return 0 if new == args.docs and not errors else 1


if __name__ == "__main__":
    raise SystemExit(main())
