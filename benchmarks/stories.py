"""Dedup + story clustering throughput at 100,000 documents, and the calibration of the clustering bars.

    .venv/bin/python benchmarks/stories.py                       # 100,000 documents, text path
    .venv/bin/python benchmarks/stories.py --path embedding      # the same stream with e5 vectors
    .venv/bin/python benchmarks/stories.py --n 20000             # shorter
    .venv/bin/python benchmarks/stories.py --calibrate           # pair similarities behind the bars

**Stream.** VNTC texts (train + test, ../shared/data/vntc) as originals, in corpus order, spread evenly
over ``--days`` (60: ~1,700 items a day; the in-memory window holds ~10,000), plus planted items of the same
stories arriving 0.5-30 h after their source: 8 % *rewrites* (the source's lead sentences in another
order, 25 % of the words dropped, its own title: another outlet's article, which dedup must not fold and
clustering should join) and 1 % verbatim copies (dedup's exact hash). The title is the first ten words.
Relevance is not run (no province hits: the province guard is off and province names count as shared
names — the pessimistic side for false merges).

Each item runs the real stages in arrival order against a real SQLite store: ``pipelines.dedup.dedup``
(``find_by_hash``, ``find_near_duplicate``), then ``pipelines.stories.cluster`` (``story_candidates``),
then ``Store.save_processed`` (document, story and ``story_vectors`` rows) and ``save_signature``.

``--path embedding``: each item also carries an e5 vector. Encoding 100,000 texts on these CPUs would take
hours, so the vectors are **real e5 vectors of a sample** (``--sample`` VNTC texts, encoded once with the
bundled classifier's encoder), item ``i`` taking sample vector ``i mod sample`` and a rewrite its
source's vector plus noise. The throughput is representative (the cost is the matrix products and the
bounded name checks); recall and false merges on this path are not meaningful and are not printed.

Prints docs/s of dedup alone and of dedup + clustering + writes, per-document latency p50/p95, peak RSS,
store size, the window size, and on the text path: planted rewrites joined to their source's story
(recall) and VNTC originals joined to another original's story (false merges; VNTC holds some articles
published twice, so not every one is wrong)."""
from __future__ import annotations

import argparse
import gzip
import itertools
import json
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
VNTC = ROOT.parent / "shared" / "data" / "vntc"
T0 = datetime(2026, 9, 1, tzinfo=timezone.utc)


def load_vntc(limit: int) -> list[str]:
    texts: list[str] = []
    for name in ("train.jsonl.gz", "test.jsonl.gz"):
        with gzip.open(VNTC / name, "rt", encoding="utf-8") as f:
            for line in f:
                texts.append(json.loads(line)["text"].strip())
                if len(texts) >= limit:
                    return texts
    return texts


def split(text: str) -> tuple[str, str]:
    words = text.split()
    return " ".join(words[:10]), text


def rewrite(text: str, rng: random.Random) -> tuple[str, str]:
    """Another outlet's article of the same story: lead sentences reordered, a quarter of the words gone."""
    sentences = [s.strip() for s in text.replace("\n", " ").split(". ") if s.strip()][:6]
    rng.shuffle(sentences)
    words = [w for w in ". ".join(sentences).split() if rng.random() > 0.25]
    body = " ".join(words)
    return " ".join(words[3:13]), body


def _pct(v: list[float], q: float) -> float:
    v = sorted(v)
    return v[min(len(v) - 1, int(q * (len(v) - 1)))] * 1000


def stream(n: int, days: float, rng: random.Random):
    n_rw, n_exact = int(n * 0.08), int(n * 0.01)
    originals = load_vntc(n - n_rw - n_exact)
    n_rw = n - n_exact - len(originals)
    span = days * 86400 / max(1, len(originals))
    items = [(i * span, "original", i, *split(t)) for i, t in enumerate(originals)]
    for kind, count in (("rewrite", n_rw), ("exact", n_exact)):
        for _ in range(count):
            src = rng.randrange(len(originals))
            title, body = rewrite(originals[src], rng) if kind == "rewrite" else split(originals[src])
            items.append((src * span + rng.uniform(1800, 30 * 3600), kind, src, title, body))
    items.sort(key=lambda r: r[0])
    return originals, items


def sample_vectors(texts: list[str]):
    import numpy as np

    from models.classifier import get_classifier
    from presswatch.config import load_settings

    clf = get_classifier("transformer", settings=load_settings(tempfile.mkdtemp(prefix="pw-st-")))
    if not clf.version.startswith("transformer:"):
        raise SystemExit("--path embedding needs the transformer classifier (it fell back to the keyword rules)")
    from models.transformer import encoder_input

    t = time.perf_counter()
    emb = clf.encoder.embed([encoder_input(*split(x)) for x in texts], max_tokens=clf.max_tokens, batch_size=16)
    print(f"encoded {len(texts)} sample texts in {time.perf_counter() - t:.1f} s ({clf.version})")
    return np.asarray(emb.vectors, dtype=np.float32), clf.version


def run(args) -> None:
    import numpy as np

    from pipelines.dedup import dedup, signature
    from pipelines.stories import WINDOW_HOURS, cluster
    from presswatch.record import Document, Extraction, SourceRef
    from presswatch.storage import Store

    rng = random.Random(11)
    originals, items = stream(args.n, args.days, rng)
    print(f"{len(items):,} items over {args.days:g} days: {len(originals):,} VNTC originals, "
          f"{sum(k == 'rewrite' for _, k, *_ in items):,} rewrites, {sum(k == 'exact' for _, k, *_ in items):,} "
          f"verbatim copies (planted); path={args.path}; load average {os.getloadavg()[0]:.1f}")
    vectors = model = None
    if args.path == "embedding":
        vectors, model = sample_vectors(originals[:args.sample])
    tmp = Path(tempfile.mkdtemp(prefix="pw-stories-"))
    store = Store(tmp / "bench.db")

    def lookup(h: str):
        r = store.find_by_hash(h, None)
        return (r["id"], r["story_id"]) if r else None

    doc_of: dict[int, int] = {}
    lat, lat_dedup, results = [], [], []
    t_all = time.perf_counter()
    t_dedup = 0.0
    for k, (at, kind, src, title, body) in enumerate(items):
        t = time.perf_counter()
        published = T0 + timedelta(seconds=at)
        doc = Document(url=f"https://bench/{k}", source=SourceRef(id=f"o{k % 40}"),
                       extraction=Extraction(title=title, text=body, published=published, language="vi"))
        with store.tx() as c:
            doc.id = c.execute("INSERT INTO documents (url, source_id, status, record, created_at, updated_at)"
                               " VALUES (?,?,?,?,?,?)", (doc.url, doc.source.id, "fetched", "{}", "t", "t")).lastrowid
        doc = dedup(doc, lookup, store.find_near_duplicate)
        td = time.perf_counter()
        t_dedup += td - t
        lat_dedup.append(td - t)
        if vectors is not None:
            v = vectors[src % len(vectors)]
            if kind == "rewrite":
                v = v + np.random.default_rng(k).normal(0, 0.01, v.shape).astype(np.float32)
            doc.enrichment.embedding = (v / np.linalg.norm(v)).tolist()
            doc.enrichment.model_version = model
        doc = cluster(doc, store.story_candidates)
        doc.status = "processed"
        store.save_processed(doc)
        if doc.enrichment.duplicate_of is None:
            sig = signature(body)
            if sig is not None:
                store.save_signature(doc.id, sig)
        lat.append(time.perf_counter() - t)
        if kind == "original":
            doc_of[src] = doc.id
        results.append((kind, src, doc.id))
        if (k + 1) % 10000 == 0:
            print(f"  {k + 1:,} items, {(k + 1) / (time.perf_counter() - t_all):.0f} docs/s so far; window holds "
                  f"{store._story_window.n:,} members", flush=True)
    elapsed = time.perf_counter() - t_all
    story = {r[0]: r[1] for r in store.conn.execute("SELECT id, story_id FROM documents")}
    dup = {r[0]: r[1] for r in store.conn.execute("SELECT id, duplicate_of FROM documents")}
    n = len(items)
    print(f"dedup stage alone: {n / t_dedup:.0f} docs/s (p50 {_pct(lat_dedup, .5):.2f} ms, "
          f"p95 {_pct(lat_dedup, .95):.2f} ms)")
    print(f"dedup + clustering + store writes: {n:,} docs in {elapsed:.1f} s = {n / elapsed:.0f} docs/s; "
          f"per document p50 {_pct(lat, .5):.2f} ms, p95 {_pct(lat, .95):.2f} ms, max {max(lat) * 1000:.0f} ms "
          f"(window {WINDOW_HOURS:g} h)")
    if args.path == "text":
        rw = [(s, d) for kind, s, d in results if kind == "rewrite"]
        joined = sum(1 for s, d in rw if story[d] == story[doc_of[s]])
        folded = sum(1 for s, d in rw if dup[d] is not None)
        orig = [(s, d) for kind, s, d in results if kind == "original"]
        first = {r[0]: r[1] for r in store.conn.execute("SELECT id, first_doc_id FROM stories")}
        merged = sum(1 for _, d in orig if dup[d] is None and first[story[d]] != d)
        own = {story[d] for _, d in orig}
        print(f"planted rewrites joined to their source's story: {joined:,}/{len(rw):,} ({joined / max(1, len(rw)):.1%};"
              f" {folded:,} of them folded by dedup as near-copies, the rest clustered)")
        print(f"VNTC originals joined to an earlier original's story by clustering: {merged:,} of {len(orig):,} "
              f"({merged / max(1, len(orig)):.2%}); {len(own):,} stories for them")
        text_of = {d: (title, body) for (_, _, _, title, body), (_, _, d) in zip(items, results)}
        joined_orig = [d for _, d in orig if dup[d] is None and first[story[d]] != d]
        for d in random.Random(3).sample(joined_orig, min(args.show, len(joined_orig))):
            print(f"  joined: {text_of[d][1][:120]!r}\n    story of: {text_of[first[story[d]]][1][:120]!r}")
    size = sum(f.stat().st_size for f in tmp.iterdir()) / 2**20
    nv = store.conn.execute("SELECT count(*) FROM story_vectors").fetchone()[0]
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB; store {size:.0f} MiB "
          f"({nv:,} story_vectors rows); load average now {os.getloadavg()[0]:.1f}")
    store.close()


def calibrate(args) -> None:
    """Pair similarities and shared names on the fixture events (same event vs. twin event) and on VNTC
    pairs (different articles), with the transformer when it can be built."""
    import numpy as np
    import yaml

    from pipelines import stories as S
    from pipelines.normalize import normalize
    from pipelines.relevance import relevance
    from presswatch.record import Document, Extraction, SourceRef

    arts = yaml.safe_load((ROOT / "tests/data/stories/events.yaml").read_text(encoding="utf-8"))["articles"]
    clf = None
    try:
        from models.classifier import classify, get_classifier
        from presswatch.config import load_settings

        clf = get_classifier("transformer", settings=load_settings(tempfile.mkdtemp(prefix="pw-cal-")))
        if not clf.version.startswith("transformer:"):
            clf = None
    except Exception as exc:  # noqa: BLE001
        print(f"no transformer ({exc}); text path only")

    def feats(title, text, lang, published=None):
        d = Document(url="x", source=SourceRef(id="c"), extraction=Extraction(title=title, text=text, language=lang,
                                                                                 published=published))
        d = relevance(normalize(d))
        if clf is not None:
            d = classify(d, clf)
        return d, S.features(d)

    fx = [(a, *feats(a["title"], a["text"], a["lang"])) for a in arts]
    print("bars (similarity, shared-name score):", {f"{k[0]}/{'same' if k[1] else 'cross'}-language": v
                                                     for k, v in S.BARS.items()})
    print(f"{'pair':<6}{'event':<20}{'langs':<6}{'text':>6}{'emb':>7}{'score':>6}  shared names")
    for (a1, _, f1), (a2, _, f2) in itertools.combinations(fx, 2):
        same = a1["event"] == a2["event"]
        if not same and a1["event"].split("_")[0] != a2["event"].split("_")[0]:
            continue
        emb = float(f1.embedding @ f2.embedding) if f1.embedding is not None else float("nan")
        sh = sorted(f1.entities & f2.entities)
        print(f"{'same' if same else 'twin':<6}{a1['event']:<20}{a1['lang'] + a2['lang']:<6}"
              f"{float(f1.dense() @ f2.dense()):>6.3f}{emb:>7.3f}{sum(map(S.name_weight, sh)):>6.1f}  {', '.join(sh)}")

    texts = load_vntc(args.calibrate_n)
    rows = [feats(*split(t), "vi")[1] for t in texts]
    T = np.stack([f.dense() for f in rows])
    sims = T @ T.T
    iu = np.triu_indices(len(rows), 1)
    df: dict[str, int] = {}
    for f in rows:
        for name in f.entities:
            df[name] = df.get(name, 0) + 1
    limit = max(S.SPECIFIC_STORIES, S.SPECIFIC_SHARE * len(rows))  # each article its own story, as in a window

    def score(a, b):
        return sum(S.name_weight(t) for t in a.entities & b.entities if df[t] <= limit)

    shared = np.array([score(rows[i], rows[j]) for i, j in zip(*iu)])
    ts = sims[iu]
    print(f"\nVNTC: {len(rows)} different articles, {len(ts):,} pairs (no relevance guard; names incl. provinces)")
    for q in (0.5, 0.9, 0.99, 0.999):
        print(f"  text cosine quantile {q}: {np.quantile(ts, q):.3f}")
    for k in (1.0, 1.5, 2.0):
        print(f"  pairs with a shared-name score ≥ {k} (names in ≤ {limit:g} articles): {np.mean(shared >= k):.3%}")

    def rule(signal, sims):
        return np.array([S.passes(signal, True, float(x), float(y)) for x, y in zip(sims, shared)])

    pass_text = rule("text", ts)
    print(f"  pairs the text rule would merge: {int(pass_text.sum())} ({pass_text.mean():.4%})")
    if clf is not None:
        E = np.stack([f.embedding for f in rows])
        es = (E @ E.T)[iu]
        for q in (0.5, 0.9, 0.99, 0.999):
            print(f"  e5 cosine quantile {q}: {np.quantile(es, q):.3f}")
        pass_emb = rule("embedding", es)
        print(f"  pairs the embedding rule would merge: {int(pass_emb.sum())} ({pass_emb.mean():.4%})")
        for i, j in list(zip(iu[0][pass_emb], iu[1][pass_emb]))[:args.show]:
            print(f"    e5 {float(E[i] @ E[j]):.3f} text {float(T[i] @ T[j]):.3f} shared "
                  f"{sorted(rows[i].entities & rows[j].entities)}\n      {texts[i][:110]!r}\n      {texts[j][:110]!r}")
    for i, j in list(zip(iu[0][pass_text], iu[1][pass_text]))[:args.show]:
        print(f"    text {float(T[i] @ T[j]):.3f} shared {sorted(rows[i].entities & rows[j].entities)}\n"
              f"      {texts[i][:110]!r}\n      {texts[j][:110]!r}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--days", type=float, default=60.0)
    ap.add_argument("--path", choices=("text", "embedding"), default="text")
    ap.add_argument("--sample", type=int, default=500, help="VNTC texts encoded for --path embedding")
    ap.add_argument("--calibrate", action="store_true")
    ap.add_argument("--calibrate-n", type=int, default=1500, help="VNTC articles paired in --calibrate")
    ap.add_argument("--show", type=int, default=5, help="merged VNTC pairs shown in --calibrate")
    args = ap.parse_args()
    if not VNTC.exists():
        raise SystemExit(f"needs {VNTC}")
    calibrate(args) if args.calibrate else run(args)


if __name__ == "__main__":
    main()
