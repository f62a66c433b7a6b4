"""The security tests' summary line (what was tried, what got through), and hypothesis' storage
in a temporary folder, so no `.hypothesis/` is left in the checkout."""

import shutil
import tempfile

import pytest
from hypothesis.configuration import set_hypothesis_home_dir

from tests.support.security import figures


def pytest_configure(config: pytest.Config) -> None:
    home = tempfile.mkdtemp(prefix="parley-hypothesis-")
    set_hypothesis_home_dir(home)
    config.add_cleanup(lambda: shutil.rmtree(home, ignore_errors=True))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if figures.examples or figures.tried:
        terminalreporter.write_line(figures.summary())
