"""The system of record: one SQLite file in the data directory.

WAL mode, numbered migrations (``PRAGMA user_version``), and idempotent writes: documents are keyed by
canonical URL (a second insert of the same URL is a no-op) and copies are recognised by content hash.
The search index is derived from this store and can always be rebuilt from it (``presswatch reindex``).
"""
from __future__ import annotations

import errno
import json
import sqlite3
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Iterator

import click

from . import audit, db
from .record import Document, Enrichment, Extraction, Fetch, SourceRef, utcnow

MIGRATIONS: list[str] = [
    # 1: the spine
    """
    CREATE TABLE sources (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        kind TEXT NOT NULL,
        url TEXT NOT NULL,
        source_type TEXT NOT NULL,
        language TEXT,
        provinces TEXT NOT NULL DEFAULT '[]',
        trust_tier INTEGER NOT NULL DEFAULT 3,
        poll_minutes INTEGER NOT NULL DEFAULT 15,
        enabled INTEGER NOT NULL DEFAULT 1,
        etag TEXT,
        last_modified TEXT,
        last_polled_at TEXT,
        next_poll_at TEXT,
        last_success_at TEXT,
        consecutive_failures INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        items_total INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE fetch_log (
        id INTEGER PRIMARY KEY,
        source_id TEXT,
        url TEXT NOT NULL,
        at TEXT NOT NULL,
        outcome TEXT NOT NULL,          -- ok | not_modified | error
        http_status INTEGER,
        items INTEGER NOT NULL DEFAULT 0,
        new_items INTEGER NOT NULL DEFAULT 0,
        error TEXT,
        duration_ms INTEGER
    );
    CREATE INDEX fetch_log_source ON fetch_log(source_id, at);
    CREATE TABLE documents (
        id INTEGER PRIMARY KEY,
        url TEXT NOT NULL UNIQUE,
        source_id TEXT NOT NULL,
        source_type TEXT NOT NULL DEFAULT 'other',
        status TEXT NOT NULL DEFAULT 'fetched',   -- fetched | processed | dropped | failed
        status_note TEXT,
        title TEXT,
        lang TEXT,
        published TEXT,
        content_hash TEXT,
        story_id TEXT,
        duplicate_of INTEGER,
        sentiment TEXT,
        stance TEXT,
        topics TEXT NOT NULL DEFAULT '[]',
        provinces TEXT NOT NULL DEFAULT '[]',
        risk REAL NOT NULL DEFAULT 0,
        alert INTEGER NOT NULL DEFAULT 0,
        record TEXT NOT NULL,                     -- the full Document (JSON) without raw bytes
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        indexed_at TEXT
    );
    CREATE INDEX documents_status ON documents(status);
    CREATE INDEX documents_hash ON documents(content_hash);
    CREATE INDEX documents_story ON documents(story_id);
    CREATE INDEX documents_created ON documents(created_at);
    CREATE TABLE raw_snapshots (
        doc_id INTEGER PRIMARY KEY REFERENCES documents(id),
        fetched_at TEXT NOT NULL,
        requested_url TEXT NOT NULL,
        final_url TEXT,
        http_status INTEGER,
        headers TEXT NOT NULL DEFAULT '{}',
        raw BLOB,                                -- zlib-compressed
        sha256 TEXT
    );
    CREATE TABLE classifications (
        id INTEGER PRIMARY KEY,
        doc_id INTEGER NOT NULL REFERENCES documents(id),
        model_version TEXT NOT NULL,
        topics TEXT NOT NULL,
        subtopics TEXT NOT NULL,
        sentiment TEXT NOT NULL,
        stance TEXT NOT NULL,
        scores TEXT NOT NULL,
        reasons TEXT NOT NULL,
        created_at TEXT NOT NULL,
        UNIQUE (doc_id, model_version)
    );
    CREATE TABLE stories (
        id TEXT PRIMARY KEY,
        title TEXT,
        first_doc_id INTEGER,
        first_seen TEXT NOT NULL,
        last_seen TEXT NOT NULL,
        doc_count INTEGER NOT NULL DEFAULT 0,
        risk REAL NOT NULL DEFAULT 0
    );
    CREATE TABLE alerts (
        id INTEGER PRIMARY KEY,
        story_id TEXT NOT NULL UNIQUE,
        doc_id INTEGER NOT NULL REFERENCES documents(id),
        kind TEXT NOT NULL,                      -- distortion | local_problem | sensitive
        status TEXT NOT NULL DEFAULT 'new',
        risk REAL NOT NULL,
        reasons TEXT NOT NULL,
        assignee TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX alerts_status ON alerts(status);
    CREATE TABLE review_events (
        id INTEGER PRIMARY KEY,
        alert_id INTEGER NOT NULL REFERENCES alerts(id),
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        from_status TEXT,
        to_status TEXT,
        note TEXT
    );
    CREATE TABLE users (
        id INTEGER PRIMARY KEY,
        username TEXT NOT NULL UNIQUE,
        display_name TEXT,
        role TEXT NOT NULL DEFAULT 'viewer',
        created_at TEXT NOT NULL
    );
    CREATE TABLE reports (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        params TEXT NOT NULL,
        path TEXT,
        created_at TEXT NOT NULL
    );
    """,
    # 2: the review queue (issue 5): accounts and sessions, routing and due dates on alerts, response actions,
    #    an append-only audit log (hash-chained), notifications outbox, saved searches, training examples
    """
    ALTER TABLE users ADD COLUMN password_hash TEXT;
    ALTER TABLE users ADD COLUMN department TEXT;
    ALTER TABLE users ADD COLUMN areas TEXT NOT NULL DEFAULT '[]';
    ALTER TABLE users ADD COLUMN topics TEXT NOT NULL DEFAULT '[]';
    ALTER TABLE users ADD COLUMN email TEXT;
    ALTER TABLE users ADD COLUMN active INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE users ADD COLUMN failed_logins INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE users ADD COLUMN locked_until TEXT;
    ALTER TABLE alerts ADD COLUMN department TEXT;
    ALTER TABLE alerts ADD COLUMN due_at TEXT;
    ALTER TABLE alerts ADD COLUMN security INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE alerts ADD COLUMN severity TEXT NOT NULL DEFAULT 'medium';
    ALTER TABLE alerts ADD COLUMN trigger TEXT NOT NULL DEFAULT 'document';
    ALTER TABLE alerts ADD COLUMN response_url TEXT;
    CREATE INDEX alerts_status_risk ON alerts(status, risk);
    CREATE INDEX alerts_department ON alerts(department);
    CREATE INDEX alerts_created ON alerts(created_at);
    CREATE INDEX alerts_risk ON alerts(risk DESC, id DESC);
    CREATE INDEX review_events_alert ON review_events(alert_id);
    CREATE TABLE sessions (
        token_hash TEXT PRIMARY KEY,             -- sha256 of the cookie value; the value itself is never stored
        user_id INTEGER NOT NULL REFERENCES users(id),
        csrf TEXT NOT NULL,
        created_at TEXT NOT NULL,
        last_seen TEXT NOT NULL,
        expires_at TEXT NOT NULL
    );
    CREATE TABLE login_attempts (
        id INTEGER PRIMARY KEY,
        username TEXT NOT NULL,
        client TEXT,
        at TEXT NOT NULL,
        ok INTEGER NOT NULL
    );
    CREATE INDEX login_attempts_user ON login_attempts(username, at);
    CREATE INDEX login_attempts_client ON login_attempts(client, at);
    CREATE TABLE alert_responses (
        id INTEGER PRIMARY KEY,
        alert_id INTEGER NOT NULL REFERENCES alerts(id),
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,                    -- official_info | clarification | rebuttal | correction_request | ...
        url TEXT,                                -- the published rebuttal / clarification
        target TEXT,                             -- outlet, platform, agency or department addressed
        note TEXT
    );
    CREATE INDEX alert_responses_alert ON alert_responses(alert_id);
    CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        role TEXT,
        channel TEXT NOT NULL,                   -- web | cli | system
        action TEXT NOT NULL,
        object_type TEXT NOT NULL,
        object_id TEXT,
        before TEXT,
        after TEXT,
        note TEXT,
        prev_hash TEXT,
        hash TEXT NOT NULL
    );
    CREATE INDEX audit_log_object ON audit_log(object_type, object_id);
    CREATE INDEX audit_log_at ON audit_log(at);
    -- (the append-only triggers on audit_log and review_events: MIGRATION_EXTRAS[2], one spelling per engine)
    CREATE TABLE notifications (
        id INTEGER PRIMARY KEY,
        alert_id INTEGER NOT NULL REFERENCES alerts(id),
        channel TEXT NOT NULL,                   -- email | webhook
        target TEXT NOT NULL,
        status TEXT NOT NULL,                    -- sent | failed
        attempts INTEGER NOT NULL DEFAULT 1,
        error TEXT,
        at TEXT NOT NULL,
        UNIQUE (alert_id, channel, target)
    );
    CREATE TABLE saved_searches (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        query TEXT NOT NULL,
        owner TEXT NOT NULL,
        raises_alerts INTEGER NOT NULL DEFAULT 1,
        last_doc_id INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL
    );
    CREATE TABLE training_examples (
        id INTEGER PRIMARY KEY,
        doc_id INTEGER NOT NULL REFERENCES documents(id),
        alert_id INTEGER,
        label TEXT NOT NULL,                     -- JSON: {"alert": true|false, "stance"?, "topics"?, "sentiment"?}
        origin TEXT NOT NULL,                    -- confirmed | dismissed | corrected
        actor TEXT NOT NULL,
        at TEXT NOT NULL
    );
    CREATE INDEX training_examples_doc ON training_examples(doc_id);
    """,
    # 3: ingestion in depth (issue 3): near-duplicate MinHash signatures and LSH bands; adaptive feed polling
    #    (interval from the share of already-seen items, Retry-After) and source health
    """
    CREATE TABLE doc_minhash (
        doc_id INTEGER PRIMARY KEY REFERENCES documents(id),
        sig BLOB NOT NULL                        -- MinHash values (pipelines.dedup.NUM_PERM little-endian uint32)
    );
    CREATE TABLE minhash_bands (
        band INTEGER NOT NULL,                   -- LSH band key (band number mixed in)
        doc_id INTEGER NOT NULL REFERENCES documents(id)
    );
    CREATE INDEX minhash_bands_band ON minhash_bands(band);
    CREATE INDEX minhash_bands_doc ON minhash_bands(doc_id);
    ALTER TABLE sources ADD COLUMN adaptive_minutes INTEGER;   -- current interval; NULL = poll_minutes
    ALTER TABLE sources ADD COLUMN last_new_at TEXT;           -- last poll that found new items
    ALTER TABLE fetch_log ADD COLUMN seen_items INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE fetch_log ADD COLUMN retry_after_s INTEGER;
    ALTER TABLE fetch_log ADD COLUMN interval_minutes INTEGER;
    """,
    # 4: crawl and social-source options from the registry (render_js, article_pattern, max_pages, platform)
    """
    ALTER TABLE sources ADD COLUMN options TEXT NOT NULL DEFAULT '{}';
    """,
    # 5: story clustering (issue 3): what pipelines.stories compares an item with, per story member (originals)
    """
    CREATE TABLE story_vectors (
        doc_id INTEGER PRIMARY KEY REFERENCES documents(id),
        story_id TEXT NOT NULL,
        at TEXT NOT NULL,                        -- the item's time (published, else fetched), UTC ISO
        seq INTEGER NOT NULL,                    -- change sequence: readers load rows newer than they hold
        active INTEGER NOT NULL DEFAULT 1,       -- 0: withdrawn (re-processed into a copy, or failed)
        family TEXT NOT NULL DEFAULT 'other',    -- stance family: distorting | other
        provinces TEXT NOT NULL DEFAULT '[]',
        entities TEXT NOT NULL DEFAULT '[]',     -- folded names and numbers (JSON)
        terms BLOB NOT NULL,                     -- text features: uint32 hashes
        weights BLOB NOT NULL,                   --   and their float16 weights
        model TEXT,                              -- classifier version of the embedding
        vector BLOB                              -- the document embedding, float16 (NULL without one)
    );
    CREATE INDEX story_vectors_at ON story_vectors(at);
    CREATE INDEX story_vectors_seq ON story_vectors(seq);
    CREATE INDEX story_vectors_story ON story_vectors(story_id);
    """,
    # 6: dashboard aggregates (issue 8): processed items by Vietnamese calendar day (published, else stored),
    # the expression exactly as presswatch/stats.py writes it (_DAY), else SQLite does not use the index;
    # with every column the aggregates read, so that they are answered from the index alone (covering)
    "-- MIGRATION_EXTRAS[6]: the expression index has one spelling per engine",
    # 7: concurrent processing workers (issue 8): a worker claims a batch of fetched documents for a lease;
    #    claims of a worker that died on this machine, or whose lease ran out, are taken over (claim_pending)
    """
    ALTER TABLE documents ADD COLUMN claimed_by TEXT;      -- host:pid of the worker processing it
    ALTER TABLE documents ADD COLUMN claimed_until TEXT;   -- its lease (UTC ISO)
    """,
]

# Statements of a migration that have no common spelling: run after the common part, in the same transaction.
MIGRATION_EXTRAS: dict[int, dict[str, str]] = {
    2: {
        "sqlite": """
    CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
    CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
    CREATE TRIGGER review_events_no_update BEFORE UPDATE ON review_events
        BEGIN SELECT RAISE(ABORT, 'review_events is append-only'); END;
    CREATE TRIGGER review_events_no_delete BEFORE DELETE ON review_events
        BEGIN SELECT RAISE(ABORT, 'review_events is append-only'); END;
    """,
        "postgresql": """
    CREATE OR REPLACE FUNCTION pw_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$;
    CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
        FOR EACH ROW EXECUTE FUNCTION pw_append_only();
    CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
        FOR EACH STATEMENT EXECUTE FUNCTION pw_append_only();
    CREATE TRIGGER review_events_append_only BEFORE UPDATE OR DELETE ON review_events
        FOR EACH ROW EXECUTE FUNCTION pw_append_only();
    CREATE TRIGGER review_events_no_truncate BEFORE TRUNCATE ON review_events
        FOR EACH STATEMENT EXECUTE FUNCTION pw_append_only();
    """,
    },
    6: {
        "sqlite": """
    CREATE INDEX documents_vn_day ON documents(status, date(COALESCE(published, created_at), '+7 hours'),
        published, created_at, source_id, story_id, sentiment, source_type, lang, stance, risk, topics, provinces);
    """,
        # an ISO time (UTC as ``iso`` writes it, or with another writer's offset) to its UTC+7 calendar day, as
        # SQLite's date(x, '+7 hours') reads it; IMMUTABLE (it reads nothing but its argument) so that it can be
        # indexed; INCLUDE makes the index covering
        "postgresql": """
    CREATE OR REPLACE FUNCTION pw_vn_day(ts text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT CASE WHEN ts IS NULL OR ts !~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}' THEN NULL ELSE to_char(
            make_timestamp(substr(ts, 1, 4)::int, substr(ts, 6, 2)::int, substr(ts, 9, 2)::int,
                CASE WHEN ts ~ '^.{10}[T ][0-9]{2}:[0-9]{2}' THEN substr(ts, 12, 2)::int ELSE 0 END,
                CASE WHEN ts ~ '^.{10}[T ][0-9]{2}:[0-9]{2}' THEN substr(ts, 15, 2)::int ELSE 0 END, 0)
            - CASE WHEN length(ts) > 10 AND ts ~ '[+-][0-9]{2}:?[0-9]{2}$' THEN
                (CASE WHEN substring(ts from '([+-])[0-9]{2}:?[0-9]{2}$') = '-' THEN -1 ELSE 1 END)
                * make_interval(hours => substring(ts from '[+-]([0-9]{2}):?[0-9]{2}$')::int,
                                mins => substring(ts from '[+-][0-9]{2}:?([0-9]{2})$')::int)
              ELSE interval '0' END
            + interval '7 hours', 'YYYY-MM-DD') END $$;
    CREATE INDEX documents_vn_day ON documents(status, pw_vn_day(COALESCE(published, created_at)))
        INCLUDE (published, created_at, source_id, story_id, sentiment, source_type, lang, stance, risk, topics,
                 provinces);
    """,
    },
}

# SQLite's answers to a write that does not fit: the disk (or the database's size limit) is full
# (SQLITE_FULL), or the write itself failed (ENOSPC/EFBIG from the OS, a file size limit, a failing disk).
_FULL_ERRORS = ("SQLITE_FULL", "SQLITE_IOERR_WRITE", "SQLITE_IOERR_FSYNC", "SQLITE_IOERR_TRUNCATE",
                "SQLITE_IOERR_SHMSIZE")


class StorageFull(click.ClickException):
    """A write to the store did not fit on the disk. The transaction was rolled back whole, so nothing
    half-written remains; the message says what to do. A ``ClickException`` so that every command prints
    it without a traceback, wherever it is raised; exit status 75 (EX_TEMPFAIL: run again later).
    Picklable (Prefect may carry a task's exception across processes)."""

    exit_code = 75

    def __init__(self, path, exc: BaseException | str):
        self.path, self.cause = path, str(exc)
        where = path or "ổ đĩa / the disk"
        super().__init__(
            f"Ổ đĩa hoặc cơ sở dữ liệu đã đầy: không ghi được vào {where} ({exc}). Không mất dữ liệu: thay đổi "
            "đang ghi dở đã được huỷ trọn vẹn. Hãy giải phóng dung lượng (ví dụ `presswatch prune "
            "--raw-older-than 365`) hoặc chuyển thư mục dữ liệu sang ổ lớn hơn, rồi chạy lại lệnh: lần chạy sau "
            "xử lý tiếp phần còn lại. / The disk or database is full: could not write to "
            f"{where} ({exc}). Nothing is lost: the unfinished write was rolled back whole. Free space (e.g. "
            "`presswatch prune --raw-older-than 365`) or move the data directory to a larger disk, then run the "
            "command again: the next run catches up.")

    def __reduce__(self):
        return (type(self), (self.path, self.cause))


class DatabaseUnavailable(click.ClickException):
    """The configured Postgres system of record cannot be reached (down, wrong URL or credentials).
    Nothing was read or written; exit status 75 (run again later)."""

    exit_code = 75

    def __init__(self, url, exc: BaseException | str):
        self.url, self.cause = url, str(exc)
        where = db.redact(url)
        super().__init__(
            f"Không kết nối được cơ sở dữ liệu {where} ({str(exc).strip()}). Kiểm tra máy chủ Postgres đang chạy và "
            "PRESSWATCH_DATABASE_URL (máy, cổng, tên, mật khẩu), rồi chạy lại; chưa có gì được ghi. / Cannot "
            f"connect to the database {where} ({str(exc).strip()}). Check that the Postgres server is running and "
            "PRESSWATCH_DATABASE_URL (host, port, name, password), then run again; nothing was written.")

    def __reduce__(self):
        return (type(self), (self.url, self.cause))


def disk_full(exc: BaseException) -> OSError | None:
    """The OSError of a full disk or file size limit behind ``exc`` (itself or a cause), else None."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT):
            return exc
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return None


ALERT_STATUSES = ("new", "in_progress", "verified", "informed", "rebutted", "referred", "no_action")


def iso(dt: datetime | None) -> str | None:
    if dt is None:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc).isoformat(timespec="seconds")


def parse_iso(s: str | None) -> datetime | None:
    return datetime.fromisoformat(s) if s else None


class Store:
    """The system of record. ``target``: a SQLite file path (the default), or a ``postgresql://`` URL
    (``Settings.database_url``; presswatch/db.py says what differs and how)."""

    def __init__(self, target: str | Path):
        self._story_window = None  # pipelines.stories.Window: story members held in memory (story_candidates)
        if db.is_postgres(str(target)):
            self.url, self.path = str(target), None
            try:
                self.conn = db.PgConnection(self.url)
            except Exception as exc:
                if type(exc).__module__.startswith("psycopg"):
                    raise DatabaseUnavailable(self.url, exc) from exc
                raise
            self.dialect = "postgresql"
        else:
            self.path = Path(target)
            self.url = None
            self.dialect = "sqlite"
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.conn = sqlite3.connect(str(self.path), timeout=30, isolation_level=None, check_same_thread=False)
            self.conn.row_factory = sqlite3.Row
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=NORMAL")
            self.conn.execute("PRAGMA foreign_keys=ON")
            self.conn.execute("PRAGMA busy_timeout=30000")
        self.migrate()

    @property
    def location(self) -> str:
        """Where the store is, for messages (a Postgres URL without its password)."""
        return str(self.path) if self.path is not None else db.redact(self.url)

    # ------------------------------------------------------------------ plumbing
    def close(self) -> None:
        self.conn.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (writers take turns: presswatch/db.py); a full disk rolls it back whole and
        raises ``StorageFull``."""
        try:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                raise
            else:
                try:
                    self.conn.execute("COMMIT")
                except Exception:
                    if self.conn.in_transaction:
                        self.conn.execute("ROLLBACK")
                    raise
        except sqlite3.OperationalError as exc:
            if getattr(exc, "sqlite_errorname", None) in _FULL_ERRORS:
                raise StorageFull(self.location, exc) from exc
            raise
        except Exception as exc:
            if self.dialect == "postgresql" and db.disk_full_error(exc):
                raise StorageFull(self.location, exc) from exc
            raise

    def schema_version(self) -> int:
        if self.dialect == "postgresql":
            if not db.has_table(self.conn, "presswatch_schema"):
                return 0
            row = self.conn.execute("SELECT version FROM presswatch_schema").fetchone()
            return row[0] if row else 0
        return self.conn.execute("PRAGMA user_version").fetchone()[0]

    def migrate(self) -> None:
        """Run the numbered migrations not yet applied, each in one transaction (DDL is transactional on both
        engines). On Postgres a session lock keeps two processes from migrating at once."""
        if self.dialect == "postgresql":
            self._migrate_postgres()
            return
        current = self.schema_version()
        for n, sql in enumerate(MIGRATIONS, start=1):
            if n <= current:
                continue
            with self.tx() as c:
                for script in (sql, MIGRATION_EXTRAS.get(n, {}).get("sqlite", "")):
                    buf = ""
                    for part in script.split(";"):  # re-join pieces so that triggers (BEGIN …; END) stay whole
                        buf += part + ";"
                        if sqlite3.complete_statement(buf):
                            if buf.strip(" \n;"):
                                c.execute(buf)
                            buf = ""
                c.execute(f"PRAGMA user_version={n}")

    def _migrate_postgres(self) -> None:
        if self.schema_version() >= len(MIGRATIONS):
            return
        raw = self.conn.raw
        raw.execute("SELECT pg_advisory_lock(%s)", (db.WRITE_LOCK_KEY + 1,))
        try:
            raw.execute("CREATE TABLE IF NOT EXISTS presswatch_schema (version INTEGER NOT NULL)")
            for n, sql in enumerate(MIGRATIONS, start=1):
                if n <= self.schema_version():  # re-read under the lock: another process may have run it
                    continue
                with raw.transaction():
                    for stmt in db.split_statements(db.postgres_ddl(sql)):
                        raw.execute(stmt)
                    for stmt in db.split_statements(MIGRATION_EXTRAS.get(n, {}).get("postgresql", "")):
                        raw.execute(stmt)
                    raw.execute("DELETE FROM presswatch_schema")
                    raw.execute("INSERT INTO presswatch_schema (version) VALUES (%s)", (n,))
        finally:
            raw.execute("SELECT pg_advisory_unlock(%s)", (db.WRITE_LOCK_KEY + 1,))
            self.conn.forget_schema()

    # ------------------------------------------------------------------ sources
    def sync_sources(self, specs, exclusive: bool = False) -> int:
        """Insert or update registry entries, keeping their polling state. With ``exclusive`` the registry
        is the whole truth: sources missing from it are disabled (never deleted: their documents stay).
        Returns the number of sources."""
        specs = list(specs)
        with self.tx() as c:
            if exclusive:
                ids = [s.id for s in specs]
                c.execute(f"UPDATE sources SET enabled=0 WHERE id NOT IN ({','.join('?' * len(ids))})", ids)
            for s in specs:
                c.execute(
                    """INSERT INTO sources (id, name, kind, url, source_type, language, provinces, trust_tier,
                                            poll_minutes, enabled, options)
                       VALUES (?,?,?,?,?,?,?,?,?,?,?)
                       ON CONFLICT(id) DO UPDATE SET name=excluded.name, kind=excluded.kind, url=excluded.url,
                         source_type=excluded.source_type, language=excluded.language,
                         provinces=excluded.provinces, trust_tier=excluded.trust_tier,
                         poll_minutes=excluded.poll_minutes, enabled=excluded.enabled,
                         options=excluded.options""",
                    (s.id, s.name, s.kind, s.url, s.source_type, s.language, json.dumps(s.provinces),
                     s.trust_tier, s.poll_minutes, int(s.enabled), json.dumps(s.options(), sort_keys=True)),
                )
        return self.conn.execute("SELECT count(*) FROM sources").fetchone()[0]

    def sources(self, enabled_only: bool = False) -> list[sqlite3.Row]:
        q = "SELECT * FROM sources" + (" WHERE enabled=1" if enabled_only else "") + " ORDER BY id"
        return self.conn.execute(q).fetchall()

    def due_sources(self, now: datetime | None = None, source_ids: list[str] | None = None) -> list[sqlite3.Row]:
        now_s = iso(now or utcnow())
        rows = self.conn.execute(
            "SELECT * FROM sources WHERE enabled=1 AND (next_poll_at IS NULL OR next_poll_at <= ?) ORDER BY id",
            (now_s,),
        ).fetchall()
        if source_ids is not None:
            rows = [r for r in rows if r["id"] in source_ids]
        return rows

    def record_poll(self, source_id: str, url: str, outcome: str, *, http_status=None, items=0, new_items=0,
                    error=None, duration_ms=None, etag=None, last_modified=None, retry_after_s=None,
                    seen_items: int | None = None) -> None:
        """Log one poll and schedule the next one.

        Success: the interval adapts to the share of already-seen items (``crawlers.polling``, Media Cloud's
        method); a 304 counts as all seen. Error: exponential back-off on the interval. ``retry_after_s``
        (a server's Retry-After) is a floor on the delay either way."""
        from crawlers.polling import next_interval

        now = utcnow()
        row = self.conn.execute("SELECT poll_minutes, adaptive_minutes, consecutive_failures FROM sources WHERE id=?",
                                (source_id,)).fetchone()
        base = row["poll_minutes"] if row else 15
        current = (row["adaptive_minutes"] or base) if row else base
        failures = (row["consecutive_failures"] + 1) if (row and outcome == "error") else 0
        if seen_items is None:
            seen_items = max(0, items - new_items)
        if outcome == "error":
            minutes = current
            delay = timedelta(minutes=minutes * (2 ** min(failures, 5)))
        else:
            minutes = next_interval(current, base, outcome, items=items, seen=seen_items)
            delay = timedelta(minutes=minutes)
        if retry_after_s:
            delay = max(delay, timedelta(seconds=min(int(retry_after_s), 7 * 86400)))
        with self.tx() as c:
            c.execute(
                "INSERT INTO fetch_log (source_id, url, at, outcome, http_status, items, new_items, error, duration_ms,"
                " seen_items, retry_after_s, interval_minutes) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (source_id, url, iso(now), outcome, http_status, items, new_items, error, duration_ms, seen_items,
                 int(retry_after_s) if retry_after_s else None, minutes),
            )
            if outcome == "error":
                c.execute("UPDATE sources SET last_polled_at=?, next_poll_at=?, consecutive_failures=?,"
                          " last_error=? WHERE id=?", (iso(now), iso(now + delay), failures, error, source_id))
            else:
                c.execute(
                    "UPDATE sources SET last_polled_at=?, next_poll_at=?, consecutive_failures=0, last_error=NULL,"
                    " last_success_at=?, etag=COALESCE(?, etag), last_modified=COALESCE(?, last_modified),"
                    " items_total=items_total+?, adaptive_minutes=?,"
                    " last_new_at=CASE WHEN ? > 0 THEN ? ELSE last_new_at END WHERE id=?",
                    (iso(now), iso(now + delay), iso(now), etag, last_modified, new_items, minutes,
                     new_items, iso(now), source_id),
                )

    def source_health(self, now: datetime | None = None, days: int = 28, source_id: str | None = None) -> list[dict]:
        """Per source: last success, consecutive failures, items per day over ``days``, and whether it has
        gone silent (``crawlers.polling.assess_health``)."""
        from crawlers.polling import assess_health

        now = now or utcnow()
        since = iso(now - timedelta(days=days))
        stats = {r["source_id"]: r for r in self.conn.execute(
            "SELECT source_id, count(*) AS polls, sum(new_items) AS new_items, min(at) AS first_at,"
            " sum(CASE WHEN outcome='error' THEN 1 ELSE 0 END) AS errors FROM fetch_log WHERE at >= ? AND (? IS NULL OR source_id=?)"
            " GROUP BY source_id", (since, source_id, source_id))}
        out = []
        for row in self.sources(enabled_only=True):
            if source_id is not None and row["id"] != source_id:
                continue
            st = stats.get(row["id"])
            out.append(assess_health(dict(row), dict(st) if st else None, now, days))
        return out

    # ------------------------------------------------------------------ documents
    def has_url(self, url: str) -> bool:
        return self.conn.execute("SELECT 1 FROM documents WHERE url=?", (url,)).fetchone() is not None

    def add_document(self, doc: Document) -> int | None:
        """Insert a fetched document and its raw snapshot in one transaction.

        Returns the new id, or None when a document with the same canonical URL already exists."""
        now = iso(utcnow())
        rec = _record_json(doc)
        with self.tx() as c:
            cur = c.execute(
                "INSERT INTO documents (url, source_id, source_type, status, status_note, title, record,"
                " created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT(url) DO NOTHING",
                (doc.url, doc.source.id, doc.source.source_type, doc.status, doc.status_note,
                 doc.extraction.title or (doc.fetch.feed_title if doc.fetch else None), rec, now, now),
            )
            if cur.rowcount == 0:
                return None
            doc_id = cur.lastrowid
            f = doc.fetch
            if f is not None:
                c.execute(
                    "INSERT INTO raw_snapshots (doc_id, fetched_at, requested_url, final_url, http_status, headers,"
                    " raw, sha256) VALUES (?,?,?,?,?,?,?,?)",
                    (doc_id, iso(f.fetched_at), f.requested_url, f.final_url, f.status, json.dumps(f.headers),
                     f.raw_compressed, f.raw_sha256),
                )
        doc.id = doc_id
        return doc_id

    def claim_pending(self, limit: int, worker: str | None = None, lease_s: float = 900) -> list[int]:
        """Claim up to ``limit`` fetched documents for ``worker`` (default: this process, ``host:pid``) for
        ``lease_s`` seconds, so that workers running at once — processes, Prefect workers on several
        machines — never take the same documents. Writers take turns (presswatch/db.py), so the read and the
        claim are one step. A claim ends when the document is saved; a worker that dies leaves it to the next
        one once its lease runs out, or at once for a worker on this machine that is no longer running."""
        worker = worker or worker_id()
        now = utcnow()
        with self.tx() as c:
            stale = [w for (w,) in c.execute(
                "SELECT DISTINCT claimed_by FROM documents WHERE status='fetched' AND claimed_until >= ?"
                " AND claimed_by IS NOT NULL AND claimed_by != ?", (iso(now), worker)).fetchall() if _dead_here(w)]
            marks = ",".join("?" * len(stale))
            rows = c.execute(
                "SELECT id FROM documents WHERE status='fetched' AND (claimed_until IS NULL OR claimed_until < ?"
                + (f" OR claimed_by IN ({marks})" if stale else "") + " OR claimed_by = ?) ORDER BY id LIMIT ?",
                (iso(now), *stale, worker, int(limit))).fetchall()
            ids = [r[0] for r in rows]
            if ids:
                c.execute(f"UPDATE documents SET claimed_by=?, claimed_until=? WHERE id IN ({','.join('?' * len(ids))})",
                          (worker, iso(now + timedelta(seconds=lease_s)), *ids))
        return ids

    def release_claims(self, worker: str | None = None) -> int:
        """Give back ``worker``'s (default: this process's) claims on documents still waiting — when a
        processing run stops early (a full disk, an error), so that the next run need not wait for the lease.
        Best effort: if even this write fails, the lease still runs out."""
        try:
            with self.tx() as c:
                return c.execute("UPDATE documents SET claimed_by=NULL, claimed_until=NULL WHERE status='fetched'"
                                 " AND claimed_by=?", (worker or worker_id(),)).rowcount
        except Exception as exc:  # noqa: BLE001 - the original error is the one to report
            import logging

            logging.getLogger(__name__).warning("could not give back the claims of %s: %s", worker, exc)
            return 0

    def pending_ids(self, limit: int | None = None) -> list[int]:
        q = "SELECT id FROM documents WHERE status='fetched' ORDER BY id"
        if limit:
            q += f" LIMIT {int(limit)}"
        return [r[0] for r in self.conn.execute(q)]

    def load(self, doc_id: int, with_raw: bool = True) -> Document:
        row = self.conn.execute("SELECT * FROM documents WHERE id=?", (doc_id,)).fetchone()
        if row is None:
            raise KeyError(f"no document with id {doc_id}")
        doc = Document.model_validate_json(row["record"])
        doc.id = row["id"]
        if with_raw and doc.fetch is not None:
            snap = self.conn.execute("SELECT raw FROM raw_snapshots WHERE doc_id=?", (doc_id,)).fetchone()
            if snap is not None:
                doc.fetch.raw_compressed = snap["raw"]
        return doc

    def find_by_hash(self, content_hash: str, exclude_id: int | None) -> sqlite3.Row | None:
        return self.conn.execute(
            "SELECT id, story_id FROM documents WHERE content_hash=? AND status='processed' AND id != ?"
            " AND duplicate_of IS NULL ORDER BY id LIMIT 1",
            (content_hash, exclude_id or -1),
        ).fetchone()

    def find_near_duplicate(self, sig, exclude_id: int | None, threshold: float | None = None
                            ) -> tuple[int, str, float] | None:
        """The earliest processed original whose MinHash signature is at least ``threshold`` similar to
        ``sig`` (a ``pipelines.dedup.Signature``), found through the LSH bands: (doc_id, story_id, similarity)."""
        from pipelines.dedup import THRESHOLD, similarity

        threshold = THRESHOLD if threshold is None else threshold
        rows = self.conn.execute(
            f"SELECT d.id, d.story_id, s.sig FROM documents d JOIN doc_minhash s ON s.doc_id=d.id"
            f" WHERE d.id IN (SELECT doc_id FROM minhash_bands WHERE band IN ({','.join('?' * len(sig.bands))}))"
            f" AND d.status='processed' AND d.duplicate_of IS NULL AND d.id != ? ORDER BY d.id",
            (*sig.bands, exclude_id or -1),
        ).fetchall()
        for r in rows:
            sim = similarity(sig, r["sig"])
            if sim >= threshold:
                return r["id"], r["story_id"], sim
        return None

    def save_signature(self, doc_id: int, sig) -> None:
        """Index an original's MinHash signature for near-duplicate lookups (idempotent)."""
        with self.tx() as c:
            _write_signature(c, doc_id, sig)

    def save_processed(self, doc: Document, signature=None) -> dict:
        """Write a processed (or dropped/failed) document with its classification, story and alert, atomically
        — and, for an original, its MinHash ``signature``: in the same transaction, so that a crash or a full
        disk cannot leave a processed original that later copies would not find.

        Returns what happened: {"alert_id": ..., "new_alert": bool}."""
        e = doc.enrichment
        now = iso(utcnow())
        result = {"alert_id": None, "new_alert": False}
        with self.tx() as c:
            c.execute(
                "UPDATE documents SET status=?, status_note=?, title=?, lang=?, published=?, content_hash=?,"
                " story_id=?, duplicate_of=?, sentiment=?, stance=?, topics=?, provinces=?, risk=?, alert=?,"
                " record=?, updated_at=? WHERE id=?",
                (doc.status, doc.status_note, doc.extraction.title, doc.extraction.language,
                 iso(doc.extraction.published), e.content_hash, e.story_id, e.duplicate_of, e.sentiment, e.stance,
                 json.dumps(e.topics), json.dumps([p.id for p in e.provinces]), e.risk, int(e.alert),
                 _record_json(doc), now, doc.id),
            )
            self._save_story_member(c, doc)
            if doc.status != "processed":
                return result
            if signature is not None:
                _write_signature(c, doc.id, signature)
            if e.model_version:
                c.execute(
                    "INSERT INTO classifications (doc_id, model_version, topics, subtopics, sentiment, stance, scores,"
                    " reasons, created_at) VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT(doc_id, model_version) DO UPDATE"
                    " SET topics=excluded.topics, subtopics=excluded.subtopics, sentiment=excluded.sentiment,"
                    " stance=excluded.stance, scores=excluded.scores, reasons=excluded.reasons",
                    (doc.id, e.model_version, json.dumps(e.topics), json.dumps(e.subtopics), e.sentiment, e.stance,
                     json.dumps(e.topic_scores), json.dumps(e.reasons, ensure_ascii=False), now),
                )
            if e.story_id:
                c.execute(
                    "INSERT INTO stories (id, title, first_doc_id, first_seen, last_seen, doc_count, risk)"
                    " VALUES (?,?,?,?,?,1,?) ON CONFLICT(id) DO UPDATE SET last_seen=excluded.last_seen,"
                    " doc_count=(SELECT count(*) FROM documents WHERE story_id=excluded.id AND status='processed'),"
                    " risk=CASE WHEN excluded.risk > stories.risk THEN excluded.risk ELSE stories.risk END",
                    (e.story_id, doc.extraction.title, doc.id, now, now, e.risk),
                )
            if e.alert and e.story_id:
                kind = alert_kind(e.stance)
                reasons = json.dumps(e.risk_reasons, ensure_ascii=False)
                cur = c.execute(
                    "INSERT INTO alerts (story_id, doc_id, kind, status, risk, reasons, created_at, updated_at)"
                    " VALUES (?,?,?,?,?,?,?,?) ON CONFLICT(story_id) DO NOTHING",
                    (e.story_id, doc.id, kind, "new", e.risk, reasons, now, now),
                )
                if cur.rowcount:
                    result.update(alert_id=cur.lastrowid, new_alert=True)
                    c.execute("INSERT INTO review_events (alert_id, at, actor, action, to_status, note)"
                              " VALUES (?,?,?,?,?,?)", (cur.lastrowid, now, "system", "raised", "new",
                                                         "; ".join(e.risk_reasons)))
                else:
                    row = c.execute("SELECT id, risk FROM alerts WHERE story_id=?", (e.story_id,)).fetchone()
                    result["alert_id"] = row["id"]
                    if e.risk > row["risk"]:
                        c.execute("UPDATE alerts SET risk=?, reasons=?, updated_at=? WHERE id=?",
                                  (e.risk, reasons, now, row["id"]))
        return result

    # ------------------------------------------------------------------ index bookkeeping
    def unindexed(self, limit: int = 500) -> list[int]:
        return [r[0] for r in self.conn.execute(
            "SELECT id FROM documents WHERE status='processed' AND (indexed_at IS NULL OR indexed_at < updated_at)"
            " ORDER BY id LIMIT ?", (limit,))]

    def mark_indexed(self, ids: list[int]) -> None:
        now = iso(utcnow())
        with self.tx() as c:
            c.executemany("UPDATE documents SET indexed_at=? WHERE id=?", [(now, i) for i in ids])

    def reset_indexed(self) -> None:
        with self.tx() as c:
            c.execute("UPDATE documents SET indexed_at=NULL")

    def processed_ids(self) -> list[int]:
        return [r[0] for r in self.conn.execute("SELECT id FROM documents WHERE status='processed' ORDER BY id")]

    # ------------------------------------------------------------------ alerts
    def alerts(self, status: str | None = None, limit: int = 200) -> list[sqlite3.Row]:
        q = ("SELECT a.*, d.title, d.url, d.source_id, d.source_type, d.stance, d.sentiment, d.topics, d.provinces,"
             " (SELECT count(*) FROM documents x WHERE x.story_id=a.story_id AND x.status='processed') AS copies"
             " FROM alerts a JOIN documents d ON d.id=a.doc_id")
        args: list = []
        if status:
            q += " WHERE a.status=?"
            args.append(status)
        q += " ORDER BY a.risk DESC, a.id LIMIT ?"
        args.append(limit)
        return self.conn.execute(q, args).fetchall()

    def set_alert_status(self, alert_id: int, status: str, actor: str, note: str | None = None) -> None:
        if status not in ALERT_STATUSES:
            raise ValueError(f"unknown status {status!r}; use one of: {', '.join(ALERT_STATUSES)}")
        now = iso(utcnow())
        with self.tx() as c:
            row = c.execute("SELECT status FROM alerts WHERE id=?", (alert_id,)).fetchone()
            if row is None:
                raise KeyError(f"no alert with id {alert_id}")
            c.execute("UPDATE alerts SET status=?, updated_at=? WHERE id=?", (status, now, alert_id))
            c.execute("INSERT INTO review_events (alert_id, at, actor, action, from_status, to_status, note)"
                      " VALUES (?,?,?,?,?,?,?)", (alert_id, now, actor, "status", row["status"], status, note))
            audit.append(c, actor=actor, channel="api", action="alert_status", object_type="alert",
                         object_id=alert_id, before={"status": row["status"]}, after={"status": status}, note=note,
                         at=now)

    def story_activity(self, story_id: str | None, exclude_id: int | None, hours: float = 6) -> tuple[int, int]:
        """(copies, distinct sources) of a story stored within the last ``hours``, plus the document being
        processed (``exclude_id``, not yet saved as processed) — the story's velocity for triage."""
        if not story_id:
            return (1, 1)
        since = iso(utcnow() - timedelta(hours=hours))
        rows = self.conn.execute(
            "SELECT source_id FROM documents WHERE story_id=? AND status='processed' AND id != ? AND created_at >= ?",
            (story_id, exclude_id or -1, since)).fetchall()
        me = self.conn.execute("SELECT source_id FROM documents WHERE id=?", (exclude_id or -1,)).fetchone()
        sources = {r[0] for r in rows} | ({me[0]} if me else set())
        return (len(rows) + 1, max(1, len(sources)))

    # ------------------------------------------------------------------ story clustering and spread
    def _save_story_member(self, c: sqlite3.Connection, doc: Document) -> None:
        """Keep (or withdraw) what ``pipelines.stories`` compares later items with, in the document's
        transaction: processed originals are story members; copies and failed items are not."""
        from pipelines.stories import features, item_time, stance_family

        e = doc.enrichment
        member = doc.status == "processed" and e.duplicate_of is None and bool(e.story_id)
        held = c.execute("SELECT 1 FROM story_vectors WHERE doc_id=?", (doc.id,)).fetchone()
        if not member and held is None:
            return
        seq = c.execute("SELECT coalesce(max(seq), 0) + 1 FROM story_vectors").fetchone()[0]
        if not member:
            c.execute("UPDATE story_vectors SET active=0, seq=? WHERE doc_id=?", (seq, doc.id))
            return
        f = features(doc)
        vec = None if f.embedding is None else f.embedding.astype("<f2").tobytes()
        c.execute(
            "INSERT INTO story_vectors (doc_id, story_id, at, seq, active, family, provinces, entities, terms, weights,"
            " model, vector) VALUES (?,?,?,?,1,?,?,?,?,?,?,?) ON CONFLICT(doc_id) DO UPDATE SET"
            " story_id=excluded.story_id, at=excluded.at, seq=excluded.seq, active=1, family=excluded.family,"
            " provinces=excluded.provinces, entities=excluded.entities, terms=excluded.terms,"
            " weights=excluded.weights, model=excluded.model, vector=excluded.vector",
            (doc.id, e.story_id, iso(item_time(doc)), seq, stance_family(e.stance), json.dumps(doc.province_ids),
             json.dumps(sorted(f.entities), ensure_ascii=False), f.terms.astype("<u4").tobytes(),
             f.weights.astype("<f2").tobytes(), f.model, vec))

    def story_candidates(self, at: datetime, hours: float, exclude_id: int | None = None):
        """The story members within ``hours`` of ``at`` (``pipelines.stories.Candidates``), for the clustering
        stage. Members are held in memory from two windows before the first item asked about and
        brought up to date by change sequence on every call (other processes' writes included); rows more
        than four windows old are dropped; an item older than what is held reloads the window from there
        (a backfill costs a reload)."""
        from pipelines.stories import Window

        t, span = at.timestamp(), hours * 3600.0
        w = self._story_window
        if w is None or t - span < w.lo:
            w = self._story_window = Window(t - 2 * span)
            w.seq = self.conn.execute("SELECT coalesce(max(seq), 0) FROM story_vectors").fetchone()[0]
            rows = self.conn.execute("SELECT v.*, d.lang FROM story_vectors v JOIN documents d ON d.id=v.doc_id"
                                     " WHERE v.at >= ? AND v.active=1 AND v.seq <= ?",
                                     (iso(datetime.fromtimestamp(w.lo, timezone.utc)), w.seq))
        else:
            if t - span - w.lo > 3 * span:  # keep a few windows: items a little older need no reload
                w.compact(t - 2 * span)
            rows = self.conn.execute("SELECT v.*, d.lang FROM story_vectors v JOIN documents d ON d.id=v.doc_id"
                                     " WHERE v.seq > ? ORDER BY v.seq", (w.seq,))
        for r in rows:
            w.add(_story_row(r))
            w.seq = max(w.seq, r["seq"])
        return w.view(t, hours, exclude_id)

    def story_spread(self, story_id: str) -> dict | None:
        """A story's first source, copies and spread over time: documents per hour and per day (by the
        item's time: published, else stored), outlets, languages, source types, first and last seen."""
        story = self.conn.execute("SELECT * FROM stories WHERE id=?", (story_id,)).fetchone()
        rows = self.conn.execute(
            "SELECT id, url, title, source_id, source_type, lang, published, created_at, duplicate_of FROM documents"
            " WHERE story_id=? AND status='processed' ORDER BY coalesce(published, created_at), id",
            (story_id,)).fetchall()
        if story is None and not rows:
            return None
        hours: dict[str, int] = {}
        days: dict[str, int] = {}
        outlets: dict[str, int] = {}
        langs: dict[str, int] = {}
        types: dict[str, int] = {}
        times = []
        for r in rows:
            at = r["published"] or r["created_at"]
            times.append(at)
            hours[at[:13] + ":00"] = hours.get(at[:13] + ":00", 0) + 1
            days[at[:10]] = days.get(at[:10], 0) + 1
            for d, k in ((outlets, r["source_id"]), (langs, r["lang"] or "?"), (types, r["source_type"])):
                d[k] = d.get(k, 0) + 1
        first = story["first_doc_id"] if story else (rows[0]["id"] if rows else None)
        first_row = next((r for r in rows if r["id"] == first), rows[0] if rows else None)
        copies = sum(1 for r in rows if r["duplicate_of"] is not None)
        return {
            "story": story_id, "title": story["title"] if story else (rows[0]["title"] if rows else None),
            "first_doc_id": first, "first_source": first_row["source_id"] if first_row else None,
            "first_seen": story["first_seen"] if story else None, "last_seen": story["last_seen"] if story else None,
            "first_published": min(times) if times else None, "last_published": max(times) if times else None,
            "documents": len(rows), "copies": copies, "articles": len(rows) - copies,
            "outlets": outlets, "languages": langs, "source_types": types,
            "per_hour": dict(sorted(hours.items())), "per_day": dict(sorted(days.items())),
            "timeline": [{"id": r["id"], "at": r["published"] or r["created_at"], "source_id": r["source_id"],
                          "source_type": r["source_type"], "lang": r["lang"], "duplicate_of": r["duplicate_of"],
                          "title": r["title"], "url": r["url"]} for r in rows],
        }

    # ------------------------------------------------------------------ reports and counts
    def add_report(self, kind: str, params: dict, path: str | None) -> int:
        with self.tx() as c:
            return c.execute("INSERT INTO reports (kind, params, path, created_at) VALUES (?,?,?,?)",
                             (kind, json.dumps(params, ensure_ascii=False), path, iso(utcnow()))).lastrowid

    def counts(self) -> dict:
        one = lambda q, *a: self.conn.execute(q, a).fetchone()[0]  # noqa: E731
        by_status = {r[0]: r[1] for r in self.conn.execute("SELECT status, count(*) FROM alerts GROUP BY status")}
        doc_status = {r[0]: r[1] for r in self.conn.execute("SELECT status, count(*) FROM documents GROUP BY status")}
        return {
            "documents": one("SELECT count(*) FROM documents"),
            "documents_by_status": doc_status,
            "duplicates": one("SELECT count(*) FROM documents WHERE duplicate_of IS NOT NULL"),
            "stories": one("SELECT count(*) FROM stories"),
            "alerts": sum(by_status.values()),
            "alerts_by_status": by_status,
            "sources": one("SELECT count(*) FROM sources"),
            "sources_enabled": one("SELECT count(*) FROM sources WHERE enabled=1"),
            "sources_failing": one("SELECT count(*) FROM sources WHERE consecutive_failures > 0"),
            "unindexed": one("SELECT count(*) FROM documents WHERE status='processed' AND"
                             " (indexed_at IS NULL OR indexed_at < updated_at)"),
        }

    def iter_processed(self, since: datetime | None = None) -> Iterator[Document]:
        q = "SELECT id FROM documents WHERE status='processed'"
        args: list = []
        if since:
            q += " AND created_at >= ?"
            args.append(iso(since))
        for (doc_id,) in self.conn.execute(q + " ORDER BY id", args).fetchall():
            yield self.load(doc_id, with_raw=False)


def _write_signature(c: sqlite3.Connection, doc_id: int, sig) -> None:
    c.execute("DELETE FROM minhash_bands WHERE doc_id=?", (doc_id,))
    c.execute("INSERT INTO doc_minhash (doc_id, sig) VALUES (?,?) ON CONFLICT(doc_id) DO UPDATE SET sig=excluded.sig",
              (doc_id, sig.values))
    c.executemany("INSERT INTO minhash_bands (band, doc_id) VALUES (?,?)", [(b, doc_id) for b in sig.bands])


def worker_id() -> str:
    """This process as a claimer of work: ``host:pid``."""
    import os
    import socket

    return f"{socket.gethostname()}:{os.getpid()}"


def _dead_here(worker: str) -> bool:
    """True for a claimer on this machine whose process is gone (its claims can be taken over at once)."""
    import os
    import socket

    host, _, pid = worker.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def alert_kind(stance: str) -> str:
    """Legitimate criticism and distortion take different review paths (plans-digest take-away 2)."""
    return {"distorting": "distortion", "critical": "local_problem"}.get(stance, "sensitive")


def _story_row(r: sqlite3.Row):
    """A ``story_vectors`` row as a ``pipelines.stories.Row`` (features None when withdrawn)."""
    import numpy as np
    from pipelines.stories import Features, Row

    at = datetime.fromisoformat(r["at"]).timestamp()
    if not r["active"]:
        return Row(r["doc_id"], r["story_id"], at, None)
    vec = None if r["vector"] is None else np.frombuffer(r["vector"], dtype="<f2").astype(np.float32)
    f = Features(np.frombuffer(r["terms"], dtype="<u4"), np.frombuffer(r["weights"], dtype="<f2").astype(np.float32),
                 frozenset(json.loads(r["entities"])), vec, r["model"])
    return Row(r["doc_id"], r["story_id"], at, f, r["family"], frozenset(json.loads(r["provinces"])), r["lang"])


def _record_json(doc: Document) -> str:
    """The record without the raw bytes (they live compressed in raw_snapshots). A NUL character (never
    meaningful in text, but crawled content may carry one) is stored as U+FFFD on both engines: Postgres
    cannot read a JSON ``\\u0000`` as text."""
    data = doc.model_dump(mode="json", exclude={"fetch": {"raw_compressed"}})
    return json.dumps(_no_nul(data), ensure_ascii=False)


def _no_nul(v):
    if isinstance(v, str):
        return v.replace("\x00", "\ufffd") if "\x00" in v else v
    if isinstance(v, dict):
        return {k: _no_nul(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_no_nul(x) for x in v]
    return v


def open_store(settings) -> Store:
    """The configured system of record: ``settings.database_url`` (Postgres) if set, else the SQLite file."""
    settings.ensure_dirs()
    return Store(settings.database_url or settings.db_path)


__all__ = ["Store", "open_store", "ALERT_STATUSES", "Document", "SourceRef", "Fetch", "Extraction", "Enrichment",
           "iso", "parse_iso"]
