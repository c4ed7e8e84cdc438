import json
from pathlib import Path

import pytest

from crawlers.feeds import FeedError, parse_feed
from tests.conftest import SHARED_DATA

RSS = b"""<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>T</title>
<item><title>Tin 1</title><link>https://e.org/1</link><pubDate>Thu, 19 Nov 2026 03:00:00 GMT</pubDate>
<description>T\xc3\xb3m t\xe1\xba\xaft</description></item></channel></rss>"""
ATOM = b"""<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>A</title>
<entry><title>Tin A</title><link href="https://e.org/a"/><updated>2026-11-19T03:00:00Z</updated><id>a</id></entry></feed>"""


def test_rss_and_atom():
    r = parse_feed(RSS, "application/rss+xml")
    assert r.version.startswith("rss") and r.entries[0].url == "https://e.org/1"
    assert r.entries[0].summary == "Tóm tắt" and r.entries[0].published.year == 2026
    a = parse_feed(ATOM, "application/atom+xml")
    assert a.entries[0].title == "Tin A" and a.entries[0].published.day == 19


def test_json_feed():
    body = json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "J", "items": [
        {"id": "1", "url": "https://e.org/p/1", "content_text": "Bài đăng", "date_published": "2026-11-19T22:05:00+07:00",
         "authors": [{"name": "x"}]}, {"id": "2"}]}).encode()
    r = parse_feed(body, "application/feed+json")
    assert [e.url for e in r.entries] == ["https://e.org/p/1"]
    assert r.entries[0].content == "Bài đăng" and r.entries[0].published.utcoffset().total_seconds() == 7 * 3600


@pytest.mark.parametrize("body", [b"", b"<html><body>not a feed</body></html>", b"{broken json", b"<rss><channel><item>"])
def test_garbage_gives_a_clear_error(body):
    with pytest.raises(FeedError):
        parse_feed(body)


def _bad_inputs():
    root = SHARED_DATA / "feedparser-bad-input"
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in (".xml", ".rss", ".atom", ".rdf")) if root.exists() else []


@pytest.mark.skipif(not _bad_inputs(), reason="../shared/data/feedparser-bad-input not present")
def test_feedparser_ill_formed_and_encoding_corpus_never_crashes():
    """Every one of feedparser's own ill-formed and encoding test feeds gives entries or a FeedError."""
    outcomes = {"entries": 0, "error": 0, "empty": 0}
    for path in _bad_inputs():
        try:
            r = parse_feed(path.read_bytes())
        except FeedError as exc:
            assert str(exc)
            outcomes["error"] += 1
            continue
        outcomes["entries" if r.entries else "empty"] += 1
    assert sum(outcomes.values()) == len(_bad_inputs()) and outcomes["error"] > 0
