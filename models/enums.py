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


class ApiKeyScope(StrEnum):
    READ = "READ"
    WRITE = "WRITE"


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
