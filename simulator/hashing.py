"""Salted slow hashes of passwords and security answers, a service the domain is handed.

The hashes are Werkzeug's (``method$salt$hash``), so the stored form is a well-known one.
"""

from __future__ import annotations

import secrets
from functools import cached_property

from werkzeug.security import check_password_hash, generate_password_hash

DEFAULT_HASH_METHOD = "scrypt"


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
