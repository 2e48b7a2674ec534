"""Accounts: organizations, providers, users and the providers each user may act for."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from simulator.portal.errors import ConflictError, InvalidRequestError
from simulator.portal.identifiers import is_valid_npi, is_valid_pid_sl, is_valid_user_id
from simulator.portal.passwords import SecretHasher, check_password_policy, normalize_answer
from simulator.store.models import Organization, Provider, SecurityQuestion, User, UserProvider

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


def organization_named(session: Session, site: str, name: str) -> Organization:
    """The site's organization of that name, created on first use."""
    found = session.scalar(
        select(Organization).where(Organization.site == site, Organization.name == name)
    )
    if found is not None:
        return found
    organization = Organization(site=site, name=name)
    session.add(organization)
    session.flush()
    return organization


def find_provider(session: Session, site: str, provider_id: str) -> Provider | None:
    return session.scalar(
        select(Provider).where(Provider.site == site, Provider.provider_id == provider_id)
    )


def add_provider(
    session: Session, site: str, new: NewProvider, organization: Organization | None = None
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
    session.add(provider)
    session.flush()
    return provider


def add_user(
    session: Session,
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
    session.add(user)
    session.flush()
    grant_providers(session, user, providers)
    return user


def grant_providers(session: Session, user: User, providers: Sequence[Provider]) -> None:
    """Let ``user`` act for ``providers`` (grants it already has are kept once)."""
    granted = {provider.id for provider in user.providers}
    for provider in providers:
        if provider.id not in granted:
            session.add(UserProvider(site=user.site, user_pk=user.id, provider_pk=provider.id))
            granted.add(provider.id)
    session.flush()
    session.expire(user, ["providers"])


def _check_new_user(session: Session, site: str, new: NewUser) -> None:
    if not is_valid_user_id(new.user_id):
        raise InvalidRequestError(
            "A user ID is 3 to 32 letters, digits, dots, dashes or underscores."
        )
    if new.security_level not in SECURITY_LEVELS:
        raise InvalidRequestError("The security level must be 'master' or 'user'.")
    if new.security_questions and len(new.security_questions) != SECURITY_QUESTION_COUNT:
        raise InvalidRequestError("A user has exactly two security questions, or none yet.")
    check_password_policy(new.password)
    existing = session.scalar(select(User.id).where(User.site == site, User.user_id == new.user_id))
    if existing is not None:
        raise ConflictError(f"User {new.user_id} already exists on this site.")


def users_of(session: Session, site: str) -> list[User]:
    return list(session.scalars(select(User).where(User.site == site).order_by(User.user_id)))


def providers_of(session: Session, site: str) -> list[Provider]:
    return list(
        session.scalars(
            select(Provider).where(Provider.site == site).order_by(Provider.provider_id)
        )
    )
