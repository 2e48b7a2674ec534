"""posc-sim: a test-harness simulator of the MassHealth Provider Online Service Center."""

__version__ = "0.1.0"
