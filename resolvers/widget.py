"""What a widget may read of its assistant: the public face (name, pre-chat form, mode) that it
renders before a chat, and nothing of the workspace behind it."""

from models import Assistant
from resolvers.assistant import get_assistant
from resolvers.callers.caller import Caller, CallerKind
from resolvers.errors import BadUserInput, NotFound


async def widget_assistant(caller: Caller, assistant_id: int | None) -> Assistant:
    """A widget key's own assistant, a session token's conversation's, or (for a builder's Test
    Chat) the workspace's assistant `assistant_id` with a secret key that may read. Another
    assistant, or an archived one (it starts no more chats), is NOT_FOUND."""
    if caller.kind is CallerKind.SECRET:
        caller.require_reader()
        if assistant_id is None:
            raise BadUserInput("A secret key names the assistant: widgetAssistant(id: …).")
        wanted = assistant_id
    else:
        if caller.assistant_id is None or assistant_id not in (None, caller.assistant_id):
            raise NotFound("Assistant not found.")
        wanted = caller.assistant_id
    assistant = await get_assistant(caller.workspace_id, wanted)
    if assistant.archived_at is not None:
        raise NotFound("Assistant not found.")
    return assistant
