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

from .limits import domain_slot, ensure_limit, limit_name, request_host, server_configured


def _ref(row):
    return spec_from_row(row).ref()


def _source_result(source_id: str, outcome: str = "error", new: int = 0, items: int = 0,
                   errors: list[str] | None = None, warnings: list[str] | None = None) -> dict:
    """What a poll or crawl task returns to the ingest flow (a plain dict: tasks may run elsewhere)."""
    return {"source": source_id, "outcome": outcome, "new": new, "items": items, "errors": errors or [],
            "warnings": warnings or []}


def _run_on_source(data_dir: str, source_id: str, overrides: dict, run, wait_s: float) -> dict:
    """Load the source's row, take a slot of its host's limit (flows/limits.py; waiting at most ``wait_s``)
    and ``run(row, store, settings)`` (a PollResult or CrawlResult). The store is not held open while
    waiting for the slot."""
    settings = load_settings(data_dir, **overrides)
    with open_store(settings) as store:
        row = next((r for r in store.sources() if r["id"] == source_id), None)
    if row is None:
        return _source_result(source_id, errors=[f"source {source_id} not in the store"])
    try:
        host = request_host(row["kind"], row["url"], settings)
    except ValueError as exc:
        return _source_result(source_id, errors=[f"source {source_id}: {exc}"])
    with domain_slot(host, settings, wait_s):
        with open_store(settings) as store:
            res = run(row, store, settings)
    return _source_result(res.source_id, res.outcome, res.new, res.items, res.errors, res.warnings)


POLL_WAIT_S = 600  # longest wait for a slot of a busy host before the poll fails (and is retried)


@task(name="poll-source", retries=2, retry_delay_seconds=[5, 30], retry_jitter_factor=0.5,
      timeout_seconds=POLL_WAIT_S + 900)
def poll_source_task(data_dir: str, source_id: str, overrides: dict) -> dict:
    return _run_on_source(data_dir, source_id, overrides,
                          lambda row, store, settings: poll_source(row, store, settings, _ref(row)), POLL_WAIT_S)


POLLS_AT_ONCE = 8  # feed polls of one ingest run in threads (each fetches fetch_concurrency pages at once)
CRAWLS_AT_ONCE = 4  # crawl subprocesses of one ingest run (each is one Scrapy process, ~100 MB)


@task(name="crawl-source", retries=1, retry_delay_seconds=[60], retry_jitter_factor=0.5)
def crawl_source_task(data_dir: str, source_id: str, overrides: dict, wait_s: float = 1200) -> dict:
    """Crawl one sitemap/site/page source in its own subprocess (``crawlers.crawl.run_crawl``; the crawl
    writes to the store itself)."""
    return _run_on_source(data_dir, source_id, overrides, lambda row, store, settings: run_crawl(row, settings),
                          wait_s)


KINDS = ("all", "feeds", "crawls")


def _host_or_none(row, settings) -> str | None:
    try:
        return request_host(row["kind"], row["url"], settings)
    except ValueError:  # reported by the source's task
        return None


def _by_host(rows, settings) -> list:
    """Rows interleaved host by host (a, b, c, a, b, …) so that one host's queue of sources waiting for its
    slots does not hold every thread of the run while other hosts wait."""
    from itertools import chain, zip_longest

    groups: dict[str | None, list] = {}
    for r in rows:
        groups.setdefault(_host_or_none(r, settings), []).append(r)
    return [r for r in chain.from_iterable(zip_longest(*groups.values())) if r is not None]


@flow(name="ingest", log_prints=False, task_runner=ThreadPoolTaskRunner(max_workers=POLLS_AT_ONCE))
def ingest_flow(data_dir: str, overrides: dict | None = None, all_sources: bool = False,
                kinds: str = "all") -> dict:
    """Poll every due feed source and crawl every due sitemap/site/page source (or all of them); store new
    items as fetched documents. ``kinds``: ``feeds`` polls only, ``crawls`` crawls only (the schedules run
    them as two deployments, so a long crawl never delays the feeds). Feeds are polled a few at once in
    threads, crawls run in subprocesses, at most ``CRAWLS_AT_ONCE`` at a time; each source waits for a slot
    of its host's limit (``domain_concurrency``, across runs and workers)."""
    from prefect.futures import as_completed

    if kinds not in KINDS:
        raise ValueError(f"kinds must be one of {', '.join(KINDS)}, got {kinds!r}")
    logger = get_run_logger()
    overrides = overrides or {}
    settings = load_settings(data_dir, **overrides)
    with open_store(settings) as store:
        rows = store.sources(enabled_only=True) if all_sources else store.due_sources()
    rows = _by_host(rows, settings)
    for host in ({_host_or_none(r, settings) for r in rows} - {None}) if server_configured() else ():
        ensure_limit(limit_name(host), settings.domain_concurrency)  # once per host, before the tasks race
    feed_ids = [r["id"] for r in rows if r["kind"] not in CRAWLED_KINDS] if kinds != "crawls" else []
    crawl_ids = [r["id"] for r in rows if r["kind"] in CRAWLED_KINDS] if kinds != "feeds" else []
    polls = [(sid, poll_source_task.submit(data_dir, sid, overrides)) for sid in feed_ids]
    crawl_task = crawl_source_task.with_options(timeout_seconds=3 * settings.crawl_timeout_s + 60)
    wait_s = 2 * settings.crawl_timeout_s  # a slot of a busy host: two other crawls of it at most
    crawls, running, queue = [], {}, list(crawl_ids)
    while queue or running:
        while queue and len(running) < CRAWLS_AT_ONCE:
            sid = queue.pop(0)
            running[sid] = crawl_task.submit(data_dir, sid, overrides, wait_s)
        done = next(as_completed(list(running.values())))
        sid = next(k for k, f in running.items() if f is done)
        crawls.append((sid, running.pop(sid)))
    results = []
    for source_id, future in polls + crawls:
        out = future.result(raise_on_failure=False)
        if isinstance(out, BaseException) or not isinstance(out, dict):
            what = "crawl" if source_id in crawl_ids else "poll"
            out = _source_result(source_id, errors=[f"source {source_id}: {what} task failed: {out}"])
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
    """Run every pending document through the stages in batches, then update the index. Each batch is
    claimed first (``Store.claim_pending``: a lease per process), so several runs at once — on several
    workers sharing a Postgres store — never process the same document."""
    logger = get_run_logger()
    overrides = overrides or {}
    settings = load_settings(data_dir, **overrides)
    total = ProcessCounts()
    try:
        while True:
            with open_store(settings) as store:
                ids = store.claim_pending(settings.batch_size)
            if not ids:
                break
            c = process_batch_task(data_dir, ids, overrides)
            part = ProcessCounts(**c)
            total.add(part)
            if part.processed == 0:
                break
    finally:  # what is left (a failed batch, a full disk) goes to the next run at once
        with open_store(settings) as store:
            store.release_claims()
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
