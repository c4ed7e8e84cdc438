"""The append-only audit log: every decision on an alert, every account change, every view of a
security-tagged item and every refused access, with who, when, and the state before and after.

Rows are written inside the transaction that makes the change (so a decision and its audit row commit
together), the table refuses UPDATE and DELETE (SQLite triggers, migration 2), and each row carries
``hash = sha256(prev_hash + row)`` so that ``verify`` detects a row edited or removed outside the app."""
from __future__ import annotations

import csv
import hashlib
import io
import json
import sqlite3
from datetime import datetime, timezone
from typing import Iterable

from .text import csv_safe

FIELDS = ("id", "at", "actor", "role", "channel", "action", "object_type", "object_id", "before", "after", "note")


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _digest(prev: str | None, at: str, actor: str, role, channel: str, action: str, object_type: str, object_id,
            before, after, note) -> str:
    payload = json.dumps([prev, at, actor, role, channel, action, object_type, object_id, before, after, note],
                         ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _dump(v) -> str | None:
    if v is None:
        return None
    return v if isinstance(v, str) else json.dumps(v, ensure_ascii=False, sort_keys=True, default=str)


def append(conn: sqlite3.Connection, *, actor: str, action: str, object_type: str, object_id=None,
           before=None, after=None, note: str | None = None, role: str | None = None,
           channel: str = "web", at: str | None = None) -> int:
    """Append one row. Call inside the caller's transaction (``Store.tx()``) so the row and the change
    it records commit or roll back together."""
    at = at or _now()
    b, a = _dump(before), _dump(after)
    oid = None if object_id is None else str(object_id)
    prev = conn.execute("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    prev_hash = prev[0] if prev else None
    h = _digest(prev_hash, at, actor, role, channel, action, object_type, oid, b, a, note)
    cur = conn.execute(
        "INSERT INTO audit_log (at, actor, role, channel, action, object_type, object_id, before, after, note,"
        " prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        (at, actor, role, channel, action, object_type, oid, b, a, note, prev_hash, h))
    return cur.lastrowid


def record(store, **kw) -> int:
    """Append in a transaction of its own (for events that change nothing else, e.g. a view)."""
    with store.tx() as c:
        return append(c, **kw)


def query(conn: sqlite3.Connection, *, actor: str | None = None, action: str | None = None,
          object_type: str | None = None, object_id: str | None = None, since: str | None = None,
          limit: int = 500, offset: int = 0) -> list[sqlite3.Row]:
    q, args = "SELECT * FROM audit_log WHERE 1=1", []
    for col, val in (("actor", actor), ("action", action), ("object_type", object_type), ("object_id", object_id)):
        if val:
            q += f" AND {col}=?"
            args.append(str(val))
    if since:
        q += " AND at >= ?"
        args.append(since)
    q += " ORDER BY id DESC LIMIT ? OFFSET ?"
    args += [int(limit), int(offset)]
    return conn.execute(q, args).fetchall()


def verify(conn: sqlite3.Connection) -> tuple[bool, str]:
    """Recompute the hash chain; returns (ok, message)."""
    prev = None
    n = 0
    for r in conn.execute("SELECT * FROM audit_log ORDER BY id"):
        if r["prev_hash"] != prev:
            return False, f"row {r['id']}: chain broken (a row before it was removed or altered)"
        h = _digest(prev, r["at"], r["actor"], r["role"], r["channel"], r["action"], r["object_type"],
                    r["object_id"], r["before"], r["after"], r["note"])
        if h != r["hash"]:
            return False, f"row {r['id']}: contents do not match its hash"
        prev, n = r["hash"], n + 1
    return True, f"{n} rows, chain intact"


def to_csv(rows: Iterable[sqlite3.Row]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(FIELDS)
    for r in rows:
        w.writerow([csv_safe(r[f]) for f in FIELDS])
    return buf.getvalue()


def to_jsonl(rows: Iterable[sqlite3.Row]) -> str:
    return "".join(json.dumps({f: r[f] for f in FIELDS}, ensure_ascii=False) + "\n" for r in rows)
