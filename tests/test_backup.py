"""Backup while the store is being written, restore into a fresh directory, compare; retention."""
import json
import sqlite3
import threading

import pytest

from presswatch.backup import BackupError, backup, prune_raw, restore, verify
from presswatch.config import load_settings
from presswatch.service import import_items, process_now, reindex
from presswatch.storage import open_store


def _items(n, start=0):
    return [json.dumps({"title": f"Tin số {i} về Bắc Ninh", "text": f"Nội dung {i}: KCN Quang Châu, tỉnh Bắc Ninh, "
                        "công nhân đình công ngừng việc đòi tăng lương.", "url": f"https://e.org/{i}"},
                       ensure_ascii=False) for i in range(start, start + n)]


def test_online_backup_restore_roundtrip(tmp_path, fresh_database_url):
    src = load_settings(tmp_path / "src")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "presswatch.toml").write_text('fetch_timeout_s = 15\n', encoding="utf-8")
    with open_store(src) as st:
        import_items(st, src, _items(60))
        process_now(st, src)
        st.set_alert_status(st.alerts()[0]["id"], "referred", "cán bộ", "chuyển BQL KCN")

    stop = threading.Event()

    def writer():  # another process-like writer keeps adding while the backup runs
        with open_store(src) as st:
            i = 1000
            while not stop.is_set():
                import_items(st, src, _items(1, i))
                i += 1

    t = threading.Thread(target=writer)
    t.start()
    try:
        out = backup(src, tmp_path / "backups")
    finally:
        stop.set()
        t.join()
    manifest = verify(out)
    assert manifest["counts"]["alerts_by_status"]["referred"] == 1
    assert "presswatch.toml" in manifest["files"] and not (out / "index").exists()

    dst = load_settings(tmp_path / "dst", database_url=fresh_database_url())  # Postgres path: an empty schema
    restore(out, dst)
    with open_store(dst) as st:
        assert reindex(st, dst) == 60
        c = st.counts()
        events = st.conn.execute("SELECT actor, to_status, note FROM review_events WHERE action='status'").fetchall()
    assert c["documents"] == manifest["counts"]["documents"] >= 60
    assert [tuple(e) for e in events] == [("cán bộ", "referred", "chuyển BQL KCN")]
    assert (tmp_path / "dst" / "presswatch.toml").read_text() == 'fetch_timeout_s = 15\n'
    if dst.database_url is None:
        with sqlite3.connect(tmp_path / "dst" / "presswatch.db") as c:
            assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

    with pytest.raises(BackupError, match="already exists|not empty"):
        restore(out, dst)
    (out / "presswatch.db").write_bytes((out / "presswatch.db").read_bytes()[:-10] + b"x" * 10)
    with pytest.raises(BackupError, match="checksum"):
        verify(out)


def test_prune_keeps_checksums_and_alert_evidence(store, settings):
    from datetime import timedelta

    from presswatch.record import Document, Extraction, Fetch, SourceRef

    for i in range(3):
        packed, sha = Fetch.pack(b"<html>page</html>")
        f = Fetch(requested_url=f"https://e.org/{i}", raw_compressed=packed, raw_sha256=sha)
        f.fetched_at = f.fetched_at - timedelta(days=100)
        store.add_document(Document(url=f"https://e.org/{i}", source=SourceRef(id="s"), fetch=f,
                                    extraction=Extraction(title="t", text="x")))
    store.conn.execute("UPDATE documents SET story_id='s1' WHERE id=1")
    store.conn.execute("INSERT INTO alerts (story_id, doc_id, kind, risk, reasons, created_at, updated_at)"
                       " VALUES ('s1', 1, 'sensitive', 0.9, '[]', 'x', 'x')")
    assert prune_raw(store, 30) == 2
    rows = store.conn.execute("SELECT doc_id, raw IS NULL, sha256 FROM raw_snapshots ORDER BY doc_id").fetchall()
    assert [(r[0], r[1]) for r in rows] == [(1, 0), (2, 1), (3, 1)] and all(r[2] for r in rows)
