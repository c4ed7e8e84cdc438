import sqlite3

from presswatch.record import Document, Enrichment, Extraction, Fetch, SourceRef
from presswatch.storage import MIGRATIONS, Store


def _doc(url="https://example.org/a", text="nội dung"):
    packed, sha = Fetch.pack(b"<html>raw</html>")
    return Document(url=url, source=SourceRef(id="src", source_type="national_press"),
                    fetch=Fetch(requested_url=url, status=200, raw_compressed=packed, raw_sha256=sha),
                    extraction=Extraction(title="Tiêu đề", text=text))


def test_migrations_wal_and_schema(tmp_path):
    st = Store(tmp_path / "p.db")
    assert st.schema_version() == len(MIGRATIONS)
    assert st.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    tables = {r[0] for r in st.conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"sources", "fetch_log", "documents", "raw_snapshots", "classifications", "stories", "alerts",
            "review_events", "users", "reports"} <= tables
    st.close()
    # reopening does not re-run migrations
    st2 = Store(tmp_path / "p.db")
    assert st2.schema_version() == len(MIGRATIONS)
    st2.close()


def test_add_document_is_idempotent_by_canonical_url_and_keeps_raw_compressed(tmp_path):
    st = Store(tmp_path / "p.db")
    first = st.add_document(_doc())
    assert first is not None
    assert st.add_document(_doc()) is None
    assert st.conn.execute("SELECT count(*) FROM documents").fetchone()[0] == 1
    loaded = st.load(first)
    assert loaded.fetch.raw_bytes() == b"<html>raw</html>"
    raw = st.conn.execute("SELECT raw FROM raw_snapshots WHERE doc_id=?", (first,)).fetchone()[0]
    assert raw != b"<html>raw</html>"  # stored compressed


def test_save_processed_raises_one_alert_per_story_with_audit(tmp_path):
    st = Store(tmp_path / "p.db")
    ids = [st.add_document(_doc(f"https://example.org/{i}")) for i in range(2)]
    for i in ids:
        d = st.load(i)
        d.status = "processed"
        d.enrichment = Enrichment(story_id="s1", stance="distorting", risk=0.9, alert=True,
                                  risk_reasons=["lý do"], model_version="m1", content_hash="h")
        out = st.save_processed(d)
        st.save_processed(d)  # saving twice changes nothing
    assert st.conn.execute("SELECT count(*) FROM alerts").fetchone()[0] == 1
    a = st.alerts()[0]
    assert a["kind"] == "distortion" and a["copies"] == 2
    assert st.conn.execute("SELECT count(*) FROM classifications").fetchone()[0] == 2
    assert st.conn.execute("SELECT doc_count FROM stories").fetchone()[0] == 2
    st.set_alert_status(a["id"], "rebutted", "cán bộ A", "đã đăng bài phản bác")
    ev = st.conn.execute("SELECT actor, from_status, to_status, note FROM review_events WHERE action='status'").fetchone()
    assert tuple(ev) == ("cán bộ A", "new", "rebutted", "đã đăng bài phản bác")
    counts = st.counts()
    assert counts["alerts_by_status"] == {"rebutted": 1} and counts["stories"] == 1


def test_wrong_status_is_refused(tmp_path):
    import pytest

    st = Store(tmp_path / "p.db")
    with pytest.raises(ValueError, match="use one of"):
        st.set_alert_status(1, "deleted", "x")
    with pytest.raises(KeyError):
        st.set_alert_status(99, "new", "x")


def test_poll_backoff_on_errors(tmp_path):
    from presswatch.sources import SourceSpec

    st = Store(tmp_path / "p.db")
    st.sync_sources([SourceSpec(id="src", name="S", kind="rss", url="https://e.org/f", source_type="other",
                                poll_minutes=10)])
    st.record_poll("src", "https://e.org/f", "error", error="boom")
    st.record_poll("src", "https://e.org/f", "error", error="boom")
    row = st.sources()[0]
    assert row["consecutive_failures"] == 2 and row["last_error"] == "boom"
    assert st.due_sources() == []  # backed off
    st.record_poll("src", "https://e.org/f", "ok", items=3, new_items=3, etag='"x"')
    row = st.sources()[0]
    assert row["consecutive_failures"] == 0 and row["etag"] == '"x"' and row["items_total"] == 3
    assert isinstance(st.conn, sqlite3.Connection)


def test_registry_is_the_whole_truth_but_documents_stay(tmp_path):
    from presswatch.sources import SourceSpec

    st = Store(tmp_path / "p.db")
    mk = lambda i: SourceSpec(id=i, name=i, kind="rss", url=f"https://e.org/{i}", source_type="other")  # noqa: E731
    st.sync_sources([mk("aa"), mk("bb")], exclusive=True)
    st.sync_sources([mk("bb")], exclusive=True)
    assert [r["id"] for r in st.sources(enabled_only=True)] == ["bb"]
    assert len(st.sources()) == 2


def test_health_status_reports_queue_lag_sources_and_disk(tmp_path):
    from presswatch.config import load_settings
    from presswatch.health import status
    from presswatch.sources import SourceSpec

    s = load_settings(tmp_path)
    st = Store(s.db_path)
    st.sync_sources([SourceSpec(id="up", name="Up", kind="rss", url="https://e.org/a", source_type="other"),
                     SourceSpec(id="down", name="Down", kind="rss", url="https://e.org/b", source_type="other"),
                     SourceSpec(id="new", name="New", kind="rss", url="https://e.org/c", source_type="other")])
    st.record_poll("up", "https://e.org/a", "ok", items=1, new_items=1)
    st.record_poll("down", "https://e.org/b", "error", error="HTTP 503")
    st.add_document(_doc())
    h = status(st, s)
    assert h["queue"] == {"pending": 1, "failed": 0} and h["index_lag"]["documents"] == 0
    assert h["source_states"] == {"ok": 1, "failing": 1, "silent": 0, "never polled": 1}
    assert h["recent_failures"][0]["error"] == "HTTP 503"
    assert h["disk"]["store_bytes"] > 0 and h["disk"]["free_bytes"] > 0
    assert {"documents", "stories", "alerts", "alerts_by_status", "sources"} <= set(h)
