import textwrap

import pytest

from presswatch.config import PACKAGE_DATA
from presswatch.gazetteer import load_gazetteer
from presswatch.sources import SourceError, check_sources, load_sources


def test_bundled_starter_list_is_valid_and_covers_the_four_provinces():
    specs = load_sources(PACKAGE_DATA / "sources" / "starter.yaml", known_provinces=load_gazetteer().ids())
    assert len(specs) >= 30
    covered = {p for s in specs for p in s.provinces}
    assert {"bac_ninh", "tuyen_quang", "hung_yen", "lam_dong"} <= covered
    types = {s.source_type for s in specs}
    assert {"provincial_press", "national_press", "foreign_press", "government_portal"} <= types
    assert any(s.source_type == "foreign_press" and s.language == "vi" for s in specs)


def test_demo_list_fills_placeholders():
    specs = load_sources(PACKAGE_DATA / "sources" / "demo.yaml", {"demo": "http://127.0.0.1:9"})
    assert all(s.url.startswith("http://127.0.0.1:9/") for s in specs)


def test_bad_entries_are_reported_with_their_fix(tmp_path):
    f = tmp_path / "s.yaml"
    f.write_text(textwrap.dedent("""
        sources:
          - {id: good, name: Good, kind: rss, url: "https://example.org/rss", source_type: national_press}
          - {id: Bad Id, name: X, kind: rss, url: "https://x", source_type: national_press}
          - {id: nokind, name: X, kind: telepathy, url: "https://x", source_type: national_press}
          - {id: badurl, name: X, kind: rss, url: "ftp://x", source_type: national_press}
          - {id: badprov, name: X, kind: rss, url: "https://x", source_type: national_press, provinces: [atlantis]}
          - {id: good, name: Again, kind: rss, url: "https://example.org/rss", source_type: national_press}
    """), encoding="utf-8")
    specs, problems = check_sources(f, known_provinces=load_gazetteer().ids())
    assert [s.id for s in specs] == ["good"]
    text = "\n".join(problems)
    assert "field 'id'" in text and "field 'kind'" in text and "must be one of" in text
    assert "field 'url'" in text and "atlantis" in text and "duplicate id 'good'" in text
    with pytest.raises(SourceError, match="5 problem"):
        load_sources(f, known_provinces=load_gazetteer().ids())


def test_unreadable_file_says_what_to_do(tmp_path):
    f = tmp_path / "s.yaml"
    f.write_text("sources: [\n  - {id: x", encoding="utf-8")
    with pytest.raises(SourceError, match="not valid YAML"):
        load_sources(f)
    with pytest.raises(SourceError, match="does not exist"):
        load_sources(tmp_path / "missing.yaml")
