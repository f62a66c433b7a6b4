"""Where a routed read goes (resolvers/database/replica.py), decided from what the probes found
and when each caller last wrote, on a clock the test moves; the real replica is
tests/test_replica.py's."""

import httpx
import pytest
from starlette.applications import Starlette

from resolvers.database.replica import REMEMBERED_WRITERS, Replica, Served
from server.database import open_replica
from server.settings import Settings
from server.settings_concerns import DatabaseSettings


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def replica_at(clock: Clock) -> Replica:
    """A replica the last probe found up and holding every commit until now (never started:
    `choose` reads only what probes leave)."""
    replica = Replica(
        "postgres://parley@127.0.0.1/parley", max_lag_seconds=5, probe_seconds=1, clock=clock
    )
    replica.up, replica.fresh_as_of = True, clock.now
    return replica


def test_a_callers_reads_wait_for_the_replica_to_pass_its_write_and_others_do_not() -> None:
    clock = Clock()
    replica = replica_at(clock)
    assert replica.choose("key:1") == Served.REPLICA
    clock.now += 0.5
    replica.wrote("key:1")
    assert replica.choose("key:1") == Served.OWN_WRITE
    assert replica.choose("key:2") == Served.REPLICA
    assert replica.choose("session:7") == Served.REPLICA
    replica.fresh_as_of = clock.now  # a probe that began as the write finished: not after it
    assert replica.choose("key:1") == Served.OWN_WRITE
    clock.now += 1
    replica.fresh_as_of = clock.now
    assert replica.choose("key:1") == Served.REPLICA


def test_a_lagging_or_down_replica_serves_nobody() -> None:
    clock = Clock()
    replica = replica_at(clock)
    clock.now += 5
    assert replica.choose("key:1") == Served.REPLICA
    clock.now += 0.01
    assert replica.choose("key:1") == Served.LAGGING
    replica.fresh_as_of = clock.now
    replica.up = False
    assert replica.choose("key:1") == Served.DOWN


def test_writers_are_forgotten_once_the_lag_bound_covers_them_or_for_room() -> None:
    clock = Clock()
    replica = replica_at(clock)
    replica.wrote("key:old")
    clock.now += 7  # past the allowed lag and a probe: the replica serves nobody older
    replica.wrote("key:new")
    assert list(replica._written) == ["key:new"]

    replica.fresh_as_of = clock.now - 0.5  # the last probe: before the writes below
    for n in range(REMEMBERED_WRITERS + 10):
        replica.wrote(f"key:{n}")
    assert len(replica._written) == REMEMBERED_WRITERS
    assert "key:new" not in replica._written
    # Forgotten for room, not because the replica has its write: every caller waits for it.
    assert replica.choose("key:new") == Served.OWN_WRITE
    assert replica.choose("key:never-wrote") == Served.OWN_WRITE
    clock.now += 0.5
    replica.fresh_as_of = clock.now
    assert replica.choose("key:new") == Served.REPLICA


async def test_a_replica_needs_postgresql_on_both_sides() -> None:
    replica = "postgres://parley@127.0.0.1:5433/parley"
    with pytest.raises(ValueError, match="needs PostgreSQL"):
        await open_replica(DatabaseSettings(url="sqlite://parley.sqlite3", read_url=replica))
    with pytest.raises(ValueError, match="needs PostgreSQL"):
        await open_replica(DatabaseSettings(url=replica, read_url="sqlite://parley.sqlite3"))
    assert await open_replica(DatabaseSettings(url=replica)) is None


async def test_without_a_read_url_there_is_no_replica(app: Starlette, settings: Settings) -> None:
    assert settings.database.read_url is None
    assert app.state.replica is None
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://parley.test") as client:
        assert "parley_replica_reads" not in (await client.get("/metrics")).text
