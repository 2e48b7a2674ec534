from __future__ import annotations

import pytest

from simulator.portal.identifiers import is_valid_npi, is_valid_pid_sl, npi_check_digit


def test_npi_check_digit_matches_the_published_example() -> None:
    # CMS's worked example: 123456789 has check digit 3.
    assert npi_check_digit("123456789") == "3"
    assert is_valid_npi("1234567893")


@pytest.mark.parametrize("npi", ["1234567890", "123456789", "0234567893", "12345678931", "abc"])
def test_invalid_npis_are_refused(npi: str) -> None:
    assert not is_valid_npi(npi)


@pytest.mark.parametrize(
    ("provider_id", "valid"),
    [("110048577A", True), ("110048577", False), ("110048577a", False), ("11004857AA", False)],
)
def test_pid_sl_is_nine_digits_and_a_letter(provider_id: str, valid: bool) -> None:
    assert is_valid_pid_sl(provider_id) is valid
