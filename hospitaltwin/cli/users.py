"""``hospitaltwin users add|token|list|remove``: the accounts of the live service, in its store.

``add`` reads the password from standard input with ``--password-stdin`` (scripts), or asks
for it twice on a terminal; ``token`` prints a new API token alone on stdout, once (only its
digest is kept). Every change is written to the store's audit table.
"""

from __future__ import annotations

import sys

import typer

from hospitaltwin.cli.common import app, command, out
from hospitaltwin.core.errors import HospitaltwinError

users_app = typer.Typer(help="Accounts of the live service (hospitaltwin serve).", no_args_is_help=True)
app.add_typer(users_app, name="users")
STORE_HELP = "sqlite:///twin.db (or a path) or postgresql+psycopg://USER:PASS@HOST/DB."


def _engine(url: str):
    from hospitaltwin.store import Store

    return Store.open(url)


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise HospitaltwinError("give the password on standard input with --password-stdin")
    import getpass

    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise HospitaltwinError("the two passwords differ")
    return first


@command("add", on=users_app)
def add_command(
    name: str = typer.Argument(..., metavar="NAME", help="User name (letters, digits, '.', '-', '_')."),
    role: str = typer.Option(..., "--role", metavar="ROLE", help="viewer, analyst or admin."),
    store: str = typer.Option(..., "--store", help=STORE_HELP),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from stdin."),
) -> None:
    """Add a user with a role and a password (at least 12 characters)."""
    from hospitaltwin.service.auth import create_user

    password = _password(password_stdin)
    with _engine(store) as twin:
        user = create_user(twin.engine, name, role, password, actor="cli")
    out.print(f"user {user.name} added ({user.role})", markup=False, highlight=False)


@command("token", on=users_app)
def token_command(
    name: str = typer.Argument(..., metavar="NAME", help="The user's name."),
    store: str = typer.Option(..., "--store", help=STORE_HELP),
) -> None:
    """Print a new API token for a user (shown once; use it as 'Authorization: Bearer TOKEN')."""
    from hospitaltwin.service.auth import issue_token

    with _engine(store) as twin:
        token = issue_token(twin.engine, name, actor="cli")
    sys.stdout.write(token + "\n")


@command("list", on=users_app)
def list_command(store: str = typer.Option(..., "--store", help=STORE_HELP)) -> None:
    """List the users, their roles and last logins."""
    from rich.table import Table

    from hospitaltwin.store.accounts import list_users

    with _engine(store) as twin, twin.engine.connect() as conn:
        rows = list_users(conn)
    table = Table(title="Users", title_justify="left")
    for column in ("name", "role", "created", "last login", "locked until"):
        table.add_column(column)
    for u in rows:
        table.add_row(u.name, u.role, f"{u.created:%Y-%m-%d %H:%M}",
                      f"{u.last_login:%Y-%m-%d %H:%M}" if u.last_login else "never",
                      f"{u.locked_until:%Y-%m-%d %H:%M}" if u.locked_until else "")
    out.print(table)


@command("remove", on=users_app)
def remove_command(
    name: str = typer.Argument(..., metavar="NAME", help="The user's name."),
    store: str = typer.Option(..., "--store", help=STORE_HELP),
) -> None:
    """Remove a user and every token and session of theirs."""
    from hospitaltwin.service.auth import delete_user

    with _engine(store) as twin:
        delete_user(twin.engine, name, actor="cli")
    out.print(f"user {name} removed", markup=False, highlight=False)
