"""Classifier throughput and memory: docs/s and peak RSS, the classifier alone and inside the pipeline.

    .venv/bin/python benchmarks/classifier.py                    # both, 128 tokens, precision auto
    .venv/bin/python benchmarks/classifier.py --precision fp32 --tokens 64,128,256 --docs 160
    .venv/bin/python benchmarks/classifier.py --pipeline-only --docs 200

Texts are real Vietnamese news (VNTC test split, ../shared/data/vntc) truncated by the tokenizer at
``--tokens``; each figure runs in a fresh subprocess so peak RSS is that mode's own. Alone: the
classifier's batched path (``classify_many``, batch 16: encoder + heads + rules + explanations) and the
pipeline's per-document path (``classify``, batch 1). Pipeline: ``presswatch import`` of the same items
into a temporary data directory, then every stage (normalise, language, relevance, dedup, classify,
triage, store, index) via ``process_now``. Quality at the chosen precision: ``presswatch evaluate``."""
from __future__ import annotations

import argparse
import gzip
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VNTC = ROOT.parent / "shared" / "data" / "vntc" / "test.jsonl.gz"
sys.path.insert(0, str(ROOT))


def items(n: int) -> list[dict]:
    out = []
    if VNTC.exists():
        with gzip.open(VNTC, "rt", encoding="utf-8") as f:
            for line in f:
                r = json.loads(line)
                lines = [x.strip() for x in r["text"].split("\n") if x.strip()]
                if len(lines) >= 2:
                    out.append({"title": lines[0][:200], "text": "\n".join(lines[1:])[:3000], "lang": "vi"})
                if len(out) >= n:
                    break
    else:  # fall back to the labelled set, repeated
        from models.train import load_labelled

        rows = load_labelled()
        while len(out) < n:
            out += [{"title": r["title"], "text": r["text"], "lang": r["lang"]} for r in rows]
    return out[:n]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def alone(n: int, tokens: int, precision: str, batch1: bool) -> dict:
    from models.classifier import get_classifier
    from presswatch.config import load_settings

    s = load_settings(tempfile.mkdtemp(prefix="pw-bench-"), classifier_precision=precision,
                      classifier_max_tokens=tokens)
    t0 = time.perf_counter()
    clf = get_classifier("transformer", settings=s)
    load_s = time.perf_counter() - t0
    docs = items(n)
    clf.classify_many([(d["title"], d["text"], "vi") for d in docs[:8]])  # warm-up
    r0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    if batch1:
        for d in docs:
            clf.classify(d["title"], d["text"], d["lang"])
    else:
        clf.classify_many([(d["title"], d["text"], d["lang"]) for d in docs])
    dt = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    return {"mode": "alone, batch 1 (pipeline path)" if batch1 else "alone, batch 16", "tokens": tokens,
            "precision": clf.encoder.precision, "docs": n, "docs_per_s": round(n / dt, 1),
            "cpu_s_per_doc": round(cpu / n, 3), "load_avg_1m": round(os.getloadavg()[0], 1),
            "load_s": round(load_s, 1), "peak_rss_mb": round(peak_rss_mb())}


def pipeline(n: int, tokens: int, precision: str) -> dict:
    from presswatch.config import load_settings
    from presswatch.service import import_items, process_now
    from presswatch.storage import open_store

    d = tempfile.mkdtemp(prefix="pw-bench-pipe-")
    s = load_settings(d, classifier_precision=precision, classifier_max_tokens=tokens)
    s.ensure_dirs()
    st = open_store(s)
    ids, _ = import_items(st, s, [json.dumps(x, ensure_ascii=False) for x in items(n)])
    from models.classifier import get_classifier

    t0 = time.perf_counter()
    clf = get_classifier(settings=s)
    load_s = time.perf_counter() - t0
    r0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    counts = process_now(st, s)
    dt = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    st.close()
    return {"mode": "pipeline (every stage, store, index)", "tokens": tokens, "precision": getattr(
        getattr(clf, "encoder", None), "precision", "n/a"), "model_version": clf.version, "docs": len(ids),
            "processed": counts.get("processed"), "docs_per_s": round(len(ids) / dt, 1), "load_s": round(load_s, 1),
            "cpu_s_per_doc": round(cpu / max(1, len(ids)), 3), "load_avg_1m": round(os.getloadavg()[0], 1),
            "peak_rss_mb": round(peak_rss_mb())}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=160)
    ap.add_argument("--tokens", default="128")
    ap.add_argument("--precision", default="auto", choices=["auto", "fp32", "bf16"])
    ap.add_argument("--pipeline-only", action="store_true")
    ap.add_argument("--alone-only", action="store_true")
    ap.add_argument("--_run", default=None, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a._run:  # child process: one measurement
        mode, tokens = a._run.split(":")
        fn = {"alone": lambda: alone(a.docs, int(tokens), a.precision, False),
              "batch1": lambda: alone(a.docs, int(tokens), a.precision, True),
              "pipeline": lambda: pipeline(a.docs, int(tokens), a.precision)}[mode]
        print(json.dumps(fn()))
        return
    runs = []
    for tok in a.tokens.split(","):
        if not a.pipeline_only:
            runs += [f"alone:{tok}", f"batch1:{tok}"]
        if not a.alone_only:
            runs.append(f"pipeline:{tok}")
    print(f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f} at start")
    for r in runs:
        out = subprocess.run([sys.executable, __file__, "--_run", r, "--docs", str(a.docs), "--precision", a.precision],
                             capture_output=True, text=True, cwd=ROOT)
        line = (out.stdout.strip().splitlines() or [""])[-1]
        try:
            print(json.dumps(json.loads(line), ensure_ascii=False))
        except json.JSONDecodeError:
            print(f"{r}: failed\n{out.stderr[-2000:]}")


if __name__ == "__main__":
    main()
