"""Dedup stage: exact copies (same normalised body text) fold into the first copy's story.

The content hash is computed on folded, whitespace-free text, so the same story syndicated with other
page chrome, another tone-mark placement or lost diacritics is still one story. The stage asks a
``lookup(content_hash) -> (doc_id, story_id) | None`` for an earlier copy; it does not know the store."""
from __future__ import annotations

import hashlib
import re
from typing import Callable

from presswatch.record import Document
from presswatch.text import fold

_NON_WORD = re.compile(r"[\W_]+")


def content_hash(text: str) -> str:
    return hashlib.sha256(_NON_WORD.sub("", fold(text)).encode("utf-8")).hexdigest()


def dedup(doc: Document, lookup: Callable[[str], tuple[int, str] | None]) -> Document:
    e = doc.enrichment
    e.content_hash = content_hash(doc.extraction.text)
    earlier = lookup(e.content_hash)
    if earlier is not None:
        e.duplicate_of, e.story_id = earlier
    else:
        e.duplicate_of, e.story_id = None, "s" + e.content_hash[:15]
    return doc
