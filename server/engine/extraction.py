"""What the model is asked when a conversation has ended: the values of the variables its
assistant declares for extraction (name, type, description), read from the whole transcript.

The model answers by calling one function, `record_variables`, whose JSON Schema has a property
per variable (typed as the variable is), which every OpenAI-compatible server that supports
tools can be made to call (`tool_choice`). A model that writes the JSON as text instead is read
too. The values are checked again when they are recorded (resolvers/extraction.py).
"""

import json
from collections.abc import Sequence
from typing import Any

from models import Assistant, Message
from models.enums import MessageRole, MessageState
from server.engine.model import Written
from server.engine.prompt import estimate

FUNCTION = "record_variables"
_TYPES = {"NUMBER": "number", "BOOLEAN": "boolean"}
"""JSON Schema types of the variable types that are not strings."""
_FORMATS = {"EMAIL": "email", "DATE": "date"}
_SPEAKERS = {MessageRole.USER: "Visitor", MessageRole.ASSISTANT: "Assistant"}
INSTRUCTIONS = (
    "You read a finished conversation between a website visitor and an AI assistant, and "
    f"record what it tells about each variable by calling {FUNCTION}. Leave out a variable the "
    "conversation says nothing about; never guess."
)


def _schema(variables: Sequence[dict[str, Any]]) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    for variable in variables:
        described: dict[str, Any] = {"type": _TYPES.get(variable["type"], "string")}
        if variable["type"] in _FORMATS:
            described["format"] = _FORMATS[variable["type"]]
        if variable.get("description"):
            described["description"] = variable["description"]
        properties[variable["name"]] = described
    return {"type": "object", "properties": properties, "additionalProperties": False}


def transcript(history: Sequence[Message], budget: int) -> str:
    """The visitor's and the assistant's finished messages as lines, the latest kept when the
    whole does not fit `budget` tokens."""
    lines: list[str] = []
    spent = 0
    for message in reversed(history):
        speaker = _SPEAKERS.get(message.role)
        if speaker is None or message.state is not MessageState.COMPLETE:
            continue
        line = f"{speaker}: {message.content}"
        if lines and spent + estimate(line) > budget:
            break
        lines.append(line)
        spent += estimate(line)
    return "\n".join(reversed(lines))


def request(assistant: Assistant, history: Sequence[Message], budget: int) -> dict[str, Any]:
    """The Chat Completions request that asks for the values."""
    return {
        "model": assistant.model,
        "messages": [
            {"role": "system", "content": INSTRUCTIONS},
            {"role": "user", "content": transcript(history, budget)},
        ],
        "tools": [
            {
                "type": "function",
                "function": {
                    "name": FUNCTION,
                    "description": "Records the variables the conversation gives values to.",
                    "parameters": _schema(assistant.extracted_variables),
                },
            }
        ],
        "tool_choice": {"type": "function", "function": {"name": FUNCTION}},
    }


def values(written: Written) -> dict[str, Any]:
    """The values the model gave: its call's arguments, or its text read as JSON; none when it
    gave neither."""
    given = [call.arguments for call in written.calls if call.name == FUNCTION]
    for text in [*given, written.text]:
        try:
            found = json.loads(text)
        except ValueError:
            continue
        if isinstance(found, dict):
            return found
    return {}
