"""`GET /export`: every conversation a filter matches, not a page, streamed in keyset order.

`format=jsonl` (default) writes one whole record a line (messages with their usage, variables with
their source, labels), between a first line with the total (`{"export": {"total": N, …}}`) and a
last one saying it is complete (`{"end": {"count": n, "cursor": …}}`): a stream that stops
without it was cut, and `after=<the last record's cursor>` resumes right after that record.
`format=csv` writes one row per conversation, its labels as a JSON list of names, its variables
as columns (`variable:<name>`), with the total in the `X-Parley-Total` header and each row's
cursor in its own column.

Records are the API's own answers: each page is one `conversations` query run through the schema
(a compiled plan: one statement a page), so an export never disagrees with what a client reads,
and it needs a READ key as the query does. Memory stays flat: one page is held at a time, and a
page is written before the next is read. Work is bounded: at most `MAX_RUNNING` exports a process
at once, each write waits at most `SEND_SECONDS` for a client that stopped reading, and every
statement has the database's own timeout. An export spends its request's rate-limit point, not
the cost of each page (a long export would otherwise run out of points half-way).
"""

import asyncio
import csv
import io
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import orjson
from starlette.requests import Request
from starlette.types import Receive, Scope, Send
from strawberry import Schema

from server.context import build_context
from server.edge.limits import POINTS_SUBJECT
from server.edge.refusal import STATUS_OF_CODE, refuse
from server.settings import Settings

logger = logging.getLogger("parley.export")

EXPORT_PATH = "/export"
PAGE = 100
MESSAGE_PAGE = 100
MAX_RUNNING = 4
"""Exports one process runs at once; more are refused with RATE_LIMITED (retry shortly)."""
SEND_SECONDS = 60.0
MAX_FILTER_CHARS = 16_384
FORMATS = {"jsonl": "application/x-ndjson", "csv": "text/csv; charset=utf-8"}

_MESSAGE = """fragment ExportedMessage on Message { id sequence role content createdAt provider
  model usage { inputTokens outputTokens cachedInputTokens cost costKnown } }"""
PAGE_QUERY = (
    """query ExportPage($filter: ConversationFilter, $after: String, $first: Int!,
  $messages: Int!) {
  conversations(filter: $filter, after: $after, first: $first,
                orderBy: {field: STARTED_AT, direction: ASC}) {
    totalCount
    pageInfo { hasNextPage }
    edges { cursor node { ...ExportedConversation } }
  }
}
fragment ExportedConversation on Conversation { id type mode status startedAt lastActivityAt
  endedAt messageCount assistant { id name } visitor { sessionId pageUrl userAgent locale }
  usage { inputTokens outputTokens cachedInputTokens cost costKnown }
  variables { name value type source collectedAt }
  labels { id name colour }
  messages(first: $messages) { pageInfo { hasNextPage endCursor } edges {
    node { ...ExportedMessage } } } }
"""
    + _MESSAGE
)
MESSAGES_QUERY = (
    """query ExportMessages($id: ID!, $after: String, $messages: Int!) {
  conversation(id: $id) { messages(first: $messages, after: $after) {
    pageInfo { hasNextPage endCursor } edges { node { ...ExportedMessage } } } } }
"""
    + _MESSAGE
)
NAMES_QUERY = "query ExportColumns($filter: ConversationFilter) { variableNames(filter: $filter) }"
CSV_COLUMNS = [
    "id",
    "cursor",
    "type",
    "mode",
    "status",
    "startedAt",
    "lastActivityAt",
    "endedAt",
    "assistantId",
    "assistantName",
    "messageCount",
    "inputTokens",
    "outputTokens",
    "cachedInputTokens",
    "cost",
    "costKnown",
    "visitorSessionId",
    "visitorPageUrl",
    "visitorUserAgent",
    "visitorLocale",
    "labels",
]
"""The fixed columns; `labels` holds a JSON list of the label names."""


class ExportError(Exception):
    """A GraphQL error answered to one of the export's queries."""

    def __init__(self, error: dict[str, Any]) -> None:
        super().__init__(error.get("message", "Export failed."))
        self.error = error
        self.code = str((error.get("extensions") or {}).get("code", "INTERNAL_SERVER_ERROR"))


class Exporter:
    """Runs the export's queries with the request's own context (its key, its workspace)."""

    def __init__(self, schema: Schema, context: object, where: object) -> None:
        self.schema = schema
        self.context = context
        self.where = where

    async def run(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        result = await self.schema.execute(
            query, variable_values=variables, context_value=self.context
        )
        if result.errors:
            formatted = result.errors[0].formatted
            raise ExportError(dict(formatted))
        assert result.data is not None
        return result.data

    async def page(self, after: str | None) -> dict[str, Any]:
        variables = {"filter": self.where, "after": after, "first": PAGE, "messages": MESSAGE_PAGE}
        connection: dict[str, Any] = (await self.run(PAGE_QUERY, variables))["conversations"]
        return connection

    async def record(self, edge: dict[str, Any]) -> dict[str, Any]:
        """The edge's conversation as one record: its messages all there, as a list."""
        node: dict[str, Any] = edge["node"]
        page = node.pop("messages")
        messages = [message["node"] for message in page["edges"]]
        while page["pageInfo"]["hasNextPage"]:
            variables = {
                "id": node["id"],
                "after": page["pageInfo"]["endCursor"],
                "messages": MESSAGE_PAGE,
            }
            page = (await self.run(MESSAGES_QUERY, variables))["conversation"]["messages"]
            messages += [message["node"] for message in page["edges"]]
        return {"cursor": edge["cursor"], **node, "messages": messages}

    async def records(self, first: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
        page = first
        while True:
            cursor = None
            for edge in page["edges"]:
                cursor = edge["cursor"]
                yield await self.record(edge)
            if not page["pageInfo"]["hasNextPage"] or cursor is None:
                return
            page = await self.page(cursor)


def jsonl_line(value: object) -> bytes:
    return orjson.dumps(value) + b"\n"


def csv_line(record: dict[str, Any], names: list[str]) -> bytes:
    assistant, visitor, usage = record["assistant"], record["visitor"] or {}, record["usage"]
    fields: list[object] = [
        record["id"],
        record["cursor"],
        record["type"],
        record["mode"],
        record["status"],
        record["startedAt"],
        record["lastActivityAt"],
        record["endedAt"] or "",
        assistant["id"],
        assistant["name"],
        record["messageCount"],
        usage["inputTokens"],
        usage["outputTokens"],
        usage["cachedInputTokens"],
        usage["cost"],
        "true" if usage["costKnown"] else "false",
        visitor.get("sessionId") or "",
        visitor.get("pageUrl") or "",
        visitor.get("userAgent") or "",
        visitor.get("locale") or "",
        json.dumps([label["name"] for label in record["labels"]], ensure_ascii=False),
    ]
    values: dict[str, object] = {}
    for variable in record["variables"]:  # pre-chat before extracted: the extracted value wins
        value = variable["value"]
        values[variable["name"]] = value if isinstance(value, str) else json.dumps(value)
    fields += [values.get(name, "") for name in names]
    return _csv_row(fields)


def _csv_row(fields: list[object]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(fields)
    return out.getvalue().encode()


class Export:
    """The ASGI endpoint (behind the gate, which has authenticated the key)."""

    def __init__(self, schema: Schema, settings: Settings) -> None:
        self.schema = schema
        self.settings = settings
        self.running = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        if request.method != "GET":
            await refuse(send, 405, "BAD_USER_INPUT", "Use GET.", {"allow": "GET"})
            return
        params = request.query_params
        format_ = params.get("format", "jsonl")
        raw_filter = params.get("filter")
        after = params.get("after") or None
        if format_ not in FORMATS:
            await refuse(send, 400, "BAD_USER_INPUT", "format is jsonl or csv.")
            return
        try:
            where = _filter(raw_filter)
        except ValueError as error:
            await refuse(send, 400, "BAD_USER_INPUT", str(error))
            return
        if self.running >= MAX_RUNNING:
            message = "Too many exports are running: retry in a few seconds."
            await refuse(send, 429, "RATE_LIMITED", message, {"retry-after": "5"}, retryAfter=5)
            return
        self.running += 1
        try:
            await self._export(request, send, format_, where, after)
        finally:
            self.running -= 1

    async def _export(
        self, request: Request, send: Send, format_: str, where: object, after: str | None
    ) -> None:
        request.scope.setdefault("state", {}).pop(POINTS_SUBJECT, None)  # see the docstring
        context = await build_context(request, None, self.settings)
        exporter = Exporter(self.schema, context, where)
        try:
            first = await exporter.page(after)
            names = (await exporter.run(NAMES_QUERY, {"filter": where}))["variableNames"]
        except ExportError as error:
            status = STATUS_OF_CODE.get(error.code, 500)
            extensions = {k: v for k, v in (error.error.get("extensions") or {}).items()}
            extensions.pop("code", None)
            await refuse(send, status, error.code, str(error), **extensions)
            return
        total = int(first["totalCount"])
        headers = [
            (b"content-type", FORMATS[format_].encode()),
            (b"cache-control", b"no-store"),
            (b"x-parley-total", str(total).encode()),
        ]
        if format_ == "csv":
            name = b'attachment; filename="conversations.csv"'
            headers.append((b"content-disposition", name))
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        writer = _Writer(send)
        if format_ == "jsonl":
            await writer.write(jsonl_line({"export": {"total": total, "after": after}}))
        else:
            await writer.write(_csv_row([*CSV_COLUMNS, *(f"variable:{n}" for n in names)]))
        count, cursor = 0, after
        try:
            async for record in exporter.records(first):
                line = jsonl_line(record) if format_ == "jsonl" else csv_line(record, names)
                await writer.write(line)
                count, cursor = count + 1, record["cursor"]
        except ExportError as error:
            logger.warning("export stopped after %d records: %s", count, error.code)
            if format_ == "jsonl":
                await writer.write(jsonl_line({"error": error.error}))
            await writer.close()
            return
        if format_ == "jsonl":
            await writer.write(jsonl_line({"end": {"count": count, "cursor": cursor}}))
        await writer.close()


class _Writer:
    """Body chunks of about 64 KB, each written within SEND_SECONDS (a client that stops
    reading is dropped instead of holding the export forever)."""

    def __init__(self, send: Send) -> None:
        self._send = send
        self._buffer: list[bytes] = []
        self._size = 0

    async def write(self, data: bytes) -> None:
        self._buffer.append(data)
        self._size += len(data)
        if self._size >= 65_536:
            await self._flush(more=True)

    async def close(self) -> None:
        await self._flush(more=False)

    async def _flush(self, more: bool) -> None:
        body, self._buffer, self._size = b"".join(self._buffer), [], 0
        message = {"type": "http.response.body", "body": body, "more_body": more}
        async with asyncio.timeout(SEND_SECONDS):
            await self._send(message)


def _filter(raw: str | None) -> object:
    """The filter as the GraphQL variable it becomes (checked there, as every filter is)."""
    if raw is None or raw == "":
        return None
    if len(raw) > MAX_FILTER_CHARS:
        raise ValueError(f"filter is longer than {MAX_FILTER_CHARS} characters.")
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as error:
        raise ValueError("filter must be a JSON object (a ConversationFilter).") from error
    if not isinstance(value, dict):
        raise ValueError("filter must be a JSON object (a ConversationFilter).")
    return value
