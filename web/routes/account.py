"""Signing in and out, and the PMO's audit log (/audit, /audit.csv)."""

from __future__ import annotations

import math
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse

from kb import accounts
from kb.i18n import N_, _
from web.audit import actor, record
from web.auth import SESSION_COOKIE, session_token
from web.deps import KBDep, SessionDep, SettingsDep
from web.forms import local_path
from web.routes.insights import csv_response
from web.templating import render

router = APIRouter(include_in_schema=False)

AUDIT_PAGE = 50
CSV_ROWS = 100_000
"""The newest events a CSV export holds, so one request never reads an unbounded log."""
AUDIT_COLUMNS = (N_("at (UTC)"), N_("who"), N_("action"), N_("target"), N_("before"), N_("after"))
"""The audit CSV's header, in the reader's language; the rows keep the stored (English) action names."""
FAILED = N_("That name and password do not match an enabled account. Check both and try again.")
PAUSED = N_("%(tries)s sign-ins with this name have failed from this computer in the last few minutes, so its "
            "password is not checked for %(minutes)s more minutes. Wait, or ask a PMO admin to check the account.")
PAUSED_ADDRESS = N_("%(tries)s sign-ins have failed from this computer's network address in the last few minutes, "
                    "whatever the names, so no password is checked from there for %(minutes)s more minutes. Wait, or "
                    "sign in from another network; if many people share this address, ask a PMO admin.")


@router.get("/sign-in")
def sign_in_page(request: Request, next: str = Query("/", max_length=2000)):
    return render(request, "sign_in.html", next_url=local_path(next, "/"), name="", error=None)


@router.post("/sign-in")
def sign_in(request: Request, kb: KBDep, settings: SettingsDep, name: Annotated[str, Form(max_length=64)] = "",
            password: Annotated[str, Form(max_length=1000)] = "", next: Annotated[str, Form(max_length=2000)] = "/"):
    name = name.strip()
    address = request.client.host if request.client else ""
    with kb.session() as session:
        pause, by_address = accounts.sign_in_wait(session=session, name=name, address=address)
        if pause is None:  # recorded before its password is checked, so attempts sent at once are counted too
            attempt, pause, by_address = accounts.attempt_sign_in(session=session, name=name, address=address)
        if pause is not None:
            message, tries = (PAUSED_ADDRESS, accounts.ADDRESS_TRIES) if by_address else \
                (PAUSED, accounts.SIGN_IN_TRIES)
            minutes = max(1, math.ceil(pause.total_seconds() / 60))
            reply = render(request, "sign_in.html", status_code=429, next_url=local_path(next, "/"), name=name,
                           error=_(message) % {"tries": tries, "minutes": minutes})
            reply.headers["Retry-After"] = str(math.ceil(pause.total_seconds()))
            return reply
        user = accounts.check_password(session=session, name=name, password=password) if name else None
        if user is None:
            return render(request, "sign_in.html", status_code=401, next_url=local_path(next, "/"), name=name,
                          error=_(FAILED))
        token = accounts.start_session(session=session, user=user, hours=settings.session_hours)
        accounts.signed_in(session=session, attempt=attempt, user=user)
    response = RedirectResponse(local_path(next, "/"), status_code=303)
    response.set_cookie(SESSION_COOKIE, token, max_age=int(settings.session_hours * 3600), httponly=True,
                        samesite="lax", secure=request.url.scheme == "https", path="/")
    return response


@router.post("/sign-out")
def sign_out(request: Request, kb: KBDep):
    token = session_token(request.headers)
    if token:
        with kb.session() as session:
            accounts.end_session(session=session, token=token)
        record(request, "sign-out", target=actor(request) or "")
    response = RedirectResponse("/sign-in", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/audit")
def audit_page(request: Request, session: SessionDep, action: str = Query("", max_length=40),
               page: int = Query(1, ge=1, le=10_000)):
    found = accounts.audit_events(session=session, action=action or None, limit=AUDIT_PAGE,
                                  offset=(page - 1) * AUDIT_PAGE)
    pages = max(1, -(-found.total // AUDIT_PAGE))
    return render(request, "audit.html", events=found.events, total=found.total, action=action,
                  actions=accounts.AUDIT_ACTIONS, page=page, pages=pages)


@router.get("/audit.csv")
def audit_csv(session: SessionDep, action: str = Query("", max_length=40)):
    found = accounts.audit_events(session=session, action=action or None, limit=CSV_ROWS)
    rows = [[_(name) for name in AUDIT_COLUMNS]]
    rows += [[e.at.isoformat(timespec="seconds"), e.actor or "", e.action, e.target, _json(e.before), _json(e.after)]
             for e in found.events]
    return csv_response(rows, "audit.csv")


def _json(value) -> str:
    import json

    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)
