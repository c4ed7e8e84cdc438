"""``presswatch classify | train | evaluate``: the topic / sentiment / stance classifier from the command line.

``classify`` runs the pipeline's own stages (normalise, language, relevance, classify) on JSON lines
``{"title", "text", ["lang"]}`` and prints one JSON object per line. ``train`` rebuilds the heads
(generated set + the hand-labelled real articles when ../shared/data/vntc is present), the main head set and
the folded one (Vietnamese typed without diacritics, ``models.train.FOLDED_RECIPE``); ``--cv K``
cross-validates a recipe on the training data instead;
``evaluate`` prints per-label precision / recall / F1 and confusion tables on the held-out dev split,
and with ``--check`` fails when a figure falls below the floors in quality_floors.yaml (the CI gate)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .cli import _echo_json, _settings, main


def _cache_dir(s) -> Path:
    from models.encoder import default_cache_dir

    return Path(s.model_cache_dir or default_cache_dir())


@main.command("classify")
@click.argument("infile", type=click.File("r", encoding="utf-8"), default="-")
@click.option("--classifier", "name", type=click.Choice(["transformer", "keywords"]), default=None,
              help="Default: setting `classifier` (transformer).")
@click.pass_context
def classify_cmd(ctx, infile, name):
    """Classify JSON lines ({"title","text",["lang"]}) from INFILE or stdin; one JSON result per line."""
    from models.classifier import classify, get_classifier
    from pipelines.language import detect_language
    from pipelines.normalize import normalize
    from pipelines.relevance import relevance
    from presswatch.record import Document, Extraction, SourceRef

    s = _settings(ctx)
    clf = get_classifier(name, settings=s)
    bad = 0
    for n, line in enumerate(infile, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            title, text = str(item.get("title") or ""), str(item.get("text") or "")
        except (json.JSONDecodeError, AttributeError) as exc:
            click.echo(f"line {n}: not a JSON object ({exc})", err=True)
            bad += 1
            continue
        doc = Document(url=f"stdin:{n}", source=SourceRef(id="cli"),
                       extraction=Extraction(title=title, text=text, language=item.get("lang")))
        for stage in (normalize, detect_language, relevance):
            doc = stage(doc)
        doc = classify(doc, clf)
        e = doc.enrichment
        _echo_json({"line": n, "title": doc.extraction.title, "lang": doc.extraction.language,
                    "topics": e.topics, "topic_scores": e.topic_scores, "subtopics": e.subtopics,
                    "sentiment": e.sentiment, "stance": e.stance,
                    "provinces": [{"id": p.id, "score": round(p.score, 3)} for p in e.provinces],
                    "reasons": e.reasons, "model_version": e.model_version})
    if bad:
        sys.exit(1)


@main.command("train")
@click.option("--out", type=click.Path(dir_okay=False), default=None,
              help="Heads file to write (default: setting heads_file, else the bundled models/heads/e5-small.npz).")
@click.option("--vntc-per-section", default=0, show_default=True,
              help="Weak examples per VNTC section from ../shared/data/vntc (topics only; 0 = none).")
@click.option("--review-labels", type=click.Path(dir_okay=False), default=None,
              help="Reviewers' decisions as labelled JSON lines (same format as models/data/labelled.jsonl).")
@click.option("--weak-weight", default=0.3, show_default=True, help="Loss weight of a VNTC weak example.")
@click.option("--fold-copies/--no-fold-copies", default=True, show_default=True,
              help="Add a copy without diacritics of every Vietnamese training item that has none "
                   "(sentiment and stance heads only).")
@click.option("--precision", type=click.Choice(["fp32", "bf16", "int8"]), default="fp32", show_default=True,
              help="Encoder used for the training embeddings. fp32: the exact model; heads fitted on it lose "
                   "< 1 point when run on int8, heads fitted on int8 lost 2 points of stance.")
@click.option("--l2", default=1e-3, show_default=True)
@click.option("--real-labels", type=click.Path(dir_okay=False), default=None,
              help="Hand-labelled real articles (VNTC train-split ids + labels; texts read from "
                   "../shared/data/vntc). Default: models/data/vntc_train_labels.jsonl; trains without them, "
                   "with a message, when the texts are absent.")
@click.option("--no-real", is_flag=True, help="Do not use the hand-labelled real articles.")
@click.option("--real-weight", default=1.0, show_default=True, help="Loss weight of a real article.")
@click.option("--real-heads", default="topic,sentiment,stance", show_default=True,
              help="Heads the real articles teach (comma-separated subset of topic,sentiment,stance).")
@click.option("--real-fold-copies/--no-real-fold-copies", default=False, show_default=False,
              help="Folded copies of the real articles too (sentiment and stance heads only).")
@click.option("--distorting-offset", default=0.0, show_default=True,
              help="Subtract this from the distorting stance logit (a decision threshold; choose it with --cv).")
@click.option("--class-weights-from", "balance", type=click.Choice(["generated", "all"]), default="all",
              show_default=True, help="Rows whose label counts set the balanced class weights.")
@click.option("--fold-weight", default=1.0, show_default=True,
              help="Loss weight multiplier of the folded copies (a recipe option to score with --cv).")
@click.option("--real-fold-heads", default="topic,sentiment,stance", show_default=True,
              help="With --real-fold-copies: the heads those copies teach (comma-separated subset).")
@click.option("--fold-topics/--no-fold-topics", default=False, show_default=True,
              help="Folded copies teach the topic head too (main heads; the folded head set's own setting is "
                   "models.train.FOLDED_RECIPE). Score a recipe with --cv first.")
@click.option("--folded-heads/--no-folded-heads", default=True, show_default=True,
              help="Also train the folded head set (models.train.FOLDED_RECIPE) into <out stem>-folded.npz.")
@click.option("--cv", "cv", default=0, show_default=True,
              help="Instead of training: K-fold cross-validation of this recipe on the training data "
                   "(generated train families + real train labels); prints out-of-fold figures, writes nothing.")
@click.option("--cv-offsets", default="0", show_default=True,
              help="With --cv: distorting offsets to score (comma-separated).")
@click.pass_context
def train_cmd(ctx, out, vntc_per_section, review_labels, weak_weight, fold_copies, precision, l2, real_labels,
              no_real, real_weight, real_heads, real_fold_copies, distorting_offset, balance, fold_weight, real_fold_heads,
              fold_topics, folded_heads, cv, cv_offsets):
    """Rebuild the classifier heads from the labelled set (train split), real labels, weak labels and reviews."""
    from models.encoder import Encoder, ensure_e5_small
    from models.heads import BUNDLED
    from models.train import FOLDED_RECIPE, HEADS, REAL_LABELS, cross_validate, train

    heads_used = tuple(h.strip() for h in real_heads.split(",") if h.strip())
    fold_heads_used = tuple(h.strip() for h in real_fold_heads.split(",") if h.strip())
    for used, hint in ((heads_used, "--real-heads"), (fold_heads_used, "--real-fold-heads")):
        if not set(used) <= set(HEADS):
            raise click.BadParameter(f"choose among {', '.join(HEADS)}", param_hint=hint)
    real = None if no_real else Path(real_labels or REAL_LABELS)
    if real is not None and not real.exists():
        raise click.ClickException(f"{real} not found: give --real-labels PATH or --no-real")
    if cv and real is None:
        raise click.ClickException("--cv needs the real labels (drop --no-real)")
    s = _settings(ctx)
    enc = Encoder(Path(s.encoder_dir or ensure_e5_small(s.model_cache_dir)), precision=precision,
                  threads=s.classifier_threads or None)
    log = lambda m: click.echo(m, err=True)  # noqa: E731
    if cv:
        try:
            offsets = tuple(float(x) for x in cv_offsets.split(","))
        except ValueError:
            raise click.BadParameter("comma-separated numbers, e.g. 0,1,2", param_hint="--cv-offsets")
        try:
            res = cross_validate(enc, _cache_dir(s), folds=cv, max_tokens=s.classifier_max_tokens, l2=l2,
                                 fold_copies=fold_copies, real_labels=real, real_weight=real_weight,
                                 real_heads=heads_used, real_fold_copies=real_fold_copies, offsets=offsets,
                                 balance_generated=balance == "generated", fold_weight=fold_weight,
                                 fold_topics=fold_topics, real_fold_heads=fold_heads_used, log=log)
        except ValueError as exc:
            raise click.ClickException(str(exc))
        _echo_json(res)
        return
    out = Path(out or s.heads_file or BUNDLED)
    heads = train(enc, _cache_dir(s), out, max_tokens=s.classifier_max_tokens, vntc_per_section=vntc_per_section,
                  review_labels=Path(review_labels) if review_labels else None, l2=l2, weak_weight=weak_weight,
                  fold_copies=fold_copies, real_labels=real, real_weight=real_weight, real_heads=heads_used,
                  real_fold_copies=real_fold_copies, distorting_offset=distorting_offset,
                  balance_generated=balance == "generated", fold_weight=fold_weight,
                  folded_recipe=FOLDED_RECIPE if folded_heads else None, fold_topics=fold_topics,
                  real_fold_heads=fold_heads_used, log=log)
    res = {"heads": str(out), "version": heads.version, "data": heads.card["data"], "dev": heads.card["dev"]}
    if heads.folded is not None:
        from models.heads import folded_heads_path

        fh = heads.folded
        res["folded_heads"] = {"heads": str(folded_heads_path(out)), "version": fh.version,
                               "dev_without_diacritics": fh.card["dev_without_diacritics"],
                               "dev_with_dispatch": fh.card["dev_with_dispatch"]}
    _echo_json(res)


FOLDED_FLOORS = "without_diacritics"  # quality_floors.yaml classifier: floors for the folded Vietnamese dev items


def below_floors(floors: dict, results: dict) -> list[str]:
    """The figures under their floor: top-level keys gate the dev split, the ``without_diacritics:``
    section the folded Vietnamese dev items (``results["dev_without_diacritics"]``). An unknown key is
    reported, not skipped."""
    low = []
    for section, figures in ((None, floors), (FOLDED_FLOORS, floors.get(FOLDED_FLOORS, {}))):
        summary = results["dev" if section is None else "dev_without_diacritics"]["summary"]
        for k, v in figures.items():
            if isinstance(v, dict):
                continue
            name = k if section is None else f"{section}.{k}"
            if k not in summary:
                low.append(f"{name}: no such figure (known: {', '.join(sorted(summary))})")
            elif summary[k] < v:
                low.append(f"{name} {summary[k]:.3f} < {v}")
    return low


@main.command("evaluate")
@click.option("--classifier", "name", type=click.Choice(["transformer", "keywords"]), default=None)
@click.option("--folded", is_flag=True, help="Also score the Vietnamese dev items typed without diacritics.")
@click.option("--long", "long_", is_flag=True, help="Also score long versions of the Vietnamese items (content "
              "past the first window; needs ../shared/data/vntc): set classifier_chunks to compare chunking.")
@click.option("--check", is_flag=True, help="Exit 1 when a figure is below the `classifier:` floors.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def evaluate_cmd(ctx, name, folded, long_, check, as_json):
    """Per-label precision / recall / F1 and confusion tables on the held-out dev split. The transformer
    classifies folded Vietnamese with its folded head set, so ``dev_without_diacritics`` scores that set."""
    from models.classifier import get_classifier
    from models.train import folded as fold_rows
    from models.train import format_report, load_labelled, long_items, predict_rows, score
    from presswatch.evaluation import load_floors
    from presswatch.text import has_diacritics

    s = _settings(ctx)
    clf = get_classifier(name, settings=s)
    dev = load_labelled(split="dev")
    res = score(dev, predict_rows(clf, dev))
    results = {"dev": res}
    floors = load_floors().get("classifier", {}) if check else {}
    if folded or FOLDED_FLOORS in floors:  # the Vietnamese items as in dev (50 already folded), then all of them folded
        vi = [r for r in dev if r["lang"] == "vi"]
        results["dev_vietnamese"] = score(vi, predict_rows(clf, vi))
        marked = [r for r in vi if has_diacritics(r["title"] + " " + r["text"])]  # the main heads' share
        results["dev_vietnamese_with_diacritics"] = score(marked, predict_rows(clf, marked))
        rows = fold_rows(dev)
        results["dev_without_diacritics"] = score(rows, predict_rows(clf, rows))
    if long_:
        rows = long_items(dev)
        if not rows:
            raise click.ClickException("--long needs VNTC in ../shared/data/vntc (not found)")
        results["dev_long"] = score(rows, predict_rows(clf, rows))
    if as_json:
        _echo_json({"model_version": clf.version, **{k: v for k, v in results.items()}})
    else:
        click.echo(f"classifier {clf.version}")
        for k, v in results.items():
            click.echo(format_report(k, v))
    if check:
        low = below_floors(floors, results)
        if low:
            raise click.ClickException("below the pinned floors: " + "; ".join(low))
        click.echo("all figures at or above the floors in quality_floors.yaml", err=True)
