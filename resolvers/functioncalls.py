"""The function calls a reply records (`Message.functionCalls`): the built-in engine's, and an
engine of one's own's through `sendMessage` and `finishReply`; kept as one JSON text column."""

import json
from collections.abc import Sequence
from dataclasses import dataclass

from resolvers.forms import Problem

MAX_CALLS = 32
MAX_NAME = 64
MAX_ARGUMENTS = 32_000
MAX_RESULT = 16_000


@dataclass(frozen=True)
class FunctionCall:
    name: str
    arguments: str
    """As the model wrote them (JSON text, usually)."""
    result: str


def call_problems(calls: Sequence[FunctionCall]) -> list[Problem]:
    if len(calls) > MAX_CALLS:
        return [Problem("functionCalls", f"holds at most {MAX_CALLS} calls")]
    problems = []
    for index, call in enumerate(calls):
        at = f"functionCalls.{index}"
        if not 1 <= len(call.name) <= MAX_NAME:
            problems.append(Problem(f"{at}.name", f"needs 1 to {MAX_NAME} characters"))
        if len(call.arguments) > MAX_ARGUMENTS:
            problems.append(
                Problem(f"{at}.arguments", f"needs at most {MAX_ARGUMENTS:,} characters")
            )
        if len(call.result) > MAX_RESULT:
            problems.append(Problem(f"{at}.result", f"needs at most {MAX_RESULT:,} characters"))
    return problems


def stored(calls: Sequence[FunctionCall] | None) -> str | None:
    """The column's text: null for none."""
    if not calls:
        return None
    return json.dumps(
        [{"name": c.name, "arguments": c.arguments, "result": c.result} for c in calls]
    )
