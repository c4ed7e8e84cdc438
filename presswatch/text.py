"""Vietnamese text helpers shared by pipelines, models and the index.

- ``normalize``: NFC, one tone-mark placement (``hoà`` → ``hòa``, ``thuỷ`` → ``thủy``), tidy whitespace.
- ``fold``: lower case without diacritics, đ → d, one output character per input character so that
  offsets found in folded text are offsets in the original (used for highlighting).
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any, Iterable

_WS = re.compile(r"[ \t\u00a0\u200b\u2009\u202f]+")
_NL = re.compile(r"\n{3,}")

# vowel pairs where the two conventions put the tone mark differently, at the end of a syllable only
_TONES = "\u0300\u0301\u0309\u0303\u0323"  # grave, acute, hook, tilde, dot below


def _tone_variants() -> dict[str, str]:
    table: dict[str, str] = {}
    for first, second in (("o", "a"), ("o", "e"), ("u", "y")):
        for tone in _TONES:
            for f, s in ((first, second), (first.upper(), second), (first.upper(), second.upper())):
                new_style = unicodedata.normalize("NFC", f + s + tone)  # hoà, thuỷ
                old_style = unicodedata.normalize("NFC", f + tone + s)  # hòa, thủy
                table[new_style] = old_style
    return table


_TONE_MAP = _tone_variants()
_TONE_RE = re.compile(
    r"(?<![qQ])(" + "|".join(map(re.escape, _TONE_MAP)) + r")(?![^\W\d_])"  # not 'quý', and at syllable end
)


def normalize(text: str) -> str:
    """NFC + one tone placement + whitespace tidy. Idempotent."""
    if not text:
        return ""
    t = unicodedata.normalize("NFC", text)
    t = _TONE_RE.sub(lambda m: _TONE_MAP[m.group(1)], t)
    t = t.replace("\r\n", "\n").replace("\r", "\n")
    t = "\n".join(_WS.sub(" ", line).strip() for line in t.split("\n"))
    return _NL.sub("\n\n", t).strip()


def _fold_char(c: str) -> str:
    if c in "đĐ":
        return "d"
    if ord(c) < 128:
        return c.lower()
    base = "".join(ch for ch in unicodedata.normalize("NFD", c) if not unicodedata.combining(ch))
    base = base.lower()
    return base if len(base) == 1 else c.lower()[:1] or c


@lru_cache(maxsize=1)
def _fold_table() -> dict[int, str]:
    """Every BMP character whose folded form differs, computed once (str.translate runs in C)."""
    table = {}
    for cp in range(0x10000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        c = chr(cp)
        f = _fold_char(c)
        if f != c:
            table[cp] = f
    return table


def fold(text: str) -> str:
    """Lower case, no diacritics, đ→d; len(fold(t)) == len(t) for NFC input."""
    return text.translate(_fold_table())


_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def has_diacritics(text: str) -> bool:
    return fold(text) != text.lower()


_SEGMENT = re.compile(r"[^.!?;:\n…]+")


class PhraseMatcher:
    """Finds many phrases in one pass over the words of a text (instead of one regex per phrase).

    Phrases match on whole words; commas, hyphens and spaces between their words are ignored, sentence
    punctuation is not crossed. ``find`` takes text prepared as ``fold(t)`` (``folded=True``, diacritics
    optional) or ``normalize(t).lower()`` (``folded=False``, diacritics must match) and returns
    ``(start, end, payloads)`` for every occurrence, overlapping ones included."""

    def __init__(self, phrases: Iterable[tuple[str, Any]]):
        self._tables: dict[bool, dict[tuple[str, ...], list]] = {True: {}, False: {}}
        self._prefixes: dict[bool, set[tuple[str, ...]]] = {True: set(), False: set()}
        for phrase, payload in phrases:
            base = normalize(phrase)
            for folded, prepared in ((True, fold(base)), (False, base.lower())):
                key = tuple(_TOKEN.findall(prepared))
                if not key:
                    continue
                self._tables[folded].setdefault(key, []).append(payload)
                for n in range(1, len(key)):
                    self._prefixes[folded].add(key[:n])

    def find(self, prepared: str, folded: bool = True) -> list[tuple[int, int, list]]:
        table, prefixes = self._tables[folded], self._prefixes[folded]
        out = []
        for seg in _SEGMENT.finditer(prepared):
            toks = [(m.group(), m.start() + seg.start(), m.end() + seg.start()) for m in _TOKEN.finditer(seg.group())]
            for i in range(len(toks)):
                key: tuple[str, ...] = ()
                for j in range(i, len(toks)):
                    key = key + (toks[j][0],)
                    hit = table.get(key)
                    if hit:
                        out.append((toks[i][1], toks[j][2], hit))
                    if key not in prefixes:
                        break
        return out


def csv_safe(v) -> str:
    """A spreadsheet-safe CSV cell: a value starting with = + - @ (or tab/CR) is shown as text, never run as a
    formula (crawled titles and notes end up in exports). Lists are joined with ", "."""
    s = "" if v is None else (", ".join(map(str, v)) if isinstance(v, list) else str(v))
    return "'" + s if s[:1] in ("=", "+", "-", "@", "\t", "\r") else s
