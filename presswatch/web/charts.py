"""Server-side SVG charts (no JavaScript: the pages' CSP forbids scripts). Every label is escaped; every
bar links to the search that lists its documents."""
from __future__ import annotations

from html import escape
from urllib.parse import urlencode

PALETTE = ("#7a0e0e", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf",
           "#bcbd22", "#7f7f7f", "#393b79", "#637939")
FILTER_OF = {"topics": "topic", "sentiment": "sentiment", "source_type": "type", "provinces": "province",
             "lang": "lang", "stance": "stance", "source_id": "source"}


def search_href(dim: str, value: str, day: str | None = None, lang: str = "vi") -> str:
    parts = []
    if value != "(none)" and dim in FILTER_OF:
        parts.append(f'{FILTER_OF[dim]}:"{value}"' if " " in value else f"{FILTER_OF[dim]}:{value}")
    if day:
        parts.append(f"date:{day}")
    return "/search?" + urlencode({"q": " ".join(parts) or "date:" + (day or ""), "lang": lang, "sort": "date"})


def stacked_bars(vol: dict, labels: dict[str, str] | None = None, lang: str = "vi", width: int = 900,
                 height: int = 260, max_series: int = 8) -> str:
    days, series = vol["days"], list(vol["series"].items())[:max_series]
    labels = labels or {}
    if not days:
        return ""
    totals = [sum(c[i] for _, c in series) for i in range(len(days))]
    peak = max(totals + [1])
    left, bottom, legend_h = 40, 30, 18 * ((len(series) + 3) // 4)
    plot_h = height - bottom - legend_h - 10
    bw = (width - left - 10) / len(days)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" aria-label="{escape(vol["dimension"])}">']
    for frac in (0, 0.5, 1):
        y = 10 + plot_h * (1 - frac)
        out.append(f'<line x1="{left}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
                   f'<text x="{left - 4}" y="{y + 4:.1f}" font-size="10" text-anchor="end">{round(peak * frac)}</text>')
    for i, day in enumerate(days):
        y = 10 + plot_h
        for k, (value, counts) in enumerate(series):
            n = counts[i]
            if not n:
                continue
            h = plot_h * n / peak
            y -= h
            title = escape(f"{labels.get(value, value)} — {day}: {n}")
            out.append(f'<a href="{escape(search_href(vol["dimension"], value, day, lang))}">'
                       f'<rect x="{left + i * bw + 1:.1f}" y="{y:.1f}" width="{max(bw - 2, 1):.1f}" height="{h:.1f}" '
                       f'fill="{PALETTE[k % len(PALETTE)]}"><title>{title}</title></rect></a>')
        if len(days) <= 31 and (i % max(1, len(days) // 10) == 0):
            out.append(f'<text x="{left + i * bw + bw / 2:.1f}" y="{10 + plot_h + 14}" font-size="10" '
                       f'text-anchor="middle">{escape(day[5:])}</text>')
    for k, (value, counts) in enumerate(series):
        x, y = left + (k % 4) * 215, height - legend_h + 14 + (k // 4) * 18
        out.append(f'<a href="{escape(search_href(vol["dimension"], value, None, lang))}">'
                   f'<rect x="{x}" y="{y - 9}" width="10" height="10" fill="{PALETTE[k % len(PALETTE)]}"/>'
                   f'<text x="{x + 14}" y="{y}" font-size="11">{escape(labels.get(value, value))} ({sum(counts)})</text></a>')
    out.append("</svg>")
    return "".join(out)


def horizontal_bars(items: list[tuple[str, int]], dim: str, labels: dict[str, str] | None = None, lang: str = "vi",
                    width: int = 600) -> str:
    labels = labels or {}
    if not items:
        return ""
    peak = max(n for _, n in items) or 1
    row, left = 22, 190
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart" width="{width}" '
           f'height="{row * len(items) + 6}" aria-label="{escape(dim)}">']
    for i, (value, n) in enumerate(items):
        w = (width - left - 50) * n / peak
        y = i * row + 3
        out.append(f'<a href="{escape(search_href(dim, value, None, lang))}">'
                   f'<text x="{left - 6}" y="{y + 14}" font-size="11" text-anchor="end">{escape(labels.get(value, value)[:30])}</text>'
                   f'<rect x="{left}" y="{y + 3}" width="{w:.1f}" height="{row - 8}" fill="{PALETTE[1]}"/>'
                   f'<text x="{left + w + 4:.1f}" y="{y + 14}" font-size="11">{n}</text></a>')
    out.append("</svg>")
    return "".join(out)
