"""The bare broadcast: `python -m bench.live.bare --port P`, a minimal Starlette app on uvicorn
(the same server, websocket implementation and event loop as `parley serve`) that speaks just
enough `graphql-transport-ws` to be subscribed to, and pushes frames like Parley's (taken from
Parley's run) at the rates Parley delivered them: each message frame to one widget socket, each
count frame to every dashboard socket. What Parley spends per frame beyond this is its own cost.

`POST /run` with {message_rate, count_rate, seconds, samples, out} starts a run; the k-th count
frame's send time goes to `out`, as the writer logs Parley's commits.
"""

import argparse
import asyncio
import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from bench.live.processes import raise_file_limit

widgets: list[WebSocket] = []
dashboards: list[WebSocket] = []
runs: set[asyncio.Task[None]] = set()


async def socket(websocket: WebSocket) -> None:
    await websocket.accept(subprotocol="graphql-transport-ws")
    group: list[WebSocket] | None = None
    try:
        while True:
            message = json.loads(await websocket.receive_text())
            if message["type"] == "connection_init":
                await websocket.send_text('{"type":"connection_ack"}')
            elif message["type"] == "subscribe":
                group = widgets if "messageAdded" in message["payload"]["query"] else dashboards
                group.append(websocket)
                if group is dashboards:
                    await websocket.send_text(_count_frame(0))
    except WebSocketDisconnect:
        pass
    finally:
        if group is not None:
            group.remove(websocket)


def _count_frame(value: int) -> str:
    data = {"conversationCount": value}
    return json.dumps({"id": "1", "type": "next", "payload": {"data": data}})


def _message_frame(sample: dict[str, Any], index: int) -> str:
    now = time.time()
    node = sample["payload"]["data"]["messageAdded"]["node"]
    node["sequence"] = index
    node["content"] = f"t={now:.6f} message {index} of the live bench"
    node["createdAt"] = datetime.fromtimestamp(now, UTC).isoformat()
    return json.dumps(sample)


async def broadcast(plan: dict[str, Any]) -> None:
    start = time.time()
    deadline = start + float(plan["seconds"])
    sample = json.loads(plan["samples"]["widget"])
    message_every = 1.0 / float(plan["message_rate"])
    count_every = 1.0 / float(plan["count_rate"]) if plan["count_rate"] else float("inf")
    next_message, next_count = start, start + count_every
    sent_counts: list[tuple[int, float]] = []
    index = 0
    while (now := time.time()) < deadline:
        if next_count <= next_message:
            await asyncio.sleep(max(0.0, next_count - now))
            frame = _count_frame(len(sent_counts) + 1)
            sent_counts.append((len(sent_counts) + 1, time.time()))
            for websocket in list(dashboards):
                await websocket.send_text(frame)
            next_count += count_every
        else:
            await asyncio.sleep(max(0.0, next_message - now))
            if widgets:
                await widgets[index % len(widgets)].send_text(_message_frame(sample, index))
            index += 1
            next_message += message_every
    log = json.dumps({"starts": sent_counts})
    await asyncio.to_thread(Path(plan["out"]).write_text, log)


async def run(request: Request) -> JSONResponse:
    task = asyncio.create_task(broadcast(await request.json()))
    runs.add(task)
    task.add_done_callback(runs.discard)
    return JSONResponse({"widgets": len(widgets), "dashboards": len(dashboards)})


app = Starlette(routes=[WebSocketRoute("/graphql", socket), Route("/run", run, methods=["POST"])])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    raise_file_limit()
    # The same websocket settings as `parley serve` (server/cli.py): no permessage-deflate.
    uvicorn.run(
        app, host="127.0.0.1", port=args.port, log_level="warning", ws_per_message_deflate=False
    )


if __name__ == "__main__":
    main()
