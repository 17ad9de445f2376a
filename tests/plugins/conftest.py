"""Fixtures shared with the gate tests: a fresh results store per test, real SMTP and webhook servers."""

from tests.operators.test_gate import alerting, store  # noqa: F401
