"""Language detection stage: writing-system rules first, then a statistical model for the rest.

1. **Script rules.** Lao, Khmer, Thai, Hangul (ko) and kana (ja) are each written in a script of their
   own, so the share of letters in that script decides; Han characters without kana are Chinese.
2. **Model** for Latin and Cyrillic text (vi, en, fr, ru, …): ``py3langid`` (its model ships inside the
   wheel; no download) or ``lingua`` (lingua-language-detector, restricted to the languages we watch).
   ``BACKEND`` is chosen by the numbers of ``benchmarks/language.py`` on the labelled sample in
   ``tests/data/language_sample.tsv`` (figures in the benchmark's docstring): rules + py3langid restricted to
   ``RESTRICTED`` scored 0.988 (996 texts) against 0.963 for py3langid alone and 0.976 for rules + lingua,
   at half lingua's memory and with no extra dependency.

Mixed posts (a Vietnamese post quoting English, a bilingual caption): ``detect_mixed`` scores each line /
sentence and returns the languages with their share of the letters; the document's language is the one
with the largest share."""
from __future__ import annotations

import os
import re
import unicodedata
from functools import lru_cache

from presswatch.record import Document

WATCHED = ("vi", "en", "zh", "ja", "ko", "lo", "km", "th", "fr", "ru")
BACKEND = os.environ.get("PRESSWATCH_LANGID", "rules+py3langid-restricted")  # see benchmarks/language.py

_RANGES = (  # (first, last, script)
    (0x0E80, 0x0EFF, "lo"), (0x1780, 0x17FF, "km"), (0x19E0, 0x19FF, "km"), (0x0E00, 0x0E7F, "th"),
    (0xAC00, 0xD7AF, "ko"), (0x1100, 0x11FF, "ko"), (0x3130, 0x318F, "ko"),
    (0x3040, 0x309F, "kana"), (0x30A0, 0x30FF, "kana"), (0x31F0, 0x31FF, "kana"), (0xFF66, 0xFF9F, "kana"),
    (0x4E00, 0x9FFF, "han"), (0x3400, 0x4DBF, "han"), (0xF900, 0xFAFF, "han"),
    (0x0400, 0x04FF, "cyrl"),
)


def _script(c: str) -> str:
    o = ord(c)
    if o < 0x0250:
        return "latn" if c.isalpha() else ""
    for lo, hi, name in _RANGES:
        if lo <= o <= hi:
            return name
    return "latn" if unicodedata.category(c).startswith("L") and o < 0x2000 else ("other" if c.isalpha() else "")


def script_counts(text: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for c in text:
        s = _script(c)
        if s:
            counts[s] = counts.get(s, 0) + 1
    return counts


_SCRIPT_RE = {name: re.compile("[" + "".join(f"\\u{lo:04x}-\\u{hi:04x}" for lo, hi, n in _RANGES if n == name) + "]")
              for name in ("lo", "km", "th", "ko", "kana", "han")}
_LETTER = re.compile(r"[^\W\d_]")


def by_script(text: str) -> tuple[str | None, float]:
    """(language, share of letters) when the writing system alone decides, else (None, 0)."""
    total = len(_LETTER.findall(text)) + len(re.findall("[\u0e31\u0e34-\u0e3a\u0e47-\u0e4e\u0eb1\u0eb4-\u0ebc"
                                                         "\u0ec8-\u0ecd\u17b4-\u17d3]", text))  # vowel signs, tones
    if not total:
        return None, 0.0
    counts = {name: len(rx.findall(text)) for name, rx in _SCRIPT_RE.items()}
    if not total:
        return None, 0.0
    for lang in ("lo", "km", "th", "ko"):
        if counts.get(lang, 0) / total >= 0.5:
            return lang, counts[lang] / total
    cjk = counts.get("han", 0) + counts.get("kana", 0)
    if cjk / total >= 0.5:
        return ("ja" if counts.get("kana", 0) / cjk >= 0.1 else "zh"), cjk / total
    return None, 0.0


@lru_cache(maxsize=1)
def _py3langid():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier  # model ships in the wheel

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


# py3langid restricted to the languages we watch plus the ones a regional monitor meets (so that unaccented
# Vietnamese is not read as Acehnese, Nigerian Pidgin or Occitan — its top errors unrestricted)
RESTRICTED = WATCHED + ("de", "es", "it", "pt", "nl", "id", "ms", "tl", "uk", "ar", "hi", "my", "pl", "tr", "sv")


@lru_cache(maxsize=1)
def _py3langid_restricted():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    ident.set_languages(list(RESTRICTED))
    return ident


@lru_cache(maxsize=1)
def _lingua():
    from lingua import Language, LanguageDetectorBuilder

    langs = [Language.VIETNAMESE, Language.ENGLISH, Language.FRENCH, Language.RUSSIAN, Language.CHINESE,
             Language.JAPANESE, Language.KOREAN, Language.THAI, Language.GERMAN, Language.SPANISH,
             Language.INDONESIAN, Language.UKRAINIAN]
    return LanguageDetectorBuilder.from_languages(*langs).with_preloaded_language_models().build()


def _model(sample: str, backend: str) -> tuple[str | None, float]:
    if backend.endswith("lingua"):
        confs = _lingua().compute_language_confidence_values(sample)
        if not confs:
            return None, 0.0
        top = confs[0]
        return top.language.iso_code_639_1.name.lower(), float(top.value)
    ident = _py3langid_restricted() if backend.endswith("py3langid-restricted") else _py3langid()
    lang, prob = ident.classify(sample)
    return lang, float(prob)


def detect(text: str, backend: str | None = None) -> tuple[str | None, float]:
    backend = backend or BACKEND
    sample = text[:3000].strip()
    if len(sample) < (2 if backend.startswith("rules") else 20):
        return None, 0.0
    if backend.startswith("rules"):
        lang, share = by_script(sample)
        if lang is not None:
            return lang, round(min(1.0, share), 3)
        if len(sample) < 20 and not script_counts(sample).get("cyrl"):
            # very short Latin text: a model is guessing; only say "vi" when the letters prove it
            if re.search("[ăâđêôơưĂÂĐÊÔƠƯ\u1ea0-\u1ef9]", sample):
                return "vi", 0.9
    return _model(sample, backend)


_PIECES = re.compile(r"[^\n.!?。！？]+[.!?。！？]?")


def detect_mixed(text: str, backend: str | None = None) -> list[tuple[str, float]]:
    """Languages of a mixed text with their share of its letters, largest first."""
    letters: dict[str, int] = {}
    for m in _PIECES.finditer(text[:20000]):
        piece = m.group().strip()
        n = sum(1 for c in piece if c.isalpha())
        if n < 3:
            continue
        lang, _ = detect(piece, backend)
        if lang:
            letters[lang] = letters.get(lang, 0) + n
    total = sum(letters.values()) or 1
    return sorted(((k, round(v / total, 3)) for k, v in letters.items()), key=lambda kv: -kv[1])


def detect_language(doc: Document) -> Document:
    x = doc.extraction
    lang, conf = detect(f"{x.title}\n{x.text}")
    if lang is None or conf < 0.5:
        lang = lang if lang and not doc.source.language else (doc.source.language or lang)
    x.language, x.language_confidence = lang, round(conf, 3)
    return doc
