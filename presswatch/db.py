"""The system of record's connection: one SQLite file (the default) or a PostgreSQL database, behind the
sqlite3 interface the rest of the code already speaks (``conn.execute(sql, params)`` → rows readable by
name and by position).

Decisions (docs/architecture.md, "System of record"):

- **SQL is written once**, in the SQLite dialect the project started with, restricted to what both engines
  share. ``postgres_sql`` rewrites the few spellings that differ (``?`` placeholders, ``INSERT OR IGNORE``,
  ``LIKE`` — case-insensitive in SQLite, so ``ILIKE``), cached per statement. Expressions with no common
  spelling go through helpers named here (``vn_day``, ``json_text``, ``columns``) rather than being
  pattern-matched: a new one is added on purpose, not discovered in production.
- **The same numbered migrations** run on both: ``postgres_ddl`` maps the column types (INTEGER → BIGINT,
  ``id INTEGER PRIMARY KEY`` → an identity column, REAL → DOUBLE PRECISION, BLOB → BYTEA, TEXT compared
  byte-wise with ``COLLATE "C"`` like SQLite); a migration that needs engine-specific statements (triggers,
  an expression index) carries both spellings. The version lives in ``PRAGMA user_version`` on SQLite and in
  the one-row table ``presswatch_schema`` on Postgres.
- **Writers take turns on both engines.** SQLite's ``BEGIN IMMEDIATE`` lets one writer in at a time; on
  Postgres every write transaction takes the same transaction-level advisory lock first. Read-then-write
  inside a transaction (the audit log's hash chain, the story change sequence, work claims) therefore means
  the same thing on both; readers never wait. Write transactions are short (one document), so several
  processing workers still run their extraction and classification side by side.
- **Client-side parameter binding** (psycopg's ``ClientCursor``): values are quoted by the driver as
  literals, so a statement means what it means in SQLite without server-side type inference of
  parameters (``? IS NULL``). Numeric results come back as ``int`` when whole (``sum`` of integers) and
  ``float`` otherwise, as from SQLite. Postgres text cannot hold the NUL character, which crawled text may
  carry: it is stored as U+FFFD (the replacement character).
"""
from __future__ import annotations

import re
from contextlib import contextmanager
from functools import lru_cache
from typing import Any, Iterable, Sequence

POSTGRES_SCHEMES = ("postgresql://", "postgres://", "postgresql+psycopg://")
WRITE_LOCK_KEY = 7_263_481_905  # pg_advisory_xact_lock key: "the one writer" (any constant; documented)


def is_postgres(url: str | None) -> bool:
    return bool(url) and str(url).startswith(POSTGRES_SCHEMES)


def redact(url: str) -> str:
    """The URL without its password, for messages and status output."""
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", str(url))


# ---------------------------------------------------------------------------------------------- SQL dialect
def _outside_literals(sql: str):
    """Yield (is_code, text) pieces of ``sql``: string literals and quoted identifiers are not code."""
    i, n, start = 0, len(sql), 0
    while i < n:
        ch = sql[i]
        if ch in "'\"":
            if start < i:
                yield True, sql[start:i]
            j = i + 1
            while j < n:
                if sql[j] == ch:
                    if j + 1 < n and sql[j + 1] == ch:  # doubled quote inside the literal
                        j += 2
                        continue
                    break
                j += 1
            yield False, sql[i:j + 1]
            i = start = j + 1
        elif ch == "-" and sql.startswith("--", i):
            if start < i:
                yield True, sql[start:i]
            j = sql.find("\n", i)
            j = n if j < 0 else j
            yield False, sql[i:j]
            i = start = j
        else:
            i += 1
    if start < n:
        yield True, sql[start:]


_INSERT_OR_IGNORE = re.compile(r"\bINSERT\s+OR\s+IGNORE\s+INTO\b", re.I)
_INSERT_OR_REPLACE = re.compile(r"\bINSERT\s+OR\s+REPLACE\b", re.I)
_LIKE = re.compile(r"\bLIKE\b", re.I)
_BEGIN = re.compile(r"^\s*BEGIN(\s+(IMMEDIATE|DEFERRED|EXCLUSIVE))?\s*;?\s*$", re.I)
_INSERT_TABLE = re.compile(r"^\s*INSERT\s+(?:OR\s+\w+\s+)?INTO\s+(\w+)\s*\(([^)]*)\)", re.I)
_RETURNING = re.compile(r"\bRETURNING\b", re.I)


class Statement:
    __slots__ = ("sql", "insert_table", "explicit_id")

    def __init__(self, sql: str, insert_table: str | None, explicit_id: bool):
        self.sql, self.insert_table, self.explicit_id = sql, insert_table, explicit_id


@lru_cache(maxsize=4096)
def postgres_sql(sql: str) -> Statement:
    """Translate one statement of the project's SQLite dialect for psycopg (format-style parameters)."""
    if _INSERT_OR_REPLACE.search(sql):
        raise ValueError("INSERT OR REPLACE has no Postgres spelling: write INSERT … ON CONFLICT(key) DO UPDATE")
    if _BEGIN.match(sql):
        return Statement("BEGIN", None, False)
    ignore = bool(_INSERT_OR_IGNORE.search(sql))
    out = []
    for code, piece in _outside_literals(sql):
        if not code:
            out.append(piece.replace("%", "%%"))
            continue
        piece = piece.replace("%", "%%").replace("?", "%s")
        piece = _INSERT_OR_IGNORE.sub("INSERT INTO", piece)
        piece = _LIKE.sub("ILIKE", piece)
        out.append(piece)
    text = "".join(out).rstrip().rstrip(";")
    if ignore:
        text += " ON CONFLICT DO NOTHING"
    m = _INSERT_TABLE.match(sql)
    table = m.group(1).lower() if m else None
    explicit = bool(m) and "id" in [c.strip().lower() for c in m.group(2).split(",")]
    return Statement(text, table, explicit)


_TYPE_MAP = [
    (re.compile(r"\bid\s+INTEGER\s+PRIMARY\s+KEY\b", re.I), "id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"),
    (re.compile(r"\bINTEGER\b", re.I), "BIGINT"),
    (re.compile(r"\bREAL\b", re.I), "DOUBLE PRECISION"),
    (re.compile(r"\bBLOB\b", re.I), "BYTEA"),
    (re.compile(r"\bTEXT\b", re.I), 'TEXT COLLATE "C"'),
]


def postgres_ddl(sql: str) -> str:
    """A migration written for SQLite, with Postgres column types (code only; comments kept as they are)."""
    out = []
    for code, piece in _outside_literals(sql):
        if code:
            for pat, rep in _TYPE_MAP:
                piece = pat.sub(rep, piece)
        out.append(piece)
    return "".join(out)


def split_statements(sql: str) -> list[str]:
    """Statements of a Postgres migration script: split on ``;`` outside literals and ``$$`` bodies."""
    parts, buf, in_body = [], [], False

    def flush():
        stmt = "".join(buf).strip()
        if any(line.strip() and not line.strip().startswith("--") for line in stmt.splitlines()):
            parts.append(stmt)  # not only comments
        buf.clear()

    for code, piece in _outside_literals(sql):
        if not code:
            buf.append(piece)
            continue
        for ch in re.split(r"(\$\$|;)", piece):
            if ch == "$$":
                in_body = not in_body
                buf.append(ch)
            elif ch == ";" and not in_body:
                flush()
            else:
                buf.append(ch)
    flush()
    return parts


# ---------------------------------------------------------------------------------------------- helpers
def dialect(conn) -> str:
    return getattr(conn, "dialect", "sqlite")


def vn_day(conn, expr: str) -> str:
    """SQL for the Vietnamese calendar day (UTC+7, 'YYYY-MM-DD') of an ISO UTC timestamp expression. The
    Postgres spelling is the IMMUTABLE function created by migration 6, so the day index can be used."""
    if dialect(conn) == "postgresql":
        return f"pw_vn_day({expr})"
    return f"date({expr}, '+7 hours')"


def json_text(conn, column: str, path: str) -> str:
    """SQL for the text value at a dotted ``path`` (``"source.name"``) of a JSON text column."""
    keys = path.split(".")
    if not all(re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", k) for k in keys):
        raise ValueError(f"bad JSON path {path!r}")
    if dialect(conn) == "postgresql":
        return f"(({column})::json #>> '{{{','.join(keys)}}}')"  # json, not jsonb: a \u0000 elsewhere is no error
    return f"json_extract({column}, '$.{path}')"


def columns(conn, table: str) -> set[str]:
    """The column names of ``table`` (empty when it does not exist)."""
    if dialect(conn) == "postgresql":
        rows = conn.execute("SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema()"
                            " AND table_name = ?", (table,)).fetchall()
        return {r[0] for r in rows}
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", table):
        raise ValueError(f"bad table name {table!r}")
    return {r[1] for r in conn.execute(f"PRAGMA table_info({table})")}


def has_table(conn, table: str) -> bool:
    if dialect(conn) == "postgresql":
        return conn.execute("SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema()"
                            " AND table_name = ?", (table,)).fetchone() is not None
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (table,)).fetchone() is not None


# ---------------------------------------------------------------------------------------------- Postgres
class Row(tuple):
    """A result row readable by position and by column name, like ``sqlite3.Row``."""

    _index: dict[str, int]

    def __new__(cls, values, index):
        row = super().__new__(cls, values)
        row._index = index
        return row

    def __getitem__(self, key):
        if isinstance(key, str):
            try:
                return tuple.__getitem__(self, self._index[key])
            except KeyError:
                raise IndexError(f"no such column: {key}") from None
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self._index)


def _row_factory(cursor):
    desc = cursor.description
    if desc is None:
        return tuple
    index = {}
    for i, col in enumerate(desc):
        index.setdefault(col.name, i)
    return lambda values: Row(values, index)


class Cursor:
    """What ``PgConnection.execute`` returns: fetchone/fetchall/iteration, rowcount and lastrowid."""

    def __init__(self, cur, rows: list | None = None, lastrowid: int | None = None):
        self._cur, self._rows = cur, rows
        self.rowcount = cur.rowcount
        self.lastrowid = lastrowid

    def fetchone(self):
        if self._rows is not None:
            return self._rows.pop(0) if self._rows else None
        return self._cur.fetchone() if self._cur.description else None

    def fetchall(self) -> list:
        if self._rows is not None:
            rows, self._rows = self._rows, []
            return rows
        return self._cur.fetchall() if self._cur.description else []

    def __iter__(self):
        return iter(self.fetchall())


class PgConnection:
    """A psycopg connection speaking the subset of sqlite3's interface Presswatch uses."""

    dialect = "postgresql"

    def __init__(self, url: str, connect_timeout: float = 10):
        try:
            import psycopg
        except ImportError as exc:  # a dependency of the package; only a broken install lacks it
            raise RuntimeError("psycopg is not installed: `pip install -e .` installs it") from exc
        self._psycopg = psycopg
        url = url.replace("postgresql+psycopg://", "postgresql://", 1)
        self.raw = psycopg.connect(url, autocommit=True, cursor_factory=psycopg.ClientCursor,
                                   connect_timeout=int(max(1, connect_timeout)))
        self.raw.row_factory = _row_factory
        _register_numeric(self.raw)
        self._identity: set[str] | None = None

    @property
    def in_transaction(self) -> bool:
        return self.raw.info.transaction_status != self._psycopg.pq.TransactionStatus.IDLE

    def _identity_tables(self) -> set[str]:
        if self._identity is None:
            rows = self.raw.execute("SELECT table_name FROM information_schema.columns WHERE table_schema ="
                                    " current_schema() AND column_name = 'id' AND is_identity = 'YES'").fetchall()
            self._identity = {r[0] for r in rows}
        return self._identity

    def execute(self, sql: str, params: Sequence[Any] | None = ()) -> Cursor:
        st = postgres_sql(sql)
        params = _params(params)
        cur = self.raw.cursor()
        if st.insert_table and not st.explicit_id and st.insert_table in self._identity_tables() \
                and not _RETURNING.search(st.sql):
            cur.execute(st.sql + " RETURNING id", params)
            rows = cur.fetchall()
            return Cursor(cur, rows=[], lastrowid=rows[0][0] if rows else None)
        cur.execute(st.sql, params)
        if st.explicit_id and st.insert_table in self._identity_tables():
            self._advance_identity(st.insert_table)
        if st.sql == "BEGIN":
            self.raw.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK_KEY,))
        return Cursor(cur)

    def executemany(self, sql: str, seq: Iterable[Sequence[Any]]) -> Cursor:
        st = postgres_sql(sql)
        cur = self.raw.cursor()
        cur.executemany(st.sql, [_params(p) for p in seq])
        if st.explicit_id and st.insert_table in self._identity_tables():
            self._advance_identity(st.insert_table)
        return Cursor(cur)

    def _advance_identity(self, table: str) -> None:
        """Rows inserted with explicit ids do not move the identity sequence; move it past them."""
        self.raw.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                         f" GREATEST((SELECT max(id) FROM {table}), 1))")

    def forget_schema(self) -> None:
        self._identity = None

    def close(self) -> None:
        self.raw.close()


def _params(params) -> tuple:
    return tuple(p.replace("\x00", "\ufffd") if isinstance(p, str) and "\x00" in p else p for p in (params or ()))


def _register_numeric(conn) -> None:
    """numeric → int when whole, else float (SQLite's answer for sum/avg), never Decimal."""
    from psycopg.adapt import Loader

    class NumericLoader(Loader):
        def load(self, data):
            s = bytes(data).decode()
            if s in ("NaN", "Infinity", "-Infinity"):
                return float(s)
            return int(s) if "." not in s and "e" not in s.lower() else float(s)

    conn.adapters.register_loader("numeric", NumericLoader)


def disk_full_error(exc: BaseException) -> bool:
    """Postgres's answer when its disk is full (SQLSTATE class 53: insufficient resources, 53100 disk_full)."""
    code = getattr(getattr(exc, "diag", None), "sqlstate", None) or getattr(exc, "sqlstate", None)
    return code in ("53100", "53200", "53400")


def json_values(conn) -> str:
    """A subquery over the values of a JSON array given as one parameter (``?``): ``x IN (…)``."""
    if dialect(conn) == "postgresql":
        return "SELECT jsonb_array_elements_text(CAST(? AS jsonb))"
    return "SELECT value FROM json_each(?)"


def left_join_json_each(conn, expr: str, alias: str) -> str:
    """A LEFT JOIN to the elements of the JSON array in ``expr`` as ``alias.value`` (one row per element, one
    row with NULL for an empty array)."""
    if dialect(conn) == "postgresql":
        return f"LEFT JOIN LATERAL jsonb_array_elements_text(({expr})::jsonb) AS {alias}(value) ON true"
    return f"LEFT JOIN json_each({expr}) AS {alias}"


def tables(conn) -> list[str]:
    """The tables of the store (not the engine's own, not the schema-version bookkeeping)."""
    if dialect(conn) == "postgresql":
        rows = conn.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
                            " AND table_type = 'BASE TABLE'").fetchall()
    else:
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'").fetchall()
    return sorted(r[0] for r in rows if r[0] != "presswatch_schema")


def stream(conn, sql: str, params: Sequence[Any] = (), size: int = 1000):
    """Yield the rows of a large SELECT without holding them all (a server-side cursor on Postgres; call
    inside a transaction there, e.g. ``snapshot``)."""
    if dialect(conn) == "postgresql":
        cur = conn.raw.cursor(name=f"pw_stream_{id(sql) & 0xFFFFFF:x}")
        cur.itersize = size
        try:
            cur.execute(postgres_sql(sql).sql, tuple(params))
            yield from cur
        finally:
            cur.close()
    else:
        yield from conn.execute(sql, params)


@contextmanager
def snapshot(conn):
    """A read-only transaction that sees one consistent state while other processes keep writing."""
    if dialect(conn) == "postgresql":
        conn.raw.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
    else:
        conn.execute("BEGIN")  # WAL: a read transaction sees the database as of its first read
    try:
        yield conn
    finally:
        conn.execute("ROLLBACK")
