"""Report benchmark (issue 7): quarterly and yearly reports on a generated archive of ≥ 50,000 documents.

    .venv/bin/python benchmarks/reports.py [--docs 50000] [--keep DIR]

Generates the archive straight into a fresh store (presswatch.reports.synthetic: documents with enrichment,
stories, alerts and review decisions, 18 months of publication dates), then writes the report for the
third quarter of 2026 and for the year 2026 in DOCX, PDF and HTML (+ CSV) and prints the time of each step.
The issue's bar: each periodic report finishes in under a minute."""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from presswatch.config import load_settings  # noqa: E402
from presswatch.reports import generate  # noqa: E402
from presswatch.reports.periods import VN_TZ, quarter_of, year_of  # noqa: E402
from presswatch.reports.synthetic import add_synthetic  # noqa: E402
from presswatch.storage import open_store  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=50_000)
    ap.add_argument("--keep", help="keep the data directory here")
    args = ap.parse_args()
    tmp = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="pw-report-bench-"))
    settings = load_settings(tmp)
    settings.ensure_dirs()
    ok = True
    try:
        with open_store(settings) as store:
            t = time.perf_counter()
            add_synthetic(store, args.docs, datetime(2025, 6, 1, tzinfo=VN_TZ), datetime(2026, 11, 22, tzinfo=VN_TZ))
            n = store.conn.execute("SELECT count(*) FROM documents").fetchone()[0]
            a = store.conn.execute("SELECT count(*) FROM alerts").fetchone()[0]
            print(f"archive: {n} documents, {a} alerts, generated in {time.perf_counter() - t:.1f} s")
            for period in (quarter_of(date(2026, 8, 15)), year_of(date(2026, 1, 1))):
                t = time.perf_counter()
                gen = generate(store, settings, period)
                total = time.perf_counter() - t
                ok &= total < 60
                steps = ", ".join(f"{k} {v:.2f} s" for k, v in gen.timings.items())
                sizes = ", ".join(f"{k} {p.stat().st_size // 1024} KiB" for k, p in gen.files.items())
                print(f"{period.kind} {period.start}..{period.end}: {gen.total} items (previous period "
                      f"{gen.params['previous_items']}) in {total:.1f} s [{steps}] — {sizes}")
        print("PASS: each periodic report under 60 s" if ok else "FAIL: a report took 60 s or more")
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
