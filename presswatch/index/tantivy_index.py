"""Embedded search index on tantivy.

Each text is indexed twice: folded (no diacritics, đ→d: matches queries typed without diacritics) and
lower-cased with diacritics (matches in that field rank higher, so exact spelling wins)."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import tantivy

from . import FILTER_KEYS, Hit, IndexDoc, IndexUnavailable, SearchError, fold_query, parse_query, snippet
from presswatch.text import fold, normalize

_FACETS = ("topics", "provinces", "lang", "source_id", "source_type", "sentiment", "stance")


def _schema() -> tantivy.Schema:
    b = tantivy.SchemaBuilder()
    b.add_integer_field("id", stored=True, indexed=True, fast=True)
    b.add_text_field("url", stored=True, tokenizer_name="raw")
    b.add_text_field("title", stored=True, index_option="basic", tokenizer_name="raw")
    b.add_text_field("body", stored=True, index_option="basic", tokenizer_name="raw")
    for f in ("title_f", "text_f", "title_x", "text_x"):
        b.add_text_field(f, stored=False)
    for f in _FACETS:
        b.add_text_field(f, stored=False, tokenizer_name="raw", index_option="basic")
    b.add_date_field("published", stored=True, indexed=True, fast=True)
    b.add_float_field("risk", stored=True, fast=True)
    return b.build()


class TantivyIndex:
    def __init__(self, path: Path, writable: bool = False):
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)
        self.schema = _schema()
        try:
            self.index = tantivy.Index(self.schema, path=str(self.path), reuse=True)
        except ValueError as exc:
            raise IndexUnavailable(f"cannot open the index at {self.path} ({exc}); delete that folder and run "
                                   "`presswatch reindex` to rebuild it from the store") from exc
        self._writer = None
        self.writable = writable

    # ------------------------------------------------------------------ writing
    def _w(self):
        if self._writer is None:
            try:
                self._writer = self.index.writer(heap_size=64_000_000, num_threads=1)
            except ValueError as exc:
                raise IndexUnavailable(f"the index at {self.path} is locked by another process ({exc}); "
                                       "wait for it to finish") from exc
        return self._writer

    def upsert(self, docs: list[IndexDoc]) -> None:
        if not docs:
            return
        w = self._w()
        for d in docs:
            w.delete_documents_by_term("id", d.id)
            doc = tantivy.Document()
            doc.add_integer("id", d.id)
            doc.add_text("url", d.url)
            doc.add_text("title", d.title)
            doc.add_text("body", d.text)
            doc.add_text("title_f", fold(d.title))
            doc.add_text("text_f", fold(d.text))
            doc.add_text("title_x", d.title.lower())
            doc.add_text("text_x", d.text.lower())
            for f in _FACETS:
                v = getattr(d, f)
                for item in (v if isinstance(v, list) else [v]):
                    if item:
                        doc.add_text(f, item)
            if d.published:
                doc.add_date("published", datetime.fromisoformat(d.published))
            doc.add_float("risk", float(d.risk))
            w.add_document(doc)
        w.commit()
        w.wait_merging_threads()
        self._writer = None
        self.index.reload()

    def delete(self, ids: list[int]) -> None:
        w = self._w()
        for i in ids:
            w.delete_documents_by_term("id", i)
        w.commit()
        w.wait_merging_threads()
        self._writer = None
        self.index.reload()

    def clear(self) -> None:
        w = self._w()
        w.delete_all_documents()
        w.commit()
        w.wait_merging_threads()
        self._writer = None
        self.index.reload()

    # ------------------------------------------------------------------ reading
    def count(self) -> int:
        self.index.reload()
        return self.index.searcher().num_docs

    def _query(self, q: str):
        pq = parse_query(q)
        parts = []
        if pq.text:
            try:
                folded = self.index.parse_query(fold_query(pq.text), ["title_f", "text_f"],
                                                field_boosts={"title_f": 2.0}, conjunction_by_default=True)
                exact = self.index.parse_query(normalize(pq.text).lower().replace(" and ", " AND ")
                                               .replace(" or ", " OR ").replace(" not ", " NOT "),
                                               ["title_x", "text_x"], field_boosts={"title_x": 2.0})
            except ValueError as exc:
                raise SearchError(f"cannot read the query {q!r}: {exc}. Use words, \"exact phrases\", "
                                  "AND / OR / NOT, -word, and filters such as topic:labour") from exc
            parts.append((tantivy.Occur.Must, folded))
            parts.append((tantivy.Occur.Should, tantivy.Query.boost_query(exact, 0.5)))
        for fname, values in pq.filters.items():
            ors = [(tantivy.Occur.Should, tantivy.Query.term_query(self.schema, fname, v)) for v in values]
            parts.append((tantivy.Occur.Must, tantivy.Query.boolean_query(ors)))
        if not parts:
            raise SearchError("empty query: type some words, or a filter such as topic:labour")
        return tantivy.Query.boolean_query(parts), pq

    def search(self, query: str, limit: int = 20, offset: int = 0) -> tuple[int, list[Hit]]:
        tq, pq = self._query(query)
        self.index.reload()
        searcher = self.index.searcher()
        res = searcher.search(tq, limit=limit, offset=offset, count=True)
        hits = []
        for score, addr in res.hits:
            d = searcher.doc(addr)
            body = d.get_first("body") or ""
            hits.append(Hit(id=d.get_first("id"), url=d.get_first("url"), title=d.get_first("title") or "",
                            score=round(float(score), 4), snippet=snippet(body, pq.terms)))
        return res.count, hits

    def close(self) -> None:
        self._writer = None


__all__ = ["TantivyIndex", "FILTER_KEYS"]
