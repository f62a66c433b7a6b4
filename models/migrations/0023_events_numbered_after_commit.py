"""Events numbered after their writers commit (resolvers/events/sequencer.py): on PostgreSQL an
event's number is null from its write until the sequencer's run, which finds the unnumbered ones
by a partial index; each workspace notes when its events were last numbered (a bus re-announces
recent numbers: subscriptions/bus.py). SQLite numbers each event as it is written (one writer at a time), so its
column stays NOT NULL and it needs no such index."""

from typing import Any

from tortoise import fields, migrations
from tortoise.migrations import operations as ops

from models.migrationtools import StateOnly


def _postgres(schema_editor: Any) -> bool:
    return bool(schema_editor.client.capabilities.dialect == "postgres")


async def _forward(apps: Any, schema_editor: Any) -> None:
    if _postgres(schema_editor):
        await schema_editor.client.execute_script(
            "ALTER TABLE conversation_event ALTER COLUMN seq DROP NOT NULL; "
            "CREATE INDEX conversation_event_unnumbered ON conversation_event (id) "
            "WHERE seq IS NULL"
        )


async def _backward(apps: Any, schema_editor: Any) -> None:
    if _postgres(schema_editor):
        await schema_editor.client.execute_script(
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
