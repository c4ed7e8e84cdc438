"""Helpers shared by the review-queue tests: a demo store with accounts, a live server, logging in."""
from __future__ import annotations

import json
import os
import re
import socket
import threading
import time

import httpx

from crawlers.ingest import poll_source
from flows.tasks import _ref
from presswatch.service import demo_sources_file, import_items, process_now, sync_sources

os.environ.setdefault("PRESSWATCH_PASSWORD_HASH_COST", "test")  # cheaper argon2id: many logins in tests
PASSWORD = "correct-horse-battery"
HOSTILE_TITLE = '<script>document.title="pwned"</script><img src=x onerror=alert(1)> Bắc Ninh xuyên tạc'
HOSTILE = {"title": HOSTILE_TITLE, "url": "javascript:alert(1)", "source_type": "social",
           "text": "Chính quyền Bắc Ninh đàn áp công nhân, bịt miệng báo chí, sự thật bị che giấu. "
                   "<script>alert(2)</script> Tỉnh Bắc Ninh không có nhân quyền, đàn áp người dân."}
ACCOUNTS = {  # username: (role, department)
    "admin": ("admin", None), "monitor": ("monitor", "so_tttt"), "kcn": ("sector_officer", "bql_kcn"),
    "police": ("security_liaison", "cong_an"), "leader": ("leader", None), "auditor": ("auditor", None),
    "editor": ("media_editor", None),
}


_BUILT: dict[tuple[str, bool], str] = {}


def build_demo(settings, demo_site, hostile: bool = True) -> None:
    """The demo site polled and processed into ``settings.data_dir`` (plus the hostile item), with one account
    per role. The first build in a session is copied for the next ones (the pipeline runs once)."""
    import shutil
    import tempfile
    from pathlib import Path

    from presswatch.auth import add_user
    from presswatch.config import load_settings
    from presswatch.storage import open_store

    key = (demo_site.base_url, hostile)
    if key not in _BUILT:
        src = load_settings(tempfile.mkdtemp(prefix="pw-demo-"), allow_private_hosts=["127.0.0.1"])
        src.database_url = None  # the cached build is a SQLite file, copied into each demo's store below
        with open_store(src) as st:
            sync_sources(st, src, demo_sources_file(), {"demo": demo_site.base_url})
            for row in st.sources():
                poll_source(row, st, src, _ref(row))
            if hostile:
                import_items(st, src, [json.dumps(HOSTILE, ensure_ascii=False)])
            process_now(st, src)
            st.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        _BUILT[key] = str(src.data_dir)
    settings.ensure_dirs()
    built = Path(_BUILT[key])
    if settings.database_url:  # the Postgres path: the same rows copied into the demo's schema
        from presswatch.backup import copy_store
        from presswatch.storage import Store

        with Store(built / "presswatch.db") as lite, open_store(settings) as st:
            copy_store(lite, st)
    else:
        shutil.copy2(built / "presswatch.db", settings.db_path)
    shutil.rmtree(settings.index_dir, ignore_errors=True)
    shutil.copytree(built / "index", settings.index_dir)
    with open_store(settings) as st:
        for name, (role, dept) in ACCOUNTS.items():
            add_user(st, name, PASSWORD, role, actor="test", department=dept, email=f"{name}@example.test")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Served:
    def __init__(self, app):
        import uvicorn

        self.port = free_port()
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self):
        self.thread.start()
        base = self.base
        for _ in range(100):
            try:
                httpx.get(base + "/healthz", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        return self

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *exc):
        self.server.should_exit = True
        self.thread.join(5)


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', html)
    assert m, "no CSRF field in the page"
    return m.group(1)


def login(client: httpx.Client, username: str, password: str = PASSWORD) -> httpx.Response:
    page = client.get("/login")
    return client.post("/login", data={"csrf": csrf_of(page.text), "username": username, "password": password,
                                       "next": "/review"}, follow_redirects=False)


def alert_id(store, title_part: str) -> int:
    rows = store.conn.execute("SELECT a.id, d.title FROM alerts a JOIN documents d ON d.id=a.doc_id ORDER BY a.id")
    return next(r[0] for r in rows if title_part.casefold() in (r[1] or "").casefold())
