"""The benchmark's data: a measured workspace and a second tenant of the same shape.

Rows are generated here and bulk-inserted with explicit ids (one batched insert per table, not
six statements per conversation), priced by the service's own `price_reply`, with each
conversation's running totals summed from its messages as `record_conversation` sums them; a check
against the message rows after loading proves the totals agree.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from tortoise.transactions import in_transaction

from models import Assistant, Conversation, Message, Variable
from models.enums import (
    ConversationStatus,
    ConversationType,
    MessageRole,
    VariableSource,
    VariableType,
)
from resolvers.database.sql import Params, db, dialect, fetch
from resolvers.filters import canonical_json
from resolvers.pricing import price_reply
from resolvers.workspace import create_workspace

T0 = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)
SEARCH_WORD = "refund"
"""In one conversation of 50: a selective full-text search."""
RARE_INDEX = 11
"""The one conversation (among the oldest) holding RARE_WORD, and the email RARE_EMAIL."""
RARE_WORD = "chargeback"
RARE_EMAIL = f"visitor{RARE_INDEX}@example.com"
PLAN_VALUE = "enterprise"
"""The `plan` variable's value in one conversation of 20: a selective equality filter."""
MODELS = (("openai", "gpt-4o"), ("openai", "gpt-4o-mini"), ("anthropic", "claude-3-5-haiku-latest"))
TOPICS = ("invoice", "shipping", "account", "password", "delivery", "warranty", "discount")
EXCHANGES = 3
"""Visitor question and assistant reply pairs per conversation: six messages."""


@dataclass(frozen=True)
class Dataset:
    workspace_id: int
    key: str
    conversations: int
    """Per workspace; the second tenant holds as many again."""
    messages: int
    variables: int
    min_cost: Decimal
    """The 90th percentile of conversation cost in the measured workspace."""


@dataclass
class _Ids:
    """Next free id per table: rows carry explicit ids so messages can name their conversation."""

    conversation: int
    message: int
    variable: int


@dataclass
class _Rows:
    conversations: list[Conversation] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    variables: list[Variable] = field(default_factory=list)


def _started(index: int) -> datetime:
    return T0 + timedelta(seconds=90 * index)


def _content(index: int, exchange: int) -> tuple[str, str]:
    topic = TOPICS[(index + exchange) % len(TOPICS)]
    question = f"Hello, I have a question about my {topic} from order {index}-{exchange}."
    if index % 50 == 7 and exchange == 1:
        question = f"Could I get a {SEARCH_WORD} for order {index}? The {topic} was wrong."
    if index == RARE_INDEX and exchange == EXCHANGES - 1:
        question = f"My bank opened a {RARE_WORD} about order {index}."
    answer = f"Sure, here is what I found about your {topic}: it is handled within two days."
    return question, answer


def _reply(
    conversation_id: int, index: int, exchange: int, message_id: int, at: datetime
) -> Message:
    provider, model = MODELS[(index + (exchange == EXCHANGES - 1)) % len(MODELS)]
    input_tokens = 300 + 150 * exchange + (index * 37) % 900
    output_tokens = 40 + (index * 53) % 400
    cached = input_tokens // 2 if exchange else 0
    message = Message(
        id=message_id,
        conversation_id=conversation_id,
        sequence=2 * exchange + 2,
        role=MessageRole.ASSISTANT,
        content=_content(index, exchange)[1],
        created_at=at,
        provider=provider,
        model=model,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        cached_input_tokens=cached,
    )
    priced = price_reply(provider, model, input_tokens, output_tokens, cached, at)
    if priced is not None:
        message.cost = priced.cost
        message.input_price = priced.input_price
        message.output_price = priced.output_price
        message.cached_input_price = priced.cached_input_price
    return message


def _messages(conversation_id: int, index: int, started: datetime, ids: _Ids) -> list[Message]:
    messages = []
    for exchange in range(EXCHANGES):
        asked = started + timedelta(seconds=40 * exchange)
        messages.append(
            Message(
                id=ids.message,
                conversation_id=conversation_id,
                sequence=2 * exchange + 1,
                role=MessageRole.USER,
                content=_content(index, exchange)[0],
                created_at=asked,
            )
        )
        messages.append(
            _reply(conversation_id, index, exchange, ids.message + 1, asked + timedelta(seconds=5))
        )
        ids.message += 2
    return messages


def _variables(conversation_id: int, index: int, started: datetime, ids: _Ids) -> list[Variable]:
    plan = PLAN_VALUE if index % 20 == 3 else ("free", "pro", "team")[index % 3]
    values = (
        ("email", f"visitor{index}@example.com", VariableSource.PRE_CHAT_FORM, VariableType.EMAIL),
        ("plan", plan, VariableSource.EXTRACTED, VariableType.SELECT),
    )
    variables = [
        Variable(
            id=ids.variable + offset,
            conversation_id=conversation_id,
            name=name,
            value_json=canonical_json(value),
            source=source,
            type=kind,
            collected_at=started + timedelta(seconds=30),
        )
        for offset, (name, value, source, kind) in enumerate(values)
    ]
    ids.variable += len(variables)
    return variables


def _conversation(
    owner: tuple[int, int], conversation_id: int, index: int, messages: Sequence[Message]
) -> Conversation:
    """The conversation row with the running totals `record_conversation` would store."""
    workspace_id, assistant_id = owner
    started = _started(index)
    last = max(message.created_at for message in messages)
    ended = None if index % 25 == 0 else last + timedelta(minutes=2)
    widget = index % 10 != 9
    replies = [message for message in messages if message.provider is not None]
    return Conversation(
        id=conversation_id,
        workspace_id=workspace_id,
        assistant_id=assistant_id,
        type=ConversationType.WEB_WIDGET if widget else ConversationType.TEST,
        status=ConversationStatus.ENDED if ended else ConversationStatus.ACTIVE,
        started_at=started,
        last_activity_at=max(last, ended or last),
        ended_at=ended,
        visitor_session_id=f"visitor-{index}" if widget else None,
        visitor_page_url="https://shop.example/pricing" if widget else None,
        visitor_locale="en-GB" if widget else None,
        message_count=len(messages),
        input_tokens=sum(message.input_tokens or 0 for message in replies),
        output_tokens=sum(message.output_tokens or 0 for message in replies),
        cached_input_tokens=sum(message.cached_input_tokens or 0 for message in replies),
        cost=sum((m.cost for m in replies if m.cost is not None), Decimal(0)),
        unpriced_replies=sum(1 for message in replies if message.cost is None),
    )


def _generate(owner: tuple[int, int], count: int, ids: _Ids) -> _Rows:
    """Rows for `count` conversations of (workspace id, assistant id), numbered from `ids`."""
    rows = _Rows()
    for index in range(count):
        conversation_id = ids.conversation
        ids.conversation += 1
        started = _started(index)
        messages = _messages(conversation_id, index, started, ids)
        rows.messages += messages
        rows.variables += _variables(conversation_id, index, started, ids)
        rows.conversations.append(_conversation(owner, conversation_id, index, messages))
    return rows


async def _next_ids() -> _Ids:
    found = []
    for table in ("conversation", "message", "variable"):
        rows = await fetch(f"SELECT COALESCE(MAX(id), 0) AS n FROM {table}", Params(dialect()))
        found.append(int(rows[0]["n"]) + 1)
    return _Ids(*found)


async def _insert(rows: _Rows) -> None:
    async with in_transaction():
        await Conversation.bulk_create(rows.conversations)
        await Message.bulk_create(rows.messages)
        await Variable.bulk_create(rows.variables)


async def _after_explicit_ids() -> None:
    """Moves PostgreSQL's sequences past the explicit ids, then refreshes planner statistics."""
    if dialect() == "postgres":
        for table in ("conversation", "message", "variable"):
            await db().execute_query(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT MAX(id) FROM {table}))"
            )
        await db().execute_script("VACUUM ANALYZE")
    else:
        await db().execute_script("ANALYZE")


async def _tenant(name: str, count: int) -> tuple[int, str, _Rows]:
    workspace, key = await create_workspace(name)
    assistant = await Assistant.create(workspace_id=workspace.id, name=f"{name} bot")
    rows = _generate((workspace.id, assistant.id), count, await _next_ids())
    await _insert(rows)
    return workspace.id, key, rows


async def mismatched_totals() -> int:
    """Conversations whose stored totals disagree with their messages: must be 0."""
    rows = await fetch(
        "SELECT COUNT(*) AS n FROM conversation c WHERE c.message_count <> "
        "(SELECT COUNT(*) FROM message m WHERE m.conversation_id = c.id) OR c.cost_e12 <> "
        "(SELECT COALESCE(SUM(m.cost_e12), 0) FROM message m WHERE m.conversation_id = c.id) "
        "OR c.output_tokens <> (SELECT COALESCE(SUM(m.output_tokens), 0) FROM message m "
        "WHERE m.conversation_id = c.id)",
        Params(dialect()),
    )
    return int(rows[0]["n"])


async def seed(count: int) -> Dataset:
    """`count` conversations in the measured workspace and as many in another tenant."""
    workspace_id, key, rows = await _tenant("Bench", count)
    await _tenant("Other tenant", count)
    await _after_explicit_ids()
    if (wrong := await mismatched_totals()) != 0:
        raise RuntimeError(f"{wrong} conversations have totals that disagree with their messages")
    costs = sorted(conversation.cost for conversation in rows.conversations)
    return Dataset(
        workspace_id=workspace_id,
        key=key,
        conversations=count,
        messages=len(rows.messages),
        variables=len(rows.variables),
        min_cost=costs[int(len(costs) * 0.9)],
    )
