"""Pages of a signed-in submitter: Welcome, password change, Profile, Security Information."""

from __future__ import annotations

from dataclasses import asdict

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue

from simulator.portal.access import AccountView, ProfileChange
from simulator.web.auth import require_confirmation
from simulator.web.context import runtime, site
from simulator.web.forms import ChangePasswordForm, ProfileForm, SecurityInformationForm, text
from simulator.web.pages import form_page
from simulator.web.sessions import current_account, require_sign_in, sign_in, sign_out

blueprint = Blueprint("account", __name__)
blueprint.before_request(require_sign_in)


def _account() -> AccountView:
    account = current_account()
    if account is None:
        raise RuntimeError("require_sign_in did not run")
    return account


@blueprint.get("/welcome")
def welcome() -> ResponseReturnValue:
    return render_template("welcome.html", account=_account())


@blueprint.route("/password/change", methods=["GET", "POST"])
def change_password() -> ResponseReturnValue:
    form = ChangePasswordForm()
    account = _account()

    def act() -> ResponseReturnValue:
        require_confirmation(text(form.new_password), text(form.confirm_password))
        changed = runtime().accounts.change_password(
            site().code, account.user_id, text(form.current_password), text(form.new_password)
        )
        sign_in(changed)  # the new password stamp: this session goes on, every other one ends
        flash("Your password was changed.", "message")
        return redirect(url_for("account.welcome"))

    return form_page("password_change.html", form, act, account=account)


@blueprint.route("/profile", methods=["GET", "POST"])
def profile() -> ResponseReturnValue:
    account = _account()
    form = ProfileForm(data=asdict(account))

    def act() -> ResponseReturnValue:
        change = ProfileChange(
            first_name=text(form.first_name),
            last_name=text(form.last_name),
            company_name=text(form.company_name),
            email=text(form.email),
            phone=text(form.phone),
        )
        runtime().accounts.update_profile(site().code, account.user_id, change)
        flash("Your profile was updated.", "message")
        return redirect(url_for("account.profile"))

    return form_page("profile.html", form, act, account=account)


@blueprint.route("/profile/security", methods=["GET", "POST"])
def security() -> ResponseReturnValue:
    account = _account()
    on_file = runtime().accounts.questions_on_file(site().code, account.user_id)
    questions = dict(enumerate(on_file, start=1))
    form = SecurityInformationForm(
        data={"question_1": questions.get(1), "question_2": questions.get(2)}
    )
    form.offer_questions(on_file)

    def act() -> ResponseReturnValue:
        if form.new_password.data:
            require_confirmation(text(form.new_password), text(form.confirm_password))
        runtime().accounts.update_security(
            site().code,
            account.user_id,
            text(form.current_password),
            text(form.new_password) or None,
            (
                (text(form.question_1), text(form.answer_1)),
                (text(form.question_2), text(form.answer_2)),
            ),
        )
        if form.new_password.data:
            return sign_out("Your security information and password were changed. Log in again.")
        flash("Your security information was updated.", "message")
        return redirect(url_for("account.profile"))

    return form_page("security.html", form, act, account=account)
