"""The account rules, through the domain service alone (no Flask)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from posc_sim_fixtures.factories import NewProviderFactory, NewUserFactory
from simulator.portal.access import AccountService, ProfileChange
from simulator.portal.accounts import add_provider, add_user, organization_named
from simulator.portal.errors import (
    AccountLockedError,
    InvalidCredentialsError,
    InvalidRequestError,
    PasswordChangeRequiredError,
    PasswordExpiredError,
    PasswordPolicyError,
    ProviderNotAuthorizedError,
    ResetRefusedError,
)
from simulator.runtime import Runtime

PASSWORD = "Secret#123"
QUESTIONS = (("First school?", "Lincoln Elementary"), ("Birth city?", "Worcester"))


def open_account(runtime: Runtime, site: str = "test", **overrides: object) -> str:
    with runtime.database.transaction() as session:
        provider = add_provider(session, site, NewProviderFactory())
        new = NewUserFactory(password=PASSWORD, security_questions=QUESTIONS, **overrides)
        add_user(
            session, site, new, now=runtime.clock.now(), providers=[provider], hasher=runtime.hasher
        )
        return str(new.user_id)


@pytest.fixture
def accounts(runtime: Runtime) -> AccountService:
    return runtime.accounts


def test_right_password_logs_in(runtime: Runtime, accounts: AccountService) -> None:
    user_id = open_account(runtime)
    account = accounts.authenticate("test", user_id, PASSWORD)
    assert account.user_id == user_id
    assert not account.needs_new_password
    assert len(account.providers) == 1


def test_unknown_user_and_wrong_password_look_alike(
    runtime: Runtime, accounts: AccountService
) -> None:
    user_id = open_account(runtime)
    with pytest.raises(InvalidCredentialsError):
        accounts.authenticate("test", "NOBODY1", PASSWORD)
    with pytest.raises(InvalidCredentialsError):
        accounts.authenticate("test", user_id, "Wrong#1234")


def test_an_account_exists_only_on_its_own_site(runtime: Runtime, accounts: AccountService) -> None:
    user_id = open_account(runtime, site="test")
    with pytest.raises(InvalidCredentialsError):
        accounts.authenticate("prod", user_id, PASSWORD)


def test_five_wrong_passwords_lock_and_a_right_one_resets_the_count(
    runtime: Runtime, accounts: AccountService
) -> None:
    user_id = open_account(runtime)
    for _ in range(4):
        with pytest.raises(InvalidCredentialsError):
            accounts.authenticate("test", user_id, "Wrong#1234")
    accounts.authenticate("test", user_id, PASSWORD)  # count back to zero
    for _ in range(4):
        with pytest.raises(InvalidCredentialsError):
            accounts.authenticate("test", user_id, "Wrong#1234")
    with pytest.raises(AccountLockedError):
        accounts.authenticate("test", user_id, "Wrong#1234")
    with pytest.raises(AccountLockedError):
        accounts.authenticate("test", user_id, PASSWORD)  # right password, still locked
    accounts.unlock("test", user_id)
    assert accounts.authenticate("test", user_id, PASSWORD).user_id == user_id


def test_customer_services_password_must_be_changed(
    runtime: Runtime, accounts: AccountService
) -> None:
    user_id = open_account(runtime)
    for _ in range(5):
        with pytest.raises((InvalidCredentialsError, AccountLockedError)):
            accounts.authenticate("test", user_id, "Wrong#1234")
    accounts.assign_password("test", user_id, "Assigned#99")
    account = accounts.authenticate("test", user_id, "Assigned#99")
    assert account.must_change_password
    with pytest.raises(PasswordChangeRequiredError):
        account.require_usable_password()
    changed = accounts.change_password("test", user_id, "Assigned#99", "Chosen#2027")
    assert not changed.needs_new_password


def test_password_expires_after_90_days_by_the_simulated_clock(
    runtime: Runtime, accounts: AccountService
) -> None:
    user_id = open_account(runtime)
    runtime.clock.advance(timedelta(days=89, hours=23))
    accounts.authenticate("test", user_id, PASSWORD).require_usable_password()
    runtime.clock.advance(timedelta(hours=1))
    account = accounts.authenticate("test", user_id, PASSWORD)
    assert account.password_expired
    with pytest.raises(PasswordExpiredError):
        account.require_usable_password()
    renewed = accounts.change_password("test", user_id, PASSWORD, "Renewed#2027")
    assert not renewed.password_expired


@pytest.mark.parametrize(
    ("password", "rule"),
    [
        ("Ab#1", "at least 8 characters"),
        ("abcdefghij", "two of these four types"),
        ("12345678", "two of these four types"),
        (PASSWORD, "different from the current password"),
    ],
)
def test_password_policy_names_the_rule(
    runtime: Runtime, accounts: AccountService, password: str, rule: str
) -> None:
    user_id = open_account(runtime)
    with pytest.raises(PasswordPolicyError, match=rule):
        accounts.change_password("test", user_id, PASSWORD, password)


def test_a_wrong_current_password_on_change_counts_toward_lockout(
    runtime: Runtime, accounts: AccountService
) -> None:
    user_id = open_account(runtime)
    for _ in range(4):
        with pytest.raises(InvalidCredentialsError):
            accounts.change_password("test", user_id, "Wrong#1234", "Another#123")
    with pytest.raises(AccountLockedError):
        accounts.authenticate("test", user_id, "Wrong#1234")


def test_forgotten_password_with_right_answers(runtime: Runtime, accounts: AccountService) -> None:
    user_id = open_account(runtime)
    assert accounts.security_questions("test", user_id) == ("First school?", "Birth city?")
    accounts.verify_answers("test", user_id, ("  lincoln   ELEMENTARY ", "worcester"))
    accounts.reset_password("test", user_id, "Remembered#1")
    assert accounts.authenticate("test", user_id, "Remembered#1").user_id == user_id


def test_forgotten_password_allows_two_tries_only(
    runtime: Runtime, accounts: AccountService
) -> None:
    user_id = open_account(runtime)
    with pytest.raises(InvalidCredentialsError, match="try once more"):
        accounts.verify_answers("test", user_id, ("Lincoln Elementary", "Boston"))
    with pytest.raises(ResetRefusedError, match="Customer"):
        accounts.verify_answers("test", user_id, ("Wrong", "Worcester"))
    with pytest.raises(ResetRefusedError):
        accounts.verify_answers("test", user_id, ("Lincoln Elementary", "Worcester"))
    with pytest.raises(ResetRefusedError):
        accounts.security_questions("test", user_id)
    accounts.unlock("test", user_id)  # Customer Services clears the tries
    accounts.verify_answers("test", user_id, ("Lincoln Elementary", "Worcester"))


def test_a_locked_account_cannot_reset_by_questions(
    runtime: Runtime, accounts: AccountService
) -> None:
    user_id = open_account(runtime)
    for _ in range(5):
        with pytest.raises((InvalidCredentialsError, AccountLockedError)):
            accounts.authenticate("test", user_id, "Wrong#1234")
    with pytest.raises(AccountLockedError):
        accounts.security_questions("test", user_id)


def test_profile_changes_are_validated(runtime: Runtime, accounts: AccountService) -> None:
    user_id = open_account(runtime)
    good = ProfileChange("Ada", "Byron", "Analytical Billing", "ada@example.org", "(617) 555-0123")
    assert accounts.update_profile("test", user_id, good).email == "ada@example.org"
    with pytest.raises(InvalidRequestError, match="e-mail"):
        accounts.update_profile(
            "test", user_id, good.__class__(**{**good.__dict__, "email": "ada"})
        )
    with pytest.raises(InvalidRequestError, match="US number"):
        accounts.update_profile(
            "test", user_id, good.__class__(**{**good.__dict__, "phone": "+44 20 7946 0958"})
        )


def test_security_information_replaces_questions_and_password(
    runtime: Runtime, accounts: AccountService
) -> None:
    user_id = open_account(runtime)
    new_questions = (("Favourite colour?", "Teal"), ("First car?", "Volvo"))
    accounts.update_security("test", user_id, PASSWORD, "Changed#2026", new_questions)
    assert accounts.questions_on_file("test", user_id) == ("Favourite colour?", "First car?")
    accounts.verify_answers("test", user_id, ("teal", "VOLVO"))
    assert accounts.authenticate("test", user_id, "Changed#2026")


def test_master_users_act_for_every_provider_of_their_organization(runtime: Runtime) -> None:
    with runtime.database.transaction() as session:
        organization = organization_named(session, "prod", "Shared Billing")
        first = add_provider(session, "prod", NewProviderFactory(), organization)
        second = add_provider(session, "prod", NewProviderFactory(), organization)
        outsider = add_provider(session, "prod", NewProviderFactory())
        for user_id, level in (("MASTER1", "master"), ("CLERK1", "user")):
            new = NewUserFactory(
                user_id=user_id,
                password=PASSWORD,
                security_level=level,
                organization="Shared Billing",
            )
            add_user(
                session,
                "prod",
                new,
                now=runtime.clock.now(),
                providers=[first],
                hasher=runtime.hasher,
            )
        ids = (first.provider_id, second.provider_id, outsider.provider_id)
    master = runtime.accounts.account("prod", "MASTER1")
    clerk = runtime.accounts.account("prod", "CLERK1")
    assert {p.provider_id for p in master.providers} == {ids[0], ids[1]}
    assert [p.provider_id for p in clerk.providers] == [ids[0]]
    assert clerk.provider(ids[0]).provider_id == ids[0]
    for account, refused in ((clerk, ids[1]), (clerk, ids[2]), (master, ids[2])):
        with pytest.raises(ProviderNotAuthorizedError):
            account.provider(refused)
