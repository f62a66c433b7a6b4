"""Erasure for data-subject requests (`deleteConversation`, `eraseVisitor`), retention, and the
audit of both."""

from datetime import datetime
from typing import Annotated

import strawberry

from models import Erasure as ErasureRow
from models import Workspace as WorkspaceRow
from resolvers.erasure import MAX_ERASED, Erased, delete_conversation, erase_visitor
from resolvers.ids import decode_id, encode_id
from resolvers.retention import MAX_DAYS, set_retention
from schema.arguments import IdArgument
from schema.context import Info
from schema.scalars import JSON

MAX_AUDIT = 100


@strawberry.type(description="What an erasure removed.")
class ErasurePayload:
    erased_conversations: int = strawberry.field(description="Conversations erased.")
    erased_at: datetime = strawberry.field(description="When.")

    @classmethod
    def of(cls, erased: Erased) -> "ErasurePayload":
        return cls(erased_conversations=erased.conversations, erased_at=erased.erased_at)


@strawberry.input(description="A variable's name and the value that identifies the visitor.")
class VariableMatchInput:
    name: str = strawberry.field(description="Variable name (email, say).")
    equals: JSON = strawberry.field(description="Its exact value.")


@strawberry.input(
    one_of=True, description="How to find a visitor's conversations: exactly one of these."
)
class VisitorSelectorInput:
    session_id: str | None = strawberry.field(
        default=strawberry.UNSET, description="The widget's session ID of the visitor."
    )
    variable: VariableMatchInput | None = strawberry.field(
        default=strawberry.UNSET, description="A variable (either source) with this value."
    )


@strawberry.type(description="An erasure, as the audit keeps it: who, how many, when; not what.")
class ErasureRecord:
    by_key_id: strawberry.ID | None = strawberry.field(description="The key that erased.")
    reason: str = strawberry.field(
        description="CONVERSATION, VISITOR_SESSION, VISITOR_VARIABLE or RETENTION."
    )
    conversations: int = strawberry.field(description="How many conversations it erased.")
    erased_at: datetime = strawberry.field(description="When.")

    @classmethod
    def of(cls, row: ErasureRow) -> "ErasureRecord":
        key = row.by_key_id
        return cls(
            by_key_id=strawberry.ID(encode_id("ApiKey", key)) if key is not None else None,
            reason=row.reason,
            conversations=row.conversations,
            erased_at=row.erased_at,
        )


@strawberry.type(description="How long the workspace keeps conversations (null: forever).")
class Retention:
    web_widget_days: int | None = strawberry.field(
        description="WEB_WIDGET conversations are erased this many days after they started."
    )
    test_days: int | None = strawberry.field(
        description="TEST conversations are erased this many days after they started."
    )

    @classmethod
    def of(cls, row: WorkspaceRow) -> "Retention":
        return cls(web_widget_days=row.keep_web_widget_days, test_days=row.keep_test_days)


@strawberry.type
class ErasureQueries:
    @strawberry.field(description="How long the workspace keeps its conversations.")
    async def retention(self, info: Info) -> Retention:
        workspace_id = info.context.reader().workspace_id
        return Retention.of(await WorkspaceRow.get(id=workspace_id))

    @strawberry.field(
        description=f"The workspace's latest erasures, newest first (at most {MAX_AUDIT})."
    )
    async def erasures(self, info: Info) -> list[ErasureRecord]:
        workspace_id = info.context.reader().workspace_id
        rows = await ErasureRow.filter(workspace_id=workspace_id).order_by("-id").limit(MAX_AUDIT)
        return [ErasureRecord.of(row) for row in rows]


@strawberry.type
class ErasureMutations:
    @strawberry.mutation(
        description="Sets how long conversations are kept, per type (secret key, WRITE): each "
        f"server erases older ones in small batches (null keeps them forever; 1–{MAX_DAYS:,} "
        "days), as deleteConversation does, with RETENTION in the audit."
    )
    async def set_retention(
        self,
        info: Info,
        web_widget_days: Annotated[
            int | None, strawberry.argument(description="Days to keep WEB_WIDGET ones.")
        ] = None,
        test_days: Annotated[
            int | None, strawberry.argument(description="Days to keep TEST ones.")
        ] = None,
    ) -> Retention:
        caller = info.context.caller().require_writer()
        return Retention.of(await set_retention(caller.workspace_id, web_widget_days, test_days))

    @strawberry.mutation(
        description="Erases a conversation and everything it holds (secret key, WRITE), at once "
        "and for good: gone from every query, count, search, export and live view; its live "
        "subscribers are completed."
    )
    async def delete_conversation(self, info: Info, id: IdArgument) -> ErasurePayload:
        pk = decode_id(id, "Conversation")
        return ErasurePayload.of(await delete_conversation(info.context.caller(), pk))

    @strawberry.mutation(
        description="Erases every conversation of a visitor, found by widget session ID or by a "
        f"variable's value (a data-subject request; secret key, WRITE; at most {MAX_ERASED:,} "
        "a call), as deleteConversation does."
    )
    async def erase_visitor(
        self,
        info: Info,
        by: Annotated[VisitorSelectorInput, strawberry.argument(description="The visitor.")],
    ) -> ErasurePayload:
        variable = None
        if by.variable:
            variable = (by.variable.name, by.variable.equals)
        session = by.session_id if by.session_id else None
        return ErasurePayload.of(await erase_visitor(info.context.caller(), session, variable))
