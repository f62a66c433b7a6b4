"""A workspace's webhook endpoints: created, changed, paused, deleted and listed by secret keys
with WRITE, each with the secret its deliveries are signed with (shown once, rotatable with an
overlap window), and replays of what was sent after a cursor.

An endpoint starts at its workspace's newest event: it hears of what happens from its creation
on. It hears of nothing while it is not ENABLED, and its cursor waits: enabling it again sends
what happened meanwhile (the event log keeps it), so a receiver that was down loses nothing.
"""

import base64
import ipaddress
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from models import WebhookAttempt, WebhookDelivery, WebhookEndpoint, Workspace
from models.enums import (
    WEBHOOK_EVENT_OF_KIND,
    DeliveryState,
    EndpointState,
    WebhookEvent,
)
from resolvers.callers.caller import Caller
from resolvers.database.sql import Params, dialect, fetch
from resolvers.errors import BadUserInput, NotFound
from resolvers.events.log import change
from resolvers.filters import (
    ConversationFilter,
    conversation_where,
    filter_from_json,
    filter_to_json,
)

MAX_ENDPOINTS = 20
"""Endpoints one workspace holds."""
MAX_URL_LENGTH = 2048
MAX_OVERLAP = timedelta(days=7)
DEFAULT_OVERLAP = timedelta(hours=24)
MAX_REPLAY = 10_000
"""Deliveries one redeliverWebhooks call queues again."""


@dataclass(frozen=True)
class WebhookSettings:
    allow_private: bool = False
    """Send to loopback, private, link-local and metadata addresses too (tests, a private
    network): off on the open internet, where a URL could otherwise reach inside."""
    timeout_seconds: float = 10.0
    """Each request's whole budget: connecting, sending and reading the answer."""
    retry_window_seconds: int = 24 * 3600
    """How long a delivery is retried, and an endpoint may fail before it is disabled."""
    first_retry_seconds: float = 5.0
    max_retry_seconds: float = 3600.0
    concurrency: int = 4
    """Requests in flight to one endpoint at a time, across processes (a bound, not a queue)."""
    poll_seconds: float = 1.0
    """How often a worker looks for work when no event has woken it."""
    max_response_bytes: int = 4096
    """What is read of an answer's body (kept in the log up to 300 characters)."""
    max_redirects: int = 3
    """Redirects followed for an endpoint that asks for it, each hop checked like the first."""
    enabled: bool = True
    """Whether this process runs a delivery worker."""


def new_secret() -> str:
    """A Standard Webhooks secret: `whsec_` and base64 of 24 random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def forbidden_address(address: str) -> bool:
    """Addresses a webhook must not reach on the open internet: loopback, private, link-local
    (cloud metadata lives at 169.254.169.254), carrier-grade NAT, multicast, reserved and
    unspecified ones, and IPv6 forms that wrap an IPv4 address."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        wrapped = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if wrapped is not None:
            return forbidden_address(str(wrapped))
    return not ip.is_global or ip.is_multicast


ALLOW_PRIVATE = "PARLEY_WEBHOOK_ALLOW_PRIVATE"
"""The server setting that lets webhooks reach loopback and private addresses, named in refusals."""
PRIVATE_REFUSED = (
    f"Webhooks cannot be sent to loopback or private addresses unless the server runs with "
    f"{ALLOW_PRIVATE}=true (for a receiver on this machine or a private network)."
)


def check_url(url: str, settings: WebhookSettings) -> str:
    """http(s), a host, no credentials; an IP literal or `localhost` only where private
    addresses are allowed (names are checked again after every DNS lookup, when sending)."""
    if len(url) > MAX_URL_LENGTH:
        raise BadUserInput(f"A webhook URL has at most {MAX_URL_LENGTH} characters.")
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 (raises on a bad port)
    except ValueError:
        raise BadUserInput("The webhook URL is not a valid URL.") from None
    if parts.scheme not in ("http", "https") or not host:
        raise BadUserInput("A webhook URL is http:// or https:// with a host.")
    if parts.username is not None or parts.password is not None:
        raise BadUserInput("A webhook URL carries no credentials: verify the signature instead.")
    if not settings.allow_private:
        host = host.rstrip(".")
        if host == "localhost" or host.endswith(".localhost"):
            raise BadUserInput(PRIVATE_REFUSED)
        try:
            literal = forbidden_address(host)
        except ValueError:
            literal = False
        if literal:
            raise BadUserInput(PRIVATE_REFUSED)
    return url


def check_events(events: list[WebhookEvent]) -> list[str]:
    if not events:
        raise BadUserInput("Choose at least one event type.")
    wanted = set(events)
    return [event.value for event in WebhookEvent if event in wanted]  # in the enum's order


async def endpoint_of(caller: Caller, endpoint_id: int) -> WebhookEndpoint:
    caller.require_writer()
    endpoint = await WebhookEndpoint.get_or_none(id=endpoint_id, workspace_id=caller.workspace_id)
    if endpoint is None:
        raise NotFound("Webhook endpoint not found.")
    return endpoint


async def endpoints_of(caller: Caller) -> list[WebhookEndpoint]:
    caller.require_writer()
    return await WebhookEndpoint.filter(workspace_id=caller.workspace_id).order_by("id")


async def create_endpoint(
    caller: Caller,
    settings: WebhookSettings,
    url: str,
    events: list[WebhookEvent],
    where: ConversationFilter,
    description: str = "",
    follow_redirects: bool = False,
) -> WebhookEndpoint:
    """The new endpoint, its `secret` still readable on the returned row (and never again)."""
    caller.require_writer()
    if len(description) > 500:
        raise BadUserInput("A description has at most 500 characters.")
    url, kinds = check_url(url, settings), check_events(events)
    now = datetime.now(UTC)
    async with change():
        # The workspace row is locked while the endpoint is counted and placed at its newest
        # event, so concurrent creations cannot pass the cap.
        workspace = await Workspace.select_for_update().get(id=caller.workspace_id)
        if await WebhookEndpoint.filter(workspace_id=workspace.id).count() >= MAX_ENDPOINTS:
            raise BadUserInput(f"A workspace holds at most {MAX_ENDPOINTS} webhook endpoints.")
        return await WebhookEndpoint.create(
            workspace_id=workspace.id,
            url=url,
            description=description,
            events=kinds,
            conversation_filter=filter_to_json(where),
            follow_redirects=follow_redirects,
            secret=new_secret(),
            cursor=workspace.event_seq,
            created_at=now,
            updated_at=now,
        )


async def update_endpoint(
    caller: Caller,
    settings: WebhookSettings,
    endpoint_id: int,
    *,
    url: str | None = None,
    events: list[WebhookEvent] | None = None,
    where: ConversationFilter | None = None,
    description: str | None = None,
    follow_redirects: bool | None = None,
    enabled: bool | None = None,
) -> WebhookEndpoint:
    """Changes what is given. Enabling a paused or failing endpoint sends what waited at once."""
    caller.require_writer()
    changes: dict[str, Any] = {}
    if url is not None:
        changes["url"] = check_url(url, settings)
    if events is not None:
        changes["events"] = check_events(events)
    if where is not None:
        changes["conversation_filter"] = filter_to_json(where)
    if description is not None:
        if len(description) > 500:
            raise BadUserInput("A description has at most 500 characters.")
        changes["description"] = description
    if follow_redirects is not None:
        changes["follow_redirects"] = follow_redirects
    now = datetime.now(UTC)
    async with change() as connection:
        # Read and locked here (the workers move its cursor and health meanwhile), before its
        # deliveries, in the order the workers lock them.
        endpoint = await _locked(caller, endpoint_id, connection)
        if enabled is True and endpoint.state is not EndpointState.ENABLED:
            changes.update(state=EndpointState.ENABLED, disabled_reason=None, failing_since=None)
            await (
                WebhookDelivery.filter(endpoint_id=endpoint.id, state=DeliveryState.PENDING)
                .using_db(connection)
                .update(next_attempt_at=now, first_failed_at=None)
            )
        elif enabled is False:
            changes.update(state=EndpointState.DISABLED, disabled_reason=None)
        changes["updated_at"] = now
        endpoint.update_from_dict(changes)
        await endpoint.save(using_db=connection, update_fields=list(changes))
    return endpoint


async def _locked(caller: Caller, endpoint_id: int, connection: Any) -> WebhookEndpoint:
    endpoint = (
        await WebhookEndpoint.filter(id=endpoint_id, workspace_id=caller.workspace_id)
        .using_db(connection)
        .select_for_update()
        .first()
    )
    if endpoint is None:
        raise NotFound("Webhook endpoint not found.")
    return endpoint


async def delete_endpoint(caller: Caller, endpoint_id: int) -> None:
    """Its deliveries and their attempts go with it (the database cascades)."""
    endpoint = await endpoint_of(caller, endpoint_id)
    await endpoint.delete()


async def rotate_secret(
    caller: Caller, endpoint_id: int, overlap: timedelta = DEFAULT_OVERLAP
) -> WebhookEndpoint:
    """A new secret; for `overlap` every delivery is signed with the previous one too, so a
    receiver can switch when it likes. The returned row's `secret` is the one time it is shown."""
    if not timedelta(0) <= overlap <= MAX_OVERLAP:
        raise BadUserInput("The overlap is between 0 seconds and 7 days.")
    caller.require_writer()
    now = datetime.now(UTC)
    async with change() as connection:
        endpoint = await _locked(caller, endpoint_id, connection)
        endpoint.previous_secret = endpoint.secret if overlap else None
        endpoint.previous_secret_until = now + overlap if overlap else None
        endpoint.secret = new_secret()
        endpoint.updated_at = now
        fields = ["previous_secret", "previous_secret_until", "secret", "updated_at"]
        await endpoint.save(using_db=connection, update_fields=fields)
    return endpoint


async def redeliver(caller: Caller, endpoint_id: int, after: int) -> int:
    """Queues again, in order, every delivery of the endpoint's events after event `after` that
    it has been sent or was to be sent (the event types and filter it has now; events erased
    since are gone). Returns how many; at most MAX_REPLAY, the earliest first."""
    caller.require_writer()
    if after < 0:
        raise BadUserInput("Invalid cursor.")
    now = datetime.now(UTC)
    async with change() as connection:
        endpoint = await _locked(caller, endpoint_id, connection)
        params = Params(dialect())
        kinds = [
            kind for kind, event in WEBHOOK_EVENT_OF_KIND.items() if event.value in endpoint.events
        ]
        sql = (
            "SELECT e.seq, e.conversation_id, e.kind, e.message_id, e.created_at "
            "FROM conversation_event e "
            f"WHERE e.workspace_id = {params.add(endpoint.workspace_id)} "
            f"AND e.seq > {params.add(after)} AND e.seq <= {params.add(endpoint.cursor)} "
            f"AND e.kind IN {params.add_all(kinds) if kinds else '(NULL)'} "
            f"ORDER BY e.seq LIMIT {params.add(MAX_REPLAY)}"
        )
        events = await fetch(sql, params, using=connection)
        events = await matching(endpoint, events, connection)
        if not events:
            return 0
        await queue(endpoint, events, now, connection, again=True)
    return len(events)


async def matching(
    endpoint: WebhookEndpoint, events: list[dict[str, Any]], connection: Any
) -> list[dict[str, Any]]:
    """The events whose conversation the endpoint's filter matches now (an ERASED one always:
    its conversation is gone, and the receiver must hear that it is)."""
    if not endpoint.conversation_filter or not events:
        return events
    where = filter_from_json(endpoint.conversation_filter)
    params = Params(dialect())
    ids = sorted({int(event["conversation_id"]) for event in events})
    condition = conversation_where(endpoint.workspace_id, where, params)
    sql = f"SELECT c.id FROM conversation c WHERE {condition} AND c.id IN {params.add_all(ids)}"
    kept = {int(row["id"]) for row in await fetch(sql, params, using=connection)}
    return [
        event
        for event in events
        if event["kind"] == "ERASED" or int(event["conversation_id"]) in kept
    ]


async def queue(
    endpoint: WebhookEndpoint,
    events: list[dict[str, Any]],
    now: datetime,
    connection: Any,
    *,
    again: bool = False,
) -> None:
    """Writes a delivery per event, in event order, each the `head` of its conversation unless
    an earlier one of it is pending (`again`: a delivered or failed one is queued afresh, its
    attempts kept in the log, and the heads of its conversations are found again)."""
    conversations = sorted({int(event["conversation_id"]) for event in events})
    busy: set[int] = set()
    if not again:
        params = Params(dialect())
        rows = await fetch(
            "SELECT DISTINCT conversation_id FROM webhook_delivery "
            f"WHERE endpoint_id = {params.add(endpoint.id)} "
            f"AND state = {params.add(DeliveryState.PENDING)} "
            f"AND conversation_id IN {params.add_all(conversations)}",
            params,
            using=connection,
        )
        busy = {int(row["conversation_id"]) for row in rows}
    params = Params(dialect())
    values = []
    for event in events:
        conversation = int(event["conversation_id"])
        head = not again and conversation not in busy
        busy.add(conversation)
        items = [
            endpoint.id,
            endpoint.workspace_id,
            int(event["seq"]),
            conversation,
            event["message_id"],
            WEBHOOK_EVENT_OF_KIND[event["kind"]],
            aware(event["created_at"]),
            DeliveryState.PENDING,
            head,
            now,
            now,
        ]
        values.append("(" + ", ".join(params.add(item) for item in items) + ", 0)")
    on_conflict = (
        "DO UPDATE SET state = excluded.state, next_attempt_at = excluded.next_attempt_at, "
        "first_failed_at = NULL"
        if again
        else "DO NOTHING"
    )
    sql = (
        "INSERT INTO webhook_delivery (endpoint_id, workspace_id, event_seq, conversation_id, "
        "message_id, kind, event_at, state, head, next_attempt_at, created_at, attempts) "
        f"VALUES {', '.join(values)} ON CONFLICT (endpoint_id, event_seq) {on_conflict}"
    )
    await fetch(sql, params, using=connection)
    if again:
        await find_heads(endpoint.id, conversations, connection)


async def find_heads(endpoint_id: int, conversations: list[int], connection: Any) -> None:
    """Makes the earliest pending delivery of each of these conversations its head, and no
    other (after a replay queued earlier ones again)."""
    params = Params(dialect())
    pending = params.add(DeliveryState.PENDING)
    sql = (
        "UPDATE webhook_delivery SET head = (event_seq = (SELECT min(p.event_seq) "
        "FROM webhook_delivery p WHERE p.endpoint_id = webhook_delivery.endpoint_id "
        "AND p.conversation_id = webhook_delivery.conversation_id "
        f"AND p.state = {pending})) WHERE endpoint_id = {params.add(endpoint_id)} "
        f"AND state = {params.add(DeliveryState.PENDING)} "
        f"AND conversation_id IN {params.add_all(conversations)}"
    )
    await fetch(sql, params, using=connection)


def aware(moment: Any) -> datetime:
    """A time read by raw SQL or the ORM as an aware datetime: SQLite hands back text (or a
    naive time), PostgreSQL an aware datetime."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    assert isinstance(moment, datetime)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def deliveries_of(
    endpoint: WebhookEndpoint, first: int, before: int | None, state: DeliveryState | None
) -> tuple[list[WebhookDelivery], bool]:
    """A page of the endpoint's delivery log, newest first (by when it was queued), and whether
    older ones follow."""
    if not 1 <= first <= 100:
        raise BadUserInput("first must be between 1 and 100.")
    query = WebhookDelivery.filter(endpoint_id=endpoint.id)
    if before is not None:
        query = query.filter(id__lt=before)
    if state is not None:
        query = query.filter(state=state)
    rows = await query.order_by("-id").limit(first + 1)
    return rows[:first], len(rows) > first


ATTEMPTS_SHOWN = 20


async def attempts_of(delivery_ids: list[int]) -> dict[int, list[WebhookAttempt]]:
    """Each delivery's latest attempts, oldest first (one statement for a page)."""
    found: dict[int, list[WebhookAttempt]] = {pk: [] for pk in delivery_ids}
    if delivery_ids:
        for row in await WebhookAttempt.filter(delivery_id__in=delivery_ids).order_by("id"):
            found[row.delivery_id].append(row)
    return {pk: rows[-ATTEMPTS_SHOWN:] for pk, rows in found.items()}
