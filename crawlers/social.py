"""Social sources that are not plain feeds, read into the same ``FeedEntry`` records as feeds.

- Telegram public channels: the server-rendered page ``https://t.me/s/<name>`` (no login, no API key)
  lists the latest messages; each ``div.tgme_widget_message[data-post="name/123"]`` becomes an entry
  ``https://t.me/name/123`` with the message text (line breaks kept), its time and the channel as author.
  Messages without text (a photo or video with no caption, service messages) carry nothing to analyse
  and are left out. When every message on the page is new, older pages (``?before=<id>``) are read too,
  up to ``TELEGRAM_MAX_PAGES``, so a burst between two polls is not lost. The page is hostile HTML: it
  is only parsed (lxml), never rendered, the message address is rebuilt from a validated ``data-post``,
  and the size cap and address policy of ``crawlers.http`` apply to every page.
- Facebook pages: Facebook has no feeds and needs a login to scrape, so pages are read through an
  RSS-Bridge instance the office runs (setting ``rss_bridge_url``), with RSS-Bridge's documented display
  query (``action=display&bridge=Facebook&context=User&u=<page>&format=Atom``; groups use
  ``context=Group&g=<url>``). ``bridge=Facebook`` is the name in RSS-Bridge's own examples; current
  versions also accept ``FacebookBridge`` (the suffix is added when missing), older ones only the short
  name. Without ``rss_bridge_url`` polling fails with an error that says where to set it.

YouTube, Reddit, Mastodon and forum feeds are ordinary RSS/Atom and are read by ``crawlers.feeds``.
"""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from lxml import etree
from lxml import html as lxml_html

from presswatch.dates import parse_datetime
from presswatch.urls import canonical_url

from .feeds import FeedEntry, FeedError, FeedResult, html_lines, lines_html, parse_feed, title_from_text
from .http import FetchError, get

# Telegram public usernames: 5-32 characters, letters, digits and underscores, starting with a letter
_TG_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{3,31}$")
_TG_POST = re.compile(r"^([A-Za-z][A-Za-z0-9_]{3,31})/([0-9]{1,12})$")
_FB_HOSTS = ("facebook.com", "www.facebook.com", "m.facebook.com", "mbasic.facebook.com", "web.facebook.com",
             "touch.facebook.com", "fb.com", "www.fb.com")
TELEGRAM_MAX_PAGES = 5
SETTING_HINT = ("set rss_bridge_url = \"http://<your RSS-Bridge>/\" in DATA_DIR/presswatch.toml or the "
                "environment variable PRESSWATCH_RSS_BRIDGE_URL")


class SocialError(Exception):
    """A social source cannot be polled as registered; the message says what to change."""


def _has_class(name: str) -> str:
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


# ----------------------------------------------------------------------------------------------- Telegram
def telegram_page_url(url: str) -> str:
    """The channel's public page ``<scheme>://<host>/s/<name>`` for a registry URL ``t.me/<name>``,
    ``t.me/s/<name>`` or a message link ``t.me/<name>/123`` (the host is kept, so a mirror works)."""
    p = urlsplit(url)
    parts = [x for x in p.path.split("/") if x]
    if parts and parts[0] == "s":
        parts = parts[1:]
    if not parts or not _TG_NAME.match(parts[0]):
        raise SocialError(f"{url}: not a Telegram channel address; register it as https://t.me/<name> or "
                          f"https://t.me/s/<name> (a public channel's username)")
    return urlunsplit((p.scheme, p.netloc, f"/s/{parts[0]}", "", ""))


def _text(el) -> str:
    return " ".join((el.text_content() if el is not None else "").split())


def parse_telegram_page(body: bytes, base_url: str = "") -> FeedResult:
    """Entries for the messages on a ``t.me/s/<name>`` page (newest last, as the page lists them)."""
    if not body.strip():
        raise FeedError("empty page, not a Telegram channel page")
    try:
        tree = lxml_html.document_fromstring(body)
    except (ValueError, etree.ParserError) as exc:
        raise FeedError(f"not a Telegram channel page ({exc})") from exc
    messages = tree.xpath(f"//div[{_has_class('tgme_widget_message')}][@data-post]")
    if not messages and not tree.xpath(f"//*[{_has_class('tgme_channel_history')}]"):
        raise FeedError("not a Telegram public channel page (no messages, no channel history); check that the "
                        "channel is public and that the address is https://t.me/s/<name>")
    title = (tree.xpath("//meta[@property='og:title']/@content") or [""])[0].strip()
    entries, warnings, bad = [], [], 0
    for msg in messages:
        m = _TG_POST.match(msg.get("data-post", "").strip())
        if not m:
            bad += 1
            continue
        texts = msg.xpath(f".//div[{_has_class('tgme_widget_message_text')}]"
                          f"[not(ancestor::*[{_has_class('tgme_widget_message_reply')}])]")
        lines = html_lines(lxml_html.tostring(texts[0], encoding="unicode")) if texts else []
        if not lines:
            continue  # a photo/video without caption, a sticker or a service message: nothing to analyse
        owner = _text(next(iter(msg.xpath(f".//*[{_has_class('tgme_widget_message_owner_name')}]")), None))
        forwarded = _text(next(iter(msg.xpath(f".//*[{_has_class('tgme_widget_message_forwarded_from_name')}]"
                                              f"|.//*[{_has_class('tgme_widget_message_forwarded_from')}]//a")),
                               None))
        author = owner or title or None
        if forwarded:
            author = f"{author or m.group(1)} — chuyển tiếp từ {forwarded}"
        stamp = msg.xpath(f".//*[{_has_class('tgme_widget_message_date')}]//time/@datetime") or \
            msg.xpath(".//time/@datetime")
        entries.append(FeedEntry(url=f"https://t.me/{m.group(1)}/{m.group(2)}", title=title_from_text(lines[0]),
                                 content=lines_html(lines), published=parse_datetime(stamp[0] if stamp else None),
                                 author=author))
    if bad:
        warnings.append(f"{bad} message(s) with an unusable data-post attribute ignored")
    before = [b for b in tree.xpath(f"//a[{_has_class('tme_messages_more')}]/@data-before") if b.isdigit()]
    older = None
    if before and base_url:
        p = urlsplit(base_url)
        older = urlunsplit((p.scheme, p.netloc, p.path, urlencode({"before": before[0]}), ""))
    return FeedResult(title, "telegram", entries, warnings, older)


def read_older_pages(feed: FeedResult, settings, is_stored) -> None:
    """While every message of the last page read is new (``is_stored(url)`` is false for all), read the
    page before it and put its messages first; at most ``TELEGRAM_MAX_PAGES`` pages in all. A failing
    older page ends the walk with a warning; the messages already read are kept."""
    page, pages = feed, 1
    while (page.older and pages < TELEGRAM_MAX_PAGES and page.entries
           and not any(is_stored(canonical_url(e.url)) for e in page.entries)):
        address = page.older
        try:
            r = get(address, timeout=settings.fetch_timeout_s, max_bytes=settings.max_download_bytes,
                    allow=settings.allow_private_hosts, user_agent=settings.user_agent)
            if r.status >= 400:
                raise FetchError(f"{address}: HTTP {r.status}")
            page = parse_telegram_page(r.body, r.final_url)
        except (FetchError, FeedError) as exc:
            feed.warnings.append(f"older messages not read ({exc})")
            return
        feed.entries[:0] = page.entries
        feed.warnings.extend(page.warnings)
        pages += 1


# ----------------------------------------------------------------------------------------------- Facebook
def facebook_bridge_params(page_url: str) -> dict[str, str]:
    """RSS-Bridge FacebookBridge parameters for a page, profile or public group URL."""
    p = urlsplit(page_url)
    host = (p.hostname or "").lower()
    parts = [x for x in p.path.split("/") if x]
    if host not in _FB_HOSTS or not parts:
        raise SocialError(f"{page_url}: not a Facebook page address; register the page as "
                          f"https://www.facebook.com/<page name>")
    base = {"action": "display", "bridge": "Facebook"}
    if parts[0] == "groups" and len(parts) > 1:
        return {**base, "context": "Group", "g": f"https://www.facebook.com/groups/{parts[1]}", "format": "Atom"}
    if parts[0] == "profile.php":
        ids = parse_qs(p.query).get("id") or [""]
        if not ids[0].isdigit():
            raise SocialError(f"{page_url}: a profile.php address needs its numeric ?id=")
        user = ids[0]
    elif parts[0] == "pages" and len(parts) >= 3:
        user = f"{parts[1]}/{parts[2]}"  # the bridge's "page title/numeric id" form
    else:
        user = parts[0]
    return {**base, "context": "User", "u": user, "format": "Atom"}


def facebook_feed_url(page_url: str, bridge_url: str | None) -> str:
    """The Atom feed of a Facebook page on the configured RSS-Bridge instance."""
    if not (bridge_url or "").strip():
        raise SocialError(f"Facebook page {page_url} is read through an RSS-Bridge instance, and none is "
                          f"configured: {SETTING_HINT}")
    b = urlsplit(bridge_url.strip())
    if b.scheme not in ("http", "https") or not b.netloc:
        raise SocialError(f"rss_bridge_url {bridge_url!r} is not an http(s) URL; {SETTING_HINT}")
    query = "&".join(q for q in (b.query, urlencode(facebook_bridge_params(page_url))) if q)
    return urlunsplit((b.scheme, b.netloc, b.path or "/", query, ""))


# ----------------------------------------------------------------------------------------------- dispatch
def poll_address(kind: str, url: str, settings) -> str:
    """What to GET for a registered social source of kind ``telegram`` or ``facebook``."""
    if kind == "telegram":
        return telegram_page_url(url)
    if kind == "facebook":
        return facebook_feed_url(url, settings.rss_bridge_url)
    return url


def parse_social(kind: str, body: bytes, content_type: str, base_url: str) -> FeedResult:
    """Entries of a polled social source: the Telegram page parser, else the feed reader in social mode."""
    if kind == "telegram":
        return parse_telegram_page(body, base_url)
    return parse_feed(body, content_type, base_url, social=True)
