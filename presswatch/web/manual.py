"""Hand entry from the web: a collaborator's link or pasted text, entered by an officer who does monitoring
work, goes through every stage at once (``presswatch.service.add_item``, the same code as
``presswatch add``) and the page shows the stored document with its classification. The form posts back
without JavaScript; the CSRF token and the Origin check are the app middleware's; a refused input
re-shows the form with what was typed and a message saying what to fix."""
from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from .. import audit
from ..auth import can_view
from ..record import SOURCE_TYPES
from ..service import ItemError, add_item
from .review import _f, _lang

# roles whose work is monitoring and bringing material in (plans-digest §5.2): the monitoring office, its
# administrator, the propaganda board, the provincial paper / broadcaster, the police liaison and foreign
# affairs (foreign press); leaders, sector officers and auditors only read and decide
SUBMIT_ROLES = ("admin", "monitor", "propaganda_lead", "media_editor", "security_liaison", "foreign_affairs")
FIELDS = ("url", "title", "text", "outlet", "source_type", "lang", "published", "note")
MAX_TEXT = 20_000  # characters; keeps the form under the app's 256 KiB body limit even fully %-encoded
LANGS = ("vi", "en", "zh", "km", "lo", "th", "ko", "ja", "fr", "ru")

MT = {
    "vi": {"heading": "Nhập tin thủ công", "intro": "Dán đường dẫn do cộng tác viên gửi, hoặc dán nội dung bài "
           "(tiêu đề và nội dung). Tin được xử lý ngay như tin thu thập tự động: trích xuất, phân loại, đánh giá "
           "rủi ro, cảnh báo.", "url": "Đường dẫn (URL)", "url_hint": "Chỉ có đường dẫn: hệ thống tải trang và "
           "trích xuất nội dung. Có cả nội dung: đường dẫn là địa chỉ gốc của bài.", "title": "Tiêu đề",
           "text": "Nội dung", "text_hint": f"Tối đa {MAX_TEXT:,} ký tự".replace(",", "."),
           "outlet": "Nơi đăng (trang, nhóm, cơ quan báo chí)", "source_type": "Loại nguồn", "lang": "Ngôn ngữ",
           "auto": "tự nhận biết", "published": "Ngày đăng", "note": "Ghi chú (ai gửi, từ đâu) — ghi vào nhật ký",
           "submit": "Nhập và xử lý", "new": "Đã lưu và xử lý tin mới.",
           "existing": "Tin này đã có trong hệ thống; không có gì thay đổi.", "status": "Trạng thái xử lý",
           "open": "Xem toàn bộ tin", "alert": "Cảnh báo", "again": "Nhập tin khác", "warnings": "Lưu ý",
           "denied": "Vai trò của bạn không được nhập tin thủ công.", "duplicate_of": "Bản sao của tin",
           "need": "Nhập đường dẫn, hoặc tiêu đề và nội dung.",
           "too_long": "Nội dung dài {n} ký tự, quá giới hạn " + f"{MAX_TEXT}" + "; hãy rút gọn (giữ phần chính)."},
    "en": {"heading": "Enter an item by hand", "intro": "Paste a link a collaborator sent, or paste the text "
           "(title and text). It is processed at once like crawled items: extraction, classification, risk, "
           "alerts.", "url": "Link (URL)", "url_hint": "A link alone is fetched and extracted. With text, the "
           "link is the item's original address.", "title": "Title", "text": "Text",
           "text_hint": f"At most {MAX_TEXT:,} characters", "outlet": "Where it appeared (page, group, outlet)",
           "source_type": "Source type", "lang": "Language", "auto": "detect", "published": "Published",
           "note": "Note (who sent it, from where) — kept in the audit log", "submit": "Enter and process",
           "new": "Stored and processed.", "existing": "This item is already stored; nothing changed.",
           "status": "Processing status", "open": "Open the whole item", "alert": "Alert", "again": "Enter another",
           "warnings": "Notes", "denied": "Your role cannot enter items.", "duplicate_of": "Copy of item",
           "need": "Give a link, or a title and the text.",
           "too_long": "The text is {n} characters, over the limit of " + f"{MAX_TEXT}" + "; shorten it."},
}
DOC_STATUS = {"processed": ("đã xử lý", "processed"), "dropped": ("bị loại", "dropped"),
              "failed": ("lỗi khi xử lý", "failed"), "fetched": ("đang chờ xử lý", "waiting")}
SOURCE_TYPE_LABELS = {
    "provincial_press": ("Báo chí địa phương", "Provincial press"), "national_press": ("Báo chí trung ương",
                                                                                       "National press"),
    "foreign_press": ("Báo chí nước ngoài", "Foreign press"), "government_portal": ("Cổng thông tin chính quyền",
                                                                                    "Government portal"),
    "social": ("Mạng xã hội", "Social media"), "blog_forum": ("Blog, diễn đàn", "Blog, forum"),
    "other": ("Khác", "Other"),
}


def may_submit(user) -> bool:
    return user is not None and user.role in SUBMIT_ROLES


def make_manual_router(settings, store, render, hidden_stories) -> APIRouter:
    router = APIRouter()

    def form_page(request: Request, lang: str, values: dict, error: str = "", status_code: int = 200):
        return render("submit.html", lang, request, status_code=status_code, m=MT[lang], v=values, error=error,
                      source_types=SOURCE_TYPES, source_type_labels=SOURCE_TYPE_LABELS, langs=LANGS,
                      li=0 if lang == "vi" else 1, max_text=MAX_TEXT)

    def refuse(request: Request, lang: str) -> HTMLResponse:
        user = request.state.user
        with store() as st:
            audit.record(st, actor=user.username, role=user.role, action="access_denied", object_type="manual_entry",
                         note=f"{request.method} {request.url.path}")
        return render("forbidden.html", lang, request, status_code=403)

    @router.get("/submit", response_class=HTMLResponse)
    def submit_form(request: Request, lang: str = "vi"):
        lang = lang if lang in MT else "vi"
        if not may_submit(request.state.user):
            return refuse(request, lang)
        return form_page(request, lang, {"source_type": "other"})

    @router.post("/submit")
    def submit(request: Request):
        lang = _lang(request)
        user = request.state.user
        if not may_submit(user):
            return refuse(request, lang)
        values = {k: _f(request, k) for k in FIELDS}
        if not values["url"].strip() and not (values["title"].strip() or values["text"].strip()):
            return form_page(request, lang, values, MT[lang]["need"], 400)
        if len(values["text"]) > MAX_TEXT:
            return form_page(request, lang, values, MT[lang]["too_long"].format(n=len(values["text"])), 400)
        with store() as st:
            try:
                res = add_item(st, settings, values, actor=user.username, role=user.role, channel="web")
            except ItemError as exc:
                return form_page(request, lang, values, exc.vi if lang == "vi" else str(exc), 400)
        q = {"lang": lang, "state": "new" if res["new"] else "existing"}
        if res["warnings"]:
            q["msg"] = "; ".join(res["warnings"])[:500]
        return RedirectResponse(f"/submit/{res['id']}?" + urlencode(q), status_code=303)

    @router.get("/submit/{doc_id}", response_class=HTMLResponse)
    def submitted(request: Request, doc_id: int, lang: str = "vi", state: str = "new", msg: str = ""):
        lang = lang if lang in MT else "vi"
        user = request.state.user
        if not may_submit(user):
            return refuse(request, lang)
        with store() as st:
            try:
                doc = st.load(doc_id, with_raw=False)
            except KeyError:
                return render("forbidden.html", lang, request, status_code=404, not_found=True)
            story = doc.enrichment.story_id
            if story and story in hidden_stories(st, user):
                audit.record(st, actor=user.username, role=user.role, action="access_denied", object_type="document",
                             object_id=doc_id, note="hand-entry result of a security-tagged story")
                return render("forbidden.html", lang, request, status_code=403)
            alert = st.conn.execute("SELECT * FROM alerts WHERE story_id=?", (story,)).fetchone() if story else None
            if alert is not None and not can_view(user, {**dict(alert), **_doc_fields(st, alert["doc_id"])}):
                alert = None
        return render("submit_result.html", lang, request, m=MT[lang], doc=doc, alert=alert, doc_status=DOC_STATUS,
                      li=0 if lang == "vi" else 1,
                      state="existing" if state == "existing" else "new", msg=msg[:500])

    return router


def _doc_fields(st, doc_id: int) -> dict:
    row = st.conn.execute("SELECT topics, provinces, source_type FROM documents WHERE id=?", (doc_id,)).fetchone()
    return dict(row) if row else {}
