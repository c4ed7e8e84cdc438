"""Lenient ISO-8601 parsing for dates that come from outside (feeds, sitemaps, pages, imports)."""
from __future__ import annotations

from datetime import datetime, timezone


def parse_datetime(value: str | None) -> datetime | None:
    """An aware datetime from an ISO-8601 string ("Z" accepted; a time without zone is taken as UTC), or
    None when the value is empty or not ISO-8601 (the caller decides whether to say so)."""
    if not value:
        return None
    try:
        dt = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)
