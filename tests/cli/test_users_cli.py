"""`kb users` (issue 11): the account forms scripts call, and the PMO admin the first `kb serve` creates."""

from __future__ import annotations

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from kb.settings import Settings


@pytest.fixture
def users(tmp_path, monkeypatch):
    """Runs `kb users ...` in-process against a data directory under tmp_path."""
    from cli.main import app

    for key in ("KB_DATABASE_URL", "KB_CHROMA_URL", "KB_ADMIN_PASSWORD"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("KB_DATA_DIR", str(tmp_path / "data"))
    runner = CliRunner()

    def run(*args: str, input: str | None = None):
        return runner.invoke(app, ["users", *args], input=input)
    return run


def test_add_list_token_and_disable(users, tmp_path):
    from kb import accounts
    from kb.db import Session, create_db_engine

    added = users("add", "vic", "--role", "viewer", "--groups", "ops, finance", "--password-stdin",
                  input="a long password\n")
    assert added.exit_code == 0 and "Added vic (viewer)" in added.output
    assert users("add", "pam", "--role", "pm", input="another password\nanother password\n").exit_code == 0
    listed = users("list")
    assert listed.exit_code == 0
    assert listed.output.splitlines() == ["pam\tpm\t-\tactive", "vic\tviewer\tfinance,ops\tactive"]

    token = users("token", "vic").output.strip()
    assert token.startswith("kb_") and len(token) > 40
    engine = create_db_engine(Settings(data_dir=tmp_path / "data", _env_file=None))
    with Session(engine) as session:
        assert accounts.user_for_api_token(session=session, token=token).name == "vic"
        assert accounts.check_password(session=session, name="vic", password="a long password").role == "viewer"
        assert token not in str(session.exec(select(accounts.ApiToken.token_hash)).all())  # only its hash

    assert users("disable", "vic").exit_code == 0
    assert "vic\tviewer\tfinance,ops\tdisabled" in users("list").output
    with Session(engine) as session:
        assert accounts.user_for_api_token(session=session, token=token) is None
        logged = [(e.actor, e.target) for e in accounts.audit_events(session=session, action="user").events]
    assert logged == [("kb users", "disable vic"), ("kb users", "token vic"), ("kb users", "add pam"),
                      ("kb users", "add vic")]


@pytest.mark.parametrize("args, stdin, message", [
    (("add", "vic", "--role", "boss", "--password-stdin"), "a long password\n", "is not a role"),
    (("add", "vic", "--role", "viewer", "--password-stdin"), "short\n", "too short"),
    (("add", "no spaces", "--role", "viewer", "--password-stdin"), "a long password\n", "not a usable user name"),
    (("disable", "nobody"), None, "no user named 'nobody'"),
    (("token", "nobody"), None, "no user named 'nobody'"),
])
def test_bad_requests_say_what_to_do_and_change_nothing(users, args, stdin, message):
    result = users(*args, input=stdin)
    assert result.exit_code != 0
    assert message in str(result.exception) + result.output
    assert "vic" not in users("list").output


def test_a_taken_name_is_refused(users):
    users("add", "vic", "--role", "viewer", "--password-stdin", input="a long password\n")
    again = users("add", "vic", "--role", "admin", "--password-stdin", input="a long password\n")
    assert again.exit_code != 0 and "already a user named 'vic'" in str(again.exception) + again.output
    assert "vic\tviewer" in users("list").output


def test_the_first_start_creates_the_pmo_admin_once(tmp_path, capsys):
    from cli.main import first_admin
    from kb import accounts
    from kb.db import Session, create_db_engine

    settings = Settings(data_dir=tmp_path / "data", _env_file=None)
    first_admin(settings)
    shown = capsys.readouterr().out
    password = shown.split("one-time password ", 1)[1].split(" ", 1)[0]
    first_admin(settings)  # a second start creates nothing and shows nothing
    assert "admin" not in capsys.readouterr().out
    with Session(create_db_engine(settings)) as session:
        admin = accounts.check_password(session=session, name="admin", password=password)
        assert admin is not None and admin.role == "admin"
        assert len(accounts.list_users(session=session)) == 1


def test_the_first_admin_takes_its_password_from_the_setting(tmp_path, capsys):
    from cli.main import first_admin
    from kb import accounts
    from kb.db import Session, create_db_engine

    settings = Settings(data_dir=tmp_path / "data", admin_password="from the environment", _env_file=None)
    first_admin(settings)
    shown = capsys.readouterr().out
    assert "KB_ADMIN_PASSWORD" in shown and "from the environment" not in shown
    with Session(create_db_engine(settings)) as session:
        assert accounts.check_password(session=session, name="admin", password="from the environment")


def test_an_admin_sets_a_new_password_and_the_old_one_and_its_sessions_stop_working(users, tmp_path):
    from kb import accounts
    from kb.db import Session, create_db_engine

    users("add", "vic", "--role", "viewer", "--password-stdin", input="a long password\n")
    engine = create_db_engine(Settings(data_dir=tmp_path / "data", _env_file=None))
    with Session(engine) as session:
        cookie = accounts.start_session(session=session, user=accounts.get_user(session=session, name="vic"), hours=1)
    changed = users("password", "vic", input="a new long password\na new long password\n")
    assert changed.exit_code == 0 and "Set a new password for vic" in changed.output
    with Session(engine) as session:
        assert accounts.check_password(session=session, name="vic", password="a long password") is None
        assert accounts.check_password(session=session, name="vic", password="a new long password").name == "vic"
        assert accounts.user_for_session(session=session, token=cookie) is None
        assert accounts.audit_events(session=session, action="user").events[0].target == "password vic"
    unknown = users("password", "nobody", "--password-stdin", input="a new long password\n")
    assert unknown.exit_code != 0 and "no user named 'nobody'" in str(unknown.exception) + unknown.output
    short = users("password", "vic", "--password-stdin", input="short\n")
    assert short.exit_code != 0 and "too short" in str(short.exception) + short.output
    with Session(engine) as session:  # the refused change changed nothing
        assert accounts.check_password(session=session, name="vic", password="a new long password").name == "vic"
