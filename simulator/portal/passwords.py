"""The MassHealth password rules, and salted slow hashes for passwords and security answers."""

from __future__ import annotations

import secrets
import string
from functools import cached_property

from werkzeug.security import check_password_hash, generate_password_hash

from simulator.portal.errors import PasswordPolicyError

MINIMUM_LENGTH = 8
CHARACTER_CLASSES: tuple[tuple[str, str], ...] = (
    ("upper case letters", string.ascii_uppercase),
    ("lower case letters", string.ascii_lowercase),
    ("numbers", string.digits),
    ("special characters", string.punctuation + " "),
)
DEFAULT_HASH_METHOD = "scrypt"


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


class SecretHasher:
    """Salted slow hashes of passwords and security answers.

    ``method`` is a werkzeug method string such as ``scrypt`` or ``scrypt:1024:8:1``; a
    cheaper cost is for test suites that open hundreds of accounts, never for a real server.
    """

    def __init__(self, method: str = DEFAULT_HASH_METHOD) -> None:
        self.method = method

    def hash(self, secret: str) -> str:
        return generate_password_hash(secret, method=self.method)

    def verify(self, secret_hash: str, secret: str) -> bool:
        return check_password_hash(secret_hash, secret)

    def verify_decoy(self, secret: str) -> None:
        """Pay what checking a real account's password costs, for an account that is not there.

        Answering an unknown submitter ID faster than a wrong password would tell a caller
        which IDs exist.
        """
        check_password_hash(self._decoy_hash, secret)

    @cached_property
    def _decoy_hash(self) -> str:
        return self.hash(secrets.token_urlsafe(16))


def normalize_answer(answer: str) -> str:
    """Security answers compare without regard to case or spacing."""
    return "".join(answer.split()).casefold()
