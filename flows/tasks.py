"""Prefect tasks and flows. Each flow takes the data directory (a plain string) so it can run anywhere."""
from __future__ import annotations

from datetime import date, timedelta

from prefect import flow, get_run_logger, task
from prefect.task_runners import ThreadPoolTaskRunner

from crawlers.crawl import run_crawl
from crawlers.ingest import poll_source
from pipelines.runner import ProcessCounts, index_pending, process_batch
from presswatch.config import load_settings
from presswatch.index import IndexUnavailable, open_index
from presswatch.sources import CRAWLED_KINDS, spec_from_row
from presswatch.storage import open_store


def _ref(row):
    return spec_from_row(row).ref()


def _source_result(source_id: str, outcome: str = "error", new: int = 0, items: int = 0,
                   errors: list[str] | None = None, warnings: list[str] | None = None) -> dict:
    """What a poll or crawl task returns to the ingest flow (a plain dict: tasks may run elsewhere)."""
    return {"source": source_id, "outcome": outcome, "new": new, "items": items, "errors": errors or [],
            "warnings": warnings or []}


def _run_on_source(data_dir: str, source_id: str, overrides: dict, run) -> dict:
    """Load the source's row and ``run(row, store, settings)`` (a PollResult or CrawlResult)."""
    settings = load_settings(data_dir, **overrides)
    with open_store(settings) as store:
        row = next((r for r in store.sources() if r["id"] == source_id), None)
        if row is None:
            return _source_result(source_id, errors=[f"source {source_id} not in the store"])
        res = run(row, store, settings)
    return _source_result(res.source_id, res.outcome, res.new, res.items, res.errors, res.warnings)


@task(name="poll-source", retries=2, retry_delay_seconds=[5, 30], retry_jitter_factor=0.5, timeout_seconds=900)
def poll_source_task(data_dir: str, source_id: str, overrides: dict) -> dict:
    return _run_on_source(data_dir, source_id, overrides,
                          lambda row, store, settings: poll_source(row, store, settings, _ref(row)))


CRAWLS_AT_ONCE = 4  # crawl subprocesses of one ingest run (each is one Scrapy process, ~100 MB)


@task(name="crawl-source", retries=1, retry_delay_seconds=[60], retry_jitter_factor=0.5)
def crawl_source_task(data_dir: str, source_id: str, overrides: dict) -> dict:
    """Crawl one sitemap/site/page source in its own subprocess (``crawlers.crawl.run_crawl``; the crawl
    writes to the store itself)."""
    return _run_on_source(data_dir, source_id, overrides, lambda row, store, settings: run_crawl(row, settings))


@flow(name="ingest", log_prints=False, task_runner=ThreadPoolTaskRunner(max_workers=CRAWLS_AT_ONCE))
def ingest_flow(data_dir: str, overrides: dict | None = None, all_sources: bool = False) -> dict:
    """Poll every due feed source and crawl every due sitemap/site/page source (or all of them); store new
    items as fetched documents. Crawls run in subprocesses, a few at once, while the feeds are polled."""
    logger = get_run_logger()
    overrides = overrides or {}
    settings = load_settings(data_dir, **overrides)
    with open_store(settings) as store:
        rows = store.sources(enabled_only=True) if all_sources else store.due_sources()
    crawl_task = crawl_source_task.with_options(timeout_seconds=settings.crawl_timeout_s + 60)
    crawls = [(r["id"], crawl_task.submit(data_dir, r["id"], overrides)) for r in rows if r["kind"] in CRAWLED_KINDS]
    results = [poll_source_task(data_dir, r["id"], overrides) for r in rows if r["kind"] not in CRAWLED_KINDS]
    for source_id, future in crawls:
        out = future.result(raise_on_failure=False)
        if isinstance(out, BaseException) or not isinstance(out, dict):
            out = _source_result(source_id, errors=[f"source {source_id}: crawl task failed: {out}"])
        results.append(out)
    summary = {"sources": len(results), "crawled": len(crawls), "fetched": sum(r["new"] for r in results),
               "errors": [e for r in results for e in r["errors"]],
               "warnings": [w for r in results for w in r["warnings"]]}
    for e in summary["errors"]:
        logger.warning(e)
    logger.info("ingest: %s sources polled, %s new items", summary["sources"], summary["fetched"])
    return summary


@task(name="process-batch", retries=1, retry_delay_seconds=[10], timeout_seconds=3600)
def process_batch_task(data_dir: str, ids: list[int], overrides: dict) -> dict:
    settings = load_settings(data_dir, **overrides)
    with open_store(settings) as store:
        c = process_batch(store, settings, ids)
    return c.__dict__


@task(name="index-pending", retries=2, retry_delay_seconds=[1, 3], timeout_seconds=3600)
def index_task(data_dir: str, overrides: dict) -> int:
    settings = load_settings(data_dir, **overrides)
    with open_store(settings) as store:
        ix = open_index(settings, writable=True)
        try:
            return index_pending(store, ix)
        finally:
            ix.close()


@flow(name="process", log_prints=False)
def process_flow(data_dir: str, overrides: dict | None = None) -> dict:
    """Run every pending document through the stages in batches, then update the index."""
    logger = get_run_logger()
    overrides = overrides or {}
    settings = load_settings(data_dir, **overrides)
    total = ProcessCounts()
    while True:
        with open_store(settings) as store:
            ids = store.pending_ids(settings.batch_size)
        if not ids:
            break
        c = process_batch_task(data_dir, ids, overrides)
        part = ProcessCounts(**c)
        total.add(part)
        if part.processed == 0:
            break
    out = dict(total.__dict__)
    try:
        out["indexed"] = index_task(data_dir, overrides)
    except IndexUnavailable as exc:
        logger.error("index not updated: %s (the store has everything; it catches up on the next run)", exc)
        out["indexed"] = 0
        out["errors"].append(str(exc))
    logger.info("process: %s", {k: v for k, v in out.items() if k != "errors"})
    return out


@flow(name="daily-report", log_prints=False)
def daily_report_flow(data_dir: str, day: str | None = None, overrides: dict | None = None) -> str:
    """Write the plain daily report for ``day`` (default: yesterday, Vietnam time)."""
    from datetime import datetime

    from presswatch.reports import VN_TZ, write_daily_report

    settings = load_settings(data_dir, **(overrides or {}))
    d = date.fromisoformat(day) if day else (datetime.now(VN_TZ).date() - timedelta(days=1))
    with open_store(settings) as store:
        return str(write_daily_report(store, settings, d))


@flow(name="cycle", log_prints=False)
def cycle_flow(data_dir: str, overrides: dict | None = None, all_sources: bool = False) -> dict:
    """One full cycle: ingest → process → index."""
    ing = ingest_flow(data_dir, overrides, all_sources)
    proc = process_flow(data_dir, overrides)
    return {"ingest": ing, "process": proc}
