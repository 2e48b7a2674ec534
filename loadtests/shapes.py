"""Load shapes: how many users run at each moment of a profile's run (ramp, steady, spike).

Load it beside the locustfile (``-f loadtests/locustfile.py,loadtests/shapes.py``, as the
ramp, steady and spike profiles do) and pick the shape with ``--posc-shape`` (a
``posc-shape`` key in a profile). A shape is a function of the elapsed time, the run time
(``--run-time``) and the peak user count (``--users``), so one profile's numbers scale it;
``--spawn-rate`` is how fast users come and go between levels. Locust takes the first shape
class a locustfile defines, which is why there is only one, :class:`ProfileShape`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from locust import LoadTestShape, events

DEFAULT_RUN_SECONDS = 60  # when a shaped run is started with no --run-time
RAMP_STEPS = 5
RAMP_SHARE = 0.75  # of the run spent climbing; the rest holds the peak
SPIKE_START, SPIKE_END = 0.4, 0.6  # the spike, as shares of the run
SPIKE_BASE_SHARE = 0.2  # users outside the spike, as a share of the peak

Shape = Callable[[float, float, int], int]


def steady(_elapsed: float, _run_time: float, peak: int) -> int:
    """The peak from start to end: the throughput and latency a site keeps up with."""
    return peak


def ramp(elapsed: float, run_time: float, peak: int) -> int:
    """Climb to the peak in even steps over the first three quarters, then hold it.

    Steps rather than a slope, so each level runs long enough to read its latency off.
    """
    step_seconds = RAMP_SHARE * run_time / RAMP_STEPS
    step = min(RAMP_STEPS, int(elapsed // step_seconds) + 1)
    return max(1, math.ceil(peak * step / RAMP_STEPS))


def spike(elapsed: float, run_time: float, peak: int) -> int:
    """A fifth of the peak, then all of it for the middle fifth of the run, then back.

    What a Monday-morning batch window does: whether the site recovers matters as much as
    how it copes.
    """
    if SPIKE_START * run_time <= elapsed < SPIKE_END * run_time:
        return peak
    return max(1, math.ceil(peak * SPIKE_BASE_SHARE))


SHAPES: dict[str, Shape] = {"steady": steady, "ramp": ramp, "spike": spike}


@events.init_command_line_parser.add_listener
def add_shape_option(parser: Any, **_kwargs: Any) -> None:
    parser.add_argument(
        "--posc-shape",
        env_var="POSC_SIM_LOAD_SHAPE",
        choices=sorted(SHAPES),
        default="steady",
        help="Load shape with loadtests/shapes.py: ramp, steady or spike (default steady).",
    )


class ProfileShape(LoadTestShape):
    """The shape ``--posc-shape`` names, scaled by ``--users`` and ``--run-time``."""

    use_common_options = True

    def tick(self) -> tuple[int, float] | None:
        options = self.runner.environment.parsed_options if self.runner else None
        if options is None:
            return None
        run_time = float(options.run_time or DEFAULT_RUN_SECONDS)
        elapsed = self.get_run_time()
        if elapsed >= run_time:
            return None
        users = SHAPES[options.posc_shape](elapsed, run_time, options.num_users or 1)
        return users, float(options.spawn_rate or 1)
