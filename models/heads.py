"""Small heads on the frozen encoder: topics (10 independent sigmoids), sentiment (softmax over 3) and stance
(softmax over 4), logistic regression on [encoder embedding ; keyword-rule features].

The rule features (the keyword classifier's topic scores and its sentiment and stance calls, 17 numbers)
let the heads learn how far to trust the rules; the embedding carries everything the rules cannot see.
Weights are a few kilobytes (``models/heads/*.npz``) with a JSON card next to them."""
from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from presswatch.record import SENTIMENTS, STANCES, TOPICS

RULE_DIM = len(TOPICS) + len(SENTIMENTS) + len(STANCES)
RULE_SCALE = 0.5  # rule features relative to the unit-length embedding
BUNDLED = Path(__file__).with_name("heads") / "e5-small.npz"


def folded_heads_path(heads_file: Path) -> Path:
    """The folded head set (text typed without diacritics) that goes with a heads file: ``<stem>-folded.npz``
    next to it; ``presswatch train`` writes both."""
    heads_file = Path(heads_file)
    return heads_file.with_name(heads_file.stem + "-folded" + heads_file.suffix)


def rule_features(c) -> np.ndarray:
    """17 numbers from a keyword ``Classification``: topic scores, sentiment one-hot, stance one-hot."""
    v = np.zeros(RULE_DIM, dtype=np.float32)
    for i, t in enumerate(TOPICS):
        v[i] = c.topic_scores.get(t, 0.0)
    v[len(TOPICS) + SENTIMENTS.index(c.sentiment)] = 1.0
    v[len(TOPICS) + len(SENTIMENTS) + STANCES.index(c.stance)] = 1.0
    return v * RULE_SCALE


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


@dataclass
class Heads:
    W_topic: np.ndarray  # [10, F]
    b_topic: np.ndarray
    W_sent: np.ndarray  # [3, F]
    b_sent: np.ndarray
    W_stance: np.ndarray  # [4, F]
    b_stance: np.ndarray
    card: dict
    folded: "Heads | None" = None  # set by ``train``: the folded head set fitted with these heads

    @property
    def dim(self) -> int:
        return self.W_topic.shape[1] - RULE_DIM

    @property
    def version(self) -> str:
        return self.card["version"]

    def predict(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return (_sigmoid(X @ self.W_topic.T + self.b_topic), _softmax(X @ self.W_sent.T + self.b_sent),
                _softmax(X @ self.W_stance.T + self.b_stance))

    def topic_logits_emb(self, E: np.ndarray, rules: np.ndarray) -> np.ndarray:
        """Topic probabilities for sentence vectors ``E`` [k, dim] with the document's rule features."""
        X = np.concatenate([E, np.repeat(rules[None, :], len(E), 0)], axis=1)
        return _sigmoid(X @ self.W_topic.T + self.b_topic)

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        arrays = {k: getattr(self, k) for k in ("W_topic", "b_topic", "W_sent", "b_sent", "W_stance", "b_stance")}
        buf = io.BytesIO()
        np.savez(buf, **arrays)
        path.write_bytes(buf.getvalue())
        path.with_suffix(".json").write_text(json.dumps(self.card, indent=2, ensure_ascii=False) + "\n",
                                             encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> "Heads":
        with np.load(path) as z:
            arrays = {k: z[k].astype(np.float32) for k in z.files}
        card = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
        return cls(card=card, **arrays)


def weights_digest(arrays: dict) -> str:
    h = hashlib.sha256()
    for k in sorted(arrays):
        h.update(k.encode() + np.ascontiguousarray(arrays[k], dtype=np.float32).tobytes())
    return h.hexdigest()[:10]


def fit(X: np.ndarray, Y_topic: np.ndarray, topic_mask: np.ndarray, y_sent: np.ndarray, y_stance: np.ndarray,
        l2: float = 1e-3, sample_weight: np.ndarray | None = None, balance_on: np.ndarray | None = None) -> dict:
    """Deterministic full-batch L-BFGS logistic regression for the three heads. ``y_sent``/``y_stance`` use
    -1 for "no label" (weak examples carry topics only); classes are weighted to balance them, counted
    over the rows ``balance_on`` marks (default all). Counting only the generated rows keeps 500 neutral
    real articles from shrinking the neutral class weight, which made folded (no-diacritics) neutral
    items come out supportive / positive (models/MODEL_CARD.md)."""
    import torch

    torch.manual_seed(0)
    Xt = torch.from_numpy(X.astype(np.float32))
    sw = torch.from_numpy((sample_weight if sample_weight is not None else np.ones(len(X))).astype(np.float32))
    out = {}

    def run(n_out, loss_fn):
        W = torch.zeros(n_out, X.shape[1], requires_grad=True)
        b = torch.zeros(n_out, requires_grad=True)
        opt = torch.optim.LBFGS([W, b], lr=1, max_iter=500, history_size=20, line_search_fn="strong_wolfe",
                                tolerance_grad=1e-6, tolerance_change=1e-9)

        def closure():
            opt.zero_grad()
            loss = loss_fn(Xt @ W.T + b) + l2 * (W ** 2).sum()
            loss.backward()
            return loss

        opt.step(closure)
        return W.detach().numpy(), b.detach().numpy()

    Yt = torch.from_numpy(Y_topic.astype(np.float32))
    Mt = torch.from_numpy(topic_mask.astype(np.float32))
    pos = (Yt * Mt).sum(0).clamp(min=1)
    neg = ((1 - Yt) * Mt).sum(0).clamp(min=1)
    pw = (neg / pos).clamp(max=8.0)  # up-weight rare positives

    def topic_loss(z):
        l = torch.nn.functional.binary_cross_entropy_with_logits(z, Yt, pos_weight=pw, reduction="none")
        return ((l * Mt).sum(1) * sw).sum() / (Mt.sum() / Yt.shape[1])

    out["W_topic"], out["b_topic"] = run(Y_topic.shape[1], topic_loss)

    for key, y, n in (("sent", y_sent, len(SENTIMENTS)), ("stance", y_stance, len(STANCES))):
        keep = np.where(y >= 0)[0]
        yk = torch.from_numpy(y[keep].astype(np.int64))
        bal = keep if balance_on is None else np.where((y >= 0) & balance_on)[0]
        counts = np.bincount(y[bal], minlength=n).astype(np.float32)
        cw = torch.from_numpy(np.where(counts > 0, counts.sum() / np.maximum(counts, 1) / n, 0).astype(np.float32))
        kt = torch.from_numpy(keep)

        def ce(z, kt=kt, yk=yk, cw=cw):
            l = torch.nn.functional.cross_entropy(z[kt], yk, weight=cw, reduction="none")
            return (l * sw[kt]).sum() / len(kt)

        out[f"W_{key}"], out[f"b_{key}"] = run(n, ce)
    return out
