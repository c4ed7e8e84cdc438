"""Feed reading: RSS 0.9x/1.0/2.0, Atom and RDF through feedparser; JSON Feed 1.x parsed here
(feedparser does not read it). A malformed feed gives a clear error unless feedparser could still
recover entries, in which case the entries are used and the problem is reported as a warning."""
from __future__ import annotations

import calendar
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone

import feedparser


class FeedError(Exception):
    pass


@dataclass
class FeedEntry:
    url: str
    title: str = ""
    summary: str = ""
    content: str = ""  # full content when the feed carries it (social posts, JSON Feed content_html/text)
    published: datetime | None = None
    author: str | None = None


@dataclass
class FeedResult:
    title: str
    version: str
    entries: list[FeedEntry]
    warnings: list[str] = field(default_factory=list)


def _struct_dt(st) -> datetime | None:
    if not st:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(st), tz=timezone.utc)
    except (OverflowError, ValueError, TypeError):
        return None


def _iso_dt(s: str | None) -> datetime | None:
    if not s:
        return None
    try:
        dt = datetime.fromisoformat(s.replace("Z", "+00:00"))
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def _parse_json_feed(body: bytes) -> FeedResult:
    try:
        data = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FeedError(f"malformed JSON Feed: {exc}") from exc
    if not isinstance(data, dict) or not str(data.get("version", "")).startswith("https://jsonfeed.org/version/"):
        raise FeedError("not a JSON Feed (no jsonfeed.org version field)")
    items = data.get("items")
    if not isinstance(items, list):
        raise FeedError("malformed JSON Feed: 'items' is not a list")
    entries = []
    for it in items:
        if not isinstance(it, dict):
            continue
        url = it.get("url") or it.get("external_url") or ""
        if not url:
            continue
        authors = it.get("authors") or ([it["author"]] if isinstance(it.get("author"), dict) else [])
        author = authors[0].get("name") if authors and isinstance(authors[0], dict) else None
        entries.append(FeedEntry(
            url=url, title=str(it.get("title") or ""), summary=str(it.get("summary") or ""),
            content=str(it.get("content_html") or it.get("content_text") or ""),
            published=_iso_dt(it.get("date_published") or it.get("date_modified")), author=author,
        ))
    return FeedResult(str(data.get("title") or ""), "json" + data["version"].rsplit("/", 1)[-1], entries)


def parse_feed(body: bytes, content_type: str = "", base_url: str = "") -> FeedResult:
    head = body.lstrip()[:1]
    if "json" in content_type or head in (b"{", b"["):
        return _parse_json_feed(body)
    d = feedparser.parse(body, response_headers={"content-type": content_type or "application/xml",
                                                 "content-location": base_url})
    version = d.get("version") or ""
    if not version and not d.entries:
        raise FeedError("not a feed (no RSS, Atom or RDF root element)" +
                        (f": {d.get('bozo_exception')}" if d.bozo else ""))
    entries = []
    for e in d.entries:
        url = e.get("link") or ""
        if not url:
            continue
        content = ""
        if e.get("content"):
            content = e.content[0].get("value", "")
        entries.append(FeedEntry(
            url=url, title=e.get("title", ""), summary=e.get("summary", ""), content=content,
            published=_struct_dt(e.get("published_parsed") or e.get("updated_parsed")),
            author=e.get("author"),
        ))
    warnings = []
    if d.bozo:
        exc = d.get("bozo_exception")
        msg = f"{type(exc).__name__}: {exc}" if exc else "malformed feed"
        if not entries:
            raise FeedError(f"malformed feed, no usable entries recovered ({msg})")
        warnings.append(f"feed is not well-formed, {len(entries)} entries recovered ({msg})")
    return FeedResult(d.feed.get("title", ""), version or "unknown", entries, warnings)
