"""Canonical URLs: the key that makes re-ingesting the same item a no-op."""
from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

_TRACKING = ("utm_", "fbclid", "gclid", "mc_cid", "mc_eid", "zarsrc", "ref", "cmpid")


def canonical_url(url: str) -> str:
    p = urlsplit(url.strip())
    if p.scheme not in ("http", "https"):
        return url.strip()
    host = (p.hostname or "").lower()
    port = p.port
    if port and not ((p.scheme == "http" and port == 80) or (p.scheme == "https" and port == 443)):
        host = f"{host}:{port}"
    query = [(k, v) for k, v in parse_qsl(p.query, keep_blank_values=True)
             if not any(k.lower().startswith(t) for t in _TRACKING)]
    path = p.path or "/"
    return urlunsplit((p.scheme.lower(), host, path, urlencode(sorted(query)), ""))


def safe_href(url: str | None) -> str:
    """A link target safe to put in a page: http(s) only (no javascript:, data:, ...)."""
    u = (url or "").strip()
    return u if u.lower().startswith(("http://", "https://")) else "#"
