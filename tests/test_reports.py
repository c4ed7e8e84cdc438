"""Reports (issue 7): the demo run through the real pipeline into a real SQLite store, reports written in
DOCX (opened with python-docx), PDF (rendered with pdftoppm, text read back with pdftotext) and HTML."""
from __future__ import annotations

import csv
import io
import json
import time
import shutil
import subprocess
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import docx
import docx.table
import docx.text.paragraph
import pytest

from crawlers.ingest import poll_source
from flows.tasks import _ref
from presswatch.record import Document, Enrichment, Extraction, SourceRef
from presswatch.reports import generate, regenerate
from presswatch.reports.periods import VN_TZ, day, last_complete, period_from_range, quarter_of, year_of
from presswatch.reports.synthetic import add_synthetic
from presswatch.service import demo_sources_file, process_now, sync_sources
from tests.conftest import cli_env, presswatch_cmd, use_module_database

DEMO_DAY = date(2026, 11, 19)  # the demo's items are published 15-21/11/2026
HAS_POPPLER = shutil.which("pdftoppm") and shutil.which("pdftotext")
needs_poppler = pytest.mark.skipif(not HAS_POPPLER, reason="poppler-utils missing: run scripts/system-deps.sh")


@pytest.fixture(scope="module")
def demo(demo_site, tmp_path_factory):
    from presswatch.config import load_settings
    from presswatch.storage import open_store

    s = use_module_database(load_settings(tmp_path_factory.mktemp("demo-reports"), allow_private_hosts=["127.0.0.1"]))
    s.ensure_dirs()
    st = open_store(s)
    sync_sources(st, s, demo_sources_file(), {"demo": demo_site.base_url})
    for row in st.sources():
        poll_source(row, st, s, _ref(row))
    process_now(st, s)
    # one decision by an officer, so "alerts handled" has something
    distortion = next(a for a in st.alerts() if a["kind"] == "distortion")
    st.set_alert_status(distortion["id"], "rebutted", "can-bo-a", "đã đăng bài phản bác")
    yield {"store": st, "settings": s, "rebutted": distortion["id"]}
    st.close()


def _docx_text(path: Path) -> tuple[docx.document.Document, str]:
    d = docx.Document(str(path))
    parts = [p.text for p in d.paragraphs]
    for t in d.tables:
        for row in t.rows:
            parts.extend(c.text for c in row.cells)
    return d, "\n".join(parts)


def _pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def _table_after(d, heading: str):
    """The first table following the paragraph whose text is ``heading`` (document order)."""
    body = list(d.element.body.iterchildren())
    for i, el in enumerate(body):
        if el.tag.endswith("}p") and docx.text.paragraph.Paragraph(el, d._body).text.strip() == heading:
            for nxt in body[i + 1:]:
                if nxt.tag.endswith("}tbl"):
                    return docx.table.Table(nxt, d._body)
    raise AssertionError(f"no table after {heading!r}")


def _published_on(store, d: date) -> int:
    start = datetime.combine(d, datetime.min.time(), VN_TZ).astimezone(timezone.utc).isoformat(timespec="seconds")
    end = datetime.combine(d + timedelta(days=1), datetime.min.time(), VN_TZ).astimezone(timezone.utc) \
        .isoformat(timespec="seconds")
    return store.conn.execute("SELECT count(*) FROM documents WHERE status='processed' AND"
                              " COALESCE(published, created_at) >= ? AND COALESCE(published, created_at) < ?",
                              (start, end)).fetchone()[0]


def test_daily_report_docx_has_the_administrative_layout_sections_tables_and_charts(demo, tmp_path):
    st, s = demo["store"], demo["settings"]
    gen = generate(st, s, day(DEMO_DAY), formats=("docx",), out_dir=tmp_path)
    expected = _published_on(st, DEMO_DAY)
    assert expected >= 3 and gen.total == expected
    d, text = _docx_text(gen.files["docx"])
    # header: issuing body, Quốc hiệu and tiêu ngữ, number placeholder, place and date
    for s_ in ("UBND TỈNH BẮC NINH", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "/BC-",
               "Bắc Ninh, ngày", "BÁO CÁO", "Tổng hợp dư luận báo chí ngày 19/11/2026", "Nơi nhận:"):
        assert s_ in text, s_
    headings = [p.text for p in d.paragraphs if p.style.name.startswith("Heading")]
    for h in ("I. TÌNH HÌNH CHUNG", "II. NỘI DUNG NỔI BẬT THEO CHỦ ĐỀ", "III. TIN, BÀI TIÊU CỰC, XUYÊN TẠC CẦN LƯU Ý",
              "IV. TÌNH HÌNH XỬ LÝ CẢNH BÁO", "V. ĐỀ XUẤT, KIẾN NGHỊ", "PHỤ LỤC: DANH SÁCH TIN, BÀI NGÀY 19/11/2026"):
        assert h in headings, (h, headings)
    assert d.styles["Normal"].font.name == "Times New Roman"
    assert len(d.inline_shapes) == 2  # topic chart and timeline chart, embedded as images
    # overview figures: by source type, with the previous day beside them; totals agree with the store
    by_source = _table_after(d, "1. Theo loại nguồn")
    assert [c.text for c in by_source.rows[0].cells] == ["Nhóm", "Kỳ này", "Kỳ trước", "Tăng/giảm"]
    total_row = [c.text for c in by_source.rows[-1].cells]
    assert total_row[:3] == ["Tổng", str(expected), str(_published_on(st, DEMO_DAY - timedelta(days=1)))]
    assert sum(int(r.cells[1].text) for r in by_source.rows[1:-1]) == expected
    # the appendix lists every item of the day, with a working link
    appendix = d.tables[-1]
    assert len(appendix.rows) - 1 == expected
    rels = [r.target_ref for r in d.part.rels.values() if r.reltype.endswith("/hyperlink")]
    assert rels and all(u.startswith("http") for u in rels)


def test_negative_items_show_story_spread_and_review_status(demo, tmp_path):
    st, s = demo["store"], demo["settings"]
    gen = generate(st, s, period_from_range(date(2026, 11, 16), date(2026, 11, 22)), formats=("docx", "html"),
                   out_dir=tmp_path)
    assert gen.params["period"] == "weekly"
    d, text = _docx_text(gen.files["docx"])
    attention = _table_after(d, "III. TIN, BÀI TIÊU CỰC, XUYÊN TẠC CẦN LƯU Ý")
    rows = [[c.text for c in r.cells] for r in attention.rows[1:]]
    # the strike story holds the Vietnamese report and the English one (pipelines/stories.py); the Vietnamese
    # one heads it in a Vietnamese report
    strike = [r for r in rows if "Quang Châu" in r[1] or "ngừng việc" in r[1]]
    assert strike, rows
    assert any(f"#{demo['rebutted']} " in r[5] and "đã phản bác" in r[5] for r in rows)  # distortion, rebutted
    assert all(" bản, " in r[4] and "nguồn" in r[4] for r in rows)  # spread: copies and sources
    assert "Cảnh báo đã xử lý trong kỳ" in text and "Cảnh báo đang mở" in text
    assert "V. CÁC SỐ LIỆU THEO KẾ HOẠCH THÔNG TIN ĐỐI NGOẠI" in text  # periodic reports carry §6.3 figures
    html = gen.files["html"].read_text(encoding="utf-8")
    assert 'contenteditable="true"' in html  # proposals left editable


@needs_poppler
def test_pdf_renders_to_png_and_keeps_vietnamese_diacritics(demo, tmp_path):
    st, s = demo["store"], demo["settings"]
    gen = generate(st, s, day(DEMO_DAY), formats=("pdf",), out_dir=tmp_path)
    pdf = gen.files["pdf"]
    assert pdf.read_bytes()[:5] == b"%PDF-"
    subprocess.run(["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")], check=True)
    png = next(tmp_path.glob("page*.png"))
    from PIL import Image

    with Image.open(png) as im:
        lo, hi = im.convert("L").getextrema()
        assert im.width > 200 and lo < 100 and hi > 200  # something dark printed on a light page
    text = _pdf_text(pdf)
    for s_ in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "Tổng hợp dư luận báo chí ngày 19/11/2026",
               "TÌNH HÌNH CHUNG", "Biểu đồ 1. Số tin, bài theo chủ đề", "Nơi nhận:"):
        assert s_ in text, s_
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout
    assert "Liberation Serif" in fonts or "DejaVu" in fonts or "Times" in fonts


def _hostile_doc(store, title: str, url: str, published: datetime, stance="distorting") -> int:
    doc = Document(url=url, source=SourceRef(id="hostile", name="<b>Trang lạ</b>", source_type="social"),
                   extraction=Extraction(title=title, text="x", published=published, language="vi"))
    doc.id = store.add_document(doc)
    doc.status = "processed"
    doc.enrichment = Enrichment(topics=["local_issues"], sentiment="negative", stance=stance, risk=0.9, alert=True,
                                story_id=f"hostile-{doc.id}", risk_reasons=["thử"], model_version="t")
    store.save_processed(doc)
    return doc.id


@needs_poppler
def test_hostile_titles_are_escaped_in_html_and_harmless_in_docx_pdf_csv(settings, store, tmp_path):
    when = datetime(2026, 11, 10, 9, 0, tzinfo=VN_TZ)
    evil = '<script>alert(1)</script><img src=x onerror="alert(2)"> Bắc Ninh \x07\x00 & "quotes" ]]>'
    _hostile_doc(store, evil, "javascript:alert(3)", when)
    _hostile_doc(store, "=HYPERLINK(\"http://evil.example\",\"bấm\")", "https://evil.example/a?b=<i>&c=\"d\"", when,
                 stance="critical")
    gen = generate(store, settings, day(when.date()), out_dir=tmp_path)
    html = gen.files["html"].read_text(encoding="utf-8")
    assert "<script>alert(1)" not in html and "<img src=x" not in html and "javascript:" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "&lt;b&gt;Trang lạ&lt;/b&gt;" in html
    assert "<script" not in html.lower()
    d, text = _docx_text(gen.files["docx"])  # python-docx parses it: the XML is valid
    assert "<script>alert(1)</script>" in text and "\x07" not in text
    rels = [r.target_ref for r in d.part.rels.values() if r.reltype.endswith("/hyperlink")]
    assert rels and not any(u.startswith("javascript") for u in rels)
    pdf_text = _pdf_text(gen.files["pdf"])
    assert "<script>alert(1)</script>" in pdf_text.replace("\n", "")
    rows = list(csv.reader(io.StringIO(gen.files["csv"].read_text(encoding="utf-8-sig"))))
    assert any(r[3].startswith("'=HYPERLINK") for r in rows[1:])  # no formula in a spreadsheet


@needs_poppler
def test_an_empty_day_produces_valid_documents(settings, store, tmp_path):
    gen = generate(store, settings, day(date(2026, 1, 5)), out_dir=tmp_path)
    assert gen.total == 0
    d, text = _docx_text(gen.files["docx"])
    assert "Trong ngày 05/01/2026, hệ thống ghi nhận 0 tin, bài" in text and "Trong kỳ không ghi nhận tin, bài nào." in text
    assert len(d.inline_shapes) == 0
    assert "Tổng hợp dư luận báo chí ngày 05/01/2026" in _pdf_text(gen.files["pdf"])
    assert "ghi nhận 0 tin, bài" in gen.files["html"].read_text(encoding="utf-8")


def test_a_day_with_thousands_of_items(settings, store, tmp_path):
    start = datetime(2026, 11, 20, tzinfo=VN_TZ)
    add_synthetic(store, 2000, start, start + timedelta(days=1), seed=3, title_prefix="<i>x</i> ")
    gen = generate(store, settings, day(start.date()), formats=("docx", "html", "pdf"), out_dir=tmp_path, max_rows=150)
    assert gen.total == 2000
    d, text = _docx_text(gen.files["docx"])
    assert "hệ thống ghi nhận 2000 tin, bài" in text
    assert "Phụ lục liệt kê 150/2000 tin, bài có mức rủi ro cao nhất" in text
    assert len(d.tables[-1].rows) == 151
    risks = [float(r.cells[6].text.split()[0]) for r in d.tables[-1].rows[1:]]
    assert min(risks) >= sorted((float(x) for x in _csv_col(gen, "risk")), reverse=True)[149] - 0.005  # shown rounded
    assert len(list(_csv_col(gen, "id"))) == 2000  # the CSV keeps every item
    html = gen.files["html"].read_text(encoding="utf-8")
    assert html.count("<tr>") > 150 and "<i>x</i>" not in html
    assert gen.files["pdf"].read_bytes()[:5] == b"%PDF-" and b"%%EOF" in gen.files["pdf"].read_bytes()[-1024:]


def _csv_col(gen, name):
    rows = list(csv.DictReader(io.StringIO(gen.files["csv"].read_text(encoding="utf-8-sig"))))
    return [r[name] for r in rows]


def test_items_count_by_publication_time_else_stored_time(settings, store, tmp_path):
    old = datetime(2026, 11, 3, 10, 0, tzinfo=VN_TZ)
    _hostile_doc(store, "Bài đăng ngày 3/11, thu thập hôm nay", "https://a.example/1", old)
    undated = Document(url="https://a.example/2", source=SourceRef(id="x", source_type="social"),
                       extraction=Extraction(title="Không rõ ngày đăng", text="x"))
    undated.id = store.add_document(undated)
    undated.status = "processed"
    store.save_processed(undated)
    today = datetime.now(VN_TZ).date()
    on_pub = generate(store, settings, day(old.date()), formats=("html",), out_dir=tmp_path)
    on_store = generate(store, settings, day(today), formats=("html",), out_dir=tmp_path)
    assert on_pub.total == 1 and on_store.total == 1
    assert "Không rõ ngày đăng" in on_store.files["html"].read_text(encoding="utf-8")
    assert "1 tin, bài không rõ ngày đăng" in on_store.files["html"].read_text(encoding="utf-8")
    assert "1 tin, bài thu thập trong kỳ nhưng đăng" in on_store.files["html"].read_text(encoding="utf-8")
    assert on_pub.params["basis"].startswith("published")


def test_periodic_reports_compare_with_the_previous_period_on_both_template_lines(settings, store, tmp_path):
    add_synthetic(store, 600, datetime(2026, 4, 1, tzinfo=VN_TZ), datetime(2026, 10, 1, tzinfo=VN_TZ), seed=11)
    q3 = quarter_of(date(2026, 8, 1))
    gen = generate(store, settings, q3, template="party", formats=("docx",), out_dir=tmp_path)
    prev = generate(store, settings, q3.previous(), formats=("docx",), out_dir=tmp_path, record=False)
    assert gen.total + prev.total == 600 and gen.params["previous_items"] == prev.total
    d, text = _docx_text(gen.files["docx"])
    assert "ĐẢNG CỘNG SẢN VIỆT NAM" in text and "CỘNG HÒA XÃ HỘI" not in text and "-BC/BCĐTTĐN" in text
    assert "quý III năm 2026" in text and "T/M BAN CHỈ ĐẠO" in text
    figures = _table_after(d, "V. CÁC SỐ LIỆU THEO KẾ HOẠCH THÔNG TIN ĐỐI NGOẠI")
    rows = {r.cells[0].text: [c.text for c in r.cells[1:]] for r in figures.rows[1:]}
    assert rows["Tin, bài về tỉnh trên báo chí, mạng xã hội"][:2] == [str(gen.total), str(prev.total)]
    iz = rows["Sự việc lao động, đình công tại khu công nghiệp được báo chí đưa tin"]
    assert int(iz[0]) > 0 and int(iz[1]) > 0
    assert rows["Họp báo, cung cấp thông tin cho báo chí đã tổ chức"][0] == "(đơn vị bổ sung)"
    en = generate(store, settings, year_of(date(2026, 1, 1)), lang="en", formats=("html",), out_dir=tmp_path)
    html = en.files["html"].read_text(encoding="utf-8")
    assert "SOCIALIST REPUBLIC OF VIET NAM" in html and "FIGURES THE EXTERNAL-INFORMATION PLAN ASKS FOR" in html
    assert en.total == 600 and en.files["html"].name == "bao-cao-nam-2026-en.html"


def test_stored_parameters_regenerate_the_same_report_after_later_decisions(demo, tmp_path):
    st, s = demo["store"], demo["settings"]
    first = generate(st, s, period_from_range(date(2026, 11, 15), date(2026, 11, 21)), formats=("html",),
                     out_dir=tmp_path / "a")
    row = st.conn.execute("SELECT kind, params, path FROM reports WHERE id=?", (first.id,)).fetchone()
    assert row["kind"] == "custom" and json.loads(row["params"])["as_of"] == first.params["as_of"]
    open_alert = next(a for a in st.alerts() if a["status"] == "new")
    # stored times have one-second resolution and the cut-off second is included: a decision taken in the
    # same second as the report would be replayed into it, so the later decision comes in a later second
    time.sleep(1.1)
    st.set_alert_status(open_alert["id"], "referred", "can-bo-b", "chuyển BQL KCN")
    again = regenerate(st, s, first.id, tmp_path / "b")
    assert again.params["reproduces"] == first.id
    assert again.files["csv"].read_bytes() == first.files["csv"].read_bytes()
    strip = lambda p: p.read_text(encoding="utf-8")  # noqa: E731
    assert strip(again.files["html"]) == strip(first.files["html"])  # statuses replayed as of the cut-off


def test_per_province_template_override(settings, store, tmp_path):
    d = settings.data_dir / "report_templates"
    d.mkdir()
    (d / "state.yaml").write_text('context: {province: "Lâm Đồng", place: "Đà Lạt"}\n'
                                  'vi:\n  header:\n    issuer: "SỞ VĂN HÓA, THỂ THAO VÀ DU LỊCH"\n', encoding="utf-8")
    gen = generate(store, settings, day(date(2026, 11, 1)), formats=("docx",), out_dir=tmp_path,
                   issued=date(2026, 11, 2))
    _, text = _docx_text(gen.files["docx"])
    assert "SỞ VĂN HÓA, THỂ THAO VÀ DU LỊCH" in text and "UBND TỈNH LÂM ĐỒNG" in text
    assert "Đà Lạt, ngày 02 tháng 11 năm 2026" in text and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text


def test_periods_follow_the_plans_cadences():
    assert quarter_of(date(2026, 11, 5)).label() == "quý IV năm 2026"
    assert quarter_of(date(2026, 1, 1)).previous() == quarter_of(date(2025, 12, 31))
    assert last_complete("weekly", date(2026, 11, 23)).start == date(2026, 11, 16)  # Monday → last Mon-Sun
    assert last_complete("half_year", date(2026, 7, 1)).label() == "6 tháng đầu năm 2026"
    draft = last_complete("yearly", date(2026, 11, 1))  # the 15/11 report: 1/1 to 31/10
    assert (draft.start, draft.end) == (date(2026, 1, 1), date(2026, 10, 31))
    assert draft.previous().end == date(2025, 10, 31)  # compared like for like
    assert last_complete("yearly", date(2027, 1, 1)) == year_of(date(2026, 6, 1))
    assert period_from_range(date(2026, 4, 1), date(2026, 6, 30)).kind == "quarterly"
    with pytest.raises(ValueError):
        period_from_range(date(2026, 4, 2), date(2026, 4, 1))


def test_cli_report_daily_and_period(demo, tmp_path):
    data_dir = demo["settings"].data_dir
    env = cli_env(data_dir, PRESSWATCH_ALLOW_PRIVATE_HOSTS="127.0.0.1")
    out = subprocess.run(presswatch_cmd() + ["report", "daily", "--date", "2026-11-19", "--format", "docx",
                                             "--format", "html", "--out", str(tmp_path)],
                         capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "bao-cao-ngay-2026-11-19.docx").exists() and (tmp_path / "bao-cao-ngay-2026-11-19.html").exists()
    assert not (tmp_path / "bao-cao-ngay-2026-11-19.pdf").exists()
    out = subprocess.run(presswatch_cmd() + ["report", "period", "--from", "2026-10-01", "--to", "2026-12-31",
                                             "--format", "html", "--template", "party", "--json", "--out", str(tmp_path)],
                         capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    params = json.loads(out.stdout)
    assert params["period"] == "quarterly" and params["template"] == "party" and params["items"] == 14
    bad = subprocess.run(presswatch_cmd() + ["report", "period", "--from", "2026-10-01"], capture_output=True,
                         text=True, env=env, timeout=60)
    assert bad.returncode != 0 and "--to" in bad.stderr


def test_report_flow_and_schedules(prefect_harness, demo, monkeypatch):
    from flows.reports import report_flow
    from flows.schedule import build_deployments

    s = demo["settings"]
    if s.database_url:  # the Postgres path: the flow reads its store from the environment, as a worker does
        monkeypatch.setenv("PRESSWATCH_DATABASE_URL", s.database_url)
    out = report_flow(str(s.data_dir), kind="daily", start="2026-11-19", end="2026-11-19", formats=["html"])
    assert out["items"] == _published_on(demo["store"], DEMO_DAY) and Path(out["files"]["html"]).exists()
    assert demo["store"].conn.execute("SELECT kind FROM reports WHERE id=?", (out["id"],)).fetchone()[0] == "daily"
    deps = {d.name: d for d in build_deployments(str(s.data_dir))}
    crons = {n: (d.schedules[0].schedule.cron, d.parameters.get("kind")) for n, d in deps.items()
             if n.endswith(("report", "0630", "0111", "0101", "0600"))}
    assert crons["daily-report-0600"][0] == "0 6 * * *"
    assert crons["quarterly-report"] == ("0 7 1 1,4,7,10 *", "quarterly")
    assert crons["half-year-report"] == ("15 7 1 1,7 *", "half_year")
    assert crons["yearly-report-draft-0111"] == ("30 7 1 11 *", "yearly")  # ahead of the 15/11 deadline
    assert all(d.schedules[0].schedule.timezone == "Asia/Ho_Chi_Minh" for d in deps.values())
