"""Login, logout, the Welcome page, password change and the forgotten-password steps."""

from __future__ import annotations

from flask import redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue

from simulator.errors import RefusalError
from simulator.portal.errors import PasswordPolicyError
from simulator.web.context import runtime, site
from simulator.web.forms import (
    ForgotPasswordForm,
    LoginForm,
    ResetPasswordForm,
    SecurityAnswersForm,
    text,
)
from simulator.web.operations import Door
from simulator.web.pages import form_page
from simulator.web.refusals import refused
from simulator.web.sessions import USER_KEY, sign_in, sign_out

blueprint = Door("auth", __name__, channel="web")
RESET_USER_KEY = "reset_user_id"
RESET_VERIFIED_KEY = "reset_verified"


@blueprint.route("/login", methods=["GET", "POST"], operation="login", journaled=["POST"])
def login() -> ResponseReturnValue:
    form = LoginForm()

    def act() -> ResponseReturnValue:
        account = runtime().accounts.authenticate(
            site().code, text(form.user_id), text(form.password)
        )
        sign_in(account)
        if account.needs_new_password:
            return redirect(url_for("account.change_password"))
        return redirect(url_for("account.welcome"))

    return form_page("login.html", form, act)


@blueprint.route("/logout", methods=["GET", "POST"], operation="logout", journaled=["POST"])
def logout() -> ResponseReturnValue:
    """POST (with the CSRF token, checked before this runs) ends the session on the server.

    GET only shows the Logout button: a link or an image on another site could make a
    browser GET this page, and that must not end anyone's session.
    """
    if request.method == "POST":
        return sign_out("You have logged out.")
    if session.get(USER_KEY) is None:
        return redirect(url_for("auth.login"))
    return render_template("logout.html")


@blueprint.route(
    "/password/forgot", methods=["GET", "POST"], operation="password_reset", journaled=["POST"]
)
def forgot_password() -> ResponseReturnValue:
    form = ForgotPasswordForm()

    def act() -> ResponseReturnValue:
        runtime().accounts.security_questions(site().code, text(form.user_id))
        session.clear()
        session[RESET_USER_KEY] = text(form.user_id)
        return redirect(url_for("auth.forgot_answers"))

    return form_page("password_forgot.html", form, act)


@blueprint.route(
    "/password/forgot/answers",
    methods=["GET", "POST"],
    operation="password_reset",
    journaled=["POST"],
)
def forgot_answers() -> ResponseReturnValue:
    user_id = session.get(RESET_USER_KEY)
    if not user_id:
        return redirect(url_for("auth.forgot_password"))
    form = SecurityAnswersForm()
    try:
        questions = runtime().accounts.security_questions(site().code, user_id)
    except RefusalError as refusal:
        return render_template(
            "password_forgot.html", form=ForgotPasswordForm(), error=refusal.message
        ), refused(refusal)

    def act() -> ResponseReturnValue:
        answers = (text(form.answer_1), text(form.answer_2))
        runtime().accounts.verify_answers(site().code, user_id, answers)
        session[RESET_VERIFIED_KEY] = user_id
        return redirect(url_for("auth.forgot_reset"))

    return form_page("password_answers.html", form, act, questions=questions)


@blueprint.route(
    "/password/forgot/reset",
    methods=["GET", "POST"],
    operation="password_reset",
    journaled=["POST"],
)
def forgot_reset() -> ResponseReturnValue:
    user_id = session.get(RESET_VERIFIED_KEY)
    if not user_id:
        return redirect(url_for("auth.forgot_password"))
    form = ResetPasswordForm()

    def act() -> ResponseReturnValue:
        require_confirmation(text(form.new_password), text(form.confirm_password))
        runtime().accounts.reset_password(site().code, user_id, text(form.new_password))
        return sign_out("Your password was reset. Log in with your new password.")

    return form_page("password_reset.html", form, act)


def require_confirmation(new_password: str, confirmation: str) -> None:
    if new_password != confirmation:
        raise PasswordPolicyError("The new password and its confirmation do not match.")
