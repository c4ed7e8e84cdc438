import pytest

from crawlers.http import FetchError, get
from presswatch.netguard import BlockedURL, check_url

ALLOW = ("127.0.0.1",)


def test_internal_addresses_are_refused_unless_allowed(demo_site):
    with pytest.raises(BlockedURL, match="internal address"):
        check_url(demo_site.base_url + "/robots.txt")
    for url in ("http://10.0.0.1/", "http://169.254.169.254/latest/meta-data", "http://[::1]/", "file:///etc/passwd"):
        with pytest.raises(BlockedURL):
            check_url(url)
    with pytest.raises(FetchError, match="PRESSWATCH_ALLOW_PRIVATE_HOSTS"):
        get(demo_site.base_url + "/robots.txt")
    assert get(demo_site.base_url + "/robots.txt", allow=ALLOW).status == 200


def test_conditional_get_returns_304(demo_site):
    r = get(demo_site.base_url + "/baobacninh/feed.rss", allow=ALLOW)
    assert r.status == 200 and r.headers.get("etag")
    again = get(demo_site.base_url + "/baobacninh/feed.rss", allow=ALLOW, etag=r.headers["etag"])
    assert again.status == 304 and again.body == b""


def test_redirect_is_followed_and_recorded(demo_site):
    r = get(demo_site.base_url + "/redirect-to-article", allow=ALLOW)
    assert r.status == 200 and r.redirects == [demo_site.base_url + "/redirect-to-article"]
    assert r.final_url.endswith(".html") and "/baobacninh/" in r.final_url


def test_size_cap_and_timeout(demo_site):
    with pytest.raises(FetchError, match="cap"):
        get(demo_site.base_url + "/huge.html", allow=ALLOW, max_bytes=1_000_000)
    with pytest.raises(FetchError, match="cap"):
        get(demo_site.base_url + "/huge.html?chunked=1", allow=ALLOW, max_bytes=1_000_000)
    with pytest.raises(FetchError, match="timed out"):
        get(demo_site.base_url + "/slow?seconds=5", allow=ALLOW, timeout=1)


def test_unreachable_host_is_a_clear_error():
    with pytest.raises(FetchError):
        get("http://127.0.0.1:9/", allow=ALLOW, timeout=3)
    with pytest.raises(FetchError, match="cannot resolve"):
        get("http://no-such-host.invalid/", timeout=3)
