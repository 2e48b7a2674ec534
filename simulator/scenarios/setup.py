"""Setting a site up as a scenario's ``given`` block says, through the control API."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

# A control API call: (method, path under /_sim/v1, JSON body) -> the JSON answer.
Control = Callable[[str, str, Any], Any]
# The provider a user gets when its entry names none.
DEFAULT_USER_PROVIDERS = ("110048577A",)


def apply_given(control: Control, site: str, given: Mapping[str, Any]) -> None:
    """The scenario runner's set-up calls for ``given`` on ``site``, through ``control``."""
    for provider in given.get("providers", []):
        control("POST", "/providers", {"site": site, **provider})
    for user in given.get("users", []):
        control("POST", "/users", {"site": site, "providers": [*DEFAULT_USER_PROVIDERS], **user})
    for member in given.get("members", []):
        control("POST", "/members", {"site": site, **member})
    for placed in given.get("files", []):
        control("POST", "/files", {"site": site, **placed})
    if "clock" in given:
        control("POST", "/clock", given["clock"])
    for rule in given.get("faults", []):
        control("POST", "/faults", {"site": site, **rule})
    for standing in given.get("certification", []):
        control("POST", "/certification", {"certified": True, **standing})
