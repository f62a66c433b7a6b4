"""How a process's reply board tells the other processes (subscriptions/replies.py): its notices
(pieces and checkpoints of replies) go out in order through one sender, and those posted while a
notice is on its way share the next one, within PostgreSQL's payload bound. A notice that fails
to send is logged: a board that missed pieces stops at the gap and asks for a checkpoint."""

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable

logger = logging.getLogger("parley.replies")

MAX_NOTICE_CHARACTERS = 1200
"""Characters of one notice's text: a NOTIFY payload holds under 8,000 bytes, and a character
takes up to six of them in JSON (a control character's escape; four in UTF-8)."""
NOTICE_BYTES = 7_900
"""Bytes of one NOTIFY payload at most (PostgreSQL refuses 8,000 and more)."""
NOTICE_LINGER_SECONDS = 0.005
"""While pieces keep coming, a notice waits this long after the one before it, so pieces of
every reply taken meanwhile share it: a few milliseconds more between processes, one NOTIFY
round trip for many pieces instead of one each."""

Publish = Callable[[str], Awaitable[None]]
"""Sends a notice to every process (PostgreSQL's NOTIFY)."""


class Relay:
    """One process's sender of reply notices: one notice on its way at a time."""

    def __init__(self, publish: Publish) -> None:
        self._publish = publish
        self._outbox: list[dict[str, object]] = []
        self._sending: asyncio.Task[None] | None = None
        self._sent_at = 0.0

    def post(self, notice: dict[str, object]) -> None:
        """Sends `notice` after those posted before it, in the next notice out."""
        self._outbox.append(notice)
        if self._sending is None:
            self._sending = asyncio.get_running_loop().create_task(self._send())

    async def _send(self) -> None:
        try:
            while self._outbox:
                wait = self._sent_at + NOTICE_LINGER_SECONDS - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                self._sent_at = time.monotonic()
                posted, self._outbox = self._outbox, []
                for payload in payloads(posted):
                    try:
                        await self._publish(payload)
                    except Exception:
                        # Who missed these pieces stops at the gap and reads the next checkpoint.
                        logger.exception("sending a reply notice failed")
        finally:
            self._sending = None

    async def sent(self) -> None:
        """Returns once every notice posted so far has been sent."""
        while (sending := self._sending) is not None:
            await asyncio.shield(sending)


def payloads(posted: list[dict[str, object]]) -> list[str]:
    """The notices, in order, in as few payloads as `NOTICE_BYTES` allows: a piece that continues
    the one before it (same reply) joins it, up to `MAX_NOTICE_CHARACTERS`, and several go in
    one batch (`{"k": "b", "n": [...]}`)."""
    joined: list[dict[str, object]] = []
    for notice in posted:
        last = joined[-1] if joined else None
        if (
            last is not None
            and notice["k"] == "d" == last["k"]
            and notice["m"] == last["m"]
            and "f" not in notice
            and isinstance(text := notice["t"], str)
            and isinstance(before := last["t"], str)
            and isinstance(offset := last["o"], int)
            and notice["o"] == offset + len(before)
            and len(before) + len(text) <= MAX_NOTICE_CHARACTERS
        ):
            joined[-1] = {**last, "t": before + text}
        else:
            joined.append(notice)
    payloads: list[str] = []
    batch: list[str] = []
    size = 0
    for notice in joined:
        encoded = json.dumps(notice, ensure_ascii=False, separators=(",", ":"))
        length = len(encoded.encode())
        if batch and size + length + 1 > NOTICE_BYTES - len(_BATCH) - 2:
            payloads.append(_batched(batch))
            batch, size = [], 0
        batch.append(encoded)
        size += length + 1
    if batch:
        payloads.append(_batched(batch))
    return payloads


_BATCH = '{"k":"b","n":[]}'


def _batched(encoded: list[str]) -> str:
    return encoded[0] if len(encoded) == 1 else '{"k":"b","n":[' + ",".join(encoded) + "]}"
