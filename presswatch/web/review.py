"""The review queue: login, the queue with filters, sorting and bulk actions, one alert with its evidence
and whole story, decisions (status, response actions on the distortion or the local-problem path,
assignment, label corrections), and the audit log for auditors. Forms post back without JavaScript; every
decision goes through ``presswatch.workflow`` (audited in the same transaction)."""
from __future__ import annotations

import json
import secrets
import zlib
from datetime import datetime, timedelta, timezone
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from .. import audit
from ..auth import (COOKIE, LOGIN_CSRF_COOKIE, SESSION_MAX, AuthError, User, authenticate, can_decide, can_view,
                    cookie_secure, end_session, new_session)
from ..record import SENTIMENTS, STANCES, TOPICS
from ..storage import ALERT_STATUSES
from ..workflow import (ACTIONS, KIND_LABELS, OPEN_STATUSES, PATHS, SORTS, STATUS_LABELS, WorkflowError, assign,
                        correct_labels, decide, get_alert, history, queue, responses, story)

RT = {
    "vi": {"login": "Đăng nhập", "username": "Tên đăng nhập", "password": "Mật khẩu", "logout": "Đăng xuất",
           "queue": "Hàng đợi xử lý cảnh báo", "audit": "Nhật ký kiểm tra", "filter": "Lọc", "all": "Tất cả",
           "open": "Chưa xử lý xong", "mine": "Giao cho tôi", "sort": "Sắp xếp", "department": "Đơn vị",
           "assignee": "Người xử lý", "due": "Hạn xử lý", "overdue": "quá hạn", "severity": "Mức độ",
           "bulk": "Xử lý hàng loạt các mục đã chọn", "apply": "Áp dụng", "note": "Ghi chú", "save": "Ghi nhận",
           "response": "Hành động xử lý", "link": "Đường dẫn bài đã đăng", "target": "Cơ quan / nền tảng nhận",
           "set_status": "Chuyển trạng thái", "assign": "Giao việc", "labels": "Sửa nhãn phân loại (để huấn luyện lại)",
           "evidence": "Bằng chứng lưu trữ (bản chụp nguyên gốc)", "story": "Toàn bộ câu chuyện (mọi bản)",
           "history": "Lịch sử xử lý", "responses": "Các hành động đã thực hiện", "text": "Nội dung trích xuất",
           "security": "MẬT — chỉ người có thẩm quyền được xem; mọi lượt xem được ghi nhật ký",
           "forbidden": "Bạn không có quyền xem mục này. Lượt truy cập đã được ghi vào nhật ký.",
           "readonly": "Vai trò của bạn chỉ được xem.", "results": "cảnh báo", "prev": "Trang trước",
           "next": "Trang sau", "path_distortion": "Quy trình xuyên tạc: giải thích, phản bác (kèm đường dẫn bài phản bác)",
           "path_local_problem": "Quy trình vấn đề địa phương: chuyển đơn vị có trách nhiệm khắc phục",
           "keys": "Phím tắt (Alt+Shift+phím): F lọc, Q hàng đợi, R hành động, S trạng thái, A giao việc",
           "export": "Xuất", "actor": "Người thực hiện", "action": "Hành động", "object": "Đối tượng",
           "before": "Trước", "after": "Sau", "when": "Thời gian", "choose": "— chọn —", "stance": "Lập trường",
           "topics": "Chủ đề", "sentiment": "Sắc thái", "copies": "bản", "fetched": "Thu thập lúc",
           "download": "tải bản chụp", "first_admin": "Chưa có tài khoản? Quản trị viên tạo bằng lệnh: "},
    "en": {"login": "Log in", "username": "Username", "password": "Password", "logout": "Log out",
           "queue": "Alert review queue", "audit": "Audit log", "filter": "Filter", "all": "All",
           "open": "Open", "mine": "Assigned to me", "sort": "Sort", "department": "Department",
           "assignee": "Assignee", "due": "Due", "overdue": "overdue", "severity": "Severity",
           "bulk": "Bulk action on the selected items", "apply": "Apply", "note": "Note", "save": "Record",
           "response": "Response action", "link": "Link to the published piece", "target": "Agency / outlet / platform",
           "set_status": "Set status", "assign": "Assign", "labels": "Correct the labels (for retraining)",
           "evidence": "Evidence snapshot (raw capture)", "story": "The whole story (all copies)",
           "history": "History", "responses": "Responses recorded", "text": "Extracted text",
           "security": "CONFIDENTIAL — need-to-know; every view is logged",
           "forbidden": "You may not view this item. The attempt has been logged.",
           "readonly": "Your role is read-only.", "results": "alerts", "prev": "Previous", "next": "Next",
           "path_distortion": "Distortion path: clarify or rebut (with the link to the published rebuttal)",
           "path_local_problem": "Local-problem path: route to the department that must fix it",
           "keys": "Access keys (Alt+Shift+key): F filter, Q queue, R response, S status, A assign",
           "export": "Export", "actor": "Actor", "action": "Action", "object": "Object", "before": "Before",
           "after": "After", "when": "When", "choose": "— choose —", "stance": "Stance", "topics": "Topics",
           "sentiment": "Sentiment", "copies": "copies", "fetched": "Fetched", "download": "download snapshot",
           "first_admin": "No account yet? An administrator creates one with: "},
}
PAGE = 50


def _lang(request: Request) -> str:
    lang = request.query_params.get("lang") or _f(request, "lang") or "vi"
    return lang if lang in RT else "vi"


def _f(request: Request, name: str, default: str = "") -> str:
    v = getattr(request.state, "form", {}).get(name)
    return v[-1] if v else default


def _fl(request: Request, name: str) -> list[str]:
    return list(getattr(request.state, "form", {}).get(name) or [])


def _back(url: str, lang: str, **params) -> RedirectResponse:
    q = {"lang": lang, **{k: v for k, v in params.items() if v}}
    return RedirectResponse(url + "?" + urlencode(q), status_code=303)


def make_router(settings, store, render) -> APIRouter:
    from pipelines.triage import load_policy

    router = APIRouter()
    policy = load_policy(settings.resolved_thresholds_file(), tuple(settings.provinces))
    departments = policy.departments

    def ctx(lang: str) -> dict:
        return dict(departments=departments, kind_labels=KIND_LABELS, status_labels=STATUS_LABELS, actions=ACTIONS,
                    paths=PATHS, statuses=ALERT_STATUSES, sorts=list(SORTS), stances=STANCES, topics_all=TOPICS,
                    sentiments=SENTIMENTS, li=0 if lang == "vi" else 1,
                    today=datetime.now(timezone(timedelta(hours=7))).date().isoformat())

    def denied(request: Request, st, user: User, alert_id, lang: str) -> HTMLResponse:
        audit.record(st, actor=user.username, role=user.role, action="access_denied", object_type="alert",
                     object_id=alert_id, note=f"{request.method} {request.url.path}")
        return render("forbidden.html", lang, request, status_code=403)

    # ------------------------------------------------------------------------------------------ login
    @router.get("/login", response_class=HTMLResponse)
    def login_form(request: Request, next: str = "/", lang: str = "vi", error: str = ""):
        # one token per browser until it logs in: a second tab (or the favicon request) must not invalidate it
        token = request.cookies.get(LOGIN_CSRF_COOKIE) or ""
        if not (20 <= len(token) <= 64):
            token = secrets.token_urlsafe(24)
        resp = render("login.html", lang, request, next=next, login_csrf=token, error=error[:300])
        resp.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", path="/login",
                        secure=cookie_secure(request.url.scheme), max_age=3600)
        return resp

    @router.post("/login")
    def login(request: Request):
        lang = _lang(request)
        nxt = _f(request, "next", "/")
        if not nxt.startswith("/") or nxt.startswith("//") or "\\" in nxt:
            nxt = "/"
        with store() as st:
            try:
                user = authenticate(st, _f(request, "username").strip(), _f(request, "password"),
                                    request.client.host if request.client else None)
            except AuthError as exc:
                return _back("/login", lang, next=nxt, error=str(exc))
            token, _ = new_session(st, user)
        resp = RedirectResponse(nxt, status_code=303)
        resp.set_cookie(COOKIE, token, httponly=True, samesite="strict", path="/", secure=cookie_secure(request.url.scheme),
                        max_age=int(SESSION_MAX.total_seconds()))
        resp.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
        return resp

    @router.post("/logout")
    def logout(request: Request):
        user = request.state.user
        with store() as st:
            end_session(st, request.cookies.get(COOKIE))
            audit.record(st, actor=user.username, role=user.role, action="logout", object_type="user",
                         object_id=user.username)
        resp = RedirectResponse("/login", status_code=303)
        resp.delete_cookie(COOKIE, path="/")
        return resp

    # ------------------------------------------------------------------------------------------ queue
    @router.get("/review", response_class=HTMLResponse)
    def review_queue(request: Request, lang: str = "vi", status: str = "open", kind: str = "", department: str = "",
                     assignee: str = "", q: str = "", sort: str = "risk", security: str = "", offset: int = 0,
                     msg: str = ""):
        user = request.state.user
        offset = max(0, offset)
        with store() as st:
            total, rows = queue(st, user, status=status, kind=kind or None, department=department or None,
                                assignee=assignee or None, q=q[:200] or None, sort=sort, security=security or None,
                                limit=PAGE, offset=offset)
            users = [r["username"] for r in st.conn.execute("SELECT username FROM users WHERE active=1 ORDER BY 1")]
        filters = dict(status=status, kind=kind, department=department, assignee=assignee, q=q, sort=sort,
                       security=security)
        page_q = {k: v for k, v in filters.items() if v}
        return render("review.html", lang, request, rows=rows, total=total, offset=offset, page=PAGE, f=filters,
                      page_q=page_q, users=users, msg=msg[:300], open_statuses=OPEN_STATUSES, **ctx(lang))

    @router.post("/review/bulk")
    def review_bulk(request: Request):
        user = request.state.user
        lang = _lang(request)
        if not (user.perm("bulk") or user.perm("assign")):
            with store() as st:
                return denied(request, st, user, "bulk", lang)
        ids = [int(i) for i in _fl(request, "ids") if i.isdigit()][:500]
        status, dept, note = _f(request, "bulk_status"), _f(request, "bulk_department"), _f(request, "bulk_note")
        done, refused, errors = 0, 0, []
        with store() as st:
            for aid in ids:
                a = get_alert(st, aid)
                if a is None:
                    continue
                if not can_decide(user, a):
                    refused += 1
                    audit.record(st, actor=user.username, role=user.role, action="access_denied", object_type="alert",
                                 object_id=aid, note="bulk action")
                    continue
                try:
                    if dept:
                        assign(st, aid, user, department=dept)
                    if status:
                        decide(st, aid, user, status=status, note=note or None)
                    done += 1
                except (WorkflowError, KeyError) as exc:
                    errors.append(f"#{aid}: {exc}")
        msg = f"{done} ✓" + (f", {refused} ✗ (403)" if refused else "") + ("; " + "; ".join(errors[:5]) if errors else "")
        return _back("/review", lang, msg=msg)

    # ------------------------------------------------------------------------------------------ one alert
    @router.get("/review/{alert_id}", response_class=HTMLResponse)
    def review_alert(request: Request, alert_id: int, lang: str = "vi", msg: str = "", error: str = ""):
        user = request.state.user
        with store() as st:
            a = get_alert(st, alert_id)
            if a is None:
                return render("forbidden.html", lang, request, status_code=404, not_found=True)
            if not can_view(user, a):
                return denied(request, st, user, alert_id, lang)
            if a["security"]:
                audit.record(st, actor=user.username, role=user.role, action="view", object_type="alert",
                             object_id=alert_id, note="security-tagged")
            doc = st.load(a["doc_id"], with_raw=False)
            copies = story(st, a["story_id"]) if not a["story_id"].startswith("spike:") else \
                story(st, doc.enrichment.story_id or "")
            hist, resps = history(st, alert_id), responses(st, alert_id)
            users = [r["username"] for r in st.conn.execute("SELECT username FROM users WHERE active=1 ORDER BY 1")]
        return render("review_alert.html", lang, request, a=a, doc=doc, copies=copies, hist=hist, resps=resps,
                      reasons=json.loads(a["reasons"]), topics=json.loads(a["topics"]), users=users,
                      may_decide=can_decide(user, a), may_assign=user.perm("assign") and can_view(user, a),
                      msg=msg[:300], error=error[:500], **ctx(lang))

    def _decision(request: Request, alert_id: int, fn) -> Response:
        user = request.state.user
        lang = _lang(request)
        with store() as st:
            a = get_alert(st, alert_id)
            if a is None:
                return render("forbidden.html", lang, request, status_code=404, not_found=True)
            if not can_decide(user, a):
                return denied(request, st, user, alert_id, lang)
            try:
                fn(st, user, a)
            except (WorkflowError, ValueError, KeyError) as exc:
                return _back(f"/review/{alert_id}", lang, error=str(exc))
        return _back(f"/review/{alert_id}", lang, msg="✓")

    @router.post("/review/{alert_id}/decide")
    def review_decide(request: Request, alert_id: int):
        return _decision(request, alert_id, lambda st, user, a: decide(
            st, alert_id, user, status=_f(request, "status") or None, action=_f(request, "action") or None,
            url=_f(request, "url") or None, target=_f(request, "target") or None, note=_f(request, "note") or None))

    @router.post("/review/{alert_id}/assign")
    def review_assign(request: Request, alert_id: int):
        def fn(st, user, a):
            if not user.perm("assign"):
                raise WorkflowError("vai trò của bạn không được giao việc (your role cannot assign)")
            assign(st, alert_id, user, department=_f(request, "department"), assignee=_f(request, "assignee"),
                   due_at=_f(request, "due_at"))
        return _decision(request, alert_id, fn)

    @router.post("/review/{alert_id}/labels")
    def review_labels(request: Request, alert_id: int):
        return _decision(request, alert_id, lambda st, user, a: correct_labels(
            st, alert_id, user, stance=_f(request, "stance") or None, topics=_fl(request, "topics") or None,
            sentiment=_f(request, "sentiment") or None))

    @router.get("/review/{alert_id}/evidence/{doc_id}")
    def evidence(request: Request, alert_id: int, doc_id: int, lang: str = "vi"):
        """The raw capture as fetched, as a download (never rendered as a page)."""
        user = request.state.user
        with store() as st:
            a = get_alert(st, alert_id)
            if a is None:
                return Response(status_code=404)
            if not can_view(user, a):
                return denied(request, st, user, alert_id, lang)
            row = st.conn.execute(
                "SELECT r.raw, r.sha256 FROM raw_snapshots r JOIN documents d ON d.id=r.doc_id"
                " WHERE r.doc_id=? AND d.story_id=(SELECT story_id FROM documents WHERE id=?)",
                (doc_id, a["doc_id"])).fetchone()
            if row is None or row["raw"] is None:
                return Response(status_code=404)
            audit.record(st, actor=user.username, role=user.role, action="evidence_download", object_type="alert",
                         object_id=alert_id, note=f"document {doc_id} sha256 {row['sha256']}")
        return Response(zlib.decompress(row["raw"]), media_type="application/octet-stream", headers={
            "Content-Disposition": f'attachment; filename="evidence-{doc_id}-{(row["sha256"] or "")[:12]}.html.txt"',
            "Content-Security-Policy": "sandbox; default-src 'none'"})

    # ------------------------------------------------------------------------------------------ audit log
    @router.get("/audit", response_class=HTMLResponse)
    def audit_page(request: Request, lang: str = "vi", actor: str = "", action: str = "", object_type: str = "",
                   object_id: str = "", offset: int = 0):
        user = request.state.user
        with store() as st:
            if not user.perm("audit"):
                return denied(request, st, user, "audit", lang)
            rows = audit.query(st.conn, actor=actor or None, action=action or None, object_type=object_type or None,
                               object_id=object_id or None, limit=200, offset=max(0, offset))
            ok, chain = audit.verify(st.conn)
            audit.record(st, actor=user.username, role=user.role, action="audit_view", object_type="audit_log")
        return render("audit.html", lang, request, rows=rows, chain_ok=ok, chain=chain,
                      f=dict(actor=actor, action=action, object_type=object_type, object_id=object_id))

    @router.get("/audit/export")
    def audit_export(request: Request, format: str = "csv"):
        user = request.state.user
        with store() as st:
            if not user.perm("audit"):
                return denied(request, st, user, "audit_export", "vi")
            rows = audit.query(st.conn, limit=10_000_000)
            audit.record(st, actor=user.username, role=user.role, action="audit_export", object_type="audit_log",
                         note=format)
        if format == "jsonl":
            return Response(audit.to_jsonl(rows), media_type="application/x-ndjson",
                            headers={"Content-Disposition": 'attachment; filename="presswatch-audit.jsonl"'})
        return Response(audit.to_csv(rows), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="presswatch-audit.csv"'})

    return router
