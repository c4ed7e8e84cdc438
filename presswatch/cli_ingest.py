"""Ingestion commands: ``presswatch extract`` (saved pages through the pipeline's own extraction stages)
and ``presswatch sources health`` (polling state and silent sources)."""
from __future__ import annotations

import json
from pathlib import Path

import click

from .cli import _echo_json, _settings, _store, main, sources


def extract_file(path: Path, url: str | None = None) -> dict:
    """Run one saved page through the same stages the pipeline runs before dedup: extract, normalise,
    language (and the legacy-encoding repair inside extraction)."""
    from pipelines.extract import extract
    from pipelines.language import detect_language
    from pipelines.normalize import normalize
    from presswatch.record import Document, Fetch, SourceRef
    from presswatch.storage import iso
    from presswatch.urls import canonical_url

    raw = path.read_bytes()
    if path.suffix == ".gz":
        import gzip

        raw = gzip.decompress(raw)
    address = url or path.resolve().as_uri()
    packed, sha = Fetch.pack(raw)
    doc = Document(url=canonical_url(address) if url else address, source=SourceRef(id="cli"),
                   fetch=Fetch(requested_url=address, final_url=address, raw_compressed=packed, raw_sha256=sha))
    doc = extract(doc)
    if doc.status != "dropped":
        doc = detect_language(normalize(doc))
    x = doc.extraction
    return {
        "file": str(path), "url": url, "title": x.title or None, "text": x.text,
        "published": iso(x.published),  # UTC, as the store writes it "published_source": x.published_source,
        "date_note": x.date_note, "author": x.author, "lang": x.language, "lang_confidence": x.language_confidence,
        "canonical_url": x.canonical_url, "encoding": x.encoding, "extractor": x.extractor,
        "status": doc.status, "status_note": doc.status_note,
    }


@main.command("extract")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--url", help="The page's original address (only with one file): resolves relative links and "
                            "feeds the canonical URL.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per page (title, text, published, lang, "
                                                      "canonical_url, …), one per line.")
def extract_cmd(files, url, as_json):
    """Extract saved HTML pages (.html or .html.gz) exactly as the pipeline does."""
    if url and len(files) != 1:
        raise click.UsageError("--url gives the address of one page: pass exactly one FILE with it")
    failed = 0
    for f in files:
        try:
            out = extract_file(f, url)
        except (OSError, ValueError) as exc:
            failed += 1
            out = {"file": str(f), "error": f"{type(exc).__name__}: {exc}"}
        if as_json:
            click.echo(json.dumps(out, ensure_ascii=False))
        elif "error" in out:
            click.echo(f"{f}: error: {out['error']}", err=True)
        else:
            click.echo(f"== {f}\n   title: {out['title']}\n   lang: {out['lang']}  published: {out['published']}"
                       f"  encoding: {out['encoding']}  extractor: {out['extractor']}\n"
                       f"   canonical: {out['canonical_url']}\n   {len(out['text'])} characters: "
                       f"{out['text'][:200]!r}")
    if failed:
        raise SystemExit(1)


@sources.command("health")
@click.option("--json", "as_json", is_flag=True)
@click.option("--days", default=28, show_default=True, help="Window for items per day.")
@click.pass_context
def sources_health(ctx, as_json, days):
    """Per source: state (ok | silent | failing | no_items), items per day, last new item, interval."""
    s = _settings(ctx)
    with _store(s) as store:
        rows = store.source_health(days=days)
    if as_json:
        _echo_json(rows)
        return
    for h in rows:
        click.echo(f"{h['id']:24s} {h['state']:9s} {h['items_per_day']:7.2f}/day  every {h['interval_minutes']} min"
                   f"  last new {h['last_new_at'] or '-'}" + (f"  — {h['reason']}" if h["reason"] else ""))
