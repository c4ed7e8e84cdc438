"""One contract suite for every index backend: the embedded tantivy index always; Elasticsearch when
ELASTICSEARCH_URL points at one; and the noida-db Elasticsearch-API *emulator* when it is installed — an
emulator run checks our client code path, it is not proof of Elasticsearch behaviour."""
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from presswatch.config import load_settings
from presswatch.index import IndexDoc, SearchError, open_index

DOCS = [
    IndexDoc(1, "https://www.baobacninh.vn/a/1", "Tranh chấp ở Biển Đông", "Tàu cá ngư dân gặp sự cố ở Biển Đông, gần Hoàng Sa.",
             lang="vi", published="2026-11-10T08:00:00+07:00", sort_date="2026-11-10T08:00:00+07:00",
             source_id="bbn", source_type="provincial_press", sentiment="negative", stance="neutral",
             topics=["sovereignty"], provinces=["lam_dong"]),
    IndexDoc(2, "https://nhandan.vn/b/2", "Vì hòa bình và hợp tác", "Hai nước cam kết hòa bình, hữu nghị và hợp tác.",
             lang="vi", sort_date="2026-11-12T08:00:00+07:00", source_id="nd", source_type="national_press",
             sentiment="positive", stance="supportive", topics=["foreign_relations"]),
    IndexDoc(3, "https://forum.example.org/t/3", "tau ca tren bien dong", "ngu dan noi ve bien dong va gia dau",
             lang="vi", sort_date="2026-11-14T08:00:00+07:00", source_id="forum", source_type="blog_forum",
             sentiment="neutral", stance="neutral", topics=["sovereignty"]),
    IndexDoc(4, "https://news.example.com/en/4", "Tensions in the South China Sea", "Fishing boats and coast guards.",
             lang="en", sort_date="2026-11-16T08:00:00+07:00", source_id="foreign", source_type="foreign_press",
             sentiment="negative", stance="neutral", topics=["sovereignty", "foreign_relations"]),
    IndexDoc(5, "https://www.baobacninh.vn/a/5", "Đình công ở KCN Quang Châu",
             "Công nhân Quang Châu ngừng việc. <script>alert(1)</script> Quang và Châu là tên riêng.",
             lang="vi", published="2026-11-19T10:00:00+07:00", sort_date="2026-11-19T10:00:00+07:00",
             source_id="bbn", source_type="provincial_press", sentiment="negative", stance="neutral",
             topics=["labour"], provinces=["bac_ninh"]),
    IndexDoc(6, "https://mxh.example/p/6", "Quang và Châu", "Hai người tên Quang và Châu đi chơi.",
             lang="vi", sort_date="2026-11-20T10:00:00+07:00", source_id="mxh", source_type="social",
             sentiment="neutral", stance="neutral", topics=[]),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def es_emulator(tmp_path_factory):
    exe = Path(sys.executable).parent / "noida-db"
    if not exe.exists() and not shutil.which("noida-db"):
        pytest.skip("noida-db (Elasticsearch-API emulator) not installed")
    port = _free_port()
    proc = subprocess.Popen([str(exe if exe.exists() else shutil.which("noida-db")), "start", "--data-dir",
                             str(tmp_path_factory.mktemp("noida")), "--only", "elasticsearch",
                             "--elasticsearch-port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    else:
        proc.kill()
        pytest.skip("noida-db emulator did not start")
    yield url
    proc.terminate()
    proc.wait(10)


BACKENDS = ["tantivy", "elasticsearch-emulator"] + (["elasticsearch"] if os.environ.get("ELASTICSEARCH_URL") else [])


@pytest.fixture(params=BACKENDS)
def index(request, tmp_path):
    if request.param == "tantivy":
        s = load_settings(tmp_path)
    elif request.param == "elasticsearch-emulator":
        s = load_settings(tmp_path, index_backend="elasticsearch", elasticsearch_url=request.getfixturevalue("es_emulator"))
    else:
        s = load_settings(tmp_path, index_backend="elasticsearch", elasticsearch_url=os.environ["ELASTICSEARCH_URL"])
    ix = open_index(s, writable=True, rebuild=True)
    ix.upsert(DOCS)
    ix.finish_rebuild()
    yield ix
    ix.close()


def ids(ix, q, **kw):
    return [h.id for h in ix.query(q, limit=50, **kw).hits]


def test_diacritics_and_dj_are_optional_and_exact_spelling_ranks_first(index):
    a, b, c = ids(index, "bien dong"), ids(index, "Biển Đông"), ids(index, "biển đông")
    assert set(a) == set(b) == set(c) == {1, 3}
    assert b[0] == 1  # typed with diacritics: the document written with them first
    assert set(ids(index, "dinh cong")) == {5} == set(ids(index, "Đình công"))


def test_both_tone_placements_are_one(index):
    assert ids(index, "hoà bình") == [2] == ids(index, "hòa bình")


def test_phrases_booleans_and_negation(index):
    assert set(ids(index, "quang chau")) == {5, 6}
    assert ids(index, '"quang chau"') == [5]
    assert set(ids(index, "dinh cong OR hoa binh")) == {2, 5}
    assert ids(index, "bien dong -hoang") == [3]
    assert ids(index, "bien dong NOT hoang") == [3]
    assert set(ids(index, "(strike OR tensions) sea")) == {4}


def test_filters_sites_and_dates(index):
    assert ids(index, "topic:labour") == [5]
    assert set(ids(index, "topic:sovereignty")) == {1, 3, 4}
    assert ids(index, 'province:"Bắc Ninh"') == [5] == ids(index, "province:bac_ninh")
    assert ids(index, "lang:en") == [4] and ids(index, "type:foreign_press") == [4]
    assert set(ids(index, "site:baobacninh.vn")) == {1, 5} and ids(index, "site:example.org") == [3]
    assert set(ids(index, "date:2026-11-10..2026-11-14")) == {1, 2, 3}
    assert set(ids(index, "after:2026-11-16")) == {4, 5, 6} and set(ids(index, "before:2026-11-12")) == {1}
    assert ids(index, "bien dong stance:neutral sentiment:negative") == [1]


def test_facets_sort_and_pagination(index):
    r = index.query("topic:sovereignty OR topic:labour", facets=True)
    assert r.total == 4
    assert r.facets["topics"] == {"sovereignty": 3, "labour": 1, "foreign_relations": 1}
    assert r.facets["source_type"] == {"provincial_press": 2, "blog_forum": 1, "foreign_press": 1}
    assert r.facets["lang"] == {"vi": 3, "en": 1}
    by_date = [h.id for h in index.query("type:provincial_press OR type:social", sort="date").hits]
    assert by_date == [6, 5, 1]
    page1 = [h.id for h in index.query("sentiment:negative", sort="date", limit=2).hits]
    page2 = [h.id for h in index.query("sentiment:negative", sort="date", limit=2, offset=2).hits]
    assert page1 == [5, 4] and page2 == [1]


def test_snippets_highlight_and_escape(index):
    hit = index.query("ngung viec").hits[0]
    assert "<mark>ngừng</mark> <mark>việc</mark>" in hit.snippet
    assert "<script>" not in hit.snippet and "&lt;script&gt;" in hit.snippet


def test_upsert_is_idempotent_and_delete_works(index):
    index.upsert(DOCS[:2])
    assert index.count() == len(DOCS)
    index.delete([6])
    assert index.count() == len(DOCS) - 1 and ids(index, '"quang va chau"') == [5]


@pytest.mark.parametrize("bad,msg", [('"open', "unbalanced quote"), ("a OR", "OR needs"), ("(a", "parenthesis"),
                                     ("topic:labor", "unknown topic"), ("color:red", "unknown filter"),
                                     ("date:2026-99", "not understood"), ("province:atlantis", "unknown province")])
def test_malformed_queries_say_how_to_write_them(index, bad, msg):
    with pytest.raises(SearchError, match=msg):
        index.query(bad)
