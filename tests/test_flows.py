"""Real Prefect flow runs (one test harness for the session) against the demo site."""
import pytest

from presswatch.service import demo_sources_file, sync_sources


@pytest.fixture()
def demo_store(settings, store, demo_site):
    sync_sources(store, settings, demo_sources_file(), {"demo": demo_site.base_url})
    return store


def test_cycle_flow_runs_and_rerun_adds_nothing(prefect_harness, settings, demo_store):
    from flows.tasks import cycle_flow

    overrides = {"allow_private_hosts": ["127.0.0.1"]}
    first = cycle_flow(str(settings.data_dir), overrides, True)
    assert first["ingest"]["fetched"] == 14 and first["ingest"]["sources"] == 5
    assert first["process"]["processed"] == 14 and first["process"]["duplicates"] == 1
    # 3 alerts (one per story): the English report of the KCN Quang Châu strike joins the Vietnamese story
    assert first["process"]["alerts"] == 3 and first["process"]["indexed"] == 14
    assert any("not well-formed" in w for w in first["ingest"]["warnings"])
    second = cycle_flow(str(settings.data_dir), overrides, True)
    assert second["ingest"]["fetched"] == 0 and second["process"]["processed"] == 0
    c = demo_store.counts()
    assert c["documents"] == 14 and c["alerts"] == 3 and c["unindexed"] == 0
    # the second poll used conditional GET: the feeds answered 304
    outcomes = [r["outcome"] for r in demo_store.conn.execute("SELECT outcome FROM fetch_log ORDER BY id DESC LIMIT 4")]
    assert "not_modified" in outcomes


def test_ingest_flow_polls_only_due_sources(prefect_harness, settings, demo_store):
    from flows.tasks import ingest_flow

    overrides = {"allow_private_hosts": ["127.0.0.1"]}
    assert ingest_flow(str(settings.data_dir), overrides)["sources"] == 5
    assert ingest_flow(str(settings.data_dir), overrides)["sources"] == 0  # all polled, none due yet


def test_daily_report_flow_writes_and_records_a_report(prefect_harness, settings, demo_store):
    from pathlib import Path

    from flows.tasks import cycle_flow, daily_report_flow

    cycle_flow(str(settings.data_dir), {"allow_private_hosts": ["127.0.0.1"]}, True)
    path = daily_report_flow(str(settings.data_dir), "2026-11-19")  # demo items are published 15-21/11/2026
    html = open(path, encoding="utf-8").read()
    assert "Tổng hợp dư luận báo chí ngày 19/11/2026" in html and "hệ thống ghi nhận 4 tin, bài" in html
    assert all(Path(path).with_suffix(f".{e}").exists() for e in ("docx", "pdf", "csv"))
    assert demo_store.conn.execute("SELECT count(*) FROM reports").fetchone()[0] == 1


def test_schedules_cover_the_cadences(prefect_harness, settings):
    from flows.schedule import build_deployments

    deps = {d.name: d for d in build_deployments(str(settings.data_dir))}
    assert {"ingest-every-5-min", "process-every-5-min", "daily-report-0600"} <= set(deps)
    report = deps["daily-report-0600"].schedules[0].schedule
    assert report.cron == "0 6 * * *" and report.timezone == "Asia/Ho_Chi_Minh"
    assert deps["ingest-every-5-min"].schedules[0].schedule.interval.total_seconds() == 300
    assert deps["process-every-5-min"].concurrency_limit == 1  # served from one machine: one run at a time


def test_unreachable_index_loses_nothing_and_catches_up(prefect_harness, settings, demo_store):
    """The index is down during processing: documents are still processed and stored, the error is clear,
    and the next run brings the index up to date."""
    import socket

    from flows.tasks import ingest_flow, process_flow
    from presswatch.index import open_index

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"
    down = {"allow_private_hosts": ["127.0.0.1"], "index_backend": "elasticsearch", "elasticsearch_url": dead}
    ingest_flow(str(settings.data_dir), down, True)
    out = process_flow(str(settings.data_dir), down)
    assert out["processed"] == 14 and out["indexed"] == 0
    assert any("cannot reach Elasticsearch" in e for e in out["errors"])
    assert demo_store.counts()["unindexed"] == 14
    back = process_flow(str(settings.data_dir), {"allow_private_hosts": ["127.0.0.1"]})
    assert back["processed"] == 0 and back["indexed"] == 14
    assert demo_store.counts()["unindexed"] == 0 and open_index(settings).count() == 14


class _CountingSite:
    """One real HTTP server per address (127.0.0.1 and 127.0.0.2 are two hosts): each answer takes
    ``delay`` seconds, and the most requests in flight at once per host is recorded."""

    def __init__(self, addresses=("127.0.0.1", "127.0.0.2"), delay=1.0):
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.lock, self.active, self.most, self.total_most, self.total = threading.Lock(), {}, {}, 0, 0
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_GET(self):
                import time

                host = self.server.server_address[0]
                with site.lock:
                    site.active[host] = site.active.get(host, 0) + 1
                    site.total += 1
                    site.most[host] = max(site.most.get(host, 0), site.active[host])
                    site.total_most = max(site.total_most, site.total)
                try:
                    time.sleep(delay)
                    base = f"http://{host}:{self.server.server_address[1]}"
                    if self.path.startswith("/feed/"):
                        name = self.path.rsplit("/", 1)[-1]
                        body = (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{name}'
                                f'</title><link>{base}/</link><item><title>Tin {name}</title>'
                                f'<link>{base}/bai/{name}.html</link><description>Bắc Ninh {name}</description>'
                                f'</item></channel></rss>').encode()
                        ctype = "application/rss+xml"
                    else:
                        body = (f"<html><head><title>Tin</title></head><body><article><h1>Tin</h1><p>"
                                f"{'Tỉnh Bắc Ninh tổ chức hội nghị về phát triển kinh tế. ' * 8}</p>"
                                f"</article></body></html>").encode()
                        ctype = "text/html; charset=utf-8"
                    self.send_response(200)
                    self.send_header("Content-Type", ctype)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                finally:
                    with site.lock:
                        site.active[host] -= 1
                        site.total -= 1

        self.servers = [ThreadingHTTPServer((a, 0), Handler) for a in addresses]
        for s in self.servers:
            threading.Thread(target=s.serve_forever, daemon=True).start()

    def feed(self, i: int, name: str) -> str:
        host, port = self.servers[i].server_address
        return f"http://{host}:{port}/feed/{name}"

    def stop(self):
        for s in self.servers:
            s.shutdown()
            s.server_close()


def test_sources_of_one_host_never_exceed_its_limit_across_flow_runs(prefect_harness, tmp_path, fresh_database_url):
    """Two ingest runs at once (two stores, as two workers would be) share one Prefect limit per host: the
    six sources of 127.0.0.1 are never polled more than ``domain_concurrency`` (2) at a time, while the
    four of 127.0.0.2 run beside them."""
    import threading
    from pathlib import Path

    from prefect.client.orchestration import get_client

    from flows.limits import ensure_limit, limit_name
    from flows.tasks import ingest_flow
    from presswatch.config import load_settings
    from presswatch.sources import SourceSpec
    from presswatch.storage import open_store

    site = _CountingSite()
    overrides = {"allow_private_hosts": ["127.0.0.1", "127.0.0.2"], "domain_concurrency": 2,
                 "classifier": "keywords"}
    dirs, run_overrides = [], {}
    try:
        for run in ("w1", "w2"):
            db_url = fresh_database_url()  # the Postgres path: two stores are two schemas (None on SQLite)
            ov = {**overrides, **({"database_url": db_url} if db_url else {})}
            s = load_settings(tmp_path / run, **ov)
            run_overrides[str(s.data_dir)] = ov
            s.ensure_dirs()
            specs = [SourceSpec(id=f"{run}-a{i}", name=f"A{i}", kind="rss", url=site.feed(0, f"{run}-a{i}"),
                                source_type="provincial_press") for i in range(3)]
            specs += [SourceSpec(id=f"{run}-b{i}", name=f"B{i}", kind="rss", url=site.feed(1, f"{run}-b{i}"),
                                 source_type="national_press") for i in range(2)]
            # a site source: crawled by the site-crawl deployment (kinds="crawls"), not by the feed runs
            specs.append(SourceSpec(id=f"{run}-page", name="P", kind="page", url=site.feed(0, "p") + ".html",
                                    source_type="provincial_press"))
            with open_store(s) as st:
                st.sync_sources(specs)
            dirs.append(str(s.data_dir))
        out = {}
        runs = [threading.Thread(target=lambda d=d: out.setdefault(d, ingest_flow(d, run_overrides[d], True, "feeds")))
                for d in dirs]
        for t in runs:
            t.start()
        for t in runs:
            t.join(60)
    finally:
        site.stop()
    assert all(out[d]["fetched"] == 5 and out[d]["crawled"] == 0 and not out[d]["errors"] for d in dirs), out
    for d in dirs:
        with open_store(load_settings(d, database_url=run_overrides[d].get("database_url"))) as st:
            assert [r["id"] for r in st.due_sources()] == [f"{Path(d).name}-page"]  # left for the crawls
    assert site.most["127.0.0.1"] == 2  # six sources, two at a time: the limit, used but never passed
    assert site.most["127.0.0.2"] == 2  # the other host's two sources of a run at once
    assert site.total_most >= 3  # the hosts were polled side by side
    with get_client(sync_client=True) as client:
        assert client.read_global_concurrency_limit_by_name(limit_name("127.0.0.1")).limit == 2
        ensure_limit(limit_name("127.0.0.1"), 3)  # a changed setting updates the limit
        assert client.read_global_concurrency_limit_by_name(limit_name("127.0.0.1")).limit == 3
    ensure_limit(limit_name("127.0.0.1"), 2)


class _HashEncoder:
    """A deterministic stand-in for the e5 encoder (vectors from a text hash), so the retraining flow's wiring
    is tested in seconds; the training itself is tested with it in tests/test_models.py."""
    version, runtime_tag, dim = "hash-encoder-1", "fp32", 24

    def embed(self, texts, max_tokens=128, batch_size=16):
        import hashlib
        from types import SimpleNamespace

        import numpy as np

        V = np.stack([np.random.default_rng(int(hashlib.sha1(t.encode()).hexdigest()[:8], 16)).normal(size=self.dim)
                      for t in texts]).astype(np.float32)
        return SimpleNamespace(vectors=V / np.linalg.norm(V, axis=1, keepdims=True))


def test_train_flow_learns_from_reviewers_decisions(prefect_harness, settings, demo_store, tmp_path, monkeypatch):
    """The weekly retraining run: reviewers' corrections and confirmations of the store are exported and become
    training rows beside the labelled set; both head sets are written where ``presswatch train`` writes them."""
    import json

    import flows.train
    from flows.tasks import cycle_flow
    from models.heads import Heads, folded_heads_path
    from models.train import load_labelled
    from presswatch.workflow import correct_labels, decide

    overrides = {"allow_private_hosts": ["127.0.0.1"], "classifier": "keywords",
                 "model_cache_dir": str(tmp_path / "cache"), "heads_file": str(tmp_path / "heads" / "e5-small.npz")}
    cycle_flow(str(settings.data_dir), overrides, True)
    alerts = [r["id"] for r in demo_store.conn.execute("SELECT id FROM alerts ORDER BY id")]
    assert len(alerts) >= 2, alerts
    correct_labels(demo_store, alerts[0], "reviewer", stance="critical", sentiment="negative")
    decide(demo_store, alerts[1], "reviewer", status="no_action", note="tin cũ")  # dismissed: not a label, left out
    monkeypatch.setattr(flows.train, "_encoder", lambda s: _HashEncoder())
    res = flows.train.train_flow(str(settings.data_dir), overrides)
    assert res["review_labels"] == 1 and res["heads"] == overrides["heads_file"]
    exported = [json.loads(x) for x in open(settings.data_dir / "training" / "review_labels.jsonl", encoding="utf-8")]
    assert [(r["stance"], r["sentiment"], r["tags"]) for r in exported] == [("critical", "negative", ["review:corrected"])]
    heads = Heads.load(tmp_path / "heads" / "e5-small.npz")
    assert heads.version == res["version"] and heads.card["data"]["labelled_train"] == len(load_labelled(split="train")) + 1
    assert Heads.load(folded_heads_path(tmp_path / "heads" / "e5-small.npz")).version == res["folded_version"]
    assert not list((tmp_path / "heads").glob("*.new*"))  # the temporary names are gone


def test_schedule_registers_every_deployment_on_a_process_work_pool(prefect_harness, settings):
    """`presswatch schedule --work-pool NAME` against the Prefect server: every deployment on the pool with its
    schedule, limits on overlapping runs, and a module-path entrypoint that loads the
    flow the way a worker on another machine does; a process worker runs one. Registering again changes nothing."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    from click.testing import CliRunner
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import WorkPoolFilter, WorkPoolFilterName
    from prefect.client.schemas.sorting import DeploymentSort
    from prefect.flows import load_flow_from_entrypoint
    from prefect.settings import PREFECT_API_URL

    from flows.schedule import build_deployments
    from presswatch.cli import main

    expected = {d.name for d in build_deployments(str(settings.data_dir))}
    for _ in range(2):
        res = CliRunner().invoke(main, ["--data-dir", str(settings.data_dir), "schedule", "--work-pool", "pw-test"])
        assert res.exit_code == 0, res.output
        assert "prefect worker start --pool pw-test" in res.output
    with get_client(sync_client=True) as client:
        assert client.read_work_pool("pw-test").type == "process"
        deps = {d.name: d for d in client.read_deployments(  # limit and sort given: the server refuses nulls
            work_pool_filter=WorkPoolFilter(name=WorkPoolFilterName(any_=["pw-test"])), limit=50,
            sort=DeploymentSort.NAME_ASC)}
    assert set(deps) == expected and len(expected) == 10
    assert all(d.work_pool_name == "pw-test" and d.parameters["data_dir"] == str(settings.data_dir)
               for d in deps.values())
    feeds, crawls, train = deps["ingest-every-5-min"], deps["site-crawls-every-15-min"], deps["train-weekly-sun-0200"]
    assert feeds.parameters["kinds"] == "feeds" and crawls.parameters["kinds"] == "crawls"
    assert feeds.schedules[0].schedule.interval.total_seconds() == 300
    assert crawls.schedules[0].schedule.interval.total_seconds() == 900
    assert train.schedules[0].schedule.cron == "0 2 * * 0"
    assert deps["daily-report-0600"].schedules[0].schedule.cron == "0 6 * * *"
    assert all(d.schedules[0].schedule.timezone == "Asia/Ho_Chi_Minh" for d in deps.values())
    for name, most in (("ingest-every-5-min", 1), ("site-crawls-every-15-min", 1), ("train-weekly-sun-0200", 1),
                       ("process-every-5-min", 4)):  # processing runs claim their batches: several may share work
        assert deps[name].global_concurrency_limit.limit == most, name
        assert deps[name].concurrency_options.collision_strategy == "CANCEL_NEW"
    assert feeds.entrypoint == "flows.tasks.ingest_flow" and not feeds.pull_steps
    assert {load_flow_from_entrypoint(d.entrypoint).name for d in deps.values()} == {
        "ingest", "process", "train", "daily-report", "report"}
    # a real process worker picks a run of the processing deployment from the pool and runs it
    with get_client(sync_client=True) as client:
        run = client.create_flow_run_from_deployment(deps["process-every-5-min"].id)
    env = dict(os.environ, PREFECT_API_URL=PREFECT_API_URL.value())
    worker = subprocess.run([str(Path(sys.executable).parent / "prefect"), "worker", "start", "--pool", "pw-test",
                             "--type", "process", "--run-once"], env=env, capture_output=True, text=True, timeout=180)
    with get_client(sync_client=True) as client:
        state = client.read_flow_run(run.id).state
    assert state.is_completed(), (state, worker.stdout[-2000:], worker.stderr[-2000:])


def test_schedule_on_a_work_pool_needs_the_prefect_server(tmp_path):
    """Without PREFECT_API_URL the deployments would go to a temporary server: refused, saying what to set."""
    import os
    import subprocess

    from tests.conftest import presswatch_cmd

    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env["PREFECT_HOME"] = str(tmp_path / "prefect")
    out = subprocess.run(presswatch_cmd() + ["--data-dir", str(tmp_path / "data"), "schedule", "--work-pool", "pw"],
                         capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 1 and "PREFECT_API_URL" in out.stderr and "prefect-server:4200/api" in out.stderr
