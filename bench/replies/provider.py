"""`python -m bench.replies.provider --port N`: the tests' fake Chat Completions provider
(tests/support/model_server.py, server-sent events as OpenAI sends them) in a process of its own,
so its CPU is never the engine's. `POST /answer {"pieces": 50, "delay": 0.01}` sets the reply
every later request gets (`word0 word1 …`, one piece each; with `"timed": true` each piece is
its number and the wall-clock time it is sent, as bench/replies/clients.py's writer puts them);
`GET /requests` says how many came.
"""

import argparse
import time
from collections.abc import Sequence
from typing import overload

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bench.replies.clients import WRAP
from tests.support.model_server import Answer, ModelServer


class Timed(Sequence[str]):
    """`n` pieces, each its number and the time it is read (the fake provider reads a piece
    just before it sends it)."""

    def __init__(self, n: int) -> None:
        self._n = n

    def __len__(self) -> int:
        return self._n

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...
    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        if isinstance(index, slice):
            return [self[n] for n in range(*index.indices(self._n))]
        if not 0 <= index < self._n:
            raise IndexError(index)
        return f"{index:03d}:{time.time() % WRAP:.4f}|"


def app() -> Starlette:
    server = ModelServer()

    async def answer(request: Request) -> JSONResponse:
        body = await request.json()
        n = int(body["pieces"])
        pieces = Timed(n) if body.get("timed") else [f"word{k} " for k in range(n)]
        server.default = Answer(pieces, completion_tokens=len(pieces), delay=float(body["delay"]))
        return JSONResponse({"ok": True})

    async def requests(_request: Request) -> JSONResponse:
        return JSONResponse({"requests": len(server.requests)})

    return Starlette(
        routes=[
            Route("/v1/chat/completions", server.completions, methods=["POST"]),
            Route("/answer", answer, methods=["POST"]),
            Route("/requests", requests),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.replies.provider")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(app(), host="127.0.0.1", port=args.port, log_level="warning", lifespan="off")


if __name__ == "__main__":
    main()
