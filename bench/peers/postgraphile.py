"""PostGraphile 5 as a contender: where `make bench` installs it, how it is served, and the one
SQL function it needs for the write scenario.

PostGraphile's own mutations write one row each; the closest equivalent of sendMessage is a
VOLATILE function (what PostGraphile recommends for business logic), exposed as
`peerSendMessage`, writing the same rows as the hand-written transaction.
"""

import json
from pathlib import Path

import asyncpg

PEERS = Path(__file__).resolve().parent.parent / ".peers"
"""Git-ignored: node@22 and postgraphile@5 from npm (`make bench` installs them)."""
NODE = PEERS / "node_modules" / "node" / "bin" / "node"
CLI = PEERS / "node_modules" / ".bin" / "postgraphile"

SEND_FUNCTION = """
CREATE OR REPLACE FUNCTION public.peer_send_message(
    p_conversation bigint, p_workspace bigint, p_client_message_id text, p_content text,
    p_provider text, p_model text, p_input_tokens int, p_output_tokens int,
    p_cached_input_tokens int, p_cost numeric) RETURNS public.message
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    units bigint := (p_cost * 1000000000000)::bigint;
    now_ timestamptz := clock_timestamp();
    count_ int;
    written public.message;
    seq_ bigint;
BEGIN
    UPDATE conversation SET message_count = message_count + 1,
        input_tokens = input_tokens + p_input_tokens,
        output_tokens = output_tokens + p_output_tokens,
        cached_input_tokens = cached_input_tokens + p_cached_input_tokens,
        cost_e12 = cost_e12 + units, last_activity_at = now_
    WHERE id = p_conversation AND workspace_id = p_workspace AND status = 'ACTIVE'
    RETURNING message_count INTO count_;
    IF count_ IS NULL THEN
        RAISE EXCEPTION 'Conversation not found or ended.';
    END IF;
    INSERT INTO message (conversation_id, sequence, role, content, created_at,
        client_message_id, provider, model, input_tokens, output_tokens, cached_input_tokens,
        cost_e12)
    VALUES (p_conversation, count_, 'ASSISTANT', p_content, now_, p_client_message_id,
        p_provider, p_model, p_input_tokens, p_output_tokens, p_cached_input_tokens, units)
    RETURNING * INTO written;
    UPDATE workspace SET event_seq = event_seq + 1 WHERE id = p_workspace
    RETURNING event_seq INTO seq_;
    INSERT INTO conversation_event (kind, created_at, conversation_id, message_id, workspace_id,
        seq)
    VALUES ('MESSAGE_ADDED', now_, p_conversation, written.id, p_workspace, seq_);
    PERFORM pg_notify('parley_events', p_workspace || ':' || seq_);
    RETURN written;
END $$
"""


async def install_function(url: str) -> None:
    """(Re)creates `peer_send_message`; `public` may have been rebuilt since the last run."""
    connection = await asyncpg.connect(url)
    try:
        await connection.execute(SEND_FUNCTION)
    finally:
        await connection.close()


def command(url: str, port: int) -> list[str]:
    return [
        str(NODE),
        str(CLI),
        "--preset",
        "postgraphile/presets/amber",
        "-c",
        url,
        "-s",
        "public",
        "-p",
        str(port),
    ]


def installed_version() -> str | None:
    """PostGraphile's version, or None when `make bench` has not installed it yet."""
    package = PEERS / "node_modules" / "postgraphile" / "package.json"
    if not package.exists() or not NODE.exists():
        return None
    version: str = json.loads(package.read_text())["version"]
    return version
