"""Web sessions: who is signed in, idle expiry by the simulated clock, forced password change.

The session cookie is signed and holds only the submitter ID, a stamp of the password it was
opened with, and when it was last used. A password change anywhere (another browser, the API,
Customer Services) changes the stamp and so ends the session.
"""

from __future__ import annotations

from datetime import datetime, timedelta

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
SEEN_KEY = "last_seen"
PASSWORD_CHANGE_ENDPOINTS = frozenset({"account.change_password"})


def sign_in(account: AccountView) -> None:
    """Start a fresh session: nothing of the one before survives (no fixation)."""
    session.clear()
    session[USER_KEY] = account.user_id
    session[STAMP_KEY] = account.password_stamp
    session[SEEN_KEY] = runtime().clock.now().isoformat()
    session.permanent = False
    g.account = account


def sign_out(message: str | None = None) -> Response:
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
    if not user_id:
        return redirect(url_for("auth.login"))
    now = runtime().clock.now()
    idle_limit = timedelta(minutes=runtime().settings.site(site().code).session_idle_minutes)
    if now - datetime.fromisoformat(session.get(SEEN_KEY, now.isoformat())) > idle_limit:
        return sign_out("Your session expired after a period of inactivity. Please log in again.")
    try:
        account = runtime().accounts.resume(site().code, user_id)
    except InvalidCredentialsError:
        return sign_out()
    except (SessionExpiredError, AccountLockedError) as ended:
        return sign_out(ended.message)
    if account.password_stamp != session.get(STAMP_KEY):
        return sign_out("Your password was changed, so your session ended. Please log in again.")
    session[SEEN_KEY] = now.isoformat()
    g.account = account
    if account.needs_new_password and request.endpoint not in PASSWORD_CHANGE_ENDPOINTS:
        return redirect(url_for("account.change_password"))
    return None
