"""The hand-labelled VNTC gold set (models/data/vntc_gold.jsonl) and the real-text evaluation script.

The gold file holds ids and labels only: the VNTC texts stay in ../shared/data (its README forbids
copying them), so the checks against the texts skip when that folder is absent."""
from __future__ import annotations

import gzip
import json
import sys
from collections import Counter
from pathlib import Path

import pytest

from presswatch.record import SENTIMENTS, STANCES, TOPICS

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))
import real_eval  # noqa: E402

GOLD = real_eval.GOLD
SECTIONS = {"Chinh tri Xa hoi", "Doi song", "Khoa hoc", "Kinh doanh", "Phap luat", "Suc khoe", "The gioi",
            "The thao", "Van hoa", "Vi tinh"}


@pytest.fixture(scope="module")
def gold() -> list[dict]:
    return real_eval.load_gold()


def test_gold_rows_use_the_contract_vocabularies(gold):
    assert len(gold) >= 150
    for g in gold:
        assert set(g) <= {"id", "vntc_label", "topics", "sentiment", "stance", "note"}, g  # never text or title
        assert {"id", "vntc_label", "topics", "sentiment", "stance"} <= set(g), g
        assert g["vntc_label"] in SECTIONS, g
        assert isinstance(g["topics"], list) and len(set(g["topics"])) == len(g["topics"]), g
        assert set(g["topics"]) <= set(TOPICS), g
        assert g["sentiment"] in SENTIMENTS, g
        assert g["stance"] in STANCES, g
        assert len(g.get("note", "")) <= 120, g  # a short reason, not a copied passage


def test_gold_ids_unique_and_sections_match_the_quotas(gold):
    ids = [g["id"] for g in gold]
    assert len(ids) == len(set(ids))
    assert Counter(g["vntc_label"] for g in gold) == Counter(real_eval.QUOTAS)


@pytest.mark.skipif(not real_eval.VNTC_TEST.exists(), reason="../shared/data/vntc/test.jsonl.gz not present")
def test_gold_ids_exist_in_vntc_test_and_are_the_seeded_sample(gold):
    rows = real_eval.read_texts()
    for g in gold:
        assert g["id"] in rows, g["id"]
        assert rows[g["id"]]["label"] == g["vntc_label"], g["id"]
    assert sorted(real_eval.sample_ids(rows=rows)) == sorted((g["id"], g["vntc_label"]) for g in gold)


def test_title_and_text_split():
    raw = "T" * 250 + " lead\nsecond line\n\n third \n"
    title, text = real_eval.title_and_text(raw)
    assert title == "T" * 200 and text == "second line\nthird"
    assert real_eval.title_and_text("Headline\nbody body", chars=12) == ("Headline", "bod")
    assert real_eval.title_and_text("  \n ") == ("", "")


def test_clear_exit_without_vntc(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(real_eval, "VNTC_TEST", tmp_path / "absent.jsonl.gz")
    assert real_eval.main(["--classifier", "keywords"]) == 2
    assert "test.jsonl.gz" in capsys.readouterr().err


def _tiny_corpus(tmp_path: Path) -> tuple[Path, Path]:
    vntc = tmp_path / "test.jsonl.gz"
    with gzip.open(vntc, "wt", encoding="utf-8") as f:
        for i, (label, text) in enumerate([
            ("Phap luat", "Khởi tố nguyên chủ tịch xã về tội tham ô\nCơ quan điều tra công an tỉnh khởi tố bị can."),
            ("Van hoa", "Khai mạc lễ hội du lịch\nLễ hội thu hút hàng nghìn du khách đến tham quan di tích."),
        ]):
            f.write(json.dumps({"id": f"t{i}", "label": label, "text": text}, ensure_ascii=False) + "\n")
    gold = tmp_path / "gold.jsonl"
    gold.write_text(
        json.dumps({"id": "t0", "vntc_label": "Phap luat", "topics": ["local_issues"], "sentiment": "negative",
                    "stance": "neutral"}) + "\n"
        + json.dumps({"id": "t1", "vntc_label": "Van hoa", "topics": ["tourism_culture"], "sentiment": "positive",
                      "stance": "supportive"}) + "\n", encoding="utf-8")
    return vntc, gold


def test_report_on_a_tiny_corpus_with_the_rules(tmp_path, monkeypatch, capsys):
    vntc, gold = _tiny_corpus(tmp_path)
    monkeypatch.setattr(real_eval, "VNTC_TEST", vntc)
    assert real_eval.main(["--classifier", "keywords", "--gold", str(gold)]) == 0
    out = capsys.readouterr().out
    assert "2 hand-labelled items" in out
    assert "confusion (rows gold, cols predicted)" in out
    for label in (*TOPICS, *SENTIMENTS, *STANCES):
        assert label in out
    side = out.split("== side by side")[1]
    assert "keywords" in side and "stance_macro_f1_supported" in side and "predicted_distorting" in side


def test_gold_id_missing_from_the_corpus_is_an_error(tmp_path, monkeypatch, capsys):
    vntc, gold = _tiny_corpus(tmp_path)
    gold.write_text(gold.read_text(encoding="utf-8") + json.dumps(
        {"id": "nope", "vntc_label": "Van hoa", "topics": [], "sentiment": "neutral", "stance": "neutral"}) + "\n",
        encoding="utf-8")
    monkeypatch.setattr(real_eval, "VNTC_TEST", vntc)
    assert real_eval.main(["--classifier", "keywords", "--gold", str(gold)]) == 2
    assert "'nope'" in capsys.readouterr().err


# --- Training labels from the VNTC train split (models/data/vntc_train_labels.jsonl) ---------------
# Same contract as the gold file plus "pool" (how the item was drawn); ids and labels only, no text.
# They must stay apart from the gold set: no gold id, and no article whose opening equals a gold text
# (VNTC repeats some articles across its two splits under different ids).

TRAIN_LABELS = REPO / "models" / "data" / "vntc_train_labels.jsonl"
VNTC_TRAIN = real_eval.VNTC_TEST.with_name("train.jsonl.gz")
KEYWORD_POOLS = ("sovereignty", "human_rights", "religion_ethnicity", "labour", "investment_economy",
                 "foreign_relations", "local_critical")
POOLS = {"stratified", *(f"keyword:{p}" for p in KEYWORD_POOLS)}


def head_hash(text: str) -> str:
    """The overlap key VNTC_GOLD.md documents: first 300 characters, whitespace collapsed, lower case."""
    import hashlib
    return hashlib.sha1(" ".join(text[:300].split()).lower().encode("utf-8")).hexdigest()


@pytest.fixture(scope="module")
def train_labels() -> list[dict]:
    return real_eval.load_gold(TRAIN_LABELS)


def test_train_labels_use_the_contract_vocabularies(train_labels):
    assert len(train_labels) >= 400
    for r in train_labels:
        assert set(r) <= {"id", "vntc_label", "pool", "topics", "sentiment", "stance", "note"}, r  # no text
        assert {"id", "vntc_label", "pool", "topics", "sentiment", "stance"} <= set(r), r
        assert r["vntc_label"] in SECTIONS and r["pool"] in POOLS, r
        assert isinstance(r["topics"], list) and len(set(r["topics"])) == len(r["topics"]), r
        assert set(r["topics"]) <= set(TOPICS), r
        assert r["sentiment"] in SENTIMENTS and r["stance"] in STANCES, r
        assert len(r.get("note", "")) <= 120, r
    assert {r["pool"] for r in train_labels} == POOLS  # every pool is represented


def test_train_label_ids_unique_and_apart_from_the_gold_ids(train_labels, gold):
    ids = [r["id"] for r in train_labels]
    assert len(ids) == len(set(ids))
    assert not set(ids) & {g["id"] for g in gold}


def test_head_hash_ignores_spacing_and_case_but_not_words():
    assert head_hash("Khởi tố  nguyên\nchủ tịch") == head_hash("khởi tố nguyên chủ tịch")
    assert head_hash("Khởi tố nguyên chủ tịch") != head_hash("Khởi tố nguyên phó chủ tịch")
    assert head_hash("A" * 300 + "tail one") == head_hash("A" * 300 + "tail two")


@pytest.mark.skipif(not (VNTC_TRAIN.exists() and real_eval.VNTC_TEST.exists()),
                    reason="../shared/data/vntc/train.jsonl.gz or test.jsonl.gz not present")
def test_train_labels_are_train_articles_unlike_any_gold_text(train_labels, gold):
    rows = real_eval.read_texts({r["id"] for r in train_labels}, path=VNTC_TRAIN)
    for r in train_labels:
        assert r["id"] in rows, r["id"]
        assert rows[r["id"]]["label"] == r["vntc_label"], r["id"]
        assert len(rows[r["id"]]["text"]) >= real_eval.MIN_CHARS, r["id"]
    gold_rows = real_eval.read_texts({g["id"] for g in gold}, path=real_eval.VNTC_TEST)
    gold_heads = {head_hash(g["text"]) for g in gold_rows.values()}
    assert len(gold_heads) >= len(gold) - 5  # the key separates gold articles, so a match means a duplicate
    assert not [r["id"] for r in train_labels if head_hash(rows[r["id"]]["text"]) in gold_heads]
