"""Recording conversations: the mutations that start them, add messages and variables, and end
them, with their inputs and payloads."""

from decimal import Decimal
from typing import Annotated

import strawberry

from models.enums import ConversationMode, ConversationType, MessageRole
from resolvers import recording
from resolvers.functioncalls import FunctionCall
from resolvers.ids import decode_id
from resolvers.recording import SendRequest, StartRequest
from resolvers.usage import ReplyUsage
from resolvers.visitor import Visit
from schema.context import Info
from schema.conversation import Conversation
from schema.message import Message
from schema.policy.visibility import VISITOR
from schema.scalars import JSON


@strawberry.input(description="A variable's name and value.")
class VariableInput:
    name: str = strawberry.field(description="Variable name.")
    value: JSON = strawberry.field(description="The value, of the type its definition says.")


@strawberry.input(description="The web-widget visitor.")
class VisitorInput:
    session_id: str = strawberry.field(description="The widget's session ID for this visitor.")
    page_url: str | None = strawberry.field(default=None, description="Page the widget is on.")
    user_agent: str | None = strawberry.field(default=None, description="The visitor's browser.")
    locale: str | None = strawberry.field(default=None, description="The visitor's locale.")

    def to_visit(self) -> Visit:
        return Visit(
            session_id=self.session_id,
            page_url=self.page_url,
            user_agent=self.user_agent,
            locale=self.locale,
        )


@strawberry.input(description="Tokens and cost of an assistant reply.")
class UsageInput:
    provider: str = strawberry.field(description='Provider ID as genai-prices knows it: "openai".')
    model: str = strawberry.field(description='Model name: "gpt-4o".')
    input_tokens: int = strawberry.field(description="Prompt tokens, cached ones included.")
    output_tokens: int = strawberry.field(description="Completion tokens.")
    cached_input_tokens: int | None = strawberry.field(
        default=None, description="Prompt tokens read from a cache (part of inputTokens)."
    )
    cost: Decimal | None = strawberry.field(
        default=None,
        description="What the reply cost in USD, kept as given; when absent it is computed from "
        "the model's price at the reply's time, or left unknown for an unknown model.",
    )

    def to_usage(self) -> ReplyUsage:
        return ReplyUsage(
            provider=self.provider,
            model=self.model,
            input_tokens=self.input_tokens,
            output_tokens=self.output_tokens,
            cached_input_tokens=self.cached_input_tokens or 0,
            cost=self.cost,
        )


@strawberry.input(description="A new conversation.")
class StartConversationInput:
    assistant_id: strawberry.ID = strawberry.field(description="The assistant that handles it.")
    type: ConversationType | None = strawberry.field(
        default=None,
        description="WEB_WIDGET (the only type for widget keys) or TEST (secret keys; their "
        "default).",
    )
    mode: ConversationMode | None = strawberry.field(default=None, description="Default CHAT.")
    pre_chat: list[VariableInput] | None = strawberry.field(
        default=None, description="Answers to the assistant's pre-chat form, checked on the server."
    )
    visitor: VisitorInput | None = strawberry.field(default=None, description="The visitor.")

    def to_request(self) -> StartRequest:
        return StartRequest(
            assistant_id=decode_id(self.assistant_id, "Assistant"),
            type=self.type,
            mode=self.mode,
            pre_chat=[(item.name, item.value) for item in self.pre_chat or ()],
            visitor=self.visitor.to_visit() if self.visitor is not None else None,
        )


@strawberry.type(description="The new conversation and the token to continue it.")
class StartConversationPayload:
    conversation: Conversation = strawberry.field(metadata=VISITOR, description="The conversation.")
    session_token: str = strawberry.field(
        metadata=VISITOR,
        description="Bearer token for this conversation only: send USER messages, read it, end "
        "it. Expires after PARLEY_SESSION_TTL_SECONDS.",
    )


@strawberry.input(description="A function the model called while writing a reply.")
class FunctionCallInput:
    name: str = strawberry.field(description="The function's name (1–64 characters).")
    arguments: str = strawberry.field(
        description="The arguments the model gave, as it wrote them (up to 32,000 characters)."
    )
    result: str = strawberry.field(
        description="What the model was told it answered (up to 16,000 characters)."
    )

    @staticmethod
    def calls(given: "list[FunctionCallInput] | None") -> tuple[FunctionCall, ...]:
        return tuple(FunctionCall(c.name, c.arguments, c.result) for c in given or ())


@strawberry.input(description="A message to add.")
class SendMessageInput:
    conversation_id: strawberry.ID = strawberry.field(description="The conversation.")
    client_message_id: str = strawberry.field(
        description="Idempotency key, unique per conversation: a retry returns the first result."
    )
    role: MessageRole | None = strawberry.field(
        default=None,
        description="Default USER. ASSISTANT, SYSTEM and TOOL need a secret key.",
    )
    content: str = strawberry.field(description="The text, not empty.")
    usage: UsageInput | None = strawberry.field(
        default=None, description="Tokens and cost, for ASSISTANT replies."
    )
    function_calls: list[FunctionCallInput] | None = strawberry.field(
        default=None,
        description="The functions the model called while writing an ASSISTANT reply, in order.",
    )

    def to_request(self) -> SendRequest:
        return SendRequest(
            conversation_id=decode_id(self.conversation_id, "Conversation"),
            client_message_id=self.client_message_id,
            content=self.content,
            role=self.role,
            usage=self.usage.to_usage() if self.usage is not None else None,
            function_calls=FunctionCallInput.calls(self.function_calls),
        )


@strawberry.type(description="The message and its conversation after it.")
class SendMessagePayload:
    message: Message = strawberry.field(
        metadata=VISITOR, description="The message (the first one, on a retry)."
    )
    conversation: Conversation = strawberry.field(
        metadata=VISITOR, description="The conversation with its totals."
    )


@strawberry.input(description="Extracted variables to set.")
class SetVariablesInput:
    conversation_id: strawberry.ID = strawberry.field(description="The conversation.")
    variables: list[VariableInput] = strawberry.field(
        description="Declared by the assistant; setting one again replaces its value and time."
    )


@strawberry.type(description="The conversation after the change.")
class SetVariablesPayload:
    conversation: Conversation = strawberry.field(description="The conversation.")


@strawberry.type(description="The ended conversation.")
class EndConversationPayload:
    conversation: Conversation = strawberry.field(metadata=VISITOR, description="The conversation.")


@strawberry.type
class RecordingMutations:
    @strawberry.mutation(
        metadata=VISITOR,
        description="Start a conversation: widget keys for WEB_WIDGET, secret keys also for TEST. "
        "Returns the session token that continues it.",
    )
    async def start_conversation(
        self,
        info: Info,
        input: Annotated[StartConversationInput, strawberry.argument(description="It.")],
    ) -> StartConversationPayload:
        caller = info.context.caller()
        await info.context.limit_widget_start(caller)
        row, token = await recording.start_conversation(
            caller, input.to_request(), info.context.origin, info.context.bounds
        )
        return StartConversationPayload(conversation=Conversation.of(row), session_token=token)

    @strawberry.mutation(
        metadata=VISITOR,
        description="Add a message. Retrying with the same clientMessageId returns the first "
        "result; the same id with other content is CONFLICT.",
    )
    async def send_message(
        self,
        info: Info,
        input: Annotated[SendMessageInput, strawberry.argument(description="The message.")],
    ) -> SendMessagePayload:
        caller = info.context.caller()
        await info.context.limit_widget_send(caller)
        message, conversation = await recording.send_message(
            caller, input.to_request(), info.context.bounds
        )
        return SendMessagePayload(
            message=Message.of(message), conversation=Conversation.of(conversation)
        )

    @strawberry.mutation(description="Set extracted variables. Needs a secret key with WRITE.")
    async def set_variables(
        self,
        info: Info,
        input: Annotated[SetVariablesInput, strawberry.argument(description="The variables.")],
    ) -> SetVariablesPayload:
        row = await recording.set_variables(
            info.context.caller(),
            decode_id(input.conversation_id, "Conversation"),
            [(item.name, item.value) for item in input.variables],
            info.context.bounds,
        )
        return SetVariablesPayload(conversation=Conversation.of(row))

    @strawberry.mutation(metadata=VISITOR, description="End a conversation (idempotent).")
    async def end_conversation(
        self,
        info: Info,
        conversation_id: Annotated[
            strawberry.ID, strawberry.argument(description="The conversation.")
        ],
    ) -> EndConversationPayload:
        row = await recording.end_conversation(
            info.context.caller(), decode_id(conversation_id, "Conversation")
        )
        return EndConversationPayload(conversation=Conversation.of(row))
