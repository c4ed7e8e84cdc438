"""Report flows: any report on demand, and the periodic reports the schedules run (flows/schedule.py).

Each run writes DOCX, PDF, HTML and the CSV of items, records them in the ``reports`` table with their
parameters (period, template, language, cut-off time), and returns those parameters."""
from __future__ import annotations

from datetime import date

from prefect import flow, get_run_logger

from presswatch.config import load_settings
from presswatch.storage import open_store


@flow(name="report", log_prints=False)
def report_flow(data_dir: str, kind: str = "daily", start: str | None = None, end: str | None = None,
                template: str = "state", lang: str = "vi", formats: list[str] | None = None,
                email_role: str | None = None, overrides: dict | None = None) -> dict:
    """Write one report. Without ``start``/``end``: the last complete period of ``kind`` (daily, weekly,
    quarterly, half_year; yearly = 1 January to yesterday). With them: that range (``kind`` is then taken
    from the range: a calendar week, quarter, half year or year is named as such)."""
    from presswatch.reports import FORMATS, email_report, generate, last_complete, period_from_range

    logger = get_run_logger()
    settings = load_settings(data_dir, **(overrides or {}))
    settings.ensure_dirs()
    if start or end:
        period = period_from_range(date.fromisoformat(start or end), date.fromisoformat(end or start))
    else:
        period = last_complete(kind)
    with open_store(settings) as store:
        gen = generate(store, settings, period, template=template, lang=lang, formats=tuple(formats or FORMATS))
        out = {"id": gen.id, **gen.params}
        if email_role:
            try:
                out["emailed"] = email_report(store, settings, gen, email_role)
            except (RuntimeError, OSError) as exc:  # the report stays written; the mail is reported
                logger.error("report #%s written but not e-mailed to %s: %s", gen.id, email_role, exc)
                out["emailed"] = []
                out["email_error"] = str(exc)
    logger.info("report #%s (%s %s..%s): %s items, files %s", gen.id, period.kind, period.start, period.end,
                gen.total, ", ".join(gen.files))
    return out
