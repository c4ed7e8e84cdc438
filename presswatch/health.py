"""Operational status: queue depth, index lag, per-source health, recent failures, disk use."""
from __future__ import annotations

import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

from .storage import parse_iso


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.exists() else 0


def status(store, settings, now: datetime | None = None) -> dict:
    now = now or datetime.now(timezone.utc)
    c = store.counts()
    oldest = store.conn.execute(
        "SELECT min(updated_at) FROM documents WHERE status='processed' AND (indexed_at IS NULL OR indexed_at < updated_at)"
    ).fetchone()[0]
    sources = []
    for r in store.sources(enabled_only=True):
        last_ok = parse_iso(r["last_success_at"])
        silent_after = timedelta(minutes=max(3 * r["poll_minutes"], 24 * 60))
        state = ("failing" if r["consecutive_failures"] else
                 "never polled" if r["last_polled_at"] is None else
                 "silent" if last_ok is None or now - last_ok > silent_after else "ok")
        sources.append({"id": r["id"], "state": state, "last_success_at": r["last_success_at"],
                        "consecutive_failures": r["consecutive_failures"], "last_error": r["last_error"],
                        "items_total": r["items_total"], "next_poll_at": r["next_poll_at"]})
    failures = [dict(r) for r in store.conn.execute(
        "SELECT source_id, url, at, error FROM fetch_log WHERE outcome='error' ORDER BY id DESC LIMIT 20")]
    data_dir = Path(settings.data_dir)
    disk = shutil.disk_usage(data_dir)
    return {
        **c,
        "queue": {"pending": c["documents_by_status"].get("fetched", 0),
                  "failed": c["documents_by_status"].get("failed", 0)},
        "index_lag": {"documents": c["unindexed"],
                      "oldest_seconds": int((now - parse_iso(oldest)).total_seconds()) if oldest else 0},
        "source_health": sources,
        "source_states": {s: sum(1 for x in sources if x["state"] == s)
                          for s in ("ok", "failing", "silent", "never polled")},
        "recent_failures": failures,
        "disk": {"store_bytes": sum(_size(Path(str(settings.db_path) + suf)) for suf in ("", "-wal", "-shm")),
                 "index_bytes": _size(settings.index_dir), "reports_bytes": _size(settings.reports_dir),
                 "free_bytes": disk.free, "total_bytes": disk.total},
        "last_poll_at": store.conn.execute("SELECT max(at) FROM fetch_log").fetchone()[0],
    }
