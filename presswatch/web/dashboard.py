"""The dashboard: volume over time by topic, sentiment, source type and province; share of voice by
outlet; top stories; spikes against each series' own baseline. Every chart links to its search."""
from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from .. import stats
from ..gazetteer import load_gazetteer
from . import charts

TOPIC_LABELS = {
    "vi": {"sovereignty": "Chủ quyền, biên giới", "foreign_relations": "Đối ngoại", "human_rights": "Nhân quyền, dân chủ",
           "religion_ethnicity": "Tôn giáo, dân tộc", "investment_economy": "Đầu tư, kinh tế",
           "labour": "Lao động, KCN", "tourism_culture": "Du lịch, văn hóa", "local_issues": "Vấn đề địa phương",
           "politics_governance": "Chính trị, chính quyền", "social_welfare": "An sinh xã hội", "(none)": "(chưa gán)",
           "negative": "tiêu cực", "neutral": "trung tính", "positive": "tích cực"},
    "en": {"(none)": "(none)"},
}
CHART_TITLES = {
    "vi": {"topics": "Số tin theo chủ đề", "sentiment": "Số tin theo sắc thái", "source_type": "Số tin theo loại nguồn",
           "provinces": "Số tin theo tỉnh", "sov": "Tỷ lệ theo cơ quan báo chí / nguồn", "top": "Câu chuyện nổi bật",
           "spikes": "Tăng đột biến so với mức nền (14 ngày)", "dashboard": "Bảng điều khiển", "days": "ngày",
           "copies": "bản", "outlets": "nguồn", "none": "Không có."},
    "en": {"topics": "Items by topic", "sentiment": "Items by sentiment", "source_type": "Items by source type",
           "provinces": "Items by province", "sov": "Share of voice by outlet", "top": "Top stories",
           "spikes": "Spikes against the 14-day baseline", "dashboard": "Dashboard", "days": "days",
           "copies": "copies", "outlets": "outlets", "none": "None."},
}


def make_dashboard_router(settings, store, render, hidden_stories=None) -> APIRouter:
    router = APIRouter()

    @router.get("/dashboard", response_class=HTMLResponse)
    def dashboard(request: Request, lang: str = "vi", days: int = Query(30, ge=1, le=366),
                  until: date | None = Query(None, description="last day shown (default: today, Vietnam time)")):
        lang = lang if lang in CHART_TITLES else "vi"
        labels = dict(TOPIC_LABELS[lang])
        for pid, p in load_gazetteer().provinces.items():
            labels[pid] = p.name
        with store() as st:
            hidden = hidden_stories(st, request.state.user) if hidden_stories else set()
            volumes = {dim: stats.volume(st, dim, days=days, today=until, hidden=hidden)
                       for dim in ("topics", "sentiment", "source_type", "provinces")}
            sov = stats.share_of_voice(st, days=days, today=until, hidden=hidden)
            top = stats.top_stories(st, days=min(days, 7), today=until, hidden=hidden)
            # spikes out of the charts' own series when they cover the 14-day baseline (no second query)
            spikes = [s for dim in ("topics", "provinces")
                      for s in (stats.spikes_from_volume(volumes[dim]) if days >= 15
                                else stats.spikes(st, dim, today=until, hidden=hidden))]
        svgs = {dim: charts.stacked_bars(v, labels, lang) for dim, v in volumes.items()}
        return render("dashboard.html", lang, request, c=CHART_TITLES[lang], svgs=svgs, days=days,
                      sov=charts.horizontal_bars(sov, "source_id", labels, lang), top=top, spikes=spikes,
                      labels=labels, search_href=charts.search_href)

    return router
