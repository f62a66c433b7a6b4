"""Read replicas (docs/replicas.md) against a real streaming replica of the test PostgreSQL: what
is read there, a caller reading its own writes while replay is paused, a replica lagging beyond
its bound, and one stopped and started again under requests.

A read is proven served by the replica when it misses a row the primary holds (replay paused) and
the replica's counter on /metrics moved; by the primary when it holds that row."""

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families
from starlette.applications import Starlette

from models import ApiKey
from models.enums import ApiKeyKind, ApiKeyScope
from resolvers.apikey import create_api_key
from resolvers.database.replica import Replica
from server.database import replica_reads
from server.settings import Settings
from tests.support import factories
from tests.support.api import Api
from tests.support.database import BACKEND, POSTGRES_URL
from tests.support.exporting import export
from tests.support.recording import Shop, send, shop, start
from tests.support.replica import StreamingReplica, replication_allowed
from tests.support.waiting import bounded

pytestmark = [
    pytest.mark.heavy,
    pytest.mark.skipif(BACKEND != "postgres", reason="a streaming replica is PostgreSQL's"),
]

MAX_LAG = 2.0
"""The replica's allowed lag here: long enough for a few requests while replay is paused."""
PROBE = 0.1
READS = """{ conversations(first: 50) { totalCount edges { node { id messageCount } } }
  conversationCount conversationCounts { total } }"""
SUMMARY = """{ usageSummary(groupBy: TYPE, filter: { types: [WEB_WIDGET, TEST] }, timeZone: "UTC")
  { buckets { type conversations messages } } }"""


@pytest.fixture(scope="session")
def streaming_replica(database_url: str) -> Iterator[StreamingReplica]:
    """One replica for the session (made after the test schema, though it copies everything)."""
    with replication_allowed(POSTGRES_URL):
        made = StreamingReplica(POSTGRES_URL)
        try:
            made.make()
            made.start()
            yield made
        finally:
            made.remove()


@pytest.fixture
async def replica(
    request: pytest.FixtureRequest,
    app: Starlette,
    settings: Settings,
    streaming_replica: StreamingReplica,
) -> AsyncIterator[Replica]:
    """The app reading from the replica as its lifespan sets it up with PARLEY_READ_DATABASE_URL
    (allowed lag and probe interval: MAX_LAG and PROBE, or the test's parameter); replay resumed
    and the replica running again afterwards, whatever the test did."""
    max_lag, probe = getattr(request, "param", (MAX_LAG, PROBE))
    database = replace(
        settings.database,
        read_url=streaming_replica.url(settings.database.url),
        read_max_lag_seconds=max_lag,
        read_probe_seconds=probe,
    )
    async with bounded(30, "the replica to stream from the primary"):
        while not await streaming_replica.streaming():  # noqa: ASYNC110 (a server polled)
            await asyncio.sleep(0.05)
    async with replica_reads(app, database):
        found: Replica = app.state.replica
        try:
            yield found
        finally:
            try:
                await streaming_replica.sql("SELECT pg_wal_replay_resume()")
            except OSError:
                await asyncio.to_thread(streaming_replica.start)


async def caught_up(replica: Replica) -> None:
    """Until a probe finds the replica holding every commit made before this call."""
    now = replica.clock()
    async with bounded(15, "the replica to catch up with the primary"):
        while not (replica.up and replica.fresh_as_of > now):  # noqa: ASYNC110 (its probes)
            await asyncio.sleep(PROBE / 2)


async def routed(api: Api) -> dict[tuple[str, str], float]:
    """`parley_replica_reads_total` from /metrics, by (served, reason)."""
    text = (await api.client.get("/metrics")).text
    found: dict[tuple[str, str], float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "parley_replica_reads_total":
                found[sample.labels["served"], sample.labels["reason"]] = sample.value
    return found


async def moved(api: Api, before: dict[tuple[str, str], float]) -> dict[tuple[str, str], float]:
    after = await routed(api)
    return {key: n - before.get(key, 0) for key, n in after.items() if n != before.get(key, 0)}


async def reads(api: Api, key: str) -> dict[str, Any]:
    result = await api(READS, key=key)
    data: dict[str, Any] = result.data
    return data


def total(data: dict[str, Any]) -> int:
    """What each routed read answered: the same whichever connection served it."""
    found = {
        data["conversations"]["totalCount"],
        len(data["conversations"]["edges"]),
        data["conversationCount"],
        data["conversationCounts"]["total"],
    }
    assert len(found) == 1, data
    return int(found.pop())


async def paused(streaming: StreamingReplica) -> None:
    await streaming.sql("SELECT pg_wal_replay_pause()")
    state = "SELECT pg_get_wal_replay_pause_state()"
    async with bounded(10, "replay to pause"):
        while (await streaming.sql(state))[0][0] != "paused":  # noqa: ASYNC110 (a server polled)
            await asyncio.sleep(0.02)


async def second_key(s: Shop) -> str:
    """Another secret key of the same workspace (a colleague's dashboard)."""
    _, key = await create_api_key(
        s.workspace_id, ApiKeyKind.SECRET, frozenset({ApiKeyScope.READ, ApiKeyScope.WRITE})
    )
    return key


async def test_lists_counts_summaries_and_exports_are_read_from_the_replica(
    api: Api, replica: Replica, streaming_replica: StreamingReplica
) -> None:
    s = await shop()
    await factories.conversation(s.workspace_id, s.assistant_id, messages=[factories.said("hi", 1)])
    await caught_up(replica)
    await paused(streaming_replica)
    # Written on the primary by no caller of the API: only the primary has it now.
    await factories.conversation(s.workspace_id, s.assistant_id, minute=2)
    before = await routed(api)
    assert total(await reads(api, s.secret)) == 1
    summary = (await api(SUMMARY, key=s.secret)).data["usageSummary"]["buckets"]
    assert sum(bucket["conversations"] for bucket in summary) == 1
    response, lines = await export(api.client, s.secret)
    assert response.status_code == 200
    assert lines[0]["export"]["total"] == 1
    assert len([line for line in lines if "cursor" in line]) == 1
    served = await moved(api, before)
    assert set(served) == {("replica", "fresh")}, served
    assert served["replica", "fresh"] >= 5  # list, count, counts, summary, export's page
    sessions = "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'parley-replica'"
    assert (await streaming_replica.sql(sessions))[0][0] >= 1
    assert (await streaming_replica.sql("SELECT pg_is_in_recovery()"))[0][0] is True

    await streaming_replica.sql("SELECT pg_wal_replay_resume()")
    await caught_up(replica)
    assert total(await reads(api, s.secret)) == 2


RICH = """{ conversations(first: 10) { totalCount edges { cursor node { id status startedAt
    messageCount usage { cost inputTokens outputTokens } assistant { name }
    variables { name value source } usageByModel { model replies usage { cost } }
    messages(first: 5) { edges { node { role content createdAt usage { cost } } } } } } }
  conversationCounts { total byType { type count } byStatus { status count } }
  usageSummary(groupBy: DAY, timeZone: "Europe/Paris") { buckets { start conversations cost } } }"""


async def test_the_replica_answers_as_the_primary_does(
    api: Api, replica: Replica, streaming_replica: StreamingReplica
) -> None:
    s = await shop()
    for minute in range(3):
        await factories.conversation(
            s.workspace_id,
            s.assistant_id,
            minute=minute * 700,
            messages=[
                factories.said("Where is my order?", minute * 700 + 1),
                factories.reply("On its way.", minute * 700 + 2, cost="0.0015"),
            ],
            variables=[factories.variable("plan", "Pro")],
        )
    await caught_up(replica)
    before = await routed(api)
    from_replica = await api(RICH, key=s.secret)
    assert set(await moved(api, before)) == {("replica", "fresh")}
    key = await ApiKey.filter(workspace_id=s.workspace_id, kind=ApiKeyKind.SECRET).first()
    assert key is not None
    replica.wrote(f"key:{key.id}")  # as its next mutation would: the primary answers it now
    before = await routed(api)
    from_primary = await api(RICH, key=s.secret)
    assert set(await moved(api, before)) == {("primary", "own_write")}
    assert from_replica.data["conversations"]["totalCount"] == 3
    assert from_replica.body == from_primary.body


async def test_a_caller_reads_its_own_writes_while_the_replica_is_behind(
    api: Api, replica: Replica, streaming_replica: StreamingReplica
) -> None:
    s = await shop()
    colleague = await second_key(s)
    await caught_up(replica)
    await paused(streaming_replica)
    started = await start(api, s, key=s.secret)  # a Test Chat: the key writes
    conversation = started["conversation"]["id"]
    assert (await send(api, s.secret, conversation, "u1", "Hello", role="USER")).codes == []
    before = await routed(api)

    mine = await reads(api, s.secret)
    assert total(mine) == 1
    assert mine["conversations"]["edges"][0]["node"]["messageCount"] == 1
    one = await api(
        "query($id: ID!) { conversation(id: $id) { messageCount } }",
        {"id": conversation},
        key=s.secret,
    )
    assert one.data["conversation"]["messageCount"] == 1
    # A colleague's dashboard has no write of its own to wait for: within the allowed lag it
    # reads the replica, which has not replayed the new conversation yet.
    assert total(await reads(api, colleague)) == 0
    served = await moved(api, before)
    assert served.get(("primary", "own_write"), 0) >= 4, served
    assert served.get(("replica", "fresh"), 0) >= 3, served

    await streaming_replica.sql("SELECT pg_wal_replay_resume()")
    await caught_up(replica)
    before = await routed(api)
    assert total(await reads(api, s.secret)) == 1  # the replica has the write now: served there
    assert total(await reads(api, colleague)) == 1
    assert set(await moved(api, before)) == {("replica", "fresh")}


async def test_a_visitor_reads_the_conversation_it_just_started_from_the_primary(
    api: Api, replica: Replica, streaming_replica: StreamingReplica
) -> None:
    """The widget key starts it and the session token reads it at once: two identities, so
    visitors are not routed at all."""
    s = await shop()
    await caught_up(replica)
    await paused(streaming_replica)
    started = await start(api, s)  # the widget key
    before = await routed(api)
    read = await api(
        "query($id: ID!) { conversation(id: $id) { id status } }",
        {"id": started["conversation"]["id"]},
        key=started["sessionToken"],
    )
    assert read.data["conversation"]["status"] == "ACTIVE"
    assert await moved(api, before) == {}


async def test_a_replica_lagging_beyond_the_bound_serves_no_read(
    api: Api, replica: Replica, streaming_replica: StreamingReplica
) -> None:
    s = await shop()
    await caught_up(replica)
    await paused(streaming_replica)
    await factories.conversation(s.workspace_id, s.assistant_id)
    async with bounded(MAX_LAG + 10, "the replica's lag to pass the bound"):
        while replica.lag_seconds <= MAX_LAG:  # noqa: ASYNC110 (the probes set it)
            await asyncio.sleep(PROBE)
    before = await routed(api)
    assert total(await reads(api, s.secret)) == 1  # the primary's answer
    assert set(await moved(api, before)) == {("primary", "lagging")}

    await streaming_replica.sql("SELECT pg_wal_replay_resume()")
    await caught_up(replica)
    before = await routed(api)
    assert total(await reads(api, s.secret)) == 1
    assert set(await moved(api, before)) == {("replica", "fresh")}


async def test_a_stopped_replica_fails_no_request_and_is_used_again_when_back(
    api: Api, replica: Replica, streaming_replica: StreamingReplica
) -> None:
    s = await shop()
    await factories.conversation(s.workspace_id, s.assistant_id)
    await caught_up(replica)
    assert total(await reads(api, s.secret)) == 1  # the pool holds a replica connection now

    await asyncio.to_thread(streaming_replica.stop)
    before = await routed(api)
    slowest = 0.0
    for _ in range(20):
        began = time.monotonic()
        assert total(await reads(api, s.secret)) == 1
        slowest = max(slowest, time.monotonic() - began)
    served = await moved(api, before)
    assert set(served) <= {("primary", "failed"), ("primary", "down")}, served
    assert sum(served.values()) == 60, served  # 3 routed reads a request
    assert slowest < 1.0, f"a request took {slowest:.2f} s with the replica stopped"
    metrics = (await api.client.get("/metrics")).text
    assert "parley_replica_up 0.0" in metrics

    await asyncio.to_thread(streaming_replica.start)
    await caught_up(replica)
    before = await routed(api)
    assert total(await reads(api, s.secret)) == 1
    assert set(await moved(api, before)) == {("replica", "fresh")}
    assert "parley_replica_up 1.0" in (await api.client.get("/metrics")).text


async def test_a_frozen_replica_is_marked_down_by_the_probes_not_waited_for_by_requests(
    api: Api, replica: Replica, streaming_replica: StreamingReplica
) -> None:
    s = await shop()
    await factories.conversation(s.workspace_id, s.assistant_id)
    await caught_up(replica)
    await asyncio.to_thread(streaming_replica.freeze)
    try:
        async with bounded(10, "the probes to find the frozen replica down"):
            while replica.up:  # noqa: ASYNC110 (the probes set it)
                await asyncio.sleep(PROBE)
        before = await routed(api)
        began = time.monotonic()
        for _ in range(5):
            assert total(await reads(api, s.secret)) == 1
        assert time.monotonic() - began < 2.0
        assert await moved(api, before) == {("primary", "down"): 15}
    finally:
        await asyncio.to_thread(streaming_replica.thaw)
    await caught_up(replica)
    before = await routed(api)
    assert total(await reads(api, s.secret)) == 1
    assert set(await moved(api, before)) == {("replica", "fresh")}


@pytest.mark.parametrize("replica", [(60.0, 60.0)], indirect=True)
async def test_a_read_the_replica_fails_is_read_again_on_the_primary(
    api: Api, replica: Replica, streaming_replica: StreamingReplica
) -> None:
    """No probe runs during this test but those it makes itself: the first request after the
    replica stopped meets it, and each request after that knows it is down."""
    s = await shop()
    await factories.conversation(s.workspace_id, s.assistant_id)
    now = replica.clock()
    async with bounded(15, "a probe to find the replica holding the new conversation"):
        while not (replica.up and replica.fresh_as_of > now):
            await replica.probe()  # as the prober would, were it not asleep for this test
            await asyncio.sleep(PROBE / 2)
    before = await routed(api)
    await reads(api, s.secret)
    assert set(await moved(api, before)) == {("replica", "fresh")}

    await asyncio.to_thread(streaming_replica.stop)
    before = await routed(api)
    assert total(await reads(api, s.secret)) == 1
    served = await moved(api, before)  # its reads run side by side: each met the replica, or
    assert served[("primary", "failed")] >= 1, served  # knew from another that it is down
    assert sum(served.values()) == 3, served
    assert not replica.up
    before = await routed(api)
    assert total(await reads(api, s.secret)) == 1
    assert await moved(api, before) == {("primary", "down"): 3}

    await asyncio.to_thread(streaming_replica.start)
    now = replica.clock()
    async with bounded(15, "a probe to find the replica back"):
        while not (replica.up and replica.fresh_as_of > now):
            await replica.probe()
            await asyncio.sleep(PROBE / 2)
    before = await routed(api)
    await reads(api, s.secret)
    assert set(await moved(api, before)) == {("replica", "fresh")}
