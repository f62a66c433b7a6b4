"""Chromium driven by Node drivers (playwright-core): where they are, and running one.

`make browser-deps` installs playwright-core in .browser/ and Debian's chromium. Under CI=true a
missing browser fails the test; elsewhere it skips, saying what is missing.
"""

import asyncio
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from server.settings import PROJECT_ROOT
from tests.support.waiting import bounded

DRIVERS = PROJECT_ROOT / "tests" / "browser"
"""The Node drivers (drive.js, dashboard.js …) and the pages they open."""
PLAYWRIGHT = PROJECT_ROOT / ".browser" / "node_modules" / "playwright-core"
CHROMIUM = Path(os.environ.get("PARLEY_CHROMIUM", "/usr/bin/chromium"))
RUN_SECONDS = 90.0
"""The whole browser run, launch included; each page's own waits are 5 s."""


def node_or_skip() -> str:
    """The `node` to run drive.js with, once Chromium and playwright-core are there too."""
    node = shutil.which("node")
    missing = [
        what
        for what, there in (
            ("node", node is not None),
            (f"Chromium at {CHROMIUM}", CHROMIUM.exists()),
            (f"playwright-core in {PLAYWRIGHT.parent.parent}", PLAYWRIGHT.exists()),
        )
        if not there
    ]
    if missing or node is None:
        message = f"the browser test needs {', '.join(missing)}: run `make browser-deps`"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message + " (with CI=true this fails)")
    return node


async def run_driver(
    node: str, script: str, job: dict[str, Any], seconds: float = RUN_SECONDS
) -> Any:
    """What a Node driver of DRIVERS printed as JSON for `job` (with where playwright-core
    and Chromium are), within `seconds`."""
    job = {"playwright": str(PLAYWRIGHT), "chromium": str(CHROMIUM), **job}
    process = await asyncio.create_subprocess_exec(
        node,
        str(DRIVERS / script),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(json.dumps(job).encode()), seconds)
    except TimeoutError:
        process.kill()
        async with bounded(10, f"the killed {script} to exit"):
            await process.wait()
        raise AssertionError(f"the browser run took over {seconds} s") from None
    assert process.returncode == 0, err.decode()
    return json.loads(out)
