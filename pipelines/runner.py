"""Runs pending documents through the stages, in batches, and keeps the index in step with the store.

Every document is written in one transaction after all its stages ran, so a crash loses at most the
work in flight: the document is still ``fetched`` and is processed again on the next run."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

from models.classifier import classify, get_classifier
from presswatch.index import IndexDoc
from presswatch.record import Document
from presswatch.storage import StorageFull, disk_full

from .dedup import dedup, signature
from .extract import extract
from .language import detect_language
from .normalize import normalize
from .relevance import relevance
from .stories import cluster
from .triage import after_batch, after_save, check_saved_searches, load_policy, triage

log = logging.getLogger("presswatch.process")


@dataclass
class ProcessCounts:
    processed: int = 0
    extracted: int = 0
    dropped: int = 0
    failed: int = 0
    duplicates: int = 0
    classified: int = 0
    alerts: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, other: "ProcessCounts") -> None:
        for k in ("processed", "extracted", "dropped", "failed", "duplicates", "classified", "alerts"):
            setattr(self, k, getattr(self, k) + getattr(other, k))
        self.errors.extend(other.errors)


CLASSIFY_BATCH = 16  # documents per classifier pass (the encoder is 2-3x faster per document in batches)


def prepare(doc: Document) -> Document:
    """The stages that read no store (extract, normalise, language, relevance): safe to run ahead for a
    group of documents, so that their texts can be classified in one batch."""
    doc = extract(doc)
    if doc.status == "dropped":
        return doc
    for stage in (normalize, detect_language, relevance):
        doc = stage(doc)
    return doc


def run_stages(doc: Document, store, policy, classifier, prepared: bool = False, classification=None) -> Document:
    """Every stage for one document. ``prepared``: ``prepare`` already ran; ``classification``: its
    result from a batch (``classify_many``), else it is classified here."""
    def lookup(content_hash: str) -> tuple[int, str] | None:
        row = store.find_by_hash(content_hash, doc.id)
        return (row["id"], row["story_id"]) if row else None

    if not prepared:
        doc = prepare(doc)
    if doc.status == "dropped":
        return doc
    doc = dedup(doc, lookup, store.find_near_duplicate)
    doc = classify(doc, classifier, classification)
    doc = cluster(doc, store.story_candidates)  # same event, other outlets/languages: join its story
    hours = policy.velocity.get("window_hours", 6)
    doc = triage(doc, policy, store.story_activity(doc.enrichment.story_id, doc.id, hours))
    doc.status = "processed"
    return doc


def process_batch(store, settings, ids: list[int]) -> ProcessCounts:
    counts = ProcessCounts()
    policy = load_policy(settings.resolved_thresholds_file(), tuple(settings.provinces))
    clf = get_classifier(settings=settings)  # transformer by default; rules (with a warning) if it cannot be built
    for group in _groups(store, ids):
        ready = [d for d, err in group if err is None and d.status != "dropped"]
        results = _classify_group(clf, ready)
        # then the store-dependent stages one document at a time, in order: dedup and triage see the
        # documents saved before them in this batch, as without the batching
        for doc, err in group:
            _process_one(store, policy, clf, doc, err, results.get(id(doc)), counts)
    after_batch(store, settings, policy, counts)
    return counts


def _groups(store, ids: list[int]):
    """Groups of ``CLASSIFY_BATCH`` loaded, prepared documents as (document, exception or None)."""
    for start in range(0, len(ids), CLASSIFY_BATCH):
        group = []
        for doc_id in ids[start:start + CLASSIFY_BATCH]:
            doc = store.load(doc_id)
            if doc.status != "fetched":
                continue  # another worker got there first
            try:
                group.append((prepare(doc), None))
            except Exception as exc:  # noqa: BLE001 - reported with the document below
                group.append((doc, exc))
        yield group


def _classify_group(clf, docs: list[Document]) -> dict:
    """Classifications by ``id(doc)``; empty when the batch fails, and then each document is classified
    alone (so that one bad document fails alone)."""
    from models.classifier import classify_many

    if not docs:
        return {}
    try:
        out = classify_many(clf, [(d.extraction.title, d.extraction.text, d.extraction.language) for d in docs])
    except Exception:  # noqa: BLE001
        log.warning("batch classification of %d documents failed; classifying them one by one", len(docs),
                    exc_info=True)
        return {}
    return {id(d): c for d, c in zip(docs, out)}


def _process_one(store, policy, clf, doc: Document, err, classification, counts: ProcessCounts) -> None:
    doc_id = doc.id
    try:
        if err is not None:
            raise err
        doc = run_stages(doc, store, policy, clf, prepared=True, classification=classification)
    except Exception as exc:  # a bad document must not stop the batch
        if (full := disk_full(exc)) is not None:  # a full disk is not the document's fault: it stays fetched
            raise StorageFull(full.filename, full) from exc
        log.exception("document %s failed", doc_id)
        doc.status, doc.status_note = "failed", f"{type(exc).__name__}: {exc}"
        counts.errors.append(f"document {doc_id} ({doc.url}): {doc.status_note}")
    sig = None
    if doc.status == "processed" and doc.enrichment.duplicate_of is None:
        sig = signature(doc.extraction.text)  # cached from the dedup stage
    outcome = store.save_processed(doc, signature=sig)  # one transaction with the document
    after_save(store, policy, doc, outcome)
    counts.processed += 1
    if doc.status == "processed":
        counts.extracted += 1
        counts.classified += 1
        counts.duplicates += doc.enrichment.duplicate_of is not None
        counts.alerts += outcome["new_alert"]
    elif doc.status == "dropped":
        counts.dropped += 1
    else:
        counts.failed += 1


def index_pending(store, index, batch: int = 500) -> int:
    """Bring the index up to date with the store; safe to repeat (upserts by document id)."""
    total = 0
    while True:
        ids = store.unindexed(batch)
        if not ids:
            return total
        index.upsert([IndexDoc.from_document(store.load(i, with_raw=False)) for i in ids])
        store.mark_indexed(ids)
        total += len(ids)
        check_saved_searches(store, index)
