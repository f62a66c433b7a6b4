"""Browser tests are heavy (tier `heavy`: run once, on the PostgreSQL leg) unless marked
`both_databases` (an end-to-end test an issue asks for on both), and their screenshots
go to a temporary folder unless PARLEY_SCREENSHOTS names one (`make screenshots` names
docs/screenshots), so running the suite leaves the work tree clean."""

import os
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.is_relative_to(HERE) and item.get_closest_marker("both_databases") is None:
            item.add_marker(pytest.mark.heavy)


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the browser tests save their screenshots."""
    chosen = os.environ.get("PARLEY_SCREENSHOTS")
    if not chosen:
        return tmp_path_factory.mktemp("screenshots")
    folder = Path(chosen)
    folder.mkdir(parents=True, exist_ok=True)
    return folder
