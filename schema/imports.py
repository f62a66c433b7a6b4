"""`importConversations`: a platform's history brought over in batches (migrations, restores)."""

from datetime import datetime
from typing import Annotated

import strawberry

from models.enums import ConversationMode, ConversationType, MessageRole
from resolvers.ids import decode_id
from resolvers.imports import (
    MAX_BATCH,
    ConversationRecord,
    MessageRecord,
    VariableRecord,
    import_conversations,
)
from schema.context import Info
from schema.conversation import Conversation
from schema.enums import VariableSource, VariableType
from schema.recording import UsageInput, VisitorInput
from schema.scalars import JSON


@strawberry.input(description="A message of an imported conversation.")
class ImportedMessageInput:
    role: MessageRole = strawberry.field(description="Who wrote it.")
    content: str = strawberry.field(description="The text, not empty.")
    created_at: datetime = strawberry.field(description="When it was written.")
    usage: UsageInput | None = strawberry.field(
        default=None,
        description="Tokens and cost of a reply; without a cost it is priced at `createdAt`.",
    )

    def to_record(self) -> MessageRecord:
        usage = self.usage.to_usage() if self.usage is not None else None
        return MessageRecord(self.role, self.content, self.created_at, usage)


@strawberry.input(description="A variable of an imported conversation, with its source.")
class ImportedVariableInput:
    name: str = strawberry.field(description="Variable name.")
    value: JSON = strawberry.field(description="The value.")
    type: VariableType = strawberry.field(description="Kind of value.")
    source: VariableSource = strawberry.field(description="Pre-chat form or extracted.")
    collected_at: datetime = strawberry.field(description="When it was set.")

    def to_record(self) -> VariableRecord:
        return VariableRecord(self.name, self.value, self.type, self.source, self.collected_at)


@strawberry.input(description="A whole conversation from another platform (or an export).")
class ImportConversationInput:
    external_id: str = strawberry.field(
        description="Its ID there: a conversation the workspace holds already is skipped."
    )
    assistant_id: strawberry.ID = strawberry.field(description="The assistant it belongs to.")
    type: ConversationType = strawberry.field(
        default=ConversationType.WEB_WIDGET, description="Default WEB_WIDGET."
    )
    mode: ConversationMode = strawberry.field(
        default=ConversationMode.CHAT, description="Default CHAT."
    )
    started_at: datetime = strawberry.field(description="When it started.")
    ended_at: datetime | None = strawberry.field(
        default=None, description="When it ended; null: still ACTIVE."
    )
    visitor: VisitorInput | None = strawberry.field(default=None, description="The visitor.")
    messages: list[ImportedMessageInput] = strawberry.field(
        default_factory=list, description="Its messages in order (numbered 1, 2, 3 … here)."
    )
    variables: list[ImportedVariableInput] = strawberry.field(
        default_factory=list, description="Its variables."
    )

    def to_record(self) -> ConversationRecord:
        return ConversationRecord(
            assistant_id=decode_id(self.assistant_id, "Assistant"),
            type=self.type,
            mode=self.mode,
            started_at=self.started_at,
            ended_at=self.ended_at,
            visitor=self.visitor.to_visit() if self.visitor is not None else None,
            messages=[message.to_record() for message in self.messages],
            variables=[variable.to_record() for variable in self.variables],
            external_id=self.external_id,
        )


@strawberry.type(description="What an import wrote, and what it found there already.")
class ImportConversationsPayload:
    conversations: list[Conversation] = strawberry.field(description="The new conversations.")
    skipped_external_ids: list[str] = strawberry.field(
        description="External IDs the workspace held already (a batch sent again)."
    )


@strawberry.type
class ImportMutations:
    @strawberry.mutation(
        description=f"Imports up to {MAX_BATCH} whole conversations (secret key, WRITE) in one "
        "transaction, all or none; each once per workspace by its externalId; replies without a "
        "cost priced at their own time; events written, so counts and live views agree."
    )
    async def import_conversations(
        self,
        info: Info,
        conversations: Annotated[
            list[ImportConversationInput], strawberry.argument(description="The batch.")
        ],
    ) -> ImportConversationsPayload:
        caller = info.context.caller().require_writer()
        records = [conversation.to_record() for conversation in conversations]
        done = await import_conversations(caller.workspace_id, records, info.context.bounds)
        return ImportConversationsPayload(
            conversations=[Conversation.of(row) for row in done.created],
            skipped_external_ids=done.skipped,
        )
