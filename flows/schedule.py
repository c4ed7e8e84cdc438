"""Schedules: the flows served as Prefect deployments on the plans' cadences (plans-digest §1.5-1.6).

Reports (Asia/Ho_Chi_Minh): the daily press summary at 06:00 for the previous day (A1-A2: "kịp thời" to the
Chủ tịch UBND); a weekly one on Monday 06:30; quarterly on the 1st of Jan/Apr/Jul/Oct (HY quarterly press
briefing, BG25 quarterly e-bulletin); 6-monthly on 1 Jan and 1 Jul (BT press conference, HY Party-line
reports); a yearly draft on 1 November covering 1/1-31/10, two weeks before the 15/11 deadline (BG, TQ;
BT's 30/11), and the full year on 1 January. Template (state | party), language and an e-mail role are
deployment parameters an office changes in Prefect."""
from __future__ import annotations

from prefect import serve
from prefect.schedules import Cron, Interval

from .reports import report_flow
from .tasks import daily_report_flow, ingest_flow, process_flow

TZ = "Asia/Ho_Chi_Minh"

REPORT_CADENCES = [
    # (deployment name, report kind, cron)
    ("weekly-report-mon-0630", "weekly", "30 6 * * 1"),
    ("quarterly-report", "quarterly", "0 7 1 1,4,7,10 *"),
    ("half-year-report", "half_year", "15 7 1 1,7 *"),
    ("yearly-report-draft-0111", "yearly", "30 7 1 11 *"),
    ("yearly-report-0101", "yearly", "45 7 1 1 *"),
]


def build_deployments(data_dir: str) -> list:
    deps = [
        # polls only sources whose own interval has come due; runs often so short intervals are honoured
        ingest_flow.to_deployment(name="ingest-every-5-min", parameters={"data_dir": data_dir},
                                  schedule=Interval(300, timezone=TZ)),
        process_flow.to_deployment(name="process-every-5-min", parameters={"data_dir": data_dir},
                                   schedule=Interval(300, timezone=TZ)),
        daily_report_flow.to_deployment(name="daily-report-0600", parameters={"data_dir": data_dir},
                                        schedule=Cron("0 6 * * *", timezone=TZ)),
    ]
    for name, kind, cron in REPORT_CADENCES:
        deps.append(report_flow.to_deployment(
            name=name, parameters={"data_dir": data_dir, "kind": kind, "template": "state", "lang": "vi"},
            schedule=Cron(cron, timezone=TZ)))
    return deps


def serve_all(data_dir: str) -> None:
    serve(*build_deployments(data_dir))
