"""A plain clone of the repository, with nothing beside it, has everything its tests need.

A fresh `git clone` of the committed tree, inside an empty folder and with no PARLEY_CONTRACT,
collects the whole suite without an error (every test module and conftest imports, so no helper
lives only in this checkout's untracked files or in ../shared/), and passes a sample that
starts the real app on a database it migrates itself: the smoke test, the schema checks and the
migrations check. (Rerunning the whole suite there proved no more than this and cost minutes;
the clone's own run of this test is skipped, or it would recurse. It runs on the SQLite leg of
`make test`: a clone needs no PostgreSQL.)
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from server.settings import PROJECT_ROOT

INSIDE_A_CLONE = "PARLEY_CLONE_TEST"
SAMPLE = ["tests/test_smoke.py", "tests/test_schema.py", "tests/test_migrations.py"]
SECONDS = 300


def _pytest(clone: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("PARLEY_", "PYTEST_")) and name != "DATABASE_URL"
    }
    env |= {INSIDE_A_CLONE: "1", "PARLEY_TEST_DATABASE": "sqlite"}
    try:
        return subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *arguments],
            cwd=clone,
            env=env,
            capture_output=True,
            text=True,
            timeout=SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise AssertionError(
            f"pytest {' '.join(arguments)} in the clone took over {SECONDS} s"
        ) from None


@pytest.mark.skipif(os.environ.get(INSIDE_A_CLONE) == "1", reason="this run is the clone's")
@pytest.mark.skipif(
    os.environ.get("PARLEY_TEST_DATABASE") == "postgres", reason="the SQLite leg runs the clone"
)
def test_a_clone_with_nothing_beside_it_collects_its_suite_and_passes_a_sample(
    tmp_path: Path,
) -> None:
    git = shutil.which("git")
    if git is None or not (PROJECT_ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    clone = tmp_path / "alone" / "parley"
    subprocess.run(
        [git, "clone", "--quiet", "--no-hardlinks", str(PROJECT_ROOT), str(clone)],
        check=True,
        timeout=SECONDS,
    )
    assert sorted(path.name for path in clone.parent.iterdir()) == ["parley"]

    collected = _pytest(clone, "--collect-only")
    assert collected.returncode == 0, collected.stdout[-4000:] + collected.stderr[-2000:]
    summary = collected.stdout.strip().splitlines()[-1]
    assert " collected" in summary, summary
    assert "error" not in summary, summary
    tracked = subprocess.run(
        [git, "ls-files", "tests/**/test_*.py", "tests/test_*.py"],
        cwd=clone,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert len(tracked) > 50, tracked
    modules = {line.split("::", 1)[0] for line in collected.stdout.splitlines() if "::" in line}
    assert sorted(set(tracked) - modules) == [], "test modules of the clone that collect nothing"

    sample = _pytest(clone, "-x", *SAMPLE)
    summary = sample.stdout.strip().splitlines()[-1] if sample.stdout.strip() else sample.stderr
    assert sample.returncode == 0, sample.stdout[-4000:] + sample.stderr[-2000:]
    assert " passed" in summary, summary
    assert "failed" not in summary, summary
