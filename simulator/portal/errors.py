"""Typed domain errors, each carrying the contract's error code and no HTTP status.

Each door maps a refusal to its own answer once, through one table (``simulator.web.refusals``);
the domain never builds a response itself.
"""

from __future__ import annotations

from simulator.errors import InvalidRequestError, NotFoundError, RefusalError

__all__ = [
    "AccountLockedError",
    "ConflictError",
    "EmptyUploadError",
    "InvalidCredentialsError",
    "InvalidRequestError",
    "NotFoundError",
    "PasswordChangeRequiredError",
    "PasswordExpiredError",
    "PasswordPolicyError",
    "PortalError",
    "ProviderNotAuthorizedError",
    "ResetRefusedError",
    "SessionExpiredError",
    "TooManyFilesError",
    "TransactionTypeNotInUseError",
    "UnknownTransactionTypeError",
    "UploadTooLargeError",
]


class PortalError(RefusalError):
    """A refusal of the domain; ``message`` is a sentence for a person."""


class ConflictError(PortalError):
    code = "conflict"


class PasswordPolicyError(PortalError):
    code = "password_policy"


class InvalidCredentialsError(PortalError):
    code = "invalid_credentials"


class AccountLockedError(PortalError):
    code = "account_locked"


class PasswordChangeRequiredError(PortalError):
    code = "password_change_required"


class PasswordExpiredError(PortalError):
    code = "password_expired"


class SessionExpiredError(PortalError):
    code = "session_expired"


class ProviderNotAuthorizedError(PortalError):
    code = "provider_not_authorized"


class ResetRefusedError(PortalError):
    """The forgotten-password questions were failed too often: only Customer Services helps."""

    code = "reset_refused"


class UnknownTransactionTypeError(PortalError):
    code = "unknown_transaction_type"


class TransactionTypeNotInUseError(PortalError):
    code = "transaction_type_not_in_use"


class TooManyFilesError(PortalError):
    code = "too_many_files"


class EmptyUploadError(PortalError):
    code = "empty_upload"


class UploadTooLargeError(PortalError):
    code = "upload_too_large"
