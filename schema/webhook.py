"""Webhooks: a workspace's endpoints (`webhookEndpoints`, create, update, delete, rotate the
secret), their delivery logs, and replays (`redeliverWebhooks`). All need a secret key with
WRITE: an endpoint's settings say where the workspace's records go."""

import json
from datetime import datetime, timedelta
from typing import Annotated, Any

import strawberry

from models import WebhookAttempt as AttemptRow
from models import WebhookDelivery as DeliveryRow
from models import WebhookEndpoint as EndpointRow
from models.enums import DeliveryState, EndpointState, WebhookEvent
from resolvers import filters
from resolvers import webhook as webhooks
from resolvers.events.log import event_cursor, parse_event_cursor
from resolvers.filters import VariableCondition, filter_from_json
from resolvers.ids import decode_id, encode_cursor, encode_id, parse_sequence_cursor
from resolvers.webhookqueue import webhook_id
from schema.arguments import IdArgument
from schema.common import PageInfo
from schema.context import Info
from schema.filters import ConversationFilter, to_filter
from schema.scalars import JSON

DELIVERY_CURSOR = "wd"


def describe_filter(data: dict[str, Any]) -> dict[str, Any]:
    """A stored filter as a client would send it: camelCase names, opaque IDs."""
    where = filter_from_json(data)
    shown: dict[str, Any] = {}
    if where.types is not None:
        shown["types"] = [item.value for item in where.types]
    if where.statuses is not None:
        shown["statuses"] = [item.value for item in where.statuses]
    if where.assistant_ids is not None:
        shown["assistantIds"] = [encode_id("Assistant", pk) for pk in where.assistant_ids]
    for name, key in (("started_after", "startedAfter"), ("started_before", "startedBefore")):
        if (moment := getattr(where, name)) is not None:
            shown[key] = moment.isoformat()
    for name, key in (
        ("search", "search"),
        ("min_rating", "minRating"),
        ("max_rating", "maxRating"),
        ("rated", "rated"),
    ):
        if (value := getattr(where, name)) is not None:
            shown[key] = value
    for name, key in (("min_cost", "minCost"), ("max_cost", "maxCost")):
        if (amount := getattr(where, name)) is not None:
            shown[key] = str(amount)
    if where.variables:
        shown["variables"] = [_condition_shown(item) for item in where.variables]
    if labels := _labels_shown(where):
        shown["labels"] = labels
    return shown


def _condition_shown(condition: VariableCondition) -> dict[str, Any]:
    shown: dict[str, Any] = {"name": condition.name}
    if condition.equals_json is not None:
        shown["equals"] = json.loads(condition.equals_json)
    if condition.exists is not None:
        shown["exists"] = condition.exists
    return shown


def _labels_shown(where: filters.ConversationFilter) -> dict[str, Any]:
    labels: dict[str, Any] = {}
    if where.labels_any is not None:
        labels["anyOf"] = [encode_id("Label", pk) for pk in where.labels_any]
    if where.labels_all:
        labels["allOf"] = [encode_id("Label", pk) for pk in where.labels_all]
    return labels


@strawberry.type(description="One try at sending a delivery.")
class WebhookAttempt:
    at: datetime = strawberry.field(description="When it was sent.")
    status: int | None = strawberry.field(
        description="The HTTP status answered; null when no answer came."
    )
    error: str | None = strawberry.field(description="Why it failed, when it did.")
    latency_ms: int = strawberry.field(description="Milliseconds to the answer (or the end).")

    @classmethod
    def of(cls, row: AttemptRow) -> "WebhookAttempt":
        return cls(at=row.at, status=row.status, error=row.error, latency_ms=row.latency_ms)


@strawberry.type(description="An event queued for an endpoint, and how sending it went.")
class WebhookDelivery:
    id: strawberry.ID = strawberry.field(description="Its opaque ID.")
    webhook_id: str = strawberry.field(
        description="The `webhook-id` header: the same on every retry and replay (deduplicate "
        "on it)."
    )
    event: WebhookEvent = strawberry.field(description="What happened.")
    cursor: str | None = strawberry.field(
        description="The event's cursor (conversationEvents' and redeliverWebhooks' `after`); "
        "null for a workspace notice."
    )
    conversation_id: strawberry.ID | None = strawberry.field(
        description="The conversation it is about; null for a workspace notice."
    )
    happened_at: datetime = strawberry.field(description="When the event happened.")
    state: DeliveryState = strawberry.field(description="Where it stands.")
    attempts: int = strawberry.field(description="Requests sent for it so far.")
    next_attempt_at: datetime | None = strawberry.field(
        description="When it is tried next; null unless PENDING."
    )
    last_status: int | None = strawberry.field(description="The last answer's HTTP status.")
    last_error: str | None = strawberry.field(description="Why the last attempt failed.")
    last_latency_ms: int | None = strawberry.field(description="The last attempt's latency.")
    delivered_at: datetime | None = strawberry.field(description="When a 2xx came.")
    attempt_log: list[WebhookAttempt] = strawberry.field(
        description="Its latest attempts (up to 20), oldest first."
    )

    @classmethod
    def of(cls, row: DeliveryRow, attempts: list[AttemptRow]) -> "WebhookDelivery":
        notice = row.event_seq is None
        return cls(
            id=strawberry.ID(encode_id("WebhookDelivery", row.id)),
            webhook_id=webhook_id(row.id),
            event=row.kind,
            cursor=None if notice else event_cursor(row.event_seq or 0),
            conversation_id=(
                None if notice else strawberry.ID(encode_id("Conversation", row.conversation_id))
            ),
            happened_at=row.event_at,
            state=row.state,
            attempts=row.attempts,
            next_attempt_at=row.next_attempt_at if row.state is DeliveryState.PENDING else None,
            last_status=row.last_status,
            last_error=row.last_error,
            last_latency_ms=row.last_latency_ms,
            delivered_at=row.delivered_at,
            attempt_log=[WebhookAttempt.of(attempt) for attempt in attempts],
        )


@strawberry.type(description="A delivery and its cursor.")
class WebhookDeliveryEdge:
    cursor: str = strawberry.field(description="Pass as `after` for older deliveries.")
    node: WebhookDelivery = strawberry.field(description="The delivery.")


@strawberry.type(description="A page of an endpoint's delivery log, newest first.")
class WebhookDeliveryConnection:
    edges: list[WebhookDeliveryEdge] = strawberry.field(description="This page.")
    page_info: PageInfo = strawberry.field(description="Where this page sits.")


@strawberry.type(description="Where the workspace's events are sent, signed (Standard Webhooks).")
class WebhookEndpoint:
    id: strawberry.ID = strawberry.field(description="Its opaque ID.")
    url: str = strawberry.field(description="Where deliveries are POSTed.")
    description: str = strawberry.field(description="What it is for.")
    events: list[WebhookEvent] = strawberry.field(description="The event types it is sent.")
    filter: JSON = strawberry.field(
        description="The ConversationFilter its conversations match, as given ({}: all)."
    )
    follow_redirects: bool = strawberry.field(
        description="Whether redirects are followed (each hop checked like the URL)."
    )
    state: EndpointState = strawberry.field(description="Whether it is sent deliveries.")
    disabled_reason: str | None = strawberry.field(description="Why Parley disabled it.")
    failing_since: datetime | None = strawberry.field(
        description="The first failure since its last success; null while it succeeds."
    )
    previous_secret_valid_until: datetime | None = strawberry.field(
        description="After a rotation: until then deliveries are signed with both secrets."
    )
    created_at: datetime = strawberry.field(description="When it was created.")
    updated_at: datetime = strawberry.field(description="When its settings last changed.")
    row: strawberry.Private[EndpointRow]

    @classmethod
    def of(cls, row: EndpointRow) -> "WebhookEndpoint":
        return cls(
            id=strawberry.ID(encode_id("WebhookEndpoint", row.id)),
            url=row.url,
            description=row.description,
            events=[WebhookEvent(value) for value in row.events],
            filter=JSON(describe_filter(row.conversation_filter)),
            follow_redirects=row.follow_redirects,
            state=row.state,
            disabled_reason=row.disabled_reason,
            failing_since=row.failing_since,
            previous_secret_valid_until=(
                row.previous_secret_until if row.previous_secret else None
            ),
            created_at=row.created_at,
            updated_at=row.updated_at,
            row=row,
        )

    @strawberry.field(description="Its delivery log, newest first.")
    async def deliveries(
        self,
        first: Annotated[int, strawberry.argument(description="Page size, 1–100.")] = 20,
        after: Annotated[
            str | None, strawberry.argument(description="A cursor of the previous page.")
        ] = None,
        state: Annotated[
            DeliveryState | None, strawberry.argument(description="Only deliveries in this state.")
        ] = None,
    ) -> WebhookDeliveryConnection:
        before = parse_sequence_cursor(after, DELIVERY_CURSOR) if after is not None else None
        rows, more = await webhooks.deliveries_of(self.row, first, before, state)
        attempts = await webhooks.attempts_of([row.id for row in rows])
        edges = [
            WebhookDeliveryEdge(
                cursor=encode_cursor(DELIVERY_CURSOR, [row.id]),
                node=WebhookDelivery.of(row, attempts[row.id]),
            )
            for row in rows
        ]
        return WebhookDeliveryConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=more,
                has_previous_page=after is not None,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
        )


@strawberry.type(description="A new endpoint, and its signing secret: shown this once.")
class WebhookEndpointWithSecret:
    endpoint: WebhookEndpoint = strawberry.field(description="The endpoint.")
    secret: str = strawberry.field(
        description="`whsec_…`: verify deliveries with it (Standard Webhooks). Never shown again."
    )


@strawberry.type(description="What redeliverWebhooks queued.")
class Redelivery:
    queued: int = strawberry.field(description="Deliveries queued again, in order.")


EventsArgument = Annotated[
    list[WebhookEvent], strawberry.argument(description="The event types to send (at least one).")
]
WebhookFilterArgument = Annotated[
    ConversationFilter | None,
    strawberry.argument(
        description="Only events of matching conversations (checked as each event is read from "
        "the log, within a second of it); CONVERSATION_ERASED always passes."
    ),
]


@strawberry.type
class WebhookQueries:
    @strawberry.field(description="The workspace's webhook endpoints (secret key, WRITE).")
    async def webhook_endpoints(self, info: Info) -> list[WebhookEndpoint]:
        return [
            WebhookEndpoint.of(row) for row in await webhooks.endpoints_of(info.context.caller())
        ]

    @strawberry.field(description="One endpoint; NOT_FOUND if it is not the workspace's.")
    async def webhook_endpoint(self, info: Info, id: IdArgument) -> WebhookEndpoint:
        pk = decode_id(id, "WebhookEndpoint")
        return WebhookEndpoint.of(await webhooks.endpoint_of(info.context.caller(), pk))


@strawberry.type
class WebhookMutations:
    @strawberry.mutation(
        description="A new endpoint (secret key, WRITE), sent what happens from now on. The "
        "URL must be http(s) and, unless PARLEY_WEBHOOK_ALLOW_PRIVATE is set, reach a public "
        "address. At most 20 a workspace."
    )
    async def create_webhook_endpoint(
        self,
        info: Info,
        url: Annotated[str, strawberry.argument(description="http(s) URL deliveries go to.")],
        events: EventsArgument,
        filter: WebhookFilterArgument = None,
        description: Annotated[
            str | None, strawberry.argument(description="What it is for (up to 500).")
        ] = None,
        follow_redirects: Annotated[
            bool, strawberry.argument(description="Follow redirects (default false).")
        ] = False,
    ) -> WebhookEndpointWithSecret:
        row = await webhooks.create_endpoint(
            info.context.caller(),
            info.context.webhooks,
            url,
            events,
            to_filter(filter),
            description or "",
            follow_redirects,
        )
        return WebhookEndpointWithSecret(endpoint=WebhookEndpoint.of(row), secret=row.secret)

    @strawberry.mutation(
        description="Changes what is given. `enabled: false` pauses it (events wait); "
        "`enabled: true` resumes a paused or FAILING endpoint and sends what waited, in order."
    )
    async def update_webhook_endpoint(
        self,
        info: Info,
        id: IdArgument,
        url: Annotated[str | None, strawberry.argument(description="A new URL.")] = None,
        events: Annotated[
            list[WebhookEvent] | None, strawberry.argument(description="New event types.")
        ] = None,
        filter: WebhookFilterArgument = None,
        description: Annotated[str | None, strawberry.argument(description="New text.")] = None,
        follow_redirects: Annotated[
            bool | None, strawberry.argument(description="Follow redirects.")
        ] = None,
        enabled: Annotated[
            bool | None, strawberry.argument(description="Resume (true) or pause (false).")
        ] = None,
    ) -> WebhookEndpoint:
        row = await webhooks.update_endpoint(
            info.context.caller(),
            info.context.webhooks,
            decode_id(id, "WebhookEndpoint"),
            url=url,
            events=events,
            where=to_filter(filter) if filter is not None else None,
            description=description,
            follow_redirects=follow_redirects,
            enabled=enabled,
        )
        return WebhookEndpoint.of(row)

    @strawberry.mutation(description="Deletes an endpoint with its delivery log.")
    async def delete_webhook_endpoint(self, info: Info, id: IdArgument) -> strawberry.ID:
        await webhooks.delete_endpoint(info.context.caller(), decode_id(id, "WebhookEndpoint"))
        return id

    @strawberry.mutation(
        description="A new signing secret, shown this once; for `overlapSeconds` (default a "
        "day, at most 7) deliveries carry a signature with the previous secret too."
    )
    async def rotate_webhook_secret(
        self,
        info: Info,
        id: IdArgument,
        overlap_seconds: Annotated[
            int, strawberry.argument(description="How long the old secret still verifies.")
        ] = 86_400,
    ) -> WebhookEndpointWithSecret:
        row = await webhooks.rotate_secret(
            info.context.caller(),
            decode_id(id, "WebhookEndpoint"),
            timedelta(seconds=overlap_seconds),
        )
        return WebhookEndpointWithSecret(endpoint=WebhookEndpoint.of(row), secret=row.secret)

    @strawberry.mutation(
        description="Sends again, in order, everything the endpoint was sent or due to be sent "
        "after an event cursor (a delivery's `cursor`, or conversationEvents'): each with its "
        "own `webhook-id` as before. At most 10,000 a call: call again after the last."
    )
    async def redeliver_webhooks(
        self,
        info: Info,
        endpoint_id: IdArgument,
        after: Annotated[str, strawberry.argument(description="An event cursor.")],
    ) -> Redelivery:
        queued = await webhooks.redeliver(
            info.context.caller(),
            decode_id(endpoint_id, "WebhookEndpoint"),
            parse_event_cursor(after),
        )
        return Redelivery(queued=queued)
