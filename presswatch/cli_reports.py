"""`presswatch report …`: the daily and periodic reports (DOCX, PDF, HTML), listing and regenerating them."""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import click

from .cli import _echo_json, _settings, _store, main

FORMAT_CHOICE = click.Choice(["docx", "pdf", "html", "all"])


def _date(value: str, opt: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise click.ClickException(f"{opt} {value!r}: use YYYY-MM-DD") from exc


def _formats(fmts: tuple[str, ...]) -> tuple[str, ...]:
    from .reports import FORMATS

    if not fmts or "all" in fmts:
        return FORMATS
    return tuple(f for f in FORMATS if f in fmts)


def _run(ctx, period, fmts, out, template, lang, email, max_rows, as_json):
    from .reports import email_report, generate
    from .reports.templates import TemplateError

    s = _settings(ctx)
    with _store(s) as store:
        try:
            gen = generate(store, s, period, template=template, lang=lang, formats=_formats(fmts),
                           out_dir=Path(out) if out else None, max_rows=max_rows)
        except (TemplateError, ValueError) as exc:
            raise click.ClickException(str(exc)) from exc
        sent = []
        if email:
            try:
                sent = email_report(store, s, gen, email)
            except (RuntimeError, OSError) as exc:
                click.echo(f"warning: report written but not e-mailed: {exc}", err=True)
    if as_json:
        _echo_json({"id": gen.id, **gen.params, "emailed": sent})
        return
    click.echo(f"Report #{gen.id}: {period.label('vi')} — {gen.total} items (previous period "
               f"{gen.params['previous_items']})")
    for fmt, path in gen.files.items():
        click.echo(f"  {fmt}: {path}")
    if sent:
        click.echo(f"  e-mailed to {len(sent)} address(es) of role {email!r}")


def _common(f):
    for opt in reversed([
        click.option("--format", "fmts", type=FORMAT_CHOICE, multiple=True,
                     help="docx, pdf, html or all (repeatable; default all). A CSV of every item is always written."),
        click.option("--out", type=click.Path(file_okay=False), help="Directory (default DATA_DIR/reports)."),
        click.option("--template", default="state", show_default=True,
                     help="state (UBND → Sở) or party (Ban Chỉ đạo TTĐN), or a template in DATA_DIR/report_templates."),
        click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True),
        click.option("--email", metavar="ROLE", default=None,
                     help="Also e-mail DOCX and PDF to this role's list (SMTP and lists in DATA_DIR/notify.yaml)."),
        click.option("--max-rows", type=click.IntRange(1), default=300, show_default=True,
                     help="Items listed in the appendix (highest risk first when there are more; the CSV has all)."),
        click.option("--json", "as_json", is_flag=True, help="Print the stored parameters as JSON."),
    ]):
        f = opt(f)
    return f


@main.group("report")
def report():
    """Reports the offices file: daily press-coverage report and weekly / quarterly / 6-monthly / yearly
    reports, in DOCX, PDF and HTML (Vietnamese administrative layout; --lang en for English).
    Items count in the period they were published in (stored time when no publication date is known)."""


@report.command("daily")
@click.option("--date", "day", default=None, help="The day (YYYY-MM-DD, Vietnam time); default yesterday.")
@click.option("--day", "day_alias", default=None, hidden=True)
@_common
@click.pass_context
def report_daily(ctx, day, day_alias, fmts, out, template, lang, email, max_rows, as_json):
    """Báo cáo tổng hợp dư luận báo chí ngày dd/mm/yyyy."""
    from .reports import day as day_period, last_complete

    value = day or day_alias
    period = day_period(_date(value, "--date")) if value else last_complete("daily")
    _run(ctx, period, fmts, out, template, lang, email, max_rows, as_json)


@report.command("period")
@click.option("--from", "start", default=None, help="First day (YYYY-MM-DD).")
@click.option("--to", "end", default=None, help="Last day, included (YYYY-MM-DD).")
@click.option("--last", type=click.Choice(["weekly", "quarterly", "half_year", "yearly"]), default=None,
              help="Instead of --from/--to: the last complete week, quarter or half year; for yearly, 1 January "
                   "to yesterday (the plans want the year's report by 15/11).")
@_common
@click.pass_context
def report_period(ctx, start, end, last, fmts, out, template, lang, email, max_rows, as_json):
    """A report for any range of days (a week, quarter, half year or year is named as such), compared with the
    period just before it."""
    from .reports import last_complete, period_from_range

    if last:
        if start or end:
            raise click.ClickException("give either --last or --from/--to")
        period = last_complete(last)
    else:
        if not (start and end):
            raise click.ClickException("give --from and --to (YYYY-MM-DD), or --last weekly|quarterly|half_year|yearly")
        try:
            period = period_from_range(_date(start, "--from"), _date(end, "--to"))
        except ValueError as exc:
            raise click.ClickException(str(exc)) from exc
    _run(ctx, period, fmts, out, template, lang, email, max_rows, as_json)


@report.command("list")
@click.option("--limit", default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def report_list(ctx, limit, as_json):
    """Generated reports, newest first, with their parameters."""
    s = _settings(ctx)
    with _store(s) as store:
        rows = [dict(r) for r in store.conn.execute("SELECT * FROM reports ORDER BY id DESC LIMIT ?", (limit,))]
    for r in rows:
        r["params"] = json.loads(r["params"])
    if as_json:
        _echo_json(rows)
        return
    if not rows:
        click.echo("No reports yet: `presswatch report daily` or `presswatch report period`.")
    for r in rows:
        p = r["params"]
        click.echo(f"#{r['id']} {r['kind']:<9} {p.get('start')}..{p.get('end')} {p.get('template', '')}/{p.get('lang', '')}"
                   f" {p.get('items', '?')} items, as of {p.get('as_of', r['created_at'])}\n    {r['path']}")


@report.command("regenerate")
@click.argument("report_id", type=int)
@click.option("--out", type=click.Path(file_okay=False), help="Directory (default DATA_DIR/reports).")
@click.pass_context
def report_regenerate(ctx, report_id, out):
    """Write a stored report again from its parameters (same period, template, language and cut-off time)."""
    from .reports import regenerate

    s = _settings(ctx)
    with _store(s) as store:
        try:
            gen = regenerate(store, s, report_id, Path(out) if out else None)
        except KeyError as exc:
            raise click.ClickException(str(exc).strip("'\"")) from exc
    click.echo(f"Report #{gen.id} regenerates #{report_id}: {gen.total} items")
    for fmt, path in gen.files.items():
        click.echo(f"  {fmt}: {path}")
