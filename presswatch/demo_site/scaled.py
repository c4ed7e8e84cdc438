"""A synthetic news site of N articles for load, throughput and crash tests (standard library only).

``ScaledSite(n, feeds, seed)`` serves, on 127.0.0.1 (random port by default):

* ``/feed-{k}.rss``  RSS 2.0 listing *all* the articles of feed ``k`` (article ``i`` is in feed
                     ``i % feeds``), with strong ETag / Last-Modified and 304 on a conditional GET
* ``/a/{i}.html``    a realistic article page (og:title, article:published_time, nav, sidebar,
                     ``<article>`` with 4-8 paragraphs, footer)
* ``/robots.txt``    allows everything

The corpus is deterministic for a given ``(n, feeds, seed, corpus, now)``; pages are generated on
request and memoised (nothing is written to disk). Article text is recombined from the Vietnamese
demo articles in ``_content.py`` (or taken from ``corpus``, e.g. VNTC texts via ``load_vntc``) plus a
sentence unique to each article, so no two articles have the same body — except every 20th article
(``i % 20 == 19``), which is a verbatim copy of article ``i - 1`` so that dedup has work to do.

>>> with ScaledSite(1000, feeds=10) as site:
...     specs = site.source_specs()   # register them with ``Store.sync_sources(specs)``
"""
from __future__ import annotations

import email.utils
import gzip
import hashlib
import json
import random
import re
import sys
import threading
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from html import escape
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from presswatch.demo_site import _content

VNTC_TRAIN = Path(__file__).resolve().parents[3] / "shared" / "data" / "vntc" / "train.jsonl.gz"
DUPLICATE_EVERY = 20
SOURCE_TYPE_CYCLE = ("provincial_press", "national_press", "social")
_VN_TZ = timezone(timedelta(hours=7))

# Places and entities mixed into titles and the per-article sentence (provinces the gazetteer knows).
_PLACES = ["Bắc Ninh", "KCN Quang Châu", "Hưng Yên", "Đà Lạt", "Lâm Đồng", "Tuyên Quang", "KCN Yên Phong",
           "Hà Giang", "TP Bắc Giang", "phường Kinh Bắc", "xã Tây Yên Tử", "Phố Hiến"]
_TOPICS = [
    ("đình công", "Hàng trăm công nhân ngừng việc, đình công đòi tăng lương"),
    ("du lịch", "Lượng khách du lịch tăng mạnh dịp cuối tuần"),
    ("đầu tư", "Thu hút thêm dự án đầu tư nước ngoài vào khu công nghiệp"),
    ("ô nhiễm", "Người dân phản ánh ô nhiễm bụi từ công trường"),
    ("nông nghiệp", "Nông dân thu hoạch vụ mùa, giá nông sản ổn định"),
    ("giao thông", "Khởi công tuyến đường kết nối liên vùng"),
    ("hành chính công", "Trung tâm phục vụ hành chính công cấp xã vận hành ổn định"),
    ("giáo dục", "Khánh thành trường học mới trước năm học"),
]
_SECTIONS = [("Thời sự", "thoi-su"), ("Kinh tế", "kinh-te"), ("Xã hội", "xa-hoi"), ("Du lịch", "du-lich"),
             ("Bạn đọc", "ban-doc")]
_AUTHORS = ["Phóng viên Thời sự (demo)", "Ban Kinh tế (demo)", "Ban Xã hội (demo)", "Cộng tác viên (demo)"]
_SENTENCE = re.compile(r"(?<=[.!?…])\s+(?=[A-ZÀ-Ỹ0-9\"“(])")


def _demo_paragraphs() -> list[str]:
    """Vietnamese paragraphs of the bundled demo articles and posts (English outlets left out)."""
    paras: list[str] = []
    for item in list(_content.ARTICLES) + list(_content.POSTS):
        if _content.OUTLETS.get(item.get("outlet"), {}).get("lang") != "vi":
            continue
        paras.extend(p.strip() for p in item.get("body", []) if len(p.strip()) > 60)
    seen: set[str] = set()
    return [p for p in paras if not (p in seen or seen.add(p))]


def _split_text(text: str, per_para: int = 3) -> list[str]:
    """Split a long plain text into paragraphs of a few sentences (VNTC texts have no paragraph breaks)."""
    blocks = [b.strip() for b in re.split(r"\n\s*\n|\n", text) if b.strip()]
    if len(blocks) >= 4:
        return blocks
    sentences = [s.strip() for s in _SENTENCE.split(" ".join(blocks)) if s.strip()]
    return [" ".join(sentences[k:k + per_para]) for k in range(0, len(sentences), per_para)]


def load_vntc(limit: int) -> list[str]:
    """Up to ``limit`` texts from the VNTC training set (``shared/data/vntc/train.jsonl.gz``)."""
    if not VNTC_TRAIN.is_file():
        raise FileNotFoundError(
            f"VNTC corpus not found at {VNTC_TRAIN}; it is expected beside the repository as "
            "shared/data/vntc/train.jsonl.gz (JSON lines with id, label, text). Use the demo corpus instead.")
    texts: list[str] = []
    with gzip.open(VNTC_TRAIN, "rt", encoding="utf-8") as fh:
        for line in fh:
            if len(texts) >= limit:
                break
            line = line.strip()
            if not line:
                continue
            text = str(json.loads(line).get("text", "")).strip()
            if text:
                texts.append(text)
    return texts


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 128
    site: "ScaledSite"

    def handle_error(self, request, client_address):  # quiet about clients that hang up
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer
    protocol_version = "HTTP/1.1"

    def version_string(self) -> str:
        return "PresswatchScaled/1.0"

    def log_message(self, format, *args):  # noqa: A002 - no per-request logging
        pass

    def do_GET(self):
        self._dispatch(head=False)

    def do_HEAD(self):
        self._dispatch(head=True)

    def _dispatch(self, head: bool) -> None:
        try:
            found = self.server.site._route(urlsplit(self.path).path)
            if found is None:
                self._send(HTTPStatus.NOT_FOUND, b"Not found\n", "text/plain; charset=utf-8", head, {})
                return
            body, ctype, etag, modified = found
            headers = {"ETag": etag, "Last-Modified": modified, "Cache-Control": "max-age=60"}
            if self._not_modified(etag, modified):
                self.send_response(HTTPStatus.NOT_MODIFIED)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                return
            self._send(HTTPStatus.OK, body, ctype, head, headers)
        except (ConnectionError, TimeoutError):
            self.close_connection = True

    def _send(self, status, body: bytes, ctype: str, head: bool, headers: dict) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _not_modified(self, etag: str, modified: str) -> bool:
        inm = self.headers.get("If-None-Match")
        if inm is not None:  # If-None-Match takes precedence over If-Modified-Since
            return any(t.strip() == "*" or t.strip().removeprefix("W/") == etag for t in inm.split(","))
        ims = self.headers.get("If-Modified-Since")
        if ims:
            try:
                return email.utils.parsedate_to_datetime(ims) >= email.utils.parsedate_to_datetime(modified)
            except (TypeError, ValueError, IndexError):
                return False
        return False


class ScaledSite:
    """N synthetic Vietnamese news articles in ``feeds`` RSS feeds, served from a daemon thread."""

    def __init__(self, n: int, feeds: int = 10, seed: int = 0, corpus: list[str] | None = None,
                 host: str = "127.0.0.1", port: int = 0, now: datetime | None = None):
        if n < 1 or feeds < 1:
            raise ValueError("ScaledSite needs n >= 1 and feeds >= 1")
        self.n, self.feeds, self.seed = int(n), int(feeds), int(seed)
        self.host, self.port = host, port
        # dates are "within the last 5 days" of this anchor (default: now, to the hour)
        anchor = now or datetime.now(timezone.utc)
        self.now = anchor.astimezone(timezone.utc).replace(minute=0, second=0, microsecond=0)
        if corpus is not None:
            docs = [_split_text(t) for t in corpus if t and t.strip()]
            self._corpus_docs = [d for d in docs if d]
            if not self._corpus_docs:
                raise ValueError("corpus has no usable text")
            self._pool: list[str] = []
        else:
            self._corpus_docs = []
            self._pool = _demo_paragraphs()
        self._server: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._feed_cache: dict[int, tuple[bytes, str]] = {}
        self._lock = threading.Lock()
        self._article_page = lru_cache(maxsize=4096)(self._render_article)
        self._meta = lru_cache(maxsize=None)(self._article_meta)

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> "ScaledSite":
        if self._server is not None:
            return self
        server = _HTTPServer((self.host, self.port), _Handler)
        server.site = self
        self.port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name=f"presswatch-scaled-site:{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> "ScaledSite":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._server is None and self.port == 0:
            raise RuntimeError("ScaledSite is not started; base_url is known once it is bound")
        return f"http://{self.host}:{self.port}"

    # ------------------------------------------------------------------ corpus info
    def article_url(self, i: int) -> str:
        return f"{self.base_url}/a/{i}.html"

    def feed_url(self, k: int) -> str:
        return f"{self.base_url}/feed-{k}.rss"

    def article_urls(self) -> list[str]:
        return [self.article_url(i) for i in range(self.n)]

    def feed_urls(self) -> list[str]:
        return [self.feed_url(k) for k in range(self.feeds)]

    @staticmethod
    def is_copy(i: int) -> bool:
        """Article ``i`` is a verbatim copy of article ``i - 1`` (every 20th article)."""
        return i % DUPLICATE_EVERY == DUPLICATE_EVERY - 1

    def duplicate_indices(self) -> list[int]:
        return [i for i in range(self.n) if self.is_copy(i)]

    def source_specs(self) -> list:
        from presswatch.sources import SourceSpec

        return [SourceSpec(id=f"scaled-{k:02d}", name=f"Báo tổng hợp {k:02d} (scaled demo)", kind="rss",
                           url=self.feed_url(k), source_type=SOURCE_TYPE_CYCLE[k % len(SOURCE_TYPE_CYCLE)],
                           language="vi", provinces=["bac_ninh"], trust_tier=2, poll_minutes=15)
                for k in range(self.feeds)]

    # ------------------------------------------------------------------ generation
    def _rng(self, i: int) -> random.Random:
        return random.Random(f"{self.seed}:{i}")

    def _article_meta(self, i: int) -> dict:
        """Title, date, author, section and body of article ``i`` (memoised)."""
        if self.is_copy(i) and i >= 1:
            src = self._meta(i - 1)
            rng = self._rng(i)
            published = src["published"] + timedelta(minutes=rng.randint(5, 180))
            published = min(published, self.now)
            return {**src, "published": published, "copy_of": i - 1}
        rng = self._rng(i)
        place = rng.choice(_PLACES)
        keyword, headline = rng.choice(_TOPICS)
        section = rng.choice(_SECTIONS)
        n_paras = rng.randint(4, 8)
        if self._corpus_docs:
            doc = self._corpus_docs[(i + self.seed) % len(self._corpus_docs)]
            body = list(doc[:n_paras - 1])
            while len(body) < n_paras - 1:
                body.append(self._corpus_docs[rng.randrange(len(self._corpus_docs))][0])
            lead = body[0][:120].rsplit(" ", 1)[0] if body else headline
            title = f"{lead} ({place}, tin {i})"
        else:
            body = rng.sample(self._pool, min(n_paras - 1, len(self._pool)))
            title = f"{place}: {headline} (tin số {i})"
        published = self.now - timedelta(minutes=rng.randint(10, 5 * 24 * 60 - 10))
        local = published.astimezone(_VN_TZ)
        unique = (f"Ghi nhận của phóng viên ngày {local.day}/{local.month} tại {place} cho thấy vấn đề "
                  f"{keyword} tiếp tục được dư luận quan tâm; liên quan đến {rng.choice(_PLACES)}, "
                  f"đơn vị chức năng cho biết đã tiếp nhận {rng.randint(3, 900)} ý kiến, mã tin "
                  f"{self.seed}-{i}-{rng.randint(1000, 9999)}.")
        body.insert(rng.randint(1, len(body)), unique)
        return {"title": title, "published": published, "author": rng.choice(_AUTHORS), "section": section,
                "place": place, "keyword": keyword, "body": body, "summary": body[0][:240], "copy_of": None}

    def _render_article(self, i: int) -> bytes:
        m = self._meta(i)
        base = self.base_url
        title, pub = escape(m["title"]), m["published"].astimezone(_VN_TZ)
        nav = "".join(f'<li><a href="{base}/c/{slug}">{escape(name)}</a></li>' for name, slug in _SECTIONS)
        related = "".join(
            f'<li><a href="{self.article_url(j)}">Tin liên quan {j}</a></li>'
            for j in ((i + d) % self.n for d in (1, 7, 13)) if j != i)
        paras = "\n".join(f"<p>{escape(p)}</p>" for p in m["body"])
        page = f"""<!DOCTYPE html>
<html lang="vi">
<head>
<meta charset="utf-8">
<title>{title} | Báo tổng hợp (scaled demo)</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="description" content="{escape(m['summary'])}">
<meta property="og:type" content="article">
<meta property="og:title" content="{title}">
<meta property="og:url" content="{self.article_url(i)}">
<meta property="article:published_time" content="{pub.isoformat()}">
<meta name="author" content="{escape(m['author'])}">
<link rel="canonical" href="{self.article_url(i)}">
<link rel="stylesheet" href="{base}/static/site.css">
</head>
<body>
<header class="site-header"><a class="logo" href="{base}/">Báo tổng hợp (scaled demo)</a>
<nav><ul>{nav}</ul></nav></header>
<main>
<div class="breadcrumb"><a href="{base}/">Trang chủ</a> › <a href="{base}/c/{m['section'][1]}">{escape(m['section'][0])}</a></div>
<article>
<h1>{title}</h1>
<div class="meta"><span class="author">{escape(m['author'])}</span> · <time datetime="{pub.isoformat()}">{pub:%H:%M %d/%m/%Y}</time></div>
{paras}
</article>
<aside class="sidebar"><h3>Đọc nhiều</h3><ul>{related}</ul>
<div class="ad">Quảng cáo: Đặt mua báo in — ưu đãi cho bạn đọc</div></aside>
</main>
<footer><p>© Báo tổng hợp (scaled demo). Trang dữ liệu tổng hợp phục vụ kiểm thử Presswatch.</p>
<p><a href="{base}/lien-he">Liên hệ</a> · <a href="{base}/quang-cao">Quảng cáo</a></p></footer>
</body>
</html>
"""
        return page.encode("utf-8")

    def _render_feed(self, k: int) -> tuple[bytes, str]:
        with self._lock:
            if k in self._feed_cache:
                return self._feed_cache[k]
        idx = sorted(range(k, self.n, self.feeds), key=lambda i: self._meta(i)["published"], reverse=True)
        items = []
        for i in idx:
            m = self._meta(i)
            items.append(
                f"<item><title>{escape(m['title'])}</title><link>{self.article_url(i)}</link>"
                f"<guid isPermaLink=\"true\">{self.article_url(i)}</guid>"
                f"<pubDate>{email.utils.format_datetime(m['published'])}</pubDate>"
                f"<author>{escape(m['author'])}</author>"
                f"<description>{escape(m['summary'])}</description></item>")
        newest = max((self._meta(i)["published"] for i in idx), default=self.now)
        body = (f'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
                f"<title>Báo tổng hợp {k:02d} (scaled demo)</title><link>{self.base_url}/</link>"
                f"<description>Synthetic feed {k} of {self.feeds} ({self.n} articles)</description>"
                f"<language>vi</language><lastBuildDate>{email.utils.format_datetime(newest)}</lastBuildDate>"
                + "".join(items) + "</channel></rss>\n").encode("utf-8")
        out = (body, email.utils.format_datetime(newest, usegmt=True))
        with self._lock:
            self._feed_cache[k] = out
        return out

    def feed_bytes(self, k: int) -> bytes:
        return self._render_feed(k)[0]

    def article_bytes(self, i: int) -> bytes:
        return self._article_page(i)

    def _route(self, path: str) -> tuple[bytes, str, str, str] | None:
        """(body, content type, etag, last-modified) for a path, or None for a 404."""
        if m := re.fullmatch(r"/a/(\d+)\.html", path):
            i = int(m.group(1))
            if i >= self.n:
                return None
            body = self._article_page(i)
            modified = email.utils.format_datetime(self._meta(i)["published"], usegmt=True)
            return body, "text/html; charset=utf-8", _etag(body), modified
        if m := re.fullmatch(r"/feed-(\d+)\.rss", path):
            k = int(m.group(1))
            if k >= self.feeds:
                return None
            body, modified = self._render_feed(k)
            return body, "application/rss+xml; charset=utf-8", _etag(body), modified
        if path == "/robots.txt":
            body = b"User-agent: *\nAllow: /\n"
            return body, "text/plain; charset=utf-8", _etag(body), email.utils.format_datetime(self.now, usegmt=True)
        return None


@lru_cache(maxsize=8192)
def _etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
