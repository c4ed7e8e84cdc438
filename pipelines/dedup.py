"""Dedup stage: exact copies and near-duplicate (syndicated) copies fold into the first copy's story.

1. **Exact**: the content hash is computed on folded, whitespace-free text, so the same story with other
   page chrome, another tone-mark placement or lost diacritics is one story.
2. **Near-duplicate**: MinHash over word 4-gram shingles of the folded text (``NUM_PERM`` = 120
   multiply-shift hashes), indexed by locality-sensitive hashing in ``BANDS`` = 20 bands of ``ROWS`` = 6
   values. A copy whose estimated Jaccard similarity with an earlier original is at least ``THRESHOLD``
   (0.6) joins that original's story — a syndicated copy with its own lead, byline or a trimmed ending.
   With 20×6 bands a pair at Jaccard 0.8 becomes a candidate with probability 0.998, a pair at 0.4 with
   0.08; candidates are then checked on the full signature, so the threshold is what decides.
   Texts under ``MIN_WORDS`` words are left to the exact hash (too short for a reliable estimate).

The band index lives in the store (``minhash_bands``), not in memory, because documents are processed by
short-lived Prefect tasks in separate processes. (datasketch's ``MinHashLSH`` keeps its index in memory
or Redis/Cassandra; the same scheme in SQLite is a few lines and keeps one system of record.)

The stage asks ``lookup(content_hash) -> (doc_id, story_id) | None`` for an earlier exact copy and
``near(signature, exclude_id) -> (doc_id, story_id, similarity) | None`` for an earlier near copy; it
does not know the store."""
from __future__ import annotations

import hashlib
import re
import zlib
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

import numpy as np

from presswatch.record import Document
from presswatch.text import fold

_NON_WORD = re.compile(r"[\W_]+")
_TOKEN = re.compile(r"[^\W_]+")

NUM_PERM = 120
BANDS, ROWS = 20, 6
SHINGLE = 4
THRESHOLD = 0.6
MIN_WORDS = 40
assert BANDS * ROWS == NUM_PERM

_rng = np.random.default_rng(20261121)  # fixed: signatures are stored and compared across processes
_A = _rng.integers(1, 2**63 - 1, size=NUM_PERM, dtype=np.uint64) | np.uint64(1)
_B = _rng.integers(0, 2**63 - 1, size=NUM_PERM, dtype=np.uint64)
_MIX = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0x27D4EB2F165667C5],
                dtype=np.uint64)[:SHINGLE]


def content_hash(text: str) -> str:
    return hashlib.sha256(_NON_WORD.sub("", fold(text)).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Signature:
    values: bytes  # NUM_PERM little-endian uint32
    bands: tuple[int, ...]  # BANDS signed 64-bit band keys (band number mixed in)

    def array(self) -> np.ndarray:
        return np.frombuffer(self.values, dtype="<u4")


def similarity(a: bytes | Signature, b: bytes | Signature) -> float:
    """Estimated Jaccard similarity of two signatures (share of equal MinHash values)."""
    va = np.frombuffer(a.values if isinstance(a, Signature) else a, dtype="<u4")
    vb = np.frombuffer(b.values if isinstance(b, Signature) else b, dtype="<u4")
    return float(np.count_nonzero(va == vb)) / NUM_PERM


class _TokenHashes(dict):
    """Word → CRC-32, computed once per distinct word (news vocabulary is small; bounded anyway)."""

    def __missing__(self, tok: str) -> int:
        if len(self) > 500_000:
            self.clear()
        self[tok] = v = zlib.crc32(tok.encode("utf-8"))
        return v


_TOKEN_HASHES = _TokenHashes()


def _shingle_hashes(folded: str) -> np.ndarray:
    toks = _TOKEN.findall(folded)
    if len(toks) < MIN_WORDS:
        return np.empty(0, dtype=np.uint64)
    th = np.fromiter(map(_TOKEN_HASHES.__getitem__, toks), dtype=np.uint64, count=len(toks))
    n = len(toks) - SHINGLE + 1
    h = np.zeros(n, dtype=np.uint64)
    for k in range(SHINGLE):  # order-sensitive combination of SHINGLE consecutive word hashes
        h = (h ^ (th[k:k + n] * _MIX[k])) * np.uint64(0xFF51AFD7ED558CCD)
    return np.unique(h)


@lru_cache(maxsize=128)
def signature(text: str) -> Signature | None:
    """MinHash signature of a text (None when it is too short for near-duplicate detection)."""
    h = _shingle_hashes(fold(text))
    if h.size == 0:
        return None
    sig = np.full(NUM_PERM, np.iinfo(np.uint64).max, dtype=np.uint64)
    for start in range(0, h.size, 2048):  # bounded memory for very long texts
        chunk = h[start:start + 2048, None]
        sig = np.minimum(sig, ((chunk * _A[None, :] + _B[None, :]) >> np.uint64(32)).min(axis=0))
    values = sig.astype("<u4")
    bands = tuple(
        int.from_bytes(hashlib.blake2b(bytes([i]) + values[i * ROWS:(i + 1) * ROWS].tobytes(), digest_size=8)
                       .digest(), "little", signed=True)
        for i in range(BANDS)
    )
    return Signature(values.tobytes(), bands)


NearLookup = Callable[[Signature, "int | None"], "tuple[int, str, float] | None"]


def dedup(doc: Document, lookup: Callable[[str], tuple[int, str] | None],
          near: NearLookup | None = None) -> Document:
    e = doc.enrichment
    e.content_hash = content_hash(doc.extraction.text)
    earlier = lookup(e.content_hash)
    if earlier is None and near is not None:
        sig = signature(doc.extraction.text)
        if sig is not None:
            hit = near(sig, doc.id)
            if hit is not None:
                earlier = hit[0], hit[1]
    if earlier is not None:
        e.duplicate_of, e.story_id = earlier
    else:
        e.duplicate_of, e.story_id = None, "s" + e.content_hash[:15]
    return doc
