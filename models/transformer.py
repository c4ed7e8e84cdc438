"""The transformer classifier: frozen multilingual encoder + small heads + the keyword rules as features,
explanations and fallback.

Per document it encodes the title and the lead (``max_tokens``, 128 by default: the first sentences),
runs the heads, and explains each decision with the sentences that drove it (sentence vectors from the
same pass, scored by the topic head), the matched keywords and the probabilities. When the rules and the
model strongly disagree (a topic or stance one side is sure of and the other rejects), a reason starting
with ``REVIEW_PREFIX`` marks the item for a reviewer."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from presswatch.record import SENTIMENTS, STANCES, TOPICS
from presswatch.text import fold

from .classifier import Classification, KeywordClassifier
from .encoder import Encoder
from .heads import Heads, folded_heads_path, rule_features

TOPIC_THRESHOLD = 0.5
REVIEW_PREFIX = "cần người xem xét"
CHUNK_POOLS = ("mean", "max")
LEAD_CHARS = 1200  # characters of body text offered to the encoder (the tokenizer then cuts at max_tokens)


# Which head set: text typed without diacritics reads differently to the encoder, and heads fitted mostly
# on text with diacritics call its neutral items positive / supportive (models/MODEL_CARD.md), so such
# Vietnamese goes to a head set trained for it. Measured on the 1,230 labelled items: Vietnamese with
# diacritics has >= 21% of its letters marked (1st percentile), folded Vietnamese 0%; Vietnamese syllable
# shapes cover >= 86% of the words of any Vietnamese item, <= 41% of English / French ones.
FOLDED_MAX_SHARE = 0.05  # at most this share of letters with a diacritic (a quoted name with its marks is fine)
FOLDED_MIN_SYLLABLES = 0.7  # at least this share of the words are Vietnamese syllable shapes
FOLDED_REASON = "văn bản không dấu: dùng bộ phân loại cho văn bản không dấu"
_SYLLABLE = re.compile(r"(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdghklmnprstvx])?[aeiouy]{1,3}(?:ng|nh|ch|[cmnpt]|[iouy])?")
_WORD = re.compile(r"[^\W\d_]+")


def uses_folded_heads(title: str, text: str, lang: str | None) -> bool:
    """True for Vietnamese typed without diacritics: (almost) no letter carries a diacritic, the language
    stage did not call it English (English has no diacritics either and keeps the main heads), and its
    words are Vietnamese syllables (the same check when the language is missing or mis-detected: short
    folded posts are sometimes called French). Looks at the title and the first 2,000 characters, as the
    keyword rules' ``use_folded`` does."""
    if lang == "en":
        return False
    sample = ((title or "") + " " + (text or "")[:2000])
    low, folded = sample.lower(), fold(sample)
    letters = sum(c.isalpha() for c in sample)
    if not letters or sum(a != b for a, b in zip(low, folded)) > FOLDED_MAX_SHARE * letters:
        return False
    words = _WORD.findall(folded)
    return sum(bool(_SYLLABLE.fullmatch(w)) for w in words) >= FOLDED_MIN_SYLLABLES * len(words)


def encoder_input(title: str, text: str, chars: int = LEAD_CHARS) -> str:
    title, text = (title or "").strip(), (text or "").strip()
    if text.startswith(title) and title:
        text = text[len(title):].lstrip()  # some extractors repeat the headline
    return (title + "\n" + text[:chars]).strip()


def _q(s: str, n: int = 90) -> str:
    s = " ".join(s.split())
    return "“" + (s if len(s) <= n else s[:n - 1] + "…") + "”"


class TransformerClassifier:
    """``folded_heads``: a second head set for Vietnamese typed without diacritics (``uses_folded_heads``);
    without it every text uses ``heads``. The version names both sets; each classification says in
    ``heads_version`` (and, for the folded set, in a reason) which one decided."""

    def __init__(self, encoder: Encoder, heads: Heads, rules: KeywordClassifier | None = None,
                 max_tokens: int = 128, batch_size: int = 16, chunks: int = 1, chunk_pool: str = "mean",
                 folded_heads: Heads | None = None):
        for h in (heads, folded_heads):
            if h is not None and h.dim != encoder.dim:
                raise ValueError(f"heads expect {h.dim}-d embeddings, encoder gives {encoder.dim}")
        if chunks < 1 or chunk_pool not in CHUNK_POOLS:
            raise ValueError(f"classifier_chunks must be >= 1 and classifier_chunk_pool one of {CHUNK_POOLS}")
        self.encoder, self.heads, self.folded_heads = encoder, heads, folded_heads
        self.rules = rules or KeywordClassifier()
        self.max_tokens, self.batch_size = max_tokens, batch_size
        self.chunks, self.chunk_pool = chunks, chunk_pool
        # precision/runtime are part of the version (bf16, fp32 and int8 scores differ in the last digits),
        # and so is chunking (it changes what the heads see)
        # one version for the whole classifier (both head sets): the store keys classifications by it and
        # the stories stage compares embeddings only under the same version (the vectors do not depend
        # on the heads)
        folded = f"+folded-heads-{folded_heads.version}" if folded_heads is not None else ""
        self.version = (f"transformer:{encoder.version}+heads-{heads.version}{folded}+{rules_version(self.rules)}"
                        f"+{encoder.runtime_tag}" + (f"+chunks{chunks}-{chunk_pool}" if chunks > 1 else ""))

    def classify(self, title: str, text: str, lang: str | None = None) -> Classification:
        return self.classify_many([(title, text, lang)])[0]

    def classify_many(self, items: list[tuple[str, str, str | None]]) -> list[Classification]:
        """Batched: the encoder sees up to ``batch_size`` texts per pass. The same item gets the same
        labels alone or in a batch (scores may differ in the last digits: padding changes the shapes)."""
        rule_out = [self.rules.classify(t, x, lang) for t, x, lang in items]
        R = np.stack([rule_features(r) for r in rule_out]) if items else np.zeros((0, 17), np.float32)
        use = [self.heads_for(t, x, lang) for t, x, lang in items]
        if self.chunks == 1:
            emb = self.encoder.embed([encoder_input(t, x) for t, x, _ in items], max_tokens=self.max_tokens,
                                     batch_size=self.batch_size, with_sentences=True)
            vectors, sentences = emb.vectors, emb.sentences
            X = np.concatenate([emb.vectors, R], axis=1)
            P_topic, P_sent, P_stance = self.heads.predict(X)
            sel = np.array([h is not self.heads for h in use], bool)
            if sel.any():
                for P, Q in zip((P_topic, P_sent, P_stance), self.folded_heads.predict(X[sel])):
                    P[sel] = Q
        else:
            vectors, sentences, P_topic, P_sent, P_stance = self._chunked(items, R, use)
        out = [self._explain(rule_out[i], R[i], P_topic[i], P_sent[i], P_stance[i], sentences[i], use[i])
               for i in range(len(items))]
        for i, c in enumerate(out):
            c.vector = vectors[i]
        return out

    def heads_for(self, title: str, text: str, lang: str | None) -> Heads:
        """The head set that classifies this text: the folded one for Vietnamese typed without diacritics."""
        if self.folded_heads is not None and uses_folded_heads(title, text, lang):
            return self.folded_heads
        return self.heads

    def _chunked(self, items, R, use):
        """Up to ``chunks`` windows of ``max_tokens`` per document, embedded together. ``mean``: the heads
        score the mean of the window vectors (re-normalised); ``max``: each window is scored and a topic
        takes its best window, sentiment and stance the mean of the windows' probabilities."""
        per_doc = [self.encoder.chunks(encoder_input(t, x, chars=LEAD_CHARS * self.chunks), self.max_tokens,
                                       self.chunks) for t, x, _ in items]
        flat = [c for cs in per_doc for c in cs]
        emb = self.encoder.embed(flat, max_tokens=self.max_tokens, batch_size=self.batch_size, with_sentences=True)
        n = len(items)
        vectors = np.zeros((n, self.encoder.dim), np.float32)
        P_topic = np.zeros((n, len(TOPICS)), np.float32)
        P_sent = np.zeros((n, len(SENTIMENTS)), np.float32)
        P_stance = np.zeros((n, len(STANCES)), np.float32)
        sentences, k = [], 0
        for i, cs in enumerate(per_doc):
            V = emb.vectors[k:k + len(cs)]
            sentences.append([s for j in range(k, k + len(cs)) for s in emb.sentences[j]])
            k += len(cs)
            v = V.mean(0)
            vectors[i] = v / max(float(np.linalg.norm(v)), 1e-12)
            if self.chunk_pool == "mean":
                pt, ps, pst = use[i].predict(np.concatenate([vectors[i], R[i]])[None, :])
                P_topic[i], P_sent[i], P_stance[i] = pt[0], ps[0], pst[0]
            else:
                pt, ps, pst = use[i].predict(np.concatenate([V, np.repeat(R[i][None, :], len(V), 0)], axis=1))
                P_topic[i], P_sent[i], P_stance[i] = pt.max(0), ps.mean(0), pst.mean(0)
        return vectors, sentences, P_topic, P_sent, P_stance

    def _explain(self, rc: Classification, r, p_topic, p_sent, p_stance, sentences, heads: Heads) -> Classification:
        topics = [TOPICS[j] for j in np.argsort(-p_topic) if p_topic[j] >= TOPIC_THRESHOLD]
        scores = {t: round(float(p_topic[TOPICS.index(t)]), 3) for t in topics}
        sentiment = SENTIMENTS[int(np.argmax(p_sent))]
        stance = STANCES[int(np.argmax(p_stance))]
        reasons: list[str] = []
        sent_scores = None
        if sentences:
            sent_scores = heads.topic_logits_emb(np.stack([v for _, v in sentences]), r)
        rule_kw = _rule_keywords(rc)
        for t in topics:
            j = TOPICS.index(t)
            parts = [f"chủ đề {t} ({scores[t]:.2f})"]
            if sent_scores is not None:
                k = int(np.argmax(sent_scores[:, j]))
                parts.append(f"câu {_q(sentences[k][0])} ({sent_scores[k, j]:.2f})")
            if rule_kw.get(t):
                parts.append("từ khóa " + rule_kw[t])
            reasons.append("; ".join(parts))
        if heads is not self.heads:
            reasons.append(f"{FOLDED_REASON} (folded-heads-{heads.version})")
        reasons.append(f"sắc thái {sentiment} ({float(p_sent.max()):.2f})")
        reasons.append(f"lập trường {stance} ({float(p_stance.max()):.2f})")
        if stance != "neutral" and rc.stance == stance:
            reasons.extend(x for x in rc.reasons if x.startswith("lập trường"))
        # strong disagreement between the rules and the model -> a person looks at it
        disagree = []
        for t in TOPICS:
            rs, mp = rc.topic_scores.get(t, 0.0), float(p_topic[TOPICS.index(t)])
            if rs >= 0.85 and mp < 0.15:
                disagree.append(f"quy tắc chọn chủ đề {t} ({rs:.2f}), mô hình bác ({mp:.2f})")
            elif mp >= 0.9 and rs == 0.0 and t in ("sovereignty", "human_rights", "religion_ethnicity"):
                disagree.append(f"mô hình chọn chủ đề nhạy cảm {t} ({mp:.2f}) không có từ khóa nào")
        if rc.stance != stance and "distorting" in (rc.stance, stance):
            p_rule = float(p_stance[STANCES.index(rc.stance)])
            if p_stance.max() >= 0.7 and p_rule < 0.2:
                disagree.append(f"lập trường: quy tắc {rc.stance}, mô hình {stance} ({float(p_stance.max()):.2f})")
        if disagree:
            reasons.append(f"{REVIEW_PREFIX}: quy tắc và mô hình bất đồng — " + "; ".join(disagree))
        subtopics = [s for s in rc.subtopics if self.rules.sub_topic.get(s) in topics]
        return Classification(topics, subtopics, scores, sentiment, stance, reasons, heads_version=heads.version)


def _rule_keywords(rc: Classification) -> dict[str, str]:
    out = {}
    for reason in rc.reasons:
        if reason.startswith("chủ đề ") and ": từ khóa " in reason:
            topic, _, words = reason[len("chủ đề "):].partition(": từ khóa ")
            out[topic] = words
    return out


def rules_version(rules) -> str:
    return getattr(rules, "version", "rules")


def load_transformer(encoder_dir: Path, heads_file: Path, precision: str = "auto", max_tokens: int = 128,
                     threads: int | None = None, chunks: int = 1, chunk_pool: str = "mean") -> TransformerClassifier:
    """The folded head set is loaded from ``folded_heads_path(heads_file)`` when it exists (heads trained
    elsewhere without one classify every text with the main set). Both are checked before the encoder
    loads: a folded set trained with other main heads is refused (retrain both)."""
    heads = Heads.load(heads_file)
    fpath = folded_heads_path(heads_file)
    folded = Heads.load(fpath) if fpath.exists() else None
    if folded is not None and folded.card.get("main_heads") not in (None, heads.version):
        raise ValueError(f"{fpath} was trained with heads {folded.card['main_heads']}, not {heads.version} "
                         f"({heads_file}); run `presswatch train --out {heads_file}` to rebuild both")
    enc = Encoder(encoder_dir, precision=precision, threads=threads)
    for h, f in ((heads, heads_file), (folded, fpath)):
        want = h.card.get("encoder") if h is not None else None
        if want and want != enc.version:
            raise ValueError(f"heads {f} were trained on encoder {want}, not {enc.version}; "
                             f"run `presswatch train` for this encoder")
    return TransformerClassifier(enc, heads, max_tokens=max_tokens, chunks=chunks, chunk_pool=chunk_pool,
                                 folded_heads=folded)
