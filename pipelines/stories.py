"""Story clustering stage: articles about the same event, from other outlets and in other languages, join
one story within a time window. Copies were already folded by ``pipelines.dedup``; this stage runs on
originals only (``duplicate_of is None``), after classification and before triage, so that triage's
velocity counts the whole story.

An item is compared with the members of the stories seen within ``WINDOW_HOURS`` (72 h) on either side
of its time (publication time, else fetch time, else now). Two signals:

* **similarity** — with the classifier's document embedding (``enrichment.embedding``, multilingual e5,
  title + lead; the candidate must carry a vector of the same model) its cosine; otherwise (keyword
  classifier, or the candidate has no vector) the cosine of a text vector of the folded title + lead:
  word bigrams without function words, numbers and names, sub-linear counts, the title counted twice,
  signed-hashed into ``TEXT_DIM`` dimensions;
* **agreement** — shared *names*: runs of capitalised words (as folded word pairs; a sentence's first
  word, institution pairs such as "Ban Quản lý" and the provinces' own names do not count) and numbers
  (``1.200`` = ``1,200``; dates, years and times do not count, two-digit numbers count ½). A name
  counts only when it is *specific*: carried by at most ``SPECIFIC_STORIES`` (or ``SPECIFIC_SHARE`` of
  the) stories held — "Bộ GD-ĐT" or "Nha Trang" tell nothing.

A pair joins when it clears one of ``BARS`` for its signal and for whether the two languages agree:
a similarity *and* a shared-name score. Only members sharing a specific name are scored (an inverted
index in the window), so the cost per item does not grow with the window.

Decisions (wrongly merging two events is worse than missing a merge, so every rule errs on "apart"):

* similarity alone never merges: two strikes in two industrial parks of one province on one day look
  alike to any topic-level vector (e5 0.90-0.93); the names and numbers tell them apart (calibrated on
  ``tests/data/stories/events.yaml`` and VNTC pairs, ``benchmarks/stories.py --calibrate``);
* across languages e5 scores the same event (0.87-0.90) no higher than the most similar unrelated
  pairs (VNTC 99.9th percentile 0.90), so a cross-language pair needs two specific names (or numbers)
  besides; the text path asks the same across languages;
* items whose province hits are disjoint are never merged;
* a *distorting* item never joins a story of non-distorting items (nor the reverse): alerts are one
  per story and the two take different review paths (a rebuttal vs. a fix; plans-digest take-away 2);
* single link on members (not a centroid): the best-matching member within the window decides, and
  the window bounds how far a chain can drift.

Known weak spot (benchmarks/README.md): long-running topics that repeat specific names — two rounds of
one football league, two statements of one official — can still join: about 2.8 % of the VNTC
originals in the 100,000-document benchmark (8 of 20 inspected joins; the other 12 were follow-ups of
one story).

The matched story's id is set on the item; ``duplicate_of`` stays None (another article of the same
story, not a copy). The stage asks ``candidates(at, hours, exclude_id) -> Candidates`` (the store's
``Store.story_candidates``) and does not know the store; ``features(doc)`` is what the store keeps
per original (``story_vectors``)."""
from __future__ import annotations

import math
import re
import zlib
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from typing import Callable

import numpy as np

from presswatch.record import Document, utcnow
from presswatch.text import fold

WINDOW_HOURS = 72.0
LEAD_CHARS = 1200      # characters of body text after the title (the encoder sees about the same lead)
TEXT_DIM = 1024        # hashed text-vector dimensions (noise between unrelated texts ~ 1/sqrt(TEXT_DIM))
# The bars, calibrated with ``benchmarks/stories.py --calibrate`` (figures in benchmarks/README.md): per
# signal and per pair of languages, (similarity at least, shared-name score at least); any one passes.
# Same event, same language: e5 0.95-0.98, text 0.33-0.54; other events of the same topic, day and
# province ("twins"): e5 up to 0.925, text up to 0.32, no specific name shared; 1,500 VNTC articles:
# e5 99.9th percentile 0.90, text 0.225. Across languages e5 gives 0.87-0.90 for the same event, no more
# than for unrelated pairs, so there the names decide.
BARS = {
    ("embedding", True): ((0.95, 1.0), (0.93, 1.5)),
    ("embedding", False): ((0.86, 2.0),),
    ("text", True): ((0.45, 1.0), (0.30, 1.5)),
    ("text", False): ((0.20, 2.0),),
}
SPECIFIC_STORIES = 3   # a name counts only if at most max(this, SPECIFIC_SHARE x stories held) stories carry it
SPECIFIC_SHARE = 0.001
TOP_K = 16             # best candidates checked for entity agreement

_WORD = re.compile(r"[^\W_]+")
_NUMBER = re.compile(r"\d[\d.,]*\d|\d")
_DATE = re.compile(r"\b\d{1,2}\s*(?:/|-|\.)\s*\d{1,2}(?:\s*(?:/|-|\.)\s*\d{2,4})?\b|\b\d{1,2}\s*(?:giờ|h|:)\s*\d{0,2}")
_SENT_END = re.compile(r"[.!?:;\n(\"“]\s*$")

# Function words (folded Vietnamese syllables and English words): a bigram with one of them is dropped.
STOP = frozenset("""
va la cua co cac nhung duoc trong cho voi nay da se dang khong mot tai tu den ve theo nhu khi de thi ma cung ra
vao len bi tren duoi sau truoc nam ngay thang gio hom nay nen neu vi do nhieu it hon rat lai con moi tung
nhat o day kia ay hay hoac nhung ong ba anh chi em toi chung ho minh ta sang chieu toi dem trua khuya qua
vua moi van deu cung chua tat ca tung tren sao bao gom cu the nhu vay thuoc ban dau hien nua viec su
cho biet noi rang the thuc ngoai them ben giua nhan dip luc lan phan
the a an and or of to in on at by for from with as is are was were be been has have had it its this that
these those which who whom whose what when where while after before over under into onto than then there
their they them he she his her we our you your i not no but also said says about some more most other
""".split())


# Name words that, paired with each other, name an institution of every province (Ban Quản lý, Công an,
# Liên đoàn Lao động, Bệnh viện Đa khoa, …): such a pair is no sign of the same event.
GENERIC_NAME_WORDS = frozenset("""
ban quan ly so bo uy hoi dong nhan dan cong an ty tnhh kcn ccn khu lien doan lao canh sat giao thong pccc cuu nan
tinh huyen xa phuong thi tran tp thanh pho benh vien da khoa truong ubnd hdnd mttq chinh phu quoc hoi toa kiem
vks tand bch quan su bien phong dai doi ngu dang trung uong tuyen giao thuong mai dich vu tap ty co phan
province city district commune ward police department committee people the of and co ltd general hospital
""".split())


def item_time(doc: Document) -> datetime:
    """The time a story window is measured on: publication, else fetch, else now (UTC)."""
    t = doc.extraction.published or (doc.fetch.fetched_at if doc.fetch else None) or utcnow()
    return t if t.tzinfo else t.replace(tzinfo=timezone.utc)


def _h(s: str) -> int:
    return zlib.crc32(s.encode("utf-8"))


def _number(tok: str) -> str:
    return re.sub(r"[.,]", "", tok)


def entity_tokens(text: str, exclude: frozenset[str] = frozenset()) -> set[str]:
    """Names (runs of capitalised words as folded word pairs; a sentence's first word does not count as
    capitalised) and numbers with two or more digits, separators removed."""
    out: set[str] = set(numbers(text))
    run: list[str] = []
    prev_end = 0
    for m in _WORD.finditer(text):
        tok, gap = m.group(), text[prev_end:m.start()]
        initial = m.start() == 0 or bool(_SENT_END.search(text[max(0, m.start() - 3):m.start()]))
        capital = tok[0].isupper() and not tok.isdigit() and not initial
        if run and (not capital or gap.strip(" -–")):
            out.update(_name_pairs(run))
            run = []
        if capital:
            run.append(fold(tok))
        prev_end = m.end()
    out.update(_name_pairs(run))
    return {t for t in out if t not in exclude}


def _name_pairs(run: list[str]) -> list[str]:
    return [a + " " + b for a, b in zip(run, run[1:]) if not (a in GENERIC_NAME_WORDS and b in GENERIC_NAME_WORDS)]


def name_weight(token: str) -> float:
    """A shared name counts 1, a shared number of three or more digits 1, a two-digit number ½."""
    return 0.5 if token.isdigit() and len(token) == 2 else 1.0


def numbers(text: str) -> list[str]:
    """Numbers with two or more digits, separators removed (1.200 = 1,200); dates (20/11, 20/11/2026),
    years and times of day are left out: every story of the day shares them."""
    out = []
    for m in _NUMBER.finditer(_DATE.sub(" ", text)):
        n = _number(m.group())
        if len(n) >= 2 and not (len(n) == 4 and 1990 <= int(n) <= 2039):
            out.append(n)
    return out


@dataclass(frozen=True)
class Features:
    terms: np.ndarray            # uint32 hashes of the text features
    weights: np.ndarray          # float32, L2-normalised over the terms
    entities: frozenset[str]
    embedding: np.ndarray | None = None  # float32, unit length (the classifier's vector)
    model: str | None = None     # the classifier version that made the embedding

    def dense(self) -> np.ndarray:
        return dense(self.terms, self.weights)


def dense(terms: np.ndarray, weights: np.ndarray, dim: int = TEXT_DIM) -> np.ndarray:
    """Signed feature hashing of (terms, weights) into ``dim`` dimensions, L2-normalised."""
    v = np.zeros(dim, dtype=np.float32)
    t = terms.astype(np.uint64)
    sign = np.where((t >> np.uint64(31)) & np.uint64(1), -1.0, 1.0).astype(np.float32)
    np.add.at(v, (t % np.uint64(dim)).astype(np.intp), sign * weights.astype(np.float32))
    n = float(np.linalg.norm(v))
    return v / n if n else v


def _text_terms(title: str, lead: str) -> dict[int, float]:
    counts: dict[int, float] = {}
    for part, mult in ((title, 2.0), (lead, 1.0)):
        words = _WORD.findall(fold(part))
        for a, b in zip(words, words[1:]):
            if a in STOP or b in STOP or a.isdigit() or b.isdigit():
                continue
            k = _h(a + " " + b)
            counts[k] = counts.get(k, 0.0) + mult
        for m in _NUMBER.finditer(part):
            n = _number(m.group())
            if len(n) >= 2:
                k = _h("#" + n)
                counts[k] = counts.get(k, 0.0) + mult
    return counts


@lru_cache(maxsize=256)
def _text_features(title: str, text: str, exclude: frozenset[str]) -> tuple[np.ndarray, np.ndarray, frozenset]:
    title = (title or "").strip()
    body = (text or "").strip()
    if title and body.startswith(title):
        body = body[len(title):].lstrip()
    lead = body[:LEAD_CHARS]
    counts = _text_terms(title, lead)
    ents = entity_tokens(title + ".\n" + lead, exclude)
    for e in ents:  # names count in the text vector too
        k = _h("@" + e)
        counts[k] = counts.get(k, 0.0) + 1.0
    terms = np.fromiter(counts.keys(), dtype=np.uint32, count=len(counts))
    w = np.array([1.0 + math.log(c) for c in counts.values()], dtype=np.float32)
    n = float(np.linalg.norm(w))
    return terms, (w / n if n else w), frozenset(ents)


@lru_cache(maxsize=1)
def province_names() -> frozenset[str]:
    """Folded word pairs of every province's own names (name, English name, aliases, the provinces merged
    into it; gazetteer.yaml): shared by a whole province, so no sign of one event. Districts, wards and
    industrial parks stay names (they are specific)."""
    from presswatch.gazetteer import load_gazetteer

    out: set[str] = set()
    for p in load_gazetteer().provinces.values():
        for name in [p.name, p.name_en, *p.merged_from, *(n.text for n in p.names if n.kind in ("name", "alias"))]:
            words = _WORD.findall(fold(name or ""))
            out.update(a + " " + b for a, b in zip(words, words[1:]))
    return frozenset(out)


def features(doc: Document) -> Features:
    terms, weights, ents = _text_features(doc.extraction.title, doc.extraction.text, province_names())
    emb = doc.enrichment.embedding
    vec = None
    if emb is not None:
        vec = np.asarray(emb, dtype=np.float32)
        n = float(np.linalg.norm(vec))
        vec = vec / n if n else None
    return Features(terms, weights, ents, vec, doc.enrichment.model_version if vec is not None else None)


def stance_family(stance: str | None) -> str:
    return "distorting" if stance == "distorting" else "other"


@dataclass
class Candidates:
    """Members of stories as arrays, with ``mask`` marking the ones within the window (built by
    ``Window.view`` for the store's ``Store.story_candidates``)."""
    mask: np.ndarray                         # bool (n,)
    doc_ids: np.ndarray                      # int64 (n,)
    story_ids: list[str]
    text: np.ndarray                         # float16 (n, TEXT_DIM)
    emb: np.ndarray | None                   # float16 (n, d) or None; rows without a vector are zero
    models: list[str | None]
    entities: list[frozenset[str]]
    families: list[str]
    provinces: list[frozenset[str]]
    langs: list[str | None]
    name_stories: dict[str, dict[str, int]] | None = None  # name -> {story id: members carrying it}
    stories_held: int = 0
    name_rows: dict[str, set[int]] | None = None  # name -> rows carrying it (None: scan every row)

    def __len__(self) -> int:
        return int(self.mask.sum())

    def specific(self, name: str) -> bool:
        """Whether a name is specific to a few stories among those held (``Bộ GD-ĐT``, ``Nha Trang`` are not)."""
        if self.name_stories is None:
            return True
        return len(self.name_stories.get(name, ())) <= max(SPECIFIC_STORIES, SPECIFIC_SHARE * self.stories_held)

    def sharing(self, mine: frozenset[str]) -> np.ndarray:
        """Rows within the window that share at least one specific name with ``mine``: the only ones that
        can pass a bar (every bar asks for a shared-name score ≥ 1), so the only ones scored."""
        if self.name_rows is None:
            return np.flatnonzero(self.mask)
        rows: set[int] = set()
        for name in mine:
            if name in self.name_rows and self.specific(name):
                rows |= self.name_rows[name]
        idx = np.fromiter(rows, dtype=np.int64, count=len(rows))
        return idx[self.mask[idx]] if idx.size else idx

    def name_score(self, mine: frozenset[str], i: int) -> float:
        return sum(name_weight(t) for t in mine & self.entities[i] if self.specific(t))


@dataclass
class Row:
    """One stored member (a ``story_vectors`` row, decoded)."""
    doc_id: int
    story_id: str
    at: float                                # epoch seconds
    features: Features | None                # None: the row was withdrawn (the item became a copy)
    family: str = "other"
    provinces: frozenset[str] = frozenset()
    lang: str | None = None


class Window:
    """The members seen from ``lo`` on, in memory: the store loads new rows into it by change sequence,
    so that each item is compared by two matrix products instead of reading the window from SQLite.
    A row of a document already held replaces it; old rows are dropped by ``compact``."""

    def __init__(self, lo: float):
        self.lo = lo
        self.seq = 0
        self.n = 0
        self.valid = np.zeros(0, dtype=bool)
        self.at = np.zeros(0)
        self.doc_ids = np.zeros(0, dtype=np.int64)
        self.text = np.zeros((0, TEXT_DIM), dtype=np.float16)  # float16 in memory: only gathered rows are scored
        self.emb: np.ndarray | None = None
        self.story_ids: list[str] = []
        self.models: list[str | None] = []
        self.entities: list[frozenset[str]] = []
        self.families: list[str] = []
        self.provinces: list[frozenset[str]] = []
        self.langs: list[str | None] = []
        self.where: dict[int, int] = {}
        self.name_stories: dict[str, dict[str, int]] = {}
        self.name_rows: dict[str, set[int]] = {}
        self.story_members: dict[str, int] = {}

    def _count(self, i: int, step: int) -> None:
        sid = self.story_ids[i]
        self.story_members[sid] = self.story_members.get(sid, 0) + step
        if self.story_members[sid] <= 0:
            del self.story_members[sid]
        for name in self.entities[i]:
            d = self.name_stories.setdefault(name, {})
            d[sid] = d.get(sid, 0) + step
            rows = self.name_rows.setdefault(name, set())
            if step > 0:
                rows.add(i)
            else:
                rows.discard(i)
            if d[sid] <= 0:
                del d[sid]
                if not d:
                    del self.name_stories[name], self.name_rows[name]

    def _grow(self, need: int) -> None:
        cap = len(self.at)
        if need <= cap:
            return
        new = max(need, 2 * cap, 256)
        pad = new - cap
        self.valid = np.concatenate([self.valid, np.zeros(pad, dtype=bool)])
        self.at = np.concatenate([self.at, np.zeros(pad)])
        self.doc_ids = np.concatenate([self.doc_ids, np.zeros(pad, dtype=np.int64)])
        self.text = np.concatenate([self.text, np.zeros((pad, TEXT_DIM), dtype=np.float16)])
        if self.emb is not None:
            self.emb = np.concatenate([self.emb, np.zeros((pad, self.emb.shape[1]), dtype=np.float16)])

    def add(self, row: Row) -> None:
        old = self.where.pop(row.doc_id, None)
        if old is not None and self.valid[old]:
            self.valid[old] = False
            self._count(old, -1)
        if row.features is None:
            return
        f = row.features
        self._grow(self.n + 1)
        i = self.n
        self.n += 1
        self.valid[i], self.at[i], self.doc_ids[i] = True, row.at, row.doc_id
        self.text[i] = f.dense()
        if f.embedding is not None:
            if self.emb is None:
                self.emb = np.zeros((len(self.at), f.embedding.shape[0]), dtype=np.float16)
            if self.emb.shape[1] == f.embedding.shape[0]:
                self.emb[i] = f.embedding
        elif self.emb is not None:
            self.emb[i] = 0.0
        for lst, v in ((self.story_ids, row.story_id), (self.models, f.model if f.embedding is not None else None),
                       (self.entities, f.entities), (self.families, row.family), (self.provinces, row.provinces),
                       (self.langs, row.lang)):
            lst.append(v)
        self.where[row.doc_id] = i
        self._count(i, +1)

    def compact(self, lo: float) -> None:
        """Forget the rows before ``lo`` (and the replaced ones)."""
        keep = np.flatnonzero(self.valid[:self.n] & (self.at[:self.n] >= lo))
        self.lo = lo
        self.valid, self.at, self.doc_ids = self.valid[keep], self.at[keep], self.doc_ids[keep]
        self.text = self.text[keep]
        if self.emb is not None:
            self.emb = self.emb[keep]
        for name in ("story_ids", "models", "entities", "families", "provinces", "langs"):
            old = getattr(self, name)
            setattr(self, name, [old[k] for k in keep])
        self.n = len(keep)
        self.where = {int(d): k for k, d in enumerate(self.doc_ids)}
        self.name_stories, self.name_rows, self.story_members = {}, {}, {}
        for k in range(self.n):
            self._count(k, +1)

    def view(self, at: float, hours: float, exclude_id: int | None) -> Candidates:
        n = self.n
        mask = self.valid[:n] & (np.abs(self.at[:n] - at) <= hours * 3600.0)
        if exclude_id is not None and exclude_id in self.where:
            mask[self.where[exclude_id]] = False
        return Candidates(mask, self.doc_ids[:n], self.story_ids, self.text[:n],
                          None if self.emb is None else self.emb[:n], self.models, self.entities, self.families,
                          self.provinces, self.langs, self.name_stories, len(self.story_members), self.name_rows)


CandidatesFn = Callable[[datetime, float, "int | None"], Candidates]  # (item time, window hours, own id)


@dataclass
class Match:
    story_id: str
    doc_id: int
    similarity: float
    shared: float  # shared-name score
    signal: str    # "embedding" | "text"


def passes(signal: str, same_language: bool, sim: float, names: float) -> bool:
    return any(sim >= s and names >= n for s, n in BARS[(signal, same_language)])


def _lowest(signal: str, same_language: bool) -> float:
    return min(s for s, _ in BARS[(signal, same_language)])


def best_match(f: Features, family: str, provinces: frozenset[str], cands: Candidates,
               lang: str | None = None) -> Match | None:
    """The best member that passes a bar (similarity and specific shared names), or None. Only members
    sharing a specific name are scored (``Candidates.sharing``)."""
    idx = cands.sharing(f.entities)
    if not idx.size:
        return None
    text_sim = cands.text[idx].astype(np.float32) @ f.dense()
    emb_sim = np.full(idx.size, np.nan, dtype=np.float32)
    if f.embedding is not None and cands.emb is not None and cands.emb.shape[1] == f.embedding.shape[0]:
        same_model = np.fromiter((cands.models[i] == f.model for i in idx), dtype=bool, count=idx.size)
        if same_model.any():
            emb_sim = np.where(same_model, cands.emb[idx].astype(np.float32) @ f.embedding, np.nan)
    use_emb = ~np.isnan(emb_sim)
    same_lang = np.fromiter((lang is None or cands.langs[i] is None or cands.langs[i] == lang for i in idx),
                            dtype=bool, count=idx.size)
    # rank on one scale: how far over the lowest bar of its signal and language pair
    bar = np.where(use_emb, np.where(same_lang, _lowest("embedding", True), _lowest("embedding", False)),
                   np.where(same_lang, _lowest("text", True), _lowest("text", False)))
    rank = np.where(use_emb, np.nan_to_num(emb_sim), text_sim) - bar
    for k in np.argsort(-rank)[:TOP_K]:
        if rank[k] < 0:
            break
        i = int(idx[k])
        if cands.families[i] != family:
            continue
        if provinces and cands.provinces[i] and not (provinces & cands.provinces[i]):
            continue
        signal = "embedding" if use_emb[k] else "text"
        sim = float(emb_sim[k] if use_emb[k] else text_sim[k])
        names = cands.name_score(f.entities, i)
        if passes(signal, bool(same_lang[k]), sim, names):
            return Match(cands.story_ids[i], int(cands.doc_ids[i]), sim, names, signal)
    return None


def cluster(doc: Document, candidates: CandidatesFn, hours: float = WINDOW_HOURS) -> Document:
    e = doc.enrichment
    if e.duplicate_of is not None or not e.story_id:
        return doc
    m = best_match(features(doc), stance_family(e.stance), frozenset(doc.province_ids),
                   candidates(item_time(doc), hours, doc.id), doc.extraction.language)
    if m is not None:
        e.story_id = m.story_id
    return doc
