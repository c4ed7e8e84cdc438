"""Per-domain limits across flow runs and workers: Prefect global concurrency limits, one per host.

A poll or crawl task holds one slot of ``presswatch-domain:<host>`` while it talks to that host, so at most
``Settings.domain_concurrency`` sources of one host are polled or crawled at once — in one flow run, in
overlapping runs and on every worker machine, since the Prefect server keeps the count. (Inside one crawl,
``crawl_concurrency_per_domain`` still limits Scrapy's own requests.) Prefect 3 no longer creates a limit on
first use, so each task creates its host's limit when missing and sets it to the configured value when it
differs: the setting, not the Prefect UI, is where the number lives."""
from __future__ import annotations

from contextlib import contextmanager
from urllib.parse import urlsplit

PREFIX = "presswatch-domain:"


def request_host(kind: str, url: str, settings) -> str:
    """The host a poll or crawl of this source actually talks to, lower-case, without ``www.`` and port.
    Facebook pages are read through the office's RSS-Bridge, so its host is the one limited."""
    if kind == "facebook" and settings.rss_bridge_url:
        url = settings.rss_bridge_url
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    if host.startswith("www."):
        host = host[4:]
    if not host:
        raise ValueError(f"{url!r} has no host name: fix the source's url in the registry")
    return host


def limit_name(host: str) -> str:
    return PREFIX + host


def read_or_create(read, create):
    """The Prefect object ``read()`` finds, else None after ``create()`` made it. Safe when several workers
    do it at once: a concurrent create (409) means it exists now, and it is read."""
    from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound

    try:
        return read()
    except ObjectNotFound:
        try:
            create()
            return None
        except ObjectAlreadyExists:
            return read()


def ensure_limit(name: str, limit: int) -> None:
    """Create the global concurrency limit ``name`` with ``limit`` slots, or set it to ``limit``."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate, GlobalConcurrencyLimitUpdate

    if limit < 1:
        raise ValueError(f"domain_concurrency must be at least 1, got {limit}")
    with get_client(sync_client=True) as client:
        existing = read_or_create(
            lambda: client.read_global_concurrency_limit_by_name(name),
            lambda: client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name=name, limit=limit)))
        if existing is not None and (existing.limit != limit or not existing.active):
            client.update_global_concurrency_limit(name, GlobalConcurrencyLimitUpdate(limit=limit, active=True))


_LOCAL: dict = {}  # (host, limit) -> threading.BoundedSemaphore: the slots of a run without a Prefect server
_LOCAL_LOCK = None


def server_configured() -> bool:
    """True when flows talk to a Prefect server (PREFECT_API_URL, or a test harness), False with the
    temporary server each process starts for itself."""
    from prefect.settings import get_current_settings

    return bool(get_current_settings().api.url)


@contextmanager
def domain_slot(host: str, settings, wait_s: float):
    """Hold one slot of the host's limit for the duration of the block. Waits while the host is busy, at
    most ``wait_s`` seconds (then ``TimeoutError``: the task fails and Prefect retries it).

    With a Prefect server the slot is a global concurrency limit's, leased for 5 minutes and renewed while
    held, so a worker that dies gives its slots back when the lease runs out (the server's repossessor).
    Without one — a single ``presswatch run`` with the temporary server it starts for itself — the slot is
    this process's: that server keeps the limit's count in its database but its leases only in memory, so
    slots held by a killed run would stay taken for good and every later run would wait for them."""
    if not server_configured():
        import threading

        global _LOCAL_LOCK
        if _LOCAL_LOCK is None:
            _LOCAL_LOCK = threading.Lock()
        with _LOCAL_LOCK:
            sem = _LOCAL.setdefault((host, settings.domain_concurrency),
                                    threading.BoundedSemaphore(settings.domain_concurrency))
        if not sem.acquire(timeout=wait_s):
            raise TimeoutError(f"no free slot for {host} within {wait_s:.0f} s (domain_concurrency="
                               f"{settings.domain_concurrency})")
        try:
            yield
        finally:
            sem.release()
        return
    from prefect.concurrency.sync import concurrency

    name = limit_name(host)
    ensure_limit(name, settings.domain_concurrency)
    with concurrency(name, occupy=1, timeout_seconds=wait_s, strict=True, lease_duration=300):
        yield
