"""The two sites share one database and are still separate worlds."""

from __future__ import annotations

from sqlalchemy import func, select

from posc_sim_fixtures.factories import NewProviderFactory, NewUserFactory
from simulator.control.seeding import reset_sites
from simulator.portal.accounts import add_provider, add_user, find_provider
from simulator.runtime import Runtime
from simulator.store.models import Provider, User


def count(runtime: Runtime, model: type[User] | type[Provider], site: str) -> int:
    with runtime.database.reading() as session:
        return (
            session.scalar(select(func.count()).select_from(model).where(model.site == site)) or 0
        )


def test_a_provider_and_user_of_one_site_are_invisible_to_the_other(runtime: Runtime) -> None:
    new_provider = NewProviderFactory()
    with runtime.database.transaction() as session:
        provider = add_provider(session, "test", new_provider)
        user = add_user(
            session,
            "test",
            NewUserFactory(user_id="ONLYONTEST"),
            now=runtime.clock.now(),
            providers=[provider],
            hasher=runtime.hasher,
        )
        assert user.providers == [provider]
    with runtime.database.reading() as session:
        assert find_provider(session, "test", new_provider.provider_id) is not None
        assert find_provider(session, "prod", new_provider.provider_id) is None
        on_prod = session.scalar(
            select(User).where(User.site == "prod", User.user_id == "ONLYONTEST")
        )
        assert on_prod is None


def test_the_same_ids_may_exist_on_both_sites_as_different_accounts(runtime: Runtime) -> None:
    with runtime.database.reading() as session:
        masters = session.scalars(select(User).where(User.user_id == "DEMOMASTER")).all()
    assert sorted(user.site for user in masters) == ["prod", "test"]
    assert masters[0].id != masters[1].id


def test_resetting_one_site_leaves_the_other_untouched(runtime: Runtime) -> None:
    prod_users = count(runtime, User, "prod")
    reset_sites(runtime, ["test"], "empty", 5)
    assert count(runtime, User, "test") == 0
    assert count(runtime, Provider, "test") == 0
    assert count(runtime, User, "prod") == prod_users > 0
