"""``python -m simulator`` is ``posc-sim``."""

from simulator.cli import main

main()
