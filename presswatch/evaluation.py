"""Quality measures used by the CI gates and the evaluation scripts.

Extraction is scored like the article-extraction-benchmark: precision / recall / F1 over word 4-shingles
of the extracted text against the ground-truth body (multiset overlap)."""
from __future__ import annotations

import gzip
import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import yaml

FLOORS_FILE = Path(__file__).resolve().parents[1] / "quality_floors.yaml"
_TOKEN = re.compile(r"\w+", re.UNICODE)


def shingles(text: str, n: int = 4) -> Counter:
    toks = _TOKEN.findall((text or "").lower())
    if len(toks) < n:
        return Counter([tuple(toks)]) if toks else Counter()
    return Counter(tuple(toks[i:i + n]) for i in range(len(toks) - n + 1))


@dataclass
class PRF:
    precision: float
    recall: float
    f1: float


def prf(predicted: str, expected: str) -> PRF:
    p, e = shingles(predicted), shingles(expected)
    if not p and not e:
        return PRF(1.0, 1.0, 1.0)
    tp = sum((p & e).values())
    precision = tp / max(1, sum(p.values()))
    recall = tp / max(1, sum(e.values()))
    f1 = 0.0 if tp == 0 else 2 * precision * recall / (precision + recall)
    return PRF(precision, recall, f1)


def extraction_benchmark(root: Path, extractor) -> dict:
    """Run ``extractor(html_bytes, url) -> text`` over the benchmark; mean precision/recall/F1."""
    truth = json.loads((root / "ground-truth.json").read_text(encoding="utf-8"))
    scores = []
    for key, item in sorted(truth.items()):
        page = root / "html" / f"{key}.html.gz"
        if not page.exists():
            continue
        text = extractor(gzip.decompress(page.read_bytes()), item.get("url", ""))
        scores.append(prf(text, item["articleBody"]))
    n = len(scores)
    return {"pages": n, "precision": sum(s.precision for s in scores) / n,
            "recall": sum(s.recall for s in scores) / n, "f1": sum(s.f1 for s in scores) / n}


def load_floors() -> dict:
    return yaml.safe_load(FLOORS_FILE.read_text(encoding="utf-8"))
