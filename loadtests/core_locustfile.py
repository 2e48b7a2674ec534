"""The CORE load: only :class:`~loadtests.users.CoreUser`, with the suite's set-up and reports.

    locust --config loadtests/profiles/core.conf
    posc-sim loadtest core

Importing the main locustfile registers its set-up (the LOAD logins, fault rules) and its
final statistics; Locust runs the user classes named here, so only the CORE user runs.
"""

from __future__ import annotations

from loadtests import locustfile  # noqa: F401  (its listeners: set-up, faults, final stats)
from loadtests.users import CoreUser  # noqa: F401  (the one user class of this run)
