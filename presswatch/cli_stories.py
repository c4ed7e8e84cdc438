"""Story commands: ``presswatch stories list`` (recent stories told by more than one document) and
``presswatch stories show ID`` (first source, copies and articles of other outlets, spread over time)."""
from __future__ import annotations

import click

from .cli import _echo_json, _settings, _store, main


@main.group()
def stories():
    """Tin bài cùng một sự việc: bản sao và bài của các cơ quan báo chí khác (stories)."""


@stories.command("list")
@click.option("--limit", default=20, show_default=True, help="How many stories.")
@click.option("--min-documents", default=2, show_default=True, help="Only stories with at least this many documents.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def stories_list(ctx, limit, min_documents, as_json):
    """Most recently active stories with at least --min-documents documents."""
    s = _settings(ctx)
    with _store(s) as st:
        rows = [dict(r) for r in st.conn.execute(
            "SELECT id, title, first_doc_id, first_seen, last_seen, doc_count, risk FROM stories WHERE doc_count >= ?"
            " ORDER BY last_seen DESC, id LIMIT ?", (min_documents, limit))]
    if as_json:
        _echo_json(rows)
        return
    if not rows:
        click.echo(f"Chưa có tin nào có từ {min_documents} bài trở lên (no story with {min_documents}+ documents).")
    for r in rows:
        click.echo(f"{r['id']}  {r['doc_count']:>4} bài  {r['last_seen']}  {r['title']}")


@stories.command("show")
@click.argument("story_id")
@click.option("--json", "as_json", is_flag=True, help="The spread as one JSON object.")
@click.pass_context
def stories_show(ctx, story_id, as_json):
    """One story: its first source, copies, other outlets' articles and its spread per hour and day."""
    s = _settings(ctx)
    with _store(s) as st:
        sp = st.story_spread(story_id)
    if sp is None:
        raise click.ClickException(f"không có tin {story_id!r} (no such story); see `presswatch stories list`")
    if as_json:
        _echo_json(sp)
        return
    click.echo(f"Tin {sp['story']}: {sp['title']}")
    click.echo(f"  nguồn đầu tiên (first source): {sp['first_source']} — tài liệu #{sp['first_doc_id']}, "
               f"lần đầu thấy {sp['first_seen']}")
    click.echo(f"  {sp['documents']} tài liệu: {sp['articles']} bài, {sp['copies']} bản sao; "
               f"đăng từ {sp['first_published']} đến {sp['last_published']}")
    fmt = lambda d: ", ".join(f"{k} {v}" for k, v in sorted(d.items(), key=lambda kv: (-kv[1], kv[0])))  # noqa: E731
    click.echo(f"  cơ quan/nguồn (outlets): {fmt(sp['outlets'])}")
    click.echo(f"  ngôn ngữ (languages): {fmt(sp['languages'])}; loại nguồn (source types): {fmt(sp['source_types'])}")
    click.echo("  theo giờ (per hour, UTC): " + ", ".join(f"{k[5:]} {v}" for k, v in sp["per_hour"].items()))
    for t in sp["timeline"]:
        kind = f"bản sao của #{t['duplicate_of']}" if t["duplicate_of"] else "bài"
        click.echo(f"    {t['at']}  #{t['id']:<6} {t['source_id']:<24} {t['lang'] or '?':<3} {kind}: {t['title']}")
