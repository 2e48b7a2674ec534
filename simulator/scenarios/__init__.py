"""Scenario suites: YAML files that set up a situation, run a client and check what happened."""
