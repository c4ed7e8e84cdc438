"""One guarded HTTP GET used by the feed reader and the article fetcher.

Guards: URL policy on every hop (no internal addresses unless allowed), connections pinned to the
addresses the policy vetted (``presswatch.netguard``: no DNS-rebinding window), a download size cap, a
total timeout, conditional GET headers, and the final URL / status / headers kept for the record.

The client connects directly: environment proxies (``HTTP_PROXY``) are not used, since a proxy would
resolve the names itself and the address policy could no longer be enforced here."""
from __future__ import annotations

import ssl
import time
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urljoin

import httpcore
import httpx

from presswatch.netguard import BlockedURL, GuardedBackend, check_url, pinned


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


class GuardedTransport(httpx.HTTPTransport):
    """httpx's transport over a connection pool whose sockets go through ``netguard.GuardedBackend``."""

    def __init__(self, verify: bool | str | ssl.SSLContext = True, limits: httpx.Limits = httpx.Limits()) -> None:
        ctx = verify if isinstance(verify, ssl.SSLContext) else httpx.create_ssl_context(verify=verify)
        super().__init__(verify=ctx, limits=limits)
        self._pool = httpcore.ConnectionPool(
            ssl_context=ctx, max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections, keepalive_expiry=limits.keepalive_expiry,
            http1=True, http2=False, network_backend=GuardedBackend())


def guarded_client(verify: bool | str | ssl.SSLContext = True, max_connections: int = 32) -> httpx.Client:
    """A client whose connections only reach addresses the URL policy allows (see ``netguard``)."""
    limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections // 2)
    return httpx.Client(follow_redirects=False, transport=GuardedTransport(verify=verify, limits=limits))


@lru_cache(maxsize=8)
def shared_client(allow: tuple[str, ...] = ()) -> httpx.Client:
    """One connection pool per process and allowance (creating a client loads the TLS certificates: ~60 ms).

    Keyed by the allowance so that a kept-alive connection vetted under one allowance is never reused
    under a stricter one."""
    return guarded_client()


def get(url: str, *, timeout: float = 20.0, max_bytes: int = 10 * 1024 * 1024, allow: tuple[str, ...] = (),
        user_agent: str = "Presswatch", etag: str | None = None, last_modified: str | None = None,
        max_redirects: int = 5, client: httpx.Client | None = None) -> Response:
    headers = {"User-Agent": user_agent, "Accept": "*/*"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    client = client or shared_client(tuple(allow))
    started = time.monotonic()
    current = url
    hops: list[str] = []
    for _ in range(max_redirects + 1):
        try:
            addresses = check_url(current, allow)
        except (BlockedURL, ConnectionError) as exc:
            raise FetchError(str(exc)) from exc
        remaining = timeout - (time.monotonic() - started)
        if remaining <= 0:
            raise FetchError(f"{url}: timed out after {timeout:.0f} s")
        try:
            with pinned(current, addresses, allow), client.stream("GET", current, headers=headers,
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
        except BlockedURL as exc:  # refused at connect time (a client without a pin for this host)
            raise FetchError(str(exc)) from exc
        except httpx.TimeoutException as exc:
            raise FetchError(f"{url}: timed out after {timeout:.0f} s") from exc
        except httpx.HTTPError as exc:
            raise FetchError(f"{url}: {type(exc).__name__}: {exc}") from exc
    raise FetchError(f"{url}: more than {max_redirects} redirects")
