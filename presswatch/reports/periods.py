"""Report periods on the plans' cadences (plans-digest §1.5-1.6): a day, a week (Monday-Sunday), a quarter,
a half year, a year, or any range of days. Days are Vietnam days (UTC+7); a period is [start, end] inclusive."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

VN_TZ = timezone(timedelta(hours=7))
KINDS = ("daily", "weekly", "quarterly", "half_year", "yearly", "custom")
ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


def vn_today() -> date:
    return datetime.now(VN_TZ).date()


@dataclass(frozen=True)
class Period:
    kind: str
    start: date
    end: date  # inclusive

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown period kind {self.kind!r}; use one of {', '.join(KINDS)}")
        if self.end < self.start:
            raise ValueError(f"period ends ({self.end}) before it starts ({self.start})")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def start_dt(self) -> datetime:
        return datetime.combine(self.start, time(0), VN_TZ)

    @property
    def end_dt(self) -> datetime:
        """Exclusive end: midnight (Vietnam time) after the last day."""
        return datetime.combine(self.end + timedelta(days=1), time(0), VN_TZ)

    def previous(self) -> "Period":
        """The period just before, of the same kind (same length for days, weeks and custom ranges)."""
        if self.kind == "quarterly":
            return quarter_of(self.start - timedelta(days=1))
        if self.kind == "half_year":
            return half_year_of(self.start - timedelta(days=1))
        if self.kind == "yearly":
            if self.is_partial_year:  # the same span one year earlier, so the comparison is like for like
                end = self.end.replace(year=self.end.year - 1, day=min(self.end.day, 28 if self.end.month == 2 else 31))
                return Period("yearly", self.start.replace(year=self.start.year - 1), end)
            return year_of(self.start - timedelta(days=1))
        return Period(self.kind, self.start - timedelta(days=self.days), self.start - timedelta(days=1))

    @property
    def is_partial_year(self) -> bool:
        return self.kind == "yearly" and (self.start.month, self.start.day, self.end.month, self.end.day) != (1, 1, 12, 31)

    def label(self, lang: str = "vi") -> str:
        d = lambda x: x.strftime("%d/%m/%Y")  # noqa: E731
        if lang == "vi":
            if self.kind == "daily" or self.days == 1:
                return f"ngày {d(self.start)}"
            if self.kind == "quarterly":
                return f"quý {ROMAN[(self.start.month - 1) // 3 + 1]} năm {self.start.year}"
            if self.kind == "half_year":
                return f"6 tháng {'đầu' if self.start.month == 1 else 'cuối'} năm {self.start.year}"
            if self.kind == "yearly":
                return f"năm {self.start.year}" + (f" (tính đến ngày {d(self.end)})" if self.is_partial_year else "")
            if self.kind == "weekly":
                return f"tuần từ ngày {d(self.start)} đến ngày {d(self.end)}"
            return f"từ ngày {d(self.start)} đến ngày {d(self.end)}"
        if self.kind == "daily" or self.days == 1:
            return f"{self.start.strftime('%d %B %Y')}"
        if self.kind == "quarterly":
            return f"Q{(self.start.month - 1) // 3 + 1} {self.start.year}"
        if self.kind == "half_year":
            return f"{'first' if self.start.month == 1 else 'second'} half of {self.start.year}"
        if self.kind == "yearly":
            return f"the year {self.start.year}" + (f" (up to {d(self.end)})" if self.is_partial_year else "")
        if self.kind == "weekly":
            return f"the week {d(self.start)} – {d(self.end)}"
        return f"{d(self.start)} – {d(self.end)}"

    def bucket(self) -> str:
        """The time step of the volume chart: hours in a day, days up to two months, weeks up to a
        half year, months beyond."""
        if self.days == 1:
            return "hour"
        if self.days <= 62:
            return "day"
        if self.days <= 186:
            return "week"
        return "month"

    def as_params(self) -> dict:
        return {"period": self.kind, "start": self.start.isoformat(), "end": self.end.isoformat()}


def day(d: date) -> Period:
    return Period("daily", d, d)


def week_of(d: date) -> Period:
    monday = d - timedelta(days=d.weekday())
    return Period("weekly", monday, monday + timedelta(days=6))


def quarter_of(d: date) -> Period:
    q0 = (d.month - 1) // 3 * 3 + 1
    start = date(d.year, q0, 1)
    nxt = date(d.year + (q0 == 10), 1 if q0 == 10 else q0 + 3, 1)
    return Period("quarterly", start, nxt - timedelta(days=1))


def half_year_of(d: date) -> Period:
    if d.month <= 6:
        return Period("half_year", date(d.year, 1, 1), date(d.year, 6, 30))
    return Period("half_year", date(d.year, 7, 1), date(d.year, 12, 31))


def year_of(d: date) -> Period:
    return Period("yearly", date(d.year, 1, 1), date(d.year, 12, 31))


def last_complete(kind: str, today: date | None = None) -> Period:
    """The most recent period of ``kind`` that has ended before ``today`` (Vietnam time): what a scheduled
    run on ``today`` reports on. Yearly is the exception: the plans want the year's report by 15/11 (BG, TQ)
    or 30/11 (BT), before the year ends, so it covers 1 January up to the day before the run."""
    today = today or vn_today()
    y = today - timedelta(days=1)
    if kind == "daily":
        return day(y)
    if kind == "weekly":
        return week_of(today - timedelta(days=today.weekday() + 1))
    if kind == "quarterly":
        return quarter_of(quarter_of(today).start - timedelta(days=1))
    if kind == "half_year":
        return half_year_of(half_year_of(today).start - timedelta(days=1))
    if kind == "yearly":
        if today.month == 1 and today.day == 1:
            return year_of(y)
        return Period("yearly", date(today.year, 1, 1), y)
    raise ValueError(f"no cadence for {kind!r}")


def period_from_range(start: date, end: date) -> Period:
    """A range given on the command line, named after the calendar period it matches exactly, if any."""
    for make in (day, week_of, quarter_of, half_year_of, year_of):
        p = make(start)
        if p.start == start and p.end == end:
            return p
    return Period("custom", start, end)
