"""Social sources end to end: hand-written YouTube / Reddit / Mastodon / forum feeds, a Telegram t.me/s page
and a fake RSS-Bridge, served by a real HTTP server on 127.0.0.1, polled through ``poll_source`` into a
real SQLite store and processed by the pipeline."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from crawlers.feeds import FeedError, parse_feed, title_from_text
from crawlers.ingest import poll_source
from crawlers.social import (SocialError, facebook_bridge_params, facebook_feed_url, parse_telegram_page,
                             telegram_page_url)
from presswatch.sources import SourceSpec, spec_from_row
from tests.local_server import LocalServer

DATA = Path(__file__).parent / "data" / "social"
ROUTES = {  # path -> (fixture, content type)
    "/feeds/videos.xml": ("youtube.xml", "application/atom+xml; charset=UTF-8"),
    "/r/demo_bacninh/.rss": ("reddit.atom", "application/atom+xml; charset=UTF-8"),
    "/@tinbacninh.rss": ("mastodon.rss", "application/rss+xml; charset=utf-8"),
    "/forums/-/index.rss": ("forum.rss", "application/rss+xml; charset=utf-8"),
    "/s/tinnong_bacninh_demo": ("telegram.html", "text/html; charset=utf-8"),
    "/bridge/": ("facebook_bridge.atom", "application/atom+xml; charset=UTF-8"),
}


class SocialServer(LocalServer):
    """Serves the fixtures; records every request (path and query) it receives."""

    def route(self, req, path, query):
        if path == "/s/tinnong_bacninh_demo" and query == "before=1001":
            return req.send(200, (DATA / "telegram_older.html").read_bytes(), "text/html; charset=utf-8")
        if path == "/s/loop_channel":  # a hostile page whose "older messages" link is itself
            body = (DATA / "telegram.html").read_bytes().replace(b"/s/tinnong_bacninh_demo?before=1001",
                                                                 b"/s/loop_channel")
            return req.send(200, body, "text/html; charset=utf-8")
        if path == "/s/not_a_channel":
            return req.send(200, b"<html><body><h1>Hello</h1></body></html>", "text/html")
        if path not in ROUTES:
            return req.send(404, b"not found", "text/plain")
        name, ctype = ROUTES[path]
        req.send(200, (DATA / name).read_bytes(), ctype)


@pytest.fixture()
def server():
    s = SocialServer()
    yield s
    s.stop()


@pytest.fixture()
def kw_settings(settings):
    settings.classifier = "keywords"  # the rules: fast, and enough to see the stages ran
    return settings


def _poll_all(store, settings, specs):
    store.sync_sources(specs)
    return {row["id"]: poll_source(row, store, settings, spec_from_row(row).ref()) for row in store.sources()}


def _docs(store, source_id):
    return [store.load(r[0], with_raw=False) for r in
            store.conn.execute("SELECT id FROM documents WHERE source_id=? ORDER BY id", (source_id,))]


def test_youtube_reddit_mastodon_and_forum_feeds_are_read_from_the_feed_alone(server, store, kw_settings):
    from presswatch.service import process_now

    b = server.base
    specs = [
        SourceSpec(id="yt-btv", name="BTV (YouTube)", kind="atom", platform="youtube", source_type="social",
                   url=f"{b}/feeds/videos.xml?channel_id=UCdemoBTVBacNinh000000", provinces=["bac_ninh"]),
        SourceSpec(id="reddit-bn", name="r/demo_bacninh", kind="social", platform="reddit", source_type="social",
                   url=f"{b}/r/demo_bacninh/.rss"),
        SourceSpec(id="masto-bn", name="@tinbacninh", kind="social", platform="mastodon", source_type="social",
                   url=f"{b}/@tinbacninh.rss"),
        SourceSpec(id="forum-hy", name="Diễn đàn Hưng Yên", kind="rss", platform="forum", source_type="blog_forum",
                   url=f"{b}/forums/-/index.rss"),
    ]
    res = _poll_all(store, kw_settings, specs)
    assert {k: (r.outcome, r.new, r.errors) for k, r in res.items()} == {
        "yt-btv": ("ok", 2, []), "reddit-bn": ("ok", 2, []), "masto-bn": ("ok", 2, []), "forum-hy": ("ok", 1, [])}
    # only the four feeds were requested: no video page, no Reddit thread, no forum thread was fetched
    assert sorted(urlsplit(p).path for p in server.requests) == sorted(urlsplit(s.url).path for s in specs)

    process_now(store, kw_settings)
    yt = _docs(store, "yt-btv")
    assert yt[0].url == "https://www.youtube.com/watch?v=Vd3mo0001aa" and yt[0].status == "processed"
    assert yt[0].extraction.title.startswith("Bắc Ninh: Khởi công dự án nhà ở xã hội")
    assert "1.500 căn hộ" in yt[0].extraction.text and "#BacNinh" in yt[0].extraction.text  # media:description
    assert yt[0].extraction.published.isoformat() == "2026-11-20T11:00:21+00:00"

    self_post, link_post = _docs(store, "reddit-bn")
    assert "bụi mù mịt" in self_post.extraction.text and "chưa thấy ai xử lý" in self_post.extraction.text
    for noise in ("submitted by", "[link]", "[comments]", "alert", '""'):
        assert noise not in self_post.extraction.text
    assert link_post.extraction.text == "KCN Yên Phong tuyển 2.000 lao động"  # a link post: its title is its text

    strike, flowers = _docs(store, "masto-bn")
    # Mastodon items have no title: one is made of the first words; the image's alt text is not the post
    assert strike.extraction.title == "Hơn 1.200 công nhân ngừng việc tại KCN Quang Châu, Bắc Ninh sáng nay…"
    assert "Ban quản lý các KCN" in strike.extraction.text and "Ảnh cổng" not in strike.extraction.text
    assert strike.extraction.text.splitlines()[:2] == [  # <br> inside a paragraph stays a line break
        "Hơn 1.200 công nhân ngừng việc tại KCN Quang Châu, Bắc Ninh sáng nay để đòi tăng lương và cải thiện bữa "
        "ăn ca.", "Ban quản lý các KCN đã có mặt đối thoại với người lao động."]
    assert "labour" in strike.enrichment.topics and "bac_ninh" in strike.province_ids
    assert flowers.extraction.title.endswith("…") and len(flowers.extraction.title) < 110

    (thread,) = _docs(store, "forum-hy")
    assert thread.extraction.author == "demo_member"
    assert "thương lái ép giá" in thread.extraction.text.splitlines()[1]

    again = _poll_all(store, kw_settings, specs)
    assert {k: r.new for k, r in again.items()} == {"yt-btv": 0, "reddit-bn": 0, "masto-bn": 0, "forum-hy": 0}


def test_telegram_public_channel_page(server, store, kw_settings):
    from presswatch.service import process_now

    spec = SourceSpec(id="tg-tinnong", name="Tin nóng Bắc Ninh", kind="telegram", platform="telegram",
                      source_type="social", url=f"{server.base}/tinnong_bacninh_demo", trust_tier=4)
    (res,) = _poll_all(store, kw_settings, [spec]).values()
    assert (res.outcome, res.new, res.errors) == ("ok", 5, [])
    assert res.warnings == ["source tg-tinnong: 1 message(s) with an unusable data-post attribute ignored"]
    # t.me/<name> is read as t.me/s/<name>; every message on it was new, so the page before it was read too
    assert server.requests == ["/s/tinnong_bacninh_demo", "/s/tinnong_bacninh_demo?before=1001"]
    process_now(store, kw_settings)
    start, jam, strike, forwarded, photo = _docs(store, "tg-tinnong")  # the photo without caption is left out
    assert [start.url, jam.url] == ["https://t.me/tinnong_bacninh_demo/999", "https://t.me/tinnong_bacninh_demo/1000"]
    assert [d.url for d in (strike, forwarded, photo)] == [
        "https://t.me/tinnong_bacninh_demo/1001", "https://t.me/tinnong_bacninh_demo/1002",
        "https://t.me/tinnong_bacninh_demo/1004"]
    assert strike.extraction.text.splitlines() == [
        "NÓNG: Hơn 1.200 công nhân ngừng việc tại KCN Quang Châu, Bắc Ninh.",
        "Người lao động đòi tăng lương, cải thiện bữa ăn ca.",
        "Ban quản lý các KCN tỉnh đang đối thoại với công nhân. Chi tiết 📑"]
    assert strike.extraction.published.isoformat() == "2026-11-20T01:15:42+00:00"
    assert strike.extraction.title == "NÓNG: Hơn 1.200 công nhân ngừng việc tại KCN Quang Châu, Bắc Ninh."
    assert forwarded.extraction.author == "Tin nóng Bắc Ninh (kênh demo) — chuyển tiếp từ Kênh khác (demo)"
    # the reply quote is not part of the message; the page's escaped markup stays text
    assert "ngừng việc" not in forwarded.extraction.text
    assert "<script>alert(1)</script>" in forwarded.extraction.text
    assert all(d.status == "processed" and "bac_ninh" in d.province_ids for d in (strike, forwarded, photo))
    again = _poll_all(store, kw_settings, [spec])["tg-tinnong"]
    assert (again.outcome, again.new) == ("ok", 0)
    assert server.requests[2:] == ["/s/tinnong_bacninh_demo"]  # nothing new on the page: no older page read


def test_telegram_older_pages_stop_at_the_page_limit(server, store, kw_settings):
    from crawlers.social import TELEGRAM_MAX_PAGES

    spec = SourceSpec(id="tg-loop", name="x", kind="telegram", source_type="social", url=f"{server.base}/s/loop_channel")
    (res,) = _poll_all(store, kw_settings, [spec]).values()
    assert res.outcome == "ok" and res.new == 3 and len(server.requests) == TELEGRAM_MAX_PAGES


def test_telegram_errors_are_recorded(server, store, kw_settings):
    specs = [SourceSpec(id="tg-bad", name="x", kind="telegram", source_type="social",
                        url=f"{server.base}/s/not_a_channel"),
             SourceSpec(id="tg-noname", name="x", kind="telegram", source_type="social", url=f"{server.base}/s/")]
    res = _poll_all(store, kw_settings, specs)
    assert res["tg-bad"].outcome == "error" and "not a Telegram public channel page" in res["tg-bad"].errors[0]
    assert "not a Telegram channel address" in res["tg-noname"].errors[0]
    errors = dict(store.conn.execute("SELECT id, last_error FROM sources").fetchall())
    assert "t.me/s/<name>" in errors["tg-bad"] and "https://t.me/<name>" in errors["tg-noname"]


def test_facebook_page_through_rss_bridge(server, store, kw_settings):
    kw_settings.rss_bridge_url = f"{server.base}/bridge/"
    spec = SourceSpec(id="fb-bbn", name="Báo Bắc Ninh (Facebook)", kind="facebook", platform="facebook",
                      source_type="provincial_press", url="https://www.facebook.com/baobacninh.demo/")
    (res,) = _poll_all(store, kw_settings, [spec]).values()
    assert (res.outcome, res.new, res.errors) == ("ok", 2, [])
    (req,) = server.requests
    assert urlsplit(req).path == "/bridge/"
    assert parse_qs(urlsplit(req).query) == {"action": ["display"], "bridge": ["Facebook"], "context": ["User"],
                                             "u": ["baobacninh.demo"], "format": ["Atom"]}
    docs = _docs(store, "fb-bbn")
    assert [d.url for d in docs] == ["https://www.facebook.com/baobacninh.demo/posts/pfbid0demo1",
                                     "https://www.facebook.com/baobacninh.demo/posts/pfbid0demo2"]
    assert "850 triệu USD" in docs[0].fetch.feed_summary and docs[0].fetch.raw_compressed is None  # not fetched
    assert store.conn.execute("SELECT url FROM fetch_log WHERE source_id='fb-bbn'").fetchone()[0] == \
        f"{server.base}/bridge/?action=display&bridge=Facebook&context=User&u=baobacninh.demo&format=Atom"


def test_facebook_without_rss_bridge_url_is_a_clear_recorded_error(server, store, kw_settings):
    assert kw_settings.rss_bridge_url is None
    spec = SourceSpec(id="fb-bbn", name="x", kind="facebook", source_type="social",
                      url="https://www.facebook.com/baobacninh.demo")
    (res,) = _poll_all(store, kw_settings, [spec]).values()
    assert res.outcome == "error" and res.new == 0
    for part in ("rss_bridge_url", "DATA_DIR/presswatch.toml", "PRESSWATCH_RSS_BRIDGE_URL"):
        assert part in res.errors[0]
    row = store.conn.execute("SELECT outcome, error FROM fetch_log WHERE source_id='fb-bbn'").fetchone()
    assert row["outcome"] == "error" and "PRESSWATCH_RSS_BRIDGE_URL" in row["error"]
    assert store.sources()[0]["consecutive_failures"] == 1 and server.requests == []


def test_rss_bridge_url_setting_from_toml_and_environment(tmp_path, monkeypatch):
    from presswatch.config import load_settings

    monkeypatch.delenv("PRESSWATCH_RSS_BRIDGE_URL", raising=False)
    (tmp_path / "presswatch.toml").write_text('rss_bridge_url = "http://bridge.office.lan/"\n', encoding="utf-8")
    assert load_settings(tmp_path).rss_bridge_url == "http://bridge.office.lan/"
    monkeypatch.setenv("PRESSWATCH_RSS_BRIDGE_URL", "http://10.0.0.5/rss-bridge/index.php")
    s = load_settings(tmp_path)
    assert facebook_feed_url("https://m.facebook.com/profile.php?id=1000123", s.rss_bridge_url) == (
        "http://10.0.0.5/rss-bridge/index.php?action=display&bridge=Facebook&context=User&u=1000123&format=Atom")


def test_addresses_of_social_sources():
    assert telegram_page_url("https://t.me/tinnong_bacninh_demo") == "https://t.me/s/tinnong_bacninh_demo"
    assert telegram_page_url("https://t.me/s/tinnong_bacninh_demo/1002") == "https://t.me/s/tinnong_bacninh_demo"
    with pytest.raises(SocialError, match="not a Telegram channel address"):
        telegram_page_url("https://t.me/+AbCdEfInviteLink")
    assert facebook_bridge_params("https://www.facebook.com/groups/123456789/")["g"] == \
        "https://www.facebook.com/groups/123456789"
    assert facebook_bridge_params("https://www.facebook.com/pages/Bao-Demo/1234567")["u"] == "Bao-Demo/1234567"
    with pytest.raises(SocialError, match="not a Facebook page address"):
        facebook_bridge_params("https://evil.example/baobacninh.demo")
    with pytest.raises(SocialError, match="rss_bridge_url"):
        facebook_feed_url("https://www.facebook.com/x.y", "")


@pytest.mark.parametrize("body", [b"", b"\x00\xff\xfe garbage", b"<html><body><p>nothing</p></body></html>",
                                  b"<div class='tgme_widget_message' data-post='a/b'>" * 2000])
def test_hostile_or_wrong_telegram_pages_give_errors_not_crashes(body):
    try:
        r = parse_telegram_page(body)
    except FeedError as exc:
        assert "Telegram" in str(exc)
    else:  # the deeply nested page of bad data-post values: nothing usable, said so
        assert r.entries == [] and "unusable data-post" in r.warnings[0]


def test_title_from_text_and_plain_feeds_unchanged():
    assert title_from_text("Một hai ba") == "Một hai ba"
    long = "từ " * 40
    assert title_from_text(long).endswith("…") and len(title_from_text(long).split()) == 14
    rss = (b"<?xml version='1.0'?><rss version='2.0'><channel><title>T</title><item><title>Tin</title>"
           b"<link>https://e.org/1</link><description>&lt;b&gt;T\xc3\xb3m&lt;/b&gt;</description></item></channel></rss>")
    e = parse_feed(rss).entries[0]  # a news feed (not social) keeps its HTML for the extraction stage
    assert (e.title, e.summary, e.content) == ("Tin", "<b>Tóm</b>", "")


def test_cli_registers_a_telegram_channel_with_its_platform(tmp_path):
    import subprocess

    import yaml

    from tests.conftest import cli_env, presswatch_cmd

    d = tmp_path / "d"
    r = subprocess.run([*presswatch_cmd(), "sources", "add", "--id", "tg-demo", "--name", "Kênh demo", "--kind",
                        "telegram", "--platform", "telegram", "--url", "https://t.me/tinnong_bacninh_demo",
                        "--source-type", "social", "--trust-tier", "4"],
                       capture_output=True, text=True, timeout=60, env=cli_env(d))
    assert r.returncode == 0, r.stderr
    entry = next(e for e in yaml.safe_load((d / "sources.yaml").read_text(encoding="utf-8"))["sources"]
                 if e["id"] == "tg-demo")
    assert (entry["kind"], entry["platform"], entry["trust_tier"]) == ("telegram", "telegram", 4)
