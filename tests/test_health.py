"""``presswatch status``: queue depth, per-source health, last runs and failures, index lag, disk — from a
real store, through the real CLI, and the Prefect flow runs from a real (temporary) Prefect server."""
import json
import subprocess
from datetime import datetime, timedelta, timezone

import yaml

from presswatch.health import flow_runs, status
from presswatch.notify import dispatch
from presswatch.record import Document, Enrichment, Extraction, Fetch, SourceRef
from presswatch.sources import SourceSpec
from presswatch.storage import iso
from tests.conftest import cli_env, presswatch_cmd


def _doc(store, n, source="up"):
    url = f"https://e.org/{source}/{n}"
    return store.add_document(Document(url=url, source=SourceRef(id=source), fetch=Fetch(requested_url=url),
                                       extraction=Extraction(title=f"Tin {n}", text="x")))


def sources_scenario(store, now, error: str, failures: int = 1) -> None:
    """Sources "up" (polled, 2 new), "down" (``failures`` failed polls with ``error``), "quiet" and "new"
    (never polled). "quiet" answers every poll but has published nothing for 5 days, where it used to
    publish 2 a day."""
    store.sync_sources([SourceSpec(id=i, name=i, kind="rss", url=f"https://e.org/{i}", source_type="other")
                        for i in ("up", "down", "quiet", "new")])
    store.record_poll("up", "https://e.org/up", "ok", items=2, new_items=2)
    for _ in range(failures):
        store.record_poll("down", "https://e.org/down", "error", error=error)
    store.record_poll("quiet", "https://e.org/quiet", "ok", items=20, new_items=20)
    store.conn.execute("UPDATE fetch_log SET at=? WHERE source_id='quiet'", (iso(now - timedelta(days=10)),))
    store.conn.execute("UPDATE sources SET last_new_at=? WHERE id='quiet'", (iso(now - timedelta(days=5)),))
    store.record_poll("quiet", "https://e.org/quiet", "ok", items=20, new_items=0)


def _scenario(store, settings):
    now = datetime.now(timezone.utc)
    sources_scenario(store, now, "HTTP 503 Service Unavailable")
    pending = _doc(store, 1)
    failed = _doc(store, 2)
    store.conn.execute("UPDATE documents SET status='failed', status_note='ValueError: boom' WHERE id=?", (failed,))
    done = _doc(store, 3)
    d = store.load(done)
    d.status = "processed"
    d.enrichment = Enrichment(story_id="s3", stance="critical", topics=["labour"], risk=0.9, alert=True,
                              risk_reasons=["Lý do"], content_hash="h3")
    store.save_processed(d)
    store.mark_indexed([done])
    store.conn.execute("INSERT INTO reports (kind, params, path, created_at) VALUES ('daily', '{}', NULL, ?)",
                       (iso(now),))
    # a webhook to the cloud metadata address: refused by the URL policy, recorded as a failed notification
    (settings.data_dir / "notify.yaml").write_text(yaml.safe_dump(
        {"rules": [{"webhook": "http://169.254.169.254/hook", "min_severity": "low"}]}), encoding="utf-8")
    assert dispatch(store, settings) == {"sent": 0, "failed": 1}
    return pending, failed, done


def test_status_reports_every_part(settings, store):
    pending, failed, done = _scenario(store, settings)
    h = status(store, settings)
    assert h["queue"] == {"pending": 1, "failed": 1} and h["index_lag"] == {"documents": 0, "oldest_seconds": 0}
    by_id = {s["id"]: s for s in h["source_health"]}
    assert by_id["down"]["state"] == "failing" and by_id["new"]["state"] == "never polled"
    assert by_id["up"]["state"] == "ok" and by_id["up"]["publishing"] == "ok"
    assert by_id["quiet"]["state"] == "ok" and by_id["quiet"]["publishing"] == "silent"
    assert "no new items for 120 h" in by_id["quiet"]["reason"]
    assert by_id["quiet"]["items_per_day"] == 2.0
    assert h["recent_failures"][0]["error"] == "HTTP 503 Service Unavailable"
    assert [(d["id"], d["status_note"]) for d in h["failed_documents"]] == [(failed, "ValueError: boom")]
    n = h["notifications"]
    assert (n["sent"], n["failed"], n["gave_up"]) == (0, 1, 0)
    assert "169.254.169.254" in n["recent_failures"][0]["error"] and n["recent_failures"][0]["channel"] == "webhook"
    runs = h["last_runs"]
    assert all(runs[k] for k in ("poll_at", "processed_at", "indexed_at", "report_at", "notification_at"))
    assert runs["report_kind"] == "daily" and h["last_poll_at"] == runs["poll_at"]
    assert h["disk"]["store_bytes"] > 0 and h["disk"]["free_bytes"] > 0 and isinstance(h["disk"]["low"], bool)
    assert "flow_runs" not in h  # only when asked: it needs a Prefect server


def test_index_lag_counts_processed_documents_not_yet_indexed(settings, store):
    _, _, done = _scenario(store, settings)
    store.conn.execute("UPDATE documents SET indexed_at=NULL, updated_at=? WHERE id=?",
                       (iso(datetime.now(timezone.utc) - timedelta(minutes=10)), done))
    lag = status(store, settings)["index_lag"]
    assert lag["documents"] == 1 and 590 <= lag["oldest_seconds"] <= 700


def test_status_command_prints_failures_and_last_runs(settings, store):
    pending, failed, done = _scenario(store, settings)
    store.close()
    env = cli_env(settings.data_dir)
    out = subprocess.run(presswatch_cmd() + ["status"], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert "queue: 1 pending, 1 failed" in text
    assert "down: failing — HTTP 503 Service Unavailable" in text
    assert "quiet: silent — no new items for 120 h" in text and "new: never polled" not in text
    assert "last runs: poll 20" in text and "report 20" in text and "(daily)" in text
    assert f"#{failed} https://e.org/up/2: ValueError: boom" in text
    assert "notifications: 0 sent, 1 failed" in text and "http://169.254.169.254/hook" in text
    assert "bị chặn" in text  # the reason, as recorded
    assert "flow runs" not in text  # no PREFECT_API_URL: Prefect is not asked
    as_json = json.loads(subprocess.run(presswatch_cmd() + ["status", "--json"], env=env, capture_output=True,
                                        text=True, timeout=120).stdout)
    assert as_json["notifications"]["failed"] == 1 and as_json["failed_documents"][0]["id"] == failed


def test_flow_runs_come_from_the_prefect_server(prefect_harness):
    from prefect import flow

    @flow(name="pw-status-ok")
    def fine():
        return 1

    @flow(name="pw-status-broken")
    def broken():
        raise RuntimeError("source registry unreadable")

    fine()
    broken(return_state=True)
    fr = flow_runs(limit=50)
    assert fr["error"] is None
    mine = {r["flow"]: r for r in fr["runs"] if r["flow"].startswith("pw-status-")}
    assert mine["pw-status-ok"]["state"] == "COMPLETED"
    assert mine["pw-status-broken"]["state"] == "FAILED"
    assert "source registry unreadable" in mine["pw-status-broken"]["message"]
    starts = [r["start_time"] for r in fr["runs"] if r["start_time"]]
    assert starts == sorted(starts, reverse=True)  # newest first


def test_flow_runs_without_a_reachable_server_say_so(monkeypatch):
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")  # discard port: nothing listens
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: "http://127.0.0.1:9/api"}):
        fr = flow_runs()
    assert fr["runs"] == [] and "Prefect API not reachable" in fr["error"]
