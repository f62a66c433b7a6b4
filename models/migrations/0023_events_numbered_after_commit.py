"""Events numbered after their writers commit (resolvers/events/sequencer.py): on PostgreSQL an
event's number is null from its write until the sequencer's run (one call of the function below),
which finds the unnumbered ones by a partial index; each workspace notes when its events were
last numbered (a bus re-announces recent numbers: subscriptions/bus.py). SQLite numbers each
event as it is written (one writer at a time), so its column stays NOT NULL and it needs neither
the index nor the function."""

from typing import Any

from tortoise import fields, migrations
from tortoise.migrations import operations as ops

from models.migrationtools import StateOnly

NUMBER_EVENTS_FUNCTION = """
CREATE FUNCTION parley_number_events(batch integer, channel text, extra text[])
RETURNS TABLE (workspace bigint, last_number bigint, numbered bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    found record;
    other text;
BEGIN
    PERFORM pg_advisory_xact_lock(123563833845113);
    FOR found IN
        WITH pending AS (
            SELECT id, workspace_id FROM conversation_event WHERE seq IS NULL
            ORDER BY id LIMIT batch FOR UPDATE SKIP LOCKED
        ), counts AS (
            SELECT workspace_id, count(*) AS n FROM pending GROUP BY workspace_id
        ), bumped AS (
            UPDATE workspace w SET event_seq = w.event_seq + c.n, events_numbered_at = now()
            FROM counts c WHERE w.id = c.workspace_id RETURNING w.id, w.event_seq, c.n
        ), positioned AS (
            SELECT id, workspace_id,
                row_number() OVER (PARTITION BY workspace_id ORDER BY id) AS position
            FROM pending
        ), renumbered AS (
            UPDATE conversation_event e SET seq = b.event_seq - b.n + p.position
            FROM positioned p JOIN bumped b ON b.id = p.workspace_id WHERE e.id = p.id
            RETURNING e.id
        )
        SELECT b.id, b.event_seq, (SELECT count(*) FROM renumbered) AS total
        FROM bumped b ORDER BY b.id
    LOOP
        IF channel IS NOT NULL THEN
            PERFORM pg_notify(channel, found.id::text || ':' || found.event_seq::text);
        END IF;
        workspace := found.id;
        last_number := found.event_seq;
        numbered := found.total;
        RETURN NEXT;
    END LOOP;
    FOREACH other IN ARRAY extra LOOP
        PERFORM pg_notify(other, '');
    END LOOP;
END $$
"""
"""One run's work as one call, so a run costs one round trip and one commit: the lock first
(each statement of a PL/pgSQL function takes a new snapshot, so the numbering statement sees
every event committed before the lock was granted, the previous run's numbers included); then
the oldest unnumbered events (skipping those a concurrent erasure is deleting, so every number
taken is used) numbered in the order they were written, each workspace's counter advanced by as
many; then each workspace's last number notified on `channel` (none while a bus carries them)
and a notice on each `extra` channel. The lock's key spells "parley"."""


def _postgres(schema_editor: Any) -> bool:
    return bool(schema_editor.client.capabilities.dialect == "postgres")


async def _forward(apps: Any, schema_editor: Any) -> None:
    if _postgres(schema_editor):
        await schema_editor.client.execute_script(
            "ALTER TABLE conversation_event ALTER COLUMN seq DROP NOT NULL; "
            "CREATE INDEX conversation_event_unnumbered ON conversation_event (id) "
            "WHERE seq IS NULL"
        )
        await schema_editor.client.execute_script(NUMBER_EVENTS_FUNCTION)


async def _backward(apps: Any, schema_editor: Any) -> None:
    if _postgres(schema_editor):
        await schema_editor.client.execute_script(
            "DROP FUNCTION parley_number_events(integer, text, text[]); "
            "DROP INDEX conversation_event_unnumbered; "
            "ALTER TABLE conversation_event ALTER COLUMN seq SET NOT NULL"
        )


class Migration(migrations.Migration):
    dependencies = [("models", "0022_handover")]

    initial = False

    operations = [
        StateOnly(  # the database's side is _forward's, PostgreSQL's only
            model_name="ConversationEvent",
            name="seq",
            field=fields.BigIntField(
                null=True,
                description="1, 2, 3 … within the workspace: the live cursor; on PostgreSQL "
                "null from the write until the sequencer numbers it, right after the commit",
            ),
        ),
        ops.AddField(
            model_name="Workspace",
            name="events_numbered_at",
            field=fields.DatetimeField(
                null=True,
                description="when the sequencer last numbered this workspace's events "
                "(PostgreSQL): with a bus, recent numbers are announced again",
                auto_now=False,
                auto_now_add=False,
            ),
        ),
        ops.RunPython(_forward, _backward),
    ]
