"""The REST API (JSON, and CSV export of a search). Same session and roles as the web pages; items behind
security-tagged alerts a user may not see are left out. OpenAPI at /api/openapi.json, a readable list of
the endpoints at /docs (server-rendered: the CSP allows no scripts, so no Swagger UI)."""
from __future__ import annotations

import csv
import io
import json
from datetime import date

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from .. import stats
from ..index import IndexUnavailable, SearchError, open_index
from ..service import export_row
from ..text import csv_safe

MAX_EXPORT = 10_000


def make_api_router(settings, store, hidden_stories=None) -> APIRouter:
    router = APIRouter(prefix="/api", tags=["api"])

    def hidden(st, request) -> set[str]:
        return hidden_stories(st, request.state.user) if hidden_stories else set()

    def visible(st, request, ids: list[int]) -> set[int]:
        h = hidden(st, request)
        if not h or not ids:
            return set(ids)
        rows = st.conn.execute(f"SELECT id, story_id FROM documents WHERE id IN ({','.join('?' * len(ids))})", ids)
        return {r["id"] for r in rows if r["story_id"] not in h}

    def run_search(request, q, limit, offset, sort, facets):
        try:
            r = open_index(settings).query(q, limit=limit, offset=offset, sort=sort, facets=facets)
        except SearchError as exc:
            raise HTTPException(400, str(exc)) from exc
        except IndexUnavailable as exc:
            raise HTTPException(503, str(exc)) from exc
        with store() as st:
            keep = visible(st, request, [h.id for h in r.hits])
        r.hits = [h for h in r.hits if h.id in keep]
        return r

    @router.get("/search", summary="Search the archive (same query language as the search box)")
    def search(request: Request, q: str = Query(..., max_length=500), limit: int = Query(20, ge=1, le=200),
               offset: int = Query(0, ge=0), sort: str = Query("relevance", pattern="^(relevance|date)$"),
               facets: bool = False):
        r = run_search(request, q, limit, offset, sort, facets)
        return {"query": q, "total": r.total, "offset": offset, "limit": limit, "facets": r.facets,
                "hits": [h.__dict__ for h in r.hits]}

    @router.get("/search.csv", summary="Export a search as CSV (spreadsheet-safe cells)")
    def search_csv(request: Request, q: str = Query(..., max_length=500),
                   limit: int = Query(1000, ge=1, le=MAX_EXPORT)):
        r = run_search(request, q, limit, 0, "date", False)
        with store() as st:
            rows = {row["id"]: row for row in (dict(x) for x in st.conn.execute(
                f"SELECT id, url, title, lang, published, source_id, source_type, topics, provinces, sentiment, stance,"
                f" risk, alert, story_id FROM documents WHERE id IN ({','.join('?' * len(r.hits)) or 'NULL'})",
                [h.id for h in r.hits]))}
        buf = io.StringIO()
        w = csv.writer(buf)
        cols = ["id", "published", "title", "url", "source_id", "source_type", "lang", "topics", "provinces",
                "sentiment", "stance", "risk", "alert", "story_id"]
        w.writerow(cols)
        for h in r.hits:
            row = rows.get(h.id)
            if row:
                row["topics"], row["provinces"] = json.loads(row["topics"]), json.loads(row["provinces"])
                w.writerow([csv_safe(row[c]) for c in cols])
        return Response(buf.getvalue(), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="presswatch-search.csv"'})

    @router.get("/documents/{doc_id}", summary="One document with its labels, reasons and story")
    def document(request: Request, doc_id: int):
        with store() as st:
            try:
                doc = st.load(doc_id, with_raw=False)
            except KeyError:
                raise HTTPException(404, "not found")
            if doc.enrichment.story_id in hidden(st, request):
                raise HTTPException(403, "not allowed for your role")
        row = export_row(doc)
        row["text"] = doc.extraction.text
        return row

    @router.get("/stories/{story_id}", summary="All documents of a story (copies and other outlets' articles, "
                                              "first first) and its spread over time")
    def story(request: Request, story_id: str):
        with store() as st:
            if story_id in hidden(st, request):
                raise HTTPException(403, "not allowed for your role")
            rows = [dict(r) for r in st.conn.execute(
                "SELECT id, url, title, source_id, source_type, lang, published, duplicate_of, risk, created_at"
                " FROM documents WHERE story_id=? AND status='processed' ORDER BY id", (story_id,))]
            spread = st.story_spread(story_id) if rows else None
        if not rows:
            raise HTTPException(404, "not found")
        spread.pop("timeline", None)  # the same documents as "documents"
        return {"story": story_id, "copies": len(rows), "outlets": len({r["source_id"] for r in rows}), "documents": rows,
                "spread": spread}

    @router.get("/alerts", summary="Alerts (optionally by status)")
    def alerts(request: Request, status: str | None = None, limit: int = Query(100, ge=1, le=1000)):
        with store() as st:
            h = hidden(st, request)
            rows = [dict(r) for r in st.alerts(status, limit=limit) if r["story_id"] not in h]
        for r in rows:
            for k in ("reasons", "topics", "provinces"):
                if isinstance(r.get(k), str):
                    r[k] = json.loads(r[k])
        return rows

    @router.get("/stats", summary="Volume by a dimension, share of voice, top stories, spikes")
    def stats_(request: Request, dimension: str = "topics", days: int = Query(30, ge=1, le=366),
               until: date | None = None):
        with store() as st:
            h = hidden(st, request)
            try:
                vol = stats.volume(st, dimension, days=days, today=until, hidden=h)
            except ValueError as exc:
                raise HTTPException(400, str(exc)) from exc
            return {"volume": vol, "share_of_voice": stats.share_of_voice(st, days=days, today=until, hidden=h),
                    "top_stories": stats.top_stories(st, days=min(days, 7), today=until, hidden=h),
                    "spikes": stats.spikes(st, dimension, today=until, hidden=h)}

    return router


def make_docs_router(app) -> APIRouter:
    router = APIRouter()

    @router.get("/api/openapi.json", include_in_schema=False)
    def openapi():
        return JSONResponse(app.openapi())

    @router.get("/docs", response_class=HTMLResponse, include_in_schema=False)
    def docs():
        from html import escape

        spec = app.openapi()
        items = []
        for path, ops in sorted(spec.get("paths", {}).items()):
            for method, op in ops.items():
                params = ", ".join(escape(p["name"]) for p in op.get("parameters", []))
                items.append(f"<li><code>{escape(method.upper())} {escape(path)}</code> — "
                             f"{escape(op.get('summary', ''))}{' (' + params + ')' if params else ''}</li>")
        return HTMLResponse("<!doctype html><html lang='en'><meta charset='utf-8'><title>Presswatch API</title>"
                            "<h1>Presswatch API</h1><p>Machine-readable: <a href='/api/openapi.json'>/api/openapi.json</a>."
                            " Log in first; the session cookie authenticates API calls.</p><ul>" + "".join(items)
                            + "</ul></html>")

    return router
