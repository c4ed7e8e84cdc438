"""End-to-end throughput: ingest (HTTP fetch → store) and processing (extract … index) over N documents.

A ``ScaledSite`` on 127.0.0.1 serves N synthetic articles (the demo corpus recombined, or VNTC texts)
in ``--feeds`` RSS feeds. Every feed is polled with ``crawlers.ingest.poll_source`` — which fetches
every article page over HTTP — and then ``presswatch.service.process_now`` runs extraction,
normalisation, language, relevance, dedup, classification, triage, storage and indexing. Both phases
run in this one process, without Prefect, so the figures measure the pipeline itself.

    .venv/bin/python benchmarks/e2e.py                  # 10,000 documents from the demo corpus
    .venv/bin/python benchmarks/e2e.py --docs 1000      # quick run
    .venv/bin/python benchmarks/e2e.py --corpus vntc    # VNTC texts (../shared/data/vntc)
"""
from __future__ import annotations

import argparse
import logging
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.measure import pct as _pct
from benchmarks.measure import peak_rss_mib as _peak_rss_mib


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.exists() else 0


def _mib(n_bytes: float) -> str:
    return f"{n_bytes / (1024 * 1024):.1f} MiB"






def _rate(n: int, secs: float) -> str:
    return f"{n / secs:,.1f} docs/s" if secs > 0 else "n/a"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=10_000, help="number of articles (default 10000)")
    ap.add_argument("--feeds", type=int, default=20, help="number of RSS feeds/sources (default 20)")
    ap.add_argument("--corpus", choices=("demo", "vntc"), default="demo", help="article text (default demo)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--batch-size", type=int, default=500)
    ap.add_argument("--latency-sample", type=int, default=500,
                    help="documents re-run through the stages afterwards for p50/p95 latency (0: skip)")
    ap.add_argument("--data-dir", type=Path, default=None,
                    help="keep the store here (default: a temporary directory, removed afterwards)")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    os.environ.setdefault("PREFECT_LOGGING_TO_API_ENABLED", "false")

    from crawlers.ingest import poll_source
    from flows.tasks import _ref
    from presswatch.config import load_settings
    from presswatch.demo_site.scaled import ScaledSite, load_vntc
    from presswatch.service import process_now
    from presswatch.storage import open_store

    corpus = load_vntc(args.docs) if args.corpus == "vntc" else None
    tmp = None
    if args.data_dir is None:
        tmp = tempfile.TemporaryDirectory(prefix="pw-bench-")
        data_dir = Path(tmp.name)
    else:
        data_dir = args.data_dir
        data_dir.mkdir(parents=True, exist_ok=True)

    print(f"Presswatch end-to-end benchmark: {args.docs:,} documents, {args.feeds} feeds, corpus={args.corpus}, "
          f"batch_size={args.batch_size}")
    print("In-process, no Prefect: measures the pipeline itself (HTTP fetch from a local site included).")
    print(f"Python {platform.python_version()} on {platform.system()} {platform.machine()}, "
          f"{os.cpu_count()} CPUs; data dir {data_dir}")
    try:
        with ScaledSite(args.docs, feeds=args.feeds, seed=args.seed, corpus=corpus) as site:
            settings = load_settings(data_dir, allow_private_hosts=["127.0.0.1"], batch_size=args.batch_size)
            store = open_store(settings)
            try:
                store.sync_sources(site.source_specs())
                rows = [r for r in store.sources() if r["id"].startswith("scaled-")]

                # ---------------------------------------------------------- ingest
                t0 = time.perf_counter()
                new = items = 0
                errors: list[str] = []
                for row in rows:
                    res = poll_source(row, store, settings, _ref(row))
                    new, items = new + res.new, items + res.items
                    errors += res.errors
                t_ingest = time.perf_counter() - t0

                # ---------------------------------------------------------- processing
                t1 = time.perf_counter()
                pc = process_now(store, settings)
                t_process = time.perf_counter() - t1
                t_total = t_ingest + t_process

                latencies = _latency_sample(store, settings, args.latency_sample)
                counts = store.counts()
            finally:
                store.close()
        db = settings.db_path
        db_size = sum(_size(Path(str(db) + suffix)) for suffix in ("", "-wal", "-shm"))
        ix_size = _size(settings.index_dir)
    finally:
        if tmp is not None:
            peak = _peak_rss_mib()
            tmp.cleanup()
        else:
            peak = _peak_rss_mib()

    print()
    print(f"{'phase':<12}{'docs':>9}{'seconds':>11}{'throughput':>18}")
    print(f"{'ingest':<12}{new:>9,}{t_ingest:>11.1f}{_rate(new, t_ingest):>18}")
    print(f"{'processing':<12}{pc['processed']:>9,}{t_process:>11.1f}{_rate(pc['processed'], t_process):>18}")
    print(f"{'end-to-end':<12}{new:>9,}{t_total:>11.1f}{_rate(new, t_total):>18}")
    print()
    print(f"feed items listed: {items:,}; new documents stored: {new:,}; ingest errors: {len(errors)}")
    if errors:
        for e in errors[:5]:
            print(f"  {e}")
    print(f"processing: processed={pc['processed']:,} extracted={pc['extracted']:,} dropped={pc['dropped']:,} "
          f"failed={pc['failed']:,} duplicates={pc['duplicates']:,} alerts={pc['alerts']:,} "
          f"indexed={pc['indexed']:,}")
    if latencies:
        print(f"per-document stage latency (run_stages, {len(latencies)} stored docs re-run): "
              f"p50 {_pct(latencies, 50):.1f} ms, p95 {_pct(latencies, 95):.1f} ms, "
              f"mean {statistics.fmean(latencies):.1f} ms")
    print(f"peak RSS: {peak:,.0f} MiB")
    print(f"store: documents={counts['documents']:,} duplicates={counts['duplicates']:,} "
          f"stories={counts['stories']:,} alerts={counts['alerts']:,} by status={counts['documents_by_status']}")
    print(f"SQLite file: {_mib(db_size)}; index: {_mib(ix_size)} ({settings.index_backend})")
    expected_dups = len([i for i in range(args.docs) if ScaledSite.is_copy(i)])
    print(f"source corpus: {args.docs:,} articles of which {expected_dups:,} verbatim copies")
    return 0 if new == args.docs and pc["failed"] == 0 else 1


def _latency_sample(store, settings, sample: int) -> list[float]:
    """Time ``run_stages`` on up to ``sample`` stored documents reset to 'fetched' (in memory only,
    nothing is saved), so dedup sees the full store as it would at steady state."""
    if sample <= 0:
        return []
    from models.classifier import get_classifier
    from pipelines.runner import run_stages
    from pipelines.triage import load_policy

    policy = load_policy(settings.resolved_thresholds_file(), tuple(settings.provinces))
    clf = get_classifier()
    ids = store.processed_ids()
    if not ids:
        return []
    step = max(1, len(ids) // sample)
    out = []
    for doc_id in ids[::step][:sample]:
        doc = store.load(doc_id)
        doc.status = "fetched"
        t = time.perf_counter()
        run_stages(doc, store, policy, clf)
        out.append((time.perf_counter() - t) * 1000)
    return out


if __name__ == "__main__":
    raise SystemExit(main())
