"""The search index: derived from the store, rebuildable, behind one small interface.

``SearchIndex`` is what the rest of the product uses; the embedded default is tantivy (folds đ, fast),
and the Elasticsearch backend implements the same interface when one machine is not enough. The query
language is parsed once (``query.parse``) and compiled by each backend."""
from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from typing import Protocol
from urllib.parse import urlsplit

from presswatch.record import Document
from presswatch.text import fold

from .query import QuerySyntaxError, parse  # noqa: F401  (re-exported)

FACETS = ("topics", "sentiment", "stance", "source_type", "provinces", "lang", "source_id")


class SearchError(Exception):
    """The query could not be understood; the message says how to write it."""


class IndexUnavailable(Exception):
    """The index cannot be reached or opened; the store still has everything (run `presswatch reindex`)."""


@dataclass
class IndexDoc:
    id: int
    url: str
    title: str
    text: str
    lang: str = ""
    published: str | None = None
    sort_date: str | None = None  # published, else when it was fetched: every document has one
    source_id: str = ""
    source_type: str = ""
    sentiment: str = ""
    stance: str = ""
    topics: list[str] = field(default_factory=list)
    provinces: list[str] = field(default_factory=list)
    risk: float = 0.0

    @property
    def sites(self) -> list[str]:
        """The host and its parent domains, without www: news.example.org → [news.example.org, example.org]."""
        host = (urlsplit(self.url).hostname or "").lower().removeprefix("www.")
        parts = host.split(".")
        return [".".join(parts[i:]) for i in range(len(parts) - 1)] or ([host] if host else [])

    @classmethod
    def from_document(cls, d: Document) -> "IndexDoc":
        e = d.enrichment
        pub = d.extraction.published
        fetched = d.fetch.fetched_at if d.fetch else None
        when = pub or fetched or datetime.now(timezone.utc)
        return cls(id=d.id, url=d.url, title=d.extraction.title, text=d.extraction.text,
                   lang=d.extraction.language or "", published=pub.isoformat() if pub else None,
                   sort_date=when.isoformat(), source_id=d.source.id, source_type=d.source.source_type,
                   sentiment=e.sentiment, stance=e.stance, topics=list(e.topics),
                   provinces=[p.id for p in e.provinces], risk=e.risk)


@dataclass
class Hit:
    id: int
    url: str
    title: str
    score: float | None  # relevance score (None when sorted by date)
    snippet: str  # HTML: crawled text escaped, matches wrapped in <mark>
    published: str | None = None


@dataclass
class SearchResult:
    total: int
    hits: list[Hit]
    facets: dict[str, dict[str, int]] = field(default_factory=dict)


def snippet(text: str, terms: list[str], width: int = 240) -> str:
    """An HTML snippet around the first match; every character of crawled text is escaped."""
    if not text:
        return ""
    folded = fold(text)
    spans = []
    for t in terms:
        for m in re.finditer(r"(?<![^\W_])" + re.escape(t) + r"(?![^\W_])", folded):
            spans.append((m.start(), m.end()))
    spans.sort()
    start = max(0, spans[0][0] - width // 3) if spans else 0
    end = min(len(text), start + width)
    out, pos = [], start
    for s, e in spans:
        if s < pos or e > end:
            continue
        out.append(html.escape(text[pos:s]))
        out.append("<mark>" + html.escape(text[s:e]) + "</mark>")
        pos = e
    out.append(html.escape(text[pos:end]))
    return ("…" if start > 0 else "") + "".join(out).replace("\n", " ") + ("…" if end < len(text) else "")


@lru_cache(maxsize=1)
def province_names() -> dict[str, str]:
    """Folded province names, aliases and ids → gazetteer id, for ``province:`` filters."""
    from presswatch.gazetteer import load_gazetteer

    out: dict[str, str] = {}
    for p in load_gazetteer().provinces.values():
        out[p.id.replace("_", " ")] = p.id
        for n in p.names:
            if n.kind != "entity":
                out.setdefault(fold(n.text), p.id)
    return out


def parse_query(q: str):
    try:
        return parse(q, province_names())
    except QuerySyntaxError as exc:
        raise SearchError(f"{exc}. Query help: words, \"exact phrases\", OR, NOT or -word, ( ), and filters "
                          "topic: province: lang: source: type: sentiment: stance: site: date:") from exc


class SearchIndex(Protocol):
    def upsert(self, docs: list[IndexDoc]) -> None: ...
    def delete(self, ids: list[int]) -> None: ...
    def query(self, q: str, limit: int = 20, offset: int = 0, sort: str = "relevance",
              facets: bool = False) -> SearchResult: ...
    def search(self, q: str, limit: int = 20, offset: int = 0) -> tuple[int, list[Hit]]: ...
    def count(self) -> int: ...
    def clear(self) -> None: ...
    def finish_rebuild(self) -> None: ...
    def close(self) -> None: ...


def open_index(settings, writable: bool = False, rebuild: bool = False) -> SearchIndex:
    if settings.index_backend == "elasticsearch":
        from .elasticsearch_index import ElasticsearchIndex

        return ElasticsearchIndex(settings.elasticsearch_url, rebuild=rebuild)
    from .tantivy_index import TantivyIndex

    return TantivyIndex(settings.index_dir, writable=writable, rebuild=rebuild)
