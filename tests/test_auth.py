"""Accounts: salted slow hashes, lockout and per-client limits, sessions, CSRF on every POST, permissions."""
import re
from datetime import timedelta

import pytest
from starlette.testclient import TestClient

from presswatch import auth
from presswatch.auth import AuthError, User, add_user, authenticate, can_view, new_session, session_user
from tests.review_support import PASSWORD, csrf_of


def test_passwords_are_salted_argon2id_and_never_stored_plain(store):
    add_user(store, "a", PASSWORD, "monitor", actor="t")
    add_user(store, "b", PASSWORD, "monitor", actor="t")
    h = [r[0] for r in store.conn.execute("SELECT password_hash FROM users ORDER BY username")]
    assert all(x.startswith("$argon2id$") for x in h) and h[0] != h[1] and PASSWORD not in "".join(h)
    assert authenticate(store, "a", PASSWORD, "1.2.3.4").username == "a"
    with pytest.raises(ValueError, match="too short"):
        add_user(store, "c", "short", "monitor", actor="t")
    with pytest.raises(ValueError, match="unknown role"):
        add_user(store, "c", PASSWORD, "superuser", actor="t")


def test_lockout_after_five_failures_even_with_the_right_password(store):
    add_user(store, "u", PASSWORD, "monitor", actor="t")
    for _ in range(5):
        with pytest.raises(AuthError, match="Sai tên đăng nhập"):
            authenticate(store, "u", "wrong-password", "10.0.0.1")
    with pytest.raises(AuthError, match="tạm khóa"):
        authenticate(store, "u", PASSWORD, "10.0.0.2")
    actions = [r[0] for r in store.conn.execute("SELECT action FROM audit_log WHERE object_id='u' ORDER BY id")]
    assert actions.count("login_failed") == 5 and "login_refused_locked" in actions
    # an unknown account gives the same answer as a wrong password
    with pytest.raises(AuthError, match="Sai tên đăng nhập"):
        authenticate(store, "nobody", "whatever-long", "10.0.0.3")
    # the admin resets the password: the lock is lifted
    auth.set_password(store, "u", "another-long-password", actor="t")
    assert authenticate(store, "u", "another-long-password", "10.0.0.2")


def test_client_rate_limit_across_accounts(store, monkeypatch):
    monkeypatch.setattr(auth, "CLIENT_LIMIT", 4)
    add_user(store, "v", PASSWORD, "monitor", actor="t")
    for i in range(4):
        with pytest.raises(AuthError):
            authenticate(store, f"guess{i}", "x" * 12, "10.9.9.9")
    with pytest.raises(AuthError, match="Quá nhiều lần"):
        authenticate(store, "v", PASSWORD, "10.9.9.9")
    assert authenticate(store, "v", PASSWORD, "10.1.1.1")


def test_sessions_expire_and_store_only_a_hash(store, monkeypatch):
    add_user(store, "s", PASSWORD, "leader", actor="t")
    user = authenticate(store, "s", PASSWORD, None)
    token, csrf = new_session(store, user)
    assert store.conn.execute("SELECT count(*) FROM sessions WHERE token_hash=?", (token,)).fetchone()[0] == 0
    got, got_csrf = session_user(store, token)
    assert got.username == "s" and got_csrf == csrf
    assert session_user(store, token + "x") is None
    real_now = auth.now
    monkeypatch.setattr(auth, "now", lambda: real_now() + timedelta(hours=9))  # past the idle limit
    assert session_user(store, token) is None


def test_permissions_follow_roles_departments_topics_and_areas():
    sec = {"department": "cong_an", "security": 1, "topics": '["human_rights"]', "provinces": '["bac_ninh"]',
           "source_type": "social"}
    plain = {"department": "bql_kcn", "security": 0, "topics": '["labour"]', "provinces": '["bac_ninh"]',
             "source_type": "provincial_press"}
    u = lambda role, dept=None, **kw: User(id=1, username="x", role=role, department=dept, **kw)  # noqa: E731
    assert can_view(u("monitor"), sec) and can_view(u("security_liaison", "cong_an"), sec)
    assert can_view(u("sector_officer", "cong_an"), sec)                    # the owning department
    assert not can_view(u("sector_officer", "bql_kcn"), sec)                # another department
    assert not can_view(u("foreign_affairs", "so_ngoai_vu"), sec) and not can_view(u("media_editor"), sec)
    assert can_view(u("sector_officer", "bql_kcn"), plain) and not can_view(u("sector_officer", "vp_ubnd"), plain)
    assert can_view(u("sector_officer", "vp_ubnd", areas=["bac_ninh"]), plain)   # by area
    assert can_view(u("sector_officer", "x", topics=["labour"]), plain)          # by topic
    assert not can_view(u("sector_officer", "x", topics=["labour"]), sec)        # never a security item by topic
    assert not u("leader").perm("decide") and not u("auditor").perm("decide") and u("auditor").perm("audit")


@pytest.fixture()
def client(settings, store):
    from presswatch.web.app import create_app

    add_user(store, "mon", PASSWORD, "monitor", actor="t")
    return TestClient(create_app(settings), base_url="http://testserver")


def test_every_page_needs_a_login_and_login_needs_its_csrf_token(client):
    r = client.get("/review", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=%2Freview")
    assert client.get("/api/status").status_code == 401
    assert client.get("/healthz").status_code == 200
    page = client.get("/login")
    assert "script-src 'none'" in page.headers["content-security-policy"]
    bad = client.post("/login", data={"csrf": "forged", "username": "mon", "password": PASSWORD})
    assert bad.status_code == 403 and "CSRF" in bad.text
    ok = client.post("/login", data={"csrf": csrf_of(page.text), "username": "mon", "password": PASSWORD,
                                     "next": "//evil.example/"}, follow_redirects=False)
    assert ok.status_code == 303 and ok.headers["location"] == "/"      # no open redirect
    cookie = ok.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
    assert client.get("/review").status_code == 200


def test_every_post_needs_the_session_csrf_token_and_same_origin(client):
    page = client.get("/login")
    client.post("/login", data={"csrf": csrf_of(page.text), "username": "mon", "password": PASSWORD})
    token = csrf_of(client.get("/review").text)
    assert client.post("/logout", data={}).status_code == 403
    assert client.post("/logout", data={"csrf": "x" * 40}).status_code == 403
    assert client.post("/review/bulk", data={"csrf": token}, headers={"Origin": "http://evil.example"}).status_code == 403
    assert client.post("/review/bulk", data={"csrf": token}, follow_redirects=False).status_code == 303
    out = client.post("/logout", data={"csrf": token}, follow_redirects=False)
    assert out.status_code == 303
    assert client.get("/review", follow_redirects=False).status_code == 303  # the session is gone


def test_web_login_lockout_message(client):
    r = client.get("/login")
    for _ in range(5):  # each answer is a fresh login page with a fresh token
        r = client.post("/login", data={"csrf": csrf_of(r.text), "username": "mon", "password": "nope-nope-nope"})
    assert "Sai tên đăng nhập hoặc mật khẩu" in r.text
    r = client.post("/login", data={"csrf": csrf_of(r.text), "username": "mon", "password": PASSWORD})
    assert "Tài khoản tạm khóa" in r.text and re.search(r'name="username"', r.text)
