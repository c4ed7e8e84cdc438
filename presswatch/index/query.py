"""The search query language, parsed once into a small tree that every index backend compiles.

    words                 all must match (diacritics optional: "bien dong" finds "Biển Đông")
    "exact phrase"        words in this order
    a b OR c d            either side (OR binds looser than the implicit AND: (a b) OR (c d))
    NOT a, -a             must not match
    ( … )                 grouping
    topic:labour  sentiment:negative  stance:distorting  province:bac_ninh (or "Bắc Ninh")
    lang:vi  source:<source id>  type:social  site:example.org
    date:2026-11-01..2026-11-20   date:2026-11   after:2026-11-01   before:2026-12-01

Matching folds diacritics and đ, and both tone-mark placements are one; a match with the same
diacritics as typed scores higher. Errors say what to write instead."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from presswatch.record import SENTIMENTS, SOURCE_TYPES, STANCES, TOPICS
from presswatch.text import fold, normalize

FILTER_FIELDS = {"topic": "topics", "province": "provinces", "lang": "lang", "source": "source_id",
                 "type": "source_type", "sentiment": "sentiment", "stance": "stance", "site": "site"}
DATE_KEYS = ("date", "after", "before")
_ENUMS = {"topic": TOPICS, "sentiment": SENTIMENTS, "stance": STANCES, "type": SOURCE_TYPES}
_WORD = re.compile(r"[^\W_]+")
_TOKEN = re.compile(r'\s*(?:(?P<lp>\()|(?P<rp>\))|(?P<neg>-)?(?:(?P<key>[a-z]+):(?P<val>"[^"]*"|[^\s()"]+)'
                    r'|"(?P<phrase>[^"]*)"|(?P<word>[^\s()"]+)))')


class QuerySyntaxError(ValueError):
    pass


@dataclass
class Text:
    folded: list[str]  # folded words (what must match)
    exact: list[str]  # the same words, lower-cased with their diacritics (scored higher)
    phrase: bool = False


@dataclass
class Filter:
    field: str  # index field name
    value: str


@dataclass
class DateRange:
    start: datetime | None  # inclusive
    end: datetime | None  # exclusive


@dataclass
class Not:
    child: object


@dataclass
class And:
    children: list = field(default_factory=list)


@dataclass
class Or:
    children: list = field(default_factory=list)


@dataclass
class Query:
    tree: object | None  # None: no condition (match everything, e.g. a facet-only view)
    highlight: list[str]  # folded words to highlight


def _text(raw: str, phrase: bool) -> Text | None:
    norm = normalize(raw)
    folded = _WORD.findall(fold(norm))
    if not folded:
        return None
    exact = _WORD.findall(norm.lower())
    return Text(folded, exact if len(exact) == len(folded) else folded, phrase or len(folded) > 1)


def _day(s: str, end: bool) -> datetime:
    try:
        if re.fullmatch(r"\d{4}", s):
            d = date(int(s) + (1 if end else 0), 1, 1)
        elif re.fullmatch(r"\d{4}-\d{2}", s):
            y, m = map(int, s.split("-"))
            if end:
                y, m = (y + 1, 1) if m == 12 else (y, m + 1)
            d = date(y, m, 1)
        else:
            d = date.fromisoformat(s) + (timedelta(days=1) if end else timedelta())
    except ValueError as exc:
        raise QuerySyntaxError(f"date {s!r} not understood: write YYYY-MM-DD, YYYY-MM or YYYY") from exc
    return datetime(d.year, d.month, d.day, tzinfo=timezone(timedelta(hours=7)))  # Vietnam days


def _date_filter(key: str, val: str) -> DateRange:
    if key == "after":
        return DateRange(_day(val, end=False), None)
    if key == "before":
        return DateRange(None, _day(val, end=False))
    if ".." in val:
        lo, hi = val.split("..", 1)
        return DateRange(_day(lo, False) if lo else None, _day(hi, True) if hi else None)
    return DateRange(_day(val, False), _day(val, True))


def _filter(key: str, val: str, provinces: dict[str, str] | None) -> object:
    if key in DATE_KEYS:
        return _date_filter(key, val)
    if key not in FILTER_FIELDS:
        raise QuerySyntaxError(f"unknown filter '{key}:'; use one of "
                               + ", ".join(f"{k}:" for k in list(FILTER_FIELDS) + list(DATE_KEYS)))
    if not val:
        raise QuerySyntaxError(f"filter '{key}:' needs a value")
    if key in _ENUMS and val not in _ENUMS[key]:
        raise QuerySyntaxError(f"unknown {key} {val!r}; use one of {', '.join(_ENUMS[key])}")
    if key == "province" and provinces is not None:
        pid = provinces.get(fold(normalize(val)).replace("_", " "))
        if pid is None:
            raise QuerySyntaxError(f"unknown province {val!r}; use a gazetteer id such as bac_ninh or a name")
        val = pid
    if key == "site":
        val = val.lower().removeprefix("www.")
    return Filter(FILTER_FIELDS[key], val)


def parse(q: str, provinces: dict[str, str] | None = None) -> Query:
    """Parse a query. ``provinces`` maps folded names and ids to gazetteer ids (for ``province:``)."""
    q = normalize(q or "")
    if q.count('"') % 2:
        raise QuerySyntaxError('unbalanced quote: close the "exact phrase" with a second "')
    tokens: list[tuple[str, object]] = []
    pos = 0
    while pos < len(q):
        m = _TOKEN.match(q, pos)
        if not m or m.end() == pos:
            if q[pos:].strip() == "":
                break
            raise QuerySyntaxError(f"cannot read the query at {q[pos:pos + 20]!r}")
        pos = m.end()
        if m.group("lp"):
            tokens.append(("(", None))
        elif m.group("rp"):
            tokens.append((")", None))
        elif m.group("key"):
            if m.group("key") in ("http", "https"):
                raise QuerySyntaxError("to search one site write site:example.org")
            node = _filter(m.group("key"), m.group("val").strip('"'), provinces)
            tokens.append(("atom", Not(node) if m.group("neg") else node))
        elif m.group("phrase") is not None:
            t = _text(m.group("phrase"), phrase=True)
            if t:
                tokens.append(("atom", Not(t) if m.group("neg") else t))
        else:
            word = m.group("word")
            if word in ("AND", "OR", "NOT"):
                tokens.append((word, None))
                continue
            t = _text(word, phrase=False)
            if t:
                tokens.append(("atom", Not(t) if m.group("neg") else t))
    tree, rest = _parse_or(tokens, 0)
    if rest != len(tokens):
        raise QuerySyntaxError("unbalanced parenthesis: ) without (")
    words: list[str] = []
    _collect(tree, words, positive=True)
    return Query(tree, list(dict.fromkeys(words)))


def _parse_or(tokens, i):
    """or := and ("OR" and)* — stops at ")" or the end."""
    node, i = _parse_and(tokens, i)
    alts = [node]
    while i < len(tokens) and tokens[i][0] == "OR":
        nxt, i = _parse_and(tokens, i + 1)
        if nxt is None or alts[0] is None:
            raise QuerySyntaxError("OR needs a term on both sides")
        alts.append(nxt)
    return (alts[0] if len(alts) == 1 else Or(alts)), i


def _parse_and(tokens, i):
    """and := unary+ (implicit AND; the word AND is allowed and ignored)."""
    children = []
    while i < len(tokens) and tokens[i][0] not in (")", "OR"):
        if tokens[i][0] == "AND":
            i += 1
            continue
        node, i = _parse_unary(tokens, i)
        if node is not None:
            children.append(node)
    if not children:
        return None, i
    return (children[0] if len(children) == 1 else And(children)), i


def _parse_unary(tokens, i):
    if i >= len(tokens):
        return None, i
    kind, val = tokens[i]
    if kind == "NOT":
        node, j = _parse_unary(tokens, i + 1)
        if node is None:
            raise QuerySyntaxError("NOT needs a term after it")
        return Not(node), j
    if kind == "(":
        node, j = _parse_or(tokens, i + 1)
        if j >= len(tokens) or tokens[j][0] != ")":
            raise QuerySyntaxError("unbalanced parenthesis: every ( needs a )")
        return node, j + 1
    if kind == ")":
        raise QuerySyntaxError("unbalanced parenthesis: ) without (")
    return val, i + 1


def _collect(node, out: list[str], positive: bool) -> None:
    if isinstance(node, Text) and positive:
        out.extend(node.folded)
    elif isinstance(node, Not):
        _collect(node.child, out, not positive)
    elif isinstance(node, (And, Or)):
        for c in node.children:
            _collect(c, out, positive)
