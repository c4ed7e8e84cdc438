"""Operations shared by the CLI and the web app (one obvious way to do each thing)."""
from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Iterator

from .config import PACKAGE_DATA, Settings, configure_prefect
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
        if not isinstance(item, dict) or not str(item.get("title", "")).strip() or not str(item.get("text", "")).strip():
            problems.append(f"line {n}: needs non-empty 'title' and 'text'")
            continue
        stype = item.get("source_type", "other")
        if stype not in SOURCE_TYPES:
            problems.append(f"line {n}: source_type {stype!r} unknown; use one of {', '.join(SOURCE_TYPES)}")
            continue
        published = None
        if item.get("published"):
            try:
                published = datetime.fromisoformat(str(item["published"]).replace("Z", "+00:00"))
                if published.tzinfo is None:
                    published = published.replace(tzinfo=timezone.utc)
            except ValueError:
                problems.append(f"line {n}: 'published' {item['published']!r} is not an ISO date; item kept without it")
        url = item.get("url")
        if url:
            url = canonical_url(str(url))
        else:
            url = "manual:" + hashlib.sha256((item["title"] + "\n" + item["text"]).encode()).hexdigest()[:24]
        outlet = str(item.get("outlet") or "nhập tay")
        sid = "manual-" + (hashlib.sha1(outlet.encode()).hexdigest()[:8])
        doc = Document(url=url, source=SourceRef(id=sid, name=outlet, source_type=stype, language=item.get("lang"),
                                                 trust_tier=3),
                       extraction=Extraction(title=item["title"], text=item["text"], published=published,
                                             language=item.get("lang"), author=item.get("author")))
        new_id = store.add_document(doc)
        if new_id is not None:
            ids.append(new_id)
    return ids, problems


def process_now(store: Store, settings: Settings) -> dict:
    """Process every pending document and index it, in this process (no scheduler)."""
    from pipelines.runner import ProcessCounts, index_pending, process_batch

    total = ProcessCounts()
    while ids := store.pending_ids(settings.batch_size):
        part = process_batch(store, settings, ids)
        total.add(part)
        if part.processed == 0:
            break
    ix = open_index(settings, writable=True)
    try:
        indexed = index_pending(store, ix)
    finally:
        ix.close()
    return {**total.__dict__, "indexed": indexed}


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
