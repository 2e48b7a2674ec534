"""Reset and seed sites with a named data set; used by ``serve``, the CLI and the control API."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from posc_sim_fixtures.datasets import DemoAccount, SeedContext, seed_site
from simulator.runtime import SETUP_LOCK, Runtime
from simulator.sites import SITE_CODES
from simulator.store.models import SiteState
from simulator.store.wipe import wipe_site_rows


@dataclass(frozen=True)
class SeededSite:
    site: str
    dataset: str
    seed: int
    accounts: tuple[DemoAccount, ...]


def reset_sites(
    runtime: Runtime, sites: Iterable[str], dataset: str, seed: int
) -> list[SeededSite]:
    """Wipe each site's rows and files, then seed it afresh.

    The wipe is committed and the files removed before seeding, so files the new data set
    stores are never caught by the removal.
    """
    results = []
    for site in sites:
        with runtime.database.transaction() as session:
            wipe_site_rows(session, site)
        runtime.blobs.wipe_site(site)
        with runtime.database.transaction() as session:
            results.append(_seed(runtime, session, site, dataset, seed))
    return results


def seed_unseeded_sites(runtime: Runtime, dataset: str, seed: int) -> list[SeededSite]:
    """Seed the sites that have never been seeded; leave seeded ones as they are.

    Hosts starting together on one database take turns, so each site is seeded once.
    """
    results = []
    for site in SITE_CODES:
        with runtime.database.exclusive(SETUP_LOCK) as session:
            if session.get(SiteState, site) is None:
                results.append(_seed(runtime, session, site, dataset, seed))
    return results


def seeded_sites(runtime: Runtime) -> dict[str, SiteState]:
    with runtime.database.reading() as session:
        return {state.site: state for state in session.scalars(select(SiteState))}


def _seed(runtime: Runtime, session: Session, site: str, dataset: str, seed: int) -> SeededSite:
    now = runtime.clock.now()
    context = SeedContext(session, site, now, runtime.hasher, runtime.blobs, seed)
    accounts = seed_site(context, dataset)
    session.add(SiteState(site=site, dataset=dataset, seed=seed, seeded_at=now))
    return SeededSite(site=site, dataset=dataset, seed=seed, accounts=accounts)
