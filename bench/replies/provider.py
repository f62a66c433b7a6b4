"""`python -m bench.replies.provider --port N`: the tests' fake Chat Completions provider
(tests/support/model_server.py, server-sent events as OpenAI sends them) in a process of its own,
so its CPU is never the engine's. `POST /answer {"pieces": 50, "delay": 0.01}` sets the reply
every later request gets (`word0 word1 …`, one piece each); `GET /requests` says how many came.
"""

import argparse

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.support.model_server import Answer, ModelServer


def app() -> Starlette:
    server = ModelServer()

    async def answer(request: Request) -> JSONResponse:
        body = await request.json()
        pieces = [f"word{n} " for n in range(int(body["pieces"]))]
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
