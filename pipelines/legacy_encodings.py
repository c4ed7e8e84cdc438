"""Vietnamese legacy font encodings: detection and conversion to Unicode NFC.

Before Unicode, Vietnamese web pages and documents were written in 8-bit *font* encodings: the bytes
are plain Latin-1 / Windows-1252 as far as HTTP and HTML know (pages say ``charset=iso-8859-1`` or
nothing), and only a special font (``.VnTime`` for TCVN3/ABC, ``VNI-Times`` for VNI) draws them as
Vietnamese letters. Decoded honestly they read as mojibake — ``Hµ Néi`` (TCVN3) or ``Haø Noäi`` (VNI)
for "Hà Nội" — and nothing downstream (matching, search, language) works on them.

- **TCVN3 (ABC, TCVN 5712:1993 VN3)**: one byte per letter. Toned lower-case letters and the seven
  base capitals Ă Â Ê Ô Ơ Ư Đ have their own byte; toned capitals were drawn with a capitals-only font
  (``.VnTimeH``) using the lower-case bytes, so they convert to lower case (the text is right, the
  case of those letters is lost — the same as every converter).
- **VNI (VNI-Windows)**: a base letter followed by one byte for the vowel shape and/or tone
  (``a`` + ``ù`` = á, ``a`` + ``ä`` = ậ), plus single bytes for ơ ư đ and some i/y forms.
- **Windows-1258** is a real charset (decoded by Python's ``cp1258``, with combining tone marks that
  NFC composes); it is handled by the decoder, and recognised here when a page does not declare it.

Detection does not trust a single character: each candidate conversion is scored by the share of its
words that are well-formed Vietnamese syllables, and a conversion is applied only when it turns a text
that is mostly *not* Vietnamese into one that mostly is (font names such as ``.VnTime`` in the page lower
the bar a little). Text that already carries Unicode Vietnamese letters is never converted.
"""
from __future__ import annotations

import re
import unicodedata

# ---------------------------------------------------------------------------------------------- tables
# TCVN3: byte (read as a Latin-1 character) -> Unicode letter. Laid out by base vowel, in the order
# base, grave, hook, tilde, acute, dot below (the byte order of the standard).
_TCVN3_ROWS = (
    ("a", "\xb5\xb6\xb7\xb8\xb9", "àảãáạ"),
    ("ă", "\xa8\xbb\xbc\xbd\xbe\xc6", "ăằẳẵắặ"),
    ("â", "\xa9\xc7\xc8\xc9\xca\xcb", "âầẩẫấậ"),
    ("e", "\xcc\xce\xcf\xd0\xd1", "èẻẽéẹ"),
    ("ê", "\xaa\xd2\xd3\xd4\xd5\xd6", "êềểễếệ"),
    ("i", "\xd7\xd8\xdc\xdd\xde", "ìỉĩíị"),
    ("o", "\xdf\xe1\xe2\xe3\xe4", "òỏõóọ"),
    ("ô", "\xab\xe5\xe6\xe7\xe8\xe9", "ôồổỗốộ"),
    ("ơ", "\xac\xea\xeb\xec\xed\xee", "ơờởỡớợ"),
    ("u", "\xef\xf1\xf2\xf3\xf4", "ùủũúụ"),
    ("ư", "\xad\xf5\xf6\xf7\xf8\xf9", "ưừửữứự"),
    ("y", "\xfa\xfb\xfc\xfd\xfe", "ỳỷỹýỵ"),
    ("đ", "\xae", "đ"),
    ("capitals", "\xa1\xa2\xa3\xa4\xa5\xa6\xa7", "ĂÂÊÔƠƯĐ"),
)
TCVN3: dict[str, str] = {}
for _base, _bytes, _letters in _TCVN3_ROWS:
    assert len(_bytes) == len(_letters), _base
    TCVN3.update(zip(_bytes, _letters))
_TCVN3_TRANS = str.maketrans(TCVN3)

# VNI: letters are a base plus modifier characters (as read through Latin-1 / Windows-1252).
# Modifier for (shape, tone): shape "" (plain vowel), "^" (circumflex), "(" (breve); tones in order
# grave, hook, tilde, acute, dot below.
_VNI_TONE_LOWER = {"": "øûõùï", "^": "àåãáä", "(": "èúüéë"}
_VNI_SHAPE_LOWER = {"^": "â", "(": "ê"}
_VNI_SINGLE = {  # whole letters that VNI writes as one byte
    "ô": "ơ", "Ô": "Ơ", "ö": "ư", "Ö": "Ư", "ñ": "đ", "Ñ": "Đ",
    "ì": "ì", "Ì": "Ì", "í": "í", "Í": "Í", "æ": "ỉ", "Æ": "Ỉ", "ó": "ĩ", "Ó": "Ĩ", "ò": "ị", "Ò": "Ị",
    "î": "ỵ", "Î": "Ỵ",
}
_TONES = "\u0300\u0309\u0303\u0301\u0323"  # grave, hook, tilde, acute, dot below (VNI order)
_SHAPES = {"": "", "^": "\u0302", "(": "\u0306"}


def _build_vni() -> dict[str, str]:
    table: dict[str, str] = {}
    for base in "aeouyAEOUY":
        lower = base.islower()
        shapes = {"a": ("", "^", "("), "e": ("", "^"), "o": ("", "^")}.get(base.lower(), ("",))
        for shape in shapes:
            shape_mod = _VNI_SHAPE_LOWER.get(shape, "")
            if shape:
                table[base + (shape_mod if lower else shape_mod.upper())] = unicodedata.normalize(
                    "NFC", base + _SHAPES[shape])
            for tone, mod in zip(_TONES, _VNI_TONE_LOWER[shape]):
                if base.lower() == "y" and tone == "\u0323":
                    continue  # ỵ is a single byte (î)
                table[base + (mod if lower else mod.upper())] = unicodedata.normalize(
                    "NFC", base + _SHAPES[shape] + tone)
    # ơ / ư (single bytes) carry tones as a following modifier: ôù = ớ, öï = ự
    for single, letter in (("ô", "ơ"), ("Ô", "Ơ"), ("ö", "ư"), ("Ö", "Ư")):
        for tone, mod in zip(_TONES, _VNI_TONE_LOWER[""]):
            table[single + (mod if single.islower() else mod.upper())] = unicodedata.normalize("NFC", letter + tone)
    for k, v in _VNI_SINGLE.items():
        table.setdefault(k, v)
    return table


VNI: dict[str, str] = _build_vni()
_VNI_RE = re.compile("|".join(sorted(map(re.escape, VNI), key=len, reverse=True)))

# ------------------------------------------------------------------------------------------ conversion


def tcvn3_to_unicode(text: str) -> str:
    return unicodedata.normalize("NFC", text.translate(_TCVN3_TRANS))


def vni_to_unicode(text: str) -> str:
    return unicodedata.normalize("NFC", _VNI_RE.sub(lambda m: VNI[m.group()], text))


def _cp1258(text: str) -> str | None:
    """Re-read text that was decoded as Latin-1/Windows-1252 as Windows-1258 (None if impossible)."""
    try:
        raw = text.encode("cp1252")
    except UnicodeEncodeError:
        try:
            raw = text.encode("latin-1")
        except UnicodeEncodeError:
            return None
    try:
        return unicodedata.normalize("NFC", raw.decode("cp1258"))
    except UnicodeDecodeError:
        return None


CONVERTERS = {"tcvn3": tcvn3_to_unicode, "vni": vni_to_unicode, "cp1258": _cp1258}

# ------------------------------------------------------------------------------------------- scoring
_ONSET = "ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnpqrstvx]"
_NUCLEUS = "[aăâeêioôơuưy]{1,3}"
_CODA = "ch|ng|nh|[cmnpt]|[iyou]"
_SYLLABLE = re.compile(rf"^(?:{_ONSET})?{_NUCLEUS}(?:{_CODA})?$")
_TONE_MARKS = set(_TONES)
_WORD = re.compile(r"[^\W\d_]+")
# Unicode Vietnamese letters that no Latin-1/Windows-1252 text contains
_VIET_ONLY = re.compile("[\u0102\u0103\u0110\u0111\u0128\u0129\u0168\u0169\u01a0\u01a1\u01af\u01b0\u1ea0-\u1ef9]")
_HIGH = re.compile("[\u00a0-\u00ff]")
_FONT_HINTS = {
    "tcvn3": re.compile(r"\.?vn(?:time|arial|times|helve|avant|courier|souvenir|book|cooper)|abc\b|tcvn3?", re.I),
    "vni": re.compile(r"vni[- ]", re.I),
}


def syllable_share(text: str) -> float:
    """Share of the alphabetic words of ``text`` that are well-formed Vietnamese syllables."""
    words = _WORD.findall(text[:20000])
    if not words:
        return 0.0
    good = 0
    for w in words:
        d = unicodedata.normalize("NFD", w.lower())
        tones = sum(1 for c in d if c in _TONE_MARKS)
        if tones > 1:
            continue
        base = unicodedata.normalize("NFC", "".join(c for c in d if c not in _TONE_MARKS))
        if _SYLLABLE.match(base):
            good += 1
    return good / len(words)


def looks_legacy(text: str) -> bool:
    """Cheap pre-check: Latin-1 letters present and no Unicode Vietnamese letters."""
    return len(_HIGH.findall(text[:20000])) >= 3 and not _VIET_ONLY.search(text[:20000])


def detect_legacy(text: str, hint_source: str = "") -> tuple[str | None, float, float]:
    """Return (encoding or None, score before, score after) for a text read as Latin-1/Windows-1252.

    ``hint_source`` is where font names may appear (the page's HTML); a matching font name lowers the
    bar. Only the visible text should be passed as ``text``."""
    if not looks_legacy(text):
        return None, 0.0, 0.0
    before = syllable_share(text)
    best, best_score = None, before
    for name, conv in CONVERTERS.items():
        out = conv(text)
        if out is None or out == text:
            continue
        score = syllable_share(out)
        hinted = bool(hint_source) and name in _FONT_HINTS and bool(_FONT_HINTS[name].search(hint_source))
        need_gain, need_score = (0.1, 0.5) if hinted else (0.2, 0.6)
        if score >= need_score and score - before >= need_gain and score > best_score:
            best, best_score = name, score
    return best, before, best_score


def repair(text: str, hint_source: str = "") -> tuple[str, str | None]:
    """Convert ``text`` from a detected legacy encoding; returns (text, encoding name or None)."""
    name, _, _ = detect_legacy(text, hint_source)
    if name is None:
        return text, None
    out = CONVERTERS[name](text)
    return (out, name) if out is not None else (text, None)


# -------------------------------------------------------------------------------- encoders (for tests)
_TCVN3_REVERSE = {v: k for k, v in TCVN3.items()}
_VNI_REVERSE = {v: k for k, v in VNI.items()}


def unicode_to_tcvn3(text: str) -> str:
    """Encode Unicode Vietnamese as TCVN3 characters (toned capitals become lower case, as in the font)."""
    out = []
    for c in unicodedata.normalize("NFC", text):
        if c in _TCVN3_REVERSE:
            out.append(_TCVN3_REVERSE[c])
        elif c.lower() in _TCVN3_REVERSE and c.lower() != c:
            out.append(_TCVN3_REVERSE[c.lower()])
        else:
            out.append(c)
    return "".join(out)


def unicode_to_vni(text: str) -> str:
    return "".join(_VNI_REVERSE.get(c, c) for c in unicodedata.normalize("NFC", text))


def unicode_to_cp1258(text: str) -> bytes:
    """Encode as Windows-1258 the way Vietnamese Windows wrote it: base letters (with their shape marks
    where the code page has them) followed by a combining tone mark."""
    out = bytearray()
    for c in unicodedata.normalize("NFC", text):
        try:
            out += c.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        d = unicodedata.normalize("NFD", c)
        tone = "".join(ch for ch in d if ch in _TONE_MARKS)
        base = unicodedata.normalize("NFC", "".join(ch for ch in d if ch not in _TONE_MARKS))
        out += base.encode("cp1258", errors="replace") + tone.encode("cp1258", errors="replace")
    return bytes(out)
