"""Accounts: organizations, providers, users and the providers each user may act for."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from simulator.hashing import SecretHasher
from simulator.portal.errors import ConflictError, InvalidRequestError
from simulator.portal.identifiers import is_valid_npi, is_valid_pid_sl, is_valid_user_id
from simulator.portal.passwords import check_password_policy, normalize_answer
from simulator.store import accounts as stored
from simulator.store.database import Transaction
from simulator.store.models import Organization, Provider, SecurityQuestion, User

SECURITY_LEVELS = ("master", "user")
SECURITY_QUESTION_COUNT = 2


@dataclass(frozen=True)
class NewProvider:
    provider_id: str
    name: str
    npi: str


@dataclass(frozen=True)
class NewUser:
    """What Customer Services needs to open an account."""

    user_id: str
    password: str
    security_level: str = "user"
    organization: str | None = None
    first_name: str = ""
    last_name: str = ""
    company_name: str = ""
    email: str = ""
    phone: str = ""
    providers: Sequence[str] = ()
    must_change_password: bool = False
    security_questions: Sequence[tuple[str, str]] = field(default_factory=tuple)


def organization_named(session: Transaction, site: str, name: str) -> Organization:
    """The site's organization of that name, created on first use."""
    found = stored.find_organization(session, site, name)
    if found is not None:
        return found
    organization = Organization(site=site, name=name)
    stored.add_row(session, organization)
    return organization


def find_provider(session: Transaction, site: str, provider_id: str) -> Provider | None:
    return stored.find_provider(session, site, provider_id)


def add_provider(
    session: Transaction, site: str, new: NewProvider, organization: Organization | None = None
) -> Provider:
    if not is_valid_pid_sl(new.provider_id):
        raise InvalidRequestError(
            f"Provider ID {new.provider_id!r} is not a PID/SL: nine digits and a letter."
        )
    if not is_valid_npi(new.npi):
        raise InvalidRequestError(f"NPI {new.npi!r} is not ten digits with a valid check digit.")
    if find_provider(session, site, new.provider_id) is not None:
        raise ConflictError(f"Provider {new.provider_id} already exists on this site.")
    provider = Provider(
        site=site,
        provider_id=new.provider_id,
        name=new.name,
        npi=new.npi,
        organization=organization,
    )
    stored.add_row(session, provider)
    return provider


def add_user(
    session: Transaction,
    site: str,
    new: NewUser,
    *,
    now: datetime,
    providers: Sequence[Provider],
    hasher: SecretHasher,
) -> User:
    """Open an account that may act for ``providers``; the password must meet the policy."""
    _check_new_user(session, site, new)
    organization = organization_named(session, site, new.organization) if new.organization else None
    user = User(
        site=site,
        user_id=new.user_id,
        organization=organization,
        security_level=new.security_level,
        password_hash=hasher.hash(new.password),
        password_changed_at=now,
        must_change_password=new.must_change_password,
        failed_logins=0,
        locked=False,
        failed_resets=0,
        first_name=new.first_name,
        last_name=new.last_name,
        company_name=new.company_name or (organization.name if organization else ""),
        email=new.email,
        phone=new.phone,
        created_at=now,
        security_questions=[
            SecurityQuestion(
                site=site,
                position=position,
                question=question,
                answer_hash=hasher.hash(normalize_answer(answer)),
            )
            for position, (question, answer) in enumerate(new.security_questions, start=1)
        ],
    )
    stored.add_row(session, user)
    stored.grant(session, user, providers)
    return user


def _check_new_user(session: Transaction, site: str, new: NewUser) -> None:
    if not is_valid_user_id(new.user_id):
        raise InvalidRequestError(
            "A user ID is 3 to 32 letters, digits, dots, dashes or underscores."
        )
    if new.security_level not in SECURITY_LEVELS:
        raise InvalidRequestError("The security level must be 'master' or 'user'.")
    if new.security_questions and len(new.security_questions) != SECURITY_QUESTION_COUNT:
        raise InvalidRequestError("A user has exactly two security questions, or none yet.")
    check_password_policy(new.password)
    if stored.user_exists(session, site, new.user_id):
        raise ConflictError(f"User {new.user_id} already exists on this site.")
