"""`kb users`: the accounts that may sign in to the web app and its API.

The forms are fixed, as scripts call them: `kb users add NAME --role viewer|pm|admin
[--groups a,b] [--password-stdin]`, `kb users list`, `kb users disable NAME` and
`kb users token NAME`."""

from __future__ import annotations

import sys

import typer

CLI = "kb users"
"""Who the audit log names for account changes made on the command line."""

users = typer.Typer(help="Accounts for the web app and its JSON API: add, list, disable, and API tokens.",
                    no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(users, name="users")


def _accounts_session():
    """A session on the SQL database alone: managing accounts needs neither the model nor the vector index."""
    from kb.db import Session, create_db_engine
    from kb.settings import Settings

    return Session(create_db_engine(Settings()), expire_on_commit=False)


@users.command("add")
def add(
    name: str = typer.Argument(..., help="The sign-in name (or what the single sign-on proxy sends)."),
    role: str = typer.Option(..., "--role", help="viewer (search and read), pm (also kickoff packs, feedback, "
                                                 "uploads) or admin (the PMO: everything, users included)."),
    groups: str = typer.Option("", "--groups", metavar="A,B", help="Groups, comma-separated, for sharing "
                                                                   "confidential projects."),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from the first line "
                                                                        "of standard input (for scripts)."),
) -> None:
    """Add an account; the password is prompted for unless --password-stdin is given."""
    from kb import accounts

    accounts.parse_role(role)  # a wrong role fails before anyone types a password
    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else \
        typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    with _accounts_session() as session:
        user = accounts.add_user(session=session, name=name, role=role, password=password,
                                 groups=accounts.parse_groups(groups))
        accounts.record(session=session, actor=CLI, action="user", target=f"add {name}",
                        after={"role": user.role, "groups": user.groups})
    typer.echo(f"Added {user.name} ({user.role}).")


@users.command("list")
def list_() -> None:
    """Every account: name, role, groups, and whether it is disabled."""
    from kb import accounts

    with _accounts_session() as session:
        found = accounts.list_users(session=session)
    if not found:
        typer.echo("No accounts yet: the first `kb serve` creates the PMO admin `admin`.")
    for user in found:
        state = "disabled" if user.disabled else "active"
        typer.echo(f"{user.name}\t{user.role}\t{','.join(user.groups or []) or '-'}\t{state}")


@users.command("disable")
def disable(name: str = typer.Argument(...)) -> None:
    """Disable an account: its sign-ins end and its API tokens stop working at once."""
    from kb import accounts

    with _accounts_session() as session:
        accounts.disable_user(session=session, name=name)
        accounts.record(session=session, actor=CLI, action="user", target=f"disable {name}",
                        before={"disabled": False}, after={"disabled": True})
    typer.echo(f"Disabled {name}; its sessions and API tokens no longer work.")


@users.command("token")
def token(name: str = typer.Argument(...)) -> None:
    """Print a new API token for NAME, for `Authorization: Bearer TOKEN`. It is shown only this once."""
    from kb import accounts

    with _accounts_session() as session:
        token = accounts.new_api_token(session=session, name=name)
        accounts.record(session=session, actor=CLI, action="user", target=f"token {name}")
    typer.echo(token)
