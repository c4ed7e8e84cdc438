"""Ingestion: poll a feed source and fetch its new items into the store as ``fetched`` documents.

Re-running is safe: an item whose canonical URL is already stored is skipped before any page fetch.
Social sources (kinds social/telegram/facebook, or a feed registered with a ``platform``) carry the whole
post in the feed or page, so their items' pages are never fetched (they are login walls, video players
or the same post again)."""
from __future__ import annotations

import json
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from presswatch.record import Document, Fetch, SourceRef
from presswatch.urls import canonical_url

from .feeds import FeedEntry, FeedError, parse_feed
from .http import FetchError, get
from .polling import parse_retry_after
from .social import SocialError, parse_social, poll_address, read_older_pages

log = logging.getLogger("presswatch.ingest")

FEED_KINDS = ("rss", "atom", "jsonfeed", "social")
SOCIAL_KINDS = ("social", "telegram", "facebook")
POLLED_KINDS = FEED_KINDS + ("telegram", "facebook")


@dataclass
class PollResult:
    source_id: str
    outcome: str  # ok | not_modified | error | skipped
    items: int = 0
    new: int = 0
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def fetch_page(url: str, settings) -> Fetch:
    r = get(url, timeout=settings.fetch_timeout_s, max_bytes=settings.max_download_bytes,
            allow=settings.allow_private_hosts, user_agent=settings.user_agent)
    if r.status >= 400:
        raise FetchError(f"{url}: HTTP {r.status}")
    packed, sha = Fetch.pack(r.body)
    return Fetch(requested_url=url, final_url=r.final_url, status=r.status, headers=r.headers,
                 raw_compressed=packed, raw_sha256=sha)


def build_document(entry: FeedEntry, source: SourceRef, fetch: Fetch | None) -> Document:
    f = fetch or Fetch(requested_url=entry.url)
    f.feed_title, f.feed_summary = entry.title, entry.content or entry.summary
    f.feed_published, f.feed_author = entry.published, entry.author
    return Document(url=canonical_url(entry.url), source=source, fetch=f)


def poll_source(row, store, settings, source: SourceRef) -> PollResult:
    """Poll one registered feed source (a ``sources`` table row) and store its new items."""
    res = PollResult(row["id"], "ok")
    kind = row["kind"]
    if kind not in POLLED_KINDS:
        res.outcome = "skipped"
        res.warnings.append(f"{row['id']}: kind {kind!r} is crawled by the site crawler, not polled")
        return res
    social = kind in SOCIAL_KINDS or _platform(row) not in (None, "other")
    retry_after_s: int | None = None
    http_status: int | None = None
    address = row["url"]
    try:
        address = poll_address(kind, row["url"], settings)
        r = get(address, timeout=settings.fetch_timeout_s, max_bytes=settings.max_download_bytes,
                allow=settings.allow_private_hosts, user_agent=settings.user_agent,
                etag=row["etag"], last_modified=row["last_modified"])
        if r.status == 304:
            res.outcome = "not_modified"
            store.record_poll(row["id"], row["url"], "not_modified", http_status=304, duration_ms=r.elapsed_ms)
            _health_warning(store, row["id"], res)
            return res
        if r.status >= 400:
            retry = r.headers.get("retry-after")
            if r.status in (429, 503):
                retry_after_s = parse_retry_after(retry)
            http_status = r.status
            raise FetchError(f"{address}: HTTP {r.status}" + (f" (Retry-After {retry})" if retry else ""))
        ctype = r.headers.get("content-type", "")
        feed = parse_social(kind, r.body, ctype, r.final_url) if social else parse_feed(r.body, ctype, r.final_url)
    except (FetchError, FeedError, SocialError) as exc:
        msg = f"source {row['id']}: {exc}"
        res.outcome, res.errors = "error", [msg]
        store.record_poll(row["id"], address, "error", error=str(exc), http_status=http_status,
                          retry_after_s=retry_after_s)
        log.warning(msg)
        return res
    if kind == "telegram":
        read_older_pages(feed, settings, store.has_url)
    res.items = len(feed.entries)
    res.warnings.extend(f"source {row['id']}: {w}" for w in feed.warnings)
    fresh, seen, already = [], set(), 0
    for entry in feed.entries:
        url = canonical_url(entry.url)
        if url in seen or store.has_url(url):
            already += url not in seen
            continue
        seen.add(url)
        fresh.append(entry)

    def fetch(entry: FeedEntry) -> tuple[FeedEntry, Fetch | None, str | None]:
        if social or (kind == "jsonfeed" and entry.content):  # the feed carries the content
            return entry, None, None
        try:
            return entry, fetch_page(entry.url, settings), None
        except FetchError as exc:
            return entry, None, f"source {row['id']}: article {exc}"

    # pages of one source are fetched a few at a time (one source = usually one domain); the store is
    # written from this thread only, each document as soon as its page is in
    with ThreadPoolExecutor(max_workers=max(1, settings.fetch_concurrency)) as pool:
        for entry, fetched, error in pool.map(fetch, fresh):
            if error:
                # keep the item with what the feed says; the error is recorded, nothing is lost
                res.errors.append(error)
            if fetched is None and not (entry.content or entry.summary):
                continue
            if store.add_document(build_document(entry, source, fetched)) is not None:
                res.new += 1
    store.record_poll(row["id"], address, "ok", http_status=r.status, items=len(seen) + already,
                      new_items=res.new, seen_items=already, duration_ms=r.elapsed_ms, etag=r.headers.get("etag"),
                      last_modified=r.headers.get("last-modified"))
    _health_warning(store, row["id"], res)
    return res


def _platform(row) -> str | None:
    """The registry's ``platform`` option of a source row (kept in the ``options`` JSON column)."""
    try:
        raw = row["options"]
    except (IndexError, KeyError):
        return None
    try:
        return (json.loads(raw or "{}") or {}).get("platform")
    except (ValueError, AttributeError):
        return None


def _health_warning(store, source_id: str, res: PollResult) -> None:
    """A source that has gone silent (or never yields anything) is reported with the poll's warnings."""
    for h in store.source_health(source_id=source_id):
        if h["state"] in ("silent", "no_items"):
            res.warnings.append(f"source {source_id} is {h['state'].replace('_', ' ')}: {h['reason']}")
