"""Classifier throughput and memory: docs/s, CPU-seconds per document and peak RSS for each encoder runtime
at several token lengths, and the pipeline figure (classifier inside ``process_batch``, keywords vs
transformer).

    .venv/bin/python benchmarks/classifier.py --quick          # < 3 minutes: 32 docs per figure
    .venv/bin/python benchmarks/classifier.py                  # 96 docs per figure, 200 in the pipeline
    .venv/bin/python benchmarks/classifier.py --runtimes int8 --threads 1,2 --tokens 128

Texts are real Vietnamese news (VNTC test split, ../shared/data/vntc; the labelled set when absent),
cut by the tokenizer at each length (so every document fills the window: the slowest case). Each
runtime runs in a fresh subprocess, so its peak RSS is its own: torch fp32, torch bf16 (only where the
CPU has bf16), int8 in onnxruntime. Alone: ``classify_many`` (batch 16: encoder + heads + rules +
explanations). Pipeline: ``presswatch import`` of the same items into a temporary data directory, then
every stage (normalise, language, relevance, dedup, classify in batches of 16, story clustering,
triage, store, index) via ``process_now``. CPU-seconds per document (user + system time of the
process) stay meaningful when other jobs share the CPUs, docs/s do not: the 1-minute load average is
printed with every figure. Quality per runtime: ``presswatch evaluate`` (models/MODEL_CARD.md)."""
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
                if len(lines) >= 2 and len(r["text"]) > 2500:  # long enough to fill 512 tokens
                    out.append({"title": lines[0][:200], "text": "\n".join(lines[1:])[:6000], "lang": "vi"})
                if len(out) >= n:
                    break
    else:  # fall back to the labelled set, repeated (short texts: figures not comparable)
        from models.train import load_labelled

        rows = load_labelled()
        while len(out) < n:
            out += [{"title": r["title"], "text": r["text"], "lang": r["lang"]} for r in rows]
    return out[:n]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def alone(n: int, tokens: list[int], precision: str, threads: int) -> dict:
    """One runtime at each token length (the encoder's input is title + body, so texts fill the window)."""
    from models.classifier import get_classifier
    from models.transformer import TransformerClassifier
    from presswatch.config import load_settings

    s = load_settings(tempfile.mkdtemp(prefix="pw-bench-"), classifier_precision=precision,
                      classifier_threads=threads)
    t0 = time.perf_counter()
    base = get_classifier("transformer", settings=s)
    load_s = time.perf_counter() - t0
    if not isinstance(base, TransformerClassifier):
        raise SystemExit("the transformer classifier could not be built")
    docs = [(d["title"], d["text"], d["lang"]) for d in items(n)]
    out = {"runtime": base.encoder.runtime_tag, "threads": base.encoder.threads, "docs": n,
           "load_s": round(load_s, 1), "by_tokens": {}}
    for tok in tokens:
        clf = TransformerClassifier(base.encoder, base.heads, rules=base.rules, max_tokens=tok)
        clf.classify_many(docs[:4])  # warm-up at this shape
        c0, t0 = cpu_s(), time.perf_counter()
        clf.classify_many(docs)
        dt, dc = time.perf_counter() - t0, cpu_s() - c0
        out["by_tokens"][tok] = {"docs_per_s": round(n / dt, 1), "cpu_s_per_doc": round(dc / n, 4),
                                 "load_avg_1m": round(os.getloadavg()[0], 1), "peak_rss_mb": round(peak_rss_mb())}
    if 128 in tokens:  # one document per call: what batching saves
        clf = TransformerClassifier(base.encoder, base.heads, rules=base.rules, max_tokens=128)
        sub = docs[: max(8, n // 4)]
        c0, t0 = cpu_s(), time.perf_counter()
        for d in sub:
            clf.classify(*d)
        dt, dc = time.perf_counter() - t0, cpu_s() - c0
        out["batch1_128"] = {"docs_per_s": round(len(sub) / dt, 1), "cpu_s_per_doc": round(dc / len(sub), 4)}
    out["peak_rss_mb"] = round(peak_rss_mb())
    return out


def pipeline(n: int, name: str, precision: str, threads: int) -> dict:
    from models.classifier import get_classifier
    from presswatch.config import load_settings
    from presswatch.service import import_items, process_now
    from presswatch.storage import open_store

    d = tempfile.mkdtemp(prefix="pw-bench-pipe-")
    s = load_settings(d, classifier=name, classifier_precision=precision, classifier_threads=threads)
    s.ensure_dirs()
    st = open_store(s)
    ids, _ = import_items(st, s, [json.dumps(x, ensure_ascii=False) for x in items(n)])
    t0 = time.perf_counter()
    clf = get_classifier(settings=s)  # loaded once per process, as in a worker; not timed below
    load_s = time.perf_counter() - t0
    c0, t0 = cpu_s(), time.perf_counter()
    counts = process_now(st, s)
    dt, dc = time.perf_counter() - t0, cpu_s() - c0
    st.close()
    return {"classifier": clf.version.split("+")[-1] if name == "transformer" else clf.version,
            "docs": len(ids), "processed": counts.get("processed"), "docs_per_s": round(len(ids) / dt, 1),
            "cpu_s_per_doc": round(dc / max(1, len(ids)), 4), "load_s": round(load_s, 1),
            "load_avg_1m": round(os.getloadavg()[0], 1), "peak_rss_mb": round(peak_rss_mb())}


def _child(args: list[str]) -> dict | None:
    out = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, cwd=ROOT)
    line = (out.stdout.strip().splitlines() or [""])[-1]
    try:
        return json.loads(line)
    except json.JSONDecodeError:
        print(f"{' '.join(args)}: failed\n{out.stderr[-2000:]}")
        return None


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="32 documents per figure, 64 in the pipeline (< 3 min)")
    ap.add_argument("--docs", type=int, default=None)
    ap.add_argument("--pipeline-docs", type=int, default=None)
    ap.add_argument("--tokens", default="64,128,256,512")
    ap.add_argument("--runtimes", default="fp32,bf16,int8", help="precisions to measure (bf16 is skipped "
                    "where the CPU lacks it)")
    ap.add_argument("--threads", default="0", help="encoder threads, comma-separated (0 = the default: auto)")
    ap.add_argument("--no-pipeline", action="store_true")
    ap.add_argument("--_run", default=None, help=argparse.SUPPRESS)
    a = ap.parse_args()
    docs = a.docs or (32 if a.quick else 96)
    pdocs = a.pipeline_docs or (64 if a.quick else 200)
    if a._run:  # child process: one measurement
        kind, *rest = a._run.split(":")
        if kind == "alone":
            res = alone(docs, [int(t) for t in a.tokens.split(",")], rest[0], int(rest[1]))
        else:
            res = pipeline(pdocs, rest[0], rest[1], int(rest[2]))
        print(json.dumps(res))
        return
    from models.encoder import _onnx_available, cpu_has_bf16

    t_start = time.perf_counter()
    tokens = [int(t) for t in a.tokens.split(",")]
    print(f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f} at start; bf16 on this CPU: "
          f"{cpu_has_bf16()}; onnxruntime: {_onnx_available()}; {docs} documents per figure")
    rows = []
    for threads in [int(t) for t in a.threads.split(",")]:
        for p in a.runtimes.split(","):
            if (p == "bf16" and not cpu_has_bf16()) or (p == "int8" and not _onnx_available()):
                print(f"{p}: not available here, skipped")
                continue
            r = _child(["--_run", f"alone:{p}:{threads}", "--docs", str(docs), "--tokens", a.tokens])
            if r:
                rows.append(r)
                print(json.dumps(r))
    if rows:
        print("\nclassifier alone, classify_many (torch: 16 per pass; onnxruntime: 1 per run) — docs/s (CPU-s per document) at N tokens")
        head = f"{'runtime':18s} {'thr':>3s} " + " ".join(f"{t:>14d}" for t in tokens)
        print(head + f" {'batch 1 @128':>14s} {'peak RSS':>9s} {'load':>5s}")
        for r in rows:
            cells = " ".join(f"{r['by_tokens'][str(t)]['docs_per_s']:6.1f} ({r['by_tokens'][str(t)]['cpu_s_per_doc']:.3f})"
                             for t in tokens)
            b1 = r.get("batch1_128")
            b1s = f"{b1['docs_per_s']:6.1f} ({b1['cpu_s_per_doc']:.3f})" if b1 else ""
            la = max(v["load_avg_1m"] for v in r["by_tokens"].values())
            print(f"{r['runtime']:18s} {r['threads']:3d} {cells} {b1s:>14s} {r['peak_rss_mb']:6d} MB {la:5.1f}")
    if not a.no_pipeline:
        print(f"\npipeline (process_now: every stage, store, index), {pdocs} documents")
        for name in ("keywords", "transformer"):
            r = _child(["--_run", f"pipeline:{name}:auto:{a.threads.split(',')[0]}", "--pipeline-docs", str(pdocs)])
            if r:
                print(f"{r['classifier']:18s} {r['docs_per_s']:6.1f} docs/s  {r['cpu_s_per_doc']:.3f} CPU-s/doc  "
                      f"peak RSS {r['peak_rss_mb']} MB  load {r['load_avg_1m']}  (model load {r['load_s']} s)")
    print(f"\ntotal {time.perf_counter() - t_start:.0f} s; load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
