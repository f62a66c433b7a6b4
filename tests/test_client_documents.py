"""Every query the shipped clients send takes the fast path: the dashboard's and the widget's
documents, read from their own JavaScript, and the export's and webhook bodies' own, answered by a
compiled plan in at most three statements with realistic variables, and equal to the executor's
answer.

A document is either covered or named below as not yet covered, with the reason: a document added
to a client that the plans do not answer fails here until it is covered (or knowingly listed).
"""

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import REGISTRY
from starlette.applications import Starlette

from models import ApiKey, Conversation, ConversationLabel, Label, Message
from models.enums import ApiKeyKind, ConversationType, Handling
from resolvers.apikey import create_api_key
from resolvers.ids import encode_id
from resolvers.session import create_session
from server import export
from server.settings import PROJECT_ROOT
from server.webhooks import bodies
from tests.support import factories
from tests.support.api import Api

STATIC = PROJECT_ROOT / "server" / "static"
CLIENTS = (STATIC / "dashboard" / "queries.js", STATIC / "widget" / "app.js")
NOT_YET: dict[str, str] = {
    "Handling": "a visitor's conversation is its view of the row, which only the executor "
    "writes (Plan.for_visitors); the widget reads it once, when a reload continues a chat",
}
"""Query documents the plans do not answer yet, by operation name (or root field), and why."""
SESSION = {"Handling"}
"""The widget's documents sent with a conversation's session token, not its widget key."""
MAX_STATEMENTS = 3
_CONSTANT = re.compile(r"^(?:export )?const (\w+) = `(.*?)`;", re.MULTILINE | re.DOTALL)
_INTERPOLATION = re.compile(r"\$\{(\w+)\}")


def documents(path: Path) -> dict[str, str]:
    """The GraphQL documents a client module declares (template literals whose text is a
    document), with the module's own constants interpolated as the browser would."""
    constants = {name: text for name, text in _CONSTANT.findall(path.read_text())}

    def expanded(text: str) -> str:
        return _INTERPOLATION.sub(lambda match: expanded(constants[match.group(1)]), text)

    return {
        name: expanded(text)
        for name, text in constants.items()
        if text.lstrip().startswith(("query", "mutation", "subscription", "{"))
    }


def _name(document: str) -> str:
    found = re.match(r"\s*(?:query|mutation|subscription)\s+(\w+)", document)
    if found:
        return found.group(1)
    root = re.search(r"\{\s*(\w+)", document)
    assert root is not None, document
    return root.group(1)


def _answered() -> float:
    value = REGISTRY.get_sample_value("parley_compiled_plans_total", {"outcome": "answered"})
    return value or 0.0


async def _workspace() -> tuple[str, str, str, dict[str, Any]]:
    """A workspace as the dashboard shows it (labels, ratings, replies with prices and thumbs),
    its secret key, its widget key, the session token of its latest conversation and the
    variables each document is sent with."""
    workspace_id, secret = await factories.workspace()
    bot = await factories.assistant(
        workspace_id, pre_chat_form=[{"name": "email", "label": "Email", "type": "EMAIL"}]
    )
    vip = await Label.create(
        workspace_id=workspace_id, name="vip", colour="#aa0000", created_at=factories.T0
    )
    rows = []
    for index in range(30):
        rows.append(
            await factories.conversation(
                workspace_id,
                bot.id,
                minute=index,
                type=ConversationType.WEB_WIDGET if index % 3 else ConversationType.TEST,
                messages=[
                    factories.said("Where is my parcel?", index + 0.1),
                    factories.reply("It ships today.", index + 0.2),
                ],
                variables=[factories.variable("email", f"v{index}@example.com")],
            )
        )
        if index % 5 == 0:
            await ConversationLabel.create(conversation_id=rows[-1].id, label_id=vip.id)
        if index % 10 == 0:
            await Conversation.filter(id=rows[-1].id).update(
                rating=4, rating_comment="quick", rated_at=factories.T0
            )
        if index % 7 == 0:  # the Inbox's: waiting for a person since their last message
            await Conversation.filter(id=rows[-1].id).update(
                handling=Handling.WAITING, waiting_since=factories.T0
            )
    _, widget = await create_api_key(
        workspace_id, ApiKeyKind.PUBLISHABLE, frozenset(), assistant_id=bot.id
    )
    one = encode_id("Conversation", rows[-1].id)
    last = await Message.filter(conversation_id=rows[-1].id).order_by("-sequence").first()
    assert last is not None
    reply = encode_id("Message", last.id)  # a MESSAGE_ADDED delivery's message
    variables = {
        "List": {
            "filter": {"types": ["WEB_WIDGET"]},
            "orderBy": {"field": "COST", "direction": "DESC"},
            "after": None,
            "first": 25,
        },
        "Inbox": {"filter": {"handlings": ["WAITING"], "statuses": ["ACTIVE"]}, "first": 100},
        "Conversation": {"id": one, "after": None},
        "Messages": {"id": one, "after": None},
        "Usage": {  # as usageFilter (dashboard/usage.js) sends it: the chosen days
            "filter": {
                "startedAfter": "2026-10-31T23:00:00.000Z",
                "startedBefore": "2026-12-07T23:00:00.000Z",
            },
            "groupBy": "DAY",
            "timeZone": "Europe/Berlin",
        },
        "ExportPage": {"filter": {}, "after": None, "first": export.PAGE, "messages": 100},
        "ExportMessages": {"id": one, "after": None, "messages": export.MESSAGE_PAGE},
        "WebhookRecord": {"id": one, "message": reply, "withMessage": True},
        "TestFace": {"id": encode_id("Assistant", bot.id)},  # the Test Chat's chosen assistant
        "Assistant": {"id": encode_id("Assistant", bot.id)},  # the assistant's own page
        "Handling": {"id": one},  # the widget, continuing a chat after a reload
    }
    assert await ApiKey.filter(workspace_id=workspace_id).count() == 2
    session = await create_session(rows[-1].id, 3600, datetime.now(UTC))
    return secret, widget, session, variables


def _queries() -> list[Any]:
    found = []
    for path in CLIENTS:
        for constant, text in documents(path).items():
            if text.lstrip().startswith(("query", "{")):
                found.append(
                    pytest.param(path.parent.name, text, id=f"{path.parent.name}-{constant}")
                )
    found += [
        pytest.param("server", export.PAGE_QUERY, id="export-page"),
        pytest.param("server", export.MESSAGES_QUERY, id="export-messages"),
        pytest.param("server", bodies.RECORD_QUERY, id="webhook-record"),
    ]
    return found


def test_the_clients_documents_are_found_in_their_javascript() -> None:
    names = {_name(param.values[1]) for param in _queries()}
    assert {"List", "Conversation", "Messages", "SignIn", "widgetAssistant"} <= names
    assert set(NOT_YET) <= names, "a document listed as not yet covered no longer exists"


@pytest.mark.parametrize(("client", "document"), _queries())
async def test_every_query_a_client_sends_is_answered_by_a_plan(
    api: Api, app: Starlette, count_statements: Any, client: str, document: str
) -> None:
    secret, widget, session, variables = await _workspace()
    name = _name(document)
    key = secret if client != "widget" else session if name in SESSION else widget
    sent = variables.get(name, {})
    await api(document, sent, key=key)  # the key's first use is recorded once, before counting
    before = _answered()
    with count_statements() as log:
        answer = await api(document, sent, key=key)
    assert answer.errors == [], (name, answer.errors)
    planned = _answered() - before
    if name in NOT_YET:
        assert planned == 0, f"{name} is covered now: take it off NOT_YET"
        return
    assert planned == 1, f"{name} went through the executor"
    assert len(log.statements) <= MAX_STATEMENTS, [s.sql[:120] for s in log.statements]
    plans = app.state.graphql_view.schema.plans
    plans.enabled = False
    try:
        executed = await api(document, sent, key=key)
    finally:
        plans.enabled = True
    assert _without_durations(answer.body) == _without_durations(executed.body)


def _without_durations(value: Any) -> Any:
    """durationSeconds of an active conversation counts up between two reads."""
    if isinstance(value, dict):
        return {k: _without_durations(v) for k, v in value.items() if k != "durationSeconds"}
    if isinstance(value, list):
        return [_without_durations(item) for item in value]
    return value
