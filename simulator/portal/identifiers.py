"""MassHealth and national identifiers: PID/SL provider IDs, NPIs, submitter IDs."""

from __future__ import annotations

import re

PID_SL_PATTERN = re.compile(r"^[0-9]{9}[A-Z]$")
NPI_PATTERN = re.compile(r"^[12][0-9]{9}$")
USER_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{2,31}$")
NPI_PREFIX = "80840"  # the health-industry prefix the NPI check digit is computed over


def luhn_check_digit(digits: str) -> str:
    """The Luhn digit that makes ``digits`` followed by it a valid Luhn number."""
    total = 0
    for index, character in enumerate(reversed(digits)):
        value = int(character)
        if index % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str((10 - total % 10) % 10)


def npi_check_digit(first_nine: str) -> str:
    return luhn_check_digit(NPI_PREFIX + first_nine)


def is_valid_npi(npi: str) -> bool:
    return bool(NPI_PATTERN.match(npi)) and npi_check_digit(npi[:9]) == npi[9]


def is_valid_pid_sl(provider_id: str) -> bool:
    return bool(PID_SL_PATTERN.match(provider_id))


def is_valid_user_id(user_id: str) -> bool:
    return bool(USER_ID_PATTERN.match(user_id))
