"""Floods through `parley serve` in its own processes (one, or two workers) let exactly each limit
through in its window and nothing beyond, with the counters in PostgreSQL or in Redis."""

import asyncio
from collections import Counter
from contextlib import AsyncExitStack
from typing import Any

import httpx
import pytest

from server.settings import Settings
from tests.support import factories
from tests.support.api import Api
from tests.support.database import BACKEND
from tests.support.ratelimiting import (
    REDIS_URL,
    SEND,
    START,
    forget_prefix,
    own_prefix,
    require_redis,
    widget,
)
from tests.support.security import figures
from tests.support.servers import served
from tests.support.ws import open_socket

postgres_only = pytest.mark.skipif(BACKEND != "postgres", reason="several workers need PostgreSQL")
pytestmark = pytest.mark.heavy  # several server processes: once, on the PostgreSQL leg
FLOOD = 40


def bad_key(n: int) -> tuple[str, dict[str, Any], dict[str, str]]:
    return (f"sk_guess{n}", {}, {})


async def flood(
    server: str, query: str, requests: list[tuple[str, dict[str, Any], dict[str, str]]]
) -> Counter[str]:
    """Sends every request at once, each on a connection of its own (so the kernel spreads them
    over the workers); how many answered with each code (`OK` without errors)."""
    limits = httpx.Limits(max_keepalive_connections=0, max_connections=len(requests))

    async def one(client: httpx.AsyncClient, key: str, variables: Any, headers: Any) -> str:
        response = await client.post(
            f"http://{server}/graphql",
            json={"query": query, "variables": variables},
            headers={"authorization": f"Bearer {key}", **headers},
        )
        errors = response.json().get("errors") or []
        return str(errors[0]["extensions"]["code"]) if errors else "OK"

    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        codes = await asyncio.gather(*(one(client, *request) for request in requests))
    return Counter(codes)


@postgres_only
@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("store", ["postgres", "redis"])
async def test_floods_through_every_worker_let_exactly_the_limit_through(
    api: Api, settings: Settings, workers: int, store: str
) -> None:
    env = {}
    if store == "redis":
        await require_redis()
        prefix = own_prefix()
        env = {"PARLEY_REDIS_URL": REDIS_URL, "PARLEY_REDIS_PREFIX": prefix}
    options = ("--workers", "2") if workers > 1 else ()
    secret, key, assistant = await widget(api)
    try:
        async with served(settings, *options, env=env) as server:
            rotating = [
                (key, {"a": assistant}, {"x-forwarded-for": f"10.9.{n // 250}.{n % 250}"})
                for n in range(FLOOD)
            ]
            starts = await flood(server, START, rotating)
            async with httpx.AsyncClient(base_url=f"http://{server}") as client:
                session = await Api(client)(START, {"a": assistant}, key=secret)
            started = session.data["startConversation"]
            token, conversation = started["sessionToken"], started["conversation"]["id"]
            sends = await flood(
                server,
                SEND,
                [(token, {"c": conversation, "id": f"m{n}"}, {}) for n in range(FLOOD + 10)],
            )
            guesses = Counter[str]()
            for n in range(3):  # one at a time: a process that saw a failure serialises
                guesses.update(await flood(server, "{ __typename }", [bad_key(n)]))
            burst = await flood(server, "{ __typename }", [bad_key(n) for n in range(3, FLOOD)])
            guesses.update(burst)
            after = Counter[str]()
            for n in range(5):
                after.update(await flood(server, "{ __typename }", [bad_key(FLOOD + n)]))
    finally:
        if store == "redis":
            await forget_prefix(prefix)
    print(
        f"\n{store}, {workers} worker(s): widget starts {starts['OK']}/{FLOOD} through (limit 10, "
        f"rotating X-Forwarded-For); messages {sends['OK']}/{FLOOD + 10} (limit 30); "
        f"bad keys answered {guesses['UNAUTHENTICATED']}/{FLOOD} (limit 20; 3 one at a time, "
        f"then at once), then {after['UNAUTHENTICATED']}/5"
    )
    if workers == 2:
        beyond = max(0, starts["OK"] - 10) + max(0, sends["OK"] - 30)
        beyond += max(0, guesses["UNAUTHENTICATED"] - 20) + after["UNAUTHENTICATED"]
        figures.tally(
            "floods let through beyond each limit across 2 worker processes",
            sum(starts.values()) + sum(sends.values()) + sum(guesses.values()) + 5,
            beyond,
        )
    assert starts == Counter({"OK": 10, "RATE_LIMITED": FLOOD - 10})
    assert sends == Counter({"OK": 30, "RATE_LIMITED": FLOOD + 10 - 30})
    # Each guess reserves its failure before it is answered: exactly the limit, however many
    # workers answer at once.
    assert guesses["UNAUTHENTICATED"] == 20
    assert guesses["UNAUTHENTICATED"] + guesses["RATE_LIMITED"] == FLOOD
    assert after == Counter({"RATE_LIMITED": 5})


@postgres_only
async def test_socket_caps_hold_across_workers(api: Api, settings: Settings) -> None:
    """Sockets spread over two workers still count against one cap per key (leases in the
    database), and a closed socket gives its place back."""
    _, secret = await factories.workspace()
    env = {"PARLEY_WS_CONNECTIONS_PER_KEY": "3"}
    async with served(settings, "--workers", "2", env=env) as server, AsyncExitStack() as stack:
        accepted, refused = [], []
        for _ in range(6):
            socket = await stack.enter_async_context(open_socket(server, init=False))
            await socket.send(
                {"type": "connection_init", "payload": {"authorization": f"Bearer {secret}"}}
            )
            answer = asyncio.create_task(socket.receive(within=5))
            closed = asyncio.create_task(socket.closed(within=5))
            await asyncio.wait({answer, closed}, return_when=asyncio.FIRST_COMPLETED)
            if answer.done() and answer.result() == {"type": "connection_ack"}:
                accepted.append(socket)
                closed.cancel()
            else:
                answer.cancel()
                refused.append((await closed)[0])
            await asyncio.gather(answer, closed, return_exceptions=True)
        assert (len(accepted), refused) == (3, [4429, 4429, 4429])
        await accepted[0].close()
        await asyncio.sleep(0.3)
        async with open_socket(server, key=secret):
            pass  # the freed place is taken again (open_socket asserts the ack)
    figures.tally(
        "floods let through beyond each limit across 2 worker processes", 6, len(accepted) - 3
    )
