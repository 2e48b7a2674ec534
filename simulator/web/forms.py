"""Flask-WTF forms: every form carries a CSRF token that a script can read and send back.

The forms only collect fields; the rules (password policy, e-mail and phone shapes) live in
the domain, so the pages and the API refuse the same things with the same messages.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import Field, PasswordField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

REQUIRED = [InputRequired(message="This field is required.")]


class LoginForm(FlaskForm):  # type: ignore[misc]
    user_id = StringField("Submitter ID", validators=[DataRequired(), Length(max=32)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=128)])


class ChangePasswordForm(FlaskForm):  # type: ignore[misc]
    current_password = PasswordField("Current password", validators=REQUIRED)
    new_password = PasswordField("New password", validators=[*REQUIRED, Length(max=128)])
    confirm_password = PasswordField("Confirm new password", validators=REQUIRED)


class ForgotPasswordForm(FlaskForm):  # type: ignore[misc]
    user_id = StringField("Submitter ID", validators=[DataRequired(), Length(max=32)])


class SecurityAnswersForm(FlaskForm):  # type: ignore[misc]
    answer_1 = StringField("Answer 1", validators=[*REQUIRED, Length(max=200)])
    answer_2 = StringField("Answer 2", validators=[*REQUIRED, Length(max=200)])


class ResetPasswordForm(FlaskForm):  # type: ignore[misc]
    new_password = PasswordField("New password", validators=[*REQUIRED, Length(max=128)])
    confirm_password = PasswordField("Confirm new password", validators=REQUIRED)


class ProfileForm(FlaskForm):  # type: ignore[misc]
    first_name = StringField("First name", validators=[Optional(), Length(max=60)])
    last_name = StringField("Last name", validators=[Optional(), Length(max=60)])
    company_name = StringField("Company name", validators=[Optional(), Length(max=120)])
    email = StringField("E-mail address", validators=[Optional(), Length(max=254)])
    phone = StringField("Phone number", validators=[Optional(), Length(max=32)])


class SecurityInformationForm(FlaskForm):  # type: ignore[misc]
    current_password = PasswordField("Current password", validators=REQUIRED)
    new_password = PasswordField("New password (leave blank to keep)", validators=[Optional()])
    confirm_password = PasswordField("Confirm new password", validators=[Optional()])
    question_1 = StringField("Security question 1", validators=[*REQUIRED, Length(max=200)])
    answer_1 = StringField("Answer 1", validators=[*REQUIRED, Length(max=200)])
    question_2 = StringField("Security question 2", validators=[*REQUIRED, Length(max=200)])
    answer_2 = StringField("Answer 2", validators=[*REQUIRED, Length(max=200)])


def first_error(form: FlaskForm) -> str:
    """The first field error as a sentence naming the field."""
    for field in form:
        if field.errors:
            return f"{field.label.text}: {field.errors[0]}"
    return "Please check the form and try again."


def text(field: Field) -> str:
    """A submitted field's text; validators already refused a missing required one."""
    return str(field.data or "")
