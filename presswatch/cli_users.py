"""``presswatch users add|list|set-role|set-password``: accounts for the web review queue.

The first account is created from the command line on the server (there is no sign-up page):

    presswatch users add admin --role admin        # asks for the password twice

Roles (plans-digest §5.2): admin, monitor, sector_officer, leader, propaganda_lead, security_liaison,
foreign_affairs, military_liaison, media_editor, auditor. Every change is written to the audit log."""
from __future__ import annotations

import getpass

import click

from .cli import _echo_json, _settings, _store, main


def _actor() -> str:
    return "cli:" + getpass.getuser()


def _read_password(from_stdin: bool) -> str:
    """One line from standard input (scripts), else a hidden prompt asked twice."""
    if from_stdin:
        return click.get_text_stream("stdin").readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@main.group()
def users():
    """Accounts and roles for the web review queue (first admin: `presswatch users add NAME --role admin`)."""


@users.command("add")
@click.argument("username")
@click.option("--role", required=True, help="admin, monitor, sector_officer, leader, propaganda_lead, "
              "security_liaison, foreign_affairs, military_liaison, media_editor, auditor")
@click.option("--department", default=None, help="Department id from thresholds.yaml (routing), e.g. bql_kcn.")
@click.option("--area", "areas", multiple=True, help="Province id the user covers (repeatable).")
@click.option("--topic", "topics", multiple=True, help="Topic id the user covers (repeatable).")
@click.option("--email", default=None, help="Address for alert notifications.")
@click.option("--name", "display_name", default=None)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input (scripts).")
@click.pass_context
def users_add(ctx, username, role, department, areas, topics, email, display_name, password_stdin):
    """Create an account (the password is asked for, or read from stdin with --password-stdin)."""
    from .auth import add_user

    password = _read_password(password_stdin)
    s = _settings(ctx)
    with _store(s) as store:
        try:
            add_user(store, username, password, role, actor=_actor(), department=department, areas=areas,
                     topics=topics, email=email, display_name=display_name)
        except ValueError as exc:
            raise click.ClickException(str(exc))
    click.echo(f"User {username} ({role}) created. Log in at http://{s.web_host}:{s.web_port}/login")


@users.command("list")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def users_list(ctx, as_json):
    """List accounts (never their password hashes)."""
    from .auth import list_users

    s = _settings(ctx)
    with _store(s) as store:
        rows = [{"username": u.username, "role": u.role, "department": u.department, "areas": u.areas,
                 "topics": u.topics, "email": u.email} for u in list_users(store)]
    if as_json:
        _echo_json(rows)
        return
    if not rows:
        click.echo("No users yet: create the first admin with `presswatch users add NAME --role admin`.")
    for r in rows:
        click.echo(f"{r['username']:<20} {r['role']:<17} {r['department'] or '—'}")


@users.command("set-role")
@click.argument("username")
@click.argument("role")
@click.option("--department", default=None)
@click.pass_context
def users_set_role(ctx, username, role, department):
    """Change a user's role (and department)."""
    from .auth import set_role

    s = _settings(ctx)
    with _store(s) as store:
        try:
            set_role(store, username, role, actor=_actor(), department=department)
        except (ValueError, KeyError) as exc:
            raise click.ClickException(str(exc).strip("'\""))
    click.echo(f"{username} → {role}")


@users.command("set-password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True)
@click.pass_context
def users_set_password(ctx, username, password_stdin):
    """Set a new password (ends the user's sessions and lifts a lockout)."""
    from .auth import set_password

    password = _read_password(password_stdin)
    s = _settings(ctx)
    with _store(s) as store:
        try:
            set_password(store, username, password, actor=_actor())
        except (ValueError, KeyError) as exc:
            raise click.ClickException(str(exc).strip("'\""))
    click.echo(f"Password of {username} changed")
