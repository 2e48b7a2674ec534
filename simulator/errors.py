"""The refusal every floor of the house raises: a contract error code and a sentence, no HTTP.

A refusal names what went wrong in the contract's words (``code``, e.g. ``account_locked``)
and says it to a person (``message``). How a door answers it (a status and a page, a JSON
error, a CORE ``ErrorCode``) is the door's business: each door maps refusals once, through one
table (``simulator.web.refusals``). The domain's refusals are in ``simulator.portal.errors``;
the fault rules' in ``simulator.faults.rules``.
"""

from __future__ import annotations

from typing import ClassVar


class RefusalError(Exception):
    """A refusal a client can act on.

    ``code`` is the error code clients read. ``reason`` is a finer name under the same code,
    for the rare refusal that a door answers differently from others of its code (a fault rule
    the simulator cannot apply is an ``invalid_request``, answered 422 rather than 400).
    """

    code: ClassVar[str] = "invalid_request"
    reason: ClassVar[str | None] = None

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    @property
    def kind(self) -> str:
        """The name a door looks the refusal up by: its reason, else its code."""
        return self.reason or self.code


class InvalidRequestError(RefusalError):
    code = "invalid_request"


class NotFoundError(RefusalError):
    code = "not_found"


class UnavailableError(RefusalError):
    """The site cannot serve for a moment (its database takes no new connection): retry."""

    code = "site_unavailable"
