"""Embedded search index on tantivy.

Each text is indexed twice: folded (no diacritics, đ→d: what must match, so queries typed without
diacritics work) and lower-cased with diacritics (a match there adds score, so exact spelling ranks
first). Filter fields are raw, fast fields (facets are tantivy terms aggregations)."""
from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import tantivy

from presswatch.text import fold

from . import FACETS, Hit, IndexDoc, IndexUnavailable, SearchResult, parse_query, snippet
from .query import And, DateRange, Filter, Not, Or, Text

SCHEMA_VERSION = "2"
_FILTERS = ("topics", "provinces", "lang", "source_id", "source_type", "sentiment", "stance", "site")


def _schema() -> tantivy.Schema:
    b = tantivy.SchemaBuilder()
    b.add_integer_field("id", stored=True, indexed=True, fast=True)
    b.add_text_field("url", stored=True, tokenizer_name="raw", index_option="basic")
    b.add_text_field("title", stored=True, index_option="basic", tokenizer_name="raw")
    b.add_text_field("body", stored=True, index_option="basic", tokenizer_name="raw")
    for f in ("title_f", "text_f", "title_x", "text_x"):
        b.add_text_field(f, stored=False)
    for f in _FILTERS:
        b.add_text_field(f, stored=False, tokenizer_name="raw", index_option="basic", fast=True)
    b.add_text_field("published", stored=True, tokenizer_name="raw", index_option="basic")
    b.add_date_field("sort_date", stored=False, indexed=True, fast=True)
    b.add_float_field("risk", stored=True, fast=True)
    return b.build()


class TantivyIndex:
    def __init__(self, path: Path, writable: bool = False, rebuild: bool = False):
        self.path = Path(path)
        marker = self.path / "SCHEMA_VERSION"
        if rebuild and self.path.exists():
            shutil.rmtree(self.path)
        self.path.mkdir(parents=True, exist_ok=True)
        has_index = (self.path / "meta.json").exists()
        if has_index and (not marker.exists() or marker.read_text().strip() != SCHEMA_VERSION):
            raise IndexUnavailable(f"the index at {self.path} was built by another version of Presswatch; "
                                   "rebuild it from the store with `presswatch reindex`")
        self.schema = _schema()
        try:
            self.index = tantivy.Index(self.schema, path=str(self.path), reuse=True)
        except ValueError as exc:
            raise IndexUnavailable(f"cannot open the index at {self.path} ({exc}); rebuild it from the store "
                                   "with `presswatch reindex`") from exc
        if not has_index:
            marker.write_text(SCHEMA_VERSION)
        self._writer = None
        self.writable = writable

    # ------------------------------------------------------------------ writing
    def _w(self):
        if self._writer is None:
            try:
                self._writer = self.index.writer(heap_size=128_000_000, num_threads=1)
            except ValueError as exc:
                raise IndexUnavailable(f"the index at {self.path} is locked by another process ({exc}); "
                                       "wait for it to finish") from exc
        return self._writer

    def _commit(self) -> None:
        self._writer.commit()
        self._writer.wait_merging_threads()
        self._writer = None
        self.index.reload()

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
            for f in _FILTERS:
                v = d.sites if f == "site" else getattr(d, f)
                for item in (v if isinstance(v, list) else [v]):
                    if item:
                        doc.add_text(f, item)
            if d.published:
                doc.add_text("published", d.published)
            if d.sort_date:
                doc.add_date("sort_date", datetime.fromisoformat(d.sort_date))
            doc.add_float("risk", float(d.risk))
            w.add_document(doc)
        self._commit()

    def delete(self, ids: list[int]) -> None:
        w = self._w()
        for i in ids:
            w.delete_documents_by_term("id", i)
        self._commit()

    def clear(self) -> None:
        self._w().delete_all_documents()
        self._commit()

    # ------------------------------------------------------------------ reading
    def count(self) -> int:
        self.index.reload()
        return self.index.searcher().num_docs

    def _text(self, t: Text):
        Q, O = tantivy.Query, tantivy.Occur  # noqa: N806

        def fields(words: list[str], title: str, body: str, boost: float):
            def one(field: str):
                if t.phrase and len(words) > 1:
                    return Q.phrase_query(self.schema, field, words)
                return Q.term_query(self.schema, field, words[0])
            return Q.boolean_query([(O.Should, Q.boost_query(one(title), 2.0 * boost)),
                                    (O.Should, Q.boost_query(one(body), boost))])

        return Q.boolean_query([(O.Must, fields(t.folded, "title_f", "text_f", 1.0)),
                                (O.Should, fields(t.exact, "title_x", "text_x", 0.5))])

    def _compile(self, node):
        Q, O = tantivy.Query, tantivy.Occur  # noqa: N806
        if isinstance(node, Text):
            return self._text(node)
        if isinstance(node, Filter):
            return Q.term_query(self.schema, node.field, node.value)
        if isinstance(node, DateRange):
            return Q.range_query(self.schema, "sort_date", tantivy.FieldType.Date, node.start, node.end,
                                 True, node.end is None)
        if isinstance(node, Not):
            return Q.boolean_query([(O.Must, Q.all_query()), (O.MustNot, self._compile(node.child))])
        if isinstance(node, Or):
            return Q.boolean_query([(O.Should, self._compile(c)) for c in node.children])
        if isinstance(node, And):
            clauses = []
            for c in node.children:
                if isinstance(c, Not):
                    clauses.append((O.MustNot, self._compile(c.child)))
                else:
                    clauses.append((O.Must, self._compile(c)))
            if all(o == O.MustNot for o, _ in clauses):
                clauses.append((O.Must, Q.all_query()))
            return Q.boolean_query(clauses)
        return Q.all_query()

    def query(self, q: str, limit: int = 20, offset: int = 0, sort: str = "relevance",
              facets: bool = False) -> SearchResult:
        parsed = parse_query(q)
        tq = self._compile(parsed.tree)
        self.index.reload()
        searcher = self.index.searcher()
        if sort == "date":
            res = searcher.search(tq, limit=limit, offset=offset, count=True, order_by_field="sort_date")
        else:
            res = searcher.search(tq, limit=limit, offset=offset, count=True)
        hits = []
        for score, addr in res.hits:
            d = searcher.doc(addr)
            hits.append(Hit(id=d.get_first("id"), url=d.get_first("url"), title=d.get_first("title") or "",
                            score=round(float(score), 4) if sort != "date" else None,
                            snippet=snippet(d.get_first("body") or "", parsed.highlight),
                            published=d.get_first("published")))
        out = SearchResult(res.count, hits)
        if facets:
            aggs = searcher.aggregate(tq, {f: {"terms": {"field": f, "size": 50}} for f in FACETS})
            out.facets = {f: {b["key"]: b["doc_count"] for b in aggs[f]["buckets"]} for f in FACETS}
        return out

    def search(self, q: str, limit: int = 20, offset: int = 0) -> tuple[int, list[Hit]]:
        r = self.query(q, limit=limit, offset=offset)
        return r.total, r.hits

    def finish_rebuild(self) -> None:
        """Nothing to swap: a rebuild wrote into a fresh directory in place."""

    def close(self) -> None:
        self._writer = None
