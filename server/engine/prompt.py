"""What the model is sent for a turn: the assistant's instructions (their `{{name}}` placeholders
filled from the pre-chat answers), what the visitor answered in the pre-chat form, and the
conversation so far, newest first until the context budget is spent.

Tokens are estimated at four characters each (and four more per message): the budget keeps a
long conversation within the model's context without a tokenizer for every provider's models.
"""

from collections.abc import Sequence
from typing import Any

from models import Assistant, Message, Variable
from models.enums import MessageRole, MessageState
from resolvers.placeholders import fill

CHARACTERS_PER_TOKEN = 4
TOKENS_PER_MESSAGE = 4
_ROLES = {MessageRole.USER: "user", MessageRole.ASSISTANT: "assistant"}


def estimate(text: str) -> int:
    return len(text) // CHARACTERS_PER_TOKEN + TOKENS_PER_MESSAGE


def messages(
    assistant: Assistant,
    answers: Sequence[Variable],
    history: Sequence[Message],
    budget: int,
) -> list[dict[str, Any]]:
    """The Chat Completions `messages` for a reply to the last of `history`: the system
    message, then as much of the conversation as fits `budget` tokens (always its last
    message). The visitor's and the assistant's finished messages are sent; a reply that
    failed or was abandoned, system notes and tool output recorded by others are not."""
    system = fill(assistant.instructions or "", {v.name: v.value for v in answers}).strip()
    if answers:
        told = "\n".join(f"- {variable.name}: {variable.value}" for variable in answers)
        system = f"{system}\n\nWhat the visitor answered before the chat:\n{told}".strip()
    sent: list[dict[str, Any]] = []
    spent = estimate(system) if system else 0
    for message in reversed(history):
        role = _ROLES.get(message.role)
        if role is None or message.state is not MessageState.COMPLETE or not message.content:
            continue
        cost = estimate(message.content)
        if sent and spent + cost > budget:
            break
        sent.append({"role": role, "content": message.content})
        spent += cost
    sent.reverse()
    return ([{"role": "system", "content": system}] if system else []) + sent
