"""Backup, restore, copying a store between engines, and raw-snapshot retention.

A backup is a folder: a copy of the store as a SQLite file (consistent while the pipeline writes: SQLite's
online backup, or for Postgres a copy read in one REPEATABLE READ snapshot), the data directory's
configuration files and models, and a manifest with counts and SHA-256 checksums. One format for both
engines: a Postgres backup restores into SQLite and the other way round. The search index is not copied: it
is derived and is rebuilt from the store on restore.

``copy_store`` moves every table of one store into an empty other one (SQLite → Postgres when an office
scales out: ``presswatch store copy``), in the order the foreign keys need, in batches, with the same
schema version on both sides."""
from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

from . import db
from .storage import Store, iso

CONFIG_FILES = ("presswatch.toml", "sources.yaml", "thresholds.yaml")
TREES = ("models",)


class BackupError(Exception):
    pass


def _sha(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# Parents before children (foreign keys). A table missing here is an error (tests/test_backup.py checks that
# every table of a migrated store is listed): a new migration's table must be placed on purpose.
TABLE_ORDER = ("sources", "fetch_log", "documents", "raw_snapshots", "classifications", "stories", "alerts",
               "review_events", "users", "sessions", "login_attempts", "alert_responses", "audit_log",
               "notifications", "saved_searches", "training_examples", "reports", "doc_minhash", "minhash_bands",
               "story_vectors")


def copy_store(src: Store, dst: Store, batch: int = 1000, progress=None) -> dict[str, int]:
    """Copy every row of ``src`` into the empty store ``dst`` (same schema version); returns rows per table."""
    if src.schema_version() != dst.schema_version():
        raise BackupError(f"schema versions differ ({src.schema_version()} vs {dst.schema_version()}): open both "
                          "with the same Presswatch version first (opening a store migrates it)")
    have = db.tables(src.conn)
    unknown = sorted(set(have) - set(TABLE_ORDER))
    if unknown:
        raise BackupError(f"tables not known to the copier: {', '.join(unknown)} (add them to backup.TABLE_ORDER)")
    busy = [t for t in TABLE_ORDER if t in db.tables(dst.conn)
            and dst.conn.execute(f"SELECT 1 FROM {t} LIMIT 1").fetchone() is not None]
    if busy:
        raise BackupError(f"the destination {dst.location} is not empty (rows in {', '.join(busy[:5])}); copy into "
                          "an empty database (e.g. `createdb presswatch_new`) or an empty data directory")
    counts: dict[str, int] = {}
    with db.snapshot(src.conn):
        for table in TABLE_ORDER:
            if table not in have:
                continue
            cols = sorted(db.columns(src.conn, table) & db.columns(dst.conn, table))
            names = ", ".join(cols)
            sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(cols))})"
            n, rows = 0, []
            order = "id" if "id" in cols else ("doc_id" if "doc_id" in cols else names)
            for r in db.stream(src.conn, f"SELECT {names} FROM {table} ORDER BY {order}", size=batch):
                rows.append(tuple(r))
                if len(rows) >= batch:
                    with dst.tx() as c:
                        c.executemany(sql, rows)
                    n += len(rows)
                    rows = []
                    if progress:
                        progress(table, n)
            if rows:
                with dst.tx() as c:
                    c.executemany(sql, rows)
                n += len(rows)
            counts[table] = n
    return counts


def backup(settings, dest: str | Path) -> Path:
    if settings.database_url:
        return _backup_from(settings, dest)
    if not settings.db_path.exists():
        raise BackupError(f"no store at {settings.db_path}: nothing to back up (run `presswatch init` first)")
    tmp, out = _new_backup_dir(dest)
    src = sqlite3.connect(f"file:{settings.db_path}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(tmp / "presswatch.db")
    with dst:
        src.backup(dst, pages=4096)  # online: other processes keep writing meanwhile
    src.close()
    dst.close()
    return _finish_backup(settings, tmp, out, source=str(settings.db_path))


def _backup_from(settings, dest) -> Path:
    """A backup of a Postgres store: its rows copied into a SQLite file in one consistent snapshot."""
    tmp, out = _new_backup_dir(dest)
    with Store(settings.database_url) as src, Store(tmp / "presswatch.db") as dst:
        copy_store(src, dst)
    return _finish_backup(settings, tmp, out, source=db.redact(settings.database_url))


def _new_backup_dir(dest) -> tuple[Path, Path]:
    """(the folder being written, its final name): a backup appears under its name only when complete."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    out = Path(dest) / f"presswatch-backup-{stamp}"
    tmp = out.with_name(out.name + ".partial")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    return tmp, out


def _finish_backup(settings, tmp: Path, out: Path, source: str) -> Path:
    for name in CONFIG_FILES:
        if (settings.data_dir / name).exists():
            shutil.copy2(settings.data_dir / name, tmp / name)
    for name in TREES:
        if (settings.data_dir / name).is_dir():
            shutil.copytree(settings.data_dir / name, tmp / name)
    for suffix in ("-wal", "-shm"):
        Path(str(tmp / "presswatch.db") + suffix).unlink(missing_ok=True)
    with Store(tmp / "presswatch.db") as st:
        counts, version = st.counts(), st.schema_version()
    c = sqlite3.connect(tmp / "presswatch.db")  # fold the WAL into the file: one self-contained file
    try:
        c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        c.execute("PRAGMA journal_mode=DELETE")
    finally:
        c.close()
    files = {str(p.relative_to(tmp)): _sha(p) for p in sorted(tmp.rglob("*")) if p.is_file()}
    manifest = {"created_at": iso(datetime.now(timezone.utc)), "source_data_dir": str(settings.data_dir),
                "source_store": source, "schema_version": version, "counts": counts, "files": files}
    (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    tmp.rename(out)
    return out


def verify(src: str | Path) -> dict:
    src = Path(src)
    mf = src / "manifest.json"
    if not mf.exists():
        raise BackupError(f"{src} is not a Presswatch backup (no manifest.json)")
    manifest = json.loads(mf.read_text(encoding="utf-8"))
    for rel, sha in manifest["files"].items():
        p = src / rel
        if not p.exists():
            raise BackupError(f"backup damaged: {rel} is missing")
        if _sha(p) != sha:
            raise BackupError(f"backup damaged: {rel} does not match its checksum")
    return manifest


def restore(src: str | Path, settings, force: bool = False) -> dict:
    """Restore into ``settings.data_dir``; refuses to overwrite an existing store unless ``force``."""
    manifest = verify(src)
    src = Path(src)
    if settings.database_url:
        if force:
            raise BackupError("--force cannot empty a Postgres database (its audit log is append-only): restore "
                              "into an empty database (`createdb presswatch_restored`, then point "
                              "PRESSWATCH_DATABASE_URL at it)")
        import tempfile

        with tempfile.TemporaryDirectory(prefix="presswatch-restore-") as work:
            shutil.copy2(src / "presswatch.db", Path(work) / "presswatch.db")  # opening it must not touch the backup
            with Store(Path(work) / "presswatch.db") as backup_store, Store(settings.database_url) as dst:
                copy_store(backup_store, dst)
        _restore_files(src, settings)
        return manifest
    if settings.db_path.exists() and not force:
        raise BackupError(f"{settings.db_path} already exists; restore into an empty data directory or pass --force")
    settings.ensure_dirs()
    for suffix in ("", "-wal", "-shm"):
        Path(str(settings.db_path) + suffix).unlink(missing_ok=True)
    tmp = settings.db_path.with_suffix(".restoring")
    shutil.copy2(src / "presswatch.db", tmp)
    tmp.replace(settings.db_path)
    _restore_files(src, settings)
    return manifest


def _restore_files(src: Path, settings) -> None:
    settings.ensure_dirs()
    for name in CONFIG_FILES:
        if (src / name).exists():
            shutil.copy2(src / name, settings.data_dir / name)
    for name in TREES:
        if (src / name).is_dir():
            shutil.rmtree(settings.data_dir / name, ignore_errors=True)
            shutil.copytree(src / name, settings.data_dir / name)


def prune_raw(store: Store, older_than_days: int, keep_alerted: bool = True) -> int:
    """Drop raw page bytes older than N days (metadata and SHA-256 stay). Evidence behind alerts is kept."""
    cutoff = iso(datetime.now(timezone.utc) - timedelta(days=older_than_days))
    q = "UPDATE raw_snapshots SET raw=NULL WHERE raw IS NOT NULL AND fetched_at < ?"
    if keep_alerted:
        q += (" AND doc_id NOT IN (SELECT d.id FROM documents d JOIN alerts a ON a.story_id = d.story_id)")
    with store.tx() as c:
        return c.execute(q, (cutoff,)).rowcount
