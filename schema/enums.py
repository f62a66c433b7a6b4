"""GraphQL enums over the stored enumerations (one Python enum, two faces)."""

from enum import Enum

import strawberry

from models import enums
from resolvers.conversations import OrderField

ConversationType = strawberry.enum(
    enums.ConversationType,
    description="Where a conversation came from: TEST is the Test Chat, WEB_WIDGET a real visitor.",
)
ConversationMode = strawberry.enum(
    enums.ConversationMode, description="How the widget was used: text chat, or voice and chat."
)
ConversationStatus = strawberry.enum(
    enums.ConversationStatus, description="ACTIVE while it may get messages; ENDED afterwards."
)
MessageRole = strawberry.enum(enums.MessageRole, description="Who wrote a message.")
VariableSource = strawberry.enum(
    enums.VariableSource,
    description="PRE_CHAT_FORM: typed by the visitor before the chat; EXTRACTED: by the assistant.",
)
VariableType = strawberry.enum(enums.VariableType, description="The kind of value a variable holds.")
ApiKeyKind = strawberry.enum(
    enums.ApiKeyKind,
    description="SECRET keys are for servers; PUBLISHABLE keys are safe to ship in a web page.",
)
ApiKeyScope = strawberry.enum(enums.ApiKeyScope, description="What a secret key may do.")
ConversationOrderField = strawberry.enum(
    OrderField, name="ConversationOrderField", description="What conversations can be sorted by."
)


@strawberry.enum(description="Sort direction.")
class OrderDirection(Enum):
    ASC = "ASC"
    DESC = "DESC"
