"""The two MassHealth sites as data: code asks a profile, it never branches on a site's name."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SiteProfile:
    """What makes one site differ from the other.

    ``usage_indicator`` is the ISA15 value the site accepts and writes; ``pays_claims`` says
    whether 837 claims end in an 835 remittance; ``banner`` is the visible label every page
    carries (``None``: no label, as on the real production site). ``tests_partners`` marks the
    site where trading partners test: its uploads count toward certification, and the
    ``certification`` setting gates uploads on the other site only.
    """

    code: str
    name: str
    title: str
    banner: str | None
    usage_indicator: str
    pays_claims: bool
    tests_partners: bool

    @property
    def url_prefix(self) -> str:
        return f"/{self.code}"


TEST = SiteProfile(
    code="test",
    name="Test",
    title="Test Transactions",
    banner="TEST",
    usage_indicator="T",
    pays_claims=False,
    tests_partners=True,
)
PRODUCTION = SiteProfile(
    code="prod",
    name="Production",
    title="Production Transactions",
    banner=None,
    usage_indicator="P",
    pays_claims=True,
    tests_partners=False,
)

SITES: dict[str, SiteProfile] = {profile.code: profile for profile in (TEST, PRODUCTION)}
SITE_CODES: tuple[str, ...] = tuple(SITES)
TESTING_SITE: SiteProfile = next(profile for profile in SITES.values() if profile.tests_partners)
