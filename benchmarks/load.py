"""Load test of the web app: ``presswatch serve`` (uvicorn, one process) on 127.0.0.1 under concurrent
logged-in users, bounded in time and in requests.

A small asyncio load generator (httpx): each virtual user logs in with its own account (roles rotate
over monitor, admin, leader, sector officer, security liaison, so the review queue's visibility rules are
exercised), then sends requests back to back, with no think time, picked at random by weight:

* ``search``     ``GET /search?q=…``       the search page (varied queries in the query language)
* ``api_search`` ``GET /api/search?q=…``   the JSON search API
* ``review``     ``GET /review?…``         the review queue with varied filters (status, kind, department,
                                            sort, title search, paging)
* ``alert``      ``GET /review/<id>``      one alert (document, story, history), an alert the user may see
* ``dashboard``  ``GET /dashboard``        aggregates over the last 30 days

It stops at ``--duration`` seconds or ``--max-requests`` requests, whichever comes first, and prints
per endpoint: requests, errors (non-2xx or transport errors), p50 / p95 / p99 / max latency, requests/s;
then the two search endpoints together by kind of query (words with diacritics, the same typed without
diacritics, phrases, OR/NOT, filters alone, words with filters, date ranges, and facets requested).
``--parts`` instead times, in this process and without HTTP, the pieces behind the pages (best of 3, warm):
every query on the index with and without facets, the dashboard's ``stats`` calls, and the hidden-stories
query each search and dashboard request runs — to tell which piece grows with the archive.
Build a large archive first with ``benchmarks/build_archive.py``:

    nice -n 19 .venv/bin/python benchmarks/build_archive.py --docs 100000 --data-dir /tmp/pw-archive
    .venv/bin/python benchmarks/load.py --data-dir /tmp/pw-archive --users 8 --duration 60
"""
from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PASSWORD = "load-test-password-2026"
ROLES = [("monitor", "so_tttt"), ("admin", None), ("leader", None), ("sector_officer", "bql_kcn"),
         ("security_liaison", "cong_an")]
QUERIES = ["đình công", "dinh cong", '"ngừng việc"', "du lịch province:lam_dong", "topic:labour",
           "ô nhiễm -bụi", "bac ninh sentiment:negative", "giá vàng", "bóng đá OR thể thao", "chứng khoán",
           "giáo dục type:social", "đầu tư nước ngoài", "stance:distorting", "province:bac_ninh topic:labour",
           "site:archive.test hành chính công", "y tế", "giao thông after:2026-06-01", "Hưng Yên", "khu công nghiệp",
           "xuyên tạc", "khu cong nghiep", "o nhiem moi truong", "hung yen", '"cong nhan"']
# the kind of each query, for the per-kind table (a query with "facets" requested is counted under facets)
QUERY_KIND = {"đình công": "words", "giá vàng": "words", "chứng khoán": "words", "đầu tư nước ngoài": "words",
              "y tế": "words", "Hưng Yên": "words", "khu công nghiệp": "words", "xuyên tạc": "words",
              "dinh cong": "no diacritics", "khu cong nghiep": "no diacritics", "o nhiem moi truong": "no diacritics",
              "hung yen": "no diacritics", '"ngừng việc"': "phrase", '"cong nhan"': "phrase",
              "ô nhiễm -bụi": "OR / NOT", "bóng đá OR thể thao": "OR / NOT",
              "topic:labour": "filters", "stance:distorting": "filters", "province:bac_ninh topic:labour": "filters",
              "du lịch province:lam_dong": "words + filter", "bac ninh sentiment:negative": "words + filter",
              "giáo dục type:social": "words + filter", "site:archive.test hành chính công": "words + filter",
              "giao thông after:2026-06-01": "date range"}
REVIEW_FILTERS = [{}, {"status": "all"}, {"status": "new"}, {"kind": "distortion"}, {"kind": "local_problem"},
                  {"department": "bql_kcn"}, {"sort": "new"}, {"sort": "updated"}, {"q": "công nhân"},
                  {"status": "all", "offset": "100"}, {"status": "referred", "sort": "due"}]
WEIGHTS = {"search": 30, "api_search": 25, "review": 30, "alert": 10, "dashboard": 15}


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process and its live child processes (server workers; Linux /proc),
    None where it cannot be read."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None
    try:
        kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        kids = []
    return total + sum(cpu_seconds(int(k)) or 0.0 for k in kids)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ensure_users(data_dir: Path, n: int) -> list[str]:
    from presswatch.auth import add_user
    from presswatch.config import load_settings
    from presswatch.storage import open_store

    names = []
    with open_store(load_settings(data_dir)) as st:
        existing = {r[0] for r in st.conn.execute("SELECT username FROM users")}
        for k in range(n):
            role, dept = ROLES[k % len(ROLES)]
            name = f"load-{k:02d}"
            if name not in existing:
                add_user(st, name, PASSWORD, role, actor="benchmark", department=dept)
            names.append(name)
    return names


def visible_alerts(data_dir: Path, names: list[str], n: int = 300, seed: int = 1) -> dict[str, list[int]]:
    """Up to ``n`` ids of alerts each user may open (the queue's own visibility rule), sampled evenly."""
    from presswatch.auth import get_user
    from presswatch.config import load_settings
    from presswatch.storage import open_store
    from presswatch.workflow import visibility_sql

    out = {}
    with open_store(load_settings(data_dir)) as st:
        for name in names:
            where, args = visibility_sql(get_user(st, name))
            ids = [r[0] for r in st.conn.execute(
                f"SELECT a.id FROM alerts a JOIN documents d ON d.id=a.doc_id WHERE {where}", args)]
            out[name] = random.Random(seed).sample(ids, min(n, len(ids)))
    return out


def request_for(rng: random.Random, weights: dict = WEIGHTS, alert_ids: list[int] | None = None
                ) -> tuple[str, str, dict, str | None]:
    kind = rng.choices(list(weights), weights=list(weights.values()))[0]
    if kind == "alert" and not alert_ids:
        kind = "review"  # this user may see no alert
    if kind == "search":
        q = rng.choice(QUERIES)
        return kind, "/search", {"q": q, **({"page": "2"} if rng.random() < 0.2 else {})}, QUERY_KIND[q]
    if kind == "api_search":
        q, facets = rng.choice(QUERIES), rng.random() < 0.3
        return kind, "/api/search", {"q": q, "limit": "20", **({"facets": "true"} if facets else {})}, \
            "facets" if facets else QUERY_KIND[q]
    if kind == "review":
        return kind, "/review", dict(rng.choice(REVIEW_FILTERS)), None
    if kind == "alert":
        return kind, f"/review/{rng.choice(alert_ids)}", {}, None
    return kind, "/dashboard", {}, None


async def login(client: httpx.AsyncClient, username: str) -> None:
    page = await client.get("/login")
    m = re.search(r'name="csrf" value="([^"]+)"', page.text)
    if not m:
        raise RuntimeError(f"no CSRF field on /login (HTTP {page.status_code})")
    r = await client.post("/login", data={"csrf": m.group(1), "username": username, "password": PASSWORD,
                                          "next": "/review"})
    if r.status_code not in (302, 303):
        raise RuntimeError(f"login of {username} failed: HTTP {r.status_code}")


async def user(base: str, username: str, seed: int, deadline: float, budget: list[int], results: dict,
               timeout: float, weights: dict = WEIGHTS, alert_ids: list[int] | None = None) -> None:
    rng = random.Random(seed)
    async with httpx.AsyncClient(base_url=base, timeout=timeout, follow_redirects=False) as client:
        await login(client, username)
        while time.monotonic() < deadline and budget[0] > 0:
            budget[0] -= 1
            kind, path, params, qkind = request_for(rng, weights, alert_ids)
            t = time.perf_counter()
            try:
                r = await client.get(path, params=params)
                ok = 200 <= r.status_code < 300
                err = None if ok else f"HTTP {r.status_code} {path}?{params}"
            except httpx.HTTPError as exc:
                ok, err = False, f"{type(exc).__name__} {path}?{params}"
            results[kind].append((time.perf_counter() - t, ok, err, qkind))


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def report(results: dict, wall: float) -> int:
    print(f"\n{'endpoint':<11} {'requests':>8} {'errors':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
          f"{'max ms':>8} {'req/s':>7}")
    total_err = 0
    every: list[float] = []
    for kind in WEIGHTS:
        rows = results.get(kind, [])
        lat = [r[0] * 1000 for r in rows]
        every += lat
        errors = sum(not r[1] for r in rows)
        total_err += errors
        if rows:
            print(f"{kind:<11} {len(rows):>8} {errors:>6} {pct(lat, 50):>8.0f} {pct(lat, 95):>8.0f} "
                  f"{pct(lat, 99):>8.0f} {max(lat):>8.0f} {len(rows) / wall:>7.1f}")
    print(f"{'all':<11} {len(every):>8} {total_err:>6} {pct(every, 50):>8.0f} {pct(every, 95):>8.0f} "
          f"{pct(every, 99):>8.0f} {max(every, default=0):>8.0f} {len(every) / wall:>7.1f}")
    by_q: dict = defaultdict(list)
    for kind in ("search", "api_search"):
        for r in results.get(kind, []):
            by_q[r[3]].append(r)
    if by_q:
        print(f"\n{'search, by kind of query':<24} {'requests':>8} {'errors':>6} {'p50 ms':>8} {'p95 ms':>8} "
              f"{'max ms':>8}")
        for qk in sorted(by_q, key=lambda k: list(dict.fromkeys([*QUERY_KIND.values(), "facets"])).index(k)):
            rows = by_q[qk]
            lat = [r[0] * 1000 for r in rows]
            print(f"{qk:<24} {len(rows):>8} {sum(not r[1] for r in rows):>6} {pct(lat, 50):>8.0f} "
                  f"{pct(lat, 95):>8.0f} {max(lat):>8.0f}")
    shown = [r[2] for rows in results.values() for r in rows if r[2]][:5]
    for e in shown:
        print("error:", e)
    return total_err


def parts(data_dir: Path) -> None:
    from presswatch import stats
    from presswatch.auth import can_view, get_user
    from presswatch.config import load_settings
    from presswatch.index import open_index
    from presswatch.storage import open_store

    def best(fn, n: int = 3) -> tuple[float, object]:
        out, times = None, []
        for _ in range(n):
            t = time.perf_counter()
            out = fn()
            times.append((time.perf_counter() - t) * 1000)
        return min(times), out

    settings = load_settings(data_dir)
    ix = open_index(settings)
    print(f"{'kind':<15} {'query':<36} {'matches':>9} {'plain ms':>9} {'facets ms':>10}")
    for q in QUERIES:
        a, r = best(lambda: ix.query(q, limit=20))
        b, _ = best(lambda: ix.query(q, limit=25, facets=True))
        print(f"{QUERY_KIND[q]:<15} {q:<36} {r.total:>9,} {a:>9.0f} {b:>10.0f}")
    with open_store(settings) as st:
        for name in ensure_users(data_dir, len(ROLES)):
            u = get_user(st, name)

            def hidden():  # the query of web/app.py's hidden_stories, run on every search and dashboard
                rows = st.conn.execute("SELECT a.story_id, a.department, a.security, d.topics, d.provinces,"
                                       " d.source_type FROM alerts a JOIN documents d ON d.id=a.doc_id"
                                       " WHERE a.security=1").fetchall()
                return {r["story_id"] for r in rows if not can_view(u, r)}
            t_h, h = best(hidden)
            t_v = {dim: best(lambda: stats.volume(st, dim, days=30, hidden=h))[0]
                   for dim in ("topics", "sentiment", "source_type", "provinces")}
            t_s, _ = best(lambda: stats.share_of_voice(st, days=30, hidden=h))
            t_t, _ = best(lambda: stats.top_stories(st, days=7, hidden=h))
            print(f"{u.role:<17} hidden stories {len(h):>6,} in {t_h:4.0f} ms; dashboard volume(30 days) "
                  + ", ".join(f"{d} {v:.0f}" for d, v in t_v.items())
                  + f" ms; share_of_voice {t_s:.0f} ms; top_stories(7 days) {t_t:.0f} ms")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data-dir", type=Path, required=True, help="an archive (benchmarks/build_archive.py)")
    ap.add_argument("--users", type=int, default=8, help="concurrent logged-in users")
    ap.add_argument("--duration", type=float, default=60, help="seconds of load (the bound in time)")
    ap.add_argument("--max-requests", type=int, default=5000, help="requests in all (the bound in requests)")
    ap.add_argument("--timeout", type=float, default=60, help="per-request timeout, s (a timeout is an error)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--server-workers", type=int, default=1, help="presswatch serve --workers N (server processes)")
    ap.add_argument("--endpoints", default=",".join(WEIGHTS),
                    help=f"comma-separated subset of {', '.join(WEIGHTS)} (same relative weights)")
    ap.add_argument("--parts", action="store_true", help="time the pieces behind the pages in-process, then exit")
    a = ap.parse_args()
    if a.parts:
        parts(a.data_dir)
        return 0
    chosen = [e.strip() for e in a.endpoints.split(",") if e.strip()]
    unknown = sorted(set(chosen) - set(WEIGHTS))
    if unknown or not chosen:
        raise SystemExit(f"--endpoints: unknown {unknown}; use some of {', '.join(WEIGHTS)}")
    weights = {k: WEIGHTS[k] for k in chosen}

    from presswatch.config import load_settings
    from presswatch.storage import open_store

    with open_store(load_settings(a.data_dir)) as st:
        docs = st.conn.execute("SELECT count(*) FROM documents").fetchone()[0]
        alerts = st.conn.execute("SELECT count(*) FROM alerts").fetchone()[0]
    names = ensure_users(a.data_dir, a.users)
    alert_ids = visible_alerts(a.data_dir, names, seed=a.seed) if "alert" in weights else {}
    port = _free_port()
    env = {**os.environ, "PRESSWATCH_DATA_DIR": str(a.data_dir)}
    exe = Path(sys.executable).parent / "presswatch"
    server = subprocess.Popen([str(exe), "serve", "--port", str(port), "--workers", str(a.server_workers)], env=env,
                              stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                httpx.get(base + "/healthz", timeout=1)
                break
            except httpx.HTTPError:
                if server.poll() is not None:
                    raise SystemExit(f"presswatch serve exited: {server.stderr.read()[-2000:]}")
                time.sleep(0.2)
        print(f"archive {a.data_dir}: {docs:,} documents, {alerts:,} alerts; {a.users} users, "
              f"{a.duration:.0f} s or {a.max_requests} requests; endpoints {', '.join(weights)}; "
              f"server pid {server.pid} ({a.server_workers} process(es)) on {base}")
        results: dict = defaultdict(list)
        budget = [a.max_requests]

        async def all_users():
            t = time.monotonic()
            deadline = t + a.duration
            await asyncio.gather(*(user(base, n, a.seed * 1000 + k, deadline, budget, results, a.timeout, weights,
                                        alert_ids.get(n))
                                   for k, n in enumerate(names)))
            return time.monotonic() - t

        load_start, cpu_start = os.getloadavg(), cpu_seconds(server.pid)
        wall = asyncio.run(all_users())
        load_end, cpu_end = os.getloadavg(), cpu_seconds(server.pid)
        errors = report(results, wall)
        n = sum(len(v) for v in results.values())
        if cpu_start is not None and cpu_end is not None and n:
            used = cpu_end - cpu_start
            print(f"server CPU {used:.1f} s in {wall:.1f} s ({used / wall:.2f} cores), {1000 * used / n:.0f} CPU-ms "
                  "per request")
        print(f"wall {wall:.1f} s; errors {errors}; load average (1/5/15 min) at the start "
              f"{'/'.join(f'{x:.2f}' for x in load_start)}, at the end {'/'.join(f'{x:.2f}' for x in load_end)} "
              f"({os.cpu_count()} CPUs)")
        return 0 if errors == 0 else 1
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()


if __name__ == "__main__":
    sys.exit(main())
