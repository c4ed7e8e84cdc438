"""The search index: derived from the store, rebuildable, behind one small interface.

``SearchIndex`` is what the rest of the product uses; the embedded default is tantivy (folds đ, fast),
and an Elasticsearch backend implements the same interface when one machine is not enough."""
from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Protocol

from presswatch.record import Document
from presswatch.text import fold, normalize

FILTER_KEYS = {"topic": "topics", "province": "provinces", "lang": "lang", "source": "source_id",
               "type": "source_type", "sentiment": "sentiment", "stance": "stance"}


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
    source_id: str = ""
    source_type: str = ""
    sentiment: str = ""
    stance: str = ""
    topics: list[str] = field(default_factory=list)
    provinces: list[str] = field(default_factory=list)
    risk: float = 0.0

    @classmethod
    def from_document(cls, d: Document) -> "IndexDoc":
        e = d.enrichment
        pub = d.extraction.published.isoformat() if d.extraction.published else None
        return cls(id=d.id, url=d.url, title=d.extraction.title, text=d.extraction.text,
                   lang=d.extraction.language or "", published=pub, source_id=d.source.id,
                   source_type=d.source.source_type, sentiment=e.sentiment, stance=e.stance,
                   topics=list(e.topics), provinces=[p.id for p in e.provinces], risk=e.risk)


@dataclass
class Hit:
    id: int
    url: str
    title: str
    score: float
    snippet: str  # HTML: crawled text escaped, matches wrapped in <mark>


@dataclass
class ParsedQuery:
    text: str  # free text with operators, quotes kept
    terms: list[str]  # folded positive terms, for highlighting
    filters: dict[str, list[str]]


_FILTER_RE = re.compile(r'(?<!\S)(-?)(' + "|".join(FILTER_KEYS) + r'):("[^"]*"|\S+)')
_WORD = re.compile(r"[^\W_]+")


def parse_query(q: str) -> ParsedQuery:
    q = normalize(q or "")
    if q.count('"') % 2:
        raise SearchError('unbalanced quote in query: close the "exact phrase" with a second "')
    filters: dict[str, list[str]] = {}

    def take(m: re.Match) -> str:
        if m.group(1):
            raise SearchError(f"negated filter {m.group(0)!r} is not supported; use a positive filter")
        filters.setdefault(FILTER_KEYS[m.group(2)], []).append(m.group(3).strip('"'))
        return " "

    rest = _FILTER_RE.sub(take, q).strip()
    terms: list[str] = []
    neg = False
    for tok in re.findall(r'"[^"]*"|\S+', rest):
        if tok in ("AND", "OR"):
            continue
        if tok == "NOT":
            neg = True
            continue
        if not neg and not tok.startswith("-"):
            terms.extend(_WORD.findall(fold(tok)))
        neg = False
    return ParsedQuery(rest, list(dict.fromkeys(terms)), filters)


def fold_query(text: str) -> str:
    """Fold a query for the folded fields, keeping the AND / OR / NOT operators."""
    return " ".join(t if t in ("AND", "OR", "NOT") else fold(t) for t in text.split())


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


class SearchIndex(Protocol):
    def upsert(self, docs: list[IndexDoc]) -> None: ...
    def delete(self, ids: list[int]) -> None: ...
    def search(self, query: str, limit: int = 20, offset: int = 0) -> tuple[int, list[Hit]]: ...
    def count(self) -> int: ...
    def clear(self) -> None: ...
    def close(self) -> None: ...


def open_index(settings, writable: bool = False) -> SearchIndex:
    if settings.index_backend == "elasticsearch":
        raise IndexUnavailable("the Elasticsearch backend is not available in this version; "
                               "set index_backend = 'tantivy' (the embedded default)")
    from .tantivy_index import TantivyIndex

    return TantivyIndex(settings.index_dir, writable=writable)
