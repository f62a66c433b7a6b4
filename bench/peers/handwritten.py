"""The hand-written contender: Starlette and asyncpg, one purpose-built route per scenario.

It is the floor Parley is measured against: the fewest statements a careful engineer would write
for each dashboard request, answered with exactly the JSON Parley gives for the same GraphQL
document (the bench checks that before timing). It takes the same request bodies as Parley and
reads only their `variables`; the documents it stands for are in bench/peers/scenarios.py.

Run as `python -m bench.peers.handwritten --port N --database postgres://…`.
"""

import argparse
import hashlib
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import asyncpg
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from resolvers.ids import decode_id, encode_cursor, encode_id

LIST = """
SELECT c.id, c.type, c.status, c.started_at, c.message_count, c.input_tokens, c.output_tokens,
       c.cost_e12, c.unpriced_replies, a.name AS assistant,
       (SELECT json_agg(json_build_object('name', v.name, 'value', v.value_json::json,
                                          'source', v.source) ORDER BY v.name, v.source)
        FROM variable v WHERE v.conversation_id = c.id) AS variables,
       m.sequence, m.role, m.content, m.created_at
FROM conversation c
JOIN assistant a ON a.id = c.assistant_id
LEFT JOIN LATERAL (SELECT sequence, role, content, created_at FROM message
                   WHERE conversation_id = c.id ORDER BY sequence DESC LIMIT 1) m ON true
WHERE c.workspace_id = $1 AND c.type = $2
ORDER BY c.started_at DESC, c.id DESC LIMIT 50
"""
PLAIN = """
SELECT id, type, status, started_at, message_count FROM conversation WHERE workspace_id = $1
ORDER BY started_at DESC, id DESC LIMIT 20
"""
DASHBOARD_HEAD = """
SELECT (SELECT event_seq FROM workspace WHERE id = $1) AS seq,
       (SELECT COUNT(*) FROM conversation WHERE workspace_id = $1 AND type = $2) AS total
"""
"""The event number the page reflects, read before the page (so the page reflects every event up
to it), and the total."""
DASHBOARD_ROWS = """
SELECT c.id, c.type, c.status, c.started_at, c.last_activity_at, c.message_count,
       c.input_tokens, c.output_tokens, c.cost_e12, c.unpriced_replies, c.rating,
       c.assistant_id, a.name AS assistant,
       (SELECT json_agg(json_build_array(l.id, l.name, l.colour) ORDER BY l.name COLLATE "C")
        FROM conversation_label cl JOIN label l ON l.id = cl.label_id
        WHERE cl.conversation_id = c.id) AS labels
FROM conversation c
JOIN assistant a ON a.id = c.assistant_id
WHERE c.workspace_id = $1 AND c.type = $2
ORDER BY c.started_at DESC, c.id DESC LIMIT $3
"""
"""One more row than the page holds: whether there is a next page. Labels by name in code-point
order, as Parley sorts them."""
NEWEST_FIRST = "c:STARTED_AT:desc"
"""The kind Parley's cursors of the default ordering carry (resolvers/keyset.py)."""
EVENT_CURSOR = "e"
"""The kind of Parley's event cursors (resolvers/events/log.py)."""
COUNT_ALL = "SELECT COUNT(*) FROM conversation WHERE workspace_id = $1"
COUNT_TYPE = "SELECT COUNT(*) FROM conversation WHERE workspace_id = $1 AND type = $2"
KEY = (
    "SELECT workspace_id FROM api_key WHERE secret_hash = $1 AND kind = 'SECRET' "
    "AND revoked_at IS NULL"
)
ADD_TO_TOTALS = """
UPDATE conversation SET message_count = message_count + 1,
    input_tokens = input_tokens + $3, output_tokens = output_tokens + $4,
    cached_input_tokens = cached_input_tokens + $5, cost_e12 = cost_e12 + $6,
    last_activity_at = $7
WHERE id = $1 AND workspace_id = $2 AND status = 'ACTIVE'
RETURNING message_count, input_tokens, output_tokens, cost_e12, unpriced_replies
"""
INSERT_MESSAGE = """
INSERT INTO message (conversation_id, sequence, role, content, created_at, client_message_id,
    provider, model, input_tokens, output_tokens, cached_input_tokens, cost_e12)
VALUES ($1, $2, 'ASSISTANT', $3, $4, $5, $6, $7, $8, $9, $10, $11)
RETURNING id
"""
EVENT = """
WITH numbered AS (UPDATE workspace SET event_seq = event_seq + 1 WHERE id = $1
                  RETURNING event_seq),
     event AS (INSERT INTO conversation_event (kind, created_at, conversation_id, message_id,
                                               workspace_id, seq)
               SELECT 'MESSAGE_ADDED', $2, $3, $4, $1, event_seq FROM numbered RETURNING seq)
SELECT pg_notify('parley_events', $1 || ':' || seq) FROM event
"""
"""Numbers the event, writes it and asks for the NOTIFY in one statement: the workspace row is
locked only from here to the commit."""


async def _keep_session(_connection: asyncpg.Connection) -> None:
    """No reset query on release: these routes leave no session state behind (no LISTEN, no
    session locks or settings), so asyncpg's default reset would be a wasted round trip."""


def money(units: int) -> str:
    """10⁻¹² USD units as Parley's Decimal scalar writes them: no exponent, no trailing zeros."""
    text = format(Decimal(units).scaleb(-12), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def moment(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


def usage(row: asyncpg.Record, total: bool = True) -> dict[str, Any]:
    found: dict[str, Any] = {
        "inputTokens": row["input_tokens"],
        "outputTokens": row["output_tokens"],
    }
    if total:
        found["totalTokens"] = row["input_tokens"] + row["output_tokens"]
    found["cost"] = money(row["cost_e12"])
    found["costKnown"] = row["unpriced_replies"] == 0
    return found


def _node(row: asyncpg.Record) -> dict[str, Any]:
    last = []
    if row["sequence"] is not None:
        message = {
            "sequence": row["sequence"],
            "role": row["role"],
            "content": row["content"],
            "createdAt": moment(row["created_at"]),
        }
        last.append({"node": message})
    return {
        "id": encode_id("Conversation", row["id"]),
        "type": row["type"],
        "status": row["status"],
        "startedAt": moment(row["started_at"]),
        "messageCount": row["message_count"],
        "assistant": {"name": row["assistant"]},
        "variables": json.loads(row["variables"]) if row["variables"] else [],
        "usage": usage(row),
        "messages": {"edges": last},
    }


def _row(row: asyncpg.Record) -> dict[str, Any]:
    """The dashboard's `Row` fragment."""
    labels = json.loads(row["labels"]) if row["labels"] else []
    return {
        "id": encode_id("Conversation", row["id"]),
        "type": row["type"],
        "status": row["status"],
        "startedAt": moment(row["started_at"]),
        "lastActivityAt": moment(row["last_activity_at"]),
        "messageCount": row["message_count"],
        "assistant": {"id": encode_id("Assistant", row["assistant_id"]), "name": row["assistant"]},
        "usage": {
            "totalTokens": row["input_tokens"] + row["output_tokens"],
            "cost": money(row["cost_e12"]),
            "costKnown": row["unpriced_replies"] == 0,
        },
        "labels": [
            {"id": encode_id("Label", pk), "name": name, "colour": colour}
            for pk, name, colour in labels
        ],
        "rating": None if row["rating"] is None else {"score": row["rating"]},
    }


def _dashboard_page(seq: int, total: int, rows: list[asyncpg.Record], size: int) -> dict[str, Any]:
    page = rows[:size]
    cursors = [encode_cursor(NEWEST_FIRST, [moment(row["started_at"]), row["id"]]) for row in page]
    return {
        "totalCount": total,
        "eventCursor": encode_cursor(EVENT_CURSOR, [seq]),
        "pageInfo": {"hasNextPage": len(rows) > size, "endCursor": cursors[-1] if page else None},
        "edges": [
            {"cursor": cursor, "node": _row(row)} for cursor, row in zip(cursors, page, strict=True)
        ],
    }


def _plain(row: asyncpg.Record) -> dict[str, Any]:
    return {
        "id": encode_id("Conversation", row["id"]),
        "type": row["type"],
        "status": row["status"],
        "startedAt": moment(row["started_at"]),
        "messageCount": row["message_count"],
    }


COSTS = {"A": 1150, "B": 20, "C": 0, "D": 2, "List": 550}
"""What Parley's cost analysis (schema/policy/cost.py) charges the document each route stands for,
which Parley reports in `extensions.cost`; the bench's check fails if Parley ever charges otherwise.
List's is for the page's `first: 25` (each row, its assistant and 20 for its labels)."""
COST_LIMIT = 20_000
"""Parley's default PARLEY_MAX_QUERY_COST."""


def _answer(route: str, data: dict[str, Any]) -> Response:
    extensions = {"cost": {"requested": COSTS[route], "limit": COST_LIMIT}}
    body = json.dumps({"data": data, "extensions": extensions})
    return Response(body, media_type="application/json")


class Endpoint:
    """The routes and what they share: the pool and the keys already seen."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.pool: asyncpg.Pool | None = None
        self.workspaces: dict[str, int] = {}

    def _pool(self) -> asyncpg.Pool:
        assert self.pool is not None, "the lifespan opens the pool"
        return self.pool

    async def _workspace(self, request: Request, connection: asyncpg.Connection) -> int | None:
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        digest = hashlib.sha256(token.encode()).hexdigest()
        if digest not in self.workspaces:
            found = await connection.fetchval(KEY, digest)
            if found is None:
                return None
            self.workspaces[digest] = found
        return self.workspaces[digest]

    async def list_page(self, request: Request) -> Response:
        """Scenario A: a page of 50 of one type with its relations, and the total."""
        variables = json.loads(await request.body()).get("variables") or {}
        kind = (variables.get("types") or ["WEB_WIDGET"])[0]
        async with self._pool().acquire() as connection:
            workspace = await self._workspace(request, connection)
            if workspace is None:
                return Response(status_code=401)
            total = await connection.fetchval(COUNT_TYPE, workspace, kind)
            rows = await connection.fetch(LIST, workspace, kind)
        edges = [{"node": _node(row)} for row in rows]
        return _answer("A", {"conversations": {"totalCount": total, "edges": edges}})

    async def dashboard_list(self, request: Request) -> Response:
        """The dashboard's List: its first page of one type, as the page asks for it (no `after`:
        the bench sends none)."""
        variables = json.loads(await request.body()).get("variables") or {}
        if variables.get("after") is not None:
            return Response("this route reads first pages only", status_code=400)
        kind = ((variables.get("filter") or {}).get("types") or ["WEB_WIDGET"])[0]
        size = variables["first"]
        async with self._pool().acquire() as connection:
            workspace = await self._workspace(request, connection)
            if workspace is None:
                return Response(status_code=401)
            head = await connection.fetchrow(DASHBOARD_HEAD, workspace, kind)
            rows = await connection.fetch(DASHBOARD_ROWS, workspace, kind, size + 1)
        page = _dashboard_page(head["seq"], head["total"], rows, size)
        return _answer("List", {"conversations": page})

    async def plain_page(self, request: Request) -> Response:
        """Scenario B: 20 rows of plain fields and the total."""
        async with self._pool().acquire() as connection:
            workspace = await self._workspace(request, connection)
            if workspace is None:
                return Response(status_code=401)
            total = await connection.fetchval(COUNT_ALL, workspace)
            rows = await connection.fetch(PLAIN, workspace)
        edges = [{"node": _plain(row)} for row in rows]
        return _answer("B", {"conversations": {"totalCount": total, "edges": edges}})

    async def count(self, request: Request) -> Response:
        """Scenario C: the badge, conversations of one type."""
        variables = json.loads(await request.body()).get("variables") or {}
        async with self._pool().acquire() as connection:
            workspace = await self._workspace(request, connection)
            if workspace is None:
                return Response(status_code=401)
            kind = (variables.get("types") or ["WEB_WIDGET"])[0]
            total = await connection.fetchval(COUNT_TYPE, workspace, kind)
        return _answer("C", {"conversationCount": total})

    async def send(self, request: Request) -> Response:
        """Scenario D: an assistant reply with its usage, in one transaction. Unlike Parley it
        has no retry path: a repeated clientMessageId fails (the bench never repeats one)."""
        given = json.loads(await request.body())["variables"]["input"]
        spent = given["usage"]
        cost = int(Decimal(spent["cost"]).scaleb(12))
        cached = spent.get("cachedInputTokens") or 0
        conversation = decode_id(given["conversationId"], "Conversation")
        now = datetime.now(UTC)
        async with self._pool().acquire() as connection:
            workspace = await self._workspace(request, connection)
            if workspace is None:
                return Response(status_code=401)
            async with connection.transaction():
                totals = await connection.fetchrow(
                    ADD_TO_TOTALS,
                    conversation,
                    workspace,
                    spent["inputTokens"],
                    spent["outputTokens"],
                    cached,
                    cost,
                    now,
                )
                if totals is None:
                    return Response(status_code=409)
                message = await connection.fetchval(
                    INSERT_MESSAGE,
                    conversation,
                    totals["message_count"],
                    given["content"],
                    now,
                    given["clientMessageId"],
                    spent["provider"],
                    spent["model"],
                    spent["inputTokens"],
                    spent["outputTokens"],
                    cached,
                    cost,
                )
                await connection.execute(EVENT, workspace, now, conversation, message)
        reply = {
            "id": encode_id("Message", message),
            "sequence": totals["message_count"],
            "role": "ASSISTANT",
            "content": given["content"],
            "usage": {
                "inputTokens": spent["inputTokens"],
                "outputTokens": spent["outputTokens"],
                "cost": money(cost),
                "costKnown": True,
            },
        }
        state = {"messageCount": totals["message_count"], "usage": usage(totals, total=False)}
        return _answer("D", {"sendMessage": {"message": reply, "conversation": state}})

    @asynccontextmanager
    async def lifespan(self, _app: Starlette) -> AsyncIterator[None]:
        self.pool = await asyncpg.create_pool(
            self.url, min_size=4, max_size=20, reset=_keep_session
        )
        try:
            yield
        finally:
            await self.pool.close()


ROUTES = {"A": "/list", "B": "/plain", "C": "/count", "D": "/send", "List": "/dashboard-list"}
"""The route standing in for each scenario's GraphQL document."""


def create_app(url: str) -> Starlette:
    endpoint = Endpoint(url)
    handlers = {
        "A": endpoint.list_page,
        "B": endpoint.plain_page,
        "C": endpoint.count,
        "D": endpoint.send,
        "List": endpoint.dashboard_list,
    }
    routes = [Route(ROUTES[name], handlers[name], methods=["POST"]) for name in ROUTES]
    return Starlette(routes=routes, lifespan=endpoint.lifespan)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.peers.handwritten")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--database", required=True)
    arguments = parser.parse_args()
    uvicorn.run(
        create_app(arguments.database),
        host="127.0.0.1",
        port=arguments.port,
        access_log=False,
        log_level="warning",
    )


if __name__ == "__main__":
    main()
