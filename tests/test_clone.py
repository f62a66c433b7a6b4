"""A plain clone of the repository, with nothing beside it, passes its own tests.

The suite runs again, on SQLite, in a fresh `git clone` of the committed tree inside an empty
folder, with no PARLEY_CONTRACT: nothing of ../shared/ or of this checkout's untracked files can
help it, except the tools `make test` installs (this venv, and .browser/ for the browser test).
(The clone's own run of this test is skipped, or it would recurse. It runs on the SQLite leg of
`make test` only: the clone's suite is the SQLite one either way, and once is enough. The clone
generates fewer queries for the differential test, which the leg itself runs in full.)
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from server.settings import PROJECT_ROOT

INSIDE_A_CLONE = "PARLEY_CLONE_TEST"


@pytest.mark.skipif(os.environ.get(INSIDE_A_CLONE) == "1", reason="this run is the clone's")
@pytest.mark.skipif(
    os.environ.get("PARLEY_TEST_DATABASE") == "postgres", reason="the SQLite leg runs the clone"
)
def test_a_clone_with_nothing_beside_it_passes_its_tests(tmp_path: Path) -> None:
    git = shutil.which("git")
    if git is None or not (PROJECT_ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    clone = tmp_path / "alone" / "parley"
    subprocess.run(
        [git, "clone", "--quiet", "--no-hardlinks", str(PROJECT_ROOT), str(clone)], check=True
    )
    assert sorted(path.name for path in clone.parent.iterdir()) == ["parley"]
    # What `make test` installs for the clone too (git-ignored tools, like the venv this run
    # shares): the browser test's playwright-core.
    installed = PROJECT_ROOT / ".browser"
    if installed.exists():
        (clone / ".browser").symlink_to(installed, target_is_directory=True)
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("PARLEY_", "PYTEST_")) and name != "DATABASE_URL"
    }
    env |= {
        INSIDE_A_CLONE: "1",
        "PARLEY_TEST_DATABASE": "sqlite",
        "PARLEY_DIFFERENTIAL_QUERIES": "300",
    }
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider"],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    summary = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else run.stderr
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert " passed" in summary, summary
    assert "failed" not in summary, summary
