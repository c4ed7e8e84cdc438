"""The transformer classifier: frozen multilingual encoder + small heads + the keyword rules as features,
explanations and fallback.

Per document it encodes the title and the lead (``max_tokens``, 128 by default: the first sentences),
runs the heads, and explains each decision with the sentences that drove it (sentence vectors from the
same pass, scored by the topic head), the matched keywords and the probabilities. When the rules and the
model strongly disagree (a topic or stance one side is sure of and the other rejects), a reason starting
with ``REVIEW_PREFIX`` marks the item for a reviewer."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from presswatch.record import SENTIMENTS, STANCES, TOPICS

from .classifier import Classification, KeywordClassifier
from .encoder import Encoder
from .heads import Heads, rule_features

TOPIC_THRESHOLD = 0.5
REVIEW_PREFIX = "cần người xem xét"
CHUNK_POOLS = ("mean", "max")
LEAD_CHARS = 1200  # characters of body text offered to the encoder (the tokenizer then cuts at max_tokens)


def encoder_input(title: str, text: str, chars: int = LEAD_CHARS) -> str:
    title, text = (title or "").strip(), (text or "").strip()
    if text.startswith(title) and title:
        text = text[len(title):].lstrip()  # some extractors repeat the headline
    return (title + "\n" + text[:chars]).strip()


def _q(s: str, n: int = 90) -> str:
    s = " ".join(s.split())
    return "“" + (s if len(s) <= n else s[:n - 1] + "…") + "”"


class TransformerClassifier:
    def __init__(self, encoder: Encoder, heads: Heads, rules: KeywordClassifier | None = None,
                 max_tokens: int = 128, batch_size: int = 16, chunks: int = 1, chunk_pool: str = "mean"):
        if heads.dim != encoder.dim:
            raise ValueError(f"heads expect {heads.dim}-d embeddings, encoder gives {encoder.dim}")
        if chunks < 1 or chunk_pool not in CHUNK_POOLS:
            raise ValueError(f"classifier_chunks must be >= 1 and classifier_chunk_pool one of {CHUNK_POOLS}")
        self.encoder, self.heads = encoder, heads
        self.rules = rules or KeywordClassifier()
        self.max_tokens, self.batch_size = max_tokens, batch_size
        self.chunks, self.chunk_pool = chunks, chunk_pool
        # precision/runtime are part of the version (bf16, fp32 and int8 scores differ in the last digits),
        # and so is chunking (it changes what the heads see)
        self.version = (f"transformer:{encoder.version}+heads-{heads.version}+{rules_version(self.rules)}"
                        f"+{encoder.runtime_tag}" + (f"+chunks{chunks}-{chunk_pool}" if chunks > 1 else ""))

    def classify(self, title: str, text: str, lang: str | None = None) -> Classification:
        return self.classify_many([(title, text, lang)])[0]

    def classify_many(self, items: list[tuple[str, str, str | None]]) -> list[Classification]:
        """Batched: the encoder sees up to ``batch_size`` texts per pass. The same item gets the same
        labels alone or in a batch (scores may differ in the last digits: padding changes the shapes)."""
        rule_out = [self.rules.classify(t, x, lang) for t, x, lang in items]
        R = np.stack([rule_features(r) for r in rule_out]) if items else np.zeros((0, 17), np.float32)
        if self.chunks == 1:
            emb = self.encoder.embed([encoder_input(t, x) for t, x, _ in items], max_tokens=self.max_tokens,
                                     batch_size=self.batch_size, with_sentences=True)
            vectors, sentences = emb.vectors, emb.sentences
            P_topic, P_sent, P_stance = self.heads.predict(np.concatenate([emb.vectors, R], axis=1))
        else:
            vectors, sentences, P_topic, P_sent, P_stance = self._chunked(items, R)
        out = [self._explain(rule_out[i], R[i], P_topic[i], P_sent[i], P_stance[i], sentences[i])
               for i in range(len(items))]
        for i, c in enumerate(out):
            c.vector = vectors[i]
        return out

    def _chunked(self, items, R):
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
                pt, ps, pst = self.heads.predict(np.concatenate([vectors[i], R[i]])[None, :])
                P_topic[i], P_sent[i], P_stance[i] = pt[0], ps[0], pst[0]
            else:
                pt, ps, pst = self.heads.predict(np.concatenate([V, np.repeat(R[i][None, :], len(V), 0)], axis=1))
                P_topic[i], P_sent[i], P_stance[i] = pt.max(0), ps.mean(0), pst.mean(0)
        return vectors, sentences, P_topic, P_sent, P_stance

    def _explain(self, rc: Classification, r, p_topic, p_sent, p_stance, sentences) -> Classification:
        topics = [TOPICS[j] for j in np.argsort(-p_topic) if p_topic[j] >= TOPIC_THRESHOLD]
        scores = {t: round(float(p_topic[TOPICS.index(t)]), 3) for t in topics}
        sentiment = SENTIMENTS[int(np.argmax(p_sent))]
        stance = STANCES[int(np.argmax(p_stance))]
        reasons: list[str] = []
        sent_scores = None
        if sentences:
            sent_scores = self.heads.topic_logits_emb(np.stack([v for _, v in sentences]), r)
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
        return Classification(topics, subtopics, scores, sentiment, stance, reasons)


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
    enc = Encoder(encoder_dir, precision=precision, threads=threads)
    heads = Heads.load(heads_file)
    want = heads.card.get("encoder")
    if want and want != enc.version:
        raise ValueError(f"heads {heads_file} were trained on encoder {want}, not {enc.version}; "
                         f"run `presswatch train` for this encoder")
    return TransformerClassifier(enc, heads, max_tokens=max_tokens, chunks=chunks, chunk_pool=chunk_pool)
