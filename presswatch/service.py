"""Operations shared by the CLI and the web app (one obvious way to do each thing)."""
from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime
from pathlib import Path
from typing import Iterable, Iterator

from .config import PACKAGE_DATA, Settings, configure_prefect
from .dates import parse_datetime
from .gazetteer import load_gazetteer
from .index import open_index
from .record import SOURCE_TYPES, Document, Extraction, SourceRef
from .sources import SourceError, check_sources
from .storage import Store
from .urls import canonical_url


class ImportError_(Exception):
    """A line of an import file is unusable; the message names the line and the fix."""


def sync_sources(store: Store, settings: Settings, path: Path | None = None,
                 variables: dict | None = None) -> tuple[int, list[str]]:
    """Load the registry into the store; it is the whole truth (sources not in it are disabled).
    Bad entries are skipped and reported; an unreadable file leaves the registered sources as they are."""
    path = Path(path or settings.resolved_sources_file())
    try:
        specs, problems = check_sources(path, variables, load_gazetteer().ids())
    except SourceError as exc:
        return store.sync_sources([]), [f"{exc} — continuing with the sources already registered"]
    n = store.sync_sources(specs, exclusive=True)
    return n, [f"{path}: skipped {p}" for p in problems]


def run_cycle(settings: Settings, all_sources: bool = False, overrides: dict | None = None) -> dict:
    """One full cycle through Prefect: ingest → process → index."""
    configure_prefect(settings)
    from flows.tasks import cycle_flow

    return cycle_flow(str(settings.data_dir), overrides or {}, all_sources)


class ItemError(ValueError):
    """A hand-entered item is unusable. ``str()`` is the English message (what ``import`` prints per line),
    ``vi`` the Vietnamese one the web form shows; both say what to fix."""

    def __init__(self, en: str, vi: str | None = None):
        super().__init__(en)
        self.vi = vi or en


MANUAL_SOURCE = "manual"


def manual_source(outlet: str | None, source_type: str = "other", lang: str | None = None) -> SourceRef:
    """The source of hand-entered items: ``manual`` ("nhập tay"), or one per named outlet
    (``manual-<hash>``) so that a story's spread over outlets still counts for triage."""
    outlet = (outlet or "").strip()
    sid = "manual-" + hashlib.sha1(outlet.encode()).hexdigest()[:8] if outlet else MANUAL_SOURCE
    return SourceRef(id=sid, name=outlet or "nhập tay", source_type=source_type, language=lang, trust_tier=3)


def _published(value) -> tuple[datetime | None, str | None]:
    if not value:
        return None, None
    dt = parse_datetime(str(value))
    if dt is None:
        return None, f"'published' {value!r} is not an ISO date; item kept without it"
    return dt, None


def _source_type(item: dict) -> str:
    stype = item.get("source_type") or "other"
    if stype not in SOURCE_TYPES:
        raise ItemError(f"source_type {stype!r} unknown; use one of {', '.join(SOURCE_TYPES)}",
                        f"loại nguồn {stype!r} không hợp lệ; chọn một trong: {', '.join(SOURCE_TYPES)}")
    return stype


def manual_document(item: dict) -> tuple[Document, list[str]]:
    """One hand-collected item (title, text, [url, published, outlet, source_type, lang, author]) as a
    ``fetched`` document that carries its own text; raises ``ItemError``. Without a URL the item is keyed
    by a hash of its title and text, so entering it again is a no-op."""
    title, text = str(item.get("title") or "").strip(), str(item.get("text") or "").strip()
    if not title or not text:
        raise ItemError("needs non-empty 'title' and 'text'", "cần có tiêu đề và nội dung (không được để trống)")
    stype = _source_type(item)
    published, warning = _published(item.get("published"))
    url = item.get("url")
    if url:
        url = canonical_url(str(url))
    else:
        url = "manual:" + hashlib.sha256((item["title"] + "\n" + item["text"]).encode()).hexdigest()[:24]
    doc = Document(url=url, source=manual_source(item.get("outlet"), stype, item.get("lang")),
                   extraction=Extraction(title=item["title"], text=item["text"], published=published,
                                         language=item.get("lang"), author=item.get("author")))
    return doc, [warning] if warning else []


def import_items(store: Store, settings: Settings, lines: Iterable[str]) -> tuple[list[int], list[str]]:
    """Hand-collected items (JSON lines) enter as fetched documents; returns (new ids, problems)."""
    ids, problems = [], []
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"line {n}: not valid JSON ({exc.msg}); one JSON object per line")
            continue
        if not isinstance(item, dict):
            problems.append(f"line {n}: needs non-empty 'title' and 'text'")
            continue
        try:
            doc, warnings = manual_document(item)
        except ItemError as exc:
            problems.append(f"line {n}: {exc}")
            continue
        problems.extend(f"line {n}: {w}" for w in warnings)
        new_id = store.add_document(doc)
        if new_id is not None:
            ids.append(new_id)
    return ids, problems


_PAGE_TYPES = ("text/html", "application/xhtml+xml", "text/plain")


def add_item(store: Store, settings: Settings, item: dict, *, actor: str, role: str | None = None,
             channel: str = "cli") -> dict:
    """One hand-entered item — a collaborator's URL, or pasted title + text (optionally with its original
    URL) — stored and taken through every stage at once (extract → normalise → language → relevance →
    dedup → classify → triage → store → index), and recorded in the audit log with who entered it.

    A URL alone is fetched through the guarded fetcher (the private-address policy and size cap apply); a
    page with no extractable text is refused before anything is stored, so the person can paste the text
    instead. Entering the same URL or text again stores nothing and returns the stored document
    (``new: False``). The audit row is written right after the document (two transactions: the store's
    insert is its own). Raises ``ItemError`` with a message saying what to fix."""
    from crawlers.http import FetchError
    from crawlers.ingest import fetch_page
    from pipelines.extract import extract
    from pipelines.runner import index_pending, process_batch

    from . import audit

    item = {k: v.strip() if isinstance(v, str) else v for k, v in item.items()}
    item = {k: v for k, v in item.items() if v not in (None, "")}
    url, warnings = item.get("url"), []
    if url and not re.match(r"^https?://[^\s/]+", url):
        raise ItemError(f"{url!r} is not a web address; give an http(s) URL",
                        f"{url!r} không phải địa chỉ web; nhập địa chỉ bắt đầu bằng http:// hoặc https://")
    if url and not item.get("text"):
        stype = _source_type(item)
        published, warning = _published(item.get("published"))
        warnings += [warning] if warning else []
        key = canonical_url(url)
        existing = _document_id(store, key)
        if existing is None:
            try:
                fetched = fetch_page(url, settings)
            except FetchError as exc:
                # the fetcher's message starts with the address: "<url>: HTTP 404", "<url>: … internal address"
                raise ItemError(f"cannot fetch {exc}. Check the address, or paste the text instead",
                                f"không tải được {exc}. Kiểm tra địa chỉ, hoặc dán nội dung bài vào ô Nội dung"
                                ) from exc
            ctype = (fetched.headers.get("content-type") or "text/html").split(";")[0].strip().lower()
            if ctype not in _PAGE_TYPES:
                raise ItemError(f"{url} is not a web page ({ctype}); paste its text instead",
                                f"{url} không phải trang web ({ctype}); hãy dán nội dung vào ô Nội dung")
            doc = Document(url=key, source=manual_source(item.get("outlet"), stype, item.get("lang")),
                           fetch=fetched, extraction=Extraction(title=item.get("title", ""), published=published,
                                                                language=item.get("lang")))
            if extract(doc.model_copy(deep=True)).status == "dropped":
                raise ItemError(f"no text could be extracted from {url} (a login page or a page built by "
                                f"JavaScript?); paste the text instead",
                                f"không trích xuất được nội dung từ {url} (trang yêu cầu đăng nhập hoặc dựng bằng "
                                f"JavaScript?); hãy dán nội dung vào ô Nội dung")
    else:
        doc, more = manual_document(item)
        warnings += more
        key = doc.url
        existing = _document_id(store, key)
    new_id = None if existing is not None else store.add_document(doc)
    doc_id = new_id if new_id is not None else _document_id(store, key)
    audit.record(store, actor=actor, role=role, channel=channel, action="manual_entry", object_type="document",
                 object_id=doc_id, note=item.get("note"),
                 after={"url": url, "title": item.get("title"), "outlet": item.get("outlet"),
                        "source_type": item.get("source_type") or "other", "new": new_id is not None})
    if new_id is not None:
        counts = process_batch(store, settings, [new_id])
        warnings += counts.errors
        try:
            ix = open_index(settings, writable=True)
            try:
                index_pending(store, ix)
            finally:
                ix.close()
        except Exception as exc:  # noqa: BLE001 - the store has it; the next cycle or `reindex` indexes it
            warnings.append(f"not in the search index yet ({type(exc).__name__}: {exc}); the next cycle adds it")
    stored = store.load(doc_id, with_raw=False)
    alert = store.conn.execute("SELECT id FROM alerts WHERE story_id=?", (stored.enrichment.story_id or "",)
                               ).fetchone() if stored.enrichment.story_id else None
    return {"id": doc_id, "new": new_id is not None, "status": stored.status, "status_note": stored.status_note,
            "alert_id": alert["id"] if alert else None, "warnings": warnings, "document": export_row(stored)}


def _document_id(store: Store, url: str) -> int | None:
    row = store.conn.execute("SELECT id FROM documents WHERE url=?", (url,)).fetchone()
    return row["id"] if row else None


def process_now(store: Store, settings: Settings) -> dict:
    """Process every pending document and index it, in this process (no scheduler). Safe to run in
    several processes at once: each claims its own batches."""
    from pipelines.runner import ProcessCounts, process_batch

    total = ProcessCounts()
    try:
        while ids := store.claim_pending(settings.batch_size):
            part = process_batch(store, settings, ids)
            total.add(part)
            if part.processed == 0:
                break
    finally:
        store.release_claims()  # what is left (a full disk, an error) goes to the next run at once
    return {**total.__dict__, "indexed": _index_when_free(store, settings, total.errors)}


def _index_when_free(store: Store, settings: Settings, errors: list, wait_s: float = 120) -> int:
    """Index what is pending. The embedded index has one writer at a time: a worker finding it taken by
    another waits for it (up to ``wait_s``), then leaves the rest to the next run (the store has it all)."""
    import time

    from pipelines.runner import index_pending

    from .index import IndexUnavailable

    deadline = time.monotonic() + wait_s
    while True:
        try:
            ix = open_index(settings, writable=True)
            try:
                return index_pending(store, ix)
            finally:
                ix.close()
        except IndexUnavailable as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                if "locked" not in str(exc):
                    raise
                errors.append(f"not indexed yet: {exc}; the next run indexes it")
                return 0
            time.sleep(0.5)


def export_row(d: Document) -> dict:
    """One document as `presswatch export` and the API print it (taxonomy.md ids)."""
    e = d.enrichment
    return {
        "id": d.id, "url": d.url, "title": d.extraction.title, "lang": d.extraction.language,
        "published": d.extraction.published.isoformat() if d.extraction.published else None,
        "source": d.source.id, "source_type": d.source.source_type,
        "provinces": [p.id for p in e.provinces],
        "province_scores": {p.id: p.score for p in e.provinces},
        "topics": e.topics, "subtopics": e.subtopics, "sentiment": e.sentiment, "stance": e.stance,
        "story": e.story_id, "duplicate_of": e.duplicate_of, "risk": e.risk, "risk_reasons": e.risk_reasons,
        "alert": e.alert, "reasons": e.reasons, "model_version": e.model_version,
    }


def export_rows(store: Store, since: datetime | None = None) -> Iterator[dict]:
    for d in store.iter_processed(since):
        yield export_row(d)


def reindex(store: Store, settings: Settings) -> int:
    from pipelines.runner import index_pending

    ix = open_index(settings, writable=True, rebuild=True)
    try:
        store.reset_indexed()
        n = index_pending(store, ix)
        ix.finish_rebuild()
        return n
    finally:
        ix.close()


def demo_sources_file() -> Path:
    return PACKAGE_DATA / "sources" / "demo.yaml"
