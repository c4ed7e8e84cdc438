"""Normalisation stage: NFC, one tone-mark placement, tidy whitespace on title and text."""
from presswatch.record import Document
from presswatch.text import normalize as _normalize


def normalize(doc: Document) -> Document:
    x = doc.extraction
    x.title = _normalize(x.title)
    x.text = _normalize(x.text)
    if x.author:
        x.author = _normalize(x.author)
    return doc
