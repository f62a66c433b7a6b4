"""`rateConversation` and `rateMessage`: the visitor's and the builder's feedback."""

from typing import Annotated

import strawberry

from resolvers.ids import decode_id
from resolvers.rating import rate_conversation, rate_message
from schema.arguments import IdArgument
from schema.context import Info
from schema.conversation import Conversation
from schema.enums import Thumb
from schema.message import Message
from schema.policy.visibility import VISITOR


@strawberry.type
class RatingMutations:
    @strawberry.mutation(
        metadata=VISITOR,
        description="The visitor rates the conversation 1–5 with an optional comment (its "
        "session token, or a secret key with WRITE); rating again replaces it.",
    )
    async def rate_conversation(
        self,
        info: Info,
        conversation_id: IdArgument,
        score: Annotated[int, strawberry.argument(description="1 (poor) to 5 (excellent).")],
        comment: Annotated[
            str | None, strawberry.argument(description="What the visitor says (≤ 2,000).")
        ] = None,
    ) -> Conversation:
        pk = decode_id(conversation_id, "Conversation")
        row = await rate_conversation(info.context.caller(), pk, score, comment)
        return Conversation.of(row)

    @strawberry.mutation(
        metadata=VISITOR,
        description="Rates an assistant reply up or down with an optional reason: the visitor "
        "(session token) or a builder (secret key with WRITE, kept with the rating).",
    )
    async def rate_message(
        self,
        info: Info,
        message_id: IdArgument,
        rating: Annotated[Thumb, strawberry.argument(description="Up or down.")],
        reason: Annotated[
            str | None, strawberry.argument(description="Why (≤ 2,000 characters).")
        ] = None,
    ) -> Message:
        pk = decode_id(message_id, "Message")
        return Message.of(await rate_message(info.context.caller(), pk, rating, reason))
