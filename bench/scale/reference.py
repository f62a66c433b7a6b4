"""The raw reference: what a plain asyncpg client pays to write the rows Parley's `sendMessage`
writes, one transaction per message, the same statements in the same order (as PostgreSQL's
statement log shows them for Parley, bench/scale/probe.py):

1. `SELECT * FROM conversation … FOR UPDATE`: the conversation's row lock, and its totals;
2. one statement writing the message (a retry's `clientMessageId` skipped) and the
   conversation's new totals;
3. for a visitor's message, the engine's turn (`INSERT INTO turn … SELECT … FROM assistant WHERE
   … model IS NOT NULL`: nothing when the assistant has no model, as here);
4. the message's MESSAGE_ADDED event, in one of the shapes of `EVENT_WRITES` below.

What Parley does besides (GraphQL, its models, the caller's key, its webhook worker waking on
every commit) is what the ratio measures.
"""

from dataclasses import dataclass
from datetime import datetime

import asyncpg

# ─── THE EVENT WRITE ──────────────────────────────────────────────────────────────────────────
# The one place that says how the raw reference writes a message's event. Parley's own event
# write (resolvers/events/log.py) is read from the statement log at the start of every run and
# matched to one of these shapes by `match_shape` (does it lock the workspace row for the
# number, does it NOTIFY inside the transaction); the report says which one was mirrored, and
# shows Parley's statement beside it. When Parley's event write changes shape, add or edit the
# shape here.


@dataclass(frozen=True)
class EventWrite:
    name: str
    sql: str
    """Parameters: $1 workspace, $2 conversation, $3 message, $4 created_at."""
    numbers: bool
    """Takes the workspace row's counter (the lock every writer of the workspace queues on)."""
    notifies: bool
    """Sends NOTIFY inside the transaction (PostgreSQL serialises such commits on one lock)."""


NUMBERED_NOTIFY = EventWrite(
    name="numbered + NOTIFY",
    sql=(
        "WITH numbered AS (UPDATE workspace SET event_seq = event_seq + 1::bigint "
        "WHERE id = $1 RETURNING event_seq), "
        "written AS (INSERT INTO conversation_event "
        "(workspace_id, conversation_id, message_id, kind, seq, created_at) "
        "SELECT $1, e.conversation_id, e.message_id, 'MESSAGE_ADDED', "
        "numbered.event_seq - 1::bigint + e.position, $4 "
        "FROM numbered, unnest(ARRAY[$2::bigint], ARRAY[$3::bigint]) "
        "WITH ORDINALITY AS e(conversation_id, message_id, position) RETURNING seq) "
        "SELECT event_seq, pg_notify('parley_events', $1::text || ':' || event_seq::text), "
        "(SELECT count(*) FROM written) AS written FROM numbered"
    ),
    numbers=True,
    notifies=True,
)
"""Today's (resolvers/events/log.py `_numbered`, Parley's statement for one event): the
workspace's next number, the row, NOTIFY."""

SEQUENCED_LATER = EventWrite(
    name="unnumbered (seq NULL, no NOTIFY)",
    sql=(
        "INSERT INTO conversation_event "
        "(workspace_id, conversation_id, message_id, kind, seq, created_at) "
        "VALUES ($1, $2, $3, 'MESSAGE_ADDED', NULL, $4)"
    ),
    numbers=False,
    notifies=False,
)
"""The change under way: the row alone, numbered after its commit by a sequencer (whose work is
not the writer's and is not in the reference)."""

EVENT_WRITES = {shape.name: shape for shape in (NUMBERED_NOTIFY, SEQUENCED_LATER)}
TODAY = NUMBERED_NOTIFY
"""Reported beside the mirrored shape whatever Parley does: "with today's numbering + NOTIFY"."""
# ─── end of the event write ───────────────────────────────────────────────────────────────────


def match_shape(event_statements: list[str]) -> EventWrite | None:
    """The shape whose traits are those of Parley's logged event statements (the statements of
    its write transaction that touch `conversation_event`, `workspace` or `pg_notify`)."""
    text = " ".join(event_statements)
    numbers = "UPDATE workspace" in text and "event_seq" in text
    notifies = "pg_notify" in text
    for shape in EVENT_WRITES.values():
        if shape.numbers == numbers and shape.notifies == notifies:
            return shape
    return None


LOCK = "SELECT * FROM conversation WHERE id = $1 AND workspace_id = $2 LIMIT 1 FOR UPDATE"
_MESSAGE_COLUMNS = (
    "sequence, role, content, created_at, client_message_id, state, streamed_at, agent_id, "
    "agent_name, handover, function_calls, first_token_ms, generation_ms, provider, model, "
    "input_tokens, output_tokens, cached_input_tokens, cost_e12, input_price_e12, "
    "output_price_e12, cached_input_price_e12, price_source, price_version, thumb, thumb_reason, "
    "thumbed_at, thumbed_by_key_id, conversation_id"
)
"""The columns Parley's insert names (every one but `id`), so each row costs the same."""
WRITE = (
    f"WITH written AS (INSERT INTO message ({_MESSAGE_COLUMNS}) VALUES "
    "($1, $2, $3, $4, $5, 'COMPLETE', NULL, NULL, NULL, NULL, NULL, NULL, NULL, $6, $7, $8, $9, "
    "$10, $11, NULL, NULL, NULL, $12, NULL, NULL, NULL, NULL, NULL, $13) "
    "ON CONFLICT (conversation_id, client_message_id) DO NOTHING RETURNING id), "
    "totals AS (UPDATE conversation SET message_count = $14, input_tokens = $15, "
    "output_tokens = $16, cached_input_tokens = $17, cost_e12 = $18, unpriced_replies = $19, "
    "last_activity_at = $4 WHERE id = $13 AND EXISTS (SELECT 1 FROM written)) "
    "SELECT id FROM written"
)
TURN = (
    "INSERT INTO turn (conversation_id, answers, attempt, state, created_at) "
    "SELECT $1, $2, 1, 'WAITING', $3 FROM assistant WHERE id = $4 AND model IS NOT NULL "
    "RETURNING id"
)
TURN_NOTICE = "SELECT pg_notify('parley_turns', '')"


@dataclass(frozen=True)
class Usage:
    provider: str
    model: str
    input_tokens: int
    output_tokens: int
    cached_input_tokens: int
    cost_e12: int


async def write(
    connection: asyncpg.Connection,
    event: EventWrite,
    workspace: int,
    conversation: int,
    client_message_id: str,
    content: str,
    usage: Usage | None,
    at: datetime,
) -> bool:
    """One message in one transaction; False when the conversation is not there or ended."""
    async with connection.transaction():
        row = await connection.fetchrow(LOCK, conversation, workspace)
        if row is None or row["status"] != "ACTIVE":
            return False
        sequence = row["message_count"] + 1
        spent = usage or Usage("", "", 0, 0, 0, 0)
        written = await connection.fetchval(
            WRITE,
            sequence,
            "ASSISTANT" if usage else "USER",
            content,
            at,
            client_message_id,
            usage.provider if usage else None,
            usage.model if usage else None,
            usage.input_tokens if usage else None,
            usage.output_tokens if usage else None,
            usage.cached_input_tokens if usage else None,
            usage.cost_e12 if usage else None,
            "GIVEN" if usage else None,
            conversation,
            sequence,
            row["input_tokens"] + spent.input_tokens,
            row["output_tokens"] + spent.output_tokens,
            row["cached_input_tokens"] + spent.cached_input_tokens,
            row["cost_e12"] + spent.cost_e12,
            row["unpriced_replies"],
        )
        if written is None:
            return False
        if usage is None and row["handling"] == "ASSISTANT":
            queued = await connection.fetch(TURN, conversation, sequence, at, row["assistant_id"])
            if queued:
                await connection.execute(TURN_NOTICE)
        await connection.fetch(event.sql, workspace, conversation, written, at)
    return True
