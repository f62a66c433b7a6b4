"""Which connection serves a read: a streaming replica when it has everything the read must see,
else the primary (docs/replicas.md).

A read may go to the replica only when it is routed: a query operation (not a mutation, not a
subscription, never inside a transaction) sets `ROUTE` for its execution, and the readers of
lists, counts, summaries and exports fetch through `fetch_routed`. Everything else reads the
primary through `resolvers/database/sql.py` as before.

What the replica has is known from one probe per process every `probe_seconds`: the primary's WAL
position, then the replica's replay position. The replica is *fresh as of* the latest probe whose
primary position it has replayed: it holds every transaction committed before that moment. So:

- the replica serves nobody while it is fresh only as of more than `max_lag_seconds` ago;
- a caller's write is remembered by the time it finished (after its commit, no statement run);
  the caller's reads go to the replica once the replica is fresh as of a later moment, which is
  read-your-writes without a WAL position read on the write path or the read path;
- a replica that fails a probe or a read is down: reads go to the primary without trying it, and
  the next probe looks again. A read that fails on the replica runs again on the primary.
"""

import asyncio
import logging
import time
from collections import Counter, OrderedDict, deque
from collections.abc import Callable, Coroutine
from contextlib import suppress
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar

import asyncpg
from tortoise.backends.base.client import BaseDBAsyncClient, TransactionalDBClient
from tortoise.backends.base.config_generator import expand_db_url

from models.config import keep_session
from resolvers.database.sql import Params, db
from resolvers.errors import unreachable

logger = logging.getLogger("parley.replica")
T = TypeVar("T")

REMEMBERED_WRITERS = 100_000
"""Callers whose last write a process remembers at most (only writes within the allowed lag need
remembering); past it the oldest is forgotten, and every caller waits as if it had written then."""
CONNECT_SECONDS = 2.0
"""How long a probe or a first read waits for the replica to answer before it counts as down."""

PRIMARY_POSITION = "SELECT (pg_current_wal_lsn() - '0/0')::bigint AS position"
REPLICA_POSITION = (
    "SELECT pg_is_in_recovery() AS recovering, "
    "(pg_last_wal_replay_lsn() - '0/0')::bigint AS position"
)


class Served:
    """The `reason` label of a routed read: why it went where it went."""

    REPLICA = "fresh"
    OWN_WRITE = "own_write"
    """The caller wrote after the moment the replica is known to be fresh as of."""
    LAGGING = "lagging"
    DOWN = "down"
    FAILED = "failed"
    """The replica failed this read; it ran again on the primary."""


@dataclass(frozen=True)
class Route:
    """What a query operation's reads are routed with: the process's replica and who asks."""

    replica: "Replica"
    caller: str
    """`key:<id>` or `session:<conversation id>`: whose writes its reads must see."""


ROUTE: ContextVar[Route | None] = ContextVar("parley_read_route", default=None)
"""Set for the execution of a query operation (schema/policy/replica.py); None: the primary."""


class Replica:
    """One process's view of the replica: its pool, whether it is up and how fresh, and the
    moments its callers last wrote."""

    def __init__(
        self,
        url: str,
        *,
        max_lag_seconds: float,
        probe_seconds: float,
        statement_timeout_ms: int = 0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = url
        self.max_lag_seconds = max_lag_seconds
        self.probe_seconds = probe_seconds
        self.statement_timeout_ms = statement_timeout_ms
        self.clock = clock
        self.up = False
        self.fresh_as_of = float("-inf")
        """The latest moment (the clock's) before which every commit is on the replica."""
        self.reads: Counter[tuple[str, str]] = Counter()
        """Routed reads by (served: replica or primary, reason), for /metrics."""
        self._written: OrderedDict[str, float] = OrderedDict()
        self._positions: deque[tuple[float, int]] = deque(
            maxlen=min(int(max_lag_seconds / max(probe_seconds, 0.01)) + 4, 10_000)
        )
        """(when, the primary's position) of the probes that still matter: those within the
        allowed lag, and a few before."""
        self._pool: asyncpg.Pool | None = None
        self._prober: asyncio.Task[None] | None = None
        self._forgotten = float("-inf")
        """The latest write forgotten for room (past REMEMBERED_WRITERS callers): every caller's
        reads wait for the replica to pass it, so no caller's own write is ever missed."""
        self._lost = False
        """Marked down since it was last found up: logged once each way."""
        self._hung: set[asyncio.Future[Any]] = set()
        self._opening = asyncio.Lock()
        """Statements the replica never answered, held until their abandoned pool ends them."""

    async def start(self) -> None:
        """Probes once (the pool connects only when used); a replica that is down at startup is
        only marked down, never a reason not to start."""
        await self.probe()
        self._prober = asyncio.create_task(self._probe_forever(), name="replica-probe")

    async def stop(self) -> None:
        if self._prober is not None:
            self._prober.cancel()
            with suppress(asyncio.CancelledError):
                await self._prober
        for task in list(self._hung):
            task.cancel()
        self._abandon_pool()

    async def _connected(self) -> asyncpg.Pool:
        """The pool, made again after one was abandoned (no connection is opened until used)."""
        if self._pool is not None:
            return self._pool
        async with self._opening:  # one new pool, however many reads find none
            if self._pool is None:
                self._pool = await self._new_pool()
        return self._pool

    async def _new_pool(self) -> asyncpg.Pool:
        credentials = expand_db_url(self.url)["credentials"]
        settings = {"application_name": "parley-replica"}
        if credentials.get("schema"):
            settings["search_path"] = credentials["schema"]
        if self.statement_timeout_ms > 0:
            settings["statement_timeout"] = str(self.statement_timeout_ms)
        return await asyncpg.create_pool(
            host=credentials.get("host"),
            port=credentials.get("port"),
            user=credentials.get("user"),
            password=credentials.get("password"),
            database=credentials.get("database"),
            min_size=0,
            max_size=int(credentials.get("maxsize") or 10),
            timeout=CONNECT_SECONDS,
            server_settings=settings,
            reset=keep_session,
        )

    def _abandon_pool(self) -> None:
        """Closes every connection of the pool at once (the statements on them fail now, the
        server is not asked); the next use makes a new pool."""
        if self._pool is not None:
            self._pool.terminate()
            self._pool = None

    def wrote(self, caller: str) -> None:
        """`caller`'s write has committed: its reads wait for the replica to pass this moment.
        No statement runs. A caller silent for longer than the allowed lag needs no entry (the
        replica serves nobody until it is fresher than that), so the map stays small."""
        self._written[caller] = self.clock()
        self._written.move_to_end(caller)
        horizon = self.clock() - self.max_lag_seconds - self.probe_seconds
        while self._written:
            oldest, at = next(iter(self._written.items()))
            if at >= horizon and len(self._written) <= REMEMBERED_WRITERS:
                break
            if at >= horizon:
                self._forgotten = max(self._forgotten, at)
            del self._written[oldest]

    @property
    def lag_seconds(self) -> float:
        """How long ago the replica is known to have been as fresh as the primary."""
        return max(self.clock() - self.fresh_as_of, 0.0)

    def choose(self, caller: str) -> str:
        """Where `caller`'s read goes: `Served.REPLICA`, or why the primary serves it."""
        if not self.up:
            return Served.DOWN
        if self.lag_seconds > self.max_lag_seconds:
            return Served.LAGGING
        if self._written.get(caller, self._forgotten) >= self.fresh_as_of:
            return Served.OWN_WRITE
        return Served.REPLICA

    async def fetch(self, sql: str, values: list[Any]) -> list[dict[str, Any]]:
        """The rows, or TimeoutError once the replica has said nothing for longer than its
        `statement_timeout` would allow (a frozen server, a dropped network): then it is down."""
        pool = await self._connected()
        timeout = None
        if self.statement_timeout_ms > 0:
            timeout = self.statement_timeout_ms / 1000 + CONNECT_SECONDS
        rows = await self._within(pool.fetch(sql, *values), timeout)
        return [dict(row) for row in rows]

    async def _within(self, work: Coroutine[Any, Any, T], seconds: float | None) -> T:
        """`work`'s result, or TimeoutError after `seconds` without waiting for `work` to give
        up: cancelling a statement on a server that does not answer waits for that server too
        (asyncio.wait_for would). What is left behind finishes, or fails, when it answers or its
        connection dies, which abandoning its pool makes happen at once."""
        task = asyncio.ensure_future(work)
        try:
            await asyncio.wait({task}, timeout=seconds)
        except asyncio.CancelledError:
            task.cancel()
            raise
        if task.done():
            return task.result()
        self._hung.add(task)
        task.add_done_callback(_forget_hung(self._hung))
        self._abandon_pool()
        raise TimeoutError(f"the replica did not answer within {seconds} s")

    def failed(self, error: BaseException) -> None:
        """A read failed on the replica: a lost, refused or silent connection marks it down
        until a probe finds it again; any other error (a recovery conflict, a statement
        timeout) is the read's."""
        if isinstance(error, TimeoutError) or unreachable(error):  # silent, or lost
            self._down(error)

    async def probe(self) -> None:
        """The primary's position, then the replica's: the replica is fresh as of the first
        whenever it has replayed it."""
        now = self.clock()
        primary = await db().execute_query_dict(PRIMARY_POSITION)
        self._positions.append((now, int(primary[0]["position"])))
        try:
            pool = await self._connected()
            row = await self._within(pool.fetchrow(REPLICA_POSITION), CONNECT_SECONDS)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            self._down(error)
            return
        if row is None or not row["recovering"] or row["position"] is None:
            self._down(RuntimeError("the read database is not a replica in recovery"))
            return
        if self._lost:
            logger.warning("read replica is up again")
            self._lost = False
        self.up = True
        replayed = int(row["position"])
        # Never kept from an earlier probe: a restarted standby opens once consistent, which
        # may be before the position it had replayed when it stopped.
        self.fresh_as_of = next(
            (at for at, position in reversed(self._positions) if position <= replayed),
            float("-inf"),
        )

    async def _probe_forever(self) -> None:
        while True:
            await asyncio.sleep(self.probe_seconds)
            try:
                await self.probe()
            except asyncio.CancelledError:
                raise
            except Exception as error:  # the primary's own failure: the next probe tries again
                logger.warning("probing the read replica failed on the primary: %r", error)

    def _down(self, error: BaseException) -> None:
        if not self._lost:
            logger.warning("read replica is down, reads go to the primary: %s", error)
        self.up, self._lost = False, True
        self.fresh_as_of = float("-inf")  # what it holds when back is for the probes to find


def _forget_hung(hung: set[asyncio.Future[Any]]) -> Callable[[asyncio.Future[Any]], None]:
    def forget(task: asyncio.Future[Any]) -> None:
        hung.discard(task)
        if not task.cancelled():
            task.exception()  # retrieved: the request it served has been answered already

    return forget


async def fetch_routed(
    sql: str, params: Params, using: BaseDBAsyncClient | None = None
) -> list[dict[str, Any]]:
    """A plain read's rows, from the replica when the operation is routed and the replica may
    serve its caller (`Replica.choose`), else from the primary; never fails for the replica.
    `using` (a transaction, a request's connection) always serves the read itself."""
    route = ROUTE.get()
    primary = using or db()
    if route is None or using is not None or isinstance(primary, TransactionalDBClient):
        return await primary.execute_query_dict(sql, params.values)
    replica = route.replica
    served = replica.choose(route.caller)
    if served != Served.REPLICA:
        replica.reads["primary", served] += 1
        return await primary.execute_query_dict(sql, params.values)
    try:
        rows = await replica.fetch(sql, params.values)
    except asyncio.CancelledError:
        raise
    except Exception as error:
        logger.warning("a read failed on the replica, read again on the primary: %s", error)
        replica.failed(error)
        replica.reads["primary", Served.FAILED] += 1
        return await primary.execute_query_dict(sql, params.values)
    replica.reads["replica", Served.REPLICA] += 1
    return rows
