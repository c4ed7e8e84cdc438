"""Site crawls against a real news site on 127.0.0.1 (tests/crawl_site.py); each crawl is a real
``python -m crawlers.crawl`` subprocess writing into a real SQLite store. Nothing touches the internet."""
from __future__ import annotations

import importlib.util
import json
import os
import subprocess

import pytest

from crawl_site import (ARTICLES, BIG, FEED_ARTICLE, FLAKY, JS_PAGE, JS_REDIRECT, JS_TEXT, LISTING_ARTICLES, LOOP,
                        PRIVATE_TARGET, SITEMAP_ARTICLES, SLOW, TO_PRIVATE, CrawlSite)
from conftest import cli_env, presswatch_cmd
from crawlers.crawl import CHROMIUM, run_crawl
from twisted.internet.error import DNSLookupError

from crawlers.spiders import REFUSED_AT_CONNECT, GuardedResolver, is_article_url, parse_sitemap
from presswatch.config import load_settings
from presswatch.sources import SourceSpec
from presswatch.storage import open_store
from presswatch.urls import canonical_url

FAST = {"crawl_delay_s": 0.01, "fetch_timeout_s": 1, "max_download_bytes": 200_000, "crawl_timeout_s": 60}


@pytest.fixture()
def site():
    with CrawlSite() as s:
        yield s


def make_settings(path, allow=("127.0.0.1",), **extra):
    s = load_settings(path, allow_private_hosts=list(allow), **{**FAST, **extra})
    s.ensure_dirs()
    return s


@pytest.fixture()
def cs(tmp_path):
    return make_settings(tmp_path / "data")


def register(settings, **fields) -> SourceSpec:
    spec = SourceSpec(**{"name": "Báo Bắc Ninh (thử nghiệm)", "source_type": "provincial_press", "language": "vi",
                         "provinces": ["bac_ninh"], **fields})
    with open_store(settings) as st:
        st.sync_sources([spec])
    return spec


def stored(settings) -> dict[str, int]:
    with open_store(settings) as st:
        return {r["url"]: r["id"] for r in st.conn.execute("SELECT id, url FROM documents")}


def polls(settings, source_id):
    with open_store(settings) as st:
        return [dict(r) for r in st.conn.execute("SELECT * FROM fetch_log WHERE source_id=? ORDER BY id", (source_id,))]


def urls(site, paths):
    return {canonical_url(site.url(p)) for p in paths}


def test_sitemap_index_from_robots_txt_obeys_disallow_and_reruns_cheaply(site, cs):
    spec = register(cs, id="bbn-sitemap", kind="sitemap", url=site.url("/"))
    res = run_crawl(spec, cs)
    assert res.outcome == "ok" and res.new == 3 and res.errors == []
    assert set(stored(cs)) == urls(site, SITEMAP_ARTICLES[:3])
    # robots.txt Sitemap: line -> index -> news sitemap; the disallowed URL listed there is never requested
    assert site.requested("/sitemap_index.xml") == 1 and site.requested("/news-sitemap.xml") == 1
    assert site.requested(SITEMAP_ARTICLES[3]) == 0
    assert any("disallowed by robots.txt" in w for w in res.warnings)
    with open_store(cs) as st:
        doc = st.load(stored(cs)[canonical_url(site.url(SITEMAP_ARTICLES[0]))])
    assert doc.status == "fetched" and doc.source.id == "bbn-sitemap"
    assert doc.fetch.feed_title == ARTICLES[SITEMAP_ARTICLES[0]][0]  # the news:title
    assert doc.fetch.feed_published.isoformat() == "2026-11-16T11:30:00+07:00"
    assert b"phi\xc3\xaan h\xe1\xbb\x8dp th\xc6\xb0\xe1\xbb\x9dng k\xe1\xbb\xb3" in doc.fetch.raw_bytes()  # "phiên họp thường kỳ"
    assert polls(cs, "bbn-sitemap")[-1]["outcome"] == "ok" and polls(cs, "bbn-sitemap")[-1]["new_items"] == 3

    again = run_crawl(spec, cs)
    assert again.outcome == "ok" and again.new == 0 and again.seen == 3
    assert all(site.requested(p) == 1 for p in SITEMAP_ARTICLES[:3])  # stored ones are not requested again
    assert len(stored(cs)) == 3 and polls(cs, "bbn-sitemap")[-1]["new_items"] == 0


def test_sitemap_is_guessed_when_robots_txt_names_none(cs):
    with CrawlSite(robots_sitemap=False) as site:
        res = run_crawl(register(cs, id="bbn-guess", kind="sitemap", url=site.url("/")), cs)
        assert res.outcome == "ok" and res.new == 3, res.errors
        assert site.requested("/sitemap.xml") == 1 and site.requested("/sitemap_index.xml") == 1  # 404, then found
    assert any("has no Sitemap: line; trying /sitemap.xml" in w for w in res.warnings)
    assert not any("sitemap.xml: HTTP 404" in w for w in res.warnings)  # a wrong guess is not reported


def test_listing_page_leads_to_article_pages_only(site, cs):
    spec = register(cs, id="bbn-site", kind="site", url=site.url("/thoi-su/"))
    res = run_crawl(spec, cs)
    assert res.outcome == "ok" and res.errors == []
    # the three linked articles and the one behind the section page /chuyen-muc/kinh-te/; not the contact
    # page, the tag page, the section pages, the off-site link or the robots.txt-disallowed page
    assert set(stored(cs)) == urls(site, LISTING_ARTICLES)
    assert site.requested("/chuyen-muc/kinh-te/") == 1
    assert site.requested("/noi-bo/bien-ban-hop-noi-bo-khong-cong-bo.html") == 0
    assert site.requested("/static/site.css") == 0


def test_max_pages_budget_leaves_the_rest_for_the_next_run(site, cs):
    spec = register(cs, id="bbn-budget", kind="site", url=site.url("/thoi-su/"), max_pages=2)
    first = run_crawl(spec, cs)
    assert first.new == 2 and any("over the budget of 2 (max_pages)" in w for w in first.warnings)
    second = run_crawl(spec, cs)
    assert second.new == 2 and second.seen == 2  # the stored two are skipped (not requested), two more come
    assert set(stored(cs)) == urls(site, LISTING_ARTICLES)
    assert all(site.requested(p) == 1 for p in LISTING_ARTICLES)


def test_bad_pages_give_readable_errors_and_the_crawl_goes_on(site, cs):
    spec = register(cs, id="bbn-errors", kind="site", url=site.url("/bao-loi/"))
    res = run_crawl(spec, cs)
    assert res.outcome == "ok"  # the listing was read; single pages failing do not fail the source
    errors = "\n".join(res.errors)
    assert f"{site.url(LOOP)}: more than 5 redirects (a redirect loop?)" in errors
    assert f"{site.url(BIG)}: response over the 200000-byte cap; not kept" in errors
    assert f"{site.url(SLOW)}: timed out after 1 s" in errors
    assert site.requested(SLOW) == 3  # the first try and two retries
    assert (f"{site.url(TO_PRIVATE)}: redirect refused: {PRIVATE_TARGET}: 10.255.255.1 resolves to internal "
            "address 10.255.255.1; refused") in errors
    # 503 first, 200 on the retry: stored
    assert site.requested(FLAKY) == 2 and set(stored(cs)) == urls(site, [FLAKY])
    assert polls(cs, "bbn-errors")[-1]["outcome"] == "ok"


def test_single_page_is_stored_and_processed_by_the_pipeline(site, cs):
    from pipelines.runner import process_batch

    path = LISTING_ARTICLES[1]
    spec = register(cs, id="bbn-page", kind="page", url=site.url(path))
    res = run_crawl(spec, cs)
    assert res.outcome == "ok" and res.new == 1 and res.pages == 2  # robots.txt and the page
    ids = list(stored(cs).values())
    s = load_settings(cs.data_dir, classifier="keywords", allow_private_hosts=["127.0.0.1"])
    with open_store(s) as st:
        counts = process_batch(st, s, ids)
        doc = st.load(ids[0], with_raw=False)
    assert counts.processed == 1 and doc.status == "processed"
    title, _, paragraphs = ARTICLES[path]
    assert doc.extraction.title == title
    assert paragraphs[0] in doc.extraction.text and doc.extraction.language == "vi"
    assert doc.enrichment.content_hash and doc.enrichment.model_version  # dedup and the classifier ran


def test_cli_crawl_refuses_a_private_address_unless_allowed(site, tmp_path):
    data = tmp_path / "d"
    spec = register(make_settings(data), id="bbn-cli", kind="page", url=site.url(LISTING_ARTICLES[0]))
    env = cli_env(data, PRESSWATCH_CRAWL_DELAY_S="0.01", PRESSWATCH_FETCH_TIMEOUT_S="2")
    env.pop("PRESSWATCH_ALLOW_PRIVATE_HOSTS", None)
    out = subprocess.run(presswatch_cmd() + ["crawl", spec.id, "--json"], env=env, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 1, out.stderr
    summary = json.loads(out.stdout)
    assert summary["outcome"] == "error" and "internal address 127.0.0.1; refused" in summary["errors"][0]
    assert "PRESSWATCH_ALLOW_PRIVATE_HOSTS" in summary["errors"][0]
    assert site.requests == []  # refused before any request, robots.txt included
    assert polls(make_settings(data), "bbn-cli")[-1]["outcome"] == "error"

    env["PRESSWATCH_ALLOW_PRIVATE_HOSTS"] = "127.0.0.1"
    ok = subprocess.run(presswatch_cmd() + ["crawl", spec.id], env=env, capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stderr
    assert "Thu thập bbn-cli: ok — 1 bài mới" in ok.stdout
    assert set(stored(make_settings(data))) == urls(site, LISTING_ARTICLES[:1])


def _js_ready() -> str | None:
    if importlib.util.find_spec("scrapy_playwright") is None:
        return "scrapy-playwright is not installed (pip install -e '.[js]')"
    if not os.access(CHROMIUM, os.X_OK):
        return f"{CHROMIUM} is missing (scripts/system-deps.sh)"
    return None


@pytest.mark.skipif(_js_ready() is not None, reason=_js_ready() or "")
def test_javascript_only_page_has_its_text_only_when_rendered(site, tmp_path, fresh_database_url):
    plain = make_settings(tmp_path / "plain")
    rendered = make_settings(tmp_path / "js", fetch_timeout_s=15, database_url=fresh_database_url())
    results = {}
    for s, js in ((plain, False), (rendered, True)):
        results[js] = run_crawl(register(s, id="bbn-js", kind="site", url=site.url("/js/"), render_js=js), s)
        assert results[js].outcome == "ok" and results[js].new == 1, results[js].errors
        assert set(stored(s)) == urls(site, [JS_PAGE])
    with open_store(plain) as st:
        raw = st.load(next(iter(stored(plain).values()))).fetch.raw_bytes().decode("utf-8")
    assert JS_TEXT not in raw and "Đang tải" in raw
    with open_store(rendered) as st:
        doc = st.load(next(iter(stored(rendered).values())))
    assert JS_TEXT in doc.fetch.raw_bytes().decode("utf-8")
    assert site.requested("/api/ban-tin.json") == 1  # fetched by the page's script, in chromium only
    # chromium's requests, loopback included, went through the guard proxy (it forwards with Connection: close)
    assert site.connection[JS_PAGE] == site.connection["/api/ban-tin.json"] == "close"
    # a redirect to a private address is refused on both paths; chromium follows redirects by itself, and
    # the guard proxy is what refuses that hop
    assert f"{site.url(JS_REDIRECT)}: redirect refused: {PRIVATE_TARGET}" in "\n".join(results[False].errors)
    assert f"{site.url(JS_REDIRECT)}: redirected to a refused address" in "\n".join(results[True].errors)
    assert any(f"browser request refused: {PRIVATE_TARGET}" in w for w in results[True].warnings)


def test_render_js_without_scrapy_playwright_fails_with_the_install_command(site, cs, tmp_path, monkeypatch):
    hidden = tmp_path / "hide"
    hidden.mkdir()
    (hidden / "scrapy_playwright.py").write_text('raise ImportError("hidden for this test")\n', encoding="utf-8")
    monkeypatch.setenv("PYTHONPATH", str(hidden))  # the crawl subprocess imports this stub first
    spec = register(cs, id="bbn-nojs", kind="page", url=site.url(JS_PAGE), render_js=True)
    res = run_crawl(spec, cs)
    assert res.outcome == "error" and "pip install -e '.[js]'" in res.errors[0]
    assert "scripts/system-deps.sh" in res.errors[0]
    assert site.requests == [] and stored(cs) == {}  # no silent fallback to the plain download
    assert polls(cs, "bbn-nojs")[-1]["outcome"] == "error"


def test_a_crawl_over_its_time_limit_is_killed_and_recorded(site, cs):
    spec = register(cs, id="bbn-slow", kind="page", url=site.url(SLOW))  # the page alone takes 3 x 1 s
    res = run_crawl(spec, cs, timeout_s=0.5)
    assert res.outcome == "error" and "crawl stopped after 0.5 s (crawl_timeout_s)" in res.errors[0]
    last = polls(cs, "bbn-slow")[-1]
    assert last["outcome"] == "error" and "crawl stopped" in last["error"]


def test_ingest_flow_routes_site_sources_to_the_crawl_task(prefect_harness, site, cs):
    from flows.tasks import ingest_flow

    register(cs, id="bbn-kinh-te", kind="site", url=site.url("/chuyen-muc/kinh-te/"))
    register(cs, id="bbn-rss", kind="rss", url=site.url("/rss/thoi-su.rss"))
    overrides = {"allow_private_hosts": ["127.0.0.1"], **FAST}
    out = ingest_flow(str(cs.data_dir), overrides, True)
    assert out["sources"] == 2 and out["crawled"] == 1 and out["fetched"] == 2, out
    assert not any("crawled by the site crawler" in w for w in out["warnings"])  # not sent to the feed poller
    with open_store(cs) as st:
        by_source = dict(st.conn.execute("SELECT source_id, url FROM documents").fetchall())
    assert by_source == {"bbn-kinh-te": canonical_url(site.url(LISTING_ARTICLES[3])),
                         "bbn-rss": canonical_url(site.url(FEED_ARTICLE))}
    assert polls(cs, "bbn-kinh-te")[-1]["outcome"] == "ok"


REBIND = """
import socket
_getaddrinfo, _gethostbyname = socket.getaddrinfo, socket.gethostbyname
def getaddrinfo(host, *a, **k):  # what the policy check sees: a public address
    if host == "tin-tuc.example":
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", a[0] if a else 80))]
    return _getaddrinfo(host, *a, **k)
def gethostbyname(host):  # what the connection gets moments later: loopback
    return "127.0.0.1" if host == "tin-tuc.example" else _gethostbyname(host)
socket.getaddrinfo, socket.gethostbyname = getaddrinfo, gethostbyname
"""


def test_a_dns_answer_that_changes_after_the_check_cannot_reach_an_internal_address(site, tmp_path, monkeypatch):
    """DNS rebinding, simulated in the crawl subprocess (a sitecustomize): the URL check resolves the name
    to a public address, Twisted's resolver then gets 127.0.0.1, where the site listens. The connect-time
    guard refuses it, so nothing reaches the site."""
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(REBIND, encoding="utf-8")
    monkeypatch.setenv("PYTHONPATH", str(hook))
    s = make_settings(tmp_path / "data", allow=())
    port = site.base_url.rsplit(":", 1)[1]
    spec = register(s, id="bbn-rebind", kind="page", url=f"http://tin-tuc.example:{port}{LISTING_ARTICLES[0]}")
    res = run_crawl(spec, s)
    assert res.outcome == "error" and "refused at connect time (tin-tuc.example now resolves to 127.0.0.1" \
        in "\n".join(res.errors), res.errors
    assert site.requests == [] and stored(s) == {}


def test_resolver_refuses_internal_addresses_at_connect_time():
    r = GuardedResolver.__new__(GuardedResolver)
    r.allow = ()
    with pytest.raises(DNSLookupError, match="internal address 10.0.0.5"):
        r._vet("10.0.0.5", "tin-tuc.example")  # a public-looking name that resolved to a private address
    assert REFUSED_AT_CONNECT["tin-tuc.example"].startswith("tin-tuc.example now resolves to 10.0.0.5")
    assert r._vet("93.184.216.34", "tin-tuc.example") == "93.184.216.34"
    r.allow = ("10.0.0.0/8",)
    assert r._vet("10.0.0.5", "tin-tuc.example") == "10.0.0.5"
    r.allow = ("intranet.local",)
    assert r._vet("10.0.0.5", "intranet.local") == "10.0.0.5"


def test_article_url_heuristic_and_pattern():
    assert is_article_url("https://baobacninh.vn/thoi-su/ubnd-tinh-hop-phien-thuong-ky.html")
    assert is_article_url("https://vnexpress.net/xa-hoi-4812345.html")
    assert is_article_url("https://bao.vn/2026/11/16/hop-bao")
    assert not is_article_url("https://baobacninh.vn/thoi-su/")
    assert not is_article_url("https://baobacninh.vn/lien-he.html")
    assert not is_article_url("https://baobacninh.vn/tag/dinh-cong-cong-nhan-khu-cong-nghiep")
    assert is_article_url("https://bacninh.gov.vn/tin-tuc/-/view/123", r"/view/\d+")
    assert not is_article_url("https://baobacninh.vn/thoi-su/ubnd-tinh-hop-phien-thuong-ky.html", r"/view/\d+")


def test_sitemap_parser_resolves_no_entities():
    body = (b'<?xml version="1.0"?><!DOCTYPE u [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
            b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>http://a.example/&e;x</loc></url>'
            b"<url><loc>javascript:alert(1)</loc></url></urlset>")
    kind, entries = parse_sitemap(body)
    assert kind == "urlset" and len(entries) == 1 and "root:" not in entries[0]["loc"]
    assert parse_sitemap(b"<html><body>not a sitemap</body></html>") == (None, [])
