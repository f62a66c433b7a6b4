"""What rate-limit tests share: a widget to be limited, its mutations, and Redis, where each test
gets a key prefix of its own and deletes only that.

With CI=true a Redis that does not answer fails the test; elsewhere the test is skipped loudly.
"""

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from redis.asyncio import Redis
from redis.exceptions import RedisError

from models.enums import ApiKeyKind
from resolvers.apikey import create_api_key
from resolvers.ids import encode_id
from resolvers.limits.counters import RedisCounters
from tests.support import factories
from tests.support.api import Api

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


async def require_redis() -> None:
    client = Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        await client.ping()
    except (RedisError, OSError) as error:
        message = f"Redis at {REDIS_URL} is unreachable: {error}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message + " (set CI=true to make this a failure)")
    finally:
        await client.aclose()


def own_prefix() -> str:
    return f"parley-test:{os.getpid()}:{uuid.uuid4().hex[:8]}:"


@asynccontextmanager
async def redis_counters() -> AsyncIterator[RedisCounters]:
    """A Redis store under a prefix of its own, emptied and closed afterwards."""
    await require_redis()
    counters = RedisCounters(REDIS_URL, own_prefix())
    try:
        yield counters
    finally:
        await counters.reset()
        await counters.close()


async def forget_prefix(prefix: str) -> None:
    """Deletes what a server given `prefix` left in Redis."""
    counters = RedisCounters(REDIS_URL, prefix)
    try:
        await counters.reset()
    finally:
        await counters.close()


START = """mutation($a: ID!) { startConversation(input: {assistantId: $a}) {
  sessionToken conversation { id } } }"""
SEND = """mutation($c: ID!, $id: String!) { sendMessage(input:
  {conversationId: $c, clientMessageId: $id, content: "hello"}) { message { sequence } } }"""


async def widget(api: Api) -> tuple[str, str, str]:
    """A secret key, a widget key and their assistant's ID."""
    workspace_id, secret = await factories.workspace()
    bot = await factories.assistant(workspace_id)
    _, key = await create_api_key(
        workspace_id, ApiKeyKind.PUBLISHABLE, frozenset(), assistant_id=bot.id
    )
    return secret, key, encode_id("Assistant", bot.id)
