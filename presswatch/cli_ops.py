"""Operations commands: backup, restore, prune."""
from __future__ import annotations

from pathlib import Path

import click

from .cli import _settings, _store, main


@main.command("backup")
@click.argument("dest", type=click.Path(file_okay=False))
@click.pass_context
def backup_cmd(ctx, dest):
    """Back up the store (online), configuration and models into a new folder under DEST."""
    from .backup import BackupError, backup

    s = _settings(ctx)
    try:
        out = backup(s, dest)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Backup written: {out}")


@main.command("restore")
@click.argument("src", type=click.Path(exists=True, file_okay=False))
@click.option("--force", is_flag=True, help="Replace an existing store in the data directory.")
@click.pass_context
def restore_cmd(ctx, src, force):
    """Restore a backup into the data directory, then rebuild the search index from it."""
    from .backup import BackupError, restore
    from .service import reindex

    s = _settings(ctx)
    try:
        manifest = restore(src, s, force=force)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    with _store(s) as store:
        n = reindex(store, s)
    click.echo(f"Restored {manifest['counts']['documents']} documents (backup of {manifest['created_at']}); "
               f"index rebuilt with {n} documents")


@main.command("process")
@click.option("--json", "as_json", is_flag=True, help="Print the counts as one JSON object.")
@click.pass_context
def process_cmd(ctx, as_json):
    """Process the fetched documents waiting in the store, then index them. Several of these (or Prefect
    workers) may run at once, on one machine or several sharing a Postgres store: each claims its own
    batches (presswatch/storage.py claim_pending), so no document is processed twice."""
    import json

    from .service import process_now
    from .storage import worker_id

    s = _settings(ctx)
    with _store(s) as store:
        result = process_now(store, s)
    if as_json:
        click.echo(json.dumps({"worker": worker_id(), **{k: v for k, v in result.items() if k != "errors"},
                               "errors": len(result.get("errors") or [])}))
    else:
        click.echo(f"Processed {result['processed']}, duplicates {result['duplicates']}, alerts raised "
                   f"{result['alerts']}, indexed {result['indexed']}")


@main.group("store")
def store_group():
    """The system of record: copy it to another engine (SQLite ↔ Postgres)."""


@store_group.command("copy")
@click.option("--to", "target", required=True,
              help="An empty Postgres database (postgresql://user:pw@host:5432/name) or a new SQLite file path.")
@click.pass_context
def store_copy(ctx, target):
    """Copy every row of the configured store into an empty other one — e.g. from the SQLite file to Postgres
    when an office scales out (docs/scaling.md). The source keeps working meanwhile; the copy is one
    consistent snapshot of it. Then set PRESSWATCH_DATABASE_URL to the new store and run `presswatch reindex`."""
    from . import db
    from .backup import BackupError, copy_store
    from .storage import Store

    s = _settings(ctx)
    if not db.is_postgres(target) and Path(target).exists():
        raise click.ClickException(f"{target} already exists; give a new file name (the copy never overwrites)")
    last: dict[str, int] = {}

    def progress(table, n):
        if n - last.get(table, 0) >= 50_000:
            last[table] = n
            click.echo(f"  {table}: {n}…", err=True)

    with _store(s) as src, Store(target) as dst:
        try:
            counts = copy_store(src, dst, progress=progress)
        except BackupError as exc:
            raise click.ClickException(str(exc)) from exc
        where = dst.location
    click.echo(f"Copied {sum(counts.values())} rows ({counts.get('documents', 0)} documents) into {where}.")
    click.echo("Next: set PRESSWATCH_DATABASE_URL (or database_url) to it, then run `presswatch reindex`.")


@main.command("prune")
@click.option("--raw-older-than", "days", type=int, required=True, help="Drop raw page bytes older than DAYS days.")
@click.option("--include-alerted", is_flag=True, help="Also drop the evidence behind alerts (default: keep it).")
@click.pass_context
def prune_cmd(ctx, days, include_alerted):
    """Retention: drop old raw snapshots' bytes (their checksum and metadata stay)."""
    from .backup import prune_raw

    s = _settings(ctx)
    with _store(s) as store:
        n = prune_raw(store, days, keep_alerted=not include_alerted)
    click.echo(f"Dropped the raw bytes of {n} snapshot(s) older than {days} days")
