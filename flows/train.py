"""The retraining flow: ``presswatch train`` on a schedule, with the reviewers' decisions of the store.

It exports the reviewed examples (``workflow.training_rows``, what ``presswatch alerts training-export``
prints) to ``DATA_DIR/training/review_labels.jsonl`` and calls ``models.train.train`` with the command's
defaults: the generated labelled set, the hand-labelled real articles when their texts are present, those
reviews, fp32 embeddings, and the folded head set. The heads go where ``presswatch train`` writes them
(setting ``heads_file``, else the bundled file), written under temporary names first and then moved into
place, so a process loading them never reads half a file."""
from __future__ import annotations

import json
import os
from pathlib import Path

from prefect import flow, get_run_logger, task

from presswatch.config import load_settings
from presswatch.storage import open_store


def review_labels_path(settings) -> Path:
    return settings.data_dir / "training" / "review_labels.jsonl"


@task(name="export-review-labels", retries=2, retry_delay_seconds=[5, 30], retry_jitter_factor=0.5,
      timeout_seconds=600)
def export_review_labels_task(data_dir: str, overrides: dict) -> dict:
    """Reviewed examples as labelled rows (an atomic rewrite: a re-run gives the same file)."""
    from presswatch.workflow import training_rows

    settings = load_settings(data_dir, **overrides)
    path = review_labels_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open_store(settings) as store:
        rows = list(training_rows(store, "labelled"))
    tmp = path.with_suffix(".jsonl.tmp")
    tmp.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    os.replace(tmp, path)
    return {"path": str(path), "rows": len(rows)}


def _encoder(settings):
    """The encoder ``presswatch train`` uses by default (fp32: heads fitted on it lose < 1 point on int8)."""
    from models.encoder import Encoder, ensure_e5_small

    return Encoder(Path(settings.encoder_dir or ensure_e5_small(settings.model_cache_dir)), precision="fp32",
                   threads=settings.classifier_threads or None)


def _heads_out(settings, out: str | None) -> Path:
    from models.heads import BUNDLED

    return Path(out or settings.heads_file or BUNDLED)


@task(name="train-heads", retries=1, retry_delay_seconds=[600], timeout_seconds=4 * 3600)
def train_heads_task(data_dir: str, review_labels: str, overrides: dict, out: str | None = None) -> dict:
    from models.encoder import default_cache_dir
    from models.heads import folded_heads_path
    from models.train import FOLDED_RECIPE, REAL_LABELS, train

    logger = get_run_logger()
    settings = load_settings(data_dir, **overrides)
    dest = _heads_out(settings, out)
    tmp = dest.with_name(dest.stem + ".new" + dest.suffix)
    real = REAL_LABELS if REAL_LABELS.exists() else None
    if real is None:
        logger.warning("%s not found: training without the hand-labelled real articles", REAL_LABELS)
    heads = train(_encoder(settings), Path(settings.model_cache_dir or default_cache_dir()), tmp,
                  max_tokens=settings.classifier_max_tokens, review_labels=Path(review_labels), real_labels=real,
                  folded_recipe=FOLDED_RECIPE, log=logger.info)
    for new, final in ((tmp, dest), (folded_heads_path(tmp), folded_heads_path(dest))):
        os.replace(new.with_suffix(".json"), final.with_suffix(".json"))
        os.replace(new, final)  # the arrays last: their card is already in place
    return {"heads": str(dest), "version": heads.version, "data": heads.card["data"], "dev": heads.card["dev"],
            "folded_version": heads.folded.version}


@flow(name="train", log_prints=False)
def train_flow(data_dir: str, overrides: dict | None = None, out: str | None = None) -> dict:
    """Rebuild the classifier heads from every label source, reviewers' decisions included. A process that
    loads the classifier afterwards (each scheduled run is one) uses the new heads; documents already
    classified keep their labels and their ``model_version``."""
    overrides = overrides or {}
    exported = export_review_labels_task(data_dir, overrides)
    res = train_heads_task(data_dir, exported["path"], overrides, out)
    res["review_labels"] = exported["rows"]
    get_run_logger().info("train: heads %s (%s reviewed items) -> %s", res["version"], exported["rows"],
                          res["heads"])
    return res
