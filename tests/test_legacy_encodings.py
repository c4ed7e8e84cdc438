"""Vietnamese legacy encodings: generated TCVN3 (ABC), VNI and Windows-1258 samples go through the real
extraction stage (decode → trafilatura → normalise) and come out as Unicode NFC; other languages and
Unicode Vietnamese are left alone."""
import unicodedata

import pytest

from pipelines import legacy_encodings as le
from pipelines.extract import decode, extract
from pipelines.normalize import normalize
from presswatch.record import Document, Fetch, SourceRef

SAMPLE = ("Sáng 21/11, hơn 1.200 công nhân Công ty TNHH Điện tử Quang Châu ngừng việc tập thể tại Khu công "
          "nghiệp Quang Châu, tỉnh Bắc Ninh, đề nghị tăng lương và cải thiện bữa ăn ca. Lãnh đạo Ban quản lý "
          "các khu công nghiệp tỉnh đã có mặt, đối thoại với người lao động; đến trưa, phần lớn công nhân trở "
          "lại làm việc. Người dân phản ánh đường sá hư hỏng, bụi ô nhiễm kéo dài nhiều tháng ở xã Yên Phong.")
TITLE = "Hơn 1.200 công nhân ngừng việc tại Khu công nghiệp Quang Châu"
# every lower-case Vietnamese letter, with and without tone
ALPHABET = "aàảãáạăằẳẵắặâầẩẫấậeèẻẽéẹêềểễếệiìỉĩíịoòỏõóọôồổỗốộơờởỡớợuùủũúụưừửữứựyỳỷỹýỵđ"


def _page(body: str, title: str, head_extra: str = "", font: str = "") -> str:
    paragraphs = "".join(f"<p>{s.strip()}.</p>" for s in body.split(".") if s.strip())
    if font:
        paragraphs = f'<font face="{font}">{paragraphs}</font>'
    return (f"<html><head>{head_extra}<title>{title}</title></head><body><article><h1>{title}</h1>"
            f"{paragraphs}{paragraphs}</article></body></html>")


def _doc(raw: bytes, content_type: str | None) -> Document:
    packed, sha = Fetch.pack(raw)
    headers = {"content-type": content_type} if content_type else {}
    return Document(url="https://baocu.example.vn/a", source=SourceRef(id="t"),
                    fetch=Fetch(requested_url="https://baocu.example.vn/a", headers=headers,
                                raw_compressed=packed, raw_sha256=sha))


def test_tables_round_trip_every_letter():
    assert le.tcvn3_to_unicode(le.unicode_to_tcvn3(ALPHABET)) == ALPHABET
    assert le.vni_to_unicode(le.unicode_to_vni(ALPHABET)) == ALPHABET
    assert le.vni_to_unicode(le.unicode_to_vni(ALPHABET.upper())) == ALPHABET.upper()
    assert unicodedata.normalize("NFC", le.unicode_to_cp1258(ALPHABET).decode("cp1258")) == ALPHABET
    # the well-known mojibake forms of "Hà Nội" / "Việt Nam"
    assert le.tcvn3_to_unicode("Hµ Néi") == "Hà Nội"
    assert le.vni_to_unicode("Vieät Nam") == "Việt Nam"


def test_tcvn3_toned_capitals_come_back_lower_case_like_the_font():
    # .VnTimeH drew capitals from the lower-case bytes; the base capitals have their own bytes
    assert le.tcvn3_to_unicode(le.unicode_to_tcvn3("ĐƯỜNG")) == "ĐƯờNG"


@pytest.mark.parametrize("declared", [None, "text/html; charset=iso-8859-1", "text/html; charset=windows-1252",
                                      "text/html; charset=utf-8"])
def test_tcvn3_page_is_detected_and_converted(declared):
    html = _page(le.unicode_to_tcvn3(SAMPLE), le.unicode_to_tcvn3(TITLE), font=".VnTime")
    raw = html.encode("utf-8" if declared and "utf-8" in declared else "latin-1")
    doc = normalize(extract(_doc(raw, declared)))
    assert doc.extraction.encoding == "tcvn3"
    assert "Khu công nghiệp Quang Châu, tỉnh Bắc Ninh" in doc.extraction.text
    assert "ngừng việc tập thể" in doc.extraction.text
    assert doc.extraction.title == TITLE  # its capitals are plain ASCII letters, so case survives
    assert unicodedata.is_normalized("NFC", doc.extraction.text)


@pytest.mark.parametrize("declared", [None, "text/html; charset=iso-8859-1", "text/html; charset=windows-1252"])
def test_vni_page_is_detected_and_converted(declared):
    html = _page(le.unicode_to_vni(SAMPLE), le.unicode_to_vni(TITLE), font="VNI-Times")
    doc = normalize(extract(_doc(html.encode("cp1252"), declared)))
    assert doc.extraction.encoding == "vni"
    assert doc.extraction.title == TITLE
    assert "Khu công nghiệp Quang Châu, tỉnh Bắc Ninh" in doc.extraction.text
    assert "đường sá hư hỏng, bụi ô nhiễm" in doc.extraction.text


def test_vni_without_a_font_name_is_still_detected():
    html = _page(le.unicode_to_vni(SAMPLE), le.unicode_to_vni(TITLE))
    assert decode(html.encode("cp1252"), None)[1] == "vni"


@pytest.mark.parametrize("declared,expected", [("text/html; charset=windows-1258", "cp1258"),
                                               (None, "cp1258"), ("text/html; charset=iso-8859-1", "cp1258")])
def test_windows_1258_declared_undeclared_and_mislabelled(declared, expected):
    raw = le.unicode_to_cp1258(_page(SAMPLE, TITLE))
    assert b"\xcc" in raw or b"\xd2" in raw  # combining tone marks really are in the bytes
    doc = normalize(extract(_doc(raw, declared)))
    assert doc.extraction.encoding == expected
    assert doc.extraction.title == TITLE
    assert "Khu công nghiệp Quang Châu, tỉnh Bắc Ninh" in doc.extraction.text
    assert unicodedata.is_normalized("NFC", doc.extraction.text)


def test_feed_text_in_tcvn3_is_converted_too():
    doc = Document(url="https://baocu.example.vn/b", source=SourceRef(id="t"),
                   fetch=Fetch(requested_url="https://baocu.example.vn/b", feed_title=le.unicode_to_tcvn3(TITLE),
                               feed_summary=le.unicode_to_tcvn3(SAMPLE)))
    doc = normalize(extract(doc))
    assert doc.extraction.encoding == "tcvn3" and "tỉnh Bắc Ninh" in doc.extraction.text


@pytest.mark.parametrize("text", [
    SAMPLE,  # Unicode Vietnamese
    "Le café était très bon, déjà à l'hôtel où nous étions arrivés après une journée à Hué.",
    "Über größere Straßen fährt man schneller; Müller wohnt in Köln, nicht in München.",
    "El niño comió piña en la montaña; la señora está allí con él, según dijo ayer.",
    "Việt Nam " + "The province's exports grew 12% in the third quarter, officials said on Monday.",
])
def test_other_text_is_left_alone(text):
    assert le.detect_legacy(text)[0] is None
    raw = _page(text, "Tin").encode("utf-8")
    assert decode(raw, "text/html; charset=utf-8") == (raw.decode("utf-8"), "utf-8")


def test_syllable_share_separates_vietnamese_from_mojibake():
    assert le.syllable_share(SAMPLE) > 0.9
    assert le.syllable_share(le.unicode_to_tcvn3(SAMPLE)) < 0.6
    assert le.syllable_share(le.unicode_to_vni(SAMPLE)) < 0.7
