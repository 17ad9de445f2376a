"""The gate tests' fixtures: a fresh results store per test, a real SMTP server and webhook receiver."""

from tests.operators.test_gate import alerting, store  # noqa: F401
