"""Web sessions: who is signed in, idle expiry by the simulated clock, forced password change.

The session cookie is signed and holds the submitter ID, a stamp of the password it was opened
with, and the token of its server-side session (:mod:`simulator.portal.sessions`). The
session is open while the server keeps it: logout, idle time, a lockout and a reset end it
there, so a saved copy of the cookie opens nothing afterwards. A password change anywhere
(another browser, the API, Customer Services) changes the stamp and ends it too.
"""

from __future__ import annotations

from flask import flash, g, redirect, request, session, url_for
from werkzeug.wrappers import Response

from simulator.portal.access import AccountView
from simulator.portal.errors import (
    AccountLockedError,
    InvalidCredentialsError,
    SessionExpiredError,
)
from simulator.web.context import runtime, site

USER_KEY = "user_id"
STAMP_KEY = "password_stamp"
TOKEN_KEY = "session_token"
PASSWORD_CHANGE_ENDPOINTS = frozenset({"account.change_password"})


def sign_in(account: AccountView) -> None:
    """Start a fresh session: nothing of the one before survives (no fixation)."""
    end_server_session()
    session.clear()
    session[USER_KEY] = account.user_id
    session[STAMP_KEY] = account.password_stamp
    session[TOKEN_KEY] = runtime().sessions.open(account)
    session.permanent = False
    g.account = account


def end_server_session() -> None:
    token = session.get(TOKEN_KEY)
    if isinstance(token, str):
        runtime().sessions.end(token)


def sign_out(message: str | None = None) -> Response:
    end_server_session()
    session.clear()
    if message:
        flash(message, "message")
    return redirect(url_for("auth.login"))


def current_account() -> AccountView | None:
    account: AccountView | None = g.get("account")
    return account


def require_sign_in() -> Response | None:
    """``before_request`` of every page that needs a signed-in submitter."""
    user_id = session.get(USER_KEY)
    token = session.get(TOKEN_KEY)
    if not user_id or not isinstance(token, str):
        return redirect(url_for("auth.login"))
    check = runtime().sessions.check(site().code, token)
    if check.idle:
        return sign_out("Your session expired after a period of inactivity. Please log in again.")
    try:
        account = runtime().accounts.resume(site().code, user_id)
    except InvalidCredentialsError:
        return sign_out()
    except (SessionExpiredError, AccountLockedError) as ended:
        return sign_out(ended.message)
    if check.user_pk != account.pk:
        return sign_out()
    if account.locked:
        runtime().sessions.end_all(account)
        return sign_out("Your submitter ID is suspended, so your session ended.")
    if account.password_stamp != session.get(STAMP_KEY):
        return sign_out("Your password was changed, so your session ended. Please log in again.")
    g.account = account
    if account.needs_new_password and request.endpoint not in PASSWORD_CHANGE_ENDPOINTS:
        return redirect(url_for("account.change_password"))
    return None
