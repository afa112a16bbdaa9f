"""Fixtures and hooks of the fault suite. The loopback servers themselves are started by each module's
`played` / `matrix` / `table` fixture (fault_test/batch.py), a fresh set for every case, stopped when it ends."""

import pytest

from fault_test.server import self_signed_context
from fault_test.util import write_results


@pytest.fixture(scope="session")
def tls_context(tmp_path_factory):
    """A server TLS context with a self-signed certificate for 127.0.0.1, made for this session."""
    return self_signed_context(tmp_path_factory.mktemp("tls"))


def pytest_sessionfinish(session, exitstatus):
    path = write_results()
    if path is not None:
        session.config._fault_results = path


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    path = getattr(config, "_fault_results", None)
    if path is not None:
        terminalreporter.write_line(f"fault_test: results table written to {path}")
