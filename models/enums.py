"""Enumerations shared by the models and the GraphQL schema; values are what the database stores."""

from enum import StrEnum


class ConversationType(StrEnum):
    TEST = "TEST"
    WEB_WIDGET = "WEB_WIDGET"


class ConversationMode(StrEnum):
    CHAT = "CHAT"
    VOICE_AND_CHAT = "VOICE_AND_CHAT"


class ConversationStatus(StrEnum):
    ACTIVE = "ACTIVE"
    ENDED = "ENDED"


class MessageRole(StrEnum):
    USER = "USER"
    ASSISTANT = "ASSISTANT"
    SYSTEM = "SYSTEM"
    TOOL = "TOOL"
    AGENT = "AGENT"
    """A person of the workspace who took the conversation over."""
    HANDOVER = "HANDOVER"
    """A change of who handles the conversation, as the transcript shows it."""


class Handling(StrEnum):
    """Who handles a conversation: its assistant, nobody while it waits for a person, or a
    person (an agent). It starts with the assistant and may go round any number of times."""

    ASSISTANT = "ASSISTANT"
    WAITING = "WAITING"
    AGENT = "AGENT"


class Handover(StrEnum):
    """A move between the ways of handling a conversation, as its HANDOVER message records it."""

    REQUESTED = "REQUESTED"
    """The visitor or the assistant's engine asked for a person: WAITING."""
    ASSIGNED = "ASSIGNED"
    """It was given to an agent (or taken from one): who handles it does not change."""
    TAKEN_OVER = "TAKEN_OVER"
    """An agent took it: AGENT."""
    HANDED_BACK = "HANDED_BACK"
    """An agent gave it back to the assistant: ASSISTANT."""


class MessageState(StrEnum):
    """Whether a message is all there: a streamed reply is STREAMING until it is finished
    (COMPLETE) or abandoned (INCOMPLETE: what was streamed by then)."""

    COMPLETE = "COMPLETE"
    STREAMING = "STREAMING"
    INCOMPLETE = "INCOMPLETE"
    FAILED = "FAILED"
    """The built-in engine could not get a reply from the model: the visitor may ask again."""


class TurnState(StrEnum):
    """Where the built-in engine's answer to a visitor's message stands."""

    WAITING = "WAITING"
    RUNNING = "RUNNING"
    DONE = "DONE"
    FAILED = "FAILED"


class TurnKind(StrEnum):
    """What a turn asks of the model: a reply to the visitor, or the variables an ended
    conversation's transcript holds."""

    REPLY = "REPLY"
    EXTRACT = "EXTRACT"


class VariableSource(StrEnum):
    PRE_CHAT_FORM = "PRE_CHAT_FORM"
    EXTRACTED = "EXTRACTED"


class PriceSource(StrEnum):
    """Where a reply's cost came from."""

    GIVEN = "GIVEN"
    PRICE_TABLE = "PRICE_TABLE"
    UNKNOWN = "UNKNOWN"


class Thumb(StrEnum):
    """A message's rating."""

    UP = "UP"
    DOWN = "DOWN"


class VariableType(StrEnum):
    TEXT = "TEXT"
    EMAIL = "EMAIL"
    PHONE = "PHONE"
    NUMBER = "NUMBER"
    BOOLEAN = "BOOLEAN"
    SELECT = "SELECT"
    DATE = "DATE"


class ApiKeyKind(StrEnum):
    SECRET = "SECRET"
    PUBLISHABLE = "PUBLISHABLE"
    AGENT = "AGENT"
    """An agent's own key: reads the workspace's conversations and handles them as that agent."""


class ApiKeyScope(StrEnum):
    READ = "READ"
    WRITE = "WRITE"
    HANDLE = "HANDLE"
    """An agent's: take conversations over, write to visitors, hand back and assign."""


class EventKind(StrEnum):
    """What changed: the live views map MESSAGE_ADDED and VARIABLES_SET to UPDATED."""

    STARTED = "STARTED"
    MESSAGE_ADDED = "MESSAGE_ADDED"
    VARIABLES_SET = "VARIABLES_SET"
    ENDED = "ENDED"
    LABELLED = "LABELLED"
    """Labels were added to it or removed (live views: UPDATED)."""
    RATED = "RATED"
    """The visitor rated it, or a message of it was rated (live views: UPDATED)."""
    ERASED = "ERASED"
    """Erased for a data-subject request or by retention: it is gone, and so are its earlier
    events."""
    REPLY_STARTED = "REPLY_STARTED"
    """A streamed reply was opened: its message is there, STREAMING (live views: UPDATED; no
    webhook: its MESSAGE_ADDED is sent when it is finished)."""
    REPLY_FINISHED = "REPLY_FINISHED"
    """A streamed reply was finished or abandoned: its message is final (webhooks:
    MESSAGE_ADDED)."""
    HANDOVER_REQUESTED = "HANDOVER_REQUESTED"
    """A person was asked for: it waits (live views: UPDATED)."""
    ASSIGNED = "ASSIGNED"
    """It was assigned to an agent, or unassigned (live views: UPDATED)."""
    TAKEN_OVER = "TAKEN_OVER"
    """An agent took it over (live views: UPDATED)."""
    HANDED_BACK = "HANDED_BACK"
    """An agent handed it back to the assistant (live views: UPDATED)."""


class WebhookEvent(StrEnum):
    """What an endpoint may be sent: the event log's kinds, and its workspace's notices."""

    CONVERSATION_STARTED = "CONVERSATION_STARTED"
    MESSAGE_ADDED = "MESSAGE_ADDED"
    VARIABLES_SET = "VARIABLES_SET"
    CONVERSATION_ENDED = "CONVERSATION_ENDED"
    CONVERSATION_RATED = "CONVERSATION_RATED"
    CONVERSATION_LABELLED = "CONVERSATION_LABELLED"
    CONVERSATION_ERASED = "CONVERSATION_ERASED"
    CONVERSATION_HANDOVER_REQUESTED = "CONVERSATION_HANDOVER_REQUESTED"
    CONVERSATION_ASSIGNED = "CONVERSATION_ASSIGNED"
    CONVERSATION_TAKEN_OVER = "CONVERSATION_TAKEN_OVER"
    CONVERSATION_HANDED_BACK = "CONVERSATION_HANDED_BACK"
    ENDPOINT_DISABLED = "ENDPOINT_DISABLED"
    """Another endpoint of the workspace failed for the whole retry window and was disabled."""

    @property
    def type_name(self) -> str:
        """The body's `type`, as Standard Webhooks suggests: `conversation.started`, …"""
        if self is WebhookEvent.ENDPOINT_DISABLED:
            return "webhook.endpoint_disabled"
        noun, _, verb = self.value.lower().partition("_")
        return f"{noun}.{verb}"


WEBHOOK_EVENT_OF_KIND = {
    EventKind.STARTED: WebhookEvent.CONVERSATION_STARTED,
    EventKind.MESSAGE_ADDED: WebhookEvent.MESSAGE_ADDED,
    EventKind.REPLY_FINISHED: WebhookEvent.MESSAGE_ADDED,
    EventKind.VARIABLES_SET: WebhookEvent.VARIABLES_SET,
    EventKind.ENDED: WebhookEvent.CONVERSATION_ENDED,
    EventKind.RATED: WebhookEvent.CONVERSATION_RATED,
    EventKind.LABELLED: WebhookEvent.CONVERSATION_LABELLED,
    EventKind.ERASED: WebhookEvent.CONVERSATION_ERASED,
    EventKind.HANDOVER_REQUESTED: WebhookEvent.CONVERSATION_HANDOVER_REQUESTED,
    EventKind.ASSIGNED: WebhookEvent.CONVERSATION_ASSIGNED,
    EventKind.TAKEN_OVER: WebhookEvent.CONVERSATION_TAKEN_OVER,
    EventKind.HANDED_BACK: WebhookEvent.CONVERSATION_HANDED_BACK,
}


class EndpointState(StrEnum):
    ENABLED = "ENABLED"
    DISABLED = "DISABLED"
    """Disabled by a key (updateWebhookEndpoint)."""
    FAILING = "FAILING"
    """Disabled by Parley: every attempt failed for the whole retry window."""


class DeliveryState(StrEnum):
    PENDING = "PENDING"
    """Waiting for its first attempt or its next retry."""
    DELIVERED = "DELIVERED"
    FAILED = "FAILED"
    """Given up: refused for good (a 4xx other than 408/429), or failing past the retry window."""
