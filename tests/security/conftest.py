"""The API suites' fixtures (the app on embedded defaults, keys of tenants alpha and beta),
shared rather than copied: tests/unit/api/conftest.py."""

from tests.unit.api.conftest import alpha, app, beta, keys, sender  # noqa: F401  (pytest fixtures)
