"""The peer benchmark's data: loaded once with set-wise SQL, then reused run after run.

Each tenant is loaded in one transaction that also writes its row in `peer_bench.dataset`: a tenant
whose row is there with the current DATA_VERSION is never loaded again, and a changed version
rebuilds the whole database. Workspaces and assistants are made by Parley's own code so that keys
authenticate as they do in production; conversations, messages, variables, labels and ratings come
from generate_series, and each conversation's totals are summed from its messages by one UPDATE,
then checked against them.
"""

import time
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from bench.report import progress
from models import Assistant
from models.enums import ApiKeyKind, ApiKeyScope
from resolvers.apikey import create_api_key
from resolvers.workspace import create_workspace
from server.database import apply_migrations, open_database
from server.settings import Settings
from server.settings_concerns import DatabaseSettings

DATA_VERSION = 2
"""Bump when the generated rows change: the next run drops and reloads everything."""
MARKER_SCHEMA = "peer_bench"
"""Outside `public`, so PostGraphile (`-s public`) never exposes the marker."""
MESSAGES_PER_CONVERSATION = 6


@dataclass(frozen=True)
class Tenant:
    name: str
    conversations: int
    messages: bool = True
    """False for the badge-only tenant: conversations without messages, variables, labels or
    ratings."""
    all_active: bool = False
    """The writers' tenant: every conversation open, so sendMessage may add to any of them."""
    step_seconds: int = 60
    """Between two conversations' starts; the newest started an hour before loading."""


MEASURED = Tenant("Peer bench 100k", 100_000)
SMALL = Tenant("Peer bench 10k", 10_000)
WRITERS = Tenant("Peer bench writers", 2_000, all_active=True)
BADGE = Tenant("Peer bench 1M", 1_000_000, messages=False, step_seconds=8)
TENANTS = (MEASURED, SMALL, WRITERS, BADGE)


@dataclass(frozen=True)
class Loaded:
    tenant: Tenant
    workspace_id: int
    key: str
    """A secret key made for this run through Parley's own code."""


_CONVERSATIONS = """
INSERT INTO conversation (workspace_id, assistant_id, type, mode, status, started_at,
    last_activity_at, ended_at, visitor_session_id, visitor_page_url, visitor_user_agent,
    visitor_locale, message_count, input_tokens, output_tokens, cached_input_tokens, cost_e12,
    unpriced_replies)
SELECT $1::bigint, CASE WHEN i % 3 = 0 THEN $3::bigint ELSE $2::bigint END,
    CASE WHEN i % 10 = 9 AND NOT $5::boolean THEN 'TEST' ELSE 'WEB_WIDGET' END, 'CHAT',
    CASE WHEN $5 OR i % 25 = 0 THEN 'ACTIVE' ELSE 'ENDED' END,
    t.started,
    CASE WHEN $5 OR i % 25 = 0 THEN t.started + t.busy ELSE t.started + interval '240 seconds' END,
    CASE WHEN $5 OR i % 25 = 0 THEN NULL ELSE t.started + interval '240 seconds' END,
    CASE WHEN i % 10 = 9 AND NOT $5 THEN NULL ELSE 'visitor-' || i END,
    CASE WHEN i % 10 = 9 AND NOT $5 THEN NULL ELSE 'https://shop.example/pricing' END,
    NULL,
    CASE WHEN i % 10 = 9 AND NOT $5 THEN NULL ELSE 'en-GB' END,
    0, 0, 0, 0, 0, 0
FROM generate_series(1, $4::int) AS i,
    LATERAL (SELECT date_trunc('second', now()) - interval '1 hour'
                    - ($4::int - i) * $6::int * interval '1 second' AS started,
                    CASE WHEN $7::boolean THEN interval '120 seconds' ELSE interval '0 seconds' END
                        AS busy) t
ORDER BY i
"""

# Prices per token in 10⁻¹² USD (gpt-4o, gpt-4o-mini, claude-3-5-haiku): input, cached, output.
# One reply in ~100 conversations is by a model without a price: its cost is unknown.
_MESSAGES = """
INSERT INTO message (conversation_id, sequence, role, content, created_at, provider, model,
    input_tokens, output_tokens, cached_input_tokens, cost_e12)
SELECT c.id, s, CASE WHEN s % 2 = 1 THEN 'USER' ELSE 'ASSISTANT' END,
    CASE WHEN s % 2 = 1
        THEN 'Hello, I have a question about my ' || t.topic || ' from order ' || c.id || '-' || s
             || CASE WHEN c.id % 50 = 7 AND s = 3 THEN '. Could I get a refund?' ELSE '.' END
        ELSE 'Sure, here is what I found about your ' || t.topic
             || ': it is handled within two days.' END,
    c.started_at + s * interval '20 seconds',
    r.provider, r.model, r.input, r.output, r.cached,
    CASE WHEN r.unknown THEN NULL
         ELSE (r.input - r.cached) * r.p_in + r.cached * r.p_cache + r.output * r.p_out END
FROM conversation c
CROSS JOIN generate_series(1, 6) AS s
CROSS JOIN LATERAL (SELECT (ARRAY['invoice', 'shipping', 'account', 'password', 'delivery',
    'warranty', 'discount'])[1 + (c.id + s) % 7] AS topic) t
CROSS JOIN LATERAL (
    SELECT CASE WHEN s % 2 = 1 THEN NULL WHEN u.unknown THEN 'acme'
                ELSE (ARRAY['openai', 'openai', 'anthropic'])[1 + u.model] END AS provider,
           CASE WHEN s % 2 = 1 THEN NULL WHEN u.unknown THEN 'in-house-llm'
                ELSE (ARRAY['gpt-4o', 'gpt-4o-mini', 'claude-3-5-haiku-latest'])[1 + u.model]
           END AS model,
           CASE WHEN s % 2 = 1 THEN NULL ELSE u.input END AS input,
           CASE WHEN s % 2 = 1 THEN NULL ELSE 40 + (c.id * 53 + s) % 400 END AS output,
           CASE WHEN s % 2 = 1 THEN NULL WHEN s > 2 THEN u.input / 2 ELSE 0 END AS cached,
           s % 2 = 1 OR u.unknown AS unknown,
           (ARRAY[2500000, 150000, 800000])[1 + u.model]::bigint AS p_in,
           (ARRAY[1250000, 75000, 80000])[1 + u.model]::bigint AS p_cache,
           (ARRAY[10000000, 600000, 4000000])[1 + u.model]::bigint AS p_out
    FROM (SELECT ((c.id + s) % 3)::int AS model, 300 + 50 * s + (c.id * 37) % 900 AS input,
                 c.id % 97 = 0 AND s = 6 AS unknown) u) r
WHERE c.workspace_id = $1
"""

_TOTALS = """
UPDATE conversation c SET message_count = m.n, input_tokens = m.input,
    output_tokens = m.output, cached_input_tokens = m.cached, cost_e12 = m.cost,
    unpriced_replies = m.unpriced
FROM (SELECT conversation_id, COUNT(*) AS n, COALESCE(SUM(input_tokens), 0) AS input,
             COALESCE(SUM(output_tokens), 0) AS output,
             COALESCE(SUM(cached_input_tokens), 0) AS cached,
             COALESCE(SUM(cost_e12), 0) AS cost,
             COUNT(*) FILTER (WHERE provider IS NOT NULL AND cost_e12 IS NULL) AS unpriced
      FROM message WHERE conversation_id IN (SELECT id FROM conversation WHERE workspace_id = $1)
      GROUP BY conversation_id) m
WHERE c.id = m.conversation_id
"""

_VARIABLES = """
INSERT INTO variable (conversation_id, name, source, type, value_json, collected_at)
SELECT id, 'email', 'PRE_CHAT_FORM', 'EMAIL', '"visitor' || id || '@example.com"',
       started_at + interval '30 seconds'
FROM conversation WHERE workspace_id = $1 AND type = 'WEB_WIDGET'
UNION ALL
SELECT id, 'plan', 'EXTRACTED', 'SELECT',
       '"' || (ARRAY['free', 'pro', 'team', 'enterprise'])[1 + id % 4] || '"',
       started_at + interval '60 seconds'
FROM conversation WHERE workspace_id = $1
"""

LABELS = (
    ("billing", "#1f77b4"),
    ("complaint", "#d62728"),
    ("refund", "#ff7f0e"),
    ("vip", "#2ca02c"),
)
"""A workspace's labels: lowercase ASCII names, so every collation sorts them alike."""

_LABELS = """
INSERT INTO label (workspace_id, name, colour, created_at)
SELECT $1::bigint, name, colour, now() FROM unnest($2::text[], $3::text[]) AS l(name, colour)
"""

# One conversation in five carries a label, one in fifteen a second one.
_CONVERSATION_LABELS = """
INSERT INTO conversation_label (conversation_id, label_id)
SELECT c.id, l.id
FROM conversation c
JOIN (SELECT id, row_number() OVER (ORDER BY name) - 1 AS n, COUNT(*) OVER () AS labels
      FROM label WHERE workspace_id = $1) l
  ON l.n = (c.id / 5) % l.labels OR (c.id % 15 = 0 AND l.n = (c.id / 5 + 1) % l.labels)
WHERE c.workspace_id = $1 AND c.id % 5 = 0
"""

_RATINGS = """
UPDATE conversation SET rating = 1 + (id / 10) % 5,
    rating_comment = CASE WHEN id % 20 = 3 THEN 'Quick and helpful, thank you.' END,
    rated_at = last_activity_at
WHERE workspace_id = $1 AND id % 10 = 3
"""
"""One conversation in ten rated, scores 1–5 spread evenly, every other one with a comment."""

MISMATCHED = """
SELECT COUNT(*) FROM conversation c
LEFT JOIN (SELECT conversation_id, COUNT(*) AS n, COALESCE(SUM(input_tokens), 0) AS input,
                  COALESCE(SUM(output_tokens), 0) AS output,
                  COALESCE(SUM(cached_input_tokens), 0) AS cached,
                  COALESCE(SUM(cost_e12), 0) AS cost,
                  COUNT(*) FILTER (WHERE provider IS NOT NULL AND cost_e12 IS NULL) AS unpriced
           FROM message GROUP BY conversation_id) m ON m.conversation_id = c.id
WHERE c.workspace_id = ANY($1::bigint[])
  AND ((c.message_count, c.input_tokens, c.output_tokens, c.cached_input_tokens, c.cost_e12,
        c.unpriced_replies)
       IS DISTINCT FROM (COALESCE(m.n, 0), COALESCE(m.input, 0), COALESCE(m.output, 0),
                         COALESCE(m.cached, 0), COALESCE(m.cost, 0), COALESCE(m.unpriced, 0))
       OR c.started_at > now())
"""
"""Conversations whose totals disagree with their messages, or that start in the future: 0."""


async def _prepare(connection: asyncpg.Connection) -> None:
    """Rebuilds the database when its data is of another version; creates the marker table."""
    if await connection.fetchval("SELECT to_regclass($1)", f"{MARKER_SCHEMA}.dataset"):
        stored = await connection.fetchval(f"SELECT MIN(version) FROM {MARKER_SCHEMA}.dataset")
        if stored is not None and stored != DATA_VERSION:
            await connection.execute(
                f"DROP SCHEMA {MARKER_SCHEMA} CASCADE; DROP SCHEMA public CASCADE; "
                "CREATE SCHEMA public;"
            )
    await connection.execute(
        f"CREATE SCHEMA IF NOT EXISTS {MARKER_SCHEMA}; "
        f"CREATE TABLE IF NOT EXISTS {MARKER_SCHEMA}.dataset (tenant text PRIMARY KEY, "
        "version int NOT NULL, workspace_id bigint NOT NULL, conversations int NOT NULL, "
        "load_seconds double precision NOT NULL, loaded_at timestamptz NOT NULL DEFAULT now())"
    )


async def _assistants(workspace_id: int, name: str) -> tuple[int, int]:
    first = await Assistant.create(workspace_id=workspace_id, name=f"{name} support")
    second = await Assistant.create(workspace_id=workspace_id, name=f"{name} sales")
    return first.id, second.id


async def _load(connection: asyncpg.Connection, tenant: Tenant) -> float:
    """Loads one tenant in one transaction with its marker row; returns the seconds it took."""
    started = time.perf_counter()
    workspace, _ = await create_workspace(tenant.name)
    first, second = await _assistants(workspace.id, tenant.name)
    async with connection.transaction():
        await connection.execute(
            _CONVERSATIONS,
            workspace.id,
            first,
            second,
            tenant.conversations,
            tenant.all_active,
            tenant.step_seconds,
            tenant.messages,
        )
        if tenant.messages:
            await connection.execute(_MESSAGES, workspace.id)
            await connection.execute(_TOTALS, workspace.id)
            await connection.execute(_VARIABLES, workspace.id)
            names, colours = zip(*LABELS, strict=True)
            await connection.execute(_LABELS, workspace.id, list(names), list(colours))
            await connection.execute(_CONVERSATION_LABELS, workspace.id)
            await connection.execute(_RATINGS, workspace.id)
        seconds = time.perf_counter() - started
        await connection.execute(
            f"INSERT INTO {MARKER_SCHEMA}.dataset (tenant, version, workspace_id, conversations, "
            "load_seconds) VALUES ($1, $2, $3, $4, $5)",
            tenant.name,
            DATA_VERSION,
            workspace.id,
            tenant.conversations,
            seconds,
        )
    return seconds


async def _stored(connection: asyncpg.Connection) -> dict[str, tuple[int, float]]:
    rows = await connection.fetch(
        f"SELECT tenant, workspace_id, load_seconds FROM {MARKER_SCHEMA}.dataset "
        "WHERE version = $1",
        DATA_VERSION,
    )
    return {row["tenant"]: (row["workspace_id"], row["load_seconds"]) for row in rows}


async def _check(connection: asyncpg.Connection, workspaces: list[int]) -> None:
    wrong = await connection.fetchval(MISMATCHED, workspaces)
    if wrong:
        raise SystemExit(f"bench: {wrong} conversations disagree with their messages")


async def check_totals(url: str, data: "Dataset") -> None:
    """After the writes too: every conversation's totals still equal its messages' sums."""
    connection = await asyncpg.connect(url)
    try:
        await _check(connection, [item.workspace_id for item in data.tenants.values()])
    finally:
        await connection.close()


async def _new_key(workspace_id: int) -> str:
    _, secret = await create_api_key(
        workspace_id,
        ApiKeyKind.SECRET,
        frozenset({ApiKeyScope.READ, ApiKeyScope.WRITE}),
        name="peer benchmark run",
    )
    return secret


@dataclass(frozen=True)
class Dataset:
    tenants: dict[str, Loaded]
    load_seconds: float
    """What loading took when it happened (this run or an earlier one)."""
    loaded_now: bool


async def _create_database(url: str) -> None:
    """Creates the bench's database when missing; refuses one whose name does not say `bench`
    (a changed DATA_VERSION drops its `public` schema)."""
    name = urlsplit(url).path.lstrip("/")
    if "bench" not in name.lower():
        raise SystemExit(f"bench: refusing {name!r}: the peer bench's database must say 'bench'")
    server = await asyncpg.connect(urlunsplit(urlsplit(url)._replace(path="/postgres")))
    try:
        if not await server.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            quoted = '"' + name.replace('"', '""') + '"'
            await server.execute(f"CREATE DATABASE {quoted}")
    finally:
        await server.close()


async def ensure(url: str, tenants: Sequence[Tenant]) -> Dataset:
    """The tenants, loaded if missing, each with a fresh secret key; checks every total."""
    await _create_database(url)
    connection = await asyncpg.connect(url)
    try:
        await _prepare(connection)
        settings = Settings(database=DatabaseSettings(url=url))
        await apply_migrations(settings)
        loaded_now = False
        async with open_database(settings):
            stored = await _stored(connection)
            for tenant in tenants:
                if tenant.name not in stored:
                    progress(f"loading {tenant.name}: {tenant.conversations:,} conversations")
                    seconds = await _load(connection, tenant)
                    progress(f"loaded {tenant.name} in {seconds:.1f} s")
                    loaded_now = True
            if loaded_now:
                progress("VACUUM ANALYZE")
                await connection.execute("VACUUM ANALYZE")
            stored = await _stored(connection)
            found = {}
            for tenant in tenants:
                workspace_id = stored[tenant.name][0]
                found[tenant.name] = Loaded(tenant, workspace_id, await _new_key(workspace_id))
        await _check(connection, [item.workspace_id for item in found.values()])
        return Dataset(
            tenants=found,
            load_seconds=sum(stored[tenant.name][1] for tenant in tenants),
            loaded_now=loaded_now,
        )
    finally:
        await connection.close()
