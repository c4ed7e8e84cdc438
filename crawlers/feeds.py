"""Feed reading: RSS 0.9x/1.0/2.0, Atom and RDF through feedparser; JSON Feed 1.x parsed here
(feedparser does not read it). A malformed feed gives a clear error unless feedparser could still
recover entries, in which case the entries are used and the problem is reported as a warning.

Social feeds (YouTube, Reddit, Mastodon, forums; ``social=True``) carry the whole post, so their entry
text is rebuilt here as plain paragraphs (``<br>`` kept as line breaks, Reddit's "submitted by … [link]
[comments]" footer dropped); an entry without a title (Mastodon) gets the first words of its text."""
from __future__ import annotations

import calendar
import html
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone

import feedparser
from lxml import html as lxml_html

from presswatch.dates import parse_datetime


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
    older: str | None = None  # a paged source's link to its previous page (Telegram's ?before=)


def _struct_dt(st) -> datetime | None:
    if not st:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(st), tz=timezone.utc)
    except (OverflowError, ValueError, TypeError):
        return None


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
            published=parse_datetime(it.get("date_published") or it.get("date_modified")), author=author,
        ))
    return FeedResult(str(data.get("title") or ""), "json" + data["version"].rsplit("/", 1)[-1], entries)


_BLOCKS = ("p", "div", "li", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "pre", "ul", "ol", "table")
TITLE_WORDS, TITLE_CHARS = 14, 110


def html_lines(fragment: str) -> list[str]:
    """The text of an HTML fragment as lines: ``<br>`` and block ends are line breaks, scripts and
    styles dropped, whitespace inside a line collapsed, empty lines removed."""
    if not fragment or not fragment.strip():
        return []
    if "<" not in fragment and "&" not in fragment:
        text = fragment
    else:
        try:
            tree = lxml_html.fragment_fromstring(fragment, create_parent="div")
        except (ValueError, lxml_html.etree.ParserError):
            return [" ".join(line.split()) for line in re.sub(r"<[^>]*>", "\n", fragment).splitlines()
                    if line.strip()]
        for bad in tree.xpath(".//script|.//style|.//noscript|.//template"):
            bad.drop_tree()
        for br in tree.iter("br"):
            br.tail = "\n" + (br.tail or "")
        for el in tree.iter(*_BLOCKS):
            el.tail = "\n" + (el.tail or "")
        text = tree.text_content()
    return [line for line in (" ".join(raw.split()) for raw in text.splitlines()) if line]


def lines_html(lines: list[str]) -> str:
    """Lines as escaped ``<p>`` paragraphs: the form the extraction stage reads feed text in."""
    return "".join(f"<p>{html.escape(line, quote=False)}</p>" for line in lines)


def title_from_text(text: str) -> str:
    """A title for a post that has none: the first words of its first line, cut at a word boundary."""
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    words = first.split()
    title = " ".join(words[:TITLE_WORDS])
    if len(title) > TITLE_CHARS:
        title = title[:TITLE_CHARS].rsplit(" ", 1)[0]
    return title + ("…" if title != " ".join(words) else "")


_REDDIT_BODY = re.compile(r"<!-- SC_OFF -->(.*?)<!-- SC_ON -->", re.S)
_REDDIT_FOOTER = re.compile(r"&#32;\s*submitted by\s*&#32;.*$", re.S)


def _social_text(value: str) -> list[str]:
    """Lines of a social post's HTML. Reddit wraps the post in SC_OFF/SC_ON and appends who submitted it
    and [link] [comments]; a link post has only a thumbnail table and that footer (no text of its own)."""
    if m := _REDDIT_BODY.search(value):
        value = m.group(1)
    elif "submitted by" in value:
        value = _REDDIT_FOOTER.sub("", value)
        if value.lstrip().startswith("<table"):
            value = ""
    # a line with no letter or digit is markup residue (a sanitised script's quotes, a lone separator)
    return [line for line in html_lines(value) if any(ch.isalnum() for ch in line)]


def _entry_content(e) -> str:
    """The entry's full content: HTML content wins; plain-text content (feedparser also files an image's
    media:description there, e.g. Mastodon alt text) only when it is longer than the summary."""
    values = [c for c in (e.get("content") or []) if c.get("value")]
    rich = [c["value"] for c in values if "html" in (c.get("type") or "")]
    if rich:
        return max(rich, key=len)
    plain = max((c["value"] for c in values), key=len, default="")
    return plain if len(plain) > len(e.get("summary") or "") else ""


def parse_feed(body: bytes, content_type: str = "", base_url: str = "", social: bool = False) -> FeedResult:
    head = body.lstrip()[:1]
    if "json" in content_type or head in (b"{", b"["):
        result = _parse_json_feed(body)
        for entry in result.entries:
            _finish(entry, social)
        return result
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
        entry = FeedEntry(
            url=url, title=e.get("title", ""), summary=e.get("summary", ""), content=_entry_content(e),
            published=_struct_dt(e.get("published_parsed") or e.get("updated_parsed")),
            author=e.get("author"),
        )
        entries.append(_finish(entry, social))
    warnings = []
    if d.bozo:
        exc = d.get("bozo_exception")
        msg = f"{type(exc).__name__}: {exc}" if exc else "malformed feed"
        if not entries:
            raise FeedError(f"malformed feed, no usable entries recovered ({msg})")
        warnings.append(f"feed is not well-formed, {len(entries)} entries recovered ({msg})")
    return FeedResult(d.feed.get("title", ""), version or "unknown", entries, warnings)


def _finish(entry: FeedEntry, social: bool) -> FeedEntry:
    """Social posts: the post's text as paragraphs in ``content`` (a link-only post keeps its title as its
    text); any entry without a title gets one from its text."""
    if social:
        lines = _social_text(entry.content or entry.summary)
        entry.content = lines_html(lines or ([entry.title] if entry.title.strip() else []))
    if not entry.title.strip():
        entry.title = title_from_text("\n".join(html_lines(entry.content or entry.summary)))
    return entry
