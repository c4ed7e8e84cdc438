"""Crash safety of the real command: SIGKILLs at random points and a full disk, then recovery, checked
against the source corpus (``benchmarks/fault_injection.py`` holds the runs and the checks; its command
line runs the same code on 10,000 documents)."""
import collections
import json
import resource
import sqlite3
import subprocess
import sys

import pytest

from benchmarks.fault_injection import ENV, check, run, write_corpus
from tests.conftest import cli_env, presswatch_cmd

# These check the SQLite file itself (PRAGMA integrity_check, a file-size limit standing in for a full disk);
# with DATABASE_URL set they still run, on SQLite (a Postgres server's disk is the server's).
pytestmark = pytest.mark.sqlite_only

SEED = 20261201


def test_many_sigkills_at_random_points_lose_and_duplicate_nothing(tmp_path):
    log: list[str] = []
    outcome, problems = run(docs=300, kills=10, seed=SEED, work=tmp_path, log=log.append)
    print("\n".join(log))  # the seed and each kill point, shown when the test fails
    killed = [k for k in outcome.kills if k.killed]
    assert len(killed) == 10, log
    assert any(k.processed for k in killed), "no kill landed while documents were being processed"
    assert problems == []


def _limited_run(data_dir, corpus_file, max_file_bytes: int | None):
    """``presswatch import`` with the size of any file it writes capped (RLIMIT_FSIZE): past the cap the
    kernel fails the write with EFBIG, as a full disk fails it with ENOSPC."""
    def limit():
        if max_file_bytes is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (max_file_bytes, max_file_bytes))

    return subprocess.run(presswatch_cmd() + ["import", str(corpus_file)], env=cli_env(data_dir, **ENV),
                          capture_output=True, text=True, timeout=300, preexec_fn=limit)


def _state(db, corpus_by_url):
    """Status counts; every stored document is whole (its text is the corpus item's) and the file is sound."""
    with sqlite3.connect(db) as c:
        assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows = c.execute("SELECT url, status, record FROM documents").fetchall()
    for url, _status, record in rows:
        rec = json.loads(record)
        assert rec["extraction"]["text"].split() == corpus_by_url[url]["text"].split(), url
    return collections.Counter(r[1] for r in rows)


def test_full_disk_during_ingest_and_processing_is_a_clear_error_and_the_next_run_catches_up(tmp_path):
    corpus_file = tmp_path / "corpus.jsonl"
    items = write_corpus(corpus_file, 400)
    by_url = {i["url"]: i for i in items}
    data = tmp_path / "d"
    db = data / "presswatch.db"

    # 1. the disk fills while items are being stored (400 stored items take ~2 MB)
    out = _limited_run(data, corpus_file, 1_000_000)
    assert out.returncode == 75, out.stderr[-3000:]
    assert "Ổ đĩa hoặc cơ sở dữ liệu đã đầy" in out.stderr and "The disk or database is full" in out.stderr
    assert "run the command again" in out.stderr and "Traceback" not in out.stderr
    statuses = _state(db, by_url)
    assert 0 < sum(statuses.values()) < len(items) and set(statuses) == {"fetched"}

    # 2. room for the items; processing then needs a 65 MB temporary file (the language model): no room.
    #    A full disk is not the documents' fault: none is marked failed, all wait for the next run
    out = _limited_run(data, corpus_file, 6_000_000)
    assert out.returncode == 75 and "The disk or database is full" in out.stderr, out.stderr[-3000:]
    assert "File too large" in out.stderr and "Traceback" not in out.stderr
    assert _state(db, by_url) == {"fetched": len(items)}

    # 3. the database itself fills up while documents are processed (SQLite's own limit: SQLITE_FULL), in a
    #    process of its own that then ends, as a command does: the documents it had claimed go to the next run
    #    (a process that lives on holds them until its lease ends, or takes them up itself on its next run)
    script = f"""
import pickle, sys
from presswatch.config import load_settings
from presswatch.service import process_now
from presswatch.storage import StorageFull, open_store
settings = load_settings({str(data)!r}, classifier="keywords")
with open_store(settings) as store:
    pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
    store.conn.execute(f"PRAGMA max_page_count={{pages + 300}}")
    try:
        process_now(store, settings)
        print("processing fitted in 300 more pages")
    except StorageFull as exc:
        print("FULL", "database or disk is full" in str(exc) and "Nothing is lost" in str(exc),
              str(pickle.loads(pickle.dumps(exc))) == str(exc))  # survives Prefect's process boundaries
"""
    out = subprocess.run([sys.executable, "-c", script], env=cli_env(data), capture_output=True, text=True,
                         timeout=300)
    assert out.stdout.split() == ["FULL", "True", "True"], out.stdout + out.stderr[-3000:]
    statuses = _state(db, by_url)
    assert set(statuses) == {"fetched", "processed"} and statuses["processed"] > 0  # none "failed"

    # 4. the limits lifted: the next run stores nothing twice and finishes everything
    out = _limited_run(data, corpus_file, None)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "Imported 0 new item(s)" in out.stdout
    assert check(data, items) == []
