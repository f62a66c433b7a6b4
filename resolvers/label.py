"""Labels: a workspace's names and colours, put on conversations and taken off by secret keys.

Adding or removing labels writes a LABELLED event in the same transaction (live lists see the
conversation UPDATED; a live count filtered by labels recounts). Names are unique per workspace.
"""

import re
from collections.abc import Sequence
from datetime import UTC, datetime

from tortoise.exceptions import IntegrityError

from models import Conversation, ConversationLabel, Label
from models.enums import EventKind
from resolvers.callers.caller import Caller
from resolvers.conversation import locked_conversation
from resolvers.errors import BadUserInput, Conflict, NotFound
from resolvers.events.log import change, record_event

MAX_LABELS = 200
"""Labels one workspace holds."""
MAX_PER_CALL = 20
_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")


async def labels_of_workspace(workspace_id: int) -> list[Label]:
    return await Label.filter(workspace_id=workspace_id).order_by("name")


async def create_label(caller: Caller, name: str, colour: str) -> Label:
    caller.require_writer()
    name = name.strip()
    if not 1 <= len(name) <= 100:
        raise BadUserInput("A label's name has 1 to 100 characters.")
    if not _COLOUR.fullmatch(colour):
        raise BadUserInput('A colour is written "#rrggbb".')
    if await Label.filter(workspace_id=caller.workspace_id).count() >= MAX_LABELS:
        raise BadUserInput(f"A workspace holds at most {MAX_LABELS} labels.")
    try:
        return await Label.create(
            workspace_id=caller.workspace_id,
            name=name,
            colour=colour.lower(),
            created_at=datetime.now(UTC),
        )
    except IntegrityError as error:
        raise Conflict(f"The workspace has a label {name!r} already.") from error


async def delete_label(caller: Caller, label_id: int) -> None:
    """Takes it off every conversation too (the database cascades)."""
    caller.require_writer()
    if not await Label.filter(id=label_id, workspace_id=caller.workspace_id).delete():
        raise NotFound("Label not found.")


async def change_labels(
    caller: Caller, conversation_id: int, label_ids: Sequence[int], *, add: bool
) -> Conversation:
    caller.require_handler()  # a supervisor's secret key, or an agent at work
    if not 1 <= len(label_ids) <= MAX_PER_CALL:
        raise BadUserInput(f"Give 1 to {MAX_PER_CALL} labels.")
    wanted = set(label_ids)
    now = datetime.now(UTC)
    async with change():
        conversation = await locked_conversation(caller.workspace_id, conversation_id)
        known = await Label.filter(workspace_id=caller.workspace_id, id__in=wanted).count()
        if known != len(wanted):
            raise NotFound("Label not found.")
        held = {
            row.label_id
            for row in await ConversationLabel.filter(
                conversation_id=conversation_id, label_id__in=wanted
            )
        }
        if add:
            new = sorted(wanted - held)
            await ConversationLabel.bulk_create(
                [ConversationLabel(conversation_id=conversation_id, label_id=pk) for pk in new]
            )
            changed = bool(new)
        else:
            changed = bool(held)
            await ConversationLabel.filter(
                conversation_id=conversation_id, label_id__in=held
            ).delete()
        if changed:
            await record_event(conversation, EventKind.LABELLED, now)
    return conversation
