"""`kb users`: the accounts that may sign in to the web app and its API.

The forms are fixed, as scripts call them: `kb users add NAME --role viewer|pm|admin
[--groups a,b] [--password-stdin]`, `kb users list`, `kb users disable NAME`,
`kb users password NAME [--password-stdin]` and `kb users token NAME`."""

from __future__ import annotations

import sys

import typer

from kb.i18n import N_, _

CLI = "kb users"
"""Who the audit log names for account changes made on the command line."""

users = typer.Typer(help=N_("Accounts for the web app and its JSON API: add, list, disable, new passwords, and API "
                            "tokens."),
                    no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(users, name="users")


def _accounts_session():
    """A session on the SQL database alone: managing accounts needs neither the model nor the vector index."""
    from kb.db import Session, create_db_engine
    from kb.settings import Settings

    return Session(create_db_engine(Settings()), expire_on_commit=False)


@users.command("add", help=N_("Add an account; the password is prompted for unless --password-stdin is given."))
def add(
    name: str = typer.Argument(..., help=N_("The sign-in name (or what the single sign-on proxy sends).")),
    role: str = typer.Option(..., "--role", help=N_("viewer (search and read), pm (also kickoff packs, feedback, "
                                                    "uploads) or admin (the PMO: everything, users included).")),
    groups: str = typer.Option("", "--groups", metavar="A,B", help=N_("Groups, comma-separated, for sharing "
                                                                      "confidential projects.")),
    password_stdin: bool = typer.Option(False, "--password-stdin", help=N_("Read the password from the first line "
                                                                           "of standard input (for scripts).")),
) -> None:
    from kb import accounts

    accounts.parse_role(role)  # a wrong role fails before anyone types a password
    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else \
        typer.prompt(_("Password"), hide_input=True, confirmation_prompt=_("Repeat for confirmation"))
    with _accounts_session() as session:
        user = accounts.add_user(session=session, name=name, role=role, password=password,
                                 groups=accounts.parse_groups(groups))
        accounts.record(session=session, actor=CLI, action="user", target=f"add {name}",
                        after={"role": user.role, "groups": user.groups})
    typer.echo(_("Added %(name)s (%(role)s).") % {"name": user.name, "role": user.role})


@users.command("list", help=N_("Every account: name, role, groups, and whether it is disabled (one a line, "
                                "separated by tabs)."))
def list_() -> None:
    from kb import accounts

    with _accounts_session() as session:
        found = accounts.list_users(session=session)
    if not found:
        typer.echo(_("No accounts yet: the first `kb serve` creates the PMO admin `admin`."))
    for user in found:
        # the role stays the word --role takes; the state is for people and reads in their language
        state = _("disabled") if user.disabled else _("active")
        typer.echo(f"{user.name}\t{user.role}\t{','.join(user.groups or []) or '-'}\t{state}")


@users.command("disable", help=N_("Disable an account: its sign-ins end and its API tokens stop working at once."))
def disable(name: str = typer.Argument(..., help=N_("The account's sign-in name."))) -> None:
    from kb import accounts

    with _accounts_session() as session:
        accounts.disable_user(session=session, name=name)
        accounts.record(session=session, actor=CLI, action="user", target=f"disable {name}",
                        before={"disabled": False}, after={"disabled": True})
    typer.echo(_("Disabled %(name)s; its sessions and API tokens no longer work.") % {"name": name})


@users.command("password", help=N_("Set a new password for NAME (prompted for unless --password-stdin is given). "
                                    "Its sign-ins end at once; its API tokens keep working."))
def password(
    name: str = typer.Argument(..., help=N_("The account's sign-in name.")),
    password_stdin: bool = typer.Option(False, "--password-stdin", help=N_("Read the password from the first line "
                                                                           "of standard input (for scripts).")),
) -> None:
    from kb import accounts

    with _accounts_session() as session:
        accounts.get_user(session=session, name=name)  # an unknown name fails before anyone types a password
        new = sys.stdin.readline().rstrip("\r\n") if password_stdin else \
            typer.prompt(_("Password"), hide_input=True, confirmation_prompt=_("Repeat for confirmation"))
        accounts.set_password(session=session, name=name, password=new, actor=CLI)
    typer.echo(_("Set a new password for %(name)s; its earlier sign-ins have ended.") % {"name": name})


@users.command("token", help=N_("Print a new API token for NAME, for `Authorization: Bearer TOKEN`. It is shown "
                                 "only this once."))
def token(name: str = typer.Argument(..., help=N_("The account's sign-in name."))) -> None:
    from kb import accounts

    with _accounts_session() as session:
        token = accounts.new_api_token(session=session, name=name)
        accounts.record(session=session, actor=CLI, action="user", target=f"token {name}")
    typer.echo(token)
