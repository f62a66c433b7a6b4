"""Root mutation fields: thin, each parses its input and calls one resolver function, which
checks the caller and runs in one transaction."""

from typing import Annotated

import strawberry

from resolvers import assistants, keys, recording
from resolvers.ids import decode_id
from schema.apikey import ApiKey
from schema.assistant import Assistant
from schema.conversation import Conversation, Info
from schema.management import (
    AssistantInput,
    AssistantPayload,
    CreateApiKeyInput,
    CreateApiKeyPayload,
)
from schema.message import Message
from schema.recording import (
    EndConversationPayload,
    SendMessageInput,
    SendMessagePayload,
    SetVariablesInput,
    SetVariablesPayload,
    StartConversationInput,
    StartConversationPayload,
)

IdArgument = Annotated[strawberry.ID, strawberry.argument(description="An opaque global ID.")]


@strawberry.type(description="Recording conversations, and managing assistants and keys.")
class Mutation:
    @strawberry.mutation(description="Create an assistant. Needs a secret key with WRITE.")
    async def create_assistant(
        self,
        info: Info,
        input: Annotated[AssistantInput, strawberry.argument(description="Its settings.")],
    ) -> AssistantPayload:
        caller = info.context.caller().require_writer()
        row = await assistants.create_assistant(
            caller.workspace_id, input.to_spec(), info.context.limits
        )
        return AssistantPayload(assistant=Assistant.of(row))

    @strawberry.mutation(description="Change an assistant. Needs a secret key with WRITE.")
    async def update_assistant(
        self,
        info: Info,
        id: IdArgument,
        input: Annotated[AssistantInput, strawberry.argument(description="Its new settings.")],
    ) -> AssistantPayload:
        caller = info.context.caller().require_writer()
        row = await assistants.update_assistant(
            caller.workspace_id, decode_id(id, "Assistant"), input.to_spec(), info.context.limits
        )
        return AssistantPayload(assistant=Assistant.of(row))

    @strawberry.mutation(
        description="Archive an assistant: it starts no more conversations and keeps its history."
    )
    async def archive_assistant(self, info: Info, id: IdArgument) -> AssistantPayload:
        caller = info.context.caller().require_writer()
        row = await assistants.archive_assistant(caller.workspace_id, decode_id(id, "Assistant"))
        return AssistantPayload(assistant=Assistant.of(row))

    @strawberry.mutation(description="Create an API key; its secret is shown this once.")
    async def create_api_key(
        self,
        info: Info,
        input: Annotated[CreateApiKeyInput, strawberry.argument(description="The key.")],
    ) -> CreateApiKeyPayload:
        caller = info.context.caller().require_writer()
        assistant_id = (
            decode_id(input.assistant_id, "Assistant") if input.assistant_id is not None else None
        )
        row, secret = await keys.issue_key(
            caller,
            input.kind,
            frozenset(input.scopes) if input.scopes is not None else None,
            assistant_id,
            input.name,
        )
        return CreateApiKeyPayload(api_key=ApiKey.of(row), secret=secret)

    @strawberry.mutation(description="Revoke an API key at once (idempotent).")
    async def revoke_api_key(self, info: Info, id: IdArgument) -> ApiKey:
        caller = info.context.caller().require_writer()
        return ApiKey.of(await keys.revoke_key(caller.workspace_id, decode_id(id, "ApiKey")))

    @strawberry.mutation(
        description="Start a conversation: widget keys for WEB_WIDGET, secret keys also for TEST. "
        "Returns the session token that continues it."
    )
    async def start_conversation(
        self,
        info: Info,
        input: Annotated[StartConversationInput, strawberry.argument(description="It.")],
    ) -> StartConversationPayload:
        caller = info.context.caller()
        info.context.limit_widget_start(caller)
        row, token = await recording.start_conversation(
            caller, input.to_request(), info.context.origin, info.context.limits
        )
        return StartConversationPayload(conversation=Conversation.of(row), session_token=token)

    @strawberry.mutation(
        description="Add a message. Retrying with the same clientMessageId returns the first "
        "result; the same id with other content is CONFLICT."
    )
    async def send_message(
        self,
        info: Info,
        input: Annotated[SendMessageInput, strawberry.argument(description="The message.")],
    ) -> SendMessagePayload:
        caller = info.context.caller()
        info.context.limit_widget_send(caller)
        message, conversation = await recording.send_message(
            caller, input.to_request(), info.context.limits
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
            info.context.limits,
        )
        return SetVariablesPayload(conversation=Conversation.of(row))

    @strawberry.mutation(description="End a conversation (idempotent).")
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
