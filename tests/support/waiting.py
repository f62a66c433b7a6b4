"""Every wait in a test or a fixture is bounded, and says what it waited for when it gives up."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


@asynccontextmanager
async def bounded(seconds: float, what: str) -> AsyncIterator[None]:
    """Runs the block within `seconds`; past that, cancels it and fails with AssertionError
    naming `what` it waited for (a TimeoutError of the block's own passes through)."""
    timeout = asyncio.timeout(seconds)
    try:
        async with timeout:
            yield
    except TimeoutError:
        if not timeout.expired():
            raise
        raise AssertionError(f"gave up after {seconds:g} s waiting for {what}") from None
