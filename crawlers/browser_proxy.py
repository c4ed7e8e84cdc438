"""A forward proxy on 127.0.0.1 through which chromium makes every request when a crawl renders
JavaScript, so that the URL policy (``presswatch.netguard``) holds for the browser too.

Chromium follows redirects and loads sub-resources by itself, and Playwright's request interception
sees only the first URL of a redirect chain; through this proxy each hop is a request of its own that
is checked, and the connection goes to the addresses that were vetted. HTTPS arrives as ``CONNECT
host:port`` (TLS stays end to end, with the real name); plain HTTP is forwarded one request per
connection. A refused request gets ``403`` and a line in ``problems``."""
from __future__ import annotations

import asyncio
import threading
from urllib.parse import urlsplit

from presswatch.netguard import BlockedURL, check_url

_HEAD_LIMIT = 64 * 1024
# chromium's own services (updates, sign-in, safe browsing): never needed to render a page; refused quietly
BROWSER_SERVICES = ("update.googleapis.com", "accounts.google.com", "clients2.google.com", "clients1.google.com",
                    "optimizationguide-pa.googleapis.com", "safebrowsing.googleapis.com", "content-autofill.googleapis.com",
                    "redirector.gvt1.com", "edgedl.me.gvt1.com")


class GuardProxy:
    def __init__(self, allow: tuple[str, ...], problems: list[str], connect_timeout: float = 20.0) -> None:
        self.allow, self.problems, self.connect_timeout = tuple(allow), problems, connect_timeout
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="presswatch-guard-proxy", daemon=True)
        self._server: asyncio.base_events.Server | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "GuardProxy":
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the browser guard proxy did not start")
        return self

    def stop(self) -> None:
        if self._loop.is_running():
            self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(asyncio.start_server(self._client, "127.0.0.1", 0))
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            writer.close()
            return
        if len(head) > _HEAD_LIMIT:
            writer.close()
            return
        line, _, rest = head.partition(b"\r\n")
        try:
            method, target, version = line.decode("latin-1").split(" ", 2)
        except ValueError:
            await _refuse(writer, 400, "bad request line")
            return
        if method.upper() == "CONNECT":
            host, _, port = target.rpartition(":")
            url = f"https://{host}:{port or 443}/"
            upstream_head = None
        else:
            url = target
            p = urlsplit(target)
            path = (p.path or "/") + (f"?{p.query}" if p.query else "")
            headers = [h for h in rest.split(b"\r\n") if h and not h.lower().startswith(
                (b"proxy-connection:", b"connection:", b"keep-alive:"))]
            upstream_head = (f"{method} {path} {version}\r\n".encode("latin-1") + b"\r\n".join(headers)
                             + b"\r\nConnection: close\r\n\r\n")
        host = (urlsplit(url).hostname or "").lower()
        if host in BROWSER_SERVICES:
            await _refuse(writer, 403, "browser service traffic is not forwarded")
            return
        try:
            addresses = await asyncio.to_thread(check_url, url, self.allow)
        except BlockedURL as exc:
            self.problems.append(f"browser request refused: {exc}")
            await _refuse(writer, 403, str(exc))
            return
        except ConnectionError as exc:  # the name does not resolve: the page's loss, not a policy event
            await _refuse(writer, 502, str(exc))
            return
        p = urlsplit(url)
        port = p.port or (443 if p.scheme == "https" else 80)
        up_reader = up_writer = None
        for address in addresses:
            try:
                up_reader, up_writer = await asyncio.wait_for(asyncio.open_connection(address, port),
                                                              self.connect_timeout)
                break
            except (OSError, asyncio.TimeoutError):
                continue
        if up_writer is None:
            await _refuse(writer, 502, f"cannot connect to {p.hostname}:{port}")
            return
        if upstream_head is None:
            writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            await writer.drain()
        else:
            up_writer.write(upstream_head)
        await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        try:
            writer.close()
        except RuntimeError:
            pass


async def _refuse(writer: asyncio.StreamWriter, status: int, message: str) -> None:
    body = message.encode("utf-8", "replace")
    reason = {400: "Bad Request", 403: "Forbidden", 502: "Bad Gateway"}[status]
    writer.write(f"HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain; charset=utf-8\r\n"
                 f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode("latin-1") + body)
    try:
        await writer.drain()
    finally:
        writer.close()
