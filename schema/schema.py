"""The assembled schema: per-domain root classes merged into one Query, Mutation and
Subscription, with its extensions, built once per process."""

from collections.abc import Iterator

import strawberry
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from resolvers.ids import decode_id
from resolvers.pagination import PageArgs
from schema.apikey import ApiKey, ApiKeyMutations, ApiKeyQueries
from schema.assistant import Assistant, AssistantMutations, AssistantQueries
from schema.conversation import (
    Conversation,
    ConversationQueries,
    count_arguments,
    list_arguments,
)
from schema.counts import CountQueries
from schema.erasure import ErasureMutations, ErasureQueries
from schema.handover import Agent, HandoverMutations, HandoverQueries
from schema.imports import ImportMutations
from schema.label import LabelMutations, LabelQueries
from schema.live import LiveSubscriptions
from schema.message import Message
from schema.node import NodeQueries
from schema.plan.compile import Readers
from schema.plan.coverage import check_coverage
from schema.plan.extension import CompiledPlans, Plans
from schema.policy.documents import DocumentChecks, DocumentLimits, DocumentPolicy
from schema.policy.errors import ErrorPolicy
from schema.policy.inputs import InputPolicy
from schema.policy.metrics import Measured
from schema.policy.replica import ReplicaReads
from schema.rating import RatingMutations
from schema.recording import RecordingMutations
from schema.replies import ReplyMutations, ReplyRetries, ReplySubscriptions
from schema.reprice import RepriceMutations
from schema.scalars import SCALAR_MAP
from schema.summary import SummaryQueries
from schema.webhook import WebhookMutations, WebhookQueries
from schema.widget import WidgetQueries


@strawberry.type(description="Reading conversation records. Needs a secret key with READ scope.")
class Query(
    NodeQueries,
    ConversationQueries,
    CountQueries,
    SummaryQueries,
    ErasureQueries,
    LabelQueries,
    WebhookQueries,
    WidgetQueries,
    AssistantQueries,
    ApiKeyQueries,
    HandoverQueries,
):
    """The SDL lists the fields in the order of the bases."""


@strawberry.type(description="Recording conversations, and managing assistants and keys.")
class Mutation(
    AssistantMutations,
    ApiKeyMutations,
    RecordingMutations,
    ReplyMutations,
    ReplyRetries,
    ImportMutations,
    RepriceMutations,
    ErasureMutations,
    RatingMutations,
    LabelMutations,
    HandoverMutations,
    WebhookMutations,
):
    """The SDL lists the fields in the order of the bases."""


@strawberry.type(description="Live views. Authenticate in connection_init: {authorization}.")
class Subscription(LiveSubscriptions, ReplySubscriptions):
    pass


class FreshLoaders(SchemaExtension):
    """Each operation starts with empty DataLoaders, also on a long-lived websocket.

    On execution, not the whole operation: a subscription's operation lasts as long as it runs,
    and each hook held open meanwhile costs its socket about 1 KB."""

    def on_execute(self) -> Iterator[None]:
        forget = getattr(self.execution_context.context, "forget_loaders", None)
        if forget is not None:
            forget()
        yield


READERS: Readers = {
    "Query.conversations": list_arguments,
    "Query.conversationCount": count_arguments,
    "Query.conversation": lambda id: decode_id(id, "Conversation"),
    "Conversation.messages": PageArgs,
    "Conversation.variables": lambda source=None: source,
    "Conversation.variable": lambda name: name,
}
"""How the compiled plans read each argument-taking field they cover: as its resolver does."""


class ParleySchema(strawberry.Schema):
    documents: DocumentPolicy
    """The limits every document is checked against, and the cache of validated ones."""
    plans: Plans
    """Compiled plans of the queries dashboards send (schema/plan)."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Unexpected errors are logged by `ErrorPolicy`; expected ones need no traceback."""


def build_schema(limits: DocumentLimits | None = None, compiled_plans: bool = True) -> ParleySchema:
    """One `DocumentPolicy` per schema: its cache and rules serve every request. With
    `compiled_plans` off, every query runs through the executor (the differential test compares
    the two)."""
    policy = DocumentPolicy(limits or DocumentLimits())
    plans = Plans(policy.cache, READERS, enabled=compiled_plans)
    schema = ParleySchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=[Conversation, Message, Assistant, ApiKey, Agent],
        config=StrawberryConfig(scalar_map=SCALAR_MAP),
        extensions=[
            lambda: DocumentChecks(policy),
            Measured,
            ErrorPolicy,
            FreshLoaders,
            InputPolicy,
            ReplicaReads,
            lambda: CompiledPlans(plans),
        ],
    )
    schema.documents = policy
    schema.plans = plans
    check_coverage(schema, READERS)  # a field no plan answers is a decision, never an accident
    return schema
