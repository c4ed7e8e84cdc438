"""Operational status: queue depth, index lag, per-source health, last runs and failures, disk use.

Everything but the flow runs comes from the store, so ``status`` answers while the Prefect server or the
index is down. Flow runs (ingest, process, reports) are asked of the Prefect API only when asked for
(``flows=True``): without a server (``PREFECT_API_URL``) Prefect would start a temporary one first."""
from __future__ import annotations

import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

from .storage import parse_iso


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.exists() else 0


LOW_DISK_BYTES = 1 << 30  # below this much free space (or 5 % of the disk) the status warns


def last_runs(store) -> dict:
    """When each stage last did something, from the store."""
    one = lambda q: store.conn.execute(q).fetchone()[0]  # noqa: E731
    report = store.conn.execute("SELECT kind, created_at FROM reports ORDER BY id DESC LIMIT 1").fetchone()
    return {
        "poll_at": one("SELECT max(at) FROM fetch_log"),
        "processed_at": one("SELECT max(updated_at) FROM documents WHERE status != 'fetched'"),
        "indexed_at": one("SELECT max(indexed_at) FROM documents"),
        "report_at": report["created_at"] if report else None,
        "report_kind": report["kind"] if report else None,
        "notification_at": one("SELECT max(at) FROM notifications"),
    }


def notification_status(store, limit: int = 10) -> dict:
    """The outbox: sent / failed counts, how many gave up (5 attempts), the latest failures with reasons."""
    from .notify import MAX_ATTEMPTS

    by = {r[0]: r[1] for r in store.conn.execute("SELECT status, count(*) FROM notifications GROUP BY status")}
    failed = [dict(r) for r in store.conn.execute(
        "SELECT alert_id, channel, target, attempts, error, at FROM notifications WHERE status='failed'"
        " ORDER BY at DESC, id DESC LIMIT ?", (limit,))]
    gave_up = store.conn.execute("SELECT count(*) FROM notifications WHERE status='failed' AND attempts >= ?",
                                 (MAX_ATTEMPTS,)).fetchone()[0]
    return {"sent": by.get("sent", 0), "failed": by.get("failed", 0), "gave_up": gave_up, "recent_failures": failed}


def flow_runs(limit: int = 10) -> dict:
    """The latest Prefect flow runs (name, state, start, end, message), newest first; ``error`` says why
    none could be read (no server, Prefect not reachable)."""
    try:
        from prefect.client.orchestration import get_client
        from prefect.client.schemas.sorting import FlowRunSort

        with get_client(sync_client=True) as client:
            runs = client.read_flow_runs(sort=FlowRunSort.START_TIME_DESC, limit=limit)
            flows = {fid: client.read_flow(fid).name for fid in {r.flow_id for r in runs}}
    except Exception as exc:  # noqa: BLE001 - status must answer even when Prefect cannot
        return {"runs": [], "error": f"Prefect API not reachable ({type(exc).__name__}: {exc}); "
                                     "start the Prefect server or set PREFECT_API_URL"}
    out = []
    for r in runs:
        out.append({"flow": flows.get(r.flow_id, str(r.flow_id)), "name": r.name,
                    "state": r.state_type.value if r.state_type else None, "state_name": r.state_name,
                    "start_time": r.start_time.isoformat() if r.start_time else None,
                    "end_time": r.end_time.isoformat() if r.end_time else None,
                    "message": (r.state.message if r.state and r.state.message else None)})
    return {"runs": out, "error": None}


def status(store, settings, now: datetime | None = None, flows: bool = False) -> dict:
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
    publishing = {h["id"]: h for h in store.source_health(now=now)}  # items per day, gone quiet (assess_health)
    for src in sources:
        h = publishing.get(src["id"], {})
        src.update(items_per_day=h.get("items_per_day"), publishing=h.get("state"), reason=h.get("reason"))
    failures = [dict(r) for r in store.conn.execute(
        "SELECT source_id, url, at, error FROM fetch_log WHERE outcome='error' ORDER BY id DESC LIMIT 20")]
    failed_docs = [dict(r) for r in store.conn.execute(
        "SELECT id, url, source_id, status_note, updated_at FROM documents WHERE status='failed'"
        " ORDER BY updated_at DESC, id DESC LIMIT 10")]
    data_dir = Path(settings.data_dir)
    disk = shutil.disk_usage(data_dir)
    runs = last_runs(store)
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
        "failed_documents": failed_docs,
        "notifications": notification_status(store),
        "last_runs": runs,
        "disk": {"store_bytes": _store_bytes(store, settings), "store": store.location,
                 "index_bytes": _size(settings.index_dir), "reports_bytes": _size(settings.reports_dir),
                 "free_bytes": disk.free, "total_bytes": disk.total,
                 "low": disk.free < LOW_DISK_BYTES or disk.free * 20 < disk.total},
        "last_poll_at": runs["poll_at"],
        **({"flow_runs": flow_runs()} if flows else {}),
    }


def _store_bytes(store, settings) -> int:
    """Bytes the system of record takes: the SQLite file with its WAL, or the Postgres schema's tables
    (with their indexes and TOAST) — on the server's disk, not this machine's."""
    if getattr(store, "dialect", "sqlite") == "postgresql":
        row = store.conn.execute("SELECT COALESCE(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c"
                                 " JOIN pg_namespace n ON n.oid = c.relnamespace"
                                 " WHERE n.nspname = current_schema() AND c.relkind = 'r'").fetchone()
        return int(row[0])
    return sum(_size(Path(str(settings.db_path) + suf)) for suf in ("", "-wal", "-shm"))
