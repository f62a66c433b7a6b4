"""The scale bench's own PostgreSQL database: created fresh for the run, dropped at its end
(`drop` is safe to call twice and from a `finally`), and seeded set-wise in one workspace.

The seed is what the writers write among: `conversations` ACTIVE widget conversations of one
assistant, each with four messages (two visitor messages and two replies with usage), their
totals summed from them. The issue measured on 210,000 conversations; `--conversations` sets it.
"""

import asyncio
import time

import asyncpg

from bench.live.setup import bench_database_url
from bench.live.setup import plain_dsn as plain
from resolvers.apikey import hash_secret

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/parley_scale_bench"

_CONVERSATIONS = """
INSERT INTO conversation (workspace_id, assistant_id, type, mode, status, started_at,
    last_activity_at, visitor_session_id, visitor_locale, message_count, input_tokens,
    output_tokens, cached_input_tokens, cost_e12, unpriced_replies)
SELECT $1::bigint, $2::bigint, 'WEB_WIDGET', 'CHAT', 'ACTIVE',
    now() - interval '2 hours' - ($3::int - i) * interval '2 seconds',
    now() - ($3::int - i) * interval '1 millisecond',
    'visitor-' || i, 'en-GB', 0, 0, 0, 0, 0, 0
FROM generate_series(1, $3::int) AS i
"""
_MESSAGES = """
INSERT INTO message (conversation_id, sequence, role, content, created_at, state, provider,
    model, input_tokens, output_tokens, cached_input_tokens, cost_e12)
SELECT c.id, s, CASE WHEN s % 2 = 1 THEN 'USER' ELSE 'ASSISTANT' END,
    CASE WHEN s % 2 = 1 THEN 'Where is my order ' || c.id || '-' || s || '?'
         ELSE 'It ships tomorrow; the tracking link follows by email.' END,
    c.started_at + s * interval '20 seconds', 'COMPLETE',
    CASE WHEN s % 2 = 0 THEN 'openai' END, CASE WHEN s % 2 = 0 THEN 'gpt-4o' END,
    CASE WHEN s % 2 = 0 THEN 1200 END, CASE WHEN s % 2 = 0 THEN 80 END,
    CASE WHEN s % 2 = 0 THEN 600 END, CASE WHEN s % 2 = 0 THEN 3050000000 END
FROM conversation c CROSS JOIN generate_series(1, 4) AS s
WHERE c.workspace_id = $1 AND c.visitor_session_id LIKE 'visitor-%'
"""
_TOTALS = """
UPDATE conversation c SET message_count = m.n, input_tokens = m.input, output_tokens = m.output,
    cached_input_tokens = m.cached, cost_e12 = m.cost
FROM (SELECT conversation_id, COUNT(*) AS n, COALESCE(SUM(input_tokens), 0) AS input,
             COALESCE(SUM(output_tokens), 0) AS output,
             COALESCE(SUM(cached_input_tokens), 0) AS cached, COALESCE(SUM(cost_e12), 0) AS cost
      FROM message GROUP BY conversation_id) m
WHERE c.id = m.conversation_id AND c.workspace_id = $1
"""
MISMATCHED = """
SELECT COUNT(*) FROM conversation c
LEFT JOIN (SELECT conversation_id, COUNT(*) AS n, MAX(sequence) AS last,
                  COALESCE(SUM(input_tokens), 0) AS input,
                  COALESCE(SUM(output_tokens), 0) AS output
           FROM message GROUP BY conversation_id) m ON m.conversation_id = c.id
WHERE c.workspace_id = $1
  AND (c.message_count, c.input_tokens, c.output_tokens)
      IS DISTINCT FROM (COALESCE(m.n, 0), COALESCE(m.input, 0), COALESCE(m.output, 0))
"""
"""Conversations whose totals disagree with their messages: 0 after every write of the run."""


def database_url() -> str:
    return bench_database_url("SCALE_BENCH_DATABASE_URL", DEFAULT_URL)


async def _seed(url: str, workspace_id: int, assistant_id: int, conversations: int) -> list[int]:
    connection = await asyncpg.connect(plain(url))
    try:
        async with connection.transaction():
            await connection.execute(_CONVERSATIONS, workspace_id, assistant_id, conversations)
            await connection.execute(_MESSAGES, workspace_id)
            await connection.execute(_TOTALS, workspace_id)
        await connection.execute("VACUUM ANALYZE")
        rows = await connection.fetch(
            "SELECT id FROM conversation WHERE workspace_id = $1 "
            "AND visitor_session_id LIKE 'visitor-%' ORDER BY id",
            workspace_id,
        )
    finally:
        await connection.close()
    return [int(row["id"]) for row in rows]


def seed(url: str, workspace_id: int, assistant_id: int, conversations: int) -> list[int]:
    """Loads the conversations and their messages; returns their ids."""
    began = time.monotonic()
    ids = asyncio.run(_seed(url, workspace_id, assistant_id, conversations))
    print(f"  seeded {len(ids):,} conversations in {time.monotonic() - began:.1f} s", flush=True)
    return ids


async def _workspace_of(url: str, secret: str) -> int:
    """The workspace a secret key belongs to (the bench reads it once, by the key's hash)."""
    connection = await asyncpg.connect(plain(url))
    try:
        found = await connection.fetchval(
            "SELECT workspace_id FROM api_key WHERE secret_hash = $1", hash_secret(secret)
        )
    finally:
        await connection.close()
    if found is None:
        raise RuntimeError("the workspace's key was not found")
    return int(found)


def workspace_of(url: str, secret: str) -> int:
    return asyncio.run(_workspace_of(url, secret))


async def _mismatched(url: str, workspace_id: int) -> int:
    connection = await asyncpg.connect(plain(url))
    try:
        return int(await connection.fetchval(MISMATCHED, workspace_id))
    finally:
        await connection.close()


def mismatched(url: str, workspace_id: int) -> int:
    return asyncio.run(_mismatched(url, workspace_id))
