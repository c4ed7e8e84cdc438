"""Accounts, roles, sessions and permissions.

- Passwords: argon2id (argon2-cffi defaults: salted, memory-hard); the plain password is never stored.
- Sessions: a random token in an HttpOnly, SameSite=Strict cookie (``Secure`` over HTTPS, or always with
  ``PRESSWATCH_COOKIE_SECURE=1`` behind a TLS proxy); only its SHA-256 is stored. Idle and absolute expiry.
- CSRF: one synchronizer token per session, required in every POST form (``csrf`` field).
- Login rate limiting: 5 failed attempts for one account within 15 minutes lock it for 15 minutes;
  30 failures from one client within 15 minutes refuse that client for the rest of the window.
- Roles from plans-digest §5.2. Routing by department, topic and area decides who sees which alert;
  security-tagged alerts are need-to-know: only cleared roles and the owning department.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from . import audit

ROLES: dict[str, dict] = {
    # see_all: every non-security alert; cleared: security-tagged alerts too; decide: statuses and responses
    "admin": dict(vi="Quản trị hệ thống", en="Administrator", see_all=True, cleared=True, decide=True,
                  assign=True, bulk=True, users=True, audit=True),
    "monitor": dict(vi="Cán bộ theo dõi, tổng hợp", en="Monitor (analyst)", see_all=True, cleared=True,
                    decide=True, assign=True, bulk=True),
    "sector_officer": dict(vi="Người phát ngôn sở, ngành, huyện", en="Sector officer", decide=True),
    "leader": dict(vi="Lãnh đạo tỉnh", en="Leader", see_all=True, cleared=True),
    "propaganda_lead": dict(vi="Ban Tuyên giáo / BCĐ 35", en="Propaganda lead", see_all=True, cleared=True,
                            decide=True, assign=True),
    "security_liaison": dict(vi="Công an tỉnh", en="Security liaison", see_all=True, cleared=True, decide=True),
    "foreign_affairs": dict(vi="Sở Ngoại vụ", en="Foreign affairs", decide=True,
                            topics=("foreign_relations",), source_types=("foreign_press",)),
    "military_liaison": dict(vi="BCH Quân sự, BĐBP", en="Military liaison", decide=True, topics=("sovereignty",)),
    "media_editor": dict(vi="Báo, Đài tỉnh", en="Media editor"),
    "auditor": dict(vi="Thanh tra nội bộ", en="Auditor", audit=True),
}
LOCK_AFTER = 5
LOCK_WINDOW = timedelta(minutes=15)
CLIENT_LIMIT = 30
SESSION_IDLE = timedelta(hours=8)
SESSION_MAX = timedelta(hours=12)
COOKIE = "pw_session"
LOGIN_CSRF_COOKIE = "pw_login_csrf"

_PH: dict[str, PasswordHasher] = {}


def _ph() -> PasswordHasher:
    """argon2id with argon2-cffi's defaults (t=3, 64 MiB, p=4). ``PRESSWATCH_PASSWORD_HASH_COST=test`` selects
    a cheaper argon2id profile so a test suite can log in many times; never set it in production."""
    profile = os.environ.get("PRESSWATCH_PASSWORD_HASH_COST", "default")
    if profile not in _PH:
        _PH[profile] = (PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1) if profile == "test"
                        else PasswordHasher())
    return _PH[profile]


_DUMMY: dict[str, str] = {}


def _dummy() -> str:
    ph = _ph()
    return _DUMMY.setdefault(str(id(ph)), ph.hash("presswatch-dummy-password"))


class AuthError(Exception):
    """Login refused; the message is safe to show (it never says whether the account exists)."""


@dataclass
class User:
    id: int
    username: str
    role: str
    display_name: str | None = None
    department: str | None = None
    areas: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    email: str | None = None

    @classmethod
    def from_row(cls, r) -> "User":
        return cls(id=r["id"], username=r["username"], role=r["role"], display_name=r["display_name"],
                   department=r["department"], areas=json.loads(r["areas"] or "[]"),
                   topics=json.loads(r["topics"] or "[]"), email=r["email"])

    def perm(self, name: str) -> bool:
        return bool(ROLES.get(self.role, {}).get(name))


def now() -> datetime:
    return datetime.now(timezone.utc)


def _iso(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).isoformat(timespec="seconds")


def hash_password(password: str) -> str:
    if len(password) < 10:
        raise ValueError("password too short: use at least 10 characters")
    return _ph().hash(password)


def check_role(role: str) -> str:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; use one of: {', '.join(ROLES)}")
    return role


# ----------------------------------------------------------------------------------------------- accounts
def add_user(store, username: str, password: str, role: str, *, actor: str, channel: str = "cli",
             display_name: str | None = None, department: str | None = None, areas=(), topics=(),
             email: str | None = None) -> int:
    check_role(role)
    username = username.strip()
    if not username or len(username) > 64:
        raise ValueError("username must be 1-64 characters")
    ph = hash_password(password)
    with store.tx() as c:
        if c.execute("SELECT 1 FROM users WHERE username=?", (username,)).fetchone():
            raise ValueError(f"user {username!r} already exists")
        uid = c.execute(
            "INSERT INTO users (username, display_name, role, created_at, password_hash, department, areas, topics,"
            " email) VALUES (?,?,?,?,?,?,?,?,?)",
            (username, display_name, role, _iso(now()), ph, department, json.dumps(list(areas)),
             json.dumps(list(topics)), email)).lastrowid
        audit.append(c, actor=actor, channel=channel, action="user_add", object_type="user", object_id=username,
                     after={"role": role, "department": department, "areas": list(areas), "topics": list(topics)})
    return uid


def set_role(store, username: str, role: str, *, actor: str, channel: str = "cli", department: str | None = None) -> None:
    check_role(role)
    with store.tx() as c:
        r = c.execute("SELECT role, department FROM users WHERE username=?", (username,)).fetchone()
        if r is None:
            raise KeyError(f"no user {username!r}")
        dept = department if department is not None else r["department"]
        c.execute("UPDATE users SET role=?, department=? WHERE username=?", (role, dept, username))
        audit.append(c, actor=actor, channel=channel, action="user_set_role", object_type="user",
                     object_id=username, before={"role": r["role"], "department": r["department"]},
                     after={"role": role, "department": dept})


def set_password(store, username: str, password: str, *, actor: str, channel: str = "cli") -> None:
    ph = hash_password(password)
    with store.tx() as c:
        if c.execute("UPDATE users SET password_hash=?, failed_logins=0, locked_until=NULL WHERE username=?",
                     (ph, username)).rowcount == 0:
            raise KeyError(f"no user {username!r}")
        c.execute("DELETE FROM sessions WHERE user_id=(SELECT id FROM users WHERE username=?)", (username,))
        audit.append(c, actor=actor, channel=channel, action="user_set_password", object_type="user",
                     object_id=username)


def list_users(store) -> list[User]:
    return [User.from_row(r) for r in store.conn.execute("SELECT * FROM users ORDER BY username")]


def get_user(store, username: str) -> User | None:
    r = store.conn.execute("SELECT * FROM users WHERE username=? AND active=1", (username,)).fetchone()
    return User.from_row(r) if r else None


def count_admins(store) -> int:
    return store.conn.execute("SELECT count(*) FROM users WHERE role='admin' AND active=1").fetchone()[0]


# ----------------------------------------------------------------------------------------------- login
def authenticate(store, username: str, password: str, client: str | None) -> User:
    """Check a password with lockout and per-client limits; every outcome is audited."""
    t = now()
    since = _iso(t - LOCK_WINDOW)
    fails = store.conn.execute("SELECT count(*) FROM login_attempts WHERE client=? AND ok=0 AND at>=?",
                               (client, since)).fetchone()[0]
    if client and fails >= CLIENT_LIMIT:
        _attempt(store, username, client, False, "login_refused_client_limit")
        raise AuthError("Quá nhiều lần đăng nhập sai từ máy này; thử lại sau 15 phút. "
                        "(Too many failed logins from this client; try again in 15 minutes.)")
    row = store.conn.execute("SELECT * FROM users WHERE username=? AND active=1", (username,)).fetchone()
    if row is not None and row["locked_until"] and row["locked_until"] > _iso(t):
        _attempt(store, username, client, False, "login_refused_locked")
        raise AuthError("Tài khoản tạm khóa do đăng nhập sai nhiều lần; thử lại sau 15 phút. "
                        "(Account locked after repeated failures; try again in 15 minutes.)")
    ok = False
    try:
        ok = _ph().verify(row["password_hash"] if row is not None and row["password_hash"] else _dummy(), password)
        ok = ok and row is not None and bool(row["password_hash"])
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok:
        with store.tx() as c:
            c.execute("INSERT INTO login_attempts (username, client, at, ok) VALUES (?,?,?,0)",
                      (username, client, _iso(t)))
            locked = None
            if row is not None:
                n = c.execute("SELECT count(*) FROM login_attempts WHERE username=? AND ok=0 AND at>=?",
                              (username, since)).fetchone()[0]
                if n >= LOCK_AFTER:
                    locked = _iso(t + LOCK_WINDOW)
                c.execute("UPDATE users SET failed_logins=failed_logins+1, locked_until=COALESCE(?, locked_until)"
                          " WHERE id=?", (locked, row["id"]))
            audit.append(c, actor=username or "?", channel="web", action="login_failed", object_type="user",
                         object_id=username, note=f"client {client}" + ("; account locked 15 min" if locked else ""))
        raise AuthError("Sai tên đăng nhập hoặc mật khẩu. (Wrong username or password.)")
    if _ph().check_needs_rehash(row["password_hash"]):
        store.conn.execute("UPDATE users SET password_hash=? WHERE id=?", (_ph().hash(password), row["id"]))
    with store.tx() as c:
        c.execute("INSERT INTO login_attempts (username, client, at, ok) VALUES (?,?,?,1)", (username, client, _iso(t)))
        c.execute("UPDATE users SET failed_logins=0, locked_until=NULL WHERE id=?", (row["id"],))
        audit.append(c, actor=username, role=row["role"], channel="web", action="login", object_type="user",
                     object_id=username, note=f"client {client}")
    return User.from_row(row)


def _attempt(store, username, client, ok, action) -> None:
    with store.tx() as c:
        c.execute("INSERT INTO login_attempts (username, client, at, ok) VALUES (?,?,?,?)",
                  (username, client, _iso(now()), int(ok)))
        audit.append(c, actor=username or "?", channel="web", action=action, object_type="user", object_id=username,
                     note=f"client {client}")


def _h(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_session(store, user: User) -> tuple[str, str]:
    """Returns (cookie token, csrf token)."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    t = now()
    with store.tx() as c:
        c.execute("DELETE FROM sessions WHERE expires_at < ?", (_iso(t),))
        c.execute("INSERT INTO sessions (token_hash, user_id, csrf, created_at, last_seen, expires_at)"
                  " VALUES (?,?,?,?,?,?)", (_h(token), user.id, csrf, _iso(t), _iso(t), _iso(t + SESSION_MAX)))
    return token, csrf


def session_user(store, token: str | None) -> tuple[User, str] | None:
    """The user and CSRF token of a live session, or None."""
    if not token or len(token) > 200:
        return None
    r = store.conn.execute(
        "SELECT s.csrf, s.last_seen, s.expires_at, u.* FROM sessions s JOIN users u ON u.id=s.user_id"
        " WHERE s.token_hash=? AND u.active=1", (_h(token),)).fetchone()
    if r is None:
        return None
    t = now()
    if r["expires_at"] < _iso(t) or r["last_seen"] < _iso(t - SESSION_IDLE):
        end_session(store, token)
        return None
    if r["last_seen"] < _iso(t - timedelta(minutes=1)):
        store.conn.execute("UPDATE sessions SET last_seen=? WHERE token_hash=?", (_iso(t), _h(token)))
    return User.from_row(r), r["csrf"]


def end_session(store, token: str | None) -> None:
    if token:
        store.conn.execute("DELETE FROM sessions WHERE token_hash=?", (_h(token),))


def csrf_ok(expected: str | None, given: str | None) -> bool:
    return bool(expected) and bool(given) and hmac.compare_digest(str(expected), str(given))


def cookie_secure(scheme: str) -> bool:
    v = os.environ.get("PRESSWATCH_COOKIE_SECURE", "auto").lower()
    if v in ("1", "true", "yes"):
        return True
    if v in ("0", "false", "no"):
        return False
    return scheme == "https"


# ----------------------------------------------------------------------------------------------- permissions
def hidden_stories(store, user: User) -> set[str]:
    """The stories behind security-tagged alerts ``user`` may not see — ``can_view`` for those alerts, asked
    in SQL: a security alert is seen by cleared roles and by its own department only. (Reading every
    security alert with its document and asking ``can_view`` row by row took ~70 ms per page at 1M
    documents, on every search and dashboard request.)"""
    if user.perm("cleared"):
        return set()
    if user.department:
        rows = store.conn.execute("SELECT story_id FROM alerts WHERE security=1 AND"
                                  " (department IS NULL OR department != ?)", (user.department,))
    else:
        rows = store.conn.execute("SELECT story_id FROM alerts WHERE security=1")
    return {r[0] for r in rows}


def can_view(user: User, alert) -> bool:
    """``alert`` is a row/dict with department, security, topics (JSON), provinces (JSON), source_type."""
    a = dict(alert)
    own_dept = bool(user.department) and a.get("department") == user.department
    if a.get("security"):
        return user.perm("cleared") or own_dept
    if user.perm("see_all") or own_dept:
        return True
    role = ROLES.get(user.role, {})
    topics = set(_j(a.get("topics")))
    if topics & (set(user.topics) | set(role.get("topics", ()))):
        return True
    if a.get("source_type") in role.get("source_types", ()):
        return True
    return bool(user.areas) and bool(set(_j(a.get("provinces"))) & set(user.areas))


def can_decide(user: User, alert) -> bool:
    return user.perm("decide") and can_view(user, alert)


def _j(v):
    if v is None:
        return []
    return json.loads(v) if isinstance(v, str) else list(v)
