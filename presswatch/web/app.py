"""The web app: alerts and documents (Vietnamese first, ?lang=en for English). All crawled text is
escaped by Jinja's autoescape; links go through ``safe_href``; every response carries a strict CSP."""
from __future__ import annotations

import json
from pathlib import Path

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from ..gazetteer import load_gazetteer
from ..index import IndexUnavailable, SearchError, open_index
from ..storage import Store
from ..urls import safe_href

UI = {
    "vi": {"title": "Presswatch — Theo dõi dư luận báo chí", "alerts": "Cảnh báo cần xem xét",
           "documents": "Tin, bài mới", "search": "Tìm kiếm", "risk": "Rủi ro", "status": "Trạng thái",
           "copies": "bản sao", "reasons": "Lý do", "none": "Không có.", "source": "Nguồn", "topics": "Chủ đề",
           "stance": "Lập trường", "sentiment": "Sắc thái", "provinces": "Tỉnh", "published": "Ngày đăng",
           "results": "kết quả", "story": "Các bản của cùng câu chuyện", "kind": "Loại",
           "distortion": "Xuyên tạc — cần giải thích, phản bác", "local_problem": "Vấn đề địa phương — cần khắc phục",
           "sensitive": "Nội dung nhạy cảm", "switch": "English", "switch_lang": "en"},
    "en": {"title": "Presswatch — press monitoring", "alerts": "Alerts to review", "documents": "Latest items",
           "search": "Search", "risk": "Risk", "status": "Status", "copies": "copies", "reasons": "Reasons",
           "none": "None.", "source": "Source", "topics": "Topics", "stance": "Stance", "sentiment": "Sentiment",
           "provinces": "Provinces", "published": "Published", "results": "results",
           "story": "Copies of the same story", "kind": "Kind",
           "distortion": "Distortion — clarify or rebut", "local_problem": "Local problem — route for a fix",
           "sensitive": "Sensitive content", "switch": "Tiếng Việt", "switch_lang": "vi"},
}
STATUS_VI = {"new": "mới", "in_progress": "đang xử lý", "verified": "đã xác minh", "informed": "đã cung cấp thông tin",
             "rebutted": "đã phản bác", "referred": "đã chuyển cơ quan chức năng", "no_action": "không cần xử lý"}

CSP = ("default-src 'self'; script-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


def create_app(settings) -> FastAPI:
    app = FastAPI(title="Presswatch", docs_url=None, redoc_url=None)
    env = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                      autoescape=select_autoescape(["html"]))
    env.filters["href"] = safe_href
    env.filters["fromjson"] = json.loads
    gaz = load_gazetteer()
    env.filters["province"] = gaz.label

    def store() -> Store:
        settings.ensure_dirs()
        return Store(settings.db_path)

    @app.middleware("http")
    async def headers(request: Request, call_next):
        resp = await call_next(request)
        resp.headers["Content-Security-Policy"] = CSP
        resp.headers["X-Content-Type-Options"] = "nosniff"
        resp.headers["X-Frame-Options"] = "DENY"
        resp.headers["Referrer-Policy"] = "no-referrer"
        return resp

    def render(name: str, lang: str, **ctx) -> HTMLResponse:
        lang = lang if lang in UI else "vi"
        return HTMLResponse(env.get_template(name).render(t=UI[lang], lang=lang, status_vi=STATUS_VI, **ctx))

    @app.get("/", response_class=HTMLResponse)
    def home(lang: str = "vi"):
        with store() as st:
            alerts = st.alerts(limit=100)
            docs = st.conn.execute(
                "SELECT id, url, title, source_id, source_type, lang, topics, stance, sentiment, risk, alert,"
                " duplicate_of FROM documents WHERE status='processed' ORDER BY id DESC LIMIT 100").fetchall()
            counts = st.counts()
        return render("index.html", lang, alerts=alerts, docs=docs, counts=counts)

    @app.get("/documents/{doc_id}", response_class=HTMLResponse)
    def document(doc_id: int, lang: str = "vi"):
        with store() as st:
            try:
                doc = st.load(doc_id, with_raw=False)
            except KeyError:
                raise HTTPException(404, "không tìm thấy / not found")
            copies = st.conn.execute("SELECT id, url, title, source_id FROM documents WHERE story_id=? AND id != ?"
                                     " ORDER BY id", (doc.enrichment.story_id, doc_id)).fetchall()
        return render("document.html", lang, doc=doc, copies=copies)

    @app.get("/search", response_class=HTMLResponse)
    def search_page(q: str = Query("", max_length=500), lang: str = "vi"):
        total, hits, error = 0, [], None
        if q.strip():
            try:
                total, hits = open_index(settings).search(q, limit=50)
            except (SearchError, IndexUnavailable) as exc:
                error = str(exc)
        return render("search.html", lang, q=q, total=total, hits=hits, error=error)

    @app.get("/api/status")
    def api_status():
        with store() as st:
            return JSONResponse(st.counts())

    @app.get("/healthz")
    def healthz():
        return {"ok": True}

    return app
