"""Operations commands: backup, restore, prune."""
from __future__ import annotations

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
