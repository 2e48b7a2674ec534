"""The control plane (``/_sim/v1``): health, readiness, reset and seed, for test harnesses."""
