"""A model provider on loopback, speaking OpenAI's Chat Completions protocol over real HTTP.

The one part of Parley's world that cannot run here is a hosted model, so the tests talk to this:
`POST /v1/chat/completions`, streamed as server-sent events exactly as the provider sends them
(a first chunk with the role, content deltas, a chunk with the finish reason, with
`stream_options.include_usage` a last chunk with no choices and the usage, then `data: [DONE]`),
tool calls as their deltas, or a whole `chat.completion` when not streamed; errors with the
provider's error bodies and headers (429 with `retry-after`, 500), and the failures a network
gives: a stream that stalls, a stream cut mid-way. Each request takes the next scripted answer;
every request is kept for the test to read.
"""

import asyncio
import json
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from tests.support.servers import in_process, port_of


@dataclass(frozen=True)
class ToolCall:
    name: str
    arguments: str
    id: str = "call_1"


@dataclass(frozen=True)
class Answer:
    """A reply the model writes."""

    pieces: Sequence[str] = ("Hello", "!")
    prompt_tokens: int = 25
    completion_tokens: int = 3
    cached_tokens: int = 0
    tool_calls: Sequence[ToolCall] = ()
    finish_reason: str | None = None
    """Default: "tool_calls" with tool calls, else "stop"."""
    delay: float = 0.0
    """Seconds between pieces."""
    stall_after: int | None = None
    """Pieces sent before the stream stops sending, the connection left open."""
    cut_after: int | None = None
    """Pieces sent before the connection is dropped mid-stream."""


@dataclass(frozen=True)
class Failure:
    """An error the provider answers with."""

    status: int
    message: str = "The server had an error while processing your request. Sorry about that!"
    type: str = "server_error"
    code: str | None = None
    retry_after: str | None = None

    @classmethod
    def rate_limited(cls, retry_after: str = "0.2") -> "Failure":
        return cls(
            429,
            "Rate limit reached for gpt-4o-mini in organization org-test on requests per min "
            "(RPM): Limit 3, Used 3, Requested 1. Please try again in 200ms.",
            "requests",
            "rate_limit_exceeded",
            retry_after,
        )


Script = Answer | Failure


@dataclass
class ModelServer:
    """The provider: `expect` answers in order (then the default answer), read `requests`."""

    url: str = ""
    requests: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    times: list[float] = field(default_factory=list)
    """When each request came (time.monotonic())."""
    scripts: list[Script] = field(default_factory=list)
    default: Answer = field(default_factory=Answer)
    _stalled: list[asyncio.Event] = field(default_factory=list)

    def expect(self, *scripts: Script) -> None:
        self.scripts.extend(scripts)

    def release(self) -> None:
        """Ends the stalls: their streams close (a provider that gave up)."""
        for event in self._stalled:
            event.set()

    async def completions(self, request: Request) -> Response:
        body = await request.json()
        self.times.append(time.monotonic())
        self.requests.append(body)
        self.headers.append(dict(request.headers))
        script = self.scripts.pop(0) if self.scripts else self.default
        if isinstance(script, Failure):
            return _failure(script)
        created = int(time.time())
        ident = f"chatcmpl-test{len(self.requests)}"
        model = body.get("model", "gpt-4o-mini")
        if not body.get("stream"):
            return JSONResponse(_completion(script, ident, created, model))
        usage = bool((body.get("stream_options") or {}).get("include_usage"))
        return StreamingResponse(
            self._events(script, ident, created, model, usage),
            media_type="text/event-stream; charset=utf-8",
        )

    async def _events(
        self, script: Answer, ident: str, created: int, model: str, usage: bool
    ) -> AsyncIterator[bytes]:
        def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
            return _event(
                {
                    **_head(ident, created, model, "chat.completion.chunk"),
                    "choices": [
                        {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
                    ],
                    **({"usage": None} if usage else {}),
                }
            )

        yield chunk({"role": "assistant", "content": "", "refusal": None})
        for number in range(len(script.pieces)):
            if script.cut_after is not None and number == script.cut_after:
                raise ConnectionResetError("the provider's connection was cut mid-stream")
            if script.stall_after is not None and number == script.stall_after:
                stalled = asyncio.Event()
                self._stalled.append(stalled)
                await stalled.wait()
                return
            if script.delay:
                await asyncio.sleep(script.delay)
            yield chunk({"content": script.pieces[number]})  # read when sent
        for index, call in enumerate(script.tool_calls):
            yield chunk(
                {
                    "tool_calls": [
                        {
                            "index": index,
                            "id": call.id,
                            "type": "function",
                            "function": {"name": call.name, "arguments": ""},
                        }
                    ]
                }
            )
            half = len(call.arguments) // 2
            for part in (call.arguments[:half], call.arguments[half:]):
                yield chunk({"tool_calls": [{"index": index, "function": {"arguments": part}}]})
        yield chunk({}, _finish(script))
        if usage:
            yield _event(
                {
                    **_head(ident, created, model, "chat.completion.chunk"),
                    "choices": [],
                    "usage": _usage(script),
                }
            )
        yield b"data: [DONE]\n\n"


def _head(ident: str, created: int, model: str, kind: str) -> dict[str, Any]:
    return {
        "id": ident,
        "object": kind,
        "created": created,
        "model": model,
        "service_tier": "default",
        "system_fingerprint": "fp_test",
    }


def _finish(script: Answer) -> str:
    return script.finish_reason or ("tool_calls" if script.tool_calls else "stop")


def _usage(script: Answer) -> dict[str, Any]:
    return {
        "prompt_tokens": script.prompt_tokens,
        "completion_tokens": script.completion_tokens,
        "total_tokens": script.prompt_tokens + script.completion_tokens,
        "prompt_tokens_details": {"cached_tokens": script.cached_tokens, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": 0,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }


def _completion(script: Answer, ident: str, created: int, model: str) -> dict[str, Any]:
    message: dict[str, Any] = {
        "role": "assistant",
        "content": "".join(script.pieces) or None,
        "refusal": None,
        "annotations": [],
    }
    if script.tool_calls:
        message["tool_calls"] = [
            {
                "id": call.id,
                "type": "function",
                "function": {"name": call.name, "arguments": call.arguments},
            }
            for call in script.tool_calls
        ]
    return {
        **_head(ident, created, model, "chat.completion"),
        "choices": [
            {"index": 0, "message": message, "logprobs": None, "finish_reason": _finish(script)}
        ],
        "usage": _usage(script),
    }


def _event(payload: dict[str, Any]) -> bytes:
    return f"data: {json.dumps(payload, separators=(',', ':'))}\n\n".encode()


def _failure(script: Failure) -> Response:
    headers = {"x-request-id": "req_test"}
    if script.retry_after is not None:
        headers["retry-after"] = script.retry_after
    body = {
        "error": {
            "message": script.message,
            "type": script.type,
            "param": None,
            "code": script.code,
        }
    }
    return JSONResponse(body, status_code=script.status, headers=headers)


@asynccontextmanager
async def model_server() -> AsyncIterator[ModelServer]:
    """A provider on a free loopback port; `url` is its base URL (…/v1), as OPENAI_BASE_URL."""
    server = ModelServer()
    app = Starlette(routes=[Route("/v1/chat/completions", server.completions, methods=["POST"])])
    config = uvicorn.Config(app, host="127.0.0.1", port=0, lifespan="off", log_level="warning")
    async with in_process(config) as running:
        server.url = f"http://127.0.0.1:{port_of(running)}/v1"
        try:
            yield server
        finally:
            server.release()
