"""Language detection stage (py3langid, a model that ships inside the package: no download)."""
from __future__ import annotations

from functools import lru_cache

from presswatch.record import Document


@lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier  # model ships in the wheel

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect(text: str) -> tuple[str | None, float]:
    sample = text[:3000].strip()
    if len(sample) < 20:
        return None, 0.0
    lang, prob = _identifier().classify(sample)
    return lang, float(prob)


def detect_language(doc: Document) -> Document:
    x = doc.extraction
    lang, conf = detect(f"{x.title}\n{x.text}")
    if lang is None or conf < 0.5:
        lang = lang if lang and not doc.source.language else (doc.source.language or lang)
    x.language, x.language_confidence = lang, round(conf, 3)
    return doc
