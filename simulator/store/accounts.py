"""Accounts as stored: organizations, providers, users, their grants and security questions.

The account rules (passwords, lockout, who may act for whom) are the domain's; these are the
statements they need. Rows come back as mapped objects where the domain changes an account
inside a write transaction, and as plain columns on the paths every request takes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from sqlalchemy import and_, bindparam, or_, select
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from simulator.store.database import Executor, connection_of
from simulator.store.models import Organization, Provider, User, UserProvider


class UserFacts(Protocol):
    """What a view of an account is made of: a ``User`` row, or the columns of ``USER_FACTS``."""

    id: int
    site: str
    user_id: str
    organization_id: int | None
    security_level: str
    password_hash: str
    password_changed_at: datetime
    must_change_password: bool
    failed_logins: int
    locked: bool
    first_name: str
    last_name: str
    company_name: str
    email: str
    phone: str


# Every API call reads an account and its providers: these statements are built once, since
# building a statement costs more than running it.
USER_FACTS = select(*(getattr(User, name) for name in UserFacts.__annotations__)).where(
    User.site == bindparam("site"), User.user_id == bindparam("user_id")
)
_PROVIDER_COLUMNS = select(Provider.provider_id, Provider.name, Provider.npi, Provider.id)
_GRANTED = Provider.id.in_(
    select(UserProvider.provider_pk).where(UserProvider.user_pk == bindparam("user_pk"))
)
GRANTED_PROVIDERS = _PROVIDER_COLUMNS.where(_GRANTED).order_by(Provider.provider_id)
ORGANIZATION_PROVIDERS = _PROVIDER_COLUMNS.where(
    or_(
        _GRANTED,
        and_(Provider.site == bindparam("site"), Provider.organization_id == bindparam("org")),
    )
).order_by(Provider.provider_id)

ProviderColumns = tuple[str, str, str, int]  # provider ID, name, NPI, key


def user_facts(executor: Executor, site: str, user_id: str) -> Row[object] | None:
    """The account's columns (a :class:`UserFacts`), without a session's cost."""
    found = connection_of(executor).execute(USER_FACTS, {"site": site, "user_id": user_id})
    return found.first()


def acting_providers(executor: Executor, user: UserFacts) -> list[ProviderColumns]:
    """The providers a user acts for: a master user every provider of the organization,
    others those granted to them."""
    connection = connection_of(executor)
    if user.security_level == "master" and user.organization_id is not None:
        rows = connection.execute(
            ORGANIZATION_PROVIDERS,
            {"user_pk": user.id, "site": user.site, "org": user.organization_id},
        )
    else:
        rows = connection.execute(GRANTED_PROVIDERS, {"user_pk": user.id})
    return list(rows)


def find_user(session: Session, site: str, user_id: str) -> User | None:
    return session.scalar(select(User).where(User.site == site, User.user_id == user_id))


def user_exists(session: Session, site: str, user_id: str) -> bool:
    found = session.scalar(select(User.id).where(User.site == site, User.user_id == user_id))
    return found is not None


def users_of(session: Session, site: str) -> list[User]:
    return list(session.scalars(select(User).where(User.site == site).order_by(User.user_id)))


def find_organization(session: Session, site: str, name: str) -> Organization | None:
    return session.scalar(
        select(Organization).where(Organization.site == site, Organization.name == name)
    )


def find_provider(session: Session, site: str, provider_id: str) -> Provider | None:
    return session.scalar(
        select(Provider).where(Provider.site == site, Provider.provider_id == provider_id)
    )


def providers_of(session: Session, site: str) -> list[Provider]:
    return list(
        session.scalars(
            select(Provider).where(Provider.site == site).order_by(Provider.provider_id)
        )
    )


def add_row(session: Session, row: User | Provider | Organization) -> None:
    """Add a new row and give it its key at once (the caller goes on to use it)."""
    session.add(row)
    session.flush()


def grant(session: Session, user: User, providers: Sequence[Provider]) -> None:
    """Let ``user`` act for ``providers`` (grants it already has are kept once)."""
    granted = {provider.id for provider in user.providers}
    for provider in providers:
        if provider.id not in granted:
            session.add(UserProvider(site=user.site, user_pk=user.id, provider_pk=provider.id))
            granted.add(provider.id)
    session.flush()
    session.expire(user, ["providers"])
