"""The ``presswatch`` command line."""
from __future__ import annotations

import json
import signal
import sys
from datetime import datetime, timezone
from pathlib import Path

import click

from .config import ConfigError, load_settings


def _settings(ctx: click.Context, **overrides):
    try:
        s = load_settings(ctx.obj["data_dir"], **overrides)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    s.ensure_dirs()
    return s


def _store(settings):
    from .storage import open_store

    return open_store(settings)


def _echo_json(obj) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False, indent=None, default=str))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--data-dir", envvar="PRESSWATCH_DATA_DIR", type=click.Path(file_okay=False),
              help="Data directory (default ~/.local/share/presswatch; env PRESSWATCH_DATA_DIR).")
@click.pass_context
def main(ctx: click.Context, data_dir: str | None) -> None:
    """Presswatch — theo dõi báo chí và phát hiện thông tin xuyên tạc cho tỉnh.
    Media monitoring and misinformation triage for provincial press offices."""
    ctx.ensure_object(dict)
    ctx.obj["data_dir"] = data_dir


@main.command()
@click.option("--sources", "sources_file", type=click.Path(exists=True, dir_okay=False),
              help="Source registry to load (default: DATA_DIR/sources.yaml, else the bundled starter list).")
@click.pass_context
def init(ctx, sources_file):
    """Create the data directory, the store and the index; load the source registry."""
    from .service import sync_sources

    s = _settings(ctx)
    with _store(s) as store:
        n, problems = sync_sources(store, s, Path(sources_file) if sources_file else None)
        from .index import open_index

        open_index(s, writable=True).close()
        for p in problems:
            click.echo(f"warning: {p}", err=True)
        click.echo(f"Data directory ready: {s.data_dir} (store schema v{store.schema_version()}, {n} sources)")


def _print_cycle(result: dict) -> None:
    ing, proc = result["ingest"], result["process"]
    click.echo(f"  fetched: {ing['fetched']} new items from {ing['sources']} sources")
    click.echo(f"  extracted: {proc['extracted']}  dropped: {proc['dropped']}  failed: {proc['failed']}")
    click.echo(f"  duplicates folded: {proc['duplicates']}")
    click.echo(f"  classified: {proc['classified']}")
    click.echo(f"  alerts raised: {proc['alerts']}")
    click.echo(f"  indexed: {proc['indexed']}")
    problems = ing["errors"] + ing["warnings"] + proc["errors"]
    if problems:
        click.echo(f"  {len(problems)} problem(s), the run went on:")
        for e in problems:
            click.echo(f"    - {e}")


@main.command()
@click.option("--sources", "sources_file", type=click.Path(dir_okay=False), help="Source registry to use.")
@click.option("--all", "all_sources", is_flag=True, help="Poll every enabled source, not only the due ones.")
@click.pass_context
def run(ctx, sources_file, all_sources):
    """Run one full cycle through Prefect: poll due sources, process, index."""
    from .service import run_cycle, sync_sources

    s = _settings(ctx)
    with _store(s) as store:
        _, problems = sync_sources(store, s, Path(sources_file) if sources_file else None)
    for p in problems:
        click.echo(f"warning: {p}", err=True)
    click.echo("Running one cycle (Prefect)…")
    result = run_cycle(s, all_sources=all_sources)
    _print_cycle(result)


@main.command()
@click.option("--port", default=8765, show_default=True, help="Port of the bundled demo site on 127.0.0.1.")
@click.pass_context
def demo(ctx, port):
    """Serve the bundled demo site, run one full cycle against it, stop the site."""
    from presswatch.demo_site import DemoSite

    from .service import demo_sources_file, run_cycle, sync_sources

    s = _settings(ctx)
    overrides = {"allow_private_hosts": ["127.0.0.1"]}
    try:
        site = DemoSite(port=port).start()
    except OSError as exc:
        raise click.ClickException(f"cannot start the demo site on 127.0.0.1:{port} ({exc}); "
                                   "free the port or pass --port N") from exc
    try:
        click.echo(f"Demo site on {site.base_url}")
        with _store(s) as store:
            _, problems = sync_sources(store, s, demo_sources_file(), {"demo": site.base_url})
        for p in problems:
            click.echo(f"warning: {p}", err=True)
        s_demo = load_settings(s.data_dir, **overrides)
        click.echo("Running one cycle (Prefect)…")
        result = run_cycle(s_demo, all_sources=True, overrides=overrides)
    finally:
        site.stop()
    _print_cycle(result)
    with _store(s) as store:
        c = store.counts()
    click.echo(f"Store: {c['documents']} documents, {c['stories']} stories, {c['alerts']} alerts, "
               f"{c['sources']} sources — {s.data_dir}")
    import secrets

    from .auth import add_user, count_admins

    with _store(s) as store:
        created = None
        if count_admins(store) == 0:
            # the demo's own data directory gets a demo administrator with a one-time random password, so the
            # README's first command ends on a usable UI; real installations create accounts with `users add`
            created = secrets.token_urlsafe(12)
            add_user(store, "demo-admin", created, "admin", actor="presswatch demo", channel="cli")
    click.echo("Next: serve the review UI with `presswatch --data-dir DIR serve`, then log in at "
               f"http://{s.web_host}:{s.web_port}/login")
    if created:
        click.echo(f"Demo administrator created — user: demo-admin  password: {created}  "
                   f"(change it: presswatch --data-dir {s.data_dir} users set-password demo-admin)")


@main.command()
@click.option("--work-pool", default=None, metavar="NAME",
              help="Register the deployments on this Prefect work pool (type process, created if missing) and exit, "
                   "instead of serving them here; then run `prefect worker start --pool NAME` on each worker "
                   "machine (docs/scaling.md). Needs PREFECT_API_URL (the shared Prefect server).")
@click.pass_context
def schedule(ctx, work_pool):
    """Serve the flows on schedules (Asia/Ho_Chi_Minh): feeds every 5 minutes, site crawls every 15, processing every
    5, reports from 06:00, retraining on Sunday 02:00 — or, with --work-pool, register them for Prefect workers."""
    from .config import configure_prefect

    s = _settings(ctx)
    configure_prefect(s)
    if work_pool:
        from prefect.settings import PREFECT_API_URL

        if not PREFECT_API_URL.value():
            raise click.ClickException(
                "Chưa đặt PREFECT_API_URL: cần máy chủ Prefect dùng chung. / Set PREFECT_API_URL to the shared "
                "Prefect server (e.g. export PREFECT_API_URL=http://prefect-server:4200/api): deployments registered "
                "on a temporary server would vanish with it.")
        from flows.schedule import WorkPoolError, register

        try:
            names = register(str(s.data_dir), work_pool)
        except WorkPoolError as exc:
            raise click.ClickException(str(exc))
        click.echo(f"Registered {len(names)} deployments on work pool {work_pool!r} ({PREFECT_API_URL.value()}):")
        for n in names:
            click.echo(f"  {n}")
        click.echo(f"Start workers with: prefect worker start --pool {work_pool}")
        return
    from flows.schedule import serve_all

    click.echo("Serving scheduled flows (Ctrl-C to stop)…")
    serve_all(str(s.data_dir))


@main.command()
@click.option("--host", default=None, help="Interface (default 127.0.0.1).")
@click.option("--port", default=None, type=int, help="Port (default 8000).")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Server processes (one per core helps under many users; sessions and limits live in the store).")
@click.pass_context
def serve(ctx, host, port, workers):
    """Serve the web UI (alerts and documents)."""
    import os

    import uvicorn

    from .web.app import create_app

    s = _settings(ctx)
    where = f"http://{host or s.web_host}:{port or s.web_port}"
    if workers == 1:
        app = create_app(s)
        click.echo(f"Presswatch UI on {where}")
        uvicorn.run(app, host=host or s.web_host, port=port or s.web_port, log_level="warning")
        return
    os.environ["PRESSWATCH_DATA_DIR"] = str(s.data_dir)  # each worker process builds the app from it
    click.echo(f"Presswatch UI on {where} ({workers} processes)")
    uvicorn.run("presswatch.web.app:app_from_environment", factory=True, workers=workers,
                host=host or s.web_host, port=port or s.web_port, log_level="warning")


@main.command()
@click.argument("query")
@click.option("--limit", default=20, show_default=True)
@click.option("--offset", default=0, show_default=True, help="Skip this many results (pagination).")
@click.option("--sort", type=click.Choice(["relevance", "date"]), default="relevance", show_default=True)
@click.option("--facets", is_flag=True, help="Also count results by topic, sentiment, stance, source type, "
              "province, language and outlet.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def search(ctx, query, limit, offset, sort, facets, as_json):
    """Search the archive. Diacritics optional; "phrases", OR, NOT/-word, ( ), filters topic: province: lang:
    source: type: sentiment: stance: site: date:2026-11-01..2026-11-30 after: before:."""
    from .index import IndexUnavailable, SearchError, open_index

    s = _settings(ctx)
    try:
        r = open_index(s).query(query, limit=limit, offset=offset, sort=sort, facets=facets)
    except (SearchError, IndexUnavailable) as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        out = {"query": query, "total": r.total, "offset": offset,
               "hits": [{"id": h.id, "url": h.url, "title": h.title, "score": h.score, "published": h.published,
                         "snippet": h.snippet} for h in r.hits]}
        if facets:
            out["facets"] = r.facets
        _echo_json(out)
        return
    click.echo(f"{r.total} result(s)")
    for h in r.hits:
        lead = f"[{h.score:.2f}]" if h.score is not None else f"[{(h.published or '')[:10]}]"
        click.echo(f"{lead} {h.title}\n    {h.url}")
    for name, counts in r.facets.items():
        click.echo(f"{name}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))


@main.command()
@click.option("--to", "backend", type=click.Choice(["tantivy", "elasticsearch"]), default=None,
              help="Backend to rebuild (default: the configured one). Elasticsearch swaps an alias: no downtime.")
@click.pass_context
def reindex(ctx, backend):
    """Rebuild the search index from the store."""
    from .index import IndexUnavailable
    from .service import reindex as _reindex

    s = _settings(ctx, index_backend=backend)
    with _store(s) as store:
        try:
            n = _reindex(store, s)
        except IndexUnavailable as exc:
            raise click.ClickException(str(exc)) from exc
    where = s.elasticsearch_url if s.index_backend == "elasticsearch" else s.index_dir
    click.echo(f"Indexed {n} documents into {s.index_backend} ({where})")


@main.group()
def sources():
    """List, add and check sources."""


@sources.command("list")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def sources_list(ctx, as_json):
    """List registered sources with their health."""
    s = _settings(ctx)
    with _store(s) as store:
        rows = [dict(r) for r in store.sources()]
    for r in rows:
        r.pop("etag", None)
        r["provinces"] = json.loads(r["provinces"])
    if as_json:
        _echo_json(rows)
        return
    if not rows:
        click.echo("No sources registered: run `presswatch init` (starter list) or `presswatch sources add`.")
    for r in rows:
        health = "ok" if not r["consecutive_failures"] else f"failing x{r['consecutive_failures']}: {r['last_error']}"
        click.echo(f"{r['id']:<32} {r['kind']:<8} {r['source_type']:<17} {health}\n    {r['url']}")


@sources.command("add")
@click.option("--id", "sid", required=True)
@click.option("--name", required=True)
@click.option("--kind", required=True, type=click.Choice(["rss", "atom", "jsonfeed", "sitemap", "site", "page", "social",
                                                          "telegram", "facebook"]))
@click.option("--url", required=True)
@click.option("--source-type", required=True)
@click.option("--language", default="vi")
@click.option("--province", "provinces", multiple=True)
@click.option("--trust-tier", default=3, type=int)
@click.option("--poll-minutes", default=15, type=int)
@click.option("--platform", type=click.Choice(["youtube", "telegram", "facebook", "reddit", "mastodon", "forum",
                                              "other"]), help="Social sources: which platform.")
@click.pass_context
def sources_add(ctx, sid, name, kind, url, source_type, language, provinces, trust_tier, poll_minutes, platform):
    """Add a source to DATA_DIR/sources.yaml (created from the starter list if absent) and register it."""
    import yaml

    from .sources import SourceSpec, load_sources
    from pydantic import ValidationError

    s = _settings(ctx)
    try:
        spec = SourceSpec(id=sid, name=name, kind=kind, url=url, source_type=source_type, language=language,
                          provinces=list(provinces), trust_tier=trust_tier, poll_minutes=poll_minutes,
                          platform=platform)
    except ValidationError as exc:
        raise click.ClickException("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()))
    path = s.data_dir / "sources.yaml"
    src = path if path.exists() else s.resolved_sources_file()
    data = yaml.safe_load(src.read_text(encoding="utf-8")) or {"version": 1, "sources": []}
    if any(e.get("id") == sid for e in data["sources"]):
        raise click.ClickException(f"a source with id {sid!r} already exists in {src}")
    data["sources"].append(spec.model_dump(exclude_none=True))
    tmp = path.with_suffix(".tmp")
    tmp.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    load_sources(tmp)  # never write a registry that does not load
    tmp.replace(path)
    with _store(s) as store:
        store.sync_sources(load_sources(path))
    click.echo(f"Added {sid} to {path}")


@sources.command("check")
@click.argument("url")
@click.pass_context
def sources_check(ctx, url):
    """Fetch URL once: is it a feed? If it is a page, list the feeds it advertises."""
    from crawlers.feeds import FeedError, parse_feed
    from crawlers.http import FetchError, get

    s = _settings(ctx)
    try:
        r = get(url, timeout=s.fetch_timeout_s, max_bytes=s.max_download_bytes, allow=s.allow_private_hosts,
                user_agent=s.user_agent)
    except FetchError as exc:
        raise click.ClickException(f"cannot fetch: {exc}")
    click.echo(f"HTTP {r.status} {r.headers.get('content-type', '')} ({len(r.body)} bytes, {r.elapsed_ms} ms)")
    try:
        feed = parse_feed(r.body, r.headers.get("content-type", ""), r.final_url)
        click.echo(f"Feed ({feed.version}): {feed.title!r}, {len(feed.entries)} entries")
        for w in feed.warnings:
            click.echo(f"warning: {w}")
        return
    except FeedError as exc:
        feed_error = str(exc)
    from lxml import html as lh
    from urllib.parse import urljoin

    try:
        tree = lh.fromstring(r.body)
        links = tree.xpath("//link[@rel='alternate'][contains(@type,'rss') or contains(@type,'atom') or "
                           "contains(@type,'json')]/@href")
    except Exception:  # noqa: BLE001 - not HTML either
        links = []
    if links:
        click.echo("Not a feed; the page advertises:")
        for href in links:
            click.echo(f"  {urljoin(r.final_url, href)}")
    else:
        raise click.ClickException(f"not a feed ({feed_error}) and the page advertises no feed")


@main.command()
@click.option("--json", "as_json", is_flag=True)
@click.option("--flows/--no-flows", default=None,
              help="Also list the latest Prefect flow runs (default: when PREFECT_API_URL names a server).")
@click.pass_context
def status(ctx, as_json, flows):
    """Counts, queue depth, index lag, source health, last runs and failures (polls, documents,
    notifications, flow runs), disk."""
    import os

    from .config import configure_prefect
    from .health import status as health_status

    s = _settings(ctx)
    if flows is None:
        flows = bool(os.environ.get("PREFECT_API_URL"))
    if flows:
        configure_prefect(s)
    with _store(s) as store:
        c = health_status(store, s, flows=flows)
    if as_json:
        _echo_json(c)
        return
    click.echo(f"Data directory: {s.data_dir}")
    click.echo(f"  documents: {c['documents']} ({c['documents_by_status']}), duplicates {c['duplicates']}, "
               f"stories {c['stories']}")
    click.echo(f"  alerts: {c['alerts']} {c['alerts_by_status']}")
    click.echo(f"  queue: {c['queue']['pending']} pending, {c['queue']['failed']} failed; index lag "
               f"{c['index_lag']['documents']} documents ({c['index_lag']['oldest_seconds']} s)")
    click.echo(f"  sources: {c['sources_enabled']} enabled — {c['source_states']}")
    for src in c["source_health"]:  # the ones to look at (never-polled ones are only counted above)
        if src["state"] in ("failing", "silent"):
            click.echo(f"    {src['id']}: {src['state']}" + (f" — {src['last_error']}" if src["last_error"] else ""))
        elif src["state"] == "ok" and src["publishing"] not in (None, "ok"):
            click.echo(f"    {src['id']}: {src['publishing']} — {src['reason']}")
    r = c["last_runs"]
    click.echo(f"  last runs: poll {r['poll_at'] or '-'}, processed {r['processed_at'] or '-'}, indexed "
               f"{r['indexed_at'] or '-'}, report {r['report_at'] or '-'}"
               + (f" ({r['report_kind']})" if r["report_kind"] else "")
               + f", notification {r['notification_at'] or '-'}")
    if c["recent_failures"]:
        click.echo(f"  recent fetch failures (newest first, {len(c['recent_failures'])} shown):")
        for f in c["recent_failures"][:5]:
            click.echo(f"    {f['at']} {f['source_id']}: {f['error']}")
    if c["failed_documents"]:
        click.echo(f"  failed documents ({c['queue']['failed']}; retry with 'presswatch run'):")
        for d in c["failed_documents"][:5]:
            click.echo(f"    #{d['id']} {d['url']}: {d['status_note']}")
    n = c["notifications"]
    click.echo(f"  notifications: {n['sent']} sent, {n['failed']} failed ({n['gave_up']} gave up after 5 attempts)")
    for f in n["recent_failures"][:5]:
        click.echo(f"    alert #{f['alert_id']} {f['channel']} {f['target']} (attempt {f['attempts']}): {f['error']}")
    if "flow_runs" in c:
        fr = c["flow_runs"]
        if fr["error"]:
            click.echo(f"  flow runs: {fr['error']}")
        else:
            click.echo(f"  flow runs (newest first): " + ("none yet" if not fr["runs"] else ""))
            for run in fr["runs"]:
                click.echo(f"    {run['start_time'] or '-'} {run['flow']}/{run['name']}: {run['state_name']}"
                           + (f" — {run['message']}" if run["state"] in ("FAILED", "CRASHED") and run["message"] else ""))
    d = c["disk"]
    click.echo(f"  disk: store {d['store_bytes'] / 2**20:.1f} MiB, index {d['index_bytes'] / 2**20:.1f} MiB, "
               f"reports {d['reports_bytes'] / 2**20:.1f} MiB, free {d['free_bytes'] / 2**30:.1f} GiB"
               + (" — ÍT DUNG LƯỢNG TRỐNG / LOW DISK SPACE: free some space before the store fills up" if d["low"] else ""))


@main.command("import")
@click.argument("file", type=click.File("r", encoding="utf-8"))
@click.pass_context
def import_(ctx, file):
    """Import hand-collected items (JSON lines: title, text, [url, published, outlet, source_type, lang])."""
    from .service import import_items, process_now

    s = _settings(ctx)
    with _store(s) as store:
        ids, problems = import_items(store, s, file)
        for p in problems:
            click.echo(f"warning: {p}", err=True)
        result = process_now(store, s)
    click.echo(f"Imported {len(ids)} new item(s); processed {result['processed']}, "
               f"duplicates {result['duplicates']}, alerts raised {result['alerts']}")


@main.command("add")
@click.option("--url", help="A collaborator's link: fetched (guarded; no internal addresses) and extracted. "
                            "With --text it is only the pasted item's original address.")
@click.option("--text", "text_file", type=click.File("r", encoding="utf-8"),
              help="File with the pasted text ('-' reads standard input); needs --title.")
@click.option("--title", help="Title of the pasted text (with --url alone: used when the page has none).")
@click.option("--outlet", help="Where it appeared (page, group, outlet); default: nhập tay.")
@click.option("--source-type", default="other", show_default=True,
              type=click.Choice(["provincial_press", "national_press", "foreign_press", "government_portal",
                                 "social", "blog_forum", "other"]))
@click.option("--lang", help="Language code (vi, en, zh, …); detected when omitted.")
@click.option("--published", help="Publication date or time, ISO 8601 (2026-11-20 or 2026-11-20T08:00:00+07:00).")
@click.option("--note", help="Note for the audit log (who sent it, from where).")
@click.option("--actor", help="Who entered it (default: the operating-system user).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON object.")
@click.pass_context
def add(ctx, url, text_file, title, outlet, source_type, lang, published, note, actor, as_json):
    """Add one hand-entered item (a URL or pasted text) and process it now; prints its document id and
    classification. Adding the same URL or text again changes nothing and prints the stored document."""
    import getpass

    from .service import ItemError, add_item

    if not url and text_file is None:
        raise click.UsageError("give --url URL (a link to fetch) or --text FILE|- with --title (pasted text)")
    item = {"url": url, "title": title, "text": text_file.read() if text_file is not None else None,
            "outlet": outlet, "source_type": source_type, "lang": lang, "published": published, "note": note}
    if text_file is not None and not (item["text"] or "").strip():
        raise click.ClickException("the text is empty: put the pasted text in the file (or on standard input)")
    s = _settings(ctx)
    with _store(s) as store:
        try:
            res = add_item(store, s, item, actor=actor or getpass.getuser(), channel="cli")
        except ItemError as exc:
            raise click.ClickException(str(exc)) from exc
    for w in res["warnings"]:
        click.echo(f"warning: {w}", err=True)
    if as_json:
        _echo_json(res)
        return
    d = res["document"]
    click.echo(f"{'Stored' if res['new'] else 'Already stored (nothing changed):'} document #{res['id']} "
               f"{d['title']!r} [{res['status']}{': ' + res['status_note'] if res['status_note'] else ''}]")
    if res["status"] == "processed":
        click.echo(f"  topics: {', '.join(d['topics']) or '-'}; sentiment: {d['sentiment']}; stance: {d['stance']}; "
                   f"provinces: {', '.join(d['provinces']) or '-'}; risk {d['risk']:.2f}"
                   + (f"; alert #{res['alert_id']}" if res["alert_id"] else "")
                   + (f"; duplicate of #{d['duplicate_of']}" if d["duplicate_of"] else ""))


@main.command()
@click.option("--format", "fmt", type=click.Choice(["jsonl"]), default="jsonl", show_default=True)
@click.option("--since", help="Only documents stored on or after this date (YYYY-MM-DD).")
@click.pass_context
def export(ctx, fmt, since):
    """Print one JSON object per processed document."""
    from .service import export_rows

    s = _settings(ctx)
    since_dt = None
    if since:
        try:
            since_dt = datetime.fromisoformat(since)
        except ValueError as exc:
            raise click.ClickException(f"--since {since!r}: use YYYY-MM-DD") from exc
        if since_dt.tzinfo is None:
            since_dt = since_dt.replace(tzinfo=timezone.utc)
    with _store(s) as store:
        for row in export_rows(store, since_dt):
            _echo_json(row)


@main.group()
def alerts():
    """List alerts and record decisions on them."""


@alerts.command("list")
@click.option("--status", default=None)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def alerts_list(ctx, status, as_json):
    s = _settings(ctx)
    with _store(s) as store:
        rows = [dict(r) for r in store.alerts(status)]
    for r in rows:
        r["reasons"] = json.loads(r["reasons"])
        r["topics"] = json.loads(r["topics"])
        r["provinces"] = json.loads(r["provinces"])
    if as_json:
        _echo_json(rows)
        return
    for r in rows:
        click.echo(f"#{r['id']} [{r['status']}] {r['risk']:.2f} {r['kind']}: {r['title']}")


@alerts.command("set")
@click.argument("alert_id", type=int)
@click.option("--status", default=None, help="new, in_progress, verified, informed, rebutted, referred, no_action")
@click.option("--action", "action", default=None,
              help="Response: official_info, clarification, rebuttal, correction_request, takedown_request, "
                   "referral, remedy_request (the alert's path decides which apply).")
@click.option("--url", default=None, help="Link to the published rebuttal / clarification.")
@click.option("--target", default=None, help="Agency, outlet or platform addressed (referral, requests).")
@click.option("--note", default=None)
@click.option("--actor", default=None, help="Who decides (default: the OS user).")
@click.pass_context
def alerts_set(ctx, alert_id, status, action, url, target, note, actor):
    """Record a decision on an alert (audited like a decision in the web queue)."""
    import getpass

    from .workflow import decide

    if not status and not action:
        raise click.ClickException("give --status and/or --action")
    s = _settings(ctx)
    with _store(s) as store:
        try:
            after = decide(store, alert_id, actor or getpass.getuser(), status=status, action=action, url=url,
                           target=target, note=note, channel="cli")
        except (KeyError, ValueError) as exc:
            raise click.ClickException(str(exc).strip("'\""))
    click.echo(f"Alert #{alert_id} → {after['status']}")


@alerts.command("assign")
@click.argument("alert_id", type=int)
@click.option("--department", default=None)
@click.option("--user", "assignee", default=None)
@click.option("--due", "due_at", default=None, help="YYYY-MM-DD")
@click.option("--actor", default=None)
@click.pass_context
def alerts_assign(ctx, alert_id, department, assignee, due_at, actor):
    """Assign an alert to a department and/or a person, with a due date."""
    import getpass

    from .workflow import assign

    s = _settings(ctx)
    with _store(s) as store:
        try:
            after = assign(store, alert_id, actor or getpass.getuser(), department=department, assignee=assignee,
                           due_at=due_at, channel="cli")
        except (KeyError, ValueError) as exc:
            raise click.ClickException(str(exc).strip("'\""))
    click.echo(f"Alert #{alert_id}: {after['department'] or '—'} / {after['assignee'] or '—'} / {after['due_at'] or '—'}")


@alerts.command("audit")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True)
@click.option("--verify", is_flag=True, help="Check the audit log's hash chain.")
@click.pass_context
def alerts_audit(ctx, fmt, verify):
    """Export the append-only audit log (every decision, security-tagged view and refused access)."""
    from . import audit

    s = _settings(ctx)
    with _store(s) as store:
        if verify:
            ok, msg = audit.verify(store.conn)
            if not ok:
                raise click.ClickException(msg)
            click.echo(msg)
            return
        rows = list(reversed(audit.query(store.conn, limit=10_000_000)))
    click.echo(audit.to_jsonl(rows) if fmt == "jsonl" else audit.to_csv(rows), nl=False)


@alerts.command("training-export")
@click.option("--format", "fmt", type=click.Choice(["labelled", "raw"]), default="labelled", show_default=True,
              help="labelled: rows in models/data/labelled.jsonl form (train's review_labels); raw: every example.")
@click.pass_context
def alerts_training_export(ctx, fmt):
    """Print reviewed examples (confirmed / dismissed alerts, corrected labels) as JSON lines for training."""
    from .workflow import training_rows

    s = _settings(ctx)
    with _store(s) as store:
        for row in training_rows(store, fmt):
            _echo_json(row)


@alerts.command("saved-search")
@click.argument("name")
@click.argument("query")
@click.option("--actor", default=None)
@click.pass_context
def alerts_saved_search(ctx, name, query, actor):
    """Save a search that raises an alert for each new matching story (checked after every indexing run)."""
    import getpass

    from . import audit
    from .storage import iso
    from .record import utcnow

    s = _settings(ctx)
    who = actor or getpass.getuser()
    with _store(s) as store:
        with store.tx() as c:
            top = c.execute("SELECT COALESCE(max(id), 0) FROM documents").fetchone()[0]
            sid = c.execute("INSERT INTO saved_searches (name, query, owner, last_doc_id, created_at)"
                            " VALUES (?,?,?,?,?)", (name, query, who, top, iso(utcnow()))).lastrowid
            audit.append(c, actor=who, channel="cli", action="saved_search_add", object_type="saved_search",
                         object_id=sid, after={"name": name, "query": query})
    click.echo(f"Saved search #{sid} {name!r}: alerts for new matches of {query!r}")


# --- command modules: each registers its commands on `main` (one import line per module below) ---
from . import cli_ops  # noqa: E402,F401
from . import cli_reports  # noqa: E402,F401
from . import cli_users  # noqa: E402,F401
from . import cli_models  # noqa: E402,F401
from . import cli_ingest  # noqa: E402,F401
from . import cli_stories  # noqa: E402,F401
from . import cli_crawl  # noqa: E402,F401


def _entry() -> None:
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    main(obj={})


if __name__ == "__main__":  # pragma: no cover
    sys.exit(_entry())
