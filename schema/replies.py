"""Streamed replies: an engine opens a reply, appends its text as the model writes it, then
finishes it with its usage (or abandons it); whoever watches the conversation follows the text
as it grows (`replyChunks`)."""

from collections.abc import AsyncGenerator
from contextlib import aclosing
from typing import Annotated

import strawberry

from models.enums import MessageState
from resolvers.conversation import get_conversation
from resolvers.ids import decode_id, encode_id
from resolvers.replies import (
    FinishRequest,
    OpenRequest,
    finish_reply,
    open_reply,
)
from resolvers.turns import retry_turn
from schema.context import Info
from schema.conversation import Conversation
from schema.live import closer, closing_on_failure, still_authorized
from schema.message import Message
from schema.policy.metrics import subscription_running
from schema.policy.visibility import VISITOR
from schema.recording import FunctionCallInput, UsageInput
from subscriptions.replies import Chunk
from subscriptions.replystream import reply_stream


@strawberry.input(description="A reply to open.")
class OpenReplyInput:
    conversation_id: strawberry.ID = strawberry.field(description="The conversation.")
    client_message_id: str = strawberry.field(
        description="Idempotency key, unique per conversation: a retry returns the same reply."
    )


@strawberry.type(description="The opened reply (STREAMING) and its conversation.")
class OpenReplyPayload:
    message: Message = strawberry.field(description="The reply: append to it by its `id`.")
    conversation: Conversation = strawberry.field(description="The conversation after it.")


@strawberry.input(description="Text to add to a streaming reply.")
class AppendReplyInput:
    message_id: strawberry.ID = strawberry.field(description="The reply.")
    offset: int = strawberry.field(
        description="Where the text goes, in characters (Unicode code points) from the start: "
        "the reply's length so far. Sending the same text at the same offset again changes "
        "nothing."
    )
    text: str = strawberry.field(description="The text, not empty.")


@strawberry.type(description="How long the reply is now.")
class AppendReplyPayload:
    length: int = strawberry.field(description="Characters so far: the next append's offset.")


@strawberry.input(description="How a streaming reply ends.")
class FinishReplyInput:
    message_id: strawberry.ID = strawberry.field(description="The reply.")
    content: str | None = strawberry.field(
        default=None,
        description="Its whole text, if it differs from what was appended (default: that).",
    )
    usage: UsageInput | None = strawberry.field(
        default=None, description="Its tokens and cost, as for sendMessage."
    )
    function_calls: list[FunctionCallInput] | None = strawberry.field(
        default=None, description="The functions the model called while writing it, in order."
    )
    length: int | None = strawberry.field(
        default=None,
        description="The length the last append answered: through another server process, "
        "the finish waits a moment for this one to have heard every piece (CONFLICT if it "
        "has not).",
    )


@strawberry.type(description="The reply as recorded, and its conversation after it.")
class FinishReplyPayload:
    message: Message = strawberry.field(description="The reply.")
    conversation: Conversation = strawberry.field(description="The conversation with its totals.")


@strawberry.type(description="A piece of a streamed reply, as a watcher is handed it.")
class ReplyChunk:
    message_id: strawberry.ID = strawberry.field(metadata=VISITOR, description="The reply.")
    sequence: int = strawberry.field(metadata=VISITOR, description="The reply's sequence.")
    offset: int = strawberry.field(
        metadata=VISITOR,
        description="Where `text` goes: 0 means `text` is the whole text so far (show it in "
        "place of what was shown); otherwise it continues what came before, which ended "
        "exactly there.",
    )
    text: str = strawberry.field(metadata=VISITOR, description="The text.")
    state: MessageState = strawberry.field(
        metadata=VISITOR,
        description="STREAMING while it is written; COMPLETE or INCOMPLETE in the last chunk, "
        "whose `text` is the whole final text.",
    )

    @classmethod
    def of(cls, chunk: Chunk) -> "ReplyChunk":
        return cls(
            message_id=strawberry.ID(encode_id("Message", chunk.message_id)),
            sequence=chunk.sequence,
            offset=chunk.offset,
            text=chunk.text,
            state=chunk.state,
        )


@strawberry.type
class ReplyMutations:
    @strawberry.mutation(
        description="Open a streamed reply (ASSISTANT, STREAMING): watchers see it at once and "
        "its text as it is appended. Needs a secret key with WRITE."
    )
    async def open_reply(
        self, info: Info, input: Annotated[OpenReplyInput, strawberry.argument(description="It.")]
    ) -> OpenReplyPayload:
        request = OpenRequest(
            conversation_id=decode_id(input.conversation_id, "Conversation"),
            client_message_id=input.client_message_id,
        )
        message, conversation = await open_reply(info.context.caller(), request)
        return OpenReplyPayload(
            message=Message.of(message), conversation=Conversation.of(conversation)
        )

    @strawberry.mutation(
        description="Add text to a streaming reply at `offset` (its length so far); the same "
        "text at the same offset again changes nothing. CONFLICT for an ended reply or other "
        "text at that offset. The database sees a checkpoint every few seconds, not each piece."
    )
    async def append_reply(
        self,
        info: Info,
        input: Annotated[AppendReplyInput, strawberry.argument(description="The text.")],
    ) -> AppendReplyPayload:
        caller = info.context.caller().require_writer()
        length = await info.context.live.replies.append(
            caller.workspace_id,
            decode_id(input.message_id, "Message"),
            input.offset,
            input.text,
            info.context.bounds,
        )
        return AppendReplyPayload(length=length)

    @strawberry.mutation(
        description="Finish a streaming reply (COMPLETE) with its usage: its text, exact cost, "
        "time to first token and generation time are recorded, and the conversation's totals "
        "with them. Finishing it again the same way returns it as it is."
    )
    async def finish_reply(
        self,
        info: Info,
        input: Annotated[FinishReplyInput, strawberry.argument(description="How it ends.")],
    ) -> FinishReplyPayload:
        return await _end(info, input.message_id, MessageState.COMPLETE, input)

    @strawberry.mutation(
        description="Abandon a streaming reply (INCOMPLETE, keeping the text appended so far): "
        "an engine that cannot finish it says so. Replies left streaming are abandoned after "
        "PARLEY_REPLY_TIMEOUT_SECONDS without text."
    )
    async def abandon_reply(
        self,
        info: Info,
        message_id: Annotated[strawberry.ID, strawberry.argument(description="The reply.")],
    ) -> FinishReplyPayload:
        return await _end(info, message_id, MessageState.INCOMPLETE, None)


@strawberry.type
class ReplyRetries:
    @strawberry.mutation(
        metadata=VISITOR,
        description="Ask again for a reply the built-in engine could not write (FAILED): a "
        "new reply follows, streamed as ever. The visitor's session token may, for its own "
        "conversation, as often as it may send messages.",
    )
    async def retry_reply(
        self,
        info: Info,
        message_id: Annotated[strawberry.ID, strawberry.argument(description="The reply.")],
    ) -> bool:
        caller = info.context.caller()
        await info.context.limit_widget_send(caller)
        await retry_turn(caller, decode_id(message_id, "Message"))
        return True


async def _end(
    info: Info, message_id: strawberry.ID, state: MessageState, given: FinishReplyInput | None
) -> FinishReplyPayload:
    caller = info.context.caller().require_writer()
    pk = decode_id(message_id, "Message")
    board = info.context.live.replies
    if given is not None and given.length is not None and given.content is None:
        await board.heard_up_to(caller.workspace_id, pk, given.length)
    # What this process heard of it; one that heard none finishes it with its last checkpoint.
    held = board.text_of(pk)
    text, first = held if held is not None else ("", None)
    if given is not None and given.content is not None:
        text = given.content
    request = FinishRequest(
        message_id=pk,
        text=text,
        state=state,
        usage=given.usage.to_usage() if given is not None and given.usage is not None else None,
        first_token_at=first,
        function_calls=FunctionCallInput.calls(given.function_calls if given else None),
    )
    message, conversation = await finish_reply(caller, request, info.context.bounds)
    board.ended(message)
    return FinishReplyPayload(
        message=Message.of(message), conversation=Conversation.of(conversation)
    )


@strawberry.type
class ReplySubscriptions:
    @strawberry.subscription(
        metadata=VISITOR,
        description="The conversation's streamed replies as they are written: for each reply "
        "streaming now its text so far (offset 0), then each piece as it comes, and a last "
        "chunk with the final text and state when it ends; replies opened later likewise. "
        "Completes when the conversation ends. A session token follows its own conversation.",
    )
    async def reply_chunks(
        self,
        info: Info,
        conversation_id: Annotated[
            strawberry.ID, strawberry.argument(description="The conversation.")
        ],
    ) -> AsyncGenerator[ReplyChunk, None]:
        pk = decode_id(conversation_id, "Conversation")
        caller = info.context.caller().require_conversation(pk, write=False)
        live = info.context.live
        async with closing_on_failure(info):
            await get_conversation(caller.workspace_id, pk)
            stream = reply_stream(live.feed, live.replies, caller.workspace_id, pk, closer(info))
            with subscription_running("replyChunks") as delivered:
                async with aclosing(stream):
                    async for chunk in stream:
                        if chunk.state is not MessageState.STREAMING and not (
                            await still_authorized(info)
                        ):
                            return
                        delivered()
                        yield ReplyChunk.of(chunk)
