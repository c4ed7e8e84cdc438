"""Fault injection: SIGKILL the real ``presswatch`` command at random points of a large run, many times,
then check the store and the index against the source corpus.

The corpus is N items (JSON lines, the ``presswatch import`` format) with the texts of the scaled demo
site (``presswatch.demo_site.scaled.ScaledSite``: every 20th item is a verbatim copy of the one before,
and recombined paragraphs make near-duplicates), or VNTC texts with ``--corpus vntc``. Each attempt
starts ``presswatch import CORPUS`` (store every item, then process and index everything pending, in one
process) in its own process group and kills the group after a random delay (seeded, printed). A final
run without a kill must then finish, and the checks must find:

* every corpus URL stored exactly once, no other document, and documents with the same content exactly
  where the corpus has the same text (0 lost, 0 duplicated by URL or by content);
* every document ``processed`` (none stuck ``fetched`` or ``failed``);
* the index holding exactly the processed document ids, nothing left unindexed;
* the near-duplicate tables consistent: every original with a MinHash signature has it stored with all its
  LSH bands, no copy has one, every copy points at a processed original of its story; story counts and
  one alert per story;
* the same duplicates and stories as a run of the same corpus that was never killed (the reference).

Kill delays are random (seeded, printed) between 0.2 s and the time the rest of the run is expected to take
(from the reference run's time, its re-indexing time and what is already stored, processed and indexed), so
kills land at random points of the start-up, of storing, of processing and of indexing, however fast the
machine is.

``tests/test_crash.py`` runs this code on a smaller corpus in CI; the command below is the full version:

    .venv/bin/python benchmarks/fault_injection.py --docs 10000 --kills 20 --seed 1
"""
from __future__ import annotations

import argparse
import collections
import hashlib
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.conftest import cli_env, presswatch_cmd  # noqa: E402  (one definition of how the CLI is started)


# --------------------------------------------------------------------------- corpus
def write_corpus(path: Path, n: int, seed: int = 7, corpus: str = "demo") -> list[dict]:
    """N import items with distinct URLs (texts from the scaled demo site, or VNTC); returns them."""
    from presswatch.demo_site.scaled import ScaledSite, load_vntc

    texts = load_vntc(max(200, n // 4)) if corpus == "vntc" else None
    site = ScaledSite(n=n, feeds=4, seed=seed, corpus=texts)
    items = []
    with open(path, "w", encoding="utf-8") as f:
        for i in range(n):
            m = site._meta(i)  # noqa: SLF001 — the article the site would serve, without serving it
            item = {"url": f"https://corpus.test/a/{i}", "title": m["title"], "text": "\n\n".join(m["body"]),
                    "published": m["published"].isoformat(), "outlet": f"Báo thử nghiệm {i % 5}", "lang": "vi",
                    "source_type": ("provincial_press", "national_press", "social")[i % 3]}
            f.write(json.dumps(item, ensure_ascii=False) + "\n")
            items.append(item)
    return items


# --------------------------------------------------------------------------- the kill loop
def count(db: Path, sql: str) -> int:
    """One number from the store, 0 while it does not exist yet or is locked."""
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as c:
            return c.execute(sql).fetchone()[0]
    except sqlite3.Error:
        return 0


@dataclass
class Kill:
    attempt: int
    delay_s: float
    killed: bool  # False: the run finished before the delay ran out
    rc: int | None = None  # exit status of a run that finished
    output: str = ""  # its output (tail)
    stored: int = 0
    processed: int = 0
    indexed: int = 0

    total: int = 0  # corpus size

    @property
    def phase(self) -> str:
        if not self.killed:
            return "finished"
        if self.stored < self.total:
            return "storing"
        if self.processed < self.total:
            return "processing"
        return "indexing"


@dataclass
class Outcome:
    kills: list[Kill] = field(default_factory=list)
    final_rc: int = 0
    final_output: str = ""
    seconds: float = 0.0


def kill_loop(args: list[str], data_dir: Path, kills: int, seed: int, total: int, window_s,
              min_delay_s: float = 0.2, env: dict | None = None, log=print) -> Outcome:
    """Start ``presswatch ARGS`` and SIGKILL its process group after a random delay, until it was killed
    ``kills`` times (a run that finishes before its delay counts as an attempt); then run it once more. Each delay is drawn (``random.Random(seed)``) between ``min_delay_s``
    and ``window_s(stored, processed, indexed)``: how long the rest of the run is expected to take, so
    that the kills fall at random points of the work still to do."""
    rng = random.Random(seed)
    env = env or cli_env(data_dir)
    db = Path(data_dir) / "presswatch.db"
    out = Outcome()
    started = time.monotonic()
    stored = processed = indexed = 0
    attempt = 0
    while sum(k.killed for k in out.kills) < kills and attempt < 3 * kills:  # a run may finish before its delay
        attempt += 1
        delay = round(rng.uniform(min_delay_s, max(min_delay_s, window_s(stored, processed, indexed))), 2)
        with tempfile.TemporaryFile() as output:
            p = subprocess.Popen(presswatch_cmd() + args, env=env, stdout=output, stderr=subprocess.STDOUT,
                                 start_new_session=True)
            try:
                p.wait(delay)
                k = Kill(attempt, delay, killed=False, rc=p.returncode)
                output.seek(0)
                k.output = output.read().decode("utf-8", "replace")[-2000:]
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait(30)
                k = Kill(attempt, delay, killed=True)
        k.total = total
        k.stored = stored = count(db, "SELECT count(*) FROM documents")
        k.processed = processed = count(db, "SELECT count(*) FROM documents WHERE status != 'fetched'")
        k.indexed = indexed = count(db, "SELECT count(*) FROM documents WHERE indexed_at IS NOT NULL")
        out.kills.append(k)
        log(f"attempt {attempt:2d}: {'SIGKILL after' if k.killed else f'exit {k.rc} before'} {delay:5.2f} s "
            f"({k.phase}; stored {k.stored}, processed {k.processed}, indexed {k.indexed})")
        if not k.killed and k.rc != 0:
            log(f"    output: {k.output.strip()[-1500:]}")
    final = subprocess.run(presswatch_cmd() + args, env=env, capture_output=True, text=True, timeout=3600)
    out.final_rc, out.final_output = final.returncode, final.stdout + final.stderr
    out.seconds = time.monotonic() - started
    log(f"final run: exit {final.returncode}: {final.stdout.strip()[-300:]}")
    return out


# --------------------------------------------------------------------------- the checks
def _index_ids(settings) -> list[int]:
    import tantivy

    from presswatch.index import open_index

    ix = open_index(settings)
    try:
        searcher = ix.index.searcher()
        n = searcher.num_docs
        hits = searcher.search(tantivy.Query.all_query(), limit=max(1, n)).hits if n else []
        return [searcher.doc(addr)["id"][0] for _score, addr in hits]
    finally:
        ix.close()


def dedup_view(db: Path) -> dict:
    """Duplicates and stories by URL (ids differ between runs): {url: (duplicate_of url, story members)}."""
    with sqlite3.connect(db) as c:
        rows = c.execute("SELECT id, url, duplicate_of, story_id FROM documents").fetchall()
    url_of = {r[0]: r[1] for r in rows}
    stories: dict[str, set] = collections.defaultdict(set)
    for _id, url, _dup, story in rows:
        stories[story].add(url)
    return {url: (url_of.get(dup), frozenset(stories[story])) for _id, url, dup, story in rows}


def check(data_dir: Path, corpus: list[dict], reference: dict | None = None) -> list[str]:
    """Everything that is wrong with the store and index against the corpus; [] when all is well."""
    from pipelines.dedup import BANDS, signature
    from presswatch.config import load_settings

    problems: list[str] = []
    settings = load_settings(data_dir)
    db = settings.db_path
    with sqlite3.connect(db) as c:
        c.row_factory = sqlite3.Row
        docs = c.execute("SELECT id, url, status, content_hash, duplicate_of, story_id, record, indexed_at,"
                         " updated_at FROM documents").fetchall()
        sigs = {r[0]: r[1] for r in c.execute("SELECT doc_id, sig FROM doc_minhash")}
        bands = collections.Counter(r[0] for r in c.execute("SELECT doc_id FROM minhash_bands"))
        story_counts = {r[0]: r[1] for r in c.execute("SELECT id, doc_count FROM stories")}
        alerts = c.execute("SELECT story_id, doc_id FROM alerts").fetchall()

    # 0 lost, 0 duplicated by URL
    urls = collections.Counter(d["url"] for d in docs)
    expected = collections.Counter(i["url"] for i in corpus)
    lost = sorted(set(expected) - set(urls))
    extra = sorted(set(urls) - set(expected))
    doubled = sorted(u for u, n in urls.items() if n > 1)
    if lost:
        problems.append(f"{len(lost)} corpus item(s) lost, e.g. {lost[:3]}")
    if extra:
        problems.append(f"{len(extra)} document(s) not in the corpus, e.g. {extra[:3]}")
    if doubled:
        problems.append(f"{len(doubled)} URL(s) stored more than once, e.g. {doubled[:3]}")
    # 0 duplicated by content: documents share a content hash exactly where corpus items share a text
    by_text: dict[str, set] = collections.defaultdict(set)
    for i in corpus:
        by_text[hashlib.sha256(i["text"].encode()).hexdigest()].add(i["url"])
    corpus_groups = {frozenset(g) for g in by_text.values()}
    stored_groups: dict[str, set] = collections.defaultdict(set)
    for d in docs:
        stored_groups[d["content_hash"] or f"none:{d['id']}"].add(d["url"])
    if {frozenset(g) for g in stored_groups.values()} != corpus_groups:
        bad = [sorted(g) for g in stored_groups.values() if frozenset(g) not in corpus_groups]
        problems.append(f"stored content groups differ from the corpus's, e.g. {bad[:2]}")
    # nothing stuck
    statuses = collections.Counter(d["status"] for d in docs)
    if set(statuses) != {"processed"}:
        problems.append(f"documents not processed: {dict(statuses)}")
    # the index matches the store
    processed = {d["id"] for d in docs if d["status"] == "processed"}
    unindexed = [d["id"] for d in docs if d["status"] == "processed"
                 and (d["indexed_at"] is None or d["indexed_at"] < d["updated_at"])]
    if unindexed:
        problems.append(f"{len(unindexed)} processed document(s) not indexed, e.g. {unindexed[:5]}")
    in_index = _index_ids(settings)
    if len(in_index) != len(set(in_index)):
        problems.append(f"the index holds {len(in_index) - len(set(in_index))} document id(s) twice")
    if set(in_index) != processed:
        problems.append(f"index ids differ from the processed ids: {len(set(in_index) - processed)} extra, "
                        f"{len(processed - set(in_index))} missing")
    # near-duplicate tables
    by_id = {d["id"]: d for d in docs}
    missing_sig, wrong_sig = [], []
    for d in docs:
        if d["status"] != "processed":
            continue
        if d["duplicate_of"] is not None:
            original = by_id.get(d["duplicate_of"])
            if original is None or original["duplicate_of"] is not None or original["story_id"] != d["story_id"]:
                problems.append(f"document {d['id']}: duplicate_of {d['duplicate_of']} is not an original of its story")
            if d["id"] in sigs or bands.get(d["id"]):
                problems.append(f"document {d['id']} is a copy but has a MinHash signature")
            continue
        text = json.loads(d["record"])["extraction"]["text"]
        sig = signature(text)
        if sig is None:
            continue
        if d["id"] not in sigs or bands.get(d["id"], 0) != BANDS:
            missing_sig.append(d["id"])
        elif sigs[d["id"]] != sig.values:
            wrong_sig.append(d["id"])
    if missing_sig:
        problems.append(f"{len(missing_sig)} original(s) without their MinHash signature and {BANDS} bands, "
                        f"e.g. {missing_sig[:5]} (later copies of them would not be recognised)")
    if wrong_sig:
        problems.append(f"{len(wrong_sig)} stored signature(s) differ from the text's, e.g. {wrong_sig[:5]}")
    orphans = (set(sigs) | set(bands)) - processed
    if orphans:
        problems.append(f"MinHash rows for {len(orphans)} document(s) that are not processed originals")
    members = collections.Counter(d["story_id"] for d in docs if d["status"] == "processed")
    wrong_counts = [s for s, n in members.items() if story_counts.get(s) != n]
    if wrong_counts or set(story_counts) != set(members):
        problems.append(f"story table out of step: {len(wrong_counts)} wrong doc_count(s), "
                        f"{len(set(story_counts) ^ set(members))} missing/extra stories")
    story_alerts = [a for a in alerts if not a[0].startswith("spike:")]  # spike alerts name a window, not a story
    if any(n > 1 for n in collections.Counter(a[0] for a in story_alerts).values()):
        problems.append("a story has more than one alert")
    if any(by_id.get(a[1]) is None or by_id[a[1]]["story_id"] != a[0] for a in story_alerts):
        problems.append("an alert points at a document outside its story")
    if reference is not None:
        now = dedup_view(db)
        differ = [u for u in reference if now.get(u) != reference[u]]
        if differ:
            problems.append(f"{len(differ)} document(s) have other duplicates/stories than in a run that was never "
                            f"killed, e.g. {differ[:3]}")
    return problems


def timed_import(corpus_file: Path, data: Path, env_extra: dict) -> float:
    """``presswatch import`` once, never killed; its wall time."""
    t = time.monotonic()
    r = subprocess.run(presswatch_cmd() + ["import", str(corpus_file)], env=cli_env(data, **env_extra),
                       capture_output=True, text=True, timeout=3600)
    if r.returncode != 0:
        raise RuntimeError(f"`presswatch import {corpus_file}` failed: {r.stdout[-2000:]}{r.stderr[-2000:]}")
    return time.monotonic() - t


ENV = {"PRESSWATCH_CLASSIFIER": "keywords"}  # the keyword rules: the pipeline's fastest classifier


def run(docs: int, kills: int, seed: int, work: Path, corpus: str = "demo", reference: bool = True,
        batch_size: int = 200, log=print) -> tuple[Outcome, list[str]]:
    """The corpus; a reference run never killed (its time sets the kill window; its duplicates and
    stories are compared); the kill loop; the final run; the checks."""
    corpus_file = work / "corpus.jsonl"
    items = write_corpus(corpus_file, docs, seed=7, corpus=corpus)
    env_extra = {**ENV, "PRESSWATCH_BATCH_SIZE": str(batch_size)}
    empty = work / "empty.jsonl"
    empty.write_text("")
    timed_import(empty, work / "startup", env_extra)
    startup_s = timed_import(empty, work / "startup", env_extra)  # the second: warm file caches
    ref = None
    if reference:
        ref_s = timed_import(corpus_file, work / "reference", env_extra)
        ref = dedup_view(work / "reference" / "presswatch.db")
        t = time.monotonic()  # the share of indexing: rebuilding the reference's index
        r = subprocess.run(presswatch_cmd() + ["reindex"], env=cli_env(work / "reference", **env_extra),
                           capture_output=True, text=True, timeout=3600)
        index_s = max(0.0, time.monotonic() - t - startup_s) if r.returncode == 0 else 0.1 * ref_s
    else:
        ref_s = startup_s + docs / 100  # ~100 docs/s stored and processed (keyword classifier, 2 slow CPUs)
        index_s = 0.1 * ref_s
    store_s = 0.05 * (ref_s - startup_s)  # storing is a small part of an import: processing is the rest
    per_doc_s = max(0.0, ref_s - startup_s - store_s - index_s) / docs
    log(f"corpus: {len(items)} items; seed {seed}; start-up {startup_s:.1f} s, a run never killed {ref_s:.1f} s "
        f"(indexing ~{index_s:.1f} s)")

    def window(stored: int, processed: int, indexed: int) -> float:
        """Expected time of the rest of the run: start-up, storing, processing and indexing what is left."""
        return (startup_s + (store_s if stored < docs else 0) + per_doc_s * (docs - processed)
                + index_s * (docs - indexed) / docs) * 1.1

    data = work / "data"
    outcome = kill_loop(["import", str(corpus_file)], data, kills, seed, docs, window,
                        env=cli_env(data, **env_extra), log=log)
    problems = [] if outcome.final_rc == 0 else [f"the final run failed: {outcome.final_output[-2000:]}"]
    problems += check(data, items, ref)
    return outcome, problems


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=10000)
    ap.add_argument("--kills", type=int, default=20)
    ap.add_argument("--seed", type=int, default=None, help="delays' seed (default: random, printed)")
    ap.add_argument("--corpus", choices=["demo", "vntc"], default="demo")
    ap.add_argument("--no-reference", action="store_true", help="skip the comparison with an unkilled run")
    ap.add_argument("--work", type=Path, default=None, help="keep the data here (default: a temporary dir)")
    a = ap.parse_args()
    seed = a.seed if a.seed is not None else random.SystemRandom().randrange(10**6)
    work = a.work or Path(tempfile.mkdtemp(prefix="pw-fault-"))
    work.mkdir(parents=True, exist_ok=True)
    outcome, problems = run(a.docs, a.kills, seed, work, a.corpus, not a.no_reference,
                            log=lambda m: print(m, flush=True))
    phases = collections.Counter(k.phase for k in outcome.kills)
    print(f"\n{a.docs} documents, seed {seed}: {sum(k.killed for k in outcome.kills)} SIGKILLs "
          f"({dict(phases)}), kill loop + final run {outcome.seconds:.1f} s")
    for p in problems:
        print("PROBLEM:", p)
    print("result: " + ("OK — 0 lost, 0 duplicated, index = store, near-duplicate tables consistent"
                        if not problems else f"{len(problems)} problem(s)"))
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
