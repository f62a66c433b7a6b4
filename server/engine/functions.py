"""The functions an assistant's model may call while it answers (`Assistant.functions`): offered
to the model as Chat Completions tools, called by POSTing their arguments to the function's URL,
and answered with what the URL answers.

A function's URL is the assistant builder's, like a webhook's, so it is called the way webhooks
are sent (server/webhooks/outbound.py): every address it resolves to is checked (no loopback or
private ones unless `PARLEY_WEBHOOK_ALLOW_PRIVATE`), one deadline for the whole call, no
redirects, and a bounded answer. What goes wrong is told to the model as the function's answer
(`{"error": …}`), so it can say so to the visitor: a function that fails never fails the turn.
"""

import json
from collections.abc import Sequence
from typing import Any

from resolvers.functioncalls import FunctionCall
from server.engine.model import Called
from server.webhooks.outbound import Outbound

MAX_ROUNDS = 4
"""Rounds of function calls in one turn; the model is then asked to answer without them."""
MAX_RESULT_CHARACTERS = 16_000
"""What the model is told of a function's answer (and what the transcript keeps)."""
HANDOVER = "handover"
"""The function an assistant that `offers_handover` gives its model: a person is asked for."""
HANDOVER_TEXT = "One moment: I am asking a person to take over."
"""The reply when the model asked for a person without a word to the visitor."""
_HANDOVER_TOOL = {
    "type": "function",
    "function": {
        "name": HANDOVER,
        "description": "Hand the conversation to a person of the team: when the visitor asks "
        "for one, or when you cannot help. Tell the visitor a person will answer.",
        "parameters": {
            "type": "object",
            "properties": {"reason": {"type": "string", "description": "Why, briefly."}},
        },
    },
}


def tools(functions: Sequence[dict[str, Any]], handover: bool) -> list[dict[str, Any]]:
    """The assistant's functions as the request's `tools`, and `handover` if it offers it (its
    own function of that name, if it has one, is not offered then)."""
    offered = [_HANDOVER_TOOL] if handover else []
    for function in functions:
        if handover and function["name"] == HANDOVER:
            continue
        described = {"name": function["name"], "parameters": function["parameters"]}
        if function.get("description"):
            described["description"] = function["description"]
        offered.append({"type": "function", "function": described})
    return offered


def asked(calls: Sequence[Called], text: str) -> dict[str, Any]:
    """The model's turn that made `calls`, as the next request's history repeats it."""
    return {
        "role": "assistant",
        "content": text or None,
        "tool_calls": [
            {
                "id": call.id,
                "type": "function",
                "function": {"name": call.name, "arguments": call.arguments},
            }
            for call in calls
        ],
    }


def handed_over(calls: Sequence[Called]) -> FunctionCall:
    """The `handover` call as the transcript keeps it (nothing else of that round is called)."""
    called = next(call for call in calls if call.name == HANDOVER)
    return FunctionCall(called.name, called.arguments, json.dumps({"handedOver": True}))


def answered(call: Called, made: FunctionCall) -> dict[str, Any]:
    """A function's answer as the next request's history gives it to the model."""
    return {"role": "tool", "tool_call_id": call.id, "content": made.result}


def _error(why: str) -> str:
    return json.dumps({"error": why})


async def call(
    outbound: Outbound,
    functions: Sequence[dict[str, Any]],
    called: Called,
    conversation_id: str,
) -> FunctionCall:
    """Calls what the model asked for: POSTs `{name, arguments, conversationId}` to the
    function's URL. The answer's body (2xx) is the result; anything else an error result."""
    function = next((each for each in functions if each["name"] == called.name), None)
    if function is None:
        return FunctionCall(
            called.name, called.arguments, _error(f"there is no function {called.name}")
        )
    try:
        arguments = json.loads(called.arguments or "{}")
    except ValueError:
        return FunctionCall(called.name, called.arguments, _error("the arguments are not JSON"))
    body = json.dumps(
        {"name": called.name, "arguments": arguments, "conversationId": conversation_id}
    ).encode()
    answer = await outbound.post(function["url"], body, {}, follow_redirects=False)
    if answer.status is None:
        result = _error(f"the function did not answer ({answer.error})")
    elif not 200 <= answer.status < 300:
        result = _error(f"the function answered HTTP {answer.status}")
    else:
        result = answer.body.decode("utf-8", "replace")[:MAX_RESULT_CHARACTERS]
    return FunctionCall(called.name, called.arguments, result)
