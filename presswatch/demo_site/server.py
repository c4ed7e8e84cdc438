"""Local demo news site for Presswatch (standard library only).

Serves the static files under ``site/`` on 127.0.0.1, replacing the ``{{BASE}}`` placeholder
with the server's own base URL, plus a few special endpoints used by tests:

* ``/robots.txt``            allows everything (static file)
* ``/slow``                  sleeps 30 s before answering (``/slow?seconds=N`` to change)
* ``/missing``               404
* ``/redirect-to-article``   301 to a Báo Bắc Ninh (demo) article
* ``/huge.html``             streams 20 MiB of HTML with a Content-Length
                             (``/huge.html?chunked=1``: no Content-Length, body ends at close)

Every file supports conditional GET (strong ETag + Last-Modified, 304 on a match).
Run in the foreground with ``python -m presswatch.demo_site.server --port 8765``.
"""

from __future__ import annotations

import argparse
import email.utils
import hashlib
import sys
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from presswatch.demo_site import site_root

SITE_ROOT = site_root()
PLACEHOLDER = b"{{BASE}}"
REDIRECT_TARGET = "/baobacninh/kinh-te/trao-giay-chung-nhan-dau-tu-du-an-linh-kien-kcn-yen-phong.html"
HUGE_SIZE = 20 * 1024 * 1024
SLOW_SECONDS = 30.0

_CONTENT_TYPES = {
    ".rss": "application/rss+xml; charset=utf-8",
    ".atom": "application/atom+xml; charset=utf-8",
    ".json": "application/feed+json; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".css": "text/css; charset=utf-8",
}


def content_type_for(path: Path) -> str:
    if path.name.endswith(".cp1258.html"):
        return "text/html; charset=windows-1258"
    return _CONTENT_TYPES.get(path.suffix.lower(), "application/octet-stream")


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    demo: "DemoSite"

    def handle_error(self, request, client_address):  # quiet about clients that hang up
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer
    protocol_version = "HTTP/1.1"

    def version_string(self) -> str:
        return "PresswatchDemo/1.0"

    # -------------------------------------------------------------- logging: record, don't print
    def log_message(self, format, *args):  # noqa: A002 - signature from the base class
        pass

    def log_request(self, code="-", size="-"):
        try:
            status = int(code)
        except (TypeError, ValueError):
            status = 0
        self.server.demo._record(self.command or "", self.path or "", status)

    # -------------------------------------------------------------- dispatch
    def do_HEAD(self):
        self._dispatch(head=True)

    def do_GET(self):
        self._dispatch(head=False)

    def _dispatch(self, head: bool) -> None:
        url = urlsplit(self.path)
        route = url.path
        query = parse_qs(url.query)
        try:
            if route == "/slow":
                self._slow(query, head)
            elif route == "/missing":
                self._simple(HTTPStatus.NOT_FOUND, b"Not found\n", "text/plain; charset=utf-8", head)
            elif route == "/redirect-to-article":
                self.send_response(HTTPStatus.MOVED_PERMANENTLY)
                self.send_header("Location", self.server.demo.base_url + REDIRECT_TARGET)
                self.send_header("Content-Length", "0")
                self.end_headers()
            elif route == "/huge.html":
                self._huge(query, head)
            else:
                self._file(route, head)
        except (ConnectionError, TimeoutError):
            self.close_connection = True

    # -------------------------------------------------------------- handlers
    def _simple(self, status, body: bytes, ctype: str, head: bool, extra: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _slow(self, query, head: bool) -> None:
        try:
            seconds = float(query.get("seconds", [SLOW_SECONDS])[0])
        except ValueError:
            seconds = SLOW_SECONDS
        self.server.demo._stopping.wait(max(0.0, seconds))
        body = b"<!DOCTYPE html><html lang=\"en\"><head><title>Slow</title></head><body>finally</body></html>"
        self._simple(HTTPStatus.OK, body, "text/html; charset=utf-8", head)

    def _huge(self, query, head: bool) -> None:
        chunked = query.get("chunked", ["0"])[0] not in ("0", "", "false")
        prefix = (b'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Huge page</title>'
                  b'</head><body>\n')
        suffix = b"</body></html>\n"
        line = b"<p>" + b"Presswatch size-cap test filler. " * 30 + b"</p>\n"
        filler_len = HUGE_SIZE - len(prefix) - len(suffix)
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        if chunked:
            self.send_header("Connection", "close")
            self.close_connection = True
        else:
            self.send_header("Content-Length", str(HUGE_SIZE))
        self.end_headers()
        if head:
            return
        self.wfile.write(prefix)
        block = line * max(1, 65536 // len(line))
        remaining = filler_len
        while remaining > 0:
            if self.server.demo._stopping.is_set():
                self.close_connection = True
                return
            piece = block[:remaining]
            self.wfile.write(piece)
            remaining -= len(piece)
        self.wfile.write(suffix)

    def _resolve(self, route: str) -> Path | None:
        parts = [p for p in unquote(route).split("/") if p not in ("", ".")]
        if any(p == ".." or "\\" in p or "\x00" in p for p in parts):
            return None
        root = self.server.demo.root
        path = root.joinpath(*parts)
        if path.is_dir():
            path = path / "index.html"
        elif not path.is_file() and parts:
            alt = path.with_name(path.name + ".html")  # /mangxahoi/posts/1024 -> 1024.html
            if alt.is_file():
                path = alt
        if not path.is_file():
            return None
        try:
            path.resolve().relative_to(root.resolve())
        except ValueError:
            return None
        return path

    def _file(self, route: str, head: bool) -> None:
        path = self._resolve(route)
        if path is None:
            self._simple(HTTPStatus.NOT_FOUND, b"Not found\n", "text/plain; charset=utf-8", head)
            return
        body = path.read_bytes().replace(PLACEHOLDER, self.server.demo.base_url.encode("ascii"))
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        mtime = int(path.stat().st_mtime)
        headers = {"ETag": etag, "Last-Modified": email.utils.formatdate(mtime, usegmt=True)}
        if self._not_modified(etag, mtime):
            self.send_response(HTTPStatus.NOT_MODIFIED)
            for k, v in headers.items():
                self.send_header(k, v)
            self.end_headers()
            return
        self._simple(HTTPStatus.OK, body, content_type_for(path), head, headers)

    def _not_modified(self, etag: str, mtime: int) -> bool:
        inm = self.headers.get("If-None-Match")
        if inm is not None:  # RFC 9110: If-None-Match takes precedence over If-Modified-Since
            tags = [t.strip() for t in inm.split(",")]
            return any(t == "*" or t.removeprefix("W/") == etag for t in tags)
        ims = self.headers.get("If-Modified-Since")
        if ims:
            try:
                when = email.utils.parsedate_to_datetime(ims)
            except (TypeError, ValueError, IndexError):
                return False
            if when is None:
                return False
            return mtime <= when.timestamp()
        return False


class DemoSite:
    """The demo news site, served from a daemon thread.

    >>> with DemoSite() as site:
    ...     feed_url = site.base_url + "/baobacninh/feed.rss"
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0, root: Path | None = None):
        self.host = host
        self.port = port
        self.root = Path(root) if root is not None else SITE_ROOT
        self.requests: list[tuple[str, str, int]] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -------------------------------------------------------------- lifecycle
    def start(self) -> "DemoSite":
        if self._server is not None:
            return self
        self._stopping.clear()
        server = _HTTPServer((self.host, self.port), _Handler)
        server.demo = self
        self.port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name=f"presswatch-demo-site:{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping.set()  # releases /slow and /huge.html handlers
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> "DemoSite":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -------------------------------------------------------------- info
    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def base_url(self) -> str:
        if self._server is None and self.port == 0:
            raise RuntimeError("DemoSite is not started; base_url is known once it is bound")
        host = self.host
        if host in ("", "0.0.0.0"):
            host = "127.0.0.1"
        elif ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}"

    def url(self, path: str) -> str:
        """Absolute URL for a site path such as ``/baobacninh/feed.rss``."""
        return self.base_url + "/" + path.lstrip("/")

    def _record(self, method: str, path: str, status: int) -> None:
        with self._lock:
            self.requests.append((method, path, status))

    def clear_requests(self) -> None:
        with self._lock:
            self.requests.clear()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Serve the Presswatch demo news site.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args(argv)
    site = DemoSite(args.host, args.port).start()
    print(f"Presswatch demo site: {site.base_url}/  (Ctrl-C to stop)", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        site.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
