"""Feed polling policy: adaptive interval, Retry-After, source health.

**Adaptive interval** (Media Cloud rss-fetcher's method, ``fetcher/tasks.py`` + ``fetcher/config.py``):
after each successful poll, look at the share of the feed's items that were already seen.

- fewer than ``MIN_SEEN_SHARE`` (33 %) seen: the feed turns over faster than we read it and items may be
  slipping off its end — poll more often (interval minus a step, not below ``MIN_MINUTES`` nor a third of
  the configured interval);
- at least ``MAX_SEEN_SHARE`` (67 %) seen, an empty feed, or a 304: we poll more often than it changes —
  poll less often (interval plus a step, up to ``MAX_FACTOR`` × the configured interval, at most a day);
- in between: keep the interval.

Steps are linear (Media Cloud: exponential adjustment "is extreme"), half the configured interval.
Errors back off exponentially in the store (``Store.record_poll``); a server's ``Retry-After`` (429, 503)
is a floor on the next delay.

**Health**: items per day over the last weeks, last new item, consecutive failures, and *silent* —
a source that used to publish and has found nothing new for much longer than its usual gap."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

MIN_SEEN_SHARE = 0.33
MAX_SEEN_SHARE = 0.67
MIN_MINUTES = 5
MAX_FACTOR = 16
MAX_MINUTES = 24 * 60
FAILING_AFTER = 3  # consecutive failures
SILENT_MIN_HOURS = 24.0
SILENT_GAP_FACTOR = 3.0


def next_interval(current: int, base: int, outcome: str, *, items: int, seen: int) -> int:
    """Next poll interval in minutes after a successful (``ok``) or ``not_modified`` poll."""
    base = max(1, int(base))
    current = max(1, int(current or base))
    step = max(1, base // 2)
    low = max(MIN_MINUTES, base // 3) if base >= MIN_MINUTES else base
    high = max(base, min(MAX_MINUTES, base * MAX_FACTOR))
    share = 1.0 if outcome == "not_modified" or items <= 0 else seen / items
    if share < MIN_SEEN_SHARE:
        current -= step
    elif share >= MAX_SEEN_SHARE:
        current += step
    return int(min(high, max(low, current)))


def parse_retry_after(value: str | None, now: datetime | None = None) -> int | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date); None if absent/invalid."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return int(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    now = now or datetime.now(timezone.utc)
    return max(0, int((when - now).total_seconds()))


def _dt(s: str | None) -> datetime | None:
    return datetime.fromisoformat(s) if s else None


def assess_health(source: dict, stats: dict | None, now: datetime, days: int) -> dict:
    """Health of one source from its ``sources`` row and its fetch-log statistics over ``days`` days."""
    first = _dt(stats["first_at"]) if stats else None
    span_days = max(1.0, (now - first).total_seconds() / 86400) if first else float(days)
    new_items = int(stats["new_items"] or 0) if stats else 0
    per_day = new_items / span_days if stats else 0.0
    last_new = _dt(source.get("last_new_at"))
    failures = int(source.get("consecutive_failures") or 0)
    state, why = "ok", None
    silent_after_h = None
    if per_day > 0:
        silent_after_h = max(SILENT_MIN_HOURS, SILENT_GAP_FACTOR * 24.0 / per_day)
    elif last_new is not None:
        silent_after_h = days * 24.0  # published once, nothing new in the whole window
    if failures >= FAILING_AFTER:
        state, why = "failing", f"{failures} failed polls in a row: {source.get('last_error')}"
    elif last_new is not None and silent_after_h is not None and now - last_new > timedelta(hours=silent_after_h):
        hours = (now - last_new).total_seconds() / 3600
        state = "silent"
        why = (f"no new items for {hours:.0f} h (usually {per_day:.1f} a day; silent after {silent_after_h:.0f} h)")
    elif last_new is None and stats and int(stats["polls"] or 0) >= 3 and new_items == 0 \
            and int(source.get("items_total") or 0) == 0:
        state, why = "no_items", f"{stats['polls']} polls, never a new item"
    return {
        "id": source["id"], "url": source.get("url"), "state": state, "reason": why,
        "items_per_day": round(per_day, 2), "last_success_at": source.get("last_success_at"),
        "last_new_at": source.get("last_new_at"), "consecutive_failures": failures,
        "interval_minutes": source.get("adaptive_minutes") or source.get("poll_minutes"),
        "next_poll_at": source.get("next_poll_at"),
    }
