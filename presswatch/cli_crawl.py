"""``presswatch crawl SOURCE_ID``: crawl one sitemap/site/page source now, outside the schedule.

The crawl runs in its own subprocess (``crawlers.crawl.run_crawl``), stores new articles as ``fetched``
documents and records the poll like a scheduled crawl; ``presswatch run`` then processes them."""
from __future__ import annotations

import click

from .cli import _echo_json, _settings, _store, main


@main.command("crawl")
@click.argument("source_id")
@click.option("--json", "as_json", is_flag=True, help="Print the crawl summary as one JSON object.")
@click.pass_context
def crawl_cmd(ctx, source_id, as_json):
    """Crawl one registered source of kind sitemap, site or page (robots.txt obeyed)."""
    from crawlers.crawl import CrawlSetupError, run_crawl
    from presswatch.sources import CRAWLED_KINDS

    s = _settings(ctx)
    with _store(s) as store:
        row = next((r for r in store.sources() if r["id"] == source_id), None)
    if row is None:
        raise click.ClickException(f"no source {source_id!r} in the store; list them with `presswatch sources list` "
                                   "(or register the registry with `presswatch init`)")
    if row["kind"] not in CRAWLED_KINDS:
        raise click.ClickException(f"source {source_id} is of kind {row['kind']!r}, polled as a feed by "
                                   f"`presswatch run`; crawled kinds are {', '.join(CRAWLED_KINDS)}")
    try:
        res = run_crawl(row, s)
    except CrawlSetupError as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        _echo_json(res.as_dict())
    else:
        click.echo(f"Thu thập {source_id}: {res.outcome} — {res.new} bài mới, {res.seen} bài đã có, "
                   f"{res.pages} trang tải về trong {res.duration_ms / 1000:.1f} s")
        for e in res.errors:
            click.echo(f"  lỗi: {e}", err=True)
        for w in res.warnings:
            click.echo(f"  lưu ý: {w}", err=True)
        if res.new:
            click.echo("Next: `presswatch run` processes the new documents (extract, classify, alerts).")
    if res.outcome == "error":
        raise SystemExit(1)
