"""Search latency at archive scale: the embedded tantivy index side by side with SQLite FTS5.

Documents are built from real Vietnamese news text (../shared/data/vntc, 84k articles), expanded by
sampling: each document is a headline-length sentence plus a 4–6-sentence passage from one article and
one sentence from another, with random topic / sentiment / source type / date metadata. Both engines
index the same documents. FTS5 uses `unicode61 remove_diacritics 2`, which does not fold đ, so its
queries are expanded (every d in a typed word also tried as đ).

    .venv/bin/python benchmarks/search.py --docs 1000000        # prints p50/p95 per query class
    .venv/bin/python benchmarks/search.py --docs 100000 --queries 100
"""
from __future__ import annotations

import argparse
import gzip
import itertools
import json
import random
import re
import resource
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from presswatch.index import IndexDoc  # noqa: E402
from presswatch.index.tantivy_index import TantivyIndex  # noqa: E402
from presswatch.record import SENTIMENTS, SOURCE_TYPES, TOPICS  # noqa: E402
from presswatch.text import fold, normalize  # noqa: E402

VNTC = Path(__file__).resolve().parents[2] / "shared" / "data" / "vntc"
_SENT = re.compile(r"(?<=[.!?])\s+")
_WORD = re.compile(r"[^\W\d_]{2,}")


def load_sentences() -> list[list[str]]:
    if not VNTC.exists():
        sys.exit(f"VNTC corpus not found at {VNTC}")
    arts = []
    for name in ("train.jsonl.gz", "test.jsonl.gz"):
        with gzip.open(VNTC / name, "rt", encoding="utf-8") as f:
            for line in f:
                sents = [s.strip() for s in _SENT.split(normalize(json.loads(line)["text"])) if len(s.strip()) > 20]
                if len(sents) >= 3:
                    arts.append(sents)
    return arts


def make_docs(arts, n: int, seed: int):
    rng = random.Random(seed)
    base = datetime(2025, 1, 1, tzinfo=timezone.utc)
    for i in range(n):
        a = arts[rng.randrange(len(arts))]
        k = rng.randint(4, 6)
        start = rng.randrange(max(1, len(a) - k))
        body = a[start:start + k] + [rng.choice(arts[rng.randrange(len(arts))])]
        title = a[rng.randrange(len(a))][:110]
        yield IndexDoc(id=i + 1, url=f"https://site{i % 50}.example.vn/a/{i}", title=title, text=" ".join(body),
                       lang="vi", sort_date=(base + timedelta(minutes=rng.randrange(60 * 24 * 700))).isoformat(),
                       source_id=f"src{i % 200}", source_type=rng.choice(SOURCE_TYPES),
                       sentiment=rng.choice(SENTIMENTS), stance="neutral",
                       topics=rng.sample(TOPICS, rng.randint(0, 2)), provinces=[])


def build_fts(db: Path, docs) -> None:
    c = sqlite3.connect(db)
    c.execute("PRAGMA journal_mode=WAL")
    c.execute("CREATE VIRTUAL TABLE fts USING fts5(title, text, tokenize='unicode61 remove_diacritics 2')")
    c.execute("CREATE TABLE meta (id INTEGER PRIMARY KEY, topics TEXT, sentiment TEXT, source_type TEXT, sort_date TEXT)")
    batch = []
    for d in docs:
        batch.append(d)
        if len(batch) == 10000:
            _fts_insert(c, batch)
            batch = []
    _fts_insert(c, batch)
    c.execute("CREATE INDEX meta_topics ON meta(topics)")
    c.commit()
    c.close()


def _fts_insert(c, batch) -> None:
    c.executemany("INSERT INTO fts(rowid, title, text) VALUES (?,?,?)", [(d.id, d.title, d.text) for d in batch])
    c.executemany("INSERT INTO meta VALUES (?,?,?,?,?)",
                  [(d.id, " ".join(d.topics), d.sentiment, d.source_type, d.sort_date) for d in batch])
    c.commit()


def _fts_word(w: str) -> str:
    """FTS5 term with đ expansion: 'dinh' → ("dinh" OR "đinh")."""
    w = w.replace('"', "")
    if "d" not in w.lower():
        return f'"{w}"'
    idx = [i for i, ch in enumerate(w) if ch in "dD"]
    variants = set()
    for combo in itertools.product("dđ", repeat=min(len(idx), 3)):
        chars = list(w)
        for j, ch in zip(idx, combo):
            chars[j] = ch
        variants.add("".join(chars))
    return "(" + " OR ".join(f'"{v}"' for v in sorted(variants)) + ")"


def make_queries(arts, n: int, seed: int) -> dict[str, list[tuple[str, str]]]:
    """(tantivy query, FTS5 MATCH + optional filter) per class."""
    rng = random.Random(seed + 1)
    words, phrases = [], []
    while len(words) < n or len(phrases) < n:
        s = rng.choice(rng.choice(arts))
        ws = _WORD.findall(s.lower())
        if len(ws) >= 3:
            j = rng.randrange(len(ws) - 1)
            words.append(ws[j])
            phrases.append((ws[j], ws[j + 1]))
    qs: dict[str, list] = {"single word": [], "phrase": [], "boolean+filter": [], "no diacritics": []}
    for i in range(n):
        w = words[i]
        a, b = phrases[i]
        w2 = words[(i + 7) % n]
        topic = rng.choice(TOPICS)
        qs["single word"].append((w, (_fts_word(w), None)))
        qs["phrase"].append((f'"{a} {b}"', (f'"{a} {b}"', None)))
        qs["boolean+filter"].append((f"{w} {w2} topic:{topic}",
                                     (f"{_fts_word(w)} AND {_fts_word(w2)}", topic)))
        fw = fold(w)
        qs["no diacritics"].append((fw, (_fts_word(fw), None)))
    return qs


def fts_search(c, match: str, topic: str | None) -> list:
    if topic:
        return c.execute("SELECT fts.rowid FROM fts JOIN meta ON meta.id=fts.rowid WHERE fts MATCH ? "
                         "AND (' '||meta.topics||' ') LIKE ? ORDER BY rank LIMIT 20", (match, f"% {topic} %")).fetchall()
    return c.execute("SELECT rowid FROM fts WHERE fts MATCH ? ORDER BY rank LIMIT 20", (match,)).fetchall()


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=1_000_000)
    ap.add_argument("--queries", type=int, default=200, help="queries per class")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--keep", help="build into this directory and keep it (reused when it exists)")
    args = ap.parse_args()
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="pw-search-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"Search benchmark: {args.docs:,} documents from VNTC (expanded), {args.queries} queries per class")
    t = time.perf_counter()
    arts = load_sentences()
    print(f"corpus: {len(arts):,} VNTC articles loaded in {time.perf_counter() - t:.1f} s")
    tdir, fdb = work / "tantivy", work / "fts5.db"
    if not (tdir / "meta.json").exists():
        t = time.perf_counter()
        ix = TantivyIndex(tdir, writable=True)
        batch = []
        for d in make_docs(arts, args.docs, args.seed):
            batch.append(d)
            if len(batch) == 20000:
                ix.upsert(batch)
                batch = []
        ix.upsert(batch)
        print(f"tantivy build: {time.perf_counter() - t:.0f} s")
    if not fdb.exists():
        t = time.perf_counter()
        build_fts(fdb, make_docs(arts, args.docs, args.seed))
        print(f"FTS5 build: {time.perf_counter() - t:.0f} s")
    size = lambda p: sum(f.stat().st_size for f in Path(p).rglob("*") if f.is_file()) if Path(p).is_dir() else Path(p).stat().st_size  # noqa: E731
    print(f"sizes: tantivy {size(tdir) / 2**20:,.0f} MiB, FTS5 {size(fdb) / 2**20:,.0f} MiB")

    ix = TantivyIndex(tdir)
    assert ix.count() == args.docs, ix.count()
    c = sqlite3.connect(fdb)
    queries = make_queries(arts, args.queries, args.seed)
    for q, (m, topic) in itertools.islice(itertools.chain(*queries.values()), 20):  # warm both
        ix.query(q)
        fts_search(c, m, topic)
    print(f"\n{'query class':<16} {'tantivy p50':>11} {'p95':>7} {'FTS5 p50':>9} {'p95':>8} {'p95 ratio':>9}  hits/q t|f")
    all_t, all_f = [], []
    for name, qs in queries.items():
        tt, ff, ht, hf = [], [], 0, 0
        for q, (m, topic) in qs:
            s = time.perf_counter()
            r = ix.query(q, limit=20)
            tt.append((time.perf_counter() - s) * 1000)
            ht += len(r.hits)
            s = time.perf_counter()
            rows = fts_search(c, m, topic)
            ff.append((time.perf_counter() - s) * 1000)
            hf += len(rows)
        all_t += tt
        all_f += ff
        print(f"{name:<16} {pct(tt, 50):>9.1f}ms {pct(tt, 95):>5.1f}ms {pct(ff, 50):>7.1f}ms {pct(ff, 95):>6.1f}ms "
              f"{pct(ff, 95) / max(pct(tt, 95), 1e-9):>8.1f}x  {ht / len(qs):.1f}|{hf / len(qs):.1f}")
    print(f"{'all':<16} {pct(all_t, 50):>9.1f}ms {pct(all_t, 95):>5.1f}ms {pct(all_f, 50):>7.1f}ms "
          f"{pct(all_f, 95):>6.1f}ms {pct(all_f, 95) / max(pct(all_t, 95), 1e-9):>8.1f}x")
    print(f"tantivy queries include snippet generation; peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
