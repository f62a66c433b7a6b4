"""Numbers PostgreSQL's events after their writers commit, so no writer waits for another.

A writer inserts its events unnumbered and commits: nothing in its transaction is shared with the
writers of other conversations (the workspace's counter is not touched, no NOTIFY is queued, and
PostgreSQL serialises the commits of every transaction that notifies on one lock). Then one
sequencer at a time, anywhere (an advisory lock), numbers every committed unnumbered event in one
statement: the workspace's counter advances by as many, the rows take the numbers in the order
they were written, and each workspace with new numbers is announced in that same transaction —
the only one that notifies. Numbers therefore still become visible in order, with no gaps, and a
reader of "everything after the last number seen" still never skips one.

Writers wait for the run that follows their commit (`Sequencer.numbered`), so a mutation that
returned has its events in the log, as before; many writers share one run, the way PostgreSQL's
group commit shares a flush. An event whose writer died right after committing is numbered by
the next run of any process (each runs one at least every `SWEEP_SECONDS`).
"""

import asyncio
import logging
import weakref
from collections.abc import Callable, Collection, Sequence

from resolvers.database.sql import Params, fetch

logger = logging.getLogger("parley.live")

BATCH = 5000
"""Events numbered by one statement at most; a run repeats until none is left."""
WAIT_SECONDS = 2.0
"""How long a writer waits for its events' numbers before answering anyway (its events are
committed, and the next run numbers them)."""
SWEEP_SECONDS = 1.0

Announce = Callable[[Sequence[tuple[int, int]]], None]
"""Told (workspace id, last event number) for each workspace a run numbered, once committed."""
Publish = Callable[[Sequence[tuple[int, int]]], None]
"""Hands the numbers to a bus that carries them to other processes instead of NOTIFY; it
publishes them soon and never waits."""
RECENT_SECONDS = 10
"""With a bus, each sweep re-announces the workspaces numbered this recently: numbers whose
publish was lost (a process dead right after its run's commit, a bus away) still arrive."""


async def number_events(
    notify: str | None, channels: Collection[str] = ()
) -> list[tuple[int, int]]:
    """One run: every committed unnumbered event numbered (in batches of `BATCH`), each workspace
    announced on `notify`, then a notice on each of `channels`; returns each numbered
    workspace's last number. Each batch is one call of `parley_number_events` (migration 0023),
    so a run costs one round trip and one commit."""
    last: dict[int, int] = {}
    extra = sorted(channels)
    while True:
        params = Params("postgres")
        rows = await fetch(
            "SELECT workspace, last_number, numbered FROM parley_number_events("
            f"{params.add(BATCH)}, {params.add(notify)}::text, {params.add(extra)}::text[])",
            params,
        )
        for row in rows:
            last[int(row["workspace"])] = int(row["last_number"])
        if not rows or int(rows[0]["numbered"]) < BATCH:
            break
        extra = []
    return sorted(last.items())


class Sequencer:
    """This process's side: runs one after another, each serving every writer that committed
    before it began."""

    def __init__(self, announce: Announce, notify: str | None) -> None:
        self._announce = announce
        self._waiters: list[asyncio.Future[None]] = []
        self._channels: set[str] = set()
        self._running: asyncio.Task[None] | None = None
        self.notify = notify
        """The NOTIFY channel that carries the numbers, or None while a bus carries them."""
        self.publish: Publish | None = None

    def request(self, channels: Collection[str] = ()) -> asyncio.Future[None]:
        """A run after this moment; the future is done when it has ended (numbered or failed)."""
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        self._channels.update(channels)
        if self._running is None:
            self._running = asyncio.get_running_loop().create_task(self._run(), name="sequencer")
        return waiter

    async def numbered(self, channels: Collection[str] = ()) -> None:
        """Waits, at most `WAIT_SECONDS`, for a run that began after this call."""
        try:
            await asyncio.wait_for(asyncio.shield(self.request(channels)), WAIT_SECONDS)
        except TimeoutError:
            logger.warning("events not numbered within %s s; the next run will", WAIT_SECONDS)

    async def _run(self) -> None:
        try:
            while self._waiters:
                waiters, self._waiters = self._waiters, []
                channels, self._channels = self._channels, set()
                try:
                    numbered = await number_events(self.notify, channels)
                except Exception:
                    logger.exception("numbering events failed; retrying at the next run")
                    numbered = []
                if numbered:
                    self._announce(numbered)
                    if self.publish is not None:
                        self.publish(numbered)
                for waiter in waiters:
                    if not waiter.done():
                        waiter.set_result(None)
        finally:
            self._running = None

    async def sweep_forever(self) -> None:
        """Every `SWEEP_SECONDS`, a look for events left unnumbered (their writer died right
        after its commit), with a run when there are some; with a bus, the recent numbers
        announced again. Housekeeping of the process: one statement (two with a bus), however
        many subscribe."""
        while True:
            await asyncio.sleep(SWEEP_SECONDS)
            try:
                if await fetch(PEEK_SQL, Params("postgres")):
                    await self.numbered()
                if self.publish is not None and (
                    recent := await fetch(RECENT_SQL, Params("postgres"))
                ):
                    self.publish([(int(row["id"]), int(row["event_seq"])) for row in recent])
            except Exception as error:
                logger.warning("sweeping event numbers failed: %s", type(error).__name__)


PEEK_SQL = "SELECT 1 FROM conversation_event WHERE seq IS NULL LIMIT 1"
"""Whether any event waits for a number (the partial index's first entry, if any)."""
RECENT_SQL = (
    "SELECT id, event_seq FROM workspace WHERE events_numbered_at > "
    f"now() - interval '{RECENT_SECONDS} seconds'"
)


_sequencers: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Sequencer]" = (
    weakref.WeakKeyDictionary()
)


def sequencer_of_loop(announce: Announce, notify: str) -> Sequencer:
    """The running loop's sequencer (one per loop: tests run several loops in one process)."""
    loop = asyncio.get_running_loop()
    found = _sequencers.get(loop)
    if found is None:
        found = _sequencers[loop] = Sequencer(announce, notify)
    return found
