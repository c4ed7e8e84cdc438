"""Runs pending documents through the stages, in batches, and keeps the index in step with the store.

Every document is written in one transaction after all its stages ran, so a crash loses at most the
work in flight: the document is still ``fetched`` and is processed again on the next run."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

from models.classifier import classify, get_classifier
from presswatch.index import IndexDoc
from presswatch.record import Document

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


def run_stages(doc: Document, store, policy, classifier) -> Document:
    def lookup(content_hash: str) -> tuple[int, str] | None:
        row = store.find_by_hash(content_hash, doc.id)
        return (row["id"], row["story_id"]) if row else None

    doc = extract(doc)
    if doc.status == "dropped":
        return doc
    for stage in (normalize, detect_language, relevance):
        doc = stage(doc)
    doc = dedup(doc, lookup, store.find_near_duplicate)
    doc = classify(doc, classifier)
    doc = cluster(doc, store.story_candidates)  # same event, other outlets/languages: join its story
    hours = policy.velocity.get("window_hours", 6)
    doc = triage(doc, policy, store.story_activity(doc.enrichment.story_id, doc.id, hours))
    doc.status = "processed"
    return doc


def process_batch(store, settings, ids: list[int]) -> ProcessCounts:
    counts = ProcessCounts()
    policy = load_policy(settings.resolved_thresholds_file(), tuple(settings.provinces))
    clf = get_classifier(settings=settings)  # transformer by default; rules (with a warning) if it cannot be built
    for doc_id in ids:
        doc = store.load(doc_id)
        if doc.status != "fetched":
            continue  # another worker got there first
        try:
            doc = run_stages(doc, store, policy, clf)
        except Exception as exc:  # a bad document must not stop the batch
            log.exception("document %s failed", doc_id)
            doc.status, doc.status_note = "failed", f"{type(exc).__name__}: {exc}"
            counts.errors.append(f"document {doc_id} ({doc.url}): {doc.status_note}")
        outcome = store.save_processed(doc)
        if doc.status == "processed" and doc.enrichment.duplicate_of is None:
            sig = signature(doc.extraction.text)  # cached from the dedup stage
            if sig is not None:
                store.save_signature(doc.id, sig)
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
    after_batch(store, settings, policy, counts)
    return counts


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
