"""GraphQL enums over the stored enumerations: one Python enum serves the database and the API.

Every value is described, like every type and field: partners read them in GraphiQL.
"""

from collections.abc import Mapping
from enum import Enum

import strawberry

from models.enums import (
    ApiKeyKind,
    ApiKeyScope,
    ConversationMode,
    ConversationStatus,
    ConversationType,
    DeliveryState,
    EndpointState,
    Handling,
    Handover,
    MessageRole,
    MessageState,
    PriceSource,
    Thumb,
    VariableSource,
    VariableType,
    WebhookEvent,
)
from resolvers.keyset import OrderField as ConversationOrderField


def describe(
    enum: type[Enum], description: str, values: Mapping[str, str], name: str | None = None
) -> None:
    """Makes `enum` a GraphQL enum with a description for each of its values (all required)."""
    strawberry.enum(enum, name=name, description=description)
    definition = enum.__strawberry_definition__  # type: ignore[attr-defined]
    missing = {value.name for value in definition.values} - set(values)
    if missing:
        raise ValueError(f"{enum.__name__}: values without a description: {sorted(missing)}")
    for value in definition.values:
        value.description = values[value.name]


describe(
    ConversationType,
    "Where a conversation came from: TEST is the Test Chat, WEB_WIDGET a real visitor.",
    {
        "TEST": "A builder trying the assistant in the Test Chat (the orange badge).",
        "WEB_WIDGET": "A real visitor through the embedded web widget (the purple badge).",
    },
)
describe(
    ConversationMode,
    "How the widget was used: text chat, or voice and chat.",
    {
        "CHAT": "Text chat.",
        "VOICE_AND_CHAT": "Voice and chat: spoken turns are recorded as their text.",
    },
)
describe(
    ConversationStatus,
    "ACTIVE while it may get messages; ENDED afterwards.",
    {
        "ACTIVE": "Still open: messages may be added.",
        "ENDED": "Ended by a participant or after being idle; it takes no more messages.",
    },
)
describe(
    MessageRole,
    "Who wrote a message.",
    {
        "USER": "The visitor, or the builder in the Test Chat.",
        "ASSISTANT": "The assistant's reply, usually with its usage.",
        "SYSTEM": "An instruction to the assistant.",
        "TOOL": "The output of a tool the assistant called.",
        "AGENT": "A person of the workspace who took the conversation over (`agent` says who).",
        "HANDOVER": "A change of who handles the conversation (`handover` says which): the "
        "transcript's record of it.",
    },
)
describe(
    Handling,
    "Who answers the visitor now.",
    {
        "ASSISTANT": "The assistant (and its engine).",
        "WAITING": "Nobody yet: a person was asked for (`waitingSince`); the assistant is silent.",
        "AGENT": "A person, its assignee; the assistant is silent.",
    },
)
describe(
    Handover,
    "A move between the assistant and people, as a HANDOVER message records it.",
    {
        "REQUESTED": "The visitor or the assistant asked for a person.",
        "ASSIGNED": "It was assigned to an agent (recorded as an event, not a message).",
        "TAKEN_OVER": "An agent took it over.",
        "HANDED_BACK": "An agent handed it back to the assistant.",
    },
)
describe(
    MessageState,
    "Whether a message is all there: a streamed reply grows until it is finished.",
    {
        "COMPLETE": "All there (every message not streamed, and a finished reply).",
        "STREAMING": "A reply being written: its text so far follows live (replyChunks).",
        "INCOMPLETE": "A reply abandoned before it was finished (its engine stopped or went "
        "quiet, or the conversation ended): what was written by then.",
        "FAILED": "The built-in engine could not get this reply from the model (after its "
        "retries): the visitor may ask again (retryReply).",
    },
)
describe(
    VariableSource,
    "PRE_CHAT_FORM: typed by the visitor before the chat; EXTRACTED: by the assistant.",
    {
        "PRE_CHAT_FORM": "Typed by the visitor into the assistant's pre-chat form.",
        "EXTRACTED": "Extracted by the assistant during the chat.",
    },
)
describe(
    VariableType,
    "The kind of value a variable holds.",
    {
        "TEXT": "Any text.",
        "EMAIL": "An email address.",
        "PHONE": "A phone number in E.164 form, like +14155550123.",
        "NUMBER": "A number.",
        "BOOLEAN": "true or false.",
        "SELECT": "One of the field's options.",
        "DATE": "A calendar date, YYYY-MM-DD.",
    },
)
describe(
    ApiKeyKind,
    "SECRET keys are for servers; PUBLISHABLE keys are safe to ship in a web page.",
    {
        "SECRET": "For servers: reads and writes its workspace as its scopes allow.",
        "PUBLISHABLE": "For a web page: starts WEB_WIDGET conversations with its assistant, from "
        "the assistant's allowed origins.",
        "AGENT": "An agent's own: reads the workspace's records and handles conversations as "
        "that agent (createAgent, createAgentKey).",
    },
)
describe(
    ApiKeyScope,
    "What a secret key may do.",
    {
        "READ": "Read the workspace's records.",
        "WRITE": "Record conversations, and manage assistants and keys.",
        "HANDLE": "An agent's: take conversations over, write to visitors, hand back, assign.",
    },
)
describe(
    ConversationOrderField,
    "What conversations can be sorted by.",
    {
        "STARTED_AT": "When the conversation started.",
        "LAST_ACTIVITY_AT": "Its latest message or change.",
        "COST": "Its total cost.",
        "MESSAGE_COUNT": "How many messages it has.",
        "WAITING_SINCE": "When a person was last asked for (ASC: the longest-waiting first); "
        "conversations that never waited come after the others, either way.",
    },
    name="ConversationOrderField",
)


describe(
    PriceSource,
    "Where a reply's cost came from.",
    {
        "GIVEN": "Sent with the reply (`usage.cost`): kept as given, never repriced.",
        "PRICE_TABLE": "Computed from genai-prices' table at the time of the reply.",
        "UNKNOWN": "The model had no known price: the reply has no cost (`costKnown: false`).",
    },
)


describe(
    Thumb,
    "A reply's rating.",
    {"UP": "Helpful.", "DOWN": "Not helpful."},
)


@strawberry.enum(description="Sort direction.")
class OrderDirection(Enum):
    ASC = strawberry.enum_value("ASC", description="Smallest, or oldest, first.")
    DESC = strawberry.enum_value("DESC", description="Largest, or newest, first.")


__all__ = [
    "ApiKeyKind",
    "ApiKeyScope",
    "ConversationMode",
    "ConversationOrderField",
    "ConversationStatus",
    "ConversationType",
    "Handling",
    "Handover",
    "MessageRole",
    "MessageState",
    "OrderDirection",
    "PriceSource",
    "Thumb",
    "VariableSource",
    "VariableType",
]

describe(
    WebhookEvent,
    "What a webhook endpoint may be sent; the body's `type` is its dotted form "
    "(`conversation.started`, `message.added`, …, `webhook.endpoint_disabled`).",
    {
        "CONVERSATION_STARTED": "A conversation started (conversation.started).",
        "MESSAGE_ADDED": "A message was added; the body carries it (message.added).",
        "VARIABLES_SET": "Variables were set, from the form or extracted (variables.set).",
        "CONVERSATION_ENDED": "A conversation ended (conversation.ended).",
        "CONVERSATION_RATED": "The visitor rated it, or a message of it was rated "
        "(conversation.rated).",
        "CONVERSATION_LABELLED": "Labels were added or removed (conversation.labelled).",
        "CONVERSATION_ERASED": "It was erased; the record is null (conversation.erased).",
        "CONVERSATION_HANDOVER_REQUESTED": "A person was asked for: it waits "
        "(conversation.handover_requested).",
        "CONVERSATION_ASSIGNED": "It was assigned to an agent, or unassigned "
        "(conversation.assigned).",
        "CONVERSATION_TAKEN_OVER": "An agent took it over (conversation.taken_over).",
        "CONVERSATION_HANDED_BACK": "An agent handed it back to the assistant "
        "(conversation.handed_back).",
        "ENDPOINT_DISABLED": "Another endpoint of the workspace failed for the whole retry "
        "window and was disabled (webhook.endpoint_disabled).",
    },
)
describe(
    EndpointState,
    "Whether an endpoint is sent deliveries.",
    {
        "ENABLED": "Sent deliveries as events happen.",
        "DISABLED": "Paused by a key: events wait (enabling it sends them, in order).",
        "FAILING": "Disabled by Parley after failing for the whole retry window; events wait "
        "until a key enables it again.",
    },
    name="WebhookEndpointState",
)
describe(
    DeliveryState,
    "Where a webhook delivery stands.",
    {
        "PENDING": "Waiting for its first attempt or its next retry.",
        "DELIVERED": "Answered with a 2xx.",
        "FAILED": "Given up: answered with a 4xx other than 408/429 (or a redirect not "
        "followed), or failing for the whole retry window.",
    },
    name="WebhookDeliveryState",
)
