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
