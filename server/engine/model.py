"""One streamed call to an OpenAI-compatible Chat Completions endpoint, through the official
`openai` client: it retries 429s, 5xx and timeouts with backoff, honouring `retry-after`, before
any text arrives; what fails after that (a stream cut or stalled) ends the call.

Usage comes from the stream's last chunk (`stream_options.include_usage`), as the provider
counted it; the price is Parley's own (resolvers/pricing.py), from the model the provider names.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx2
import openai

from resolvers.usage import ReplyUsage


class ModelFailedError(Exception):
    """The provider gave no (whole) reply: after its retries, or mid-stream."""


MAX_CALL_ARGUMENTS = 32_000
"""Characters of one function call's arguments the engine keeps (the rest is cut)."""


@dataclass(frozen=True)
class Called:
    """A function call the model made: its id (for the answer), name and arguments (JSON text)."""

    id: str
    name: str
    arguments: str


@dataclass(frozen=True)
class Written:
    model: str | None
    usage: ReplyUsage | None
    text: str = ""
    """What it wrote (also given to `on_text` as it came)."""
    calls: tuple[Called, ...] = ()
    """The functions it called (then it waits for their answers)."""


def client(
    base_url: str | None, api_key: str | None, retries: int, stall_seconds: float
) -> openai.AsyncOpenAI:
    """The provider's client: `OPENAI_BASE_URL` (default OpenAI's), `OPENAI_API_KEY` (a local
    server may need none), and a read timeout that ends a stalled stream."""
    return openai.AsyncOpenAI(
        base_url=base_url,
        api_key=api_key or "none",
        max_retries=retries,
        timeout=httpx2.Timeout(stall_seconds, connect=10.0),
    )


async def stream(
    provider: openai.AsyncOpenAI,
    request: dict[str, Any],
    provider_name: str,
    on_text: Callable[[str], Awaitable[None]],
) -> Written:
    """Streams the reply to `on_text`, piece by piece; its model, text, function calls (their
    pieces put together) and usage at the end."""
    model: str | None = None
    usage: ReplyUsage | None = None
    text: list[str] = []
    calls: dict[int, list[str]] = {}
    try:
        # The client's generic POST (its retries, errors and stream reading) with the request
        # and its chunks as plain JSON: `chat.completions.create` would walk the request's
        # types and build a pydantic object of every chunk, most of the engine's CPU per turn.
        chunks = await provider.post(
            "/chat/completions",
            body={**request, "stream": True, "stream_options": {"include_usage": True}},
            cast_to=object,
            stream=True,
            stream_cls=openai.AsyncStream[object],
        )
        async with chunks:
            async for chunk in chunks:
                if not isinstance(chunk, dict):
                    continue
                model = chunk.get("model") or model
                if chunk.get("usage"):
                    usage = _usage(chunk, provider_name, model or request["model"])
                for choice in chunk.get("choices") or ():
                    delta = choice.get("delta") or {}
                    if content := delta.get("content"):
                        text.append(content)
                        await on_text(content)
                    for call in delta.get("tool_calls") or ():
                        _add_call_piece(calls, call)
    except (openai.APIError, httpx2.HTTPError) as error:
        raise ModelFailedError(_described(error)) from error
    made = tuple(Called(*calls[index]) for index in sorted(calls))
    return Written(model, usage, "".join(text), made)


def _usage(chunk: dict[str, Any], provider_name: str, model: str) -> ReplyUsage:
    """The usage the stream's last chunk reports."""
    usage = chunk["usage"]
    details = usage.get("prompt_tokens_details") or {}
    return ReplyUsage(
        provider=provider_name,
        model=model,
        input_tokens=int(usage.get("prompt_tokens") or 0),
        output_tokens=int(usage.get("completion_tokens") or 0),
        cached_input_tokens=int(details.get("cached_tokens") or 0),
        cost=None,
    )


def _add_call_piece(calls: dict[int, list[str]], piece: dict[str, Any]) -> None:
    """Adds a streamed piece of a function call (its id and name come first, its arguments in
    pieces after) to the calls by their index."""
    ident, name, arguments = calls.setdefault(piece.get("index", 0), ["", "", ""])
    if piece.get("id"):
        ident = piece["id"]
    if (function := piece.get("function")) is not None:
        name = (name + (function.get("name") or ""))[:64]
        arguments = (arguments + (function.get("arguments") or ""))[:MAX_CALL_ARGUMENTS]
    calls[piece.get("index", 0)] = [ident, name, arguments]


def _described(error: Exception) -> str:
    """What went wrong, without what the provider echoed of the request (the visitor's text)."""
    if isinstance(error, openai.APIStatusError):
        return f"the provider answered {error.status_code} ({type(error).__name__})"
    if isinstance(error, openai.APITimeoutError | httpx2.TimeoutException):
        return "the provider's stream stalled (no text within the read timeout)"
    return f"the provider's connection failed ({type(error).__name__})"
