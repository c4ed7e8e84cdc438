"""A real HTTP server on 127.0.0.1 for the tests' fixture sites and feeds (a free port, a daemon thread).

A subclass answers in ``route(req, path, query)`` with ``req.send(status, body, content_type, headers)``
(``req`` is the request handler: ``req.headers`` are the request's headers). Every request's path and
query string is kept in ``requests``, so a test can check what was (or was not) asked for."""
from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


class LocalServer:
    def __init__(self):
        self.requests: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_GET(self):
                server.requests.append(self.path)
                parts = urlsplit(self.path)
                server.route(self, parts.path, parts.query)

            def send(self, status: int, body: bytes, ctype: str, headers: dict | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def route(self, req, path: str, query: str) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
