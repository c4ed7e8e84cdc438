"""A small news site on 127.0.0.1 for the crawl tests: robots.txt (Disallow + Sitemap lines), a sitemap
index -> a Google News sitemap, listing pages with article and non-article links, Vietnamese article
pages, a page whose text only appears after its JavaScript runs, and the bad cases: a redirect loop, an
oversized page, a 503 that answers on retry, a slow page. Every request is logged (``site.requests``)."""
from __future__ import annotations

import html
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ARTICLES = {
    "/thoi-su/ubnd-tinh-bac-ninh-hop-phien-thuong-ky-thang-11.html": (
        "UBND tỉnh Bắc Ninh họp phiên thường kỳ tháng 11",
        "2026-11-16T11:30:00+07:00",
        ["Sáng 16/11, UBND tỉnh Bắc Ninh tổ chức phiên họp thường kỳ tháng 11 năm 2026 để cho ý kiến về các "
         "nội dung trình kỳ họp cuối năm của Hội đồng nhân dân tỉnh.",
         "Các đại biểu thảo luận dự thảo báo cáo tình hình kinh tế - xã hội năm 2026, dự toán ngân sách địa "
         "phương và kế hoạch đầu tư công trung hạn; nhiều ý kiến đề nghị rà soát kỹ căn cứ pháp lý.",
         "Kết luận phiên họp, Chủ tịch UBND tỉnh yêu cầu các sở, ngành hoàn thiện hồ sơ trình HĐND tỉnh trước "
         "ngày 25/11 và chuẩn bị chu đáo nội dung trả lời chất vấn của đại biểu."]),
    "/thoi-su/khanh-thanh-cau-vuot-song-cau-noi-hai-xa.html": (
        "Khánh thành cầu vượt sông Cầu nối hai xã ven đê",
        "2026-11-17T08:15:00+07:00",
        ["Ngày 17/11, tỉnh Bắc Ninh khánh thành cây cầu bắc qua sông Cầu, nối hai xã ven đê sau 18 tháng thi "
         "công, rút ngắn quãng đường đến trung tâm xã gần 12 km.",
         "Người dân hai bờ cho biết trước đây phải đi đò hoặc đi vòng qua quốc lộ; từ nay học sinh đến trường "
         "và nông sản ra chợ thuận tiện hơn nhiều.",
         "Ban quản lý dự án cho biết công trình được nghiệm thu đúng tiến độ, tổng mức đầu tư hơn 300 tỷ đồng "
         "từ ngân sách tỉnh."]),
    "/thoi-su/ban-doc-phan-anh-ngap-ung-khu-dan-cu-20261118.html": (
        "Bạn đọc phản ánh tình trạng ngập úng kéo dài tại khu dân cư mới",
        "2026-11-18T15:40:00+07:00",
        ["Nhiều hộ dân tại một khu dân cư mới ở Bắc Ninh phản ánh sau mỗi trận mưa lớn, nước ngập sâu trên "
         "các tuyến đường nội bộ, có nơi tràn vào nhà.",
         "Theo người dân, hệ thống thoát nước của khu chưa được đấu nối với mương chung; chủ đầu tư hứa khắc "
         "phục từ đầu năm nhưng đến nay chưa thực hiện.",
         "Phóng viên đã chuyển phản ánh tới UBND phường và Sở Xây dựng; cơ quan chức năng cho biết sẽ kiểm tra "
         "thực tế trong tuần tới."]),
    "/kinh-te/xuat-khau-nong-san-bac-ninh-tang-manh-cuoi-nam.html": (
        "Xuất khẩu nông sản Bắc Ninh tăng mạnh những tháng cuối năm",
        "2026-11-19T09:00:00+07:00",
        ["Kim ngạch xuất khẩu nông sản của tỉnh Bắc Ninh trong 10 tháng năm 2026 tăng gần 20% so với cùng kỳ, "
         "nhờ mở rộng vùng trồng đạt chứng nhận và thị trường mới.",
         "Các hợp tác xã cho biết đơn hàng cuối năm tăng, nhất là các mặt hàng rau củ chế biến và trái cây "
         "sấy; nhiều nơi phải tuyển thêm lao động thời vụ.",
         "Sở Nông nghiệp và Môi trường khuyến cáo doanh nghiệp chú trọng truy xuất nguồn gốc để đáp ứng yêu "
         "cầu ngày càng cao của các thị trường nhập khẩu."]),
    "/noi-bo/bien-ban-hop-noi-bo-khong-cong-bo.html": (
        "Trang nội bộ (robots.txt chặn)", "2026-11-19T10:00:00+07:00", ["Không được thu thập."]),
    "/bao-loi/may-chu-tam-thoi-qua-tai-503.html": (
        "Hội nghị xúc tiến đầu tư vào các khu công nghiệp Bắc Ninh",
        "2026-11-20T10:00:00+07:00",
        ["Chiều 20/11, tỉnh Bắc Ninh tổ chức hội nghị xúc tiến đầu tư với sự tham dự của hơn 100 doanh nghiệp "
         "trong và ngoài nước.",
         "Lãnh đạo tỉnh cam kết tiếp tục cải cách thủ tục hành chính, bảo đảm hạ tầng điện, nước và nguồn "
         "nhân lực cho các dự án mới."]),
}
SITEMAP_ARTICLES = [
    "/thoi-su/ubnd-tinh-bac-ninh-hop-phien-thuong-ky-thang-11.html",
    "/thoi-su/khanh-thanh-cau-vuot-song-cau-noi-hai-xa.html",
    "/kinh-te/xuat-khau-nong-san-bac-ninh-tang-manh-cuoi-nam.html",
    "/noi-bo/bien-ban-hop-noi-bo-khong-cong-bo.html",  # disallowed by robots.txt
]
LISTING_ARTICLES = [  # what the /thoi-su/ listing leads to (the kinh-te one through its section page)
    "/thoi-su/ubnd-tinh-bac-ninh-hop-phien-thuong-ky-thang-11.html",
    "/thoi-su/khanh-thanh-cau-vuot-song-cau-noi-hai-xa.html",
    "/thoi-su/ban-doc-phan-anh-ngap-ung-khu-dan-cu-20261118.html",
    "/kinh-te/xuat-khau-nong-san-bac-ninh-tang-manh-cuoi-nam.html",
]
FEED_ARTICLE = "/thoi-su/ban-doc-phan-anh-ngap-ung-khu-dan-cu-20261118.html"
LOOP = "/bao-loi/chuyen-huong-vong-lap-khong-dung.html"
BIG = "/bao-loi/trang-qua-lon-vuot-gioi-han-tai-ve.html"
FLAKY = "/bao-loi/may-chu-tam-thoi-qua-tai-503.html"
SLOW = "/bao-loi/may-chu-tra-loi-rat-cham-qua-han.html"
TO_PRIVATE = "/bao-loi/chuyen-huong-den-dia-chi-noi-bo-20261120.html"  # redirects to a private address
PRIVATE_TARGET = "http://10.255.255.1/quan-tri/bai-viet-noi-bo.html"
JS_PAGE = "/js/ban-tin-chi-hien-khi-chay-javascript.html"
JS_REDIRECT = "/js/chuyen-huong-vao-mang-noi-bo.html"  # redirects to a private address (in the browser too)
JS_TEXT = "Đoàn công tác của tỉnh Bắc Ninh làm việc với các nhà đầu tư Hàn Quốc về dự án khu công nghệ cao"
BIG_BYTES = 300_000
SLOW_SECONDS = 3.0


def article_html(path: str) -> str:
    title, published, paragraphs = ARTICLES[path]
    body = "\n".join(f"      <p>{html.escape(p)}</p>" for p in paragraphs)
    return f"""<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8">
<title>{html.escape(title)} - Báo Bắc Ninh (thử nghiệm)</title>
<meta property="og:title" content="{html.escape(title)}">
<meta property="article:published_time" content="{published}">
</head><body>
<header><a href="/">Trang chủ</a> · <a href="/thoi-su/">Thời sự</a> · <a href="/lien-he.html">Liên hệ</a></header>
<main><article>
  <h1>{html.escape(title)}</h1>
  <time datetime="{published}">{published[:10]}</time>
  <div class="article-body">
{body}
  </div>
</article></main>
<footer>© Báo Bắc Ninh (thử nghiệm) · <a href="/gioi-thieu.html">Giới thiệu</a></footer>
</body></html>"""


def listing_html(title: str, links: list[tuple[str, str]]) -> str:
    items = "\n".join(f'  <li><a href="{html.escape(h)}">{html.escape(t)}</a></li>' for h, t in links)
    return (f'<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f'<link rel="stylesheet" href="/static/site.css"></head><body><h1>{html.escape(title)}</h1>\n'
            f"<ul>\n{items}\n</ul></body></html>")


JS_SHELL = """<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8"><title>Đang tải bài viết…</title></head>
<body><main id="app"><p>Đang tải…</p></main>
<script>
fetch('/api/ban-tin.json').then(function (r) { return r.json(); }).then(function (a) {
  var app = document.getElementById('app');
  app.innerHTML = '';
  var art = document.createElement('article');
  var h = document.createElement('h1'); h.textContent = a.title; art.appendChild(h);
  a.paragraphs.forEach(function (t) { var p = document.createElement('p'); p.textContent = t; art.appendChild(p); });
  app.appendChild(art);
  document.title = a.title;
});
</script></body></html>"""
JS_ARTICLE = {"title": "Bắc Ninh đón đoàn nhà đầu tư Hàn Quốc",
              "paragraphs": [JS_TEXT + " và nhà máy linh kiện điện tử mới.",
                             "Hai bên thống nhất lộ trình khảo sát địa điểm trong quý I năm 2027; tỉnh cam kết hỗ "
                             "trợ thủ tục đầu tư, giải phóng mặt bằng và tuyển dụng lao động địa phương.",
                             "Đại diện nhà đầu tư đánh giá cao môi trường đầu tư của tỉnh và hạ tầng giao thông "
                             "kết nối với sân bay Nội Bài, cảng Hải Phòng."]}


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):  # a crawler hanging up on a slow page is expected
        pass


class CrawlSite:
    def __init__(self, robots_sitemap: bool = True) -> None:
        self.robots_sitemap = robots_sitemap  # False: robots.txt has no Sitemap: line (the crawler must guess)
        self.requests: list[str] = []
        self.hits: dict[str, int] = {}
        self.connection: dict[str, str] = {}  # the last Connection header per path ("close": via the guard proxy)
        self._lock = threading.Lock()
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):
                path = self.path.split("?")[0]
                with site._lock:
                    site.requests.append(path)
                    site.hits[path] = n = site.hits.get(path, 0) + 1
                    site.connection[path] = self.headers.get("Connection", "")
                site._serve(self, path, n)

        self.server = _Server(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> "CrawlSite":
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def url(self, path: str) -> str:
        return self.base_url + path

    def requested(self, path: str) -> int:
        with self._lock:
            return self.hits.get(path, 0)

    # ------------------------------------------------------------------ routes
    def _serve(self, h: BaseHTTPRequestHandler, path: str, n: int) -> None:
        b = self.base_url
        if path == "/robots.txt":
            line = f"\nSitemap: {b}/sitemap_index.xml\n" if self.robots_sitemap else ""
            return _send(h, 200, "text/plain; charset=utf-8", f"User-agent: *\nDisallow: /noi-bo/\n{line}")
        if path == "/sitemap_index.xml":
            return _send(h, 200, "application/xml", (
                '<?xml version="1.0" encoding="UTF-8"?>\n'
                '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
                f"  <sitemap><loc>{b}/news-sitemap.xml</loc><lastmod>2026-11-19T09:00:00+07:00</lastmod></sitemap>\n"
                "</sitemapindex>\n"))
        if path == "/news-sitemap.xml":
            urls = "".join(
                f"  <url><loc>{b}{p}</loc><news:news><news:publication><news:name>Báo Bắc Ninh</news:name>"
                f"<news:language>vi</news:language></news:publication>"
                f"<news:publication_date>{ARTICLES[p][1]}</news:publication_date>"
                f"<news:title>{html.escape(ARTICLES[p][0])}</news:title></news:news></url>\n"
                for p in SITEMAP_ARTICLES)
            return _send(h, 200, "application/xml", (
                '<?xml version="1.0" encoding="UTF-8"?>\n'
                '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
                'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">\n' + urls + "</urlset>\n"))
        if path == "/thoi-su/":
            links = [(p, ARTICLES[p][0]) for p in LISTING_ARTICLES[:3]] + [
                ("/chuyen-muc/kinh-te/", "Kinh tế"), ("/lien-he.html", "Liên hệ"), ("/tag/dinh-cong", "Đình công"),
                ("/noi-bo/bien-ban-hop-noi-bo-khong-cong-bo.html", "Nội bộ"),
                ("http://bao-khac.invalid/thoi-su/bai-viet-cua-mot-trang-khac-ngoai-site.html", "Trang khác"),
                ("mailto:toasoan@example.vn", "Thư"), ("javascript:void(0)", "In"), ("/static/site.css", "css")]
            return _send(h, 200, "text/html; charset=utf-8", listing_html("Thời sự", links))
        if path == "/chuyen-muc/kinh-te/":
            p = LISTING_ARTICLES[3]
            return _send(h, 200, "text/html; charset=utf-8", listing_html("Kinh tế", [(p, ARTICLES[p][0])]))
        if path in ("/lien-he.html", "/gioi-thieu.html", "/tag/dinh-cong", "/"):
            return _send(h, 200, "text/html; charset=utf-8", listing_html("Trang", []))
        if path == "/bao-loi/":
            links = [(LOOP, "Vòng lặp"), (BIG, "Quá lớn"), (FLAKY, "503 rồi 200"), (SLOW, "Chậm"),
                     (TO_PRIVATE, "Chuyển hướng vào mạng nội bộ")]
            return _send(h, 200, "text/html; charset=utf-8", listing_html("Các trang lỗi", links))
        if path in (LOOP, LOOP.replace(".html", "-2.html")):
            other = LOOP.replace(".html", "-2.html") if path == LOOP else LOOP
            return _send(h, 302, "text/html", "", {"Location": other})
        if path in (TO_PRIVATE, JS_REDIRECT):
            return _send(h, 302, "text/html", "", {"Location": PRIVATE_TARGET})
        if path == BIG:
            return _send(h, 200, "text/html; charset=utf-8",
                         "<html><body><p>" + "Trang rất lớn. " * (BIG_BYTES // 15) + "</p></body></html>")
        if path == FLAKY and n == 1:
            return _send(h, 503, "text/plain", "quá tải, thử lại sau", {"Retry-After": "0"})
        if path == SLOW:
            time.sleep(SLOW_SECONDS)
            return _send(h, 200, "text/html; charset=utf-8", "<html><body><p>Quá muộn.</p></body></html>")
        if path == "/rss/thoi-su.rss":  # a plain feed beside the crawled pages (the flow test polls it)
            p = FEED_ARTICLE
            return _send(h, 200, "application/rss+xml", (
                '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Thời sự</title>'
                f"<link>{b}/</link><description>Báo Bắc Ninh</description><item><title>{html.escape(ARTICLES[p][0])}"
                f"</title><link>{b}{p}</link><guid>{b}{p}</guid></item></channel></rss>"))
        if path == "/js/":
            return _send(h, 200, "text/html; charset=utf-8", listing_html(
                "Bản tin", [(JS_PAGE, "Bản tin"), (JS_REDIRECT, "Chuyển hướng vào mạng nội bộ")]))
        if path == JS_PAGE:
            return _send(h, 200, "text/html; charset=utf-8", JS_SHELL)
        if path == "/api/ban-tin.json":
            return _send(h, 200, "application/json", json.dumps(JS_ARTICLE, ensure_ascii=False))
        if path in ARTICLES:
            return _send(h, 200, "text/html; charset=utf-8", article_html(path))
        return _send(h, 404, "text/plain", "không tìm thấy")


def _send(h: BaseHTTPRequestHandler, status: int, ctype: str, body: str, headers: dict | None = None) -> None:
    data = body.encode("utf-8")
    try:
        h.send_response(status)
        h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(data)
    except (BrokenPipeError, ConnectionResetError):  # the crawler gave up on a slow or oversized page
        pass
