"""DOCX (python-docx) in the Vietnamese administrative layout (Nghị định 30/2020/NĐ-CP): A4, margins
20/20/30/15 mm, Times New Roman 13-14 pt, the two-column header (issuing body | Quốc hiệu, tiêu ngữ),
justified paragraphs with a first-line indent, tables with the Table Grid style, "Nơi nhận" and the signer.
All formatting lives in named styles (Normal, Heading 1-3, "Ghi chú", "Đề xuất", "Bảng") so a clerk can
change it in Word in one place. Text is inserted as text (python-docx escapes it); links are real
hyperlinks, http(s) only."""
from __future__ import annotations

import io

from docx import Document
from docx.enum.section import WD_ORIENT  # noqa: F401 - kept for provinces that switch the appendix to landscape
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from ..urls import safe_href
from .model import Report, Run

FONT = "Times New Roman"


def _font(style_or_run, size=None, bold=None, italic=None):
    f = style_or_run.font
    f.name = FONT
    if size:
        f.size = Pt(size)
    if bold is not None:
        f.bold = bold
    if italic is not None:
        f.italic = italic
    rpr = style_or_run.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.append(fonts)
    for k in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(k), FONT)


def _styles(doc):
    st = doc.styles
    normal = st["Normal"]
    _font(normal, 13)
    pf = normal.paragraph_format
    pf.space_before, pf.space_after, pf.line_spacing = Pt(3), Pt(3), 1.15
    for name, size, italic in (("Heading 1", 13, False), ("Heading 2", 13, True), ("Heading 3", 13, False)):
        s = st[name]
        _font(s, size, True, italic)
        s.font.color.rgb = RGBColor(0, 0, 0)
        s.paragraph_format.space_before, s.paragraph_format.space_after = Pt(8), Pt(3)
        s.paragraph_format.keep_with_next = True
    body = st.add_style("Nội dung", WD_STYLE_TYPE.PARAGRAPH)
    body.base_style = normal
    body.paragraph_format.first_line_indent = Cm(1)
    body.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    note = st.add_style("Ghi chú", WD_STYLE_TYPE.PARAGRAPH)
    note.base_style = normal
    _font(note, 11, italic=True)
    prop = st.add_style("Đề xuất", WD_STYLE_TYPE.PARAGRAPH)
    prop.base_style = st["List Bullet"]
    _font(prop, 13)
    bullet = st["List Bullet"]
    _font(bullet, 13)
    cell = st.add_style("Bảng", WD_STYLE_TYPE.PARAGRAPH)
    cell.base_style = normal
    _font(cell, 11)
    cell.paragraph_format.space_before, cell.paragraph_format.space_after = Pt(0), Pt(0)
    cell.paragraph_format.line_spacing = 1.0
    small = st.add_style("Bảng nhỏ", WD_STYLE_TYPE.PARAGRAPH)
    small.base_style = cell
    _font(small, 9.5)
    for name in ("Normal", "Heading 1", "Heading 2", "Heading 3", "List Bullet", "Nội dung", "Ghi chú", "Đề xuất",
                 "Bảng", "Bảng nhỏ"):
        _SID[name] = st[name].style_id


_SID: dict[str, str] = {}


def _par(container, style: str, text: str | None = None):
    """A paragraph with a named style, set by its id (python-docx's style lookup costs ms per paragraph)."""
    p = container.add_paragraph()
    p._p.style = _SID[style]
    if text:
        p.add_run(text)
    return p


def _hyperlink(par, run: Run):
    href = safe_href(run.href)
    if href == "#":
        par.add_run(run.text)
        return
    rid = par.part.relate_to(href, RT.HYPERLINK, is_external=True)
    h = OxmlElement("w:hyperlink")
    h.set(qn("r:id"), rid)
    r = OxmlElement("w:r")
    rpr = OxmlElement("w:rPr")
    for tag, val in (("w:color", "0B3D91"), ("w:u", "single")):
        e = OxmlElement(tag)
        e.set(qn("w:val"), val)
        rpr.append(e)
    r.append(rpr)
    t = OxmlElement("w:t")
    t.text = run.text
    t.set(qn("xml:space"), "preserve")
    r.append(t)
    h.append(r)
    par._p.append(h)


def _runs(par, runs: list[Run]):
    for x in runs:
        if x.href:
            _hyperlink(par, x)
        else:
            r = par.add_run(x.text)
            r.bold, r.italic = x.bold or None, x.italic or None


def _no_borders(table):
    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        e = OxmlElement(f"w:{edge}")
        e.set(qn("w:val"), "nil")
        borders.append(e)
    tbl_pr.append(borders)


def _line_par(cell, text, bold=False, italic=False, size=13, underline_rule=False):
    p = cell.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.space_before = p.paragraph_format.space_after = Pt(0)
    r = p.add_run(text)
    r.bold, r.italic = bold or None, italic or None
    r.font.size = Pt(size)
    if underline_rule:  # the short rule under the issuer / the motto: a bottom border on a short paragraph
        ppr = p._p.get_or_add_pPr()
        bdr = OxmlElement("w:pBdr")
        b = OxmlElement("w:bottom")
        for k, v in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
            b.set(qn(k), v)
        bdr.append(b)
        ppr.append(bdr)
        p.paragraph_format.left_indent = p.paragraph_format.right_indent = Cm(2.2 if size == 13 else 1.6)
    return p


def _header(doc, rep: Report):
    h = rep.header
    t = doc.add_table(rows=1, cols=2)
    _no_borders(t)
    t.autofit = False
    left, right = t.rows[0].cells
    left.width, right.width = Cm(6.5), Cm(9.5)
    left.paragraphs[0].text = ""
    _line_par(left, h.parent, size=13).paragraph_format.space_before = Pt(0)
    issuer_lines = h.issuer.split("\n")
    for i, line in enumerate(issuer_lines):
        _line_par(left, line, bold=True, underline_rule=(i == len(issuer_lines) - 1 and not h.star))
    if h.star:
        _line_par(left, h.star)
    _line_par(left, h.number).paragraph_format.space_before = Pt(6)
    right.paragraphs[0].text = ""
    _line_par(right, h.national, bold=True, size=12 if rep.lang == "vi" else 12, underline_rule=not h.motto)
    if h.motto:
        _line_par(right, h.motto, bold=True, size=13, underline_rule=True)
    _line_par(right, h.date_line, italic=True).paragraph_format.space_before = Pt(6)
    for c in (left, right):  # the empty first paragraph of each cell
        c._tc.remove(c.paragraphs[0]._p)


def _table(doc, b):
    t = doc.add_table(rows=1, cols=len(b.columns))
    t.style = doc.styles["Table Grid"]
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    total = sum(b.widths)
    widths = [Cm(16.0 * w / total) for w in b.widths]
    pstyle = _SID["Bảng nhỏ" if b.small else "Bảng"]
    hdr = t.rows[0]
    tr_pr = hdr._tr.get_or_add_trPr()  # repeat the header row on every page
    rep = OxmlElement("w:tblHeader")
    rep.set(qn("w:val"), "true")
    tr_pr.append(rep)
    for i, c in enumerate(b.columns):
        cell = hdr.cells[i]
        cell.width = widths[i]
        p = cell.paragraphs[0]
        p._p.style = pstyle
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.add_run(c).bold = True
    for row in b.rows:
        cells = t.add_row().cells
        for i, content in enumerate(row):
            cell = cells[i]
            cell.width = widths[i]
            p = cell.paragraphs[0]
            p._p.style = pstyle
            if i in b.numeric:
                p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            _runs(p, content)
    doc.add_paragraph().paragraph_format.space_after = Pt(0)


def _blocks(doc, blocks):
    for b in blocks:
        k = b.kind
        if k == "heading":
            if b.level == 0:
                p = _par(doc, "Heading 1", b.text)
                p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            else:
                _par(doc, f"Heading {b.level}", b.text)
        elif k == "para":
            style = {"note": "Ghi chú", "editable": "Đề xuất"}.get(b.style, "Nội dung")
            _runs(_par(doc, style), b.content)
        elif k == "bullets":
            for it in b.items:
                _runs(_par(doc, "Đề xuất" if b.style == "editable" else "List Bullet"), it)
        elif k == "table":
            _table(doc, b)
        elif k == "image":
            doc.add_picture(io.BytesIO(b.png), width=Cm(min(b.width_cm, 16)))
            doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
            cap = _par(doc, "Ghi chú", b.caption)
            cap.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif k == "pagebreak":
            doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def render_docx(rep: Report) -> bytes:
    doc = Document()
    sec = doc.sections[0]
    sec.page_width, sec.page_height = Cm(21), Cm(29.7)
    sec.top_margin, sec.bottom_margin, sec.left_margin, sec.right_margin = Cm(2), Cm(2), Cm(3), Cm(1.5)
    _styles(doc)
    doc.core_properties.title = f"{rep.title} {rep.subtitle}"
    doc.core_properties.author = "Presswatch"
    doc.core_properties.language = "vi-VN" if rep.lang == "vi" else "en-GB"
    _header(doc, rep)
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    r = p.add_run(rep.title)
    r.bold, r.font.size = True, Pt(14)
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.add_run(rep.subtitle).bold = True
    doc.add_paragraph(rep.draft_note, style="Ghi chú").alignment = WD_ALIGN_PARAGRAPH.CENTER
    _blocks(doc, rep.blocks)
    doc.add_paragraph(rep.closing, style="Nội dung")
    # Nơi nhận | signer
    t = doc.add_table(rows=1, cols=2)
    _no_borders(t)
    left, right = t.rows[0].cells
    left.width, right.width = Cm(7.5), Cm(8.5)
    p = left.paragraphs[0]
    r = p.add_run(rep.recipients_title)
    r.bold, r.italic, r.font.size = True, True, Pt(12)
    for x in rep.recipients:
        q = left.add_paragraph()
        q.paragraph_format.space_before = q.paragraph_format.space_after = Pt(0)
        q.add_run(x).font.size = Pt(11)
    p = right.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    lines = rep.signer_title.split("\n")
    for i, line in enumerate(lines):
        run = p.add_run(line)
        run.bold = True
        if i < len(lines) - 1:
            run.add_break()
    q = right.add_paragraph()
    q.alignment = WD_ALIGN_PARAGRAPH.CENTER
    q.paragraph_format.space_before = Pt(48)
    q.add_run(rep.signer_name).italic = True
    if rep.appendix:
        doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        _blocks(doc, rep.appendix)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
