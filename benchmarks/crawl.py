"""Site-crawl throughput and overhead: Scrapy in a subprocess per crawl, against 127.0.0.1.

    .venv/bin/python benchmarks/crawl.py                  # 500 articles from a sitemap, 5 one-page crawls
    .venv/bin/python benchmarks/crawl.py --docs 2000 --js # also time one-page crawls rendered in chromium

A ``ScaledSite`` serves ``--docs`` article pages; a second server on 127.0.0.1 serves a sitemap listing
them all. Phases, each a real ``crawlers.crawl.run_crawl`` subprocess writing into a fresh store:

* **sitemap crawl** — one ``sitemap`` source, ``max_pages`` = ``--docs``: robots.txt, the sitemap, every
  article page fetched and stored (AutoThrottle start delay ``--delay``, ``--per-domain`` at once);
* **re-run** — the same crawl again: every URL is already stored, so only robots.txt and the sitemap
  are fetched (the cost of a crawl that finds nothing new);
* **one-page crawls** — ``--single`` ``page`` sources, one crawl each: the fixed cost of a crawl
  (interpreter, Scrapy, reactor, store), p50/p95; with ``--js`` the same rendered in Debian's chromium.

Prints docs/s, p50/p95 seconds, the peak RSS of the crawl subprocesses and the load average."""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.measure import pct as _pct
from benchmarks.measure import peak_rss_mib






def _sitemap_server(urls: list[str]) -> ThreadingHTTPServer:
    body = ('<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            + "".join(f"<url><loc>{u}</loc></url>\n" for u in urls) + "</urlset>\n").encode()

    class H(BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_GET(self):
            data, ctype, status = (body, "application/xml", 200) if self.path == "/sitemap.xml" else \
                (b"User-agent: *\nAllow: /\n", "text/plain", 200) if self.path == "/robots.txt" else (b"", "text/plain", 404)
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=500, help="articles in the sitemap (default 500)")
    ap.add_argument("--single", type=int, default=5, help="one-page crawls for the fixed cost (default 5)")
    ap.add_argument("--delay", type=float, default=0.0, help="AutoThrottle start delay in s (default 0; "
                                                              "the product default is 1.0)")
    ap.add_argument("--per-domain", type=int, default=2, help="crawl_concurrency_per_domain (default 2)")
    ap.add_argument("--js", action="store_true", help="also time one-page crawls with render_js (chromium)")
    args = ap.parse_args(argv)

    from crawlers.crawl import run_crawl
    from presswatch.config import load_settings
    from presswatch.demo_site.scaled import ScaledSite
    from presswatch.sources import SourceSpec
    from presswatch.storage import open_store

    ok = True
    with ScaledSite(args.docs + args.single * 2, feeds=1, seed=1) as site, tempfile.TemporaryDirectory() as tmp:
        s = load_settings(tmp, allow_private_hosts=["127.0.0.1"], crawl_delay_s=args.delay,
                          crawl_concurrency_per_domain=args.per_domain, crawl_timeout_s=3600)
        s.ensure_dirs()
        srv = _sitemap_server(site.article_urls()[:args.docs])
        base = f"http://127.0.0.1:{srv.server_address[1]}"

        def spec(**kw):
            return SourceSpec(name="bench", source_type="provincial_press", language="vi", **kw)

        main_spec = spec(id="bench-sitemap", kind="sitemap", url=f"{base}/sitemap.xml", max_pages=args.docs)
        with open_store(s) as st:
            st.sync_sources([main_spec])
        t = time.monotonic()
        res = run_crawl(main_spec, s)
        crawl_s = time.monotonic() - t
        ok &= res.outcome == "ok" and res.new == args.docs
        t = time.monotonic()
        again = run_crawl(main_spec, s)
        rerun_s = time.monotonic() - t
        ok &= again.new == 0 and again.seen == args.docs

        def singles(render_js: bool, offset: int) -> list[float]:
            times = []
            for k in range(args.single):
                sp = spec(id=f"bench-page-{'js' if render_js else 'plain'}-{k}", kind="page",
                          url=site.article_url(args.docs + offset + k), render_js=render_js)
                with open_store(s) as st:
                    st.sync_sources([sp])
                t0 = time.monotonic()
                r = run_crawl(sp, s)
                times.append(time.monotonic() - t0)
                if r.outcome != "ok" or r.new != 1:
                    print(f"  one-page crawl failed: {r.errors}")
                    return times + [float("nan")]
            return times

        plain = singles(False, 0)
        js = singles(True, args.single) if args.js else []
        srv.shutdown()

    print(f"sitemap crawl: {res.new} articles in {crawl_s:.1f} s = {res.new / crawl_s:.1f} docs/s "
          f"({res.pages} responses, delay {args.delay:g} s, {args.per_domain} per domain)")
    print(f"re-run (all stored): {rerun_s:.2f} s, {again.pages} responses, {again.new} new")
    print(f"one-page crawl: p50 {_pct(plain, 50):.2f} s, p95 {_pct(plain, 95):.2f} s (n={len(plain)})")
    if js:
        print(f"one-page crawl, render_js (chromium): p50 {_pct(js, 50):.2f} s, p95 {_pct(js, 95):.2f} s (n={len(js)})")
    print(f"peak RSS of the largest crawl process (chromium's with --js): {peak_rss_mib(children=True):.0f} MiB; load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}; {os.cpu_count()} CPUs")
    if not ok:
        print(f"FAILED: first crawl {res.outcome} new={res.new} errors={res.errors[:3]}; re-run new={again.new}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
