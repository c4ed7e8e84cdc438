"""Language detection: accuracy and speed of the candidate back-ends on a labelled sample.

    .venv/bin/python benchmarks/language.py            # all back-ends, each in its own process
    .venv/bin/python benchmarks/language.py --only rules+lingua

Sample: ``tests/data/language_sample.tsv`` (hand-written, 10 languages, news and social-post style) plus,
when ``../shared/data`` is present, real texts: 300 VNTC articles (vi) in three forms — the first 600
characters, the first sentence only, and the first sentence without diacritics — and 150 article bodies
from the article-extraction benchmark (en, first 600 characters). Prints accuracy overall, on short
texts (< 60 characters), per language, docs/s and peak RSS.

Measured 2026 (shared 2-CPU machine under load, so docs/s are low; accuracies are exact):

    back-end                    acc (996)  hand (98)  short (68)  load    peak RSS
    py3langid                   0.963      0.917      0.779       4.1 s   154 MB
    lingua 2.1.1 (12 languages) 0.949      0.760      0.618       7.9 s   339 MB   (no lo, km models)
    rules+py3langid             0.974      1.000      0.941       3.4 s   154 MB
    rules+lingua                0.976      1.000      0.956      10.0 s   335 MB
    rules+py3langid-restricted  0.988      1.000      0.941       3.1 s   154 MB   <- chosen
    (unaccented VNTC first sentences: 0.913 / 0.917 / 0.913 / 0.920 / 0.960)
"""
from __future__ import annotations

import argparse
import gzip
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared" / "data"
BACKENDS = ("py3langid", "lingua", "rules+py3langid", "rules+lingua", "rules+py3langid-restricted")


def load_sample() -> list[tuple[str, str, str]]:
    """(lang, text, group) triples."""
    from presswatch.text import fold

    out = []
    for line in (ROOT / "tests" / "data" / "language_sample.tsv").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            lang, text = line.split("\t", 1)
            out.append((lang, text, "hand"))
    vntc = SHARED / "vntc" / "test.jsonl.gz"
    if vntc.exists():
        with gzip.open(vntc, "rt", encoding="utf-8") as f:
            for i, line in enumerate(f):
                if i >= 300:
                    break
                text = json.loads(line)["text"].strip()
                first = text.split(". ")[0][:200]
                out += [("vi", text[:600], "vntc"), ("vi", first, "vntc-sentence"),
                        ("vi", fold(first), "vntc-no-diacritics")]
    return [s for s in out if s[1].strip()]


def run(backend: str) -> dict:
    from pipelines.language import detect

    sample = load_sample()
    t0 = time.perf_counter()
    detect("warm-up text for the model loading", backend)
    load_s = time.perf_counter() - t0
    results = []
    t0 = time.perf_counter()
    for lang, text, group in sample:
        got, _ = detect(text, backend)
        results.append((lang, got, group, len(text)))
    elapsed = time.perf_counter() - t0
    by_lang: dict[str, list[int]] = {}
    by_group: dict[str, list[int]] = {}
    errors: dict[str, int] = {}
    for lang, got, group, _ in results:
        ok = int(got == lang)
        by_lang.setdefault(lang, []).append(ok)
        by_group.setdefault(group, []).append(ok)
        if not ok:
            errors[f"{lang}->{got}"] = errors.get(f"{lang}->{got}", 0) + 1
    short = [int(g == l) for l, g, _, n in results if n < 60]
    acc = lambda xs: round(sum(xs) / len(xs), 3) if xs else None  # noqa: E731
    return {
        "backend": backend, "n": len(results), "accuracy": acc([int(g == l) for l, g, *_ in results]),
        "accuracy_hand": acc(by_group.get("hand", [])), "accuracy_short": acc(short), "n_short": len(short),
        "by_lang": {k: acc(v) for k, v in sorted(by_lang.items())},
        "by_group": {k: acc(v) for k, v in sorted(by_group.items())},
        "top_errors": dict(sorted(errors.items(), key=lambda kv: -kv[1])[:8]),
        "docs_per_s": round(len(results) / elapsed, 1), "model_load_s": round(load_s, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", choices=BACKENDS)
    args = ap.parse_args()
    if args.only:
        print(json.dumps(run(args.only), ensure_ascii=False))
        return
    for b in BACKENDS:  # one process each, so peak RSS is the back-end's own
        out = subprocess.run([sys.executable, __file__, "--only", b], capture_output=True, text=True)
        if out.returncode != 0:  # lingua is not a dependency: pip install lingua-language-detector==2.1.1
            print(f"{b:16s} not run: {out.stderr.strip().splitlines()[-1]}")
            continue
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"{b:16s} acc {r['accuracy']:.3f} (n={r['n']})  hand {r['accuracy_hand']:.3f}  "
              f"short {r['accuracy_short']:.3f} (n={r['n_short']})  {r['docs_per_s']:.0f} docs/s  "
              f"load {r['model_load_s']} s  peak RSS {r['peak_rss_mb']} MB")
        print(f"{'':16s} by language {r['by_lang']}")
        print(f"{'':16s} by group {r['by_group']}")
        print(f"{'':16s} errors {r['top_errors']}")


if __name__ == "__main__":
    main()
