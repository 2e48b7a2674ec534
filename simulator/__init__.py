"""posc-sim: a test-harness simulator of the MassHealth Provider Online Service Center."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("posc-sim")
except PackageNotFoundError:  # imported from a source tree that was never installed
    __version__ = "0+unknown"
