"""The classifier interface and the first model behind it: keyword and cue-phrase rules from data files.

Every classifier returns topics (top-level ids of taxonomy.md, with the sub-topics that fired), a
sentiment, a stance and plain reasons a person can check. The transformer classifier plugs in behind
the same interface (``get_classifier``)."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import yaml

from presswatch.config import PACKAGE_DATA
from presswatch.record import TOPICS, Document
from presswatch.text import fold, has_diacritics, normalize, phrase_pattern

TOPIC_THRESHOLD = 0.5


@dataclass
class Classification:
    topics: list[str]
    subtopics: list[str]
    topic_scores: dict[str, float]
    sentiment: str
    stance: str
    reasons: list[str] = field(default_factory=list)


class Classifier(Protocol):
    version: str

    def classify(self, title: str, text: str, lang: str | None) -> Classification: ...


@dataclass
class _Cue:
    phrase: str
    weight: float
    exact: re.Pattern  # on lower-cased text with diacritics
    folded: re.Pattern  # on folded text


def _cue(phrase: str, weight: float = 1.0) -> _Cue:
    p = normalize(phrase).lower()
    exact = re.compile(r"(?<![^\W_])" + r"[\W_]{1,3}".join(map(re.escape, re.findall(r"[^\W_]+", p)))
                       + r"(?![^\W_])")
    return _Cue(phrase, weight, exact, phrase_pattern(phrase))


def _load_yaml(name: str) -> dict:
    return yaml.safe_load((PACKAGE_DATA / name).read_text(encoding="utf-8"))


class KeywordClassifier:
    """Rules from ``taxonomy.yaml`` (topic keywords) and ``lexicon.yaml`` (sentiment and stance cues)."""

    version = "keywords-1"

    def __init__(self, taxonomy_path: Path | None = None, lexicon_path: Path | None = None):
        tax = yaml.safe_load(Path(taxonomy_path).read_text("utf-8")) if taxonomy_path else _load_yaml("taxonomy.yaml")
        lex = yaml.safe_load(Path(lexicon_path).read_text("utf-8")) if lexicon_path else _load_yaml("lexicon.yaml")
        self.sub_topic: dict[str, str] = {}
        self.sub_cues: dict[str, list[_Cue]] = {}
        for sub in tax["subtopics"]:
            if sub["topic"] not in TOPICS:
                raise ValueError(f"taxonomy.yaml: sub-topic {sub['id']} names unknown topic {sub['topic']!r}")
            self.sub_topic[sub["id"]] = sub["topic"]
            kw = sub.get("keywords") or {}
            cues = [_cue(k) for k in (kw.get("vi") or []) + (kw.get("en") or [])]
            cues += [_cue(k, 0.3) for k in kw.get("ambiguous") or []]
            self.sub_cues[sub["id"]] = cues
        groups = lambda d: [_cue(p) for lang in ("vi", "en") for p in (d or {}).get(lang) or []]  # noqa: E731
        self.positive = groups(lex["sentiment"]["positive"])
        self.negative = groups(lex["sentiment"]["negative"])
        self.stance_cues = {k: groups(lex["stance"].get(k)) for k in ("distorting", "critical", "supportive")}

    @staticmethod
    def _hits(cues: list[_Cue], title: str, text: str, use_folded: bool) -> tuple[float, list[str]]:
        total, found = 0.0, []
        for c in cues:
            pat = c.folded if use_folded else c.exact
            n = len(pat.findall(text)) + 2 * len(pat.findall(title))
            if n:
                # a context (ambiguous) word counts once however often it appears
                total += c.weight * (min(n, 4) if c.weight >= 1 else 1)
                found.append(c.phrase)
        return total, found

    def classify(self, title: str, text: str, lang: str | None = None) -> Classification:
        use_folded = not has_diacritics(title + " " + text[:2000])
        t = fold(title) if use_folded else normalize(title).lower()
        b = fold(text) if use_folded else normalize(text).lower()
        reasons: list[str] = []
        sub_scores: dict[str, float] = {}
        topic_scores: dict[str, float] = {}
        topic_evidence: dict[str, list[str]] = {}
        for sid, cues in self.sub_cues.items():
            total, found = self._hits(cues, t, b, use_folded)
            if not total:
                continue
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

        pos, pos_f = self._hits(self.positive, t, b, use_folded)
        neg, neg_f = self._hits(self.negative, t, b, use_folded)
        if neg >= 2 and neg > 1.3 * pos:
            sentiment = "negative"
        elif pos >= 2 and pos > 1.3 * neg:
            sentiment = "positive"
        else:
            sentiment = "neutral"
        if sentiment != "neutral":
            words = (neg_f if sentiment == "negative" else pos_f)[:5]
            reasons.append(f"sắc thái {sentiment}: " + ", ".join(f"“{w}”" for w in words))

        st = {k: self._hits(v, t, b, use_folded) for k, v in self.stance_cues.items()}
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


@lru_cache(maxsize=2)
def get_classifier(name: str = "keywords") -> Classifier:
    if name == "keywords":
        return KeywordClassifier()
    raise ValueError(f"unknown classifier {name!r}; available: keywords")


def classify(doc: Document, classifier: Classifier | None = None) -> Document:
    clf = classifier or get_classifier()
    x, e = doc.extraction, doc.enrichment
    c = clf.classify(x.title, x.text, x.language)
    e.topics, e.subtopics, e.topic_scores = c.topics, c.subtopics, c.topic_scores
    e.sentiment, e.stance, e.reasons = c.sentiment, c.stance, c.reasons
    e.model_version = clf.version
    return doc
