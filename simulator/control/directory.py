"""Users and providers for test harnesses: what MassHealth Customer Services would do."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, Response, jsonify
from sqlalchemy import select

from posc_sim_fixtures.factories import provider_for_id
from simulator.control.parsing import field, json_object, site_code, sites_param
from simulator.portal.access import AccountView
from simulator.portal.accounts import (
    NewProvider,
    NewUser,
    add_provider,
    add_user,
    find_provider,
    organization_named,
)
from simulator.portal.errors import ConflictError, InvalidRequestError
from simulator.store.accounts import providers_of, users_of
from simulator.store.models import Member, Provider, User
from simulator.web.context import runtime

blueprint = Blueprint("directory", __name__, url_prefix="/v1")


def _user_json(user: User) -> dict[str, Any]:
    return {
        "site": user.site,
        "user_id": user.user_id,
        "security_level": user.security_level,
        "locked": user.locked,
        "must_change_password": user.must_change_password,
        "providers": [provider.provider_id for provider in user.providers],
    }


def _account_json(account: AccountView, locked: bool) -> dict[str, Any]:
    return {
        "site": account.site,
        "user_id": account.user_id,
        "security_level": account.security_level,
        "locked": locked,
        "must_change_password": account.must_change_password,
        "providers": [provider.provider_id for provider in account.providers],
    }


def _provider_json(provider: Provider) -> dict[str, Any]:
    return {"provider_id": provider.provider_id, "name": provider.name, "npi": provider.npi}


def _security_questions(body: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    entries = field(body, "security_questions", list, [])
    pairs = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise InvalidRequestError(f"security_questions[{index}]: expected an object.")
        question = field(entry, "question", str)
        answer = field(entry, "answer", str)
        pairs.append((question, answer))
    return tuple(pairs)


@blueprint.post("/users")
def create_user() -> tuple[Response, int]:
    """Open an account; a provider ID not yet on the site is created with a generated name."""
    body = json_object()
    site = site_code(field(body, "site", str))
    provider_ids = field(body, "providers", list, [])
    if not all(isinstance(item, str) for item in provider_ids):
        raise InvalidRequestError("providers: expected a list of provider IDs.")
    organization = field(body, "organization", str, "") or None
    new = NewUser(
        user_id=field(body, "user_id", str),
        password=field(body, "password", str),
        security_level=field(body, "security_level", str, "user"),
        organization=organization,
        first_name=field(body, "first_name", str, ""),
        last_name=field(body, "last_name", str, ""),
        company_name=field(body, "company_name", str, ""),
        email=field(body, "email", str, ""),
        phone=field(body, "phone", str, ""),
        providers=tuple(provider_ids),
        must_change_password=field(body, "must_change_password", bool, False),
        security_questions=_security_questions(body),
    )
    services = runtime()
    with services.database.transaction() as session:
        owner = organization_named(session, site, organization) if organization else None
        providers = [
            find_provider(session, site, provider_id)
            or add_provider(session, site, provider_for_id(provider_id), owner)
            for provider_id in new.providers
        ]
        user = add_user(
            session,
            site,
            new,
            now=services.clock.now(),
            providers=providers,
            hasher=services.hasher,
        )
        return jsonify(_user_json(user)), 201


@blueprint.get("/users")
def list_users() -> Response:
    with runtime().database.reading() as session:
        users = [_user_json(user) for site in sites_param() for user in users_of(session, site)]
    return jsonify({"users": users})


@blueprint.post("/users/<site>/<user_id>/unlock")
def unlock_user(site: str, user_id: str) -> Response:
    account = runtime().accounts.unlock(site_code(site), user_id)
    return jsonify(_account_json(account, locked=False))


@blueprint.post("/users/<site>/<user_id>/password")
def assign_password(site: str, user_id: str) -> Response:
    password = field(json_object(), "password", str)
    account = runtime().accounts.assign_password(site_code(site), user_id, password)
    return jsonify(_account_json(account, locked=False))


@blueprint.post("/providers")
def create_provider() -> tuple[Response, int]:
    body = json_object()
    site = site_code(field(body, "site", str))
    new = NewProvider(
        provider_id=field(body, "provider_id", str),
        name=field(body, "name", str),
        npi=field(body, "npi", str),
    )
    organization = field(body, "organization", str, "") or None
    with runtime().database.transaction() as session:
        owner = organization_named(session, site, organization) if organization else None
        provider = add_provider(session, site, new, owner)
        return jsonify(_provider_json(provider)), 201


@blueprint.get("/providers")
def list_providers() -> Response:
    with runtime().database.reading() as session:
        providers = [
            {"site": site, **_provider_json(provider)}
            for site in sites_param()
            for provider in providers_of(session, site)
        ]
    return jsonify({"providers": providers})


@blueprint.post("/members")
def add_member() -> tuple[Response, int]:
    """Put a member on a site's roster (what 270s and claims are answered from)."""
    body = json_object()
    site = site_code(field(body, "site", str))
    member_id = field(body, "member_id", str)
    status = field(body, "status", str, "active")
    if status not in ("active", "inactive"):
        raise InvalidRequestError("status: expected active or inactive.")
    try:
        birth_date = date.fromisoformat(field(body, "birth_date", str))
    except ValueError:
        raise InvalidRequestError("birth_date: expected a date like 1980-01-15.") from None
    member = Member(
        site=site,
        member_id=member_id,
        first_name=field(body, "first_name", str).upper(),
        last_name=field(body, "last_name", str).upper(),
        birth_date=birth_date,
        gender=field(body, "gender", str, "U")[:1],
        status=status,
        plan=field(body, "plan", str, "MassHealth Standard"),
        coverage_start=date(2024, 1, 1),
        coverage_end=None,
    )
    with runtime().database.transaction() as session:
        exists = session.scalar(
            select(Member.id).where(Member.site == site, Member.member_id == member_id)
        )
        if exists:
            raise ConflictError(f"Member {member_id} is on the {site} roster already.")
        session.add(member)
    return jsonify({"site": site, "member_id": member_id, "status": status}), 201
