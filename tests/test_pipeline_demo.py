"""Data-driven test (Fundus style): the bundled demo site through every stage, compared with the expected
outcome written for each page in presswatch/demo_site/expected.yaml. Runs in-process, no scheduler."""
import pytest
import yaml

from crawlers.ingest import poll_source
from flows.tasks import _ref
from presswatch.demo_site import expected_path
from presswatch.evaluation import load_floors
from presswatch.service import demo_sources_file, process_now, sync_sources

from tests.conftest import use_module_database

EXPECTED = yaml.safe_load(expected_path().read_text(encoding="utf-8"))["articles"]


@pytest.fixture(scope="module")
def processed(demo_site, tmp_path_factory):
    from presswatch.config import load_settings
    from presswatch.storage import open_store

    s = use_module_database(load_settings(tmp_path_factory.mktemp("demo"), allow_private_hosts=["127.0.0.1"]))
    st = open_store(s)
    sync_sources(st, s, demo_sources_file(), {"demo": demo_site.base_url})
    polls = {row["id"]: poll_source(row, st, s, _ref(row)) for row in st.sources()}
    counts = process_now(st, s)
    docs = {d.url.replace(demo_site.base_url, ""): d for d in st.iter_processed()}
    yield {"store": st, "settings": s, "polls": polls, "counts": counts, "docs": docs}
    st.close()


def test_every_expected_item_was_ingested_and_processed(processed):
    assert set(processed["docs"]) == {a["path"] for a in EXPECTED}
    assert processed["counts"]["failed"] == 0 and processed["counts"]["indexed"] == len(EXPECTED)


def test_broken_feed_is_reported_and_the_run_continues(processed):
    broken = processed["polls"]["demo-broken"]
    assert any("not well-formed" in w for w in broken.warnings)
    assert all(p.outcome in ("ok", "not_modified") for k, p in processed["polls"].items() if k != "demo-broken")


@pytest.mark.parametrize("exp", EXPECTED, ids=[a["path"].rsplit("/", 1)[-1] for a in EXPECTED])
def test_item_matches_expected(processed, exp):
    d = processed["docs"][exp["path"]]
    assert d.extraction.title == exp["title"]
    assert d.extraction.language == exp["lang"]
    assert sorted(d.province_ids) == sorted(exp["provinces"])
    assert d.enrichment.alert is exp["alert"], d.enrichment.risk_reasons
    if exp["duplicate_of"]:
        original = processed["docs"][exp["duplicate_of"]]
        assert d.enrichment.duplicate_of == original.id and d.enrichment.story_id == original.enrichment.story_id
    else:
        assert d.enrichment.duplicate_of is None
    if d.enrichment.alert:
        assert d.enrichment.risk_reasons and all(isinstance(r, str) and r for r in d.enrichment.risk_reasons)


def test_classifier_quality_on_the_demo_meets_the_pinned_floors(processed):
    floors = load_floors()["demo_classifier"]
    tp = fp = fn = 0
    stance_ok = sent_ok = prov_ok = alert_ok = 0
    for exp in EXPECTED:
        d = processed["docs"][exp["path"]]
        got, want = set(d.enrichment.topics), set(exp["topics"])
        tp, fp, fn = tp + len(got & want), fp + len(got - want), fn + len(want - got)
        stance_ok += d.enrichment.stance == exp["stance"]
        sent_ok += d.enrichment.sentiment == exp["sentiment"]
        prov_ok += sorted(d.province_ids) == sorted(exp["provinces"])
        alert_ok += d.enrichment.alert == exp["alert"]
    n = len(EXPECTED)
    f1 = 2 * tp / (2 * tp + fp + fn)
    figures = {"topics_micro_f1": f1, "stance_accuracy": stance_ok / n, "sentiment_accuracy": sent_ok / n,
               "provinces_exact": prov_ok / n, "alert_accuracy": alert_ok / n}
    print("demo classifier figures:", {k: round(v, 3) for k, v in figures.items()})
    for key, floor in floors.items():
        assert figures[key] >= floor, f"{key} {figures[key]:.3f} fell below the pinned floor {floor}"


def test_alerts_take_separate_paths_for_distortion_and_local_problems(processed):
    kinds = {r["title"]: r["kind"] for r in processed["store"].alerts()}
    by_path = {e["path"]: e for e in EXPECTED}
    post = processed["docs"]["/mangxahoi/posts/1024"].extraction.title
    complaint = next(d for p, d in processed["docs"].items() if "nguoi-dan-phan-anh" in p).extraction.title
    assert kinds[post] == "distortion" and kinds[complaint] == "local_problem"
    assert by_path["/mangxahoi/posts/1024"]["stance"] == "distorting"


def test_search_finds_the_strike_without_diacritics_and_escapes_snippets(processed):
    from presswatch.index import open_index

    total, hits = open_index(processed["settings"]).search("dinh cong quang chau")
    assert total >= 1
    assert any("quang-chau" in h.url for h in hits)
    for h in hits:
        assert "<script" not in h.snippet and "<mark>" in h.snippet
