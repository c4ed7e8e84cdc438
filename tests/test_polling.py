"""Feed polling depth against a real HTTP server on 127.0.0.1: adaptive interval from the share of
already-seen items, 304, Retry-After on 429/503, back-off on errors, and source health (items per day,
silent sources)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from crawlers.ingest import poll_source
from crawlers.polling import assess_health, next_interval, parse_retry_after
from presswatch.record import SourceRef
from presswatch.sources import SourceSpec
from presswatch.storage import iso, parse_iso
from tests.local_server import LocalServer


class FeedServer(LocalServer):
    """A feed whose items, status and headers the test controls; plus article pages under /a/<n>."""

    def __init__(self):
        self.items: list[int] = []
        self.status, self.headers = 200, {}
        self.etag: str | None = None
        super().__init__()

    def route(self, req, path, query):
        if path.startswith("/a/"):
            n = path.rsplit("/", 1)[-1]
            body = (f"<html><head><title>Tin {n}</title></head><body><article><p>"
                    + f"Nội dung bài số {n}. " * 30 + "</p></article></body></html>").encode()
            return req.send(200, body, "text/html; charset=utf-8")
        if self.status != 200:
            return req.send(self.status, b"busy", "text/plain", self.headers)
        if self.etag and req.headers.get("If-None-Match") == self.etag:
            return req.send(304, b"", "application/rss+xml", {"ETag": self.etag})
        items = "".join(f"<item><title>Tin {n}</title><link>{self.base}/a/{n}</link></item>" for n in self.items)
        body = f"<?xml version='1.0'?><rss version='2.0'><channel><title>F</title>{items}</channel></rss>"
        req.send(200, body.encode(), "application/rss+xml", {"ETag": self.etag} if self.etag else {})


@pytest.fixture()
def feed():
    s = FeedServer()
    yield s
    s.stop()


def _register(store, url, poll_minutes=60):
    store.sync_sources([SourceSpec(id="ff", name="F", kind="rss", url=url + "/feed", source_type="other",
                                   poll_minutes=poll_minutes)])


def _poll(store, settings):
    row = store.sources()[0]
    return poll_source(row, store, settings, SourceRef(id="ff")), store.sources()[0]


def _delay_minutes(row) -> float:
    return (parse_iso(row["next_poll_at"]) - parse_iso(row["last_polled_at"])).total_seconds() / 60


def test_interval_adapts_to_the_share_of_already_seen_items(feed, store, settings):
    _register(store, feed.base, poll_minutes=60)
    feed.items = [1, 2, 3, 4]
    res, row = _poll(store, settings)  # all new: the feed may be turning over faster than we read it
    assert res.new == 4 and row["adaptive_minutes"] == 30 and _delay_minutes(row) == pytest.approx(30, abs=0.1)
    feed.items = [1, 2, 3, 4, 5]  # 4 of 5 already seen (80 %): poll less often
    res, row = _poll(store, settings)
    assert res.new == 1 and row["adaptive_minutes"] == 60
    res, row = _poll(store, settings)  # nothing new
    assert res.new == 0 and row["adaptive_minutes"] == 90
    feed.items = [1, 2, 5, 6, 7, 8]  # half new: keep the interval
    res, row = _poll(store, settings)
    assert res.new == 3 and row["adaptive_minutes"] == 90
    log = store.conn.execute("SELECT items, new_items, seen_items, interval_minutes FROM fetch_log ORDER BY id").fetchall()
    assert [tuple(r) for r in log] == [(4, 4, 0, 30), (5, 1, 4, 60), (5, 0, 5, 90), (6, 3, 3, 90)]


def test_304_counts_as_all_seen_and_lengthens_the_interval(feed, store, settings):
    _register(store, feed.base, poll_minutes=20)
    feed.items, feed.etag = [1], '"v1"'
    _poll(store, settings)
    res, row = _poll(store, settings)
    assert res.outcome == "not_modified" and row["adaptive_minutes"] == 20  # 10 (all new) + 10
    assert store.conn.execute("SELECT http_status FROM fetch_log ORDER BY id DESC").fetchone()[0] == 304


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_is_honoured(feed, store, settings, status):
    _register(store, feed.base, poll_minutes=5)
    feed.status, feed.headers = status, {"Retry-After": "7200"}
    res, row = _poll(store, settings)
    assert res.outcome == "error" and "Retry-After 7200" in res.errors[0]
    assert _delay_minutes(row) == pytest.approx(120, abs=0.1)  # not the 10-minute back-off
    last = store.conn.execute("SELECT http_status, retry_after_s FROM fetch_log ORDER BY id DESC").fetchone()
    assert tuple(last) == (status, 7200)
    assert store.due_sources() == []


def test_server_errors_back_off_then_recover(feed, store, settings):
    _register(store, feed.base, poll_minutes=10)
    feed.status = 500
    _, row = _poll(store, settings)
    assert row["consecutive_failures"] == 1 and _delay_minutes(row) == pytest.approx(20, abs=0.1)
    _, row = _poll(store, settings)
    assert row["consecutive_failures"] == 2 and _delay_minutes(row) == pytest.approx(40, abs=0.1)
    feed.status, feed.items = 200, [1]
    res, row = _poll(store, settings)
    assert res.outcome == "ok" and row["consecutive_failures"] == 0 and row["last_error"] is None


def test_retry_after_parsing():
    now = datetime(2026, 11, 21, 8, 0, tzinfo=timezone.utc)
    assert parse_retry_after("120") == 120
    assert parse_retry_after("Sat, 21 Nov 2026 09:00:00 GMT", now) == 3600
    assert parse_retry_after("Sat, 21 Nov 2026 07:00:00 GMT", now) == 0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


def test_next_interval_bounds():
    assert next_interval(15, 15, "ok", items=10, seen=0) == 8  # shorter, by half the configured interval
    assert next_interval(8, 15, "ok", items=10, seen=0) == 5  # not below 5 minutes / a third of 15
    assert next_interval(15 * 16, 15, "ok", items=10, seen=10) == 240  # not above 16x
    assert next_interval(23 * 60, 120, "not_modified", items=0, seen=0) == 24 * 60  # not above a day


def test_source_goes_silent_and_is_reported(feed, store, settings):
    _register(store, feed.base, poll_minutes=60)
    feed.items = list(range(1, 11))
    res, _ = _poll(store, settings)
    assert res.new == 10 and not any("silent" in w for w in res.warnings)
    # the source published 10 items in its first day, then nothing: back-date its history by 5 days
    with store.tx() as c:
        for rid, at in c.execute("SELECT id, at FROM fetch_log").fetchall():
            c.execute("UPDATE fetch_log SET at=? WHERE id=?", (iso(parse_iso(at) - timedelta(days=5)), rid))
        c.execute("UPDATE sources SET last_new_at=?", (iso(datetime.now(timezone.utc) - timedelta(days=5)),))
    res, _ = _poll(store, settings)
    assert res.new == 0
    assert any("source ff is silent: no new items for 120 h" in w for w in res.warnings), res.warnings
    health = store.source_health()[0]
    assert health["state"] == "silent" and health["items_per_day"] == pytest.approx(2.0, abs=0.1)


def test_health_states():
    now = datetime(2026, 11, 21, tzinfo=timezone.utc)
    src = {"id": "s", "url": "u", "consecutive_failures": 0, "last_new_at": (now - timedelta(hours=30)).isoformat()}
    stats = {"polls": 50, "new_items": 280, "first_at": (now - timedelta(days=28)).isoformat(), "errors": 0}
    assert assess_health(src, stats, now, 28)["state"] == "silent"  # 10 a day, nothing for 30 h
    quiet = dict(stats, new_items=14)  # one every other day: 30 h without news is normal
    assert assess_health(src, quiet, now, 28)["state"] == "ok"
    failing = dict(src, consecutive_failures=4, last_error="HTTP 500")
    assert assess_health(failing, stats, now, 28)["state"] == "failing"
