"""Brief property-based fuzzing of the paths hostile input reaches: feeds, HTML extraction, queries."""
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawlers.feeds import FeedError, parse_feed
from pipelines.extract import extract
from presswatch.index import SearchError, parse_query
from presswatch.record import Document, Fetch, SourceRef

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
xmlish = st.lists(st.sampled_from(["<rss>", "<channel>", "<item>", "<title>", "</title>", "<link>", "http://e.org/",
                                   "</item>", "&bogus;", "<![CDATA[", "]]>", "<?xml version='1.0'?>", "\x00", "é",
                                   "<feed xmlns='http://www.w3.org/2005/Atom'>", "<entry>", "{", '"items":', "]"]),
                  max_size=40).map("".join)


@FUZZ
@given(st.one_of(st.binary(max_size=2000), xmlish.map(str.encode)))
def test_feed_parser_only_raises_feed_error(body):
    try:
        result = parse_feed(body)
    except FeedError as exc:
        assert str(exc)
    else:
        assert all(e.url for e in result.entries)


html_parts = st.lists(st.sampled_from(["<html>", "<body>", "<div>", "</div>", "<p>", "</p>", "<script>x()</script>",
                                       "<meta charset='x-unknown'>", "<meta property='article:published_time' content='9999-99'>",
                                       "Tin tức Bắc Ninh ", "\ufeff", "\x00", "<article>", "<!--", "-->", "&amp;", "&#xD800;"]),
                      max_size=60).map("".join)


@FUZZ
@given(st.one_of(html_parts.map(str.encode), st.binary(max_size=3000)))
def test_extraction_never_crashes(raw):
    packed, sha = Fetch.pack(raw)
    doc = Document(url="https://e.org/x", source=SourceRef(id="f"),
                   fetch=Fetch(requested_url="https://e.org/x", raw_compressed=packed, raw_sha256=sha,
                               headers={"content-type": "text/html"}))
    out = extract(doc)
    assert out.status in ("fetched", "dropped")
    assert "<script" not in out.extraction.text


@FUZZ
@given(st.text(max_size=80))
def test_query_parser_only_raises_search_error(q):
    try:
        parse_query(q)
    except SearchError as exc:
        assert str(exc)
