"""Extraction quality on the article-extraction-benchmark (../shared/data), Presswatch's extraction stage
side by side with plain trafilatura. Prints mean precision / recall / F1 and pages/s.

    .venv/bin/python benchmarks/extraction.py
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import trafilatura

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipelines.extract import extract  # noqa: E402
from presswatch.evaluation import extraction_benchmark  # noqa: E402
from presswatch.record import Document, Fetch, SourceRef  # noqa: E402

ROOT = Path(__file__).resolve().parents[2] / "shared" / "data" / "article-extraction-benchmark"


def presswatch_extract(html: bytes, url: str) -> str:
    packed, _ = Fetch.pack(html)
    doc = Document(url=url or "https://example.invalid/", source=SourceRef(id="bench"),
                   fetch=Fetch(requested_url=url or "https://example.invalid/", raw_compressed=packed))
    return extract(doc).extraction.text


def plain_trafilatura(html: bytes, url: str) -> str:
    return trafilatura.extract(html.decode("utf-8", "replace"), url=url) or ""


def main() -> None:
    if not ROOT.exists():
        sys.exit(f"benchmark data not found at {ROOT}")
    print(f"{'extractor':<22} {'pages':>5} {'precision':>9} {'recall':>7} {'F1':>6} {'pages/s':>8}")
    for name, fn in (("presswatch", presswatch_extract), ("trafilatura (default)", plain_trafilatura)):
        t = time.perf_counter()
        r = extraction_benchmark(ROOT, fn)
        dt = time.perf_counter() - t
        print(f"{name:<22} {r['pages']:>5} {r['precision']:>9.3f} {r['recall']:>7.3f} {r['f1']:>6.3f} {r['pages'] / dt:>8.1f}")


if __name__ == "__main__":
    main()
