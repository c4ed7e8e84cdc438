import gzip
import json
from datetime import datetime, timedelta, timezone

import pytest

from crawlers.ingest import fetch_page
from pipelines.extract import check_date, decode, extract
from pipelines.normalize import normalize
from presswatch.record import Document, Fetch, SourceRef
from tests.conftest import SHARED_DATA


def _doc(html: bytes, content_type="text/html", url="https://e.org/a", **feed):
    packed, sha = Fetch.pack(html)
    return Document(url=url, source=SourceRef(id="t"),
                    fetch=Fetch(requested_url=url, headers={"content-type": content_type}, raw_compressed=packed,
                                raw_sha256=sha, **feed))


def test_windows_1258_page_from_the_demo_site(demo_site, settings):
    url = demo_site.base_url + "/baobacninh/kinh-te/tong-ket-vu-nhan-long-2026.cp1258.html"
    f = fetch_page(url, settings)
    assert "windows-1258" in f.headers["content-type"]
    doc = normalize(extract(Document(url=url, source=SourceRef(id="t"), fetch=f)))
    assert doc.extraction.encoding == "cp1258"
    assert "Hưng Yên" in doc.extraction.text  # only decodable (and NFC) if decoding worked
    assert doc.extraction.title.startswith("Tổng kết vụ nhãn lồng 2026")
    assert doc.extraction.published == datetime(2026, 11, 21, 2, 0, tzinfo=timezone.utc)


def test_decode_prefers_header_then_meta_then_detection():
    from presswatch.demo_site import site_root

    text = (site_root() / "baobacninh/kinh-te/tong-ket-vu-nhan-long-2026.cp1258.html").read_bytes()
    text = text[text.index(b"<body"):]  # without its own meta charset
    assert decode(text, "text/html; charset=windows-1258")[1] == "cp1258"
    assert decode(b'<meta charset="windows-1258">' + text, None)[1] == "cp1258"
    assert decode("Người dân".encode(), None) == ("Người dân", "utf-8")


@pytest.mark.skipif(not (SHARED_DATA / "vnexpress-page").exists(), reason="shared vnexpress page absent")
def test_real_vnexpress_page():
    root = SHARED_DATA / "vnexpress-page"
    html = gzip.decompress((root / "VnExpress_2025_10_22.html.gz").read_bytes())
    expected = json.loads((root / "VnExpress.json").read_text(encoding="utf-8"))["V1"]
    doc = normalize(extract(_doc(html, url="https://vnexpress.net/x")))
    assert doc.extraction.title == expected["title"]
    paragraphs = [p for s in expected["body"]["sections"] for p in s["paragraphs"]]
    found = sum(1 for p in paragraphs if p[:60] in doc.extraction.text)
    assert found >= 0.8 * len(paragraphs)
    assert doc.extraction.published is not None and doc.extraction.published.year == 2025


def test_future_and_ancient_dates_are_rejected_with_a_reason():
    now = datetime(2026, 11, 22, tzinfo=timezone.utc)
    assert check_date(now + timedelta(hours=20), now)[0] is not None
    dt, why = check_date(now + timedelta(days=3), now)
    assert dt is None and "future" in why
    dt, why = check_date(datetime(1990, 1, 1, tzinfo=timezone.utc), now)
    assert dt is None and "1995" in why


def test_page_date_in_the_future_falls_back_to_feed_date():
    feed_date = datetime(2026, 11, 19, tzinfo=timezone.utc)
    html = b"""<html><head><meta property="article:published_time" content="2099-01-01T00:00:00Z">
    <title>Tin</title></head><body><article><p>""" + ("Nội dung bài báo dài. " * 30).encode() + b"</p></article></body></html>"
    doc = extract(_doc(html, feed_published=feed_date))
    assert doc.extraction.published == feed_date and doc.extraction.published_source == "feed"
    assert "future" in doc.extraction.date_note


def test_short_page_falls_back_to_feed_text_and_empty_is_dropped():
    doc = extract(_doc(b"<html><body><p>x</p></body></html>", feed_summary="<p>" + "Tóm tắt đầy đủ. " * 20 + "</p>"))
    assert doc.extraction.extractor == "feed" and "Tóm tắt đầy đủ" in doc.extraction.text
    empty = extract(_doc(b"<html><body></body></html>"))
    assert empty.status == "dropped" and "no text" in empty.status_note


def test_hostile_html_does_not_break_extraction():
    html = b"<html><body>" + b"<div>" * 5000 + b"<script>alert(1)</script><p>" + "Văn bản thật. ".encode() * 40 + b"</p></body></html>"
    doc = extract(_doc(html))
    assert "alert(1)" not in doc.extraction.text and "Văn bản thật" in doc.extraction.text


def test_cli_extract_json_matches_the_pipeline_stages(tmp_path):
    """`presswatch extract --json FILE… [--url]`: one JSON object per page, same stages as the pipeline."""
    import subprocess

    from pipelines import legacy_encodings as le
    from presswatch.demo_site import site_root
    from tests.conftest import cli_env, presswatch_cmd

    page = site_root() / "baobacninh/kinh-te/tong-ket-vu-nhan-long-2026.cp1258.html"
    legacy = tmp_path / "cu.html"
    legacy.write_bytes(("<html><head><title>" + le.unicode_to_tcvn3("Người dân phản ánh ô nhiễm") +
                        "</title></head><body><article><p>" +
                        le.unicode_to_tcvn3("Người dân xã Yên Phong phản ánh bụi ô nhiễm kéo dài nhiều tháng. ") * 8 +
                        "</p></article></body></html>").encode("latin-1"))
    from click.testing import CliRunner

    from presswatch.cli import main

    run = lambda *args: subprocess.run([*presswatch_cmd(), "extract", "--json", *args], capture_output=True,  # noqa: E731
                                       text=True, env=cli_env(tmp_path / "d"), timeout=120)
    inproc = lambda *args: CliRunner().invoke(main, ["--data-dir", str(tmp_path / "d"), "extract", "--json", *args],  # noqa: E731
                                              obj={})
    out = inproc(str(page), "--url", "https://baobacninh.example.vn/kinh-te/nhan?utm_source=x")
    assert out.exit_code == 0, out.output
    (one,) = [json.loads(line) for line in out.output.splitlines()]
    assert one["title"].startswith("Tổng kết vụ nhãn lồng 2026") and one["lang"] == "vi"
    assert one["published"] == "2026-11-21T02:00:00+00:00" and one["encoding"] == "cp1258"
    expected = normalize(extract(_doc(page.read_bytes(), content_type="")))
    assert one["text"] == expected.extraction.text  # the pipeline's own code path
    out = run(str(page), str(legacy))
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert out.returncode == 0 and len(rows) == 2
    assert rows[1]["encoding"] == "tcvn3" and rows[1]["title"] == "Người dân phản ánh ô nhiễm"
    assert {"title", "text", "published", "lang", "canonical_url"} <= set(rows[0])
    bad = inproc(str(page), str(legacy), "--url", "https://e.org/x")
    assert bad.exit_code != 0 and "exactly one FILE" in bad.output
