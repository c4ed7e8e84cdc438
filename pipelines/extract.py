"""Extraction stage: raw bytes → title, text, author, published time, canonical URL.

Decoding honours the HTTP charset, then the page's meta charset, then detection (Windows-1258 pages
use combining tone marks; NFC is applied later by the normalisation stage). trafilatura does the main
text; when its output is too short the feed's content or the page's paragraphs are used instead."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import charset_normalizer
import trafilatura
from lxml import html as lxml_html

from presswatch.dates import parse_datetime
from presswatch.record import Document, utcnow

from . import legacy_encodings

MIN_TEXT_CHARS = 200
EARLIEST = datetime(1995, 1, 1, tzinfo=timezone.utc)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)
_CT_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_\-]+)", re.I)
_ALIASES = {"windows-1258": "cp1258", "x-cp1258": "cp1258", "utf8": "utf-8"}


_LATIN = {"iso-8859-1", "latin-1", "latin1", "l1", "iso8859-1", "windows-1252", "cp1252", "us-ascii", "ascii"}


def _visible(html_text: str) -> str:
    """Page text without scripts, styles and tags: what legacy-encoding detection is scored on."""
    return _TAG.sub(" ", _SCRIPTS.sub(" ", html_text))


def _legacy(text: str, enc: str) -> tuple[str, str]:
    """Convert TCVN3 / VNI font-encoded (or undeclared Windows-1258) text to Unicode when detected."""
    if not legacy_encodings.looks_legacy(text):
        return text, enc
    fixed, name = legacy_encodings.repair(_visible(text) if "<" in text[:2000] else text, hint_source=text)
    if name is None:
        return text, enc
    return legacy_encodings.CONVERTERS[name](text) or fixed, name


def decode(raw: bytes, content_type: str | None) -> tuple[str, str]:
    """Return (text, encoding used): the HTTP charset, then the meta charset, then UTF-8, then detection.

    Text read as Latin-1/Windows-1252 (declared or not) and UTF-8 text are also checked for Vietnamese
    legacy font encodings (TCVN3, VNI) and undeclared Windows-1258; when one is detected the text is
    converted to Unicode and its name ("tcvn3", "vni", "cp1258") is returned as the encoding."""
    candidates = []
    if content_type and (m := _CT_CHARSET.search(content_type)):
        candidates.append(m.group(1).lower())
    if m := _META_CHARSET.search(raw[:4096]):
        candidates.append(m.group(1).decode("ascii").lower())
    for enc in candidates:
        enc = _ALIASES.get(enc, enc)
        try:
            text = raw.decode(enc)
        except (LookupError, UnicodeDecodeError):
            if enc in _LATIN:  # Windows-1252 leaves five bytes undefined; Latin-1 reads every byte
                return _legacy(raw.decode("latin-1"), enc)
            continue
        return _legacy(text, enc) if enc in _LATIN or enc == "utf-8" else (text, enc)
    try:
        return _legacy(raw.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    text, enc = _legacy(raw.decode("latin-1"), "latin-1")
    if enc != "latin-1":
        return text, enc
    best = charset_normalizer.from_bytes(raw).best()
    if best is not None:
        return str(best), best.encoding
    return raw.decode("utf-8", errors="replace"), "utf-8 (with replacements)"


def _html_to_text(fragment: str) -> str:
    if not fragment.strip():
        return ""
    if "<" not in fragment:
        return fragment
    try:
        tree = lxml_html.fromstring(fragment)
    except (ValueError, lxml_html.etree.ParserError):
        return re.sub(r"<[^>]+>", " ", fragment)
    for bad in tree.xpath("//script|//style|//noscript"):
        bad.drop_tree()
    blocks = [b.text_content().strip() for b in tree.xpath("//p|//li|//h1|//h2|//h3|//blockquote")]
    blocks = [b for b in blocks if b]
    return "\n".join(blocks) if blocks else tree.text_content()


def _fallback_paragraphs(html_text: str) -> str:
    try:
        tree = lxml_html.fromstring(html_text)
    except (ValueError, lxml_html.etree.ParserError):
        return ""
    nodes = tree.xpath("//article//p") or tree.xpath("//main//p") or tree.xpath("//p")
    return "\n".join(t for t in (n.text_content().strip() for n in nodes) if len(t) > 30)


_SCRIPTS = re.compile(r"<(script|style|noscript|template)\b.*?</\1\s*>", re.S | re.I)
_TAG = re.compile(r"<[^>]*>")


def _strip_tags(html_text: str) -> str:
    """Last resort for pages the HTML parsers give up on (e.g. nesting deeper than libxml2's limit)."""
    import html as _html

    body = _SCRIPTS.sub(" ", html_text)
    body = _TAG.sub("\n", body)
    lines = [" ".join(_html.unescape(line).split()) for line in body.split("\n")]
    return "\n".join(line for line in lines if len(line) > 30)


def check_date(dt: datetime | None, now: datetime | None = None) -> tuple[datetime | None, str | None]:
    """Reject dates more than a day in the future or before 1995, saying why."""
    if dt is None:
        return None, None
    now = now or utcnow()
    if dt > now + timedelta(days=1):
        return None, f"date {dt.isoformat()} rejected: more than a day in the future"
    if dt < EARLIEST:
        return None, f"date {dt.isoformat()} rejected: before 1995"
    return dt, None


def extract(doc: Document) -> Document:
    f = doc.fetch
    raw = f.raw_bytes() if f else None
    x = doc.extraction
    notes: list[str] = []
    page_text = ""
    page_title = page_author = page_date = canonical = None
    if raw:
        html_text, x.encoding = decode(raw, f.headers.get("content-type"))
        if "<" in html_text[:2000]:
            bare = trafilatura.bare_extraction(html_text, url=f.final_url or f.requested_url, with_metadata=True,
                                               include_comments=False, favor_precision=True)
            if bare is not None:
                meta = bare.as_dict() if hasattr(bare, "as_dict") else dict(bare)
                page_text = meta.get("text") or ""
                page_title = meta.get("title")
                page_author = meta.get("author")
                page_date = meta.get("date")
                canonical = meta.get("url")
            x.extractor = "trafilatura"
            if len(page_text) < MIN_TEXT_CHARS:
                alt = _fallback_paragraphs(html_text)
                if len(alt) > len(page_text):
                    page_text, x.extractor = alt, "paragraphs"
            if len(page_text) < MIN_TEXT_CHARS:
                alt = _strip_tags(html_text)
                if len(alt) > len(page_text):
                    page_text, x.extractor = alt, "tags-stripped"
            try:
                tree = lxml_html.fromstring(html_text)
                for sel, attr in (("//meta[@property='article:published_time']", "content"),):
                    vals = tree.xpath(sel + "/@" + attr)
                    if vals:
                        page_date = vals[0]
                if not page_title:
                    t = tree.xpath("//meta[@property='og:title']/@content") or tree.xpath("//title/text()")
                    page_title = t[0] if t else None
                link = tree.xpath("//link[@rel='canonical']/@href")
                if link:
                    canonical = link[0]
            except (ValueError, lxml_html.etree.ParserError):
                pass
        else:
            page_text, x.extractor = html_text, "plain"
    feed_text = _html_to_text((f.feed_summary if f else "") or "") if f else ""
    if len(page_text) < MIN_TEXT_CHARS and f is not None and len(feed_text) > len(page_text):
        page_text, x.extractor = feed_text, "feed"
    x.text = page_text or x.text
    x.title = page_title or (f.feed_title if f else None) or x.title
    x.author = page_author or (f.feed_author if f else None) or x.author
    if canonical:
        x.canonical_url = canonical
    if x.encoding not in legacy_encodings.CONVERTERS:
        # feed text, imported or pasted text, or a UTF-8 page that still carries font-encoded text
        name, _, _ = legacy_encodings.detect_legacy(f"{x.title}\n{x.text}")
        if name is not None:
            conv = legacy_encodings.CONVERTERS[name]
            x.title, x.text = conv(x.title) or x.title, conv(x.text) or x.text
            x.author = (conv(x.author) or x.author) if x.author else x.author
            x.encoding = name
    # keep both dates: the page's wins when valid, the feed's is the fallback
    pd, note = check_date(parse_datetime(page_date))
    if note:
        notes.append("page " + note)
    fd, fnote = check_date(f.feed_published if f else None)
    if fnote:
        notes.append("feed " + fnote)
    if pd:
        x.published, x.published_source = pd, "page"
    elif fd:
        x.published, x.published_source = fd, "feed"
    elif x.published is not None:
        x.published, inote = check_date(x.published)
        if inote:
            notes.append(inote)
        x.published_source = "import" if x.published else "none"
    else:
        x.published_source = "none"
    x.date_note = "; ".join(notes) or None
    if not x.text.strip():
        doc.status, doc.status_note = "dropped", "no text could be extracted"
    return doc
