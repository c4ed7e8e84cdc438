"""The web app: the review queue, alerts and documents (Vietnamese first, ?lang=en for English). All crawled
text is escaped by Jinja's autoescape; links go through ``safe_href``; every response carries a strict CSP
(``script-src 'none'``: forms work without JavaScript). Every page but /login and /healthz needs a session;
every POST needs the session's CSRF token (see ``presswatch.auth``)."""
from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qs, parse_qsl, urlencode, urlsplit

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from .. import audit
from ..auth import COOKIE, can_view, csrf_ok, session_user
from ..auth import hidden_stories as auth_hidden_stories
from ..gazetteer import load_gazetteer
from ..index import IndexUnavailable, SearchError, open_index
from .charts import FILTER_OF
from ..storage import Store, open_store
from ..urls import safe_href
from ..auth import LOGIN_CSRF_COOKIE, ROLES
from ..workflow import queue
from .review import RT, make_router

UI = {
    "vi": {"title": "Presswatch — Theo dõi dư luận báo chí", "alerts": "Cảnh báo cần xem xét",
           "documents": "Tin, bài mới", "search": "Tìm kiếm", "risk": "Rủi ro", "status": "Trạng thái",
           "copies": "bản sao", "reasons": "Lý do", "none": "Không có.", "source": "Nguồn", "topics": "Chủ đề",
           "stance": "Lập trường", "sentiment": "Sắc thái", "provinces": "Tỉnh", "published": "Ngày đăng",
           "results": "kết quả", "story": "Các bản của cùng câu chuyện", "kind": "Loại",
           "distortion": "Xuyên tạc — cần giải thích, phản bác", "local_problem": "Vấn đề địa phương — cần khắc phục",
           "sensitive": "Nội dung nhạy cảm", "spike": "Tăng đột biến số tin", "saved_search": "Khớp tìm kiếm đã lưu",
           "switch": "English", "switch_lang": "en"},
    "en": {"title": "Presswatch — press monitoring", "alerts": "Alerts to review", "documents": "Latest items",
           "search": "Search", "risk": "Risk", "status": "Status", "copies": "copies", "reasons": "Reasons",
           "none": "None.", "source": "Source", "topics": "Topics", "stance": "Stance", "sentiment": "Sentiment",
           "provinces": "Provinces", "published": "Published", "results": "results",
           "story": "Copies of the same story", "kind": "Kind",
           "distortion": "Distortion — clarify or rebut", "local_problem": "Local problem — route for a fix",
           "sensitive": "Sensitive content", "spike": "Volume spike", "saved_search": "Saved-search match",
           "switch": "Tiếng Việt", "switch_lang": "vi"},
}
STATUS_VI = {"new": "mới", "in_progress": "đang xử lý", "verified": "đã xác minh", "informed": "đã cung cấp thông tin",
             "rebutted": "đã phản bác", "referred": "đã chuyển cơ quan chức năng", "no_action": "không cần xử lý"}

PUBLIC = {"/login", "/healthz", "/favicon.ico"}
MAX_FORM_BYTES = 256 * 1024

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
    from .manual import make_manual_router, may_submit

    env.globals["may_submit"] = may_submit  # the nav shows "Nhập tin thủ công" to the roles that may use it

    def store() -> Store:
        return open_store(settings)

    @app.middleware("http")
    async def session_and_csrf(request: Request, call_next):
        """Who is asking (session cookie), and is this POST really from our own form (CSRF token, Origin)."""
        path = request.url.path
        request.state.user, request.state.csrf = None, None
        if path not in PUBLIC:
            with store() as st:
                found = session_user(st, request.cookies.get(COOKIE))
            if found is None:
                if request.method == "GET" and not path.startswith("/api/"):
                    nxt = path + (f"?{request.url.query}" if request.url.query else "")
                    return RedirectResponse("/login?" + urlencode({"next": nxt}), status_code=303)
                return JSONResponse({"detail": "đăng nhập / login required"}, status_code=401)
            request.state.user, request.state.csrf = found
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            origin = request.headers.get("origin")
            if origin and origin != "null" and urlsplit(origin).netloc != request.headers.get("host"):
                return HTMLResponse("Yêu cầu từ trang khác bị từ chối (cross-origin request refused)", status_code=403)
            body = await request.body()
            if len(body) > MAX_FORM_BYTES:
                return HTMLResponse("Form too large", status_code=413)
            form = {k: v for k, v in parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)}
            request.state.form = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
            if path == "/login":
                ok = csrf_ok(request.cookies.get(LOGIN_CSRF_COOKIE), form.get("csrf"))
            else:
                ok = csrf_ok(request.state.csrf, form.get("csrf"))
            if not ok:
                return HTMLResponse("Mã chống giả mạo (CSRF) không hợp lệ hoặc đã hết hạn; tải lại trang và thử lại. "
                                    "(Invalid or expired CSRF token; reload the page and try again.)", status_code=403)
        return await call_next(request)

    @app.middleware("http")
    async def headers(request: Request, call_next):
        """Security headers on every answer. An unhandled error is answered here, not by Starlette's outer
        error handler (which runs outside this middleware and would send a 500 without them)."""
        try:
            resp = await call_next(request)
        except Exception:  # noqa: BLE001 - logged with its traceback; the user gets no internals
            import logging

            logging.getLogger("presswatch.web").exception("%s %s failed", request.method, request.url.path)
            resp = HTMLResponse("Lỗi máy chủ; thử lại sau, nếu còn lỗi hãy báo quản trị viên. "
                                "(Internal server error; try again later, or tell the administrator.)", status_code=500)
        resp.headers["Content-Security-Policy"] = CSP
        resp.headers["X-Content-Type-Options"] = "nosniff"
        resp.headers["X-Frame-Options"] = "DENY"
        resp.headers["Referrer-Policy"] = "no-referrer"
        resp.headers.setdefault("Cache-Control", "no-store")
        return resp

    def render(name: str, lang: str, request: Request | None = None, status_code: int = 200, **ctx) -> HTMLResponse:
        lang = lang if lang in UI else "vi"
        user = getattr(request.state, "user", None) if request is not None else None
        csrf = getattr(request.state, "csrf", None) if request is not None else None
        return HTMLResponse(env.get_template(name).render(t=UI[lang], r=RT[lang], lang=lang, status_vi=STATUS_VI,
                                                          user=user, csrf=csrf, roles=ROLES, **ctx),
                            status_code=status_code)

    def hidden_stories(st: Store, user) -> set[str]:
        """Stories behind security-tagged alerts this user may not see (need-to-know)."""
        return auth_hidden_stories(st, user)

    @app.get("/", response_class=HTMLResponse)
    def home(request: Request, lang: str = "vi"):
        user = request.state.user
        with store() as st:
            _, alerts = queue(st, user, status="all", limit=100)
            hidden = hidden_stories(st, user)
            docs = [d for d in st.conn.execute(
                "SELECT id, url, title, source_id, source_type, lang, topics, stance, sentiment, risk, alert,"
                " duplicate_of, story_id FROM documents WHERE status='processed' ORDER BY id DESC LIMIT 100").fetchall()
                if d["story_id"] not in hidden]
            counts = st.counts()
        return render("index.html", lang, request, alerts=alerts, docs=docs, counts=counts)

    @app.get("/documents/{doc_id}", response_class=HTMLResponse)
    def document(request: Request, doc_id: int, lang: str = "vi"):
        user = request.state.user
        with store() as st:
            try:
                doc = st.load(doc_id, with_raw=False)
            except KeyError:
                raise HTTPException(404, "không tìm thấy / not found")
            sec = st.conn.execute(
                "SELECT a.id, a.story_id, a.department, a.security, d.topics, d.provinces, d.source_type FROM alerts a"
                " JOIN documents d ON d.id=a.doc_id WHERE a.story_id=? AND a.security=1",
                (doc.enrichment.story_id,)).fetchone()
            if sec is not None:
                allowed = can_view(user, sec)
                audit.record(st, actor=user.username, role=user.role, action="view" if allowed else "access_denied",
                             object_type="document", object_id=doc_id,
                             note=f"security-tagged alert #{sec['id']} (department {sec['department']})")
                if not allowed:
                    return render("forbidden.html", lang, request, status_code=403)
            copies = st.conn.execute("SELECT id, url, title, source_id FROM documents WHERE story_id=? AND id != ?"
                                     " ORDER BY id", (doc.enrichment.story_id, doc_id)).fetchall()
        return render("document.html", lang, request, doc=doc, copies=copies)

    @app.get("/search", response_class=HTMLResponse)
    def search_page(request: Request, q: str = Query("", max_length=500), lang: str = "vi",
                    sort: str = Query("relevance", pattern="^(relevance|date)$"), page: int = Query(1, ge=1, le=500)):
        per_page = 25
        result, error = None, None
        if q.strip():
            try:
                result = open_index(settings).query(q, limit=per_page, offset=(page - 1) * per_page, sort=sort,
                                                    facets=True)
            except (SearchError, IndexUnavailable) as exc:
                error = str(exc)
        total, hits, facets = (result.total, result.hits, result.facets) if result else (0, [], {})
        if hits:
            with store() as st:
                hidden = hidden_stories(st, request.state.user)
                if hidden:
                    ids = [h.id for h in hits]
                    story_of = dict(st.conn.execute(
                        f"SELECT id, story_id FROM documents WHERE id IN ({','.join('?' * len(ids))})", ids).fetchall())
                    kept = [h for h in hits if story_of.get(h.id) not in hidden]
                    total, hits = total - (len(hits) - len(kept)), kept
        return render("search.html", lang, request, q=q, total=total, hits=hits, error=error, facets=facets,
                      sort=sort, page=page, pages=max(1, -(-total // per_page)), filter_of=FILTER_OF)

    @app.get("/api/status")
    def api_status():
        with store() as st:
            return JSONResponse(st.counts())

    app.include_router(make_router(settings, store, render))
    # search archive: dashboard, REST API and its documentation (issue 6)
    from .api import make_api_router, make_docs_router
    from .dashboard import make_dashboard_router

    app.include_router(make_dashboard_router(settings, store, render, hidden_stories))
    app.include_router(make_api_router(settings, store, hidden_stories))
    app.include_router(make_docs_router(app))
    from .reports_routes import make_reports_router

    app.include_router(make_reports_router(settings, store, render))
    app.include_router(make_manual_router(settings, store, render, hidden_stories))  # hand entry: /submit
    from .status import make_status_router

    app.include_router(make_status_router(settings, store, render))  # /status, /status.json (admins)

    @app.get("/healthz")
    def healthz():
        return {"ok": True}

    return app


def app_from_environment() -> FastAPI:
    """The app for one of several server processes (``presswatch serve --workers N``): settings from the
    environment and the data directory, as every command reads them."""
    from ..config import load_settings

    return create_app(load_settings())
