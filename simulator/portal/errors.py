"""Typed domain errors, each carrying the contract's error code and HTTP status.

The web layer maps a :class:`PortalError` to a page or a JSON error once, in one place; the
domain never builds a response itself.
"""

from __future__ import annotations


class PortalError(Exception):
    """A refusal a client can act on; ``message`` is a sentence for a person."""

    code = "invalid_request"
    http_status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidRequestError(PortalError):
    code = "invalid_request"
    http_status = 400


class NotFoundError(PortalError):
    code = "not_found"
    http_status = 404


class ConflictError(PortalError):
    code = "conflict"
    http_status = 409


class PasswordPolicyError(PortalError):
    code = "password_policy"
    http_status = 422


class InvalidCredentialsError(PortalError):
    code = "invalid_credentials"
    http_status = 401


class AccountLockedError(PortalError):
    code = "account_locked"
    http_status = 423


class PasswordChangeRequiredError(PortalError):
    code = "password_change_required"
    http_status = 403


class PasswordExpiredError(PortalError):
    code = "password_expired"
    http_status = 403


class SessionExpiredError(PortalError):
    code = "session_expired"
    http_status = 401


class ProviderNotAuthorizedError(PortalError):
    code = "provider_not_authorized"
    http_status = 403


class ResetRefusedError(PortalError):
    """The forgotten-password questions were failed too often: only Customer Services helps."""

    code = "reset_refused"
    http_status = 403


class UnknownTransactionTypeError(PortalError):
    code = "unknown_transaction_type"
    http_status = 422


class TransactionTypeNotInUseError(PortalError):
    code = "transaction_type_not_in_use"
    http_status = 422


class TooManyFilesError(PortalError):
    code = "too_many_files"
    http_status = 422


class EmptyUploadError(PortalError):
    code = "empty_upload"
    http_status = 422


class UploadTooLargeError(PortalError):
    code = "upload_too_large"
    http_status = 413


class CertificationRequiredError(PortalError):
    """Production refuses a type the organization has not yet passed testing for (§9)."""

    code = "certification_required"
    http_status = 403
