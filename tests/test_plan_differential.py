"""The compiled plans and the executor give identical answers (schema/plan).

Thousands of generated queries (fields, aliases, fragments, directives, arguments as literals and
as variables, pages and cursors, filters, orderings, bad input) run twice against the same data:
once with plans on, once with every query resolved field by field. The two responses must be
equal, `data`, `errors` and `extensions` alike; only `durationSeconds` of active conversations,
which counts up to the moment it is read, may differ by the time between the two requests.
"""

import os
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from prometheus_client import REGISTRY
from starlette.applications import Starlette

from models import Agent, ApiKey, Conversation, ConversationLabel, Label, Message
from models.enums import (
    ConversationMode,
    ConversationType,
    Handling,
    Handover,
    MessageRole,
    Thumb,
    VariableSource,
    VariableType,
)
from resolvers.ids import encode_id
from resolvers.imports import MessageRecord
from resolvers.visitor import Visit
from tests.support import factories
from tests.support.api import Api
from tests.support.factories import T0

SEED = int(os.environ.get("PARLEY_DIFFERENTIAL_SEED", "20261202"))
QUERIES = int(os.environ.get("PARLEY_DIFFERENTIAL_QUERIES", "2000"))
TOPICS = ("refund", "invoice", "shipping", "password", "warranty")
KEY_FIELDS = ("id", "kind", "prefix", "scopes", "name", "assistantId", "createdAt", "lastUsedAt")


async def _data() -> tuple[str, list[str], str]:
    """A workspace with varied conversations (and a second tenant the answers must never show)."""
    workspace_id, key = await factories.workspace("Acme")
    form = [
        {"name": "email", "label": "Your email", "type": "EMAIL", "required": True},
        {"name": "plan", "type": "SELECT", "options": ["free", "pro"]},
        {"name": "code", "type": "TEXT", "pattern": "^[A-Z]{3}$"},
    ]
    extracted = [{"name": "seats", "type": "NUMBER", "description": "How many seats"}]
    bots = [
        await factories.assistant(
            workspace_id,
            "Support bot",
            pre_chat_form=form,
            extracted_variables=extracted,
            widget_color="#0b6e4f",
            language="fr-CA",
        ),
        await factories.assistant(
            workspace_id,
            "Sales bot",
            model="gpt-4o-mini",
            instructions="Be brief.",
            temperature=0.3,
            offers_handover=True,
            functions=[
                {
                    "name": "order_status",
                    "url": "https://shop.example/orders",
                    "parameters": {"type": "object", "properties": {"order": {"type": "string"}}},
                }
            ],
        ),
    ]
    other_id, _ = await factories.workspace("Other")
    other_bot = await factories.assistant(other_id, "Their bot")
    pick = random.Random(SEED)  # noqa: S311 (test data, not secrets)
    for index in range(36):
        minute = index * 7 + pick.choice((0, 0, 0.5))  # some equal start times: ties by id
        messages: list[MessageRecord] = []
        for turn in range(pick.choice((0, 1, 2, 3, 5, 8))):
            at = minute + turn + 0.25
            if turn % 2 == 0:
                topic = pick.choice(TOPICS)
                messages.append(factories.said(f"About my {topic}, please", at))
            else:
                model = pick.choice(("gpt-4o", "gpt-4o-mini", "mystery-model", "claude-3-5-haiku"))
                cost = pick.choice((None, None, "0.0125", "0.000000000001"))
                messages.append(
                    factories.reply(
                        f"Reply {turn}",
                        at,
                        model=model,
                        provider="anthropic" if model.startswith("claude") else "openai",
                        input_tokens=pick.randint(0, 900),
                        output_tokens=pick.randint(0, 400),
                        cached_input_tokens=pick.choice((0, 0, 10)),
                        cost=cost,
                    )
                )
        variables = []
        if pick.random() < 0.7:
            variables.append(factories.variable("email", f"v{index % 5}@example.com", minute=0))
        if pick.random() < 0.5:
            variables.append(
                factories.variable(
                    "email",
                    f"x{index % 3}@example.com",
                    source=VariableSource.EXTRACTED,
                    minute=pick.choice((0, 3)),
                )
            )
        if pick.random() < 0.4:
            variables.append(
                factories.variable(
                    "seats",
                    pick.choice((3, 10, 2.5)),
                    type=VariableType.NUMBER,
                    source=VariableSource.EXTRACTED,
                    minute=2,
                )
            )
        kind = pick.choice((ConversationType.TEST, ConversationType.WEB_WIDGET))
        visitor = None
        if kind is ConversationType.WEB_WIDGET and pick.random() < 0.8:
            visitor = Visit(
                session_id=f"s-{index}",
                page_url=pick.choice((None, "https://shop.example/p")),
                user_agent=pick.choice((None, "Firefox")),
                locale=pick.choice((None, "en-GB")),
            )
        await factories.conversation(
            workspace_id,
            pick.choice(bots).id,
            minute=minute,
            type=kind,
            mode=pick.choice((ConversationMode.CHAT, ConversationMode.VOICE_AND_CHAT)),
            messages=messages,
            variables=variables,
            ended_minute=minute + 30 if pick.random() < 0.6 else None,
            visitor=visitor,
        )
    await _feedback(workspace_id, pick)
    await _handovers(workspace_id, pick)
    theirs = [
        await factories.conversation(other_id, other_bot.id, minute=index) for index in range(3)
    ]
    return (
        key,
        [encode_id("Assistant", bot.id) for bot in bots],
        encode_id("Conversation", theirs[0].id),
    )


async def _handovers(workspace_id: int, pick: random.Random) -> None:
    """Who handles some conversations, and messages of agents, of handovers and with function
    calls (written as the handover and the engine write them)."""
    ada = await Agent.create(workspace_id=workspace_id, name="Ada")
    for row in await Conversation.filter(workspace_id=workspace_id).order_by("id"):
        handling = pick.choice(
            (Handling.ASSISTANT, Handling.ASSISTANT, Handling.WAITING, Handling.AGENT)
        )
        row.handling = handling
        row.assignee_id = ada.id if handling is Handling.AGENT or pick.random() < 0.2 else None
        row.waiting_since = row.started_at if handling is not Handling.ASSISTANT else None
        row.taken_over_at = row.started_at if handling is Handling.AGENT else None
        await row.save(update_fields=["handling", "assignee_id", "waiting_since", "taken_over_at"])
    for message in await Message.filter(conversation__workspace_id=workspace_id).order_by("id"):
        roll = pick.random()
        if message.role is MessageRole.USER and roll < 0.15:
            message.role, message.handover = MessageRole.HANDOVER, Handover.TAKEN_OVER
            message.agent_id, message.agent_name = ada.id, "Ada"
        elif message.role is MessageRole.ASSISTANT and roll < 0.2:
            message.role, message.agent_id, message.agent_name = MessageRole.AGENT, ada.id, "Ada"
        elif message.role is MessageRole.ASSISTANT and roll < 0.35:
            message.function_calls = '[{"name":"order_status","arguments":"{}","result":"ok"}]'
        else:
            continue
        await message.save()


async def _feedback(workspace_id: int, pick: random.Random) -> None:
    """Labels, ratings, imported IDs and thumbs on some of the workspace's conversations (names
    whose order differs between byte order and a collation: "Zebra", "apple", "Été")."""
    names = ("Zebra", "apple", "Été", "vip")
    labels = [
        await Label.create(workspace_id=workspace_id, name=name, colour="#00aa00", created_at=T0)
        for name in names
    ]
    key = await ApiKey.filter(workspace_id=workspace_id).first()  # the workspace's own
    assert key is not None
    for row in await Conversation.filter(workspace_id=workspace_id).order_by("id"):
        for label in labels:
            if pick.random() < 0.3:
                await ConversationLabel.create(conversation_id=row.id, label_id=label.id)
        if pick.random() < 0.4:
            score = pick.randint(1, 5)
            comment = pick.choice((None, "quick", "slow"))
            await Conversation.filter(id=row.id).update(
                rating=score, rating_comment=comment, rated_at=T0
            )
        if pick.random() < 0.2:
            await Conversation.filter(id=row.id).update(external_id=f"ext-{row.id}")
    for message in await Message.filter(
        conversation__workspace_id=workspace_id, role=MessageRole.ASSISTANT
    ):
        if pick.random() < 0.4:
            await Message.filter(id=message.id).update(
                thumb=pick.choice((Thumb.UP, Thumb.DOWN)),
                thumb_reason=pick.choice((None, "wrong")),
                thumbed_at=T0,
                thumbed_by_key_id=pick.choice((None, key.id)),
            )


@dataclass
class Generator:
    pick: random.Random
    assistant_ids: list[str]
    cursors: dict[str, list[str]]
    message_cursors: list[str]
    ids: list[str]
    message_ids: list[str] = field(default_factory=list)
    variables: dict[str, Any] = field(default_factory=dict)
    definitions: list[str] = field(default_factory=list)
    fragments: list[str] = field(default_factory=list)

    def argument(self, name: str, graphql_type: str, value: Any) -> str:
        """`name: literal` or `name: $variable` (the value sent with the request)."""
        if self.pick.random() < 0.5:
            variable = f"v{len(self.variables)}"
            self.variables[variable] = value
            self.definitions.append(f"${variable}: {graphql_type}")
            return f"{name}: ${variable}"
        return f"{name}: {_literal(value, graphql_type)}"

    def subset(self, choices: list[str], at_least: int = 1) -> list[str]:
        chosen = [item for item in choices if self.pick.random() < 0.5]
        while len(chosen) < at_least:
            chosen.append(self.pick.choice(choices))
        return chosen

    def alias(self, field_text: str) -> str:
        if self.pick.random() < 0.15:
            return f"a{self.pick.randint(0, 999)}: {field_text}"
        return field_text

    def wrap(self, type_name: str, selections: list[str]) -> str:
        """Selections, sometimes through an inline fragment, a named one or a directive."""
        roll = self.pick.random()
        body = " ".join(selections)
        if roll < 0.1:
            return f"... on {type_name} {{ {body} }}"
        if roll < 0.2:
            name = f"F{len(self.fragments)}"
            self.fragments.append(f"fragment {name} on {type_name} {{ {body} }}")
            return f"...{name}"
        if roll < 0.27:
            flag = self.pick.random() < 0.5
            directive = self.pick.choice(("include", "skip"))
            if self.pick.random() < 0.5:
                return f"... @{directive}(if: {str(flag).lower()}) {{ {body} }}"
            return f"... @{directive}(if: {self.argument_value('Boolean!', flag)}) {{ {body} }}"
        return body

    def argument_value(self, graphql_type: str, value: Any) -> str:
        variable = f"v{len(self.variables)}"
        self.variables[variable] = value
        self.definitions.append(f"${variable}: {graphql_type}")
        return f"${variable}"

    def usage(self) -> str:
        fields = self.subset(
            [
                "inputTokens",
                "outputTokens",
                "cachedInputTokens",
                "totalTokens",
                "cost",
                "costKnown",
                "currency",
                "__typename",
            ]
        )
        return f"usage {{ {self.wrap('Usage', fields)} }}"

    def page_info(self) -> str:
        fields = self.subset(["hasNextPage", "hasPreviousPage", "startCursor", "endCursor"])
        return f"pageInfo {{ {self.wrap('PageInfo', fields)} }}"

    def page_arguments(self, cursors: list[str]) -> list[str]:
        arguments = []
        roll = self.pick.random()
        if roll < 0.4:
            arguments.append(self.argument("first", "Int", self.pick.choice((1, 2, 3, 5, 20))))
        elif roll < 0.65:
            arguments.append(self.argument("last", "Int", self.pick.choice((1, 2, 4))))
        elif roll < 0.68:
            arguments.append(self.argument("first", "Int", self.pick.choice((0, 101, -1))))
        if cursors and self.pick.random() < 0.35:
            cursor = self.pick.choice(cursors) if self.pick.random() < 0.95 else "not-a-cursor"
            arguments.append(self.argument(self.pick.choice(("after", "before")), "String", cursor))
        return arguments

    def message(self) -> str:
        fields = self.subset(
            [
                "id",
                "sequence",
                "role",
                "content",
                "createdAt",
                "model",
                "provider",
                "handover",
                "__typename",
            ]
        )
        if self.pick.random() < 0.25:
            agent = self.subset(["id", "name", "__typename"])
            fields.append(f"agent {{ {self.wrap('MessageAgent', agent)} }}")
        if self.pick.random() < 0.2:
            called = self.subset(["name", "arguments", "result", "__typename"])
            fields.append(f"functionCalls {{ {self.wrap('FunctionCall', called)} }}")
        if self.pick.random() < 0.4:
            fields.append(self.usage())
        if self.pick.random() < 0.25:
            pricing = self.subset(
                [
                    "source",
                    "version",
                    "inputPerMillion",
                    "cachedInputPerMillion",
                    "outputPerMillion",
                    "__typename",
                ]
            )
            fields.append(f"pricing {{ {self.wrap('ReplyPricing', pricing)} }}")
        if self.pick.random() < 0.25:
            feedback = self.subset(["rating", "reason", "ratedAt", "byKeyId", "__typename"])
            fields.append(f"feedback {{ {self.wrap('MessageFeedback', feedback)} }}")
        if self.pick.random() < 0.02:
            fields.append("conversation { id }")  # not covered: the executor answers
        return self.wrap("Message", fields)

    def messages(self, alias: str | None) -> str:
        arguments = self.page_arguments(self.message_cursors)
        parts = []
        if self.pick.random() < 0.85:
            edge = self.subset(["cursor", "__typename", "node"])
            edge = [f"node {{ {self.message()} }}" if item == "node" else item for item in edge]
            parts.append(f"edges {{ {self.wrap('MessageEdge', edge)} }}")
        if self.pick.random() < 0.4:
            parts.append(self.page_info())
        if self.pick.random() < 0.4 or not parts:
            parts.append("totalCount")
        head = f"messages({', '.join(arguments)})" if arguments else "messages"
        head = f"{alias}: {head}" if alias else self.alias(head)
        return f"{head} {{ {self.wrap('MessageConnection', parts)} }}"

    def variable_fields(self) -> str:
        return self.wrap(
            "Variable",
            self.subset(
                [
                    "name",
                    "value",
                    "type",
                    "source",
                    "collectedAt",
                    "setByKeyId",
                    "messageSequence",
                    "__typename",
                ]
            ),
        )

    def feedback(self) -> list[str]:
        """A conversation's rating and labels, sometimes."""
        fields = []
        if self.pick.random() < 0.25:
            rating = self.subset(["score", "comment", "ratedAt", "__typename"])
            fields.append(f"rating {{ {self.wrap('ConversationRating', rating)} }}")
        if self.pick.random() < 0.25:
            labels = self.subset(["id", "name", "colour", "__typename"])
            fields.append(f"labels {{ {self.wrap('Label', labels)} }}")
        return fields

    def form(self) -> str:
        form = self.subset(["name", "label", "type", "required", "options", "pattern"])
        return f"preChatForm {{ {' '.join(form)} }}"

    def assistant(self) -> str:
        assistant = self.subset(
            [
                "id",
                "name",
                "createdAt",
                "widgetMode",
                "allowedOrigins",
                "widgetColor",
                "language",
                "__typename",
            ]
        )
        if self.pick.random() < 0.3:
            assistant.append(self.form())
        if self.pick.random() < 0.2:
            engine = self.subset(
                [
                    "model",
                    "provider",
                    "instructions",
                    "temperature",
                    "maxReplyTokens",
                    "firstMessage",
                    "offersHandover",
                    "__typename",
                ]
            )
            assistant.append(f"engine {{ {' '.join(engine)} }}")
        if self.pick.random() < 0.2:
            defined = self.subset(["name", "type", "description", "__typename"])
            assistant.append(f"extractedVariables {{ {' '.join(defined)} }}")
        if self.pick.random() < 0.15:
            function = self.subset(["name", "description", "parameters", "url", "__typename"])
            assistant.append(f"functions {{ {' '.join(function)} }}")
        return self.wrap("Assistant", assistant)

    def usage_summary(self) -> str:
        grouping = self.pick.choice(
            ("DAY", "WEEK", "TYPE", "STATUS", "ASSISTANT", "MODEL", "PROVIDER", "VARIABLE")
        )
        arguments = [self.argument("groupBy", "UsageGrouping!", _Enum(grouping))]
        where = self.filter()
        if grouping in ("DAY", "WEEK") and self.pick.random() < 0.7:
            where["startedAfter"] = "2026-10-01T00:00:00Z"
            where["startedBefore"] = "2026-12-31T00:00:00Z"
        if where:
            arguments.append(self.argument("filter", "ConversationFilter", where))
        if self.pick.random() < 0.5:
            zone = self.pick.choice(("Europe/Berlin", "UTC", "Nowhere/Else"))
            arguments.append(self.argument("timeZone", "String", zone))
        if grouping == "VARIABLE" or self.pick.random() < 0.1:
            arguments.append(self.argument("variable", "String", "email"))
        bucket = self.subset(
            [
                "start",
                "end",
                "type",
                "status",
                "assistantId",
                "provider",
                "model",
                "value",
                "conversations",
                "messages",
                "replies",
                "inputTokens",
                "outputTokens",
                "cachedInputTokens",
                "cost",
                "costKnown",
                "averageMessages",
                "averageCost",
                "averageDurationSeconds",
                "takenOver",
                "averageWaitSeconds",
                "averageFirstAgentReplySeconds",
                "ratedConversations",
                "averageRating",
                "ratingCounts",
                "__typename",
            ]
        )
        if self.pick.random() < 0.3:
            bucket.append(f"assistant {{ {self.assistant()} }}")
        summary = self.subset(["groupBy", "timeZone", "__typename"], at_least=0)
        summary.append(f"buckets {{ {self.wrap('UsageBucket', bucket)} }}")
        head = f"usageSummary({', '.join(arguments)})"
        return f"{self.alias(head)} {{ {' '.join(summary)} }}"

    def other_roots(self) -> list[str]:
        """The roots answered by a read of their own (schema/reads.py `root`)."""
        roots = []
        if self.pick.random() < 0.1:
            roots.append(f"{self.alias('assistants')} {{ {self.assistant()} }}")
        if self.pick.random() < 0.1:
            key = self.subset([*KEY_FIELDS, "revokedAt", "__typename"])
            roots.append(f"{self.alias('apiKeys')} {{ {self.wrap('ApiKey', key)} }}")
        if self.pick.random() < 0.1:
            label = self.subset(["id", "name", "colour", "__typename"])
            roots.append(f"{self.alias('labels')} {{ {' '.join(label)} }}")
        if self.pick.random() < 0.1:
            where = self.filter()
            head = "variableNames"
            if where:
                head += f"({self.argument('filter', 'ConversationFilter', where)})"
            roots.append(self.alias(head))
        if self.pick.random() < 0.1:
            target = self.pick.choice([*self.assistant_ids, "bm90IGFuIGlk"])
            head = f"widgetAssistant({self.argument('id', 'ID', target)})"
            face = self.subset(
                [
                    "id",
                    "name",
                    "mode",
                    "widgetColor",
                    "language",
                    "answersAutomatically",
                    "__typename",
                ]
            )
            if self.pick.random() < 0.5:
                face.append(self.form())
            roots.append(f"{self.alias(head)} {{ {self.wrap('WidgetAssistant', face)} }}")
        if self.pick.random() < 0.1:
            roots.append(self.usage_summary())
        if self.pick.random() < 0.1:
            target = self.pick.choice([*self.message_ids, *self.ids, *self.assistant_ids])
            head = f"node({self.argument('id', 'ID!', target)})"
            kinds = self.subset(["message", "conversation", "assistant", "typename"])
            parts = {
                "message": f"... on Message {{ {self.message()} }}",
                "conversation": "... on Conversation { id type status startedAt endedAt }",
                "assistant": f"... on Assistant {{ {self.assistant()} }}",
                "typename": "__typename ... on Node { id }",
            }
            roots.append(f"{self.alias(head)} {{ {' '.join(parts[kind] for kind in kinds)} }}")
        return roots

    def conversation(self) -> str:
        fields = self.subset(
            [
                "id",
                "type",
                "mode",
                "status",
                "startedAt",
                "lastActivityAt",
                "endedAt",
                "durationSeconds",
                "messageCount",
                "externalId",
                "handling",
                "assigneeId",
                "waitingSince",
                "takenOverAt",
                "__typename",
            ]
        )
        if self.pick.random() < 0.4:
            fields.append(self.usage())
        fields += self.feedback()
        if self.pick.random() < 0.3:
            visitor = self.subset(["sessionId", "pageUrl", "userAgent", "locale", "__typename"])
            fields.append(f"visitor {{ {' '.join(visitor)} }}")
        if self.pick.random() < 0.4:
            fields.append(f"assistant {{ {self.assistant()} }}")
        for number in range(self.pick.choice((0, 0, 1, 1, 2))):
            fields.append(self.messages(f"m{number}" if number else None))
        if self.pick.random() < 0.35:
            source = self.pick.choice((None, "PRE_CHAT_FORM", "EXTRACTED"))
            head = "variables"
            if source is not None:
                head = f"variables({self.argument('source', 'VariableSource', _Enum(source))})"
            fields.append(f"{self.alias(head)} {{ {self.variable_fields()} }}")
        if self.pick.random() < 0.25:
            name = self.pick.choice(("email", "seats", "missing"))
            head = f"variable({self.argument('name', 'String!', name)})"
            fields.append(f"{self.alias(head)} {{ {self.variable_fields()} }}")
        if self.pick.random() < 0.25:
            model_usage = self.subset(["provider", "model", "replies", "__typename"])
            if self.pick.random() < 0.5:
                model_usage.append(self.usage())
            fields.append(f"usageByModel {{ {' '.join(model_usage)} }}")
        self.pick.shuffle(fields)
        return self.wrap("Conversation", fields)

    def filter(self) -> dict[str, Any]:
        where: dict[str, Any] = {}
        if self.pick.random() < 0.35:
            where["types"] = [_Enum(v) for v in self.subset(["TEST", "WEB_WIDGET"], 0)]
        if self.pick.random() < 0.3:
            where["statuses"] = [_Enum(v) for v in self.subset(["ACTIVE", "ENDED"], 0)]
        if self.pick.random() < 0.2:
            where["assistantIds"] = self.subset(self.assistant_ids)
        if self.pick.random() < 0.15:
            where["startedAfter"] = "2026-11-01T10:00:00Z"
        if self.pick.random() < 0.1:
            where["startedBefore"] = "2026-11-01T12:30:00+01:00"
        if self.pick.random() < 0.15:
            where["search"] = self.pick.choice((*TOPICS, "my refund", "   "))
        if self.pick.random() < 0.12:
            condition: dict[str, Any] = {"name": self.pick.choice(("email", "seats"))}
            roll = self.pick.random()
            if roll < 0.5:
                condition["equals"] = self.pick.choice(("v1@example.com", 3, 2.5, 10))
            elif roll < 0.8:
                condition["exists"] = self.pick.random() < 0.5
            where["variables"] = [condition]
        if self.pick.random() < 0.1:
            where["minCost"] = self.pick.choice(("0.0125", "0", "0.000000000001"))
        if self.pick.random() < 0.05:
            where["maxCost"] = self.pick.choice(("0.02", "1e-3"))
        return where

    def conversations(self) -> str:
        arguments = []
        where = self.filter()
        if where:
            arguments.append(self.argument("filter", "ConversationFilter", where))
        order = None
        if self.pick.random() < 0.45:
            order = (
                self.pick.choice(("STARTED_AT", "LAST_ACTIVITY_AT", "COST", "MESSAGE_COUNT")),
                self.pick.choice(("ASC", "DESC")),
            )
            value = {"field": _Enum(order[0]), "direction": _Enum(order[1])}
            arguments.append(self.argument("orderBy", "ConversationOrder", value))
        kind = f"c:{order[0] if order else 'STARTED_AT'}:{(order[1] if order else 'DESC').lower()}"
        arguments += self.page_arguments(
            self.cursors.get(kind, [])
            if self.pick.random() < 0.9
            else self.cursors.get("c:COST:asc", [])
        )
        parts = []
        if self.pick.random() < 0.9:
            edge = self.subset(["cursor", "__typename", "node"])
            edge = [
                f"node {{ {self.conversation()} }}" if item == "node" else item for item in edge
            ]
            parts.append(f"edges {{ {self.wrap('ConversationEdge', edge)} }}")
        if self.pick.random() < 0.4:
            parts.append(self.page_info())
        if self.pick.random() < 0.5 or not parts:
            parts.append("totalCount")
        if self.pick.random() < 0.3:
            parts.append("eventCursor")
        if self.pick.random() < 0.1:
            parts.append("__typename")
        head = f"conversations({', '.join(arguments)})" if arguments else "conversations"
        return f"{self.alias(head)} {{ {self.wrap('ConversationConnection', parts)} }}"

    def query(self) -> tuple[str, dict[str, Any]]:
        roots = [self.conversations()]
        if self.pick.random() < 0.2:
            where = self.filter()
            head = "conversationCount"
            if where:
                head += f"({self.argument('filter', 'ConversationFilter', where)})"
            roots.append(f"count: {head}")
        if self.pick.random() < 0.25:
            target = self.pick.choice(self.ids)
            roots.append(
                f"one: conversation({self.argument('id', 'ID!', target)}) "
                f"{{ {self.conversation()} }}"
            )
        if self.pick.random() < 0.1:
            roots.append("__typename")
        roots += self.other_roots()
        if self.pick.random() < 0.05:
            roots.append("conversationCounts { total }")  # not covered
        if len(roots) > 1 or self.pick.random() < 0.1:
            roots[0] = f"list: {roots[0]}" if not roots[0].startswith("a") else roots[0]
        definitions = f"({', '.join(self.definitions)})" if self.definitions else ""
        text = f"query Q{definitions} {{ {' '.join(roots)} }} {' '.join(self.fragments)}"
        return text, _variables(self.variables)


@dataclass(frozen=True)
class _Enum:
    """An enum value: bare in a literal, a string in variables."""

    name: str


def _literal(value: Any, graphql_type: str) -> str:
    if isinstance(value, _Enum):
        return value.name
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_literal(item, graphql_type) for item in value) + "]"
    if isinstance(value, dict):
        items = ", ".join(f"{key}: {_literal(item, graphql_type)}" for key, item in value.items())
        return "{" + items + "}"
    raise TypeError(value)


def _variables(value: Any) -> Any:
    if isinstance(value, _Enum):
        return value.name
    if isinstance(value, list):
        return [_variables(item) for item in value]
    if isinstance(value, dict):
        return {key: _variables(item) for key, item in value.items()}
    return value


def _settled(planned: Any, executed: Any) -> tuple[Any, Any]:
    """The two answers as they can be compared. When an error nulls the whole `data` (a failed
    non-null root), graphql-core answers with that error at once and reports the errors of the
    other root fields only if they finished first: which of them it lists is a race within the
    executor itself (both answers then come from it; a plan never answers a failing request).
    Such answers must agree on `data` and on every error both list, and each must list one."""
    if planned.get("data") is None and executed.get("data") is None:
        left, right = planned.get("errors") or [], executed.get("errors") or []
        assert left, planned
        assert right, executed
        shared = [error for error in left if error in right]
        assert shared, (left, right)
        return {**planned, "errors": shared}, {**executed, "errors": shared}
    return planned, executed


def _same(left: Any, right: Any, path: str = "") -> Iterator[str]:
    """Where two answers differ; floats (durationSeconds) may differ by a few seconds."""
    if isinstance(left, dict) and isinstance(right, dict):
        if list(left) != list(right):
            yield f"{path}: keys {list(left)} != {list(right)}"
            return
        for key in left:
            yield from _same(left[key], right[key], f"{path}.{key}")
    elif isinstance(left, list) and isinstance(right, list):
        if len(left) != len(right):
            yield f"{path}: {len(left)} items != {len(right)}"
            return
        for index, (a, b) in enumerate(zip(left, right, strict=True)):
            yield from _same(a, b, f"{path}[{index}]")
    elif isinstance(left, float) and isinstance(right, float):
        if abs(left - right) > 5:
            yield f"{path}: {left} != {right}"
    elif left != right or type(left) is not type(right):
        yield f"{path}: {left!r} != {right!r}"


def _planned(outcome: str) -> float:
    return REGISTRY.get_sample_value("parley_compiled_plans_total", {"outcome": outcome}) or 0.0


async def _cursors(api: Api, key: str) -> tuple[dict[str, list[str]], list[str]]:
    found: dict[str, list[str]] = {}
    for field_name in ("STARTED_AT", "LAST_ACTIVITY_AT", "COST", "MESSAGE_COUNT"):
        for direction in ("ASC", "DESC"):
            result = await api(
                "query($o: ConversationOrder) { conversations(first: 100, orderBy: $o) "
                "{ edges { cursor } } }",
                {"o": {"field": field_name, "direction": direction}},
                key=key,
            )
            edges = result.data["conversations"]["edges"]
            found[f"c:{field_name}:{direction.lower()}"] = [edge["cursor"] for edge in edges]
    result = await api(
        "{ conversations(first: 100) { edges { node { messages(first: 9) "
        "{ edges { cursor } } } } } }",
        key=key,
    )
    messages = {
        edge["cursor"]
        for conversation in result.data["conversations"]["edges"]
        for edge in conversation["node"]["messages"]["edges"]
    }
    return found, sorted(messages)


async def _message_ids(api: Api, key: str) -> list[str]:
    result = await api(
        "{ conversations(first: 20) { edges { node { messages(first: 5) "
        "{ edges { node { id } } } } } } }",
        key=key,
    )
    return [
        edge["node"]["id"]
        for conversation in result.data["conversations"]["edges"]
        for edge in conversation["node"]["messages"]["edges"]
    ]


async def _ids(api: Api, key: str, other: str) -> list[str]:
    """Conversations of the workspace, one of another (NOT_FOUND) and one that is no ID."""
    result = await api("{ conversations(first: 100) { edges { node { id } } } }", key=key)
    ids = [edge["node"]["id"] for edge in result.data["conversations"]["edges"]]
    return [*ids, other, "not-an-id"]


async def _both(
    app: Starlette, api: Api, key: str, query: str, variables: dict[str, Any]
) -> tuple[Any, Any]:
    plans = app.state.graphql_view.schema.plans
    plans.enabled = True
    planned = (await api(query, variables, key=key)).body
    plans.enabled = False
    try:
        executed = (await api(query, variables, key=key)).body
    finally:
        plans.enabled = True
    return planned, executed


async def test_generated_queries_answer_the_same_with_and_without_plans(
    app: Starlette, api: Api
) -> None:
    key, assistant_ids, theirs = await _data()
    cursors, message_cursors = await _cursors(api, key)
    ids = await _ids(api, key, theirs)
    message_ids = await _message_ids(api, key)
    pick = random.Random(SEED)  # noqa: S311 (test data, not secrets)
    answered_before, fallbacks_before = _planned("answered"), _planned("gave_way")
    errors = 0
    for number in range(QUERIES):
        if number % 40 == 0:
            await app.state.rate_limits.reset()  # thousands of queries spend many cost points
        generator = Generator(pick, assistant_ids, cursors, message_cursors, ids, message_ids)
        query, variables = generator.query()
        planned, executed = await _both(app, api, key, query, variables)
        differences = list(_same(*_settled(planned, executed)))
        assert not differences, (
            f"query {number} (seed {SEED}) differs:\n{query}\n{variables}\n"
            + "\n".join(differences[:10])
        )
        errors += "errors" in executed
    answered = _planned("answered") - answered_before
    # Most generated queries are covered and valid: the plans really answered them...
    assert answered >= QUERIES * 0.6, (answered, QUERIES)
    # ...and the generator also reached the executor's errors, which plans leave to it.
    assert errors >= QUERIES * 0.03, errors
    assert _planned("gave_way") - fallbacks_before >= 1
