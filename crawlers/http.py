"""One guarded HTTP GET used by the feed reader and the article fetcher.

Guards: URL policy on every hop (no internal addresses unless allowed), a download size cap, a total
timeout, conditional GET headers, and the final URL / status / headers kept for the record."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urljoin

import httpx

from presswatch.netguard import BlockedURL, check_url


class FetchError(Exception):
    """A fetch failed; the message says what happened to which URL."""


@dataclass
class Response:
    requested_url: str
    final_url: str
    status: int
    headers: dict[str, str]
    body: bytes
    elapsed_ms: int
    redirects: list[str] = field(default_factory=list)


@lru_cache(maxsize=1)
def shared_client() -> httpx.Client:
    """One connection pool for the process (creating a client loads the TLS certificates: ~60 ms)."""
    return httpx.Client(follow_redirects=False, limits=httpx.Limits(max_connections=32, max_keepalive_connections=16))


def get(url: str, *, timeout: float = 20.0, max_bytes: int = 10 * 1024 * 1024, allow: tuple[str, ...] = (),
        user_agent: str = "Presswatch", etag: str | None = None, last_modified: str | None = None,
        max_redirects: int = 5, client: httpx.Client | None = None) -> Response:
    headers = {"User-Agent": user_agent, "Accept": "*/*"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    client = client or shared_client()
    started = time.monotonic()
    current = url
    hops: list[str] = []
    for _ in range(max_redirects + 1):
        try:
            check_url(current, allow)
        except BlockedURL as exc:
            raise FetchError(str(exc)) from exc
        except ConnectionError as exc:
            raise FetchError(str(exc)) from exc
        remaining = timeout - (time.monotonic() - started)
        if remaining <= 0:
            raise FetchError(f"{url}: timed out after {timeout:.0f} s")
        try:
            with client.stream("GET", current, headers=headers,
                               timeout=httpx.Timeout(remaining)) as r:
                if r.status_code in (301, 302, 303, 307, 308) and "location" in r.headers:
                    hops.append(current)
                    current = urljoin(current, r.headers["location"])
                    continue
                declared = r.headers.get("content-length")
                if declared and declared.isdigit() and int(declared) > max_bytes:
                    raise FetchError(f"{current}: {int(declared)} bytes is over the {max_bytes}-byte cap")
                chunks, size = [], 0
                for chunk in r.iter_bytes():
                    size += len(chunk)
                    if size > max_bytes:
                        raise FetchError(f"{current}: response over the {max_bytes}-byte cap; not kept")
                    if time.monotonic() - started > timeout:
                        raise FetchError(f"{url}: timed out after {timeout:.0f} s")
                    chunks.append(chunk)
                return Response(url, str(r.url), r.status_code, {k.lower(): v for k, v in r.headers.items()},
                                b"".join(chunks), int((time.monotonic() - started) * 1000), hops)
        except httpx.TimeoutException as exc:
            raise FetchError(f"{url}: timed out after {timeout:.0f} s") from exc
        except httpx.HTTPError as exc:
            raise FetchError(f"{url}: {type(exc).__name__}: {exc}") from exc
    raise FetchError(f"{url}: more than {max_redirects} redirects")
