"""Flask-WTF forms: every form carries a CSRF token that a script can read and send back.

The forms only collect fields; the rules (password policy, e-mail and phone shapes) live in
the domain, so the pages and the API refuse the same things with the same messages.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import Field, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

REQUIRED = [InputRequired(message="This field is required.")]
SECURITY_QUESTIONS = (
    "What was the name of your elementary school?",
    "In what city were you born?",
    "What is your mother's maiden name?",
    "What was the name of your first pet?",
    "What was the make of your first car?",
    "What is the name of the street you grew up on?",
    "What was your childhood nickname?",
    "In what city did you meet your spouse or partner?",
)


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
    question_1 = SelectField("Security question 1", validators=REQUIRED)
    answer_1 = StringField("Answer 1", validators=[*REQUIRED, Length(max=200)])
    question_2 = SelectField("Security question 2", validators=REQUIRED)
    answer_2 = StringField("Answer 2", validators=[*REQUIRED, Length(max=200)])

    def offer_questions(self, on_file: tuple[str, ...]) -> None:
        """The listed questions, plus any the account has that the list lacks (set elsewhere)."""
        offered = [*SECURITY_QUESTIONS, *(q for q in on_file if q not in SECURITY_QUESTIONS)]
        choices = [("", "Select a question"), *((q, q) for q in offered)]
        self.question_1.choices = choices
        self.question_2.choices = choices


def first_error(form: FlaskForm) -> str:
    """The first field error as a sentence naming the field."""
    for field in form:
        if field.errors:
            return f"{field.label.text}: {field.errors[0]}"
    return "Please check the form and try again."


def text(field: Field) -> str:
    """A submitted field's text; validators already refused a missing required one."""
    return str(field.data or "")
