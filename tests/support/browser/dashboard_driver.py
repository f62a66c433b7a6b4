"""Headless Chromium driven step by step (dashboard.js), so a test can write through the API while
the dashboard's pages stay open, and then look at what they show.

Each step is one JSON line to the Node driver and one back; every step is bounded, and so is the
whole run (`RUN_SECONDS`), launch included. A failed step raises with the page's recent console.
"""

import asyncio
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import Any

from tests.support.browser.chromium import CHROMIUM, DRIVERS, PLAYWRIGHT, node_or_skip
from tests.support.waiting import bounded

RUN_SECONDS = 60.0
STEP_SECONDS = 10.0


class Chromium:
    """`await browser("click", "list", selector="#more")`: one driver step on a named page."""

    def __init__(self, process: asyncio.subprocess.Process, deadline: float) -> None:
        self.process = process
        self.deadline = deadline
        self.steps = 0

    async def __call__(self, op: str, page: str | None = None, **args: Any) -> Any:
        self.steps += 1
        timeout = float(args.get("timeout", STEP_SECONDS * 1000)) / 1000
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"the browser run took over {RUN_SECONDS} s")
        command = {"id": self.steps, "op": op, "page": page, **args}
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.process.stdin.write(json.dumps(command).encode() + b"\n")
        await self.process.stdin.drain()
        try:
            line = await asyncio.wait_for(self.process.stdout.readline(), min(left, timeout + 5))
        except TimeoutError:
            raise AssertionError(f"browser step {op} on {page} did not answer") from None
        if not line:
            raise AssertionError(f"the browser driver stopped at {op} on {page}")
        answer: dict[str, Any] = json.loads(line)
        if "error" in answer:
            console = "\n".join(answer.get("log") or [])
            raise AssertionError(f"{op} on {page}: {answer['error']}\nconsole:\n{console}")
        return answer["result"]

    async def wait(self, page: str, source: str, arg: object = None, seconds: float = 8) -> Any:
        """Until the page function `source` (JavaScript) returns something truthy for `arg`."""
        return await self("wait", page, source=source, arg=arg, timeout=int(seconds * 1000))

    async def eval(self, page: str, source: str, arg: object = None) -> Any:
        return await self("eval", page, source=source, arg=arg)


@asynccontextmanager
async def chromium() -> AsyncIterator[Chromium]:
    """A launched browser (skipped, or failed under CI=true, when one is missing)."""
    node = node_or_skip()
    process = await asyncio.create_subprocess_exec(
        node,
        str(DRIVERS / "dashboard.js"),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    deadline = time.monotonic() + RUN_SECONDS
    browser = Chromium(process, deadline)
    try:
        assert process.stdin is not None
        assert process.stdout is not None
        start = {"playwright": str(PLAYWRIGHT), "chromium": str(CHROMIUM)}
        process.stdin.write(json.dumps(start).encode() + b"\n")
        await process.stdin.drain()
        async with bounded(STEP_SECONDS * 2, "the browser driver to start Chromium"):
            ready = await process.stdout.readline()
        if not ready:
            assert process.stderr is not None
            raise AssertionError(f"the browser did not start: {(await process.stderr.read())!r}")
        yield browser
    finally:
        if process.stdin is not None:
            process.stdin.close()
        try:
            await asyncio.wait_for(process.wait(), 10)
        except TimeoutError:
            with suppress(ProcessLookupError):
                process.kill()
            async with bounded(10, "the killed browser driver to exit"):
                await process.wait()
