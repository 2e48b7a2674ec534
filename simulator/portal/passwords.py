"""The MassHealth password rules, and how security answers compare."""

from __future__ import annotations

import string

from simulator.portal.errors import PasswordPolicyError

MINIMUM_LENGTH = 8
CHARACTER_CLASSES: tuple[tuple[str, str], ...] = (
    ("upper case letters", string.ascii_uppercase),
    ("lower case letters", string.ascii_lowercase),
    ("numbers", string.digits),
    ("special characters", string.punctuation + " "),
)


def check_password_policy(password: str, *, current_password: str | None = None) -> None:
    """Refuse a password that breaks a rule, with a message that names the rule."""
    if len(password) < MINIMUM_LENGTH:
        raise PasswordPolicyError(
            f"The password must be at least {MINIMUM_LENGTH} characters long."
        )
    classes = sum(any(c in members for c in password) for _, members in CHARACTER_CLASSES)
    if classes < 2:
        names = ", ".join(name for name, _ in CHARACTER_CLASSES)
        raise PasswordPolicyError(
            f"The password must contain at least two of these four types of characters: {names}."
        )
    if current_password is not None and password == current_password:
        raise PasswordPolicyError("The new password must be different from the current password.")


def normalize_answer(answer: str) -> str:
    """Security answers compare without regard to case or spacing."""
    return "".join(answer.split()).casefold()
