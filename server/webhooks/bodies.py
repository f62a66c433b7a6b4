"""What a webhook delivery says: a Standard Webhooks body, and its signature headers.

The body is `{"type", "timestamp", "data"}`; `data` holds the event (its type, cursor, time and
conversation ID), the conversation's current record and, for MESSAGE_ADDED, the message. Records
are the API's own answers (one `conversation(id:)` query run through the schema with the
endpoint's workspace as reader), so a receiver reads exactly what a client of the API would. An
erased conversation's record is null.
"""

from datetime import datetime
from typing import Any

import orjson
from standardwebhooks import Webhook
from strawberry import Schema

from models.enums import ApiKeyScope, WebhookEvent
from resolvers.callers.caller import Caller, CallerKind
from resolvers.events.log import event_cursor
from resolvers.ids import encode_id
from resolvers.loaders import Loaders
from resolvers.webhook import aware
from resolvers.webhookqueue import Claimed
from schema.context import Reader
from schema.scalars import serialize_datetime

RECORD_QUERY = """query WebhookRecord($id: ID!, $message: ID!, $withMessage: Boolean!) {
  conversation(id: $id) { id type mode status startedAt lastActivityAt endedAt messageCount
    assistant { id name } visitor { sessionId pageUrl userAgent locale }
    usage { inputTokens outputTokens cachedInputTokens cost costKnown }
    variables { name value type source collectedAt }
    rating { score comment ratedAt } labels { id name colour }
    handling assigneeId waitingSince takenOverAt }
  node(id: $message) @include(if: $withMessage) { ... on Message { id sequence role content
    createdAt provider model usage { inputTokens outputTokens cachedInputTokens cost costKnown }
    feedback { rating reason ratedAt } agent { id name } handover } }
}"""


class WorkerContext:
    """The schema's `Reader` (schema/context.py) for a worker reading one workspace's records: a
    READ caller of that workspace, and none of a request's limits (the worker is bounded by its
    own batch sizes and the database's statement timeout). A record query uses nothing more."""

    def __init__(self, workspace_id: int) -> None:
        self._caller = Caller(workspace_id, CallerKind.SECRET, frozenset({ApiKeyScope.READ}))
        self._loaders: Loaders | None = None

    @property
    def loaders(self) -> Loaders:
        if self._loaders is None:
            self._loaders = Loaders(self._caller.workspace_id)
        return self._loaders

    def caller(self) -> Caller:
        return self._caller

    def reader(self) -> Caller:
        return self._caller.require_reader()

    def forget_loaders(self) -> None:
        self._loaders = None

    async def take_points(self, points: int) -> None:
        return None


async def body_of(schema: Schema, delivery: Claimed) -> bytes:
    """The delivery's JSON body, built now (the record as it is now, not as it was)."""
    data: dict[str, Any] = {"event": delivery.kind.value}
    if delivery.kind is WebhookEvent.ENDPOINT_DISABLED:
        data.update(delivery.notice or {})
    else:
        assert delivery.event_seq is not None
        data["cursor"] = event_cursor(delivery.event_seq)
        data["conversationId"] = encode_id("Conversation", delivery.conversation_id)
        data["conversation"] = None
        with_message = delivery.message_id is not None
        if delivery.kind is not WebhookEvent.CONVERSATION_ERASED:
            variables = {
                "id": data["conversationId"],
                "message": encode_id("Message", delivery.message_id or 1),
                "withMessage": with_message,
            }
            context: Reader = WorkerContext(delivery.workspace_id)
            result = await schema.execute(
                RECORD_QUERY, variable_values=variables, context_value=context
            )
            found = result.data or {}
            data["conversation"] = found.get("conversation")
            if with_message:
                data["message"] = found.get("node")
    return orjson.dumps(
        {
            "type": delivery.kind.type_name,
            "timestamp": serialize_datetime(aware(delivery.event_at)),
            "data": data,
        }
    )


def signature_headers(delivery: Claimed, body: bytes, now: datetime) -> dict[str, str]:
    """`webhook-id`, `webhook-timestamp` and `webhook-signature` (one `v1,` signature per secret:
    during a rotation's overlap a receiver with either secret verifies it)."""
    text = body.decode()
    signatures = [
        Webhook(secret).sign(delivery.webhook_id, now, text) for secret in delivery.secrets
    ]
    return {
        "webhook-id": delivery.webhook_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": " ".join(signatures),
    }
