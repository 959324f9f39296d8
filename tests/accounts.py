"""Signing tests in: every web test client acts as a PMO admin unless a test says otherwise.

`as_admin(client)` gives an in-process client an admin's API token; `cli_token(env)`
makes an account and a token through the `kb users` CLI for a served process, as a
script would; `session_cookie(kb)` signs a browser in."""

from __future__ import annotations

import subprocess
import sys
from contextlib import contextmanager

from kb import accounts
from kb.access import Audience, Role

TEST_ADMIN = "pmo-test"


def user_token(kb, name: str = TEST_ADMIN, role: Role = Role.ADMIN, groups: tuple[str, ...] = ()) -> str:
    """An API token for `name`, made with the account if it does not exist (no password: quick to make)."""
    with kb.session() as session:
        if accounts.user_named(session=session, name=name) is None:
            accounts.add_user(session=session, name=name, role=role, password=None, groups=groups)
        return accounts.new_api_token(session=session, name=name)


def as_admin(client):
    """`client` (a TestClient), sending a PMO admin's token with every request."""
    client.headers["Authorization"] = f"Bearer {user_token(client.app.state.services.kb)}"
    return client


def session_cookie(kb, name: str = TEST_ADMIN) -> str:
    """The value of a signed-in PMO admin's session cookie (web.auth.SESSION_COOKIE)."""
    user_token(kb, name)
    with kb.session() as session:
        user = accounts.user_named(session=session, name=name)
        return accounts.start_session(session=session, user=user, hours=12)


def cli_token(env: dict, cwd, name: str = "kb-bench") -> str:
    """A PMO admin account and its API token made through `kb users`, for a served `kb` process."""
    kb = [sys.executable, "-m", "cli.main", "users"]
    subprocess.run([*kb, "add", name, "--role", "admin", "--password-stdin"], input="bench-password\n",
                   env=env, cwd=cwd, text=True, check=True, capture_output=True)
    return subprocess.run([*kb, "token", name], env=env, cwd=cwd, text=True, check=True,
                          capture_output=True).stdout.strip()


@contextmanager
def acting_as(client, audience: Audience):
    """`client`'s requests as `audience`, whatever its token says (the app's sign-in decides otherwise)."""
    import web.deps

    client.app.dependency_overrides[web.deps.get_audience] = lambda: audience
    try:
        yield client
    finally:
        client.app.dependency_overrides.pop(web.deps.get_audience, None)
