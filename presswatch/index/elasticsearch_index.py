"""Elasticsearch backend of the search index (the official ``elasticsearch`` client).

Elasticsearch has no core Vietnamese analyzer, so the index defines one: standard tokenizer, lower case
and ``asciifolding`` (which folds đ as well as the tone marks) on ``title``/``text``, with an
``.exact`` sub-field (lower case only) that adds score when the diacritics match. Documents are bulk
indexed with ``_id`` = document id (idempotent). Reads and writes go through the alias ``presswatch``;
a rebuild writes a new concrete index and swaps the alias when it is complete (no downtime)."""
from __future__ import annotations

import time

from . import FACETS, Hit, IndexDoc, IndexUnavailable, SearchResult, parse_query, snippet
from .query import And, DateRange, Filter, Not, Or, Text

ALIAS = "presswatch"
_KEYWORDS = ("url", "lang", "source_id", "source_type", "sentiment", "stance", "topics", "provinces", "site")

SETTINGS = {
    "analysis": {
        "analyzer": {
            "vi_folded": {"type": "custom", "tokenizer": "standard", "filter": ["lowercase", "asciifolding"]},
            "vi_exact": {"type": "custom", "tokenizer": "standard", "filter": ["lowercase"]},
        }
    }
}
MAPPINGS = {
    "dynamic": "strict",
    "properties": {
        "title": {"type": "text", "analyzer": "vi_folded", "fields": {"exact": {"type": "text", "analyzer": "vi_exact"}}},
        "text": {"type": "text", "analyzer": "vi_folded", "fields": {"exact": {"type": "text", "analyzer": "vi_exact"}}},
        **{k: {"type": "keyword"} for k in _KEYWORDS},
        "published": {"type": "date"},
        "sort_date": {"type": "date"},
        "risk": {"type": "float"},
    },
}


class ElasticsearchIndex:
    def __init__(self, url: str | None, rebuild: bool = False):
        if not url:
            raise IndexUnavailable("index_backend is 'elasticsearch' but no URL is set: set ELASTICSEARCH_URL "
                                   "(e.g. http://127.0.0.1:9200) or use the embedded index (index_backend = 'tantivy')")
        from elasticsearch import Elasticsearch
        from elasticsearch import exceptions as es_exc

        self._exc = es_exc
        self.es = Elasticsearch(url, request_timeout=30, retry_on_timeout=True, max_retries=2)
        try:
            self.es.info()
        except (es_exc.ConnectionError, es_exc.TransportError) as exc:
            raise IndexUnavailable(f"cannot reach Elasticsearch at {url} ({exc}); the store keeps everything and "
                                   "the index catches up when it is back") from exc
        self.write_target = ALIAS
        self._rebuild_from: list[str] = []
        if rebuild:
            self.write_target = f"{ALIAS}-{int(time.time() * 1000)}"
            self._create(self.write_target)
            self._rebuild_from = self._alias_targets()
        elif not self._alias_targets():
            concrete = f"{ALIAS}-{int(time.time() * 1000)}"
            self._create(concrete)
            self.es.indices.put_alias(index=concrete, name=ALIAS)

    def _alias_targets(self) -> list[str]:
        try:
            return list(self.es.indices.get_alias(name=ALIAS).keys())
        except self._exc.NotFoundError:
            return []

    def _create(self, name: str) -> None:
        self.es.indices.create(index=name, settings=SETTINGS, mappings=MAPPINGS)

    # ------------------------------------------------------------------ writing
    def upsert(self, docs: list[IndexDoc]) -> None:
        if not docs:
            return
        ops: list[dict] = []
        for d in docs:
            ops.append({"index": {"_index": self.write_target, "_id": str(d.id)}})
            ops.append({"title": d.title, "text": d.text, "url": d.url, "lang": d.lang or None,
                        "source_id": d.source_id, "source_type": d.source_type, "sentiment": d.sentiment,
                        "stance": d.stance, "topics": d.topics, "provinces": d.provinces, "site": d.sites,
                        "published": d.published, "sort_date": d.sort_date, "risk": d.risk})
        resp = self.es.bulk(operations=ops, refresh=True)
        if resp.get("errors"):
            bad = [i for i in resp["items"] if i.get("index", {}).get("error")]
            raise IndexUnavailable(f"Elasticsearch refused {len(bad)} of {len(docs)} documents: "
                                   f"{bad[0]['index']['error']}")

    def finish_rebuild(self) -> None:
        """Point the alias at the rebuilt index in one atomic step, then drop the old one(s)."""
        if self.write_target == ALIAS:
            return
        actions = [{"add": {"index": self.write_target, "alias": ALIAS}}]
        actions += [{"remove": {"index": old, "alias": ALIAS}} for old in self._rebuild_from]
        self.es.indices.update_aliases(actions=actions)
        for old in self._rebuild_from:
            self.es.indices.delete(index=old)
        self._rebuild_from, self.write_target = [], ALIAS

    def delete(self, ids: list[int]) -> None:
        ops = [{"delete": {"_index": self.write_target, "_id": str(i)}} for i in ids]
        if ops:
            self.es.bulk(operations=ops, refresh=True)

    def clear(self) -> None:
        self.es.delete_by_query(index=self.write_target, query={"match_all": {}}, refresh=True)

    # ------------------------------------------------------------------ reading
    def count(self) -> int:
        return int(self.es.count(index=ALIAS)["count"])

    def _text(self, t: Text) -> dict:
        def q(field: str, words: list[str], boost: float) -> dict:
            text = " ".join(words)
            if t.phrase and len(words) > 1:
                return {"match_phrase": {field: {"query": text, "boost": boost}}}
            return {"match": {field: {"query": text, "boost": boost}}}

        return {"bool": {
            "must": [{"bool": {"should": [q("title", t.folded, 2.0), q("text", t.folded, 1.0)],
                               "minimum_should_match": 1}}],
            "should": [q("title.exact", t.exact, 1.0), q("text.exact", t.exact, 0.5)],
        }}

    def _compile(self, node) -> dict:
        if node is None:
            return {"match_all": {}}
        if isinstance(node, Text):
            return self._text(node)
        if isinstance(node, Filter):
            return {"term": {node.field: node.value}}
        if isinstance(node, DateRange):
            rng = {}
            if node.start:
                rng["gte"] = node.start.isoformat()
            if node.end:
                rng["lt"] = node.end.isoformat()
            return {"range": {"sort_date": rng}}
        if isinstance(node, Not):
            return {"bool": {"must": [{"match_all": {}}], "must_not": [self._compile(node.child)]}}
        if isinstance(node, Or):
            return {"bool": {"should": [self._compile(c) for c in node.children], "minimum_should_match": 1}}
        if isinstance(node, And):
            must = [self._compile(c) for c in node.children if not isinstance(c, Not)]
            must_not = [self._compile(c.child) for c in node.children if isinstance(c, Not)]
            return {"bool": {"must": must or [{"match_all": {}}], "must_not": must_not}}
        raise TypeError(f"unknown query node {node!r}")

    def query(self, q: str, limit: int = 20, offset: int = 0, sort: str = "relevance",
              facets: bool = False) -> SearchResult:
        parsed = parse_query(q)
        body: dict = {"query": self._compile(parsed.tree), "from": offset, "size": limit, "track_total_hits": True,
                      "_source": ["title", "text", "url", "published"]}
        if sort == "date":
            body["sort"] = [{"sort_date": {"order": "desc"}}]
        if facets:
            body["aggs"] = {f: {"terms": {"field": f, "size": 50}} for f in FACETS}
        try:
            resp = self.es.search(index=ALIAS, **body)
        except self._exc.ConnectionError as exc:
            raise IndexUnavailable(f"Elasticsearch is unreachable ({exc})") from exc
        hits = []
        for h in resp["hits"]["hits"]:
            src = h["_source"]
            hits.append(Hit(id=int(h["_id"]), url=src.get("url", ""), title=src.get("title", ""),
                            score=round(float(h["_score"]), 4) if sort != "date" and h.get("_score") is not None
                            else None,
                            snippet=snippet(src.get("text", ""), parsed.highlight), published=src.get("published")))
        total = resp["hits"]["total"]
        out = SearchResult(total["value"] if isinstance(total, dict) else int(total), hits)
        if facets:
            out.facets = {f: {b["key"]: b["doc_count"] for b in resp["aggregations"][f]["buckets"]} for f in FACETS}
        return out

    def search(self, q: str, limit: int = 20, offset: int = 0) -> tuple[int, list[Hit]]:
        r = self.query(q, limit=limit, offset=offset)
        return r.total, r.hits

    def close(self) -> None:
        self.es.close()
