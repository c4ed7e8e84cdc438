"""Backup, restore and raw-snapshot retention.

A backup is a folder: an online SQLite backup of the store (consistent while the pipeline writes), the
data directory's configuration files and models, and a manifest with counts and SHA-256 checksums. The
search index is not copied: it is derived and is rebuilt from the store on restore."""
from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

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


def backup(settings, dest: str | Path) -> Path:
    if not settings.db_path.exists():
        raise BackupError(f"no store at {settings.db_path}: nothing to back up (run `presswatch init` first)")
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    out = Path(dest) / f"presswatch-backup-{stamp}"
    tmp = out.with_name(out.name + ".partial")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    src = sqlite3.connect(f"file:{settings.db_path}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(tmp / "presswatch.db")
    with dst:
        src.backup(dst, pages=4096)  # online: other processes keep writing meanwhile
    src.close()
    dst.close()
    for name in CONFIG_FILES:
        if (settings.data_dir / name).exists():
            shutil.copy2(settings.data_dir / name, tmp / name)
    for name in TREES:
        if (settings.data_dir / name).is_dir():
            shutil.copytree(settings.data_dir / name, tmp / name)
    with Store(tmp / "presswatch.db") as st:
        counts, version = st.counts(), st.schema_version()
    files = {str(p.relative_to(tmp)): _sha(p) for p in sorted(tmp.rglob("*")) if p.is_file()}
    manifest = {"created_at": iso(datetime.now(timezone.utc)), "source_data_dir": str(settings.data_dir),
                "schema_version": version, "counts": counts, "files": files}
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
    if settings.db_path.exists() and not force:
        raise BackupError(f"{settings.db_path} already exists; restore into an empty data directory or pass --force")
    settings.ensure_dirs()
    for suffix in ("", "-wal", "-shm"):
        Path(str(settings.db_path) + suffix).unlink(missing_ok=True)
    tmp = settings.db_path.with_suffix(".restoring")
    shutil.copy2(src / "presswatch.db", tmp)
    tmp.replace(settings.db_path)
    for name in CONFIG_FILES:
        if (src / name).exists():
            shutil.copy2(src / name, settings.data_dir / name)
    for name in TREES:
        if (src / name).is_dir():
            shutil.rmtree(settings.data_dir / name, ignore_errors=True)
            shutil.copytree(src / name, settings.data_dir / name)
    return manifest


def prune_raw(store: Store, older_than_days: int, keep_alerted: bool = True) -> int:
    """Drop raw page bytes older than N days (metadata and SHA-256 stay). Evidence behind alerts is kept."""
    cutoff = iso(datetime.now(timezone.utc) - timedelta(days=older_than_days))
    q = "UPDATE raw_snapshots SET raw=NULL WHERE raw IS NOT NULL AND fetched_at < ?"
    if keep_alerted:
        q += (" AND doc_id NOT IN (SELECT d.id FROM documents d JOIN alerts a ON a.story_id = d.story_id)")
    with store.tx() as c:
        return c.execute(q, (cutoff,)).rowcount
