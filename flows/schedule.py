"""Schedules: every flow as a Prefect deployment on the plans' cadences (plans-digest §1.5-1.6).

Feeds are polled every 5 minutes (each run polls only the sources whose own interval, or adaptive interval,
has come due), site crawls (kinds sitemap/site/page: a Scrapy subprocess each, up to ``crawl_timeout_s``)
every 15 minutes as their own deployment so a long crawl never delays the feeds, processing every 5 minutes,
and the classifier heads are retrained every Sunday at 02:00 from all label sources, reviewers' decisions
included (flows/train.py). Feeds, crawls and retraining run at most once at a time across all workers: a
run scheduled while the previous one is still going is cancelled, not queued (deployment concurrency
limit); on a work pool, processing runs claim their batches, so up to four share a backlog on several
workers (served from one machine, one at a time).

Reports (Asia/Ho_Chi_Minh): the daily press summary at 06:00 for the previous day (A1-A2: "kịp thời" to the
Chủ tịch UBND); a weekly one on Monday 06:30; quarterly on the 1st of Jan/Apr/Jul/Oct (HY quarterly press
briefing, BG25 quarterly e-bulletin); 6-monthly on 1 Jan and 1 Jul (BT press conference, HY Party-line
reports); a yearly draft on 1 November covering 1/1-31/10, two weeks before the 15/11 deadline (BG, TQ;
BT's 30/11), and the full year on 1 January. Template (state | party), language and an e-mail role are
deployment parameters an office changes in Prefect.

Two ways to run them: ``serve_all`` (``presswatch schedule``) runs them from one process; ``register``
(``presswatch schedule --work-pool NAME``) registers them on a Prefect work pool of type ``process`` with
module-path entrypoints (``flows.tasks.ingest_flow``), so any machine where Presswatch is installed runs
them with ``prefect worker start --pool NAME`` (docs/scaling.md)."""
from __future__ import annotations

from prefect import serve
from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
from prefect.schedules import Cron, Interval
from prefect.types.entrypoint import EntrypointType

from .reports import report_flow
from .tasks import daily_report_flow, ingest_flow, process_flow
from .train import train_flow

TZ = "Asia/Ho_Chi_Minh"

REPORT_CADENCES = [
    # (deployment name, report kind, cron)
    ("weekly-report-mon-0630", "weekly", "30 6 * * 1"),
    ("quarterly-report", "quarterly", "0 7 1 1,4,7,10 *"),
    ("half-year-report", "half_year", "15 7 1 1,7 *"),
    ("yearly-report-draft-0111", "yearly", "30 7 1 11 *"),
    ("yearly-report-0101", "yearly", "45 7 1 1 *"),
]


# one run at a time per deployment; a run due while the last one still runs is cancelled (the next comes soon)
ONE_AT_A_TIME = ConcurrencyLimitConfig(limit=1, collision_strategy=ConcurrencyLimitStrategy.CANCEL_NEW)
# on a work pool, processing runs claim their batches (Store.claim_pending), so a backlog is shared by up to
# this many runs at once, each started 5 minutes after the last on whichever worker is free; served from one
# machine, one at a time (each run loads the classifier, ~0.8 GB)
PROCESS_RUNS_ON_POOL = 4
WORK_POOL_TYPE = "process"


def build_deployments(data_dir: str, entrypoint_type: EntrypointType = EntrypointType.FILE_PATH,
                      process_runs: int = 1) -> list:
    """Every scheduled deployment. ``data_dir`` is passed to each run (the same path on every worker)."""
    p = {"data_dir": data_dir}
    process_limit = ConcurrencyLimitConfig(limit=process_runs, collision_strategy=ConcurrencyLimitStrategy.CANCEL_NEW)
    opts = {"entrypoint_type": entrypoint_type}
    deps = [
        ingest_flow.to_deployment(name="ingest-every-5-min", parameters={**p, "kinds": "feeds"},
                                  schedule=Interval(300, timezone=TZ), concurrency_limit=ONE_AT_A_TIME, **opts),
        ingest_flow.to_deployment(name="site-crawls-every-15-min", parameters={**p, "kinds": "crawls"},
                                  schedule=Interval(900, timezone=TZ), concurrency_limit=ONE_AT_A_TIME, **opts),
        process_flow.to_deployment(name="process-every-5-min", parameters=p,
                                   schedule=Interval(300, timezone=TZ), concurrency_limit=process_limit, **opts),
        train_flow.to_deployment(name="train-weekly-sun-0200", parameters=p,
                                 schedule=Cron("0 2 * * 0", timezone=TZ), concurrency_limit=ONE_AT_A_TIME, **opts),
        daily_report_flow.to_deployment(name="daily-report-0600", parameters=p,
                                        schedule=Cron("0 6 * * *", timezone=TZ), **opts),
    ]
    for name, kind, cron in REPORT_CADENCES:
        deps.append(report_flow.to_deployment(
            name=name, parameters={**p, "kind": kind, "template": "state", "lang": "vi"},
            schedule=Cron(cron, timezone=TZ), **opts))
    return deps


def serve_all(data_dir: str) -> None:
    serve(*build_deployments(data_dir))


class WorkPoolError(Exception):
    """The work pool cannot take the deployments; the message says what to do."""


def ensure_work_pool(name: str) -> None:
    """Create the work pool (type ``process``) when missing; refuse one of another type (its workers would
    need an image or remote storage, which these deployments do not have)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate

    from .limits import read_or_create

    with get_client(sync_client=True) as client:
        pool = read_or_create(lambda: client.read_work_pool(name),
                              lambda: client.create_work_pool(WorkPoolCreate(name=name, type=WORK_POOL_TYPE)))
        if pool is not None and pool.type != WORK_POOL_TYPE:
            raise WorkPoolError(f"work pool {name!r} is of type {pool.type!r}; Presswatch deploys to a "
                                f"{WORK_POOL_TYPE!r} pool: choose another name or "
                                f"`prefect work-pool create {name} --type {WORK_POOL_TYPE}` after deleting it")


def register(data_dir: str, work_pool: str) -> list[str]:
    """Create or update every deployment on ``work_pool`` (no image, no code storage: the entrypoints are
    module paths, importable wherever Presswatch is installed). Safe to repeat. Returns the names."""
    ensure_work_pool(work_pool)
    deps = build_deployments(data_dir, entrypoint_type=EntrypointType.MODULE_PATH, process_runs=PROCESS_RUNS_ON_POOL)
    # what prefect.deploy(..., build=False, push=False) does per deployment; its own call is not used because
    # in 3.8.8 its sync path asks the server for the pool's workers with limit=None and gets a 422
    for d in deps:
        d.apply(work_pool_name=work_pool)
    return [f"{d.flow_name}/{d.name}" for d in deps]
