"""Logging in and keeping an account: passwords, lockout, expiry, forgotten passwords, profile.

Every rule reads the simulated clock and the site's own settings. Counters that several worker
processes may touch at once (failed logins, failed reset tries) change inside a write
transaction, which SQLite serialises with ``BEGIN IMMEDIATE`` and PostgreSQL with a row lock.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from simulator.clock import Clock
from simulator.faults.actions import ActsIn, kinds
from simulator.faults.scope import current
from simulator.faults.service import FaultService, FiredFault
from simulator.hashing import SecretHasher
from simulator.portal.errors import (
    AccountLockedError,
    InvalidCredentialsError,
    InvalidRequestError,
    NotFoundError,
    PasswordChangeRequiredError,
    PasswordExpiredError,
    PortalError,
    ProviderNotAuthorizedError,
    ResetRefusedError,
    SessionExpiredError,
)
from simulator.portal.passwords import check_password_policy, normalize_answer
from simulator.settings import SiteSettings
from simulator.store.accounts import UserFacts, acting_providers, find_user, user_facts
from simulator.store.database import Database, Executor, Transaction
from simulator.store.models import SecurityQuestion, User

RESET_TRIES = 2
CREDENTIAL_FAULTS = kinds(ActsIn.PORTAL, "lockout", "force_password_change")
CALL_FAULTS = kinds(ActsIn.PORTAL, "session_expired")
# Lanes in which password checks that missed the credential cache queue, by their digest.
CHECK_LANES = 64
SESSION_FAULTS = CREDENTIAL_FAULTS | CALL_FAULTS
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
US_PHONE_PATTERN = re.compile(r"^(\+?1[\s.-]?)?\(?[2-9]\d{2}\)?[\s.-]?\d{3}[\s.-]?\d{4}$")
PROFILE_LIMITS = {"first_name": 60, "last_name": 60, "company_name": 120, "email": 254}


@dataclass(frozen=True)
class ProviderView:
    provider_id: str
    name: str
    npi: str
    pk: int  # the provider's row, for the upload that names it


@dataclass(frozen=True)
class AccountView:
    """An account as the web and API layers see it; ``password_stamp`` changes with the password."""

    site: str
    user_id: str
    security_level: str
    first_name: str
    last_name: str
    company_name: str
    email: str
    phone: str
    password_expires_at: datetime
    must_change_password: bool
    password_expired: bool
    password_stamp: str
    providers: tuple[ProviderView, ...]
    pk: int  # the user's row, for the upload it makes
    locked: bool = False

    @property
    def needs_new_password(self) -> bool:
        return self.must_change_password or self.password_expired

    def require_usable_password(self) -> None:
        """Refuse everything but a password change while one is due."""
        if self.must_change_password:
            raise PasswordChangeRequiredError(
                "You must change your password before you can continue."
            )
        if self.password_expired:
            raise PasswordExpiredError(
                "Your password is more than the allowed number of days old; change it to continue."
            )

    def provider(self, provider_id: str) -> ProviderView:
        """The provider if this account may act for it; anything else is refused alike."""
        for provider in self.providers:
            if provider.provider_id == provider_id:
                return provider
        raise ProviderNotAuthorizedError(
            f"You are not authorized to act for provider {provider_id!r}."
        )


@dataclass(frozen=True)
class ProfileChange:
    first_name: str
    last_name: str
    company_name: str
    email: str
    phone: str


class CredentialCache:
    """Remembers which password hash a password was verified against, while it is in use.

    A slow hash is a cost per login, not per API call. The key is a keyed digest of site, user
    and password (the password itself is never kept); a hit counts only while the account
    still has the same password hash, so a password change or reset in any worker process
    invalidates it without any message between processes.

    Two things keep the slow hash from stalling a busy client's calls. An entry lasts
    ``ttl_seconds`` after its last use, not after it was made: a client that calls all the
    time is one long login, never hashed again while its password stands (an entry that
    expired at a fixed time made every call of that moment hash at once, each thread on its
    own, which held the processes' cores for a second). And the calls that miss together wait
    for one check (:meth:`verified`) instead of each running its own.
    """

    def __init__(self, ttl_seconds: float = 60.0, max_entries: int = 10_000) -> None:
        self._key = secrets.token_bytes(32)
        self._ttl = ttl_seconds
        self._max_entries = max_entries
        self._entries: dict[bytes, tuple[str, float]] = {}
        self._lock = threading.Lock()
        self._checks = [threading.Lock() for _ in range(CHECK_LANES)]

    def _digest(self, site: str, user_id: str, password: str) -> bytes:
        message = f"{site}\0{user_id}\0{password}".encode()
        return hmac.new(self._key, message, hashlib.sha256).digest()

    def verified(
        self,
        site: str,
        user_id: str,
        password: str,
        password_hash: str,
        check: Callable[[], bool],
    ) -> bool:
        """Whether ``password`` matches ``password_hash``: remembered, or ``check()`` once.

        Calls with the same credentials that miss at the same moment queue for one lane:
        the first runs ``check``, the others find its answer remembered. (Wrong passwords
        are not remembered, so each is checked, one after another.)
        """
        digest = self._digest(site, user_id, password)
        if self._hit(digest, password_hash):
            return True
        with self._checks[digest[0] % CHECK_LANES]:
            if self._hit(digest, password_hash):
                return True
            right = check()
            if right:
                self._remember(digest, password_hash)
            return right

    def _hit(self, digest: bytes, password_hash: str) -> bool:
        """A live entry for the same hash; using it keeps it alive for another ``ttl``."""
        now = time.monotonic()
        with self._lock:
            entry = self._entries.get(digest)
            if entry is None or entry[1] <= now or entry[0] != password_hash:
                return False
            self._entries[digest] = (password_hash, now + self._ttl)
            return True

    def _remember(self, digest: bytes, password_hash: str) -> None:
        with self._lock:
            if len(self._entries) >= self._max_entries:
                self._entries.clear()
            self._entries[digest] = (password_hash, time.monotonic() + self._ttl)


class AccountService:
    """The accounts of both sites; ``site_rules`` gives each site's settings."""

    def __init__(
        self,
        database: Database,
        clock: Clock,
        hasher: SecretHasher,
        site_rules: Callable[[str], SiteSettings],
        faults: FaultService,
    ) -> None:
        self._database = database
        self._clock = clock
        self._hasher = hasher
        self._site_rules = site_rules
        self._faults = faults
        self._credentials = CredentialCache()

    # -- logging in -------------------------------------------------------------------------

    def authenticate(self, site: str, user_id: str, password: str) -> AccountView:
        """Check a password; a wrong one counts toward the lockout, a right one clears the count.

        The account may still need a new password: callers check ``needs_new_password``.
        A ``lockout`` or ``force_password_change`` fault on ``login``, or on the operation of
        the request being served, acts here, before the password check.
        """
        fault = self._faults.fire(
            site, ("login", current().operation), CREDENTIAL_FAULTS, user_id=user_id
        )
        if fault is not None:
            self._act_on_account(site, user_id, fault)
        with self._database.connected() as connection:
            facts = user_facts(connection, site, user_id)
            if facts is None:
                self._hasher.verify_decoy(password)
                raise InvalidCredentialsError("The submitter ID or password is not correct.")
            if facts.locked:
                raise AccountLockedError(_LOCKED_MESSAGE)
            checked_hash = facts.password_hash
            # The slow hash runs here, outside any write lock.
            right = self._credentials.verified(
                site,
                user_id,
                password,
                checked_hash,
                lambda: self._hasher.verify(checked_hash, password),
            )
            if right and facts.failed_logins == 0:
                return self._view(connection, facts)
        with self._database.transaction() as session:
            user = _find_user(session, site, user_id)
            if user is None:
                raise InvalidCredentialsError("The submitter ID or password is not correct.")
            if user.locked:
                raise AccountLockedError(_LOCKED_MESSAGE)
            if right and user.password_hash == checked_hash:
                user.failed_logins = 0
                return self._view(session, user)
            refusal = self._count_failure(user)
        raise refusal  # after the commit, so the count stands

    def authenticate_call(self, site: str, user_id: str, password: str) -> AccountView:
        """The credentials of one API or CORE call: checked as at login, then the call is a
        session that lasts one request, which a ``session_expired`` fault ends."""
        account = self.authenticate(site, user_id, password)
        if self._faults.fire(site, (current().operation,), CALL_FAULTS, user_id=user_id):
            raise SessionExpiredError("Your session has expired; sign in again.")
        return account

    def resume(self, site: str, user_id: str) -> AccountView:
        """The account behind a web session, for the next page its user asks for.

        The session's faults act here: ``session_expired`` ends it, ``lockout`` locks the
        account and refuses, ``force_password_change`` makes a new password due.
        """
        fault = self._faults.fire(site, (current().operation,), SESSION_FAULTS, user_id=user_id)
        if fault is not None and fault.kind == "session_expired":
            raise SessionExpiredError("Your session has expired. Please log in again.")
        if fault is not None:
            self._act_on_account(site, user_id, fault)
            if fault.kind == "lockout":
                raise AccountLockedError(_LOCKED_MESSAGE)
        return self.account(site, user_id)

    def _act_on_account(self, site: str, user_id: str, fault: FiredFault) -> None:
        with self._database.transaction() as session:
            user = _find_user(session, site, user_id)
            if user is None:
                return
            if fault.kind == "lockout":
                user.locked = True
            else:
                user.must_change_password = True

    def _count_failure(self, user: User) -> PortalError:
        user.failed_logins += 1
        attempts = self._site_rules(user.site).lockout_attempts
        if user.failed_logins >= attempts:
            user.locked = True
            return AccountLockedError(
                f"Your submitter ID has been suspended after {attempts} incorrect passwords. "
                "Contact MassHealth Customer Services to have your password reset."
            )
        left = attempts - user.failed_logins
        return InvalidCredentialsError(
            f"The submitter ID or password is not correct. {left} "
            f"{'try' if left == 1 else 'tries'} left before the ID is suspended."
        )

    def account(self, site: str, user_id: str) -> AccountView:
        with self._database.reading() as session:
            return self._view(session, _require_user(session, site, user_id))

    # -- passwords --------------------------------------------------------------------------

    def change_password(
        self, site: str, user_id: str, current_password: str, new_password: str
    ) -> AccountView:
        """Change a password knowing the current one (a wrong one counts toward the lockout)."""
        self.authenticate(site, user_id, current_password)
        check_password_policy(new_password, current_password=current_password)
        with self._database.transaction() as session:
            user = _require_user(session, site, user_id)
            self._set_password(user, new_password)
            return self._view(session, user)

    def _set_password(self, user: User, password: str, *, must_change: bool = False) -> None:
        user.password_hash = self._hasher.hash(password)
        user.password_changed_at = self._clock.now()
        user.must_change_password = must_change
        user.failed_logins = 0

    # -- Customer Services --------------------------------------------------------------------

    def unlock(self, site: str, user_id: str) -> AccountView:
        with self._database.transaction() as session:
            user = _customer(session, site, user_id)
            user.locked = False
            user.failed_logins = 0
            user.failed_resets = 0
            return self._view(session, user)

    def assign_password(self, site: str, user_id: str, password: str) -> AccountView:
        """A password set by Customer Services: it unlocks, and must be changed at next login."""
        check_password_policy(password)
        with self._database.transaction() as session:
            user = _customer(session, site, user_id)
            self._set_password(user, password, must_change=True)
            user.locked = False
            user.failed_resets = 0
            return self._view(session, user)

    # -- forgotten passwords ------------------------------------------------------------------

    def security_questions(self, site: str, user_id: str) -> tuple[str, ...]:
        """The questions a forgotten-password reset asks, if the account may be reset."""
        with self._database.reading() as session:
            user = _find_user(session, site, user_id)
            if user is None:
                raise InvalidRequestError("That submitter ID was not found.")
            _check_resettable(user)
            return tuple(q.question for q in user.security_questions)

    def questions_on_file(self, site: str, user_id: str) -> tuple[str, ...]:
        """The account's security questions, for its own security page."""
        with self._database.reading() as session:
            user = _require_user(session, site, user_id)
            return tuple(q.question for q in user.security_questions)

    def verify_answers(self, site: str, user_id: str, answers: tuple[str, str]) -> None:
        """Check both answers; two failed tries refuse further resets, right answers or not."""
        with self._database.transaction() as session:
            user = _find_user(session, site, user_id)
            if user is None:
                raise InvalidRequestError("That submitter ID was not found.")
            _check_resettable(user)
            expected = user.security_questions
            right = all(
                self._hasher.verify(question.answer_hash, normalize_answer(answer))
                for question, answer in zip(expected, answers, strict=True)
            )
            if right:
                return
            user.failed_resets += 1
            refusal: PortalError = (
                ResetRefusedError(_RESET_REFUSED_MESSAGE)
                if user.failed_resets >= RESET_TRIES
                else InvalidCredentialsError(
                    "One or both answers are not correct. You may try once more."
                )
            )
        raise refusal  # after the commit, so the failed try counts

    def reset_password(self, site: str, user_id: str, new_password: str) -> AccountView:
        """Set a new password after the security questions were answered."""
        check_password_policy(new_password)
        with self._database.transaction() as session:
            user = _require_user(session, site, user_id)
            _check_resettable(user)
            self._set_password(user, new_password)
            user.failed_resets = 0
            return self._view(session, user)

    # -- profile ----------------------------------------------------------------------------

    def update_profile(self, site: str, user_id: str, change: ProfileChange) -> AccountView:
        _check_profile(change)
        with self._database.transaction() as session:
            user = _require_user(session, site, user_id)
            user.first_name = change.first_name.strip()
            user.last_name = change.last_name.strip()
            user.company_name = change.company_name.strip()
            user.email = change.email.strip()
            user.phone = change.phone.strip()
            return self._view(session, user)

    def update_security(
        self,
        site: str,
        user_id: str,
        current_password: str,
        new_password: str | None,
        questions: tuple[tuple[str, str], tuple[str, str]],
    ) -> AccountView:
        """Modify Security Information: the two questions, and the password if one is given."""
        self.authenticate(site, user_id, current_password)
        if new_password:
            check_password_policy(new_password, current_password=current_password)
        for question, answer in questions:
            if not question.strip() or not answer.strip():
                raise InvalidRequestError("Both security questions need a question and an answer.")
        with self._database.transaction() as session:
            user = _require_user(session, site, user_id)
            if new_password:
                self._set_password(user, new_password)
            existing = {question.position: question for question in user.security_questions}
            for position, (question, answer) in enumerate(questions, start=1):
                slot = existing.get(position) or SecurityQuestion(site=site, position=position)
                slot.question = question.strip()
                slot.answer_hash = self._hasher.hash(normalize_answer(answer))
                if position not in existing:
                    user.security_questions.append(slot)
            session.flush()
            return self._view(session, user)

    # -- views ------------------------------------------------------------------------------

    def _view(self, reader: Executor, user: UserFacts) -> AccountView:
        expires_at = user.password_changed_at + timedelta(
            days=self._site_rules(user.site).password_max_age_days
        )
        return AccountView(
            site=user.site,
            user_id=user.user_id,
            security_level=user.security_level,
            first_name=user.first_name,
            last_name=user.last_name,
            company_name=user.company_name,
            email=user.email,
            phone=user.phone,
            password_expires_at=expires_at,
            must_change_password=user.must_change_password,
            password_expired=self._clock.now() >= expires_at,
            password_stamp=hashlib.sha256(user.password_hash.encode()).hexdigest()[:16],
            providers=tuple(ProviderView(*row) for row in acting_providers(reader, user)),
            pk=user.id,
            locked=user.locked,
        )


_LOCKED_MESSAGE = (
    "Your submitter ID is suspended. Contact MassHealth Customer Services at 1-800-841-2900 "
    "to have your password reset."
)
_RESET_REFUSED_MESSAGE = (
    "The security questions were not answered correctly. Contact MassHealth Customer "
    "Services at 1-800-841-2900 for assistance."
)


def _find_user(session: Transaction, site: str, user_id: str) -> User | None:
    return find_user(session, site, user_id)


def _require_user(session: Transaction, site: str, user_id: str) -> User:
    user = _find_user(session, site, user_id)
    if user is None:
        raise InvalidCredentialsError("The submitter ID or password is not correct.")
    return user


def _customer(session: Transaction, site: str, user_id: str) -> User:
    """The account Customer Services is asked about; an unknown one is plainly not found."""
    user = _find_user(session, site, user_id)
    if user is None:
        raise NotFoundError(f"There is no user {user_id!r} on the {site} site.")
    return user


def _check_resettable(user: User) -> None:
    if user.locked:
        raise AccountLockedError(_LOCKED_MESSAGE)
    if user.failed_resets >= RESET_TRIES:
        raise ResetRefusedError(_RESET_REFUSED_MESSAGE)
    if len(user.security_questions) < 2:
        raise ResetRefusedError(
            "No security questions are on file for this submitter ID. Contact MassHealth "
            "Customer Services at 1-800-841-2900 to have your password reset."
        )


def _check_profile(change: ProfileChange) -> None:
    for field, limit in PROFILE_LIMITS.items():
        if len(getattr(change, field).strip()) > limit:
            raise InvalidRequestError(f"The {field.replace('_', ' ')} is longer than {limit}.")
    if change.email.strip() and not EMAIL_PATTERN.match(change.email.strip()):
        raise InvalidRequestError("The e-mail address does not look like name@example.com.")
    if change.phone.strip() and not US_PHONE_PATTERN.match(change.phone.strip()):
        raise InvalidRequestError("The phone number must be a US number, like 617-555-0123.")
