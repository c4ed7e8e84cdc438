"""Relevance stage: which provinces a document is about, with a score and the evidence.

Names and former names of a province (old names are aliases of the merged province) and its local
entities are matched on folded text (diacritic- and case-insensitive). A province named only inside a
list of three or more provinces ("các tỉnh Bắc Ninh, Hưng Yên, Thái Bình và Lâm Đồng") does not count:
such lists are boiler-plate, not a story about the province."""
from __future__ import annotations

import math
import re

from presswatch.gazetteer import Gazetteer, load_gazetteer
from presswatch.record import Document, ProvinceHit
from presswatch.text import fold, has_diacritics, normalize

MIN_SCORE = 0.45  # one title mention, one local entity or two mentions in the text
TITLE_WEIGHT = 3.0
_LIST_GAP = re.compile(r"^[\s,;/&\-–]*(?:(?:va|and|cung|voi|hoac|or)\s+)?(?:(?:cac\s+)?(?:tinh|thanh pho|tp\.?)\s+)?$")


def _mentions(gaz: Gazetteer, text: str, use_folded: bool) -> list[tuple[int, int, str, str, float]]:
    found = [(s, e, pid, name.kind, name.weight)
             for s, e, hits in gaz.matcher.find(text, folded=use_folded) for pid, name in hits]
    found.sort()
    # drop mentions nested inside a longer one (e.g. an entity containing a province name)
    kept: list[tuple[int, int, str, str, float]] = []
    for m in found:
        if kept and m[0] < kept[-1][1]:
            if (m[1] - m[0]) > (kept[-1][1] - kept[-1][0]):
                kept[-1] = m
            continue
        kept.append(m)
    return kept


def _in_lists(mentions, folded: str) -> set[int]:
    """Indexes of province-name mentions that sit in a run of >= 3 different provinces joined by separators."""
    listed: set[int] = set()
    run = [0] if mentions else []
    for i in range(1, len(mentions) + 1):
        joined = (i < len(mentions) and mentions[i][3] != "entity" and mentions[i - 1][3] != "entity"
                  and _LIST_GAP.match(fold(folded[mentions[i - 1][1]:mentions[i][0]])) is not None)
        if joined:
            run.append(i)
            continue
        if len({mentions[j][2] for j in run}) >= 3:
            listed.update(run)
        run = [i]
    return listed


def score_provinces(title: str, text: str, gaz: Gazetteer | None = None) -> list[ProvinceHit]:
    gaz = gaz or load_gazetteer()
    totals: dict[str, float] = {}
    evidence: dict[str, list[str]] = {}
    # Text written with diacritics is matched with diacritics ("tiến du lịch" is not the district Tiên Du);
    # text typed without them is matched folded.
    use_folded = not has_diacritics(title + " " + text[:2000])
    for part, weight in ((title, TITLE_WEIGHT), (text, 1.0)):
        prepared = fold(part) if use_folded else normalize(part).lower()
        mentions = _mentions(gaz, prepared, use_folded)
        listed = _in_lists(mentions, prepared)
        for i, (s, e, pid, kind, w) in enumerate(mentions):
            if i in listed:
                continue
            totals[pid] = totals.get(pid, 0.0) + w * weight
            ev = evidence.setdefault(pid, [])
            phrase = part[s:e]
            if phrase not in ev and len(ev) < 5:
                ev.append(phrase)
    hits = []
    for pid, total in totals.items():
        score = round(1 - math.exp(-total / 2), 3)
        if score >= MIN_SCORE:
            hits.append(ProvinceHit(id=pid, score=score, evidence=evidence[pid]))
    return sorted(hits, key=lambda h: -h.score)


def relevance(doc: Document) -> Document:
    doc.enrichment.provinces = score_provinces(doc.extraction.title, doc.extraction.text)
    return doc
