"""Turn the figures (``data.ReportData``) and a template into the format-neutral ``model.Report``."""
from __future__ import annotations

from collections import Counter
from datetime import date
from functools import lru_cache

import yaml

from ..config import PACKAGE_DATA
from ..gazetteer import load_gazetteer
from ..urls import safe_href
from . import charts
from .data import HANDLED_STATUSES, ReportData
from .periods import VN_TZ
from .model import Bullets, Header, Heading, Image, Para, Report, Run, Table
from .templates import render_text

ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"]
PROMOTED = ("investment_economy", "tourism_culture", "social_welfare")


@lru_cache(maxsize=1)
def _taxonomy() -> dict:
    data = yaml.safe_load((PACKAGE_DATA / "taxonomy.yaml").read_text(encoding="utf-8"))
    out = {}
    for t in data.get("topics", []) + data.get("subtopics", []):
        out[t["id"]] = {"vi": t.get("vi", t["id"]), "en": t.get("en", t["id"])}
    return out


class Labels:
    def __init__(self, labels: dict, lang: str):
        self.l = labels.get(lang) or labels["vi"]
        self.lang = lang

    def __call__(self, group: str, key: str) -> str:
        if group == "topic":
            if key == "(none)":
                return self.l["misc"]["no_topic"]
            return _taxonomy().get(key, {}).get(self.lang, key)
        if group == "province":
            p = load_gazetteer().provinces.get(key)
            return (p.name if self.lang == "vi" else (p.name_en or p.name)) if p else key
        return self.l.get(group, {}).get(key, key)

    def col(self, k: str) -> str:
        return self.l["col"][k]

    def misc(self, k: str) -> str:
        return self.l["misc"][k]


def _date(d, lang: str) -> str:
    return d.strftime("%d/%m/%Y") if lang == "vi" else d.strftime("%d %b %Y")


def _dt(d, lang: str) -> str:
    d = d.astimezone(VN_TZ)
    return d.strftime("%H:%M %d/%m/%Y") if lang == "vi" else d.strftime("%d %b %Y %H:%M")


def _change(cur: int, prev: int, L: Labels) -> str:
    if prev == 0:
        return L.misc("new_in_period") if cur else L.misc("unchanged")
    if cur == prev:
        return L.misc("unchanged")
    pct = (cur - prev) * 100 / prev
    word = L.misc("increase") if cur > prev else L.misc("decrease")
    return f"{word} {abs(cur - prev)} ({abs(pct):.0f}%)".replace(".", ",") if L.lang == "vi" else \
        f"{word} {abs(cur - prev)} ({abs(pct):.0f}%)"


def _link(title: str, url: str) -> Run:
    href = safe_href(url)
    return Run(title or url, href=href if href != "#" else None)


def build_report(d: ReportData, tpl: dict, labels: dict, lang: str, ctx: dict, max_rows: int,
                 attention_max: int, csv_name: str) -> Report:
    T = tpl.get(lang) or tpl["vi"]
    L = Labels(labels, lang)
    daily = d.period.kind == "daily"
    period_label = d.period.label(lang)
    prev_label = d.previous.label(lang)
    issued: date = ctx["issued"]
    f = {"total": d.total, "prev_total": d.prev_total, "stories": d.stories, "duplicates": d.duplicates,
         "undated": d.undated, "late_found": d.late_found, "change": _change(d.total, d.prev_total, L),
         "prev_label_short": f"{L.misc('prev')} ({prev_label})", "as_of": _dt(d.as_of, lang),
         "alerts_raised": sum(d.alerts_raised.values()), "alerts_handled": len(d.alerts_handled),
         "alerts_open": len(d.alerts_open), "response_hours": d.response_hours_median}
    base_ctx = dict(ctx, period_label=period_label, prev_label=prev_label, kind=d.period.kind, daily=daily, f=f)
    base_ctx["issuer_short"] = render_text(T.get("issuer_short", ""), **base_ctx)
    R = lambda key, **kw: render_text(T[key], **{**base_ctx, **kw})  # noqa: E731
    h = T["header"]
    header = Header(**{k: render_text(h.get(k, ""), **base_ctx)
                       for k in ("parent", "issuer", "star", "number", "national", "motto", "date_line")})
    rep = Report(lang=lang, header=header, title=R("title"),
                 subtitle=render_text(T["subtitle"]["daily" if daily else "periodic"], **base_ctx),
                 draft_note=R("draft_note"), closing=R("closing"), recipients_title=R("recipients_title"),
                 recipients=[render_text(x, **base_ctx) for x in T.get("recipients", [])],
                 signer_title=R("signer_title"), signer_name=R("signer_name"))
    B = rep.blocks
    B.append(Para([Run(R("intro"))]))
    sec = iter(ROMAN)

    # I. overview: figures compared with the previous period, two charts
    B.append(Heading(f"{next(sec)}. {R_section(T, 'overview', base_ctx)}", 1))
    B.append(Para([Run(R("overview_text"))]))
    B.append(Para([Run(R("basis_note"))], "note"))
    if d.total or d.prev_total:
        B.append(Image(charts.topics_chart(d.counts["topic"], d.prev_counts["topic"], lambda k: L("topic", k),
                                           (period_label, prev_label)), L.misc("chart_topics"), 15.5))
        B.append(Image(charts.timeline_chart(d.timeline, lambda s: L("sentiment", s)), L.misc("chart_timeline"), 15.5))
    for n, dim in enumerate(("source_type", "lang", "topic", "sentiment", "stance", "province"), start=1):
        cur, prev = d.counts[dim], d.prev_counts[dim]
        keys = [k for k, _ in (cur + prev).most_common()]
        rows = [[[Run(L(dim, k))], [Run(str(cur.get(k, 0)))], [Run(str(prev.get(k, 0)))],
                 [Run(_change(cur.get(k, 0), prev.get(k, 0), L))]] for k in keys]
        rows.append([[Run("Tổng" if lang == "vi" else "Total", bold=True)],
                     [Run(str(d.total if dim not in ("topic", "province") else sum(cur.values())), bold=True)],
                     [Run(str(d.prev_total if dim not in ("topic", "province") else sum(prev.values())), bold=True)],
                     [Run("")]])
        B.append(Heading(f"{n}. {L.l['dims'][dim]}", 2))
        B.append(Table([L.col("group"), L.col("current"), L.col("previous"), L.col("change")], rows,
                       [46, 16, 16, 22], numeric=(1, 2)))

    # II. highlights by topic
    B.append(Heading(f"{next(sec)}. {R_section(T, 'highlights', base_ctx)}", 1))
    if not d.highlights:
        B.append(Para([Run(R("empty"))]))
    for n, (topic, count, views) in enumerate(d.highlights, start=1):
        B.append(Heading(f"{n}. {L('topic', topic)} ({count} {L.misc('items_word')})", 2))
        B.append(Bullets([[_link(v["lead"].title, v["lead"].url),
                           Run(f" — {v['lead'].source_name}, {_date(v['first'], lang)}; "
                               f"{v['copies']} {L.col('copies')}, {v['sources']} {L.col('sources')}", italic=True)]
                          for v in views]))

    # III. negative and distorting items needing attention
    B.append(Heading(f"{next(sec)}. {R_section(T, 'attention', base_ctx)}", 1))
    if not d.attention:
        B.append(Para([Run(L.misc("none"))]))
    else:
        rows = []
        for i, v in enumerate(d.attention, start=1):
            it, a = v["lead"], v["alert"]
            alert_txt = (f"#{a['id']} {L('alert_kind', a['kind'])}: {L('status', a['status'])}"
                         + (f" — {a['department']}" if a.get("department") else "")) if a else "—"
            rows.append([[Run(str(i))], [_link(it.title, it.url)],
                         [Run(f"{it.source_name} ({L('source_type', it.source_type)}), {_date(it.when, lang)}")],
                         [Run(f"{L('stance', it.stance)}; {L('sentiment', it.sentiment)}")],
                         [Run(f"{v['copies']} {L.col('copies')}, {v['sources']} {L.col('sources')}"
                              + (f" (∑ {v['copies_total']})" if v["copies_total"] > v["copies"] else ""))],
                         [Run(alert_txt)]])
        B.append(Table([L.col("no"), L.col("item"), L.col("source"), L.col("stance"), L.col("spread"),
                        L.col("alert")], rows, [5, 35, 20, 14, 10, 16], small=True))
        if d.attention_total > len(d.attention):
            B.append(Para([Run(R("attention_more", n=d.attention_total - len(d.attention)))], "note"))

    # IV. alerts handled and open
    B.append(Heading(f"{next(sec)}. {R_section(T, 'alerts', base_ctx)}", 1))
    B.append(Para([Run(R("alerts_text"))]))
    kinds = sorted(set(d.alerts_raised))
    statuses = [s for s in ("new", "in_progress", "verified", *HANDLED_STATUSES) if d.alert_status_counts.get(s)]
    if kinds:
        B.append(Heading(L.misc("raised_title"), 3))
        rows = [[[Run(L("alert_kind", k))], [Run(str(d.alerts_raised[k]))]] for k in kinds]
        B.append(Table([L.col("kind"), L.col("count")], rows, [70, 30], numeric=(1,)))
        rows = [[[Run(L("status", s))], [Run(str(d.alert_status_counts[s]))]] for s in statuses]
        B.append(Table([L.col("status"), L.col("count")], rows, [70, 30], numeric=(1,)))
    if d.responses:
        B.append(Heading(L.misc("responses"), 3))
        B.append(Table([L.col("kind"), L.col("count")],
                       [[[Run(L("response", k))], [Run(str(n))]] for k, n in d.responses.most_common()],
                       [70, 30], numeric=(1,)))
    for title, alerts, when_key in ((L.misc("handled_title"), d.alerts_handled, "last_change"),
                                    (L.misc("open_title"), d.alerts_open, "created_at")):
        B.append(Heading(title, 3))
        if not alerts:
            B.append(Para([Run(L.misc("none"))]))
            continue
        rows = [[[Run(f"#{a['id']}")], [_link(a["title"], a["url"])], [Run(L("alert_kind", a["kind"]))],
                 [Run(L("status", a["status"]))], [Run(a.get("department") or a.get("assignee") or "—")],
                 [Run(a[when_key][:10] if a.get(when_key) else "—")]] for a in alerts[:attention_max]]
        B.append(Table(["#", L.col("item"), L.col("kind"), L.col("status"), L.col("department"),
                        L.col("decided") if when_key == "last_change" else L.col("raised")],
                       rows, [7, 38, 17, 14, 14, 10], small=True))
        if len(alerts) > attention_max:
            B.append(Para([Run(L.misc("more").format(n=len(alerts) - attention_max))], "note"))

    # V. the figures the plans ask for (digest §6.3), in periodic reports
    if not daily:
        B.append(Heading(f"{next(sec)}. {R_section(T, 'figures', base_ctx)}", 1))
        fl = L.l["figures"]
        prev_local = d.prev_counts["stance"].get("critical", 0)
        promoted_cur = [it for it in d.items if set(it.topics) & set(PROMOTED)]
        pos = sum(it.sentiment == "positive" for it in promoted_cur)
        foreign_lang = sum(it.lang not in ("vi", "?") for it in d.items)
        rows = [
            (fl["total"], d.total, d.prev_total, ""),
            (fl["local_problem"], d.counts["stance"].get("critical", 0), prev_local, ""),
            (fl["distorting"], d.counts["stance"].get("distorting", 0), d.prev_counts["stance"].get("distorting", 0), ""),
            (fl["alerts_handled"], len(d.alerts_handled), None,
             ", ".join(f"{L('status', s)}: {n}" for s, n in Counter(a["status"] for a in d.alerts_handled).items())),
            (fl["iz_labour_unrest"], d.subtopic_counts.get("iz_labour_unrest", 0),
             d.prev_subtopic_counts.get("iz_labour_unrest", 0), ""),
            (fl["sovereignty_misrepresentation"], d.subtopic_counts.get("sovereignty_misrepresentation", 0),
             d.prev_subtopic_counts.get("sovereignty_misrepresentation", 0), ""),
            (fl["foreign_press"], d.counts["source_type"].get("foreign_press", 0),
             d.prev_counts["source_type"].get("foreign_press", 0), ""),
            (fl["foreign_lang"], foreign_lang, sum(n for k, n in d.prev_counts["lang"].items() if k not in ("vi", "?")), ""),
            (fl["promoted"], len(promoted_cur), None,
             f"{pos * 100 // len(promoted_cur)}%" if promoted_cur else "—"),
        ]
        table_rows = [[[Run(a)], [Run(str(b))], [Run("—" if c is None else str(c))], [Run(e)]] for a, b, c, e in rows]
        table_rows += [[[Run(x)], [Run(T["office_fill"], italic=True)], [Run("")], [Run("")]] for x in fl["office"]]
        B.append(Table([L.col("indicator"), L.col("current"), L.col("previous"), L.col("note")], table_rows,
                       [50, 14, 14, 22], numeric=(1, 2)))

    # VI. proposals: editable
    B.append(Heading(f"{next(sec)}. {R_section(T, 'proposals', base_ctx)}", 1))
    B.append(Bullets([[Run(render_text(p, **base_ctx))] for p in T.get("proposals", [])], "editable"))

    # appendix: every item (up to max_rows in the document; all of them in the CSV)
    A = rep.appendix
    A.append(Heading(R_section(T, "appendix", base_ctx), 0))
    items = d.items
    if len(items) > max_rows:
        keep = {it.id for it in sorted(items, key=lambda x: (-x.risk, x.when))[:max_rows]}
        items = [it for it in items if it.id in keep]
        A.append(Para([Run(R("appendix_capped", shown=max_rows, total=d.total, csv_name=csv_name))], "note"))
    if not items:
        A.append(Para([Run(R("empty"))]))
    else:
        rows = [[[Run(str(i))], [_link(it.title, it.url)]
                 + ([Run(f" ({L.misc('duplicate')})", italic=True)] if it.duplicate_of else []),
                 [Run(f"{it.source_name} ({L('source_type', it.source_type)})")],
                 [Run(_date(it.when, lang) + ("" if it.dated else " *"))],
                 [Run(", ".join(L("topic", t) for t in it.topics) or "—")],
                 [Run(f"{L('sentiment', it.sentiment)} / {L('stance', it.stance)}")],
                 [Run(f"{it.risk:.2f}" + (" ⚑" if it.alert else ""))]] for i, it in enumerate(items, start=1)]
        A.append(Table([L.col("no"), L.col("item"), L.col("source"), L.col("date"), L.col("topics"),
                        f"{L.col('sentiment')} / {L.col('stance')}", L.col("risk")], rows,
                       [5, 36, 18, 10, 14, 11, 6], numeric=(6,), small=True))
    return rep


def R_section(T: dict, key: str, ctx: dict) -> str:
    return render_text(T["sections"][key], **ctx)
