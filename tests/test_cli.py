"""The `presswatch` command as users and scripts run it: subprocesses on real data directories."""
import json
import os
import signal
import sqlite3
import subprocess
import time

import pytest
import yaml

from tests.conftest import cli_env, presswatch_cmd


def pw(data_dir, *args, timeout=300, check=True, **env):
    out = subprocess.run(presswatch_cmd() + list(args), capture_output=True, text=True, timeout=timeout,
                         env=cli_env(data_dir, **env))
    if check:
        assert out.returncode == 0, f"{args}: {out.stdout[-3000:]}\n{out.stderr[-3000:]}"
    return out


def test_help_lists_the_commands(tmp_path):
    out = pw(tmp_path, "--help").stdout
    for cmd in ("init", "demo", "run", "schedule", "serve", "search", "reindex", "sources", "status", "import",
                "export", "alerts", "report"):
        assert f"  {cmd}" in out
    assert "list" in pw(tmp_path, "sources", "--help").stdout


def test_init_loads_the_starter_list(tmp_path):
    out = pw(tmp_path / "d", "init").stdout
    assert "Data directory ready" in out
    status = json.loads(pw(tmp_path / "d", "status", "--json").stdout)
    assert status["sources"] >= 30 and status["documents"] == 0 and status["alerts"] == 0


def test_import_export_search_status_alerts(tmp_path):
    items = [
        {"title": "Công nhân KCN Quang Châu đình công đòi tăng lương", "outlet": "Cộng tác viên",
         "text": "Sáng nay hàng trăm công nhân tại KCN Quang Châu, tỉnh Bắc Ninh ngừng việc, đình công đòi tăng lương, "
                 "phản đối nợ lương kéo dài. Tình trạng ngừng việc gây khó khăn cho doanh nghiệp.",
         "published": "2026-11-20T08:00:00+07:00", "lang": "vi", "source_type": "social"},
        {"title": "Du lịch Đà Lạt hút khách", "text": "Đà Lạt, Lâm Đồng đón nhiều du khách dịp cuối năm, "
         "các khu du lịch kín phòng.", "url": "https://example.org/da-lat?utm_source=x"},
        {"title": "thiếu text"},
        "not json",
    ]
    f = tmp_path / "items.jsonl"
    f.write_text("\n".join(json.dumps(i, ensure_ascii=False) if isinstance(i, dict) else i for i in items) + "\n",
                 encoding="utf-8")
    out = pw(tmp_path / "d", "import", str(f))
    assert "Imported 2 new item(s)" in out.stdout and "alerts raised 1" in out.stdout
    assert "line 3: needs non-empty 'title' and 'text'" in out.stderr and "line 4: not valid JSON" in out.stderr
    again = pw(tmp_path / "d", "import", str(f))
    assert "Imported 0 new item(s)" in again.stdout

    rows = [json.loads(line) for line in pw(tmp_path / "d", "export", "--format", "jsonl").stdout.splitlines()]
    assert len(rows) == 2
    for r in rows:
        assert {"url", "title", "lang", "provinces", "topics", "sentiment", "stance", "story", "risk", "alert"} <= set(r)
    strike = next(r for r in rows if "đình công" in r["title"])
    assert strike["provinces"] == ["bac_ninh"] and "labour" in strike["topics"] and strike["alert"] is True
    travel = next(r for r in rows if "Đà Lạt" in r["title"])
    assert travel["url"] == "https://example.org/da-lat" and travel["provinces"] == ["lam_dong"]
    assert pw(tmp_path / "d", "export", "--since", "2999-01-01").stdout == ""

    hits = json.loads(pw(tmp_path / "d", "search", "dinh cong", "--json").stdout)
    assert hits["total"] == 1 and hits["hits"][0]["title"] == strike["title"]
    assert {"url", "title", "score", "snippet"} <= set(hits["hits"][0]) and "<mark>" in hits["hits"][0]["snippet"]
    faceted = json.loads(pw(tmp_path / "d", "search", "province:bac_ninh OR province:lam_dong", "--json", "--facets",
                            "--sort", "date").stdout)
    assert faceted["total"] == 2 and faceted["facets"]["provinces"] == {"bac_ninh": 1, "lam_dong": 1}
    # no publication date: it sorts by when it was stored (now), after the strike published 2026-11-20
    assert [h["title"] for h in faceted["hits"]] == [travel["title"], strike["title"]]
    bad = pw(tmp_path / "d", "search", '"unclosed', check=False)
    assert bad.returncode != 0 and "unbalanced quote" in bad.stderr

    status = json.loads(pw(tmp_path / "d", "status", "--json").stdout)
    assert status["documents"] == 2 and status["stories"] == 2 and status["alerts_by_status"] == {"new": 1}

    alerts = json.loads(pw(tmp_path / "d", "alerts", "list", "--json").stdout)
    pw(tmp_path / "d", "alerts", "set", str(alerts[0]["id"]), "--status", "referred", "--note", "chuyển BQL KCN")
    assert json.loads(pw(tmp_path / "d", "status", "--json").stdout)["alerts_by_status"] == {"referred": 1}
    wrong = pw(tmp_path / "d", "alerts", "set", str(alerts[0]["id"]), "--status", "gone", check=False)
    assert wrong.returncode != 0 and "use one of" in wrong.stderr

    # the index is derived: rebuilding it gives the same answers
    assert "Indexed 2 documents into tantivy" in pw(tmp_path / "d", "reindex").stdout
    assert json.loads(pw(tmp_path / "d", "search", "da lat", "--json").stdout)["total"] == 1


def test_bad_sources_unreachable_url_and_malformed_feed_do_not_stop_the_run(tmp_path, demo_site):
    sources = {"sources": [
        {"id": "good", "name": "Good", "kind": "rss", "url": demo_site.base_url + "/baobacninh/feed.rss",
         "source_type": "provincial_press", "provinces": ["bac_ninh"]},
        {"id": "unreachable", "name": "Down", "kind": "rss", "url": "http://127.0.0.1:9/feed.rss",
         "source_type": "national_press"},
        {"id": "broken", "name": "Broken", "kind": "rss", "url": demo_site.base_url + "/broken/feed.rss",
         "source_type": "other"},
        {"id": "Bad Entry", "kind": "carrier-pigeon"},
    ]}
    f = tmp_path / "sources.yaml"
    f.write_text(yaml.safe_dump(sources), encoding="utf-8")
    out = pw(tmp_path / "d", "run", "--sources", str(f), PRESSWATCH_ALLOW_PRIVATE_HOSTS="127.0.0.1")
    text = out.stdout + out.stderr
    assert "skipped entry 4 (Bad Entry)" in text and "field 'kind'" in text
    assert "source unreachable:" in text and "127.0.0.1:9" in text
    assert "source broken: feed is not well-formed" in text
    assert "fetched: 6 new items from 3 sources" in out.stdout
    listed = json.loads(pw(tmp_path / "d", "sources", "list", "--json").stdout)
    down = next(s for s in listed if s["id"] == "unreachable")
    assert down["consecutive_failures"] == 1 and down["last_error"]

    garbage = tmp_path / "garbage.yaml"
    garbage.write_text("sources: [ {id: x", encoding="utf-8")
    out = pw(tmp_path / "d", "run", "--sources", str(garbage), PRESSWATCH_ALLOW_PRIVATE_HOSTS="127.0.0.1")
    assert "not valid YAML" in out.stderr and "continuing with the sources already registered" in out.stderr


def test_private_addresses_are_refused_without_an_admin_allowance(tmp_path, demo_site):
    out = pw(tmp_path / "d", "sources", "check", demo_site.base_url + "/baobacninh/feed.rss", check=False)
    assert out.returncode != 0 and "internal address" in out.stderr and "PRESSWATCH_ALLOW_PRIVATE_HOSTS" in out.stderr
    ok = pw(tmp_path / "d", "sources", "check", demo_site.base_url + "/baobacninh/",
            PRESSWATCH_ALLOW_PRIVATE_HOSTS="127.0.0.1", check=False)
    assert "feed" in (ok.stdout + ok.stderr).lower()


@pytest.mark.timeout(900)
@pytest.mark.sqlite_only  # it watches the SQLite file to choose its kill points
def test_sigkill_mid_run_then_rerun_loses_and_duplicates_nothing(tmp_path):
    """SIGKILL `presswatch run` (with its process group) at points during ingest and processing, then
    run again: every article of the source corpus is stored exactly once, processed, and indexed once."""
    from benchmarks.fault_injection import count  # one helper for both crash tests (and the benchmark)
    from presswatch.demo_site.scaled import ScaledSite

    data = tmp_path / "d"
    with ScaledSite(n=200, feeds=4, seed=7).start() as site:
        f = tmp_path / "sources.yaml"
        f.write_text(yaml.safe_dump({"sources": [s.model_dump(exclude_none=True) for s in site.source_specs()]},
                                    allow_unicode=True), encoding="utf-8")
        db = data / "presswatch.db"
        env = cli_env(data, PRESSWATCH_ALLOW_PRIVATE_HOSTS="127.0.0.1", PRESSWATCH_BATCH_SIZE="25")
        kills = 0
        for condition in ("SELECT count(*) >= 80 FROM documents",  # during ingest
                          "SELECT count(*) >= 30 FROM documents WHERE status='processed'"):  # during processing
            p = subprocess.Popen(presswatch_cmd() + ["run", "--all", "--sources", str(f)], env=env,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
            deadline = time.time() + 240
            while time.time() < deadline and p.poll() is None and not count(db, condition):
                time.sleep(0.05)
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGKILL)
                kills += 1
            p.wait(30)
        assert kills >= 1, "the run finished before any kill point was reached"
        pw(data, "run", "--all", "--sources", str(f), PRESSWATCH_ALLOW_PRIVATE_HOSTS="127.0.0.1")
        expected = set(site.article_urls())

    with sqlite3.connect(db) as c:
        urls = [r[0] for r in c.execute("SELECT url FROM documents")]
        statuses = dict(c.execute("SELECT status, count(*) FROM documents GROUP BY status").fetchall())
    assert len(urls) == len(set(urls)) == len(expected)
    assert set(urls) == expected
    assert statuses == {"processed": len(expected)}
    status = json.loads(pw(data, "status", "--json").stdout)
    assert status["unindexed"] == 0
    # the index holds each document exactly once
    from presswatch.config import load_settings
    from presswatch.index import open_index

    assert open_index(load_settings(data)).count() == len(expected)


def test_demo_ends_on_a_usable_login(tmp_path):
    """README command 1: the demo prints the counts and a working one-time administrator login."""
    import re

    from presswatch.auth import authenticate
    from presswatch.config import load_settings
    from presswatch.storage import open_store

    out = pw(tmp_path / "d", "demo").stdout  # the fixed demo port: URLs stay the same between runs
    assert "alerts raised: 3" in out and "duplicates folded: 1" in out  # one alert per story (pipelines/stories.py)
    m = re.search(r"user: demo-admin  password: (\S+)", out)
    assert m
    with open_store(load_settings(tmp_path / "d")) as st:
        assert authenticate(st, "demo-admin", m.group(1), "127.0.0.1").role == "admin"
    again = pw(tmp_path / "d", "demo").stdout
    assert "fetched: 0 new items" in again and "demo-admin" not in again  # no second account, 0 new documents


def test_serve_with_two_worker_processes_shares_logins_through_the_store(tmp_path):
    """`presswatch serve --workers 2`: two server processes; a login made through one is valid in both
    (sessions live in the store), and both answer."""
    import httpx

    from presswatch.auth import COOKIE, add_user
    from presswatch.config import load_settings
    from presswatch.storage import open_store
    from tests.review_support import PASSWORD, free_port, login

    data = tmp_path / "d"
    with open_store(load_settings(data)) as st:
        add_user(st, "admin", PASSWORD, "admin", actor="test")
    port = free_port()
    p = subprocess.Popen(presswatch_cmd() + ["serve", "--port", str(port), "--workers", "2"],
                         env=cli_env(data, PRESSWATCH_PASSWORD_HASH_COST="test"), stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        children = subprocess.run(["pgrep", "-P", str(p.pid)], capture_output=True, text=True).stdout.split()
        assert len(children) >= 2, children  # the two workers under uvicorn's supervisor
        with httpx.Client(base_url=base) as c:
            assert login(c, "admin").status_code == 303
            cookie = c.cookies[COOKIE]
        pages = [httpx.get(base + "/review", cookies={COOKIE: cookie}, timeout=10) for _ in range(8)]
        assert all(r.status_code == 200 for r in pages)  # whichever process answered knew the session
    finally:
        os.killpg(p.pid, signal.SIGTERM)
        p.wait(30)
