"""GraphQL enums over the stored enumerations: one Python enum serves the database and the API."""

from enum import Enum

import strawberry

from models.enums import (
    ApiKeyKind,
    ApiKeyScope,
    ConversationMode,
    ConversationStatus,
    ConversationType,
    MessageRole,
    VariableSource,
    VariableType,
)
from resolvers.conversations import OrderField as ConversationOrderField

strawberry.enum(
    ConversationType,
    description="Where a conversation came from: TEST is the Test Chat, WEB_WIDGET a real visitor.",
)
strawberry.enum(
    ConversationMode, description="How the widget was used: text chat, or voice and chat."
)
strawberry.enum(
    ConversationStatus, description="ACTIVE while it may get messages; ENDED afterwards."
)
strawberry.enum(MessageRole, description="Who wrote a message.")
strawberry.enum(
    VariableSource,
    description="PRE_CHAT_FORM: typed by the visitor before the chat; EXTRACTED: by the assistant.",
)
strawberry.enum(VariableType, description="The kind of value a variable holds.")
strawberry.enum(
    ApiKeyKind,
    description="SECRET keys are for servers; PUBLISHABLE keys are safe to ship in a web page.",
)
strawberry.enum(ApiKeyScope, description="What a secret key may do.")
strawberry.enum(
    ConversationOrderField,
    name="ConversationOrderField",
    description="What conversations can be sorted by.",
)


@strawberry.enum(description="Sort direction.")
class OrderDirection(Enum):
    ASC = "ASC"
    DESC = "DESC"


__all__ = [
    "ApiKeyKind",
    "ApiKeyScope",
    "ConversationMode",
    "ConversationOrderField",
    "ConversationStatus",
    "ConversationType",
    "MessageRole",
    "OrderDirection",
    "VariableSource",
    "VariableType",
]
