"""Schedules: the flows served as Prefect deployments on the plans' cadences."""
from __future__ import annotations

from prefect import serve
from prefect.schedules import Cron, Interval

from .tasks import daily_report_flow, ingest_flow, process_flow

TZ = "Asia/Ho_Chi_Minh"


def build_deployments(data_dir: str) -> list:
    return [
        # polls only sources whose own interval has come due; runs often so short intervals are honoured
        ingest_flow.to_deployment(name="ingest-every-5-min", parameters={"data_dir": data_dir},
                                  schedule=Interval(300, timezone=TZ)),
        process_flow.to_deployment(name="process-every-5-min", parameters={"data_dir": data_dir},
                                   schedule=Interval(300, timezone=TZ)),
        daily_report_flow.to_deployment(name="daily-report-0600", parameters={"data_dir": data_dir},
                                        schedule=Cron("0 6 * * *", timezone=TZ)),
    ]


def serve_all(data_dir: str) -> None:
    serve(*build_deployments(data_dir))
