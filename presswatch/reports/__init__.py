"""Reports the offices file (issue 7): the daily press-coverage report ("Báo cáo tổng hợp dư luận báo chí
ngày dd/mm/yyyy") and the weekly, quarterly, 6-monthly and yearly reports, on the state line (UBND → Sở) or
the Party line (Ban Chỉ đạo TTĐN), in DOCX, PDF and HTML, Vietnamese first with an English version.

    data.py       the figures, from the store (period by publication time, else stored time)
    build.py      figures + template -> a format-neutral report (model.py)
    render_*.py   the writers: DOCX (python-docx), HTML and PDF (WeasyPrint)
    templates.py  texts and layout are data: presswatch/data/report_templates/, overridable per data dir
    generate.py   write the files, record them in the ``reports`` table, regenerate, e-mail
    periods.py    days, weeks, quarters, half years, years and the plans' cadences
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

from .generate import FORMATS, Generated, email_report, generate, regenerate
from .periods import VN_TZ, Period, day, last_complete, period_from_range, vn_today

__all__ = ["FORMATS", "Generated", "Period", "VN_TZ", "day", "email_report", "generate", "last_complete",
           "period_from_range", "regenerate", "vn_today", "write_daily_report"]


def write_daily_report(store, settings, day_: date, formats=FORMATS, **kw) -> Path:
    """The daily report for ``day_`` in every format; returns the HTML file's path (the others lie beside it)."""
    gen = generate(store, settings, day(day_), formats=formats, **kw)
    return gen.files.get("html") or next(iter(gen.files.values()))
