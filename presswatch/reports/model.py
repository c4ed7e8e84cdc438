"""The format-neutral report: a header, blocks and a footer. One builder fills it; the HTML, PDF and DOCX
writers each turn it into their format, escaping text their own way. Text from crawled pages is cleaned of
characters XML cannot hold (so a hostile title cannot break the DOCX) and is never treated as markup."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import ClassVar

_BAD_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def clean(text) -> str:
    return _BAD_XML.sub("", "" if text is None else str(text))


@dataclass
class Run:
    text: str
    bold: bool = False
    italic: bool = False
    href: str | None = None  # only http(s); anything else is dropped by the writers

    def __post_init__(self):
        self.text = clean(self.text)


def runs(x) -> list[Run]:
    if isinstance(x, Run):
        return [x]
    if isinstance(x, list):
        return [r if isinstance(r, Run) else Run(str(r)) for r in x]
    return [Run(clean(x))]


@dataclass
class Heading:
    kind: ClassVar[str] = "heading"
    text: str
    level: int = 1  # 1: "I. ...", 2: "1. ...", 3: plain bold


@dataclass
class Para:
    kind: ClassVar[str] = "para"
    content: list[Run]
    style: str = "body"  # body | note | editable | center


@dataclass
class Bullets:
    kind: ClassVar[str] = "bullets"
    items: list[list[Run]]
    style: str = "body"  # body | editable


@dataclass
class Table:
    kind: ClassVar[str] = "table"
    columns: list[str]
    rows: list[list[list[Run]]]
    widths: list[float]          # relative widths, any scale
    numeric: tuple[int, ...] = ()  # columns aligned right
    caption: str | None = None
    small: bool = False


@dataclass
class Image:
    kind: ClassVar[str] = "image"
    png: bytes
    caption: str
    width_cm: float = 16.0


@dataclass
class PageBreak:
    kind: ClassVar[str] = "pagebreak"
    pass


@dataclass
class Header:
    parent: str
    issuer: str
    star: str
    number: str
    national: str
    motto: str
    date_line: str


@dataclass
class Report:
    lang: str
    header: Header
    title: str
    subtitle: str
    draft_note: str
    blocks: list = field(default_factory=list)
    closing: str = ""
    recipients_title: str = ""
    recipients: list[str] = field(default_factory=list)
    signer_title: str = ""
    signer_name: str = ""
    appendix: list = field(default_factory=list)  # blocks after the signature

    def all_blocks(self):
        return list(self.blocks) + list(self.appendix)
