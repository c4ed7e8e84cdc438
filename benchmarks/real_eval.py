"""Quality on real text: the classifier scored against a hand-labelled sample of real Vietnamese news
(VNTC test split), topics / sentiment / stance, transformer and keyword rules side by side.

    nice -n 10 .venv/bin/python benchmarks/real_eval.py                      # both classifiers
    .venv/bin/python benchmarks/real_eval.py --classifier keywords           # rules only (seconds)
    .venv/bin/python benchmarks/real_eval.py --chars 1200                    # only what the annotator read
    .venv/bin/python benchmarks/real_eval.py --sample                        # print the sampled ids (seeded)
    .venv/bin/python benchmarks/real_eval.py --folded                        # the same articles typed without diacritics

The gold file ``models/data/vntc_gold.jsonl`` holds only VNTC ids and labels (the data's README forbids
copying the texts into the repository); texts are read from ``../shared/data/vntc/test.jsonl.gz`` and
the script stops with a message when that file is absent. How the items were sampled and labelled:
``models/data/VNTC_GOLD.md``. Metrics are ``models.train.score`` / ``format_report`` (the same figures
as ``presswatch evaluate`` prints for the generated dev set), so the two are comparable.

Title = the first line of the VNTC text (cut at 200 characters, as ``benchmarks/classifier.py`` does;
VNTC's first line is the headline run together with the lead), text = the remaining lines. By default
the whole article is classified, as the product would see it; ``--chars N`` cuts it to the first N
characters of the original text (the annotator read ~1,200). ``--folded`` classifies the same articles
folded (lower case, no diacritics, đ→d: ``presswatch.text.fold``, as the folded training copies): real
text and real labels, only the typing is simulated; no real text typed without diacritics is labelled."""
from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

VNTC_TEST = ROOT.parent / "shared" / "data" / "vntc" / "test.jsonl.gz"
GOLD = ROOT / "models" / "data" / "vntc_gold.jsonl"
SEED = 20261201
# Items per VNTC section: sections most likely to carry Presswatch topics are over-sampled.
QUOTAS = {"Chinh tri Xa hoi": 45, "The gioi": 40, "Phap luat": 40, "Kinh doanh": 40, "Van hoa": 35,
          "Doi song": 35, "Suc khoe": 20, "Khoa hoc": 15, "The thao": 15, "Vi tinh": 15}
MIN_CHARS = 300  # articles shorter than this (captions, stubs) are not sampled


def load_gold(path: Path = GOLD) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def read_texts(ids: set[str] | None = None, path: Path | None = None) -> dict[str, dict]:
    """VNTC rows by id (only ``ids`` when given); ``path`` defaults to VNTC_TEST."""
    out = {}
    with gzip.open(path or VNTC_TEST, "rt", encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            if ids is None or r["id"] in ids:
                out[r["id"]] = r
    return out


def sample_ids(seed: int = SEED, quotas: dict[str, int] = QUOTAS, path: Path | None = None,
               rows: dict[str, dict] | None = None) -> list[tuple[str, str]]:
    """(id, section) of the labelled sample: per section, ``quotas[section]`` articles of at least
    MIN_CHARS characters drawn with ``random.Random(seed)`` from the ids in file order. ``rows``: the
    file already read (``read_texts()``), to read it only once."""
    by_section: dict[str, list[str]] = {}
    for r in (rows if rows is not None else read_texts(path=path)).values():
        if len(r["text"].strip()) >= MIN_CHARS:
            by_section.setdefault(r["label"], []).append(r["id"])
    rng = random.Random(seed)
    out = []
    for section in sorted(quotas):
        out += [(i, section) for i in rng.sample(by_section[section], quotas[section])]
    return out


def title_and_text(raw: str, chars: int | None = None) -> tuple[str, str]:
    raw = raw[:chars] if chars else raw
    lines = [x.strip() for x in raw.split("\n") if x.strip()]
    if not lines:
        return "", ""
    return lines[0][:200], "\n".join(lines[1:])


def predict(name: str, items: list[tuple[str, str, str]]) -> tuple[list[dict], str, float]:
    from models.classifier import classify_many, get_classifier
    from presswatch.config import load_settings

    with tempfile.TemporaryDirectory() as tmp:
        clf = get_classifier(name, settings=load_settings(tmp))
        t0 = time.perf_counter()
        cs = classify_many(clf, items)
        dt = time.perf_counter() - t0
    return [{"topics": c.topics, "sentiment": c.sentiment, "stance": c.stance} for c in cs], clf.version, dt


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--classifier", choices=("transformer", "keywords", "both"), default="both")
    ap.add_argument("--gold", type=Path, default=GOLD)
    ap.add_argument("--chars", type=int, default=None, help="classify only the first N characters")
    ap.add_argument("--sample", action="store_true", help="print the seeded sample (id, section) and exit")
    ap.add_argument("--folded", action="store_true", help="classify the articles without diacritics, lower case")
    args = ap.parse_args(argv)
    if not VNTC_TEST.exists():
        print(f"real_eval: {VNTC_TEST} not found. This evaluation needs the VNTC test split beside the "
              "repository (../shared/data/vntc/test.jsonl.gz); see ../shared/data/README.md.", file=sys.stderr)
        return 2
    if args.sample:
        for i, section in sample_ids():
            print(json.dumps({"id": i, "vntc_label": section}, ensure_ascii=False))
        return 0

    from models.train import format_report, score
    from presswatch.record import STANCES

    gold = load_gold(args.gold)
    texts = read_texts({g["id"] for g in gold})
    missing = [g["id"] for g in gold if g["id"] not in texts]
    if missing:
        print(f"real_eval: {len(missing)} gold ids are not in {VNTC_TEST} (first: {missing[0]!r}); "
              "is this the right VNTC file?", file=sys.stderr)
        return 2
    items = [(*title_and_text(texts[g["id"]]["text"], args.chars), "vi") for g in gold]
    if args.folded:
        from presswatch.text import fold

        items = [(fold(t), fold(x), lang) for t, x, lang in items]
    names = ("transformer", "keywords") if args.classifier == "both" else (args.classifier,)
    summaries = {}
    for name in names:
        pred, version, dt = predict(name, items)
        res = score(gold, pred)
        supported = [lab for lab in STANCES if res["stance"][lab]["support"]]
        extra = {"stance_macro_f1_supported": sum(res["stance"][lab]["f1"] for lab in supported) / len(supported),
                 "predicted_distorting": sum(p["stance"] == "distorting" for p in pred)}
        summaries[name] = (version, {**res["summary"], **extra})
        what = "real VNTC text" + (" folded (no diacritics)" if args.folded else "")
        report = format_report(f"{name} ({version}), {what} [{dt:.1f}s, {len(gold) / dt:.1f} docs/s]", res)
        print(report.replace(" dev items", " hand-labelled items", 1))
        print()
    print("== side by side (macro-F1 over labels; topics over labels with gold support)")
    print(f"{'':26s}" + "".join(f"{n:>14s}" for n in summaries))
    for key in ("topic_macro_f1", "sentiment_macro_f1", "stance_macro_f1", "stance_macro_f1_supported",
                "stance_distorting_recall", "predicted_distorting"):
        print(f"{key:26s}" + "".join(f"{s[key]:14.3f}" if isinstance(s[key], float) else f"{s[key]:14d}"
                                     for _, s in summaries.values()))
    print("stance_macro_f1 averages all four stances (models.train.score); a stance with no gold item scores 0 there, "
          "so stance_macro_f1_supported averages only the stances the gold set contains. predicted_distorting: "
          "items the classifier called distorting (see VNTC_GOLD.md on how many distorting items the gold set has).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
