"""What the built-in engine extracted from an ended conversation, recorded in one transaction:
the values as `EXTRACTED` variables, and the model's call as a SYSTEM note whose usage and cost
count in the conversation's totals like any reply's.

The note is the values' provenance: each variable's `messageSequence` is the note's, and the
note names the model and what it cost. The model's answer is untrusted input: a value that is
not declared by the assistant, or fails its type's checks, is left out (the rest are kept).
"""

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from models import Assistant, Message
from models.enums import EventKind, MessageRole
from resolvers.conversation import locked_conversation
from resolvers.events.log import change, record_event
from resolvers.forms import FieldRule, check_value
from resolvers.limits.bounds import Bounds
from resolvers.recording import append_message, store_extracted
from resolvers.usage import ReplyUsage, apply_usage

NOTE_ID = "extraction"
"""The note's clientMessageId: a conversation's variables are extracted once."""


async def record_extraction(
    workspace_id: int,
    conversation_id: int,
    values: Mapping[str, Any],
    usage: ReplyUsage | None,
    bounds: Bounds,
) -> list[str]:
    """Records the values the assistant declares and that pass their checks, and the note;
    the names recorded (none when the extraction was recorded already)."""
    now = datetime.now(UTC)
    async with change():
        conversation = await locked_conversation(workspace_id, conversation_id)
        assistant = await Assistant.get(id=conversation.assistant_id)
        rules = {item["name"]: FieldRule.of(item) for item in assistant.extracted_variables}
        wanted = {
            name: value
            for name, value in values.items()
            if name in rules
            and value is not None
            and value != ""
            and check_value(rules[name], value, bounds) is None
        }
        names = sorted(wanted)
        note = Message(
            conversation_id=conversation.id,
            sequence=conversation.message_count + 1,
            role=MessageRole.SYSTEM,
            content=f"Extracted {', '.join(names)}." if names else "Nothing to extract.",
            created_at=now,
            client_message_id=NOTE_ID,
        )
        apply_usage(note, usage, now)
        if not await append_message(conversation, note, now):
            return []
        if wanted:
            await store_extracted(conversation, rules, wanted, None, now, bounds)
            await record_event(conversation, EventKind.VARIABLES_SET, now)
    return names
