"""The status page: what ``presswatch status`` prints, in the web app (``/status``) and as JSON
(``/status.json``): queue depth, index lag, disk, per-source health, recent fetch failures, failed documents,
the notifications outbox, the last run of each stage, and the Prefect flow runs where a server is named.

Decisions:
- Administrators only (``users`` permission, which only ``admin`` holds). The page shows webhook URLs and
  e-mail targets of the outbox (a webhook URL often carries its secret token) and the store's location;
  auditors (``audit``) inspect the decision trail, not the machinery, so they get the forbidden page too.
  Every refusal is an ``access_denied`` entry in the audit log and every view a ``status_view`` entry, as
  on the audit page.
- Flow runs are asked of Prefect only when ``PREFECT_API_URL`` names a server, and then of exactly that
  server: a web request never starts Prefect's temporary server.
- Everything shown is escaped by Jinja's autoescape (source errors are text from hostile servers); the page
  has no JavaScript (the CSP forbids it)."""
from __future__ import annotations

import os

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse

from .. import audit
from ..health import status as health_status

PERMISSION = "users"  # system administration: only the admin role (presswatch.auth.ROLES)

LABELS = {
    "vi": {"title": "Tình trạng hệ thống", "queue": "Hàng đợi xử lý", "pending": "chờ xử lý",
           "failed": "xử lý lỗi", "index_lag": "Độ trễ chỉ mục", "unindexed": "tin chưa vào chỉ mục",
           "oldest": "tin chờ lâu nhất", "seconds": "giây", "minutes": "phút", "disk": "Dung lượng lưu trữ",
           "store": "Cơ sở dữ liệu", "index": "Chỉ mục tìm kiếm", "reports": "Báo cáo", "free": "Còn trống",
           "of": "trên tổng", "low_disk": "ÍT DUNG LƯỢNG TRỐNG: hãy giải phóng bớt trước khi cơ sở dữ liệu đầy "
                                         "(xóa bản sao lưu cũ, báo cáo cũ, hoặc mở rộng ổ đĩa).",
           "sources": "Tình trạng từng nguồn", "source": "Nguồn", "state": "Trạng thái",
           "last_success": "Thu thập được lần cuối", "failures": "Lỗi liên tiếp", "last_error": "Lỗi gần nhất",
           "per_day": "Tin/ngày", "quiet": "Ngừng đăng tin?", "next_poll": "Lần thu thập tới",
           "fetch_failures": "Lỗi thu thập gần đây", "when": "Thời gian", "url": "Địa chỉ", "error": "Lỗi",
           "failed_docs": "Tin xử lý lỗi (chạy lại bằng lệnh: presswatch run)", "note": "Lý do",
           "updated": "Cập nhật", "notifications": "Hộp thư thông báo đi", "sent": "đã gửi",
           "notif_failed": "gửi lỗi", "gave_up": "bỏ cuộc sau 5 lần thử", "alert": "Cảnh báo",
           "channel": "Kênh", "target": "Nơi nhận", "attempts": "Số lần thử", "last_runs": "Lần chạy gần nhất",
           "stage": "Công đoạn", "poll": "Thu thập", "processed": "Phân tích", "indexed": "Lập chỉ mục",
           "report": "Báo cáo", "notification": "Gửi thông báo", "never": "chưa bao giờ",
           "flow_runs": "Các lượt chạy Prefect", "flow": "Luồng", "start": "Bắt đầu", "end": "Kết thúc",
           "message": "Thông báo", "no_flows": "Chưa có lượt chạy nào.",
           "flows_off": "Không hỏi Prefect: chưa đặt biến môi trường PREFECT_API_URL (địa chỉ máy chủ Prefect).",
           "none": "Không có.", "counts": "Tổng quan", "documents": "tin, bài", "alerts": "cảnh báo",
           "stories": "câu chuyện", "duplicates": "bản trùng", "json": "Dữ liệu dạng JSON",
           "enabled": "nguồn đang bật",
           "states": {"ok": "bình thường", "failing": "đang lỗi", "silent": "im lặng (lâu không có tin)",
                      "never polled": "chưa thu thập lần nào", "no_items": "chưa từng có tin"}},
    "en": {"title": "System status", "queue": "Processing queue", "pending": "pending", "failed": "failed",
           "index_lag": "Index lag", "unindexed": "documents not yet indexed", "oldest": "oldest waiting",
           "seconds": "s", "minutes": "min", "disk": "Disk use", "store": "Store", "index": "Search index",
           "reports": "Reports", "free": "Free", "of": "of",
           "low_disk": "LOW DISK SPACE: free some space before the store fills up (old backups, old reports) "
                       "or grow the disk.",
           "sources": "Per-source health", "source": "Source", "state": "State", "last_success": "Last success",
           "failures": "Consecutive failures", "last_error": "Last error", "per_day": "Items/day",
           "quiet": "Gone quiet?", "next_poll": "Next poll", "fetch_failures": "Recent fetch failures",
           "when": "When", "url": "URL", "error": "Error",
           "failed_docs": "Failed documents (retry with: presswatch run)", "note": "Reason", "updated": "Updated",
           "notifications": "Notifications outbox", "sent": "sent", "notif_failed": "failed",
           "gave_up": "gave up after 5 attempts", "alert": "Alert", "channel": "Channel", "target": "Target",
           "attempts": "Attempts", "last_runs": "Last runs", "stage": "Stage", "poll": "Poll",
           "processed": "Processing", "indexed": "Indexing", "report": "Report", "notification": "Notification",
           "never": "never", "flow_runs": "Prefect flow runs", "flow": "Flow", "start": "Start", "end": "End",
           "message": "Message", "no_flows": "No flow runs yet.",
           "flows_off": "Prefect not asked: PREFECT_API_URL (the Prefect server's address) is not set.",
           "none": "None.", "counts": "Overview", "documents": "documents", "alerts": "alerts",
           "stories": "stories", "duplicates": "duplicates", "json": "As JSON", "enabled": "sources enabled",
           "states": {"ok": "ok", "failing": "failing", "silent": "silent", "never polled": "never polled",
                      "no_items": "never an item"}},
}


def collect(store, settings) -> dict:
    """``presswatch.health.status``, with the flow runs when ``PREFECT_API_URL`` names a server. The URL is
    pinned for the call, so Prefect cannot fall back to starting a temporary server of its own."""
    url = os.environ.get("PREFECT_API_URL", "").strip()
    if not url:
        return health_status(store, settings, flows=False)
    from ..config import configure_prefect

    configure_prefect(settings)
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: url}):
        return health_status(store, settings, flows=True)


def make_status_router(settings, store, render) -> APIRouter:
    router = APIRouter()

    def allowed(st, request: Request) -> bool:
        user = request.state.user
        ok = user.perm(PERMISSION)
        audit.record(st, actor=user.username, role=user.role, channel="web",
                     action="status_view" if ok else "access_denied", object_type="status",
                     note=f"{request.method} {request.url.path}")
        return ok

    @router.get("/status", response_class=HTMLResponse)
    def status_page(request: Request, lang: str = "vi"):
        lang = lang if lang in LABELS else "vi"
        with store() as st:
            if not allowed(st, request):
                return render("forbidden.html", lang, request, status_code=403)
            h = collect(st, settings)
        return render("status.html", lang, request, h=h, L=LABELS[lang],
                      flows_asked=bool(os.environ.get("PREFECT_API_URL", "").strip()))

    @router.get("/status.json")
    def status_json(request: Request):
        with store() as st:
            if not allowed(st, request):
                return JSONResponse({"detail": "không có quyền xem tình trạng hệ thống; cần vai trò quản trị "
                                               "(status is for administrators only)"}, status_code=403)
            h = collect(st, settings)
        return JSONResponse(h)

    return router
