"""Quality gates (trafilatura style): extraction F1 on the peer benchmark must stay above the pinned floor."""
import pytest

from presswatch.evaluation import extraction_benchmark, load_floors, prf
from tests.conftest import SHARED_DATA

BENCH = SHARED_DATA / "article-extraction-benchmark"


def test_prf_scoring():
    assert prf("một hai ba bốn năm", "một hai ba bốn năm").f1 == 1.0
    assert prf("", "một hai ba bốn").f1 == 0.0
    half = prf("a b c d e f g h", "a b c d e x y z")
    assert 0 < half.f1 < 1


@pytest.mark.skipif(not BENCH.exists(), reason="../shared/data/article-extraction-benchmark not present")
def test_extraction_f1_floor():
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    from extraction import presswatch_extract

    r = extraction_benchmark(BENCH, presswatch_extract)
    floors = load_floors()["extraction"]
    print("extraction:", {k: round(v, 3) if isinstance(v, float) else v for k, v in r.items()})
    assert r["pages"] == 181
    for key in ("f1", "precision", "recall"):
        assert r[key] >= floors[key], f"extraction {key} {r[key]:.3f} below the floor {floors[key]}"
