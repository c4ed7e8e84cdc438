"""Scrapy spiders for the crawled source kinds, and the guards every crawl request goes through.

- ``SitemapSpider`` (kind ``sitemap``): a sitemap or sitemap index; or a site root, whose robots.txt
  ``Sitemap:`` lines are read, else /sitemap.xml, /sitemap_index.xml and /news-sitemap.xml are tried.
- ``SiteSpider`` (kind ``site``): a homepage or section page; links to article pages on the same site
  are fetched, other same-site links are followed as listings up to ``DEPTH_LIMIT``.
- ``PageSpider`` (kind ``page``): one article.

The spiders know nothing of the store: a *sink* (``crawlers.crawl.StoreSink``) says which canonical
URLs are already stored (those are never requested) and receives each article response and each
problem. Article requests carry ``dont_filter`` because the spider de-duplicates by canonical URL
itself; that also makes a redirect loop end in "max redirections" (a readable error) instead of a
silently dropped duplicate.

Network policy (``presswatch.netguard``): ``NetGuardMiddleware`` checks every request — robots.txt,
sitemaps, and each redirect hop, since Scrapy sends a redirect back through the downloader
middlewares — and ``GuardedResolver`` checks the address each connection is actually made to (a DNS
answer that changes after the check cannot reach an internal address). Environment proxies are off.
With ``render_js`` the page is loaded by chromium through scrapy-playwright, and every request the
browser makes — each redirect hop and sub-resource — goes through the guard proxy
(``crawlers.browser_proxy``); images, media and fonts are not loaded; the rendered page's final URL and
size are checked again before it is kept."""
from __future__ import annotations

import ipaddress
import re
from urllib.parse import urljoin, urlsplit

import lxml.etree
import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import TextResponse
from scrapy.linkextractors import LinkExtractor
from scrapy.resolver import CachingThreadedResolver
from scrapy.utils.gz import gunzip

from presswatch.netguard import BlockedURL, check_url
from presswatch.urls import canonical_url

SITEMAP_GUESSES = ("/sitemap.xml", "/sitemap_index.xml", "/news-sitemap.xml")
MAX_CHILD_SITEMAPS = 20  # of a sitemap index, the most recently modified ones are read
HTML_TYPES = ("text/html", "application/xhtml+xml")

# article URLs: a numeric id (5+ digits), a date in the path, or a slug of 4+ words (3+ with .html/.htm)
_ID = re.compile(r"(?<![0-9])[0-9]{5,}(?![0-9])")
_DATE = re.compile(r"/(19|20)[0-9]{2}/[01]?[0-9]/")
_PAGE_EXT = re.compile(r"\.(s?html?|php|aspx?)$", re.I)
_NOT_ARTICLE = {"tag", "tags", "tu-khoa", "search", "tim-kiem", "login", "dang-nhap", "dang-ky", "register",
                "lien-he", "contact", "rss", "feed", "author", "tac-gia", "page", "trang", "static", "assets",
                "wp-admin", "wp-login.php", "cdn-cgi", "gioi-thieu", "about"}


class Refused(IgnoreRequest):
    """A request the network policy or a size cap refused; the message says why and what to do."""


def is_article_url(url: str, pattern: str | None = None) -> bool:
    """``pattern`` (a source's ``article_pattern``, searched in the whole URL) decides when given;
    otherwise the heuristic above."""
    if pattern:
        return re.search(pattern, url) is not None
    path = urlsplit(url).path
    segments = [s for s in path.split("/") if s]
    if not segments or any(s.lower() in _NOT_ARTICLE for s in segments):
        return False
    last = segments[-1]
    stem = _PAGE_EXT.sub("", last)
    words = [w for w in re.split(r"[-_]+", stem) if w]
    if _ID.search(path) or _DATE.search(path + "/"):
        return len(words) >= 2 or len(segments) >= 2
    return len(words) >= 4 or (len(words) >= 3 and _PAGE_EXT.search(last) is not None)


def _site_host(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def same_site(url: str, base: str) -> bool:
    """Same host as the start URL, ``www.`` or a sub-domain of it included."""
    host, root = _site_host(url), _site_host(base)
    return bool(host) and (host == root or host.endswith("." + root))


def describe_failure(failure, settings) -> tuple[str, str]:
    """(kind, readable message) for a failed request: kind is ``error`` or ``skipped`` (robots.txt)."""
    from scrapy.exceptions import CannotResolveHostError, DownloadCancelledError, DownloadTimeoutError
    from scrapy.spidermiddlewares.httperror import HttpError
    from twisted.internet.error import DNSLookupError, TimeoutError as TxTimeoutError

    request = getattr(failure, "request", None)
    url = (request.meta.get("pw_url") or request.url) if request is not None else "?"  # as linked, before redirects
    exc = failure.value
    if isinstance(exc, HttpError):
        r = exc.response
        retried = " (after retries)" if r.status in settings.getlist("RETRY_HTTP_CODES") else ""
        return "error", f"{url}: HTTP {r.status}{retried}"
    if isinstance(exc, Refused):
        hop = failure.request.url if request is not None else url
        return "error", str(exc) if hop == url else f"{url}: redirect refused: {exc}"
    if isinstance(exc, IgnoreRequest):
        text = str(exc)
        if "robots.txt" in text:
            return "skipped", f"{url}: disallowed by the site's robots.txt; not fetched"
        if "redirections" in text:
            return "error", (f"{url}: more than {settings.getint('REDIRECT_MAX_TIMES')} redirects "
                             "(a redirect loop?); not fetched")
        return "error", f"{url}: {text or 'request dropped'}"
    if isinstance(exc, (DownloadTimeoutError, TxTimeoutError)) or "timeout" in type(exc).__name__.lower():
        return "error", f"{url}: timed out after {settings.getfloat('DOWNLOAD_TIMEOUT'):g} s (after retries)"
    if isinstance(exc, DownloadCancelledError) or "max size" in str(exc):
        return "error", f"{url}: response over the {settings.getint('DOWNLOAD_MAXSIZE')}-byte cap; not kept"
    if isinstance(exc, BlockedURL):
        return "error", f"{url}: {exc}"
    if isinstance(exc, (DNSLookupError, CannotResolveHostError)):
        host = (urlsplit(request.url).hostname or "").lower() if request is not None else ""
        if host in REFUSED_AT_CONNECT:
            return "error", f"{url}: refused at connect time ({REFUSED_AT_CONNECT[host]})"
        return "error", f"{url}: cannot resolve the host name; check the URL or DNS"
    return "error", f"{url}: {type(exc).__name__}: {exc}"


# ----------------------------------------------------------------------------- network guards
def _allowance(settings) -> tuple[str, ...]:
    return tuple(settings.getlist("PRESSWATCH_ALLOW_PRIVATE_HOSTS"))


class NetGuardMiddleware:
    """Downloader middleware: ``netguard.check_url`` on every request (redirect hops included); after a
    browser-rendered download, the final URL and the size cap once more."""

    def __init__(self, allow: tuple[str, ...], maxsize: int) -> None:
        self.allow, self.maxsize = allow, maxsize

    @classmethod
    def from_crawler(cls, crawler):
        return cls(_allowance(crawler.settings), crawler.settings.getint("DOWNLOAD_MAXSIZE"))

    def _check(self, url: str) -> None:
        try:
            check_url(url, self.allow)
        except BlockedURL as exc:
            raise Refused(str(exc)) from exc
        except ConnectionError as exc:  # the name does not resolve
            raise Refused(str(exc)) from exc

    def process_request(self, request, spider=None):
        self._check(request.url)
        return None

    def process_response(self, request, response, spider=None):
        if "playwright" in response.flags:
            if response.url != request.url:  # the browser followed a redirect (each hop passed the proxy)
                try:
                    self._check(response.url)
                except Refused as exc:
                    raise Refused(f"{request.url}: redirected to a refused address ({exc})") from exc
            if self.maxsize and len(response.body) > self.maxsize:
                raise Refused(f"{request.url}: rendered page over the {self.maxsize}-byte cap; not kept")
        return response


class GuardedResolver(CachingThreadedResolver):
    """Scrapy's resolver, refusing a host whose resolved address is internal (unless allowed): the
    check applies to the very address the connection is made to."""

    allow: tuple[str, ...] = ()

    @classmethod
    def from_crawler(cls, crawler, reactor):
        r = super().from_crawler(crawler, reactor)
        r.allow = _allowance(crawler.settings)
        return r

    def getHostByName(self, name, timeout=()):
        d = super().getHostByName(name, timeout)
        d.addCallback(self._vet, name)
        return d

    def _vet(self, address: str, name: str) -> str:
        from twisted.internet.error import DNSLookupError

        if any(a.lower() == name.lower() for a in self.allow):
            return address  # the admin allowed this host by name
        literal = f"[{address}]" if isinstance(ipaddress.ip_address(address), ipaddress.IPv6Address) else address
        try:
            check_url(f"http://{literal}/", self.allow)
        except BlockedURL as exc:
            # Twisted reports a resolver failure only as "no results"; the reason is kept for the message
            REFUSED_AT_CONNECT[name.lower()] = f"{name} now resolves to {address}: {exc}"
            raise DNSLookupError(str(exc)) from exc
        return address


REFUSED_AT_CONNECT: dict[str, str] = {}  # host name -> why GuardedResolver refused it (one crawl per process)


async def browser_skip_request(request) -> bool:
    """scrapy-playwright ``PLAYWRIGHT_ABORT_REQUEST``: images, media and fonts are not loaded (the text
    does not need them). The URL policy for the browser is the guard proxy's (``crawlers.browser_proxy``):
    interception here sees only the first URL of a redirect chain."""
    return request.resource_type in ("image", "media", "font")


# ----------------------------------------------------------------------------- spiders
class _CrawlSpider(scrapy.Spider):
    """Shared parts: the article budget, skip-if-stored, article and error callbacks."""

    name = "presswatch"
    custom_settings: dict = {}

    def __init__(self, *, spec: dict, sink, **kwargs):
        super().__init__(**kwargs)
        self.spec, self.sink = spec, sink
        self.start_url: str = spec["url"]
        self.pattern: str | None = spec.get("article_pattern")
        self.max_articles: int = int(spec.get("max_pages") or 200)
        self.render_js: bool = bool(spec.get("render_js"))
        self.queued: set[str] = set()
        self.waiting: list[tuple] = []

    def _js_meta(self) -> dict:
        if not self.render_js:
            return {}
        # wait until the page's own requests are done, so text fetched by its scripts is in the DOM
        return {"playwright": True, "playwright_page_goto_kwargs": {"wait_until": "networkidle"}}

    def article_request(self, url: str, hints: dict | None = None, start: bool = False):
        """A request for an article page, or None when it is stored already, queued, or over budget."""
        canon = canonical_url(url)
        if canon in self.queued:
            return None
        self.queued.add(canon)
        if self.sink.known(canon):
            return None
        if self.sink.found >= self.max_articles:
            self.waiting.append((url, hints, start))  # over budget: taken up if a robots.txt skip frees a place
            self.sink.over_budget += 1
            return None
        return self._article(url, hints, start)

    def _article(self, url: str, hints: dict | None, start: bool):
        self.sink.found += 1
        return scrapy.Request(url, callback=self.parse_article, errback=self.on_error, dont_filter=True,
                              meta={"pw_url": url, "pw_hints": hints or {}, "pw_start": start, **self._js_meta()})

    def parse_article(self, response):
        meta = response.meta
        if not isinstance(response, TextResponse) or not _is_html(response):
            self.sink.problem("error", f"{meta['pw_url']}: not an HTML page "
                                       f"({_header(response, 'content-type') or 'no content type'}); not kept",
                              start=meta.get("pw_start", False))
            return
        self.sink.article(response, meta["pw_url"], meta.get("pw_hints") or {})
        if meta.get("pw_start"):
            self.sink.start_ok(response.status)

    def on_error(self, failure):
        kind, message = describe_failure(failure, self.settings)
        request = getattr(failure, "request", None)
        start = bool(request is not None and request.meta.get("pw_start"))
        self.sink.problem(kind, message, start=start)
        if kind == "skipped":  # disallowed by robots.txt: not fetched, so it does not use up the budget
            self.sink.found -= 1
            if self.waiting:
                self.sink.over_budget -= 1
                return [self._article(*self.waiting.pop(0))]
        return None


class PageSpider(_CrawlSpider):
    name = "presswatch-page"

    async def start(self):
        req = self.article_request(self.start_url, start=True)
        if req is None:
            self.sink.start_ok(None)  # already stored: nothing to fetch
            return
        yield req


class SiteSpider(_CrawlSpider):
    name = "presswatch-site"
    links = LinkExtractor(unique=True)

    async def start(self):
        yield scrapy.Request(self.start_url, callback=self.parse_listing, errback=self.on_error,
                             meta={"pw_start": True, **self._js_meta()})

    def parse_listing(self, response):
        if response.meta.get("pw_start"):
            self.sink.start_ok(response.status)
        if not isinstance(response, TextResponse) or not _is_html(response):
            self.sink.problem("error", f"{response.url}: not an HTML page; no links followed",
                              start=response.meta.get("pw_start", False))
            return
        self.sink.listings += 1
        for link in self.links.extract_links(response):
            url = link.url
            if not same_site(url, self.start_url):
                continue
            if is_article_url(url, self.pattern):
                req = self.article_request(url, {"title": (link.text or "").strip() or None})
                if req is not None:
                    yield req
            else:
                # a section or listing page; DEPTH_LIMIT bounds how far, the dupe filter repeats
                yield scrapy.Request(url, callback=self.parse_listing, errback=self.on_listing_error,
                                     meta=self._js_meta())

    def on_listing_error(self, failure):
        kind, message = describe_failure(failure, self.settings)
        self.sink.problem("skipped" if kind == "skipped" else "warning", f"listing {message}")


class SitemapSpider(_CrawlSpider):
    name = "presswatch-sitemap"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.pending = 0  # sitemaps named by robots.txt (or guessed) not answered yet
        self.failed_sitemaps: list[str] = []

    async def start(self):
        url = self.start_url
        path = urlsplit(url).path.lower()
        if path.endswith((".xml", ".xml.gz")) or "sitemap" in path:
            yield self._sitemap_request(url, start=True)
            return
        robots = urljoin(url, "/robots.txt")
        yield scrapy.Request(robots, callback=self.parse_robots, errback=self.on_robots_error,
                             meta={"dont_obey_robotstxt": True})

    def _sitemap_request(self, url: str, start: bool = False, guess: bool = False):
        return scrapy.Request(url, callback=self.parse_sitemap, errback=self.on_sitemap_error,
                              meta={"pw_start": start, "pw_guess": guess})

    def parse_robots(self, response):
        from scrapy.utils.sitemap import sitemap_urls_from_robots

        lines = list(sitemap_urls_from_robots(response.text, base_url=response.url)) \
            if isinstance(response, TextResponse) else []
        if lines:
            self.pending = len(lines)
            for u in lines:
                yield self._sitemap_request(u)
        else:
            yield from self._guesses(f"{response.url} has no Sitemap: line")

    def on_robots_error(self, failure):
        _, message = describe_failure(failure, self.settings)
        if isinstance(failure.value, Refused):  # the policy refuses the host: guessing on it is pointless
            self.sink.problem("error", message, start=True)
            return
        yield from self._guesses(message)

    def _guesses(self, why: str):
        self.sink.problem("warning", f"{why}; trying {', '.join(SITEMAP_GUESSES)}")
        self.pending = len(SITEMAP_GUESSES)
        for g in SITEMAP_GUESSES:
            yield self._sitemap_request(urljoin(self.start_url, g), guess=True)

    def on_sitemap_error(self, failure):
        kind, message = describe_failure(failure, self.settings)
        request = failure.request
        if request.meta.get("pw_start"):
            self.sink.problem(kind, f"sitemap {message}", start=True)
            return
        self.failed_sitemaps.append(message)
        self.pending -= 1
        if self.pending <= 0 and not self.sink.started:
            self.sink.problem("error", "no sitemap could be read (" + "; ".join(self.failed_sitemaps)
                              + "); set the source's url to its sitemap, or use kind 'site'", start=True)
        elif not request.meta.get("pw_guess"):  # a wrong guess is no news while another may answer
            self.sink.problem("warning", f"sitemap {message}")

    def parse_sitemap(self, response):
        body = response.body
        if body[:2] == b"\x1f\x8b":
            try:
                body = gunzip(body, max_size=self.settings.getint("DOWNLOAD_MAXSIZE"))
            except Exception as exc:  # noqa: BLE001 - a broken or oversized archive is a readable problem
                self.sink.problem("warning", f"sitemap {response.url}: cannot decompress ({exc})")
                return
        kind, entries = parse_sitemap(body)
        if kind is None:
            self.on_sitemap_error(_Failure(response.request, "not a sitemap (no <urlset> or <sitemapindex>)"))
            return
        self.sink.start_ok(response.status)
        self.sink.sitemaps += 1
        entries.sort(key=lambda e: e.get("published") or e.get("lastmod") or "", reverse=True)
        if kind == "sitemapindex":
            for e in entries[:MAX_CHILD_SITEMAPS]:
                yield self._sitemap_request(e["loc"])
            return
        for e in entries:
            if self.pattern and not re.search(self.pattern, e["loc"]):
                continue
            req = self.article_request(e["loc"], {"title": e.get("title"), "published": e.get("published")})
            if req is not None:
                yield req


class _Failure:
    """A failure-like object for problems found in a response (``describe_failure`` reads it)."""

    def __init__(self, request, message: str) -> None:
        self.request, self.value = request, IgnoreRequest(message)


def parse_sitemap(body: bytes) -> tuple[str | None, list[dict]]:
    """('urlset' | 'sitemapindex' | None, entries with loc, lastmod and Google News title/date).

    Parsed without entity resolution or network access (hostile input)."""
    parser = lxml.etree.XMLParser(recover=True, remove_comments=True, resolve_entities=False, no_network=True,
                                  huge_tree=False)
    try:
        root = lxml.etree.fromstring(body, parser=parser)
    except lxml.etree.XMLSyntaxError:
        return None, []
    if root is None:
        return None, []
    kind = lxml.etree.QName(root).localname
    if kind not in ("urlset", "sitemapindex"):
        return None, []
    entries = []
    for el in root:
        if not isinstance(el.tag, str) or lxml.etree.QName(el).localname not in ("url", "sitemap"):
            continue
        e: dict = {}
        for child in el.iter():
            if not isinstance(child.tag, str):
                continue
            name, text = lxml.etree.QName(child).localname, (child.text or "").strip()
            if name == "loc" and "loc" not in e and text:
                e["loc"] = text
            elif name == "lastmod" and text:
                e["lastmod"] = text
            elif name == "publication_date" and text:
                e["published"] = text
            elif name == "title" and text:
                e["title"] = text
        if e.get("loc", "").startswith(("http://", "https://")):
            entries.append(e)
    return kind, entries


def _header(response, name: str) -> str:
    v = response.headers.get(name)
    return v.decode("latin-1") if isinstance(v, bytes) else (v or "")


def _is_html(response) -> bool:
    ctype = _header(response, "content-type").split(";")[0].strip().lower()
    if ctype:
        return ctype in HTML_TYPES
    return b"<html" in response.body[:2048].lower()
