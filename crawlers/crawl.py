"""Site crawls (kinds sitemap, site, page): one Scrapy crawl per subprocess.

``run_crawl(source, settings)`` starts ``python -m crawlers.crawl`` with the source and the settings on
standard input, waits at most ``settings.crawl_timeout_s`` (then kills the process group, browser
included) and reads the JSON summary the child prints as its last line. Scrapy's Twisted reactor can
start only once per process, so a crawl never runs inside the caller.

The child writes each article into the store as a ``fetched`` Document exactly as the feed path does
(raw bytes in the snapshot; the pipeline's extract stage reads them), never requests a URL whose
canonical form is already stored, and records the poll (``store.record_poll``) so source health and
adaptive polling treat crawled sources like feeds. A crawl whose start (the page, the listing, or every
sitemap) fails is an ``error`` poll; failures of single articles are listed and the crawl goes on."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from presswatch.record import Document, Fetch
from presswatch.sources import CRAWLED_KINDS, SourceSpec, spec_from_row
from presswatch.urls import canonical_url

CHROMIUM = "/usr/bin/chromium"  # Debian's package (scripts/system-deps.sh); Playwright downloads no browser
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
SUMMARY_MARKER = "PRESSWATCH-CRAWL-SUMMARY "
REDIRECT_MAX_TIMES = 5
SITE_DEPTH = 2  # homepage -> section pages -> articles
EXTRA_PAGES = 50  # responses allowed beyond the article budget: robots.txt, sitemaps, listing pages


class CrawlSetupError(Exception):
    """The crawl cannot start (a missing optional dependency, a wrong kind); the message says the fix."""


@dataclass
class CrawlResult:
    source_id: str
    outcome: str  # ok | error
    items: int = 0  # article URLs found (new + already stored)
    new: int = 0
    seen: int = 0
    pages: int = 0  # responses downloaded (robots.txt, sitemaps, listings and articles)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    duration_ms: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


# ----------------------------------------------------------------------------- parent side
def run_crawl(source, settings, timeout_s: float | None = None) -> CrawlResult:
    """Crawl one source (a ``sources`` row or a ``SourceSpec`` registered in the store) in a subprocess."""
    spec = source if isinstance(source, SourceSpec) else spec_from_row(source)
    if spec.kind not in CRAWLED_KINDS:
        raise CrawlSetupError(f"source {spec.id}: kind {spec.kind!r} is polled as a feed, not crawled")
    timeout = float(timeout_s if timeout_s is not None else settings.crawl_timeout_s)
    payload = json.dumps({"spec": spec.model_dump(mode="json"), "settings": settings_payload(settings)})
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parents[1])
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "crawlers.crawl"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env, start_new_session=True)
    killed = False
    try:
        out, err = proc.communicate(payload.encode("utf-8"), timeout=timeout)
    except subprocess.TimeoutExpired:
        killed = True
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
    summary = _summary(out.decode("utf-8", "replace"))
    if summary is not None:
        return CrawlResult(**summary)
    # the child died or was stopped before its summary: what it stored is kept; the poll is recorded here
    tail = " | ".join(err.decode("utf-8", "replace").strip().splitlines()[-5:])
    if killed:
        msg = (f"crawl stopped after {timeout:g} s (crawl_timeout_s); the pages stored so far are kept and the "
               "rest is crawled next time")
    else:
        msg = f"crawl process failed (exit code {proc.returncode})" + (f": {tail}" if tail else "")
    from presswatch.storage import open_store

    with open_store(settings) as store:
        store.record_poll(spec.id, spec.url, "error", error=msg)
    return CrawlResult(spec.id, "error", errors=[f"source {spec.id}: {msg}"],
                       duration_ms=int((time.monotonic() - started) * 1000))


def settings_payload(settings) -> dict:
    def plain(v):
        if isinstance(v, Path):
            return str(v)
        if isinstance(v, tuple):
            return list(v)
        return v

    return {f.name: plain(getattr(settings, f.name)) for f in fields(settings)}


def _summary(stdout: str) -> dict | None:
    for line in reversed(stdout.splitlines()):
        if line.startswith(SUMMARY_MARKER):
            try:
                return json.loads(line[len(SUMMARY_MARKER):])
            except json.JSONDecodeError:
                return None
    return None


# ----------------------------------------------------------------------------- child side
class StoreSink:
    """What the spiders report into: skip-if-stored, article documents, problems, counters."""

    def __init__(self, store, spec: SourceSpec) -> None:
        self.store, self.spec, self.ref = store, spec, spec.ref()
        self.found = self.new = self.seen = self.over_budget = self.listings = self.sitemaps = 0
        self.started = False
        self.start_status: int | None = None
        self.start_error: str | None = None
        self.errors: list[str] = []
        self.warnings: list[str] = []
        self.skipped: list[str] = []

    def known(self, canon: str) -> bool:
        if self.store.has_url(canon):
            self.seen += 1
            return True
        return False

    def start_ok(self, status: int | None) -> None:
        if not self.started:
            self.started, self.start_status = True, status

    def article(self, response, url: str, hints: dict) -> None:
        from presswatch.dates import parse_datetime

        raw = response.body
        packed, sha = Fetch.pack(raw)
        headers = {k.lower(): v for k, v in response.headers.to_unicode_dict().items()}
        fetch = Fetch(requested_url=url, final_url=response.url, status=response.status, headers=headers,
                      raw_compressed=packed, raw_sha256=sha, feed_title=hints.get("title"),
                      feed_published=parse_datetime(hints.get("published")))
        try:
            if self.store.add_document(Document(url=canonical_url(url), source=self.ref, fetch=fetch)) is not None:
                self.new += 1
        except Exception as exc:  # noqa: BLE001 - one failed write is reported; the crawl goes on
            self.problem("error", f"{url}: not stored ({type(exc).__name__}: {exc})")

    def problem(self, kind: str, message: str, start: bool = False) -> None:
        if kind == "error" and start and self.start_error is None:
            self.start_error = message
        {"error": self.errors, "skipped": self.skipped}.get(kind, self.warnings).append(message)


def check_js_ready(spec: SourceSpec) -> None:
    """Raise ``CrawlSetupError`` (with the install command) when ``render_js`` cannot work here."""
    try:
        import scrapy_playwright  # noqa: F401
    except ImportError as exc:
        raise CrawlSetupError(
            f"source {spec.id} has render_js: true but scrapy-playwright is not installed; install the "
            "JavaScript extra with pip install -e '.[js]' (and Debian's chromium with scripts/system-deps.sh), "
            "or set render_js: false") from exc
    if not os.access(CHROMIUM, os.X_OK):
        raise CrawlSetupError(
            f"source {spec.id} has render_js: true but {CHROMIUM} is missing; install Debian's chromium with "
            "scripts/system-deps.sh (apt-get install chromium), or set render_js: false")


def scrapy_settings(spec: SourceSpec, settings, proxy_url: str | None = None) -> dict:
    """The Scrapy settings of one crawl. With ``render_js``, chromium sends all its traffic through the
    guard proxy at ``proxy_url`` (``crawlers.browser_proxy``), loopback included."""
    timeout = float(settings.fetch_timeout_s)
    crawl_limit = float(settings.crawl_timeout_s)
    s = {
        "ROBOTSTXT_OBEY": True,
        "AUTOTHROTTLE_ENABLED": True,
        "AUTOTHROTTLE_START_DELAY": float(settings.crawl_delay_s),
        "AUTOTHROTTLE_MAX_DELAY": max(10.0, 10 * float(settings.crawl_delay_s)),
        "CONCURRENT_REQUESTS": 8,
        "CONCURRENT_REQUESTS_PER_DOMAIN": int(settings.crawl_concurrency_per_domain),
        "DOWNLOAD_MAXSIZE": int(settings.max_download_bytes),
        "DOWNLOAD_WARNSIZE": 0,
        "DOWNLOAD_TIMEOUT": timeout,
        "DNS_TIMEOUT": timeout,
        "RETRY_ENABLED": True,
        "RETRY_TIMES": 2,
        "RETRY_HTTP_CODES": [500, 502, 503, 504, 522, 524, 408, 429],
        "REDIRECT_MAX_TIMES": REDIRECT_MAX_TIMES,
        "USER_AGENT": settings.user_agent,
        "TELNETCONSOLE_ENABLED": False,
        "LOG_LEVEL": "WARNING",
        "CLOSESPIDER_PAGECOUNT": spec.max_pages + EXTRA_PAGES,
        # end on our own shortly before the parent's kill, so the poll and the summary are written
        "CLOSESPIDER_TIMEOUT": max(1.0, crawl_limit - 30 if crawl_limit > 120 else crawl_limit * 0.75),
        "DEPTH_LIMIT": SITE_DEPTH if spec.kind == "site" else 0,
        "HTTPPROXY_ENABLED": False,  # a proxy would resolve names itself: the address policy could not hold
        "DNS_RESOLVER": "crawlers.spiders.GuardedResolver",
        "DOWNLOADER_MIDDLEWARES": {"crawlers.spiders.NetGuardMiddleware": 50},
        "PRESSWATCH_ALLOW_PRIVATE_HOSTS": list(settings.allow_private_hosts),
    }
    if spec.render_js:
        check_js_ready(spec)
        if not proxy_url:
            raise CrawlSetupError("render_js needs the browser guard proxy (crawlers.browser_proxy)")
        from .spiders import browser_skip_request

        handler = "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler"
        s.update({
            "DOWNLOAD_HANDLERS": {"http": handler, "https": handler},
            "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
            "PLAYWRIGHT_BROWSER_TYPE": "chromium",
            "PLAYWRIGHT_LAUNCH_OPTIONS": {"executable_path": CHROMIUM, "headless": True, "args": CHROMIUM_ARGS,
                                          "timeout": timeout * 1000,
                                          # "<-loopback>": loopback addresses go through the proxy as well
                                          "proxy": {"server": proxy_url, "bypass": "<-loopback>"}},
            "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": timeout * 1000,
            "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": int(settings.crawl_concurrency_per_domain),
            "PLAYWRIGHT_ABORT_REQUEST": browser_skip_request,
        })
    return s


def crawl_here(spec: SourceSpec, settings) -> dict:
    """Run the crawl in this process (the child): store articles, record the poll, return the summary."""
    from scrapy.crawler import CrawlerProcess

    from presswatch.storage import open_store

    from .ingest import _health_warning
    from .spiders import PageSpider, SitemapSpider, SiteSpider

    started = time.monotonic()
    res = CrawlResult(spec.id, "ok")
    with open_store(settings) as store:
        browser_problems: list[str] = []
        proxy = None
        try:
            if spec.kind not in CRAWLED_KINDS:
                raise CrawlSetupError(f"kind {spec.kind!r} is not crawled (crawled kinds: {', '.join(CRAWLED_KINDS)})")
            if spec.render_js:
                check_js_ready(spec)
                from .browser_proxy import GuardProxy

                proxy = GuardProxy(tuple(settings.allow_private_hosts), browser_problems,
                                   float(settings.fetch_timeout_s)).start()
            conf = scrapy_settings(spec, settings, proxy.url if proxy else None)
        except CrawlSetupError as exc:
            res.outcome, res.errors = "error", [f"source {spec.id}: {exc}"]
            store.record_poll(spec.id, spec.url, "error", error=str(exc))
            return res.as_dict()
        sink = StoreSink(store, spec)
        spider = {"sitemap": SitemapSpider, "site": SiteSpider, "page": PageSpider}[spec.kind]
        process = CrawlerProcess(conf)
        crawler = process.create_crawler(spider)
        process.crawl(crawler, spec=spec.model_dump(mode="json"), sink=sink)
        try:
            process.start()
        finally:
            if proxy is not None:
                proxy.stop()
        stats = crawler.stats.get_stats() if crawler.stats else {}
        reason = stats.get("finish_reason")
        res.pages = int(stats.get("response_received_count", 0))
        res.new, res.seen, res.items = sink.new, sink.seen, sink.new + sink.seen
        res.errors = [f"source {spec.id}: {e}" for e in sink.errors]
        res.warnings = [f"source {spec.id}: {w}" for w in sink.warnings + browser_problems]
        if sink.skipped:
            res.warnings.append(f"source {spec.id}: {len(sink.skipped)} URL(s) disallowed by robots.txt, not "
                                f"fetched (first: {sink.skipped[0]})")
        if sink.over_budget:
            res.warnings.append(f"source {spec.id}: {sink.over_budget} more article link(s) over the budget of "
                                f"{spec.max_pages} (max_pages); they are crawled on later runs")
        if reason in ("closespider_timeout", "closespider_pagecount"):
            res.warnings.append(f"source {spec.id}: crawl stopped early ({reason}); the rest comes next time")
        duration = int((time.monotonic() - started) * 1000)
        if sink.start_error or not sink.started:
            res.outcome = "error"
            error = sink.start_error or f"{spec.url}: nothing could be fetched"
            if not sink.errors:
                res.errors.append(f"source {spec.id}: {error}")
            store.record_poll(spec.id, spec.url, "error", error=error, http_status=sink.start_status,
                              duration_ms=duration)
        else:
            store.record_poll(spec.id, spec.url, "ok", http_status=sink.start_status, items=res.items,
                              new_items=res.new, seen_items=res.seen, duration_ms=duration)
        _health_warning(store, spec.id, res)
    res.duration_ms = int((time.monotonic() - started) * 1000)
    return res.as_dict()


def _settings_from(payload: dict):
    from presswatch.config import load_settings

    data = dict(payload)
    data_dir, extra = data.pop("data_dir"), data.pop("extra", {}) or {}
    s = load_settings(data_dir, **data)
    s.extra = extra
    return s


def main() -> int:
    payload = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    settings = _settings_from(payload["settings"])
    spec = SourceSpec.model_validate(payload["spec"])
    summary = crawl_here(spec, settings)
    sys.stdout.write(SUMMARY_MARKER + json.dumps(summary, ensure_ascii=False) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
