"""Generated reports in the web app: the list, and downloads of each stored format (DOCX, PDF, HTML, CSV).
Reports compile every item of a period, security-tagged ones included, so only roles that may see all
alerts get them; every download and every refusal is in the audit log."""
from __future__ import annotations

import json
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse

from .. import audit

MEDIA = {"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "pdf": "application/pdf",
         "html": "text/html; charset=utf-8", "csv": "text/csv; charset=utf-8"}


def make_reports_router(settings, store, render) -> APIRouter:
    router = APIRouter()

    def allowed(st, request, action: str, object_id=None) -> bool:
        user = request.state.user
        ok = user.perm("see_all")
        if not ok:
            audit.record(st, actor=user.username, role=user.role, channel="web", action="access_denied",
                         object_type="report", object_id=object_id, note=action)
        return ok

    @router.get("/reports", response_class=HTMLResponse)
    def reports(request: Request, lang: str = "vi"):
        with store() as st:
            if not allowed(st, request, "list"):
                return render("forbidden.html", lang, request, status_code=403)
            rows = [dict(r) for r in st.conn.execute("SELECT * FROM reports ORDER BY id DESC LIMIT 200")]
        for r in rows:
            p = json.loads(r["params"])
            r["period"] = f"{p.get('start', p.get('day', ''))} → {p.get('end', '')}".strip(" →")
            r["formats"] = [f for f in ("docx", "pdf", "html", "csv") if f in (p.get("files") or {})]
            r["template"], r["rlang"] = p.get("template", ""), p.get("lang", "")
        return render("reports.html", lang, request, reports=rows)

    @router.get("/reports/{report_id}/{fmt}")
    def download(request: Request, report_id: int, fmt: str):
        if fmt not in MEDIA:
            raise HTTPException(404, "unknown format")
        with store() as st:
            if not allowed(st, request, f"download {fmt}", report_id):
                raise HTTPException(403, "not allowed for your role")
            row = st.conn.execute("SELECT params FROM reports WHERE id=?", (report_id,)).fetchone()
            files = (json.loads(row["params"]).get("files") or {}) if row else {}
            if fmt not in files:
                raise HTTPException(404, "no such report file")
            path = Path(files[fmt]).resolve()
            root = Path(settings.reports_dir).resolve()
            if root not in path.parents or not path.is_file():  # only files Presswatch wrote into its reports folder
                raise HTTPException(404, "report file not available (regenerate it: presswatch report regenerate ID)")
            user = request.state.user
            audit.record(st, actor=user.username, role=user.role, channel="web", action="download",
                         object_type="report", object_id=report_id, note=fmt)
        inline = fmt == "html"
        return FileResponse(path, media_type=MEDIA[fmt], filename=path.name,
                            content_disposition_type="inline" if inline else "attachment")

    return router
