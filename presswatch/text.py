"""Vietnamese text helpers shared by pipelines, models and the index.

- ``normalize``: NFC, one tone-mark placement (``hoà`` → ``hòa``, ``thuỷ`` → ``thủy``), tidy whitespace.
- ``fold``: lower case without diacritics, đ → d, one output character per input character so that
  offsets found in folded text are offsets in the original (used for highlighting).
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

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


@lru_cache(maxsize=8192)
def _fold_char(c: str) -> str:
    if c in "đĐ":
        return "d"
    if ord(c) < 128:
        return c.lower()
    base = "".join(ch for ch in unicodedata.normalize("NFD", c) if not unicodedata.combining(ch))
    base = base.lower()
    return base if len(base) == 1 else c.lower()[:1] or c


def fold(text: str) -> str:
    """Lower case, no diacritics, đ→d; len(fold(t)) == len(t) for NFC input."""
    return "".join(_fold_char(c) for c in text)


_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def phrase_pattern(phrase: str, folded: bool = True) -> re.Pattern:
    """A whole-word regex for a phrase, to run on ``fold(text)`` (default) or on ``normalize(text).lower()``
    (``folded=False``: diacritics must match). Commas/hyphens/spaces in the phrase match any separator."""
    base = normalize(phrase)
    parts = [re.escape(p) for p in _TOKEN.findall(fold(base) if folded else base.lower())]
    if not parts:
        return re.compile(r"(?!x)x")
    return re.compile(r"(?<![^\W_])" + r"[\W_]{1,3}".join(parts) + r"(?![^\W_])")


def has_diacritics(text: str) -> bool:
    return fold(text) != text.lower()
