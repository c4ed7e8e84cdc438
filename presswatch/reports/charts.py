"""Charts as PNG images (matplotlib, Agg backend; DejaVu Sans, shipped with matplotlib, has the Vietnamese
glyphs), embedded in all three formats."""
from __future__ import annotations

import io
import os
import tempfile
from collections import Counter

os.environ.setdefault("MPLCONFIGDIR", os.path.join(tempfile.gettempdir(), "presswatch-mpl"))

SENTIMENT_COLOURS = {"negative": "#b00020", "neutral": "#9e9e9e", "positive": "#2e7d32"}


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"font.family": "DejaVu Sans", "font.size": 8, "svg.fonttype": "none"})
    return plt


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=150, bbox_inches="tight")
    _plt().close(fig)
    return buf.getvalue()


def topics_chart(current: Counter, previous: Counter, label, names: tuple[str, str], top: int = 12) -> bytes:
    """Horizontal bars: items per topic, this period beside the previous one."""
    plt = _plt()
    keys = [k for k, _ in (current + previous).most_common(top)] or ["—"]
    keys.reverse()
    fig, ax = plt.subplots(figsize=(6.3, 0.32 * len(keys) + 0.9))
    y = range(len(keys))
    ax.barh([i + 0.2 for i in y], [current.get(k, 0) for k in keys], height=0.4, color="#7a0e0e", label=names[0])
    ax.barh([i - 0.2 for i in y], [previous.get(k, 0) for k in keys], height=0.4, color="#c9a7a7", label=names[1])
    ax.set_yticks(list(y), [label(k) for k in keys])
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.legend(loc="lower right", frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)


def timeline_chart(timeline: list[tuple[str, Counter]], sentiment_label) -> bytes:
    """Stacked bars: items per hour / day / week / month, split by sentiment."""
    plt = _plt()
    labels = [k for k, _ in timeline] or ["—"]
    fig, ax = plt.subplots(figsize=(6.3, 2.6))
    bottom = [0] * len(labels)
    for s in ("negative", "neutral", "positive"):
        vals = [c.get(s, 0) for _, c in timeline] or [0]
        ax.bar(range(len(labels)), vals, bottom=bottom, color=SENTIMENT_COLOURS[s], label=sentiment_label(s), width=0.8)
        bottom = [b + v for b, v in zip(bottom, vals)]
    step = max(1, -(-len(labels) // 16))
    ax.set_xticks(list(range(0, len(labels), step)), labels[::step], rotation=45, ha="right")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set_ylim(0, max(bottom + [1]) * 1.15)
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), frameon=False, ncols=3)
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)
