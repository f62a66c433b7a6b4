"""Attacks a hostile client would try, through the real app, each counted into the run's summary
line (tests/support/security/figures.py): documents past every limit, anonymous work, foreign
workspaces' records, escalations between token kinds and scopes, oversized bodies, and leaks.
Every test asserts that nothing got through."""

import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest

from models import Conversation, Message
from models.enums import ApiKeyKind, ApiKeyScope
from resolvers.apikey import create_api_key
from resolvers.ids import encode_id
from tests.support import factories
from tests.support.api import Api, Result
from tests.support.security import figures
from tests.support.security.hostile import ask

CONVERSATION = (
    "query($id: ID!) { conversation(id: $id) { id messages { edges { node { content } } } } }"
)
NODE = "query($id: ID!) { node(id: $id) { id } }"
START = """mutation($a: ID!, $t: ConversationType) { startConversation(input: {assistantId: $a,
  type: $t}) { sessionToken conversation { id } } }"""
SEND = """mutation($c: ID!, $id: String!, $role: MessageRole) { sendMessage(input: {
  conversationId: $c, clientMessageId: $id, content: "hi", role: $role}) { message { id } } }"""
LEAK_MARKERS = ("Traceback", 'File "', "asyncpg", "tortoise", "SELECT ", "INSERT ", "sqlite3")


class Seen:
    """Every answer a test got, to look for leaks in them afterwards."""

    def __init__(self) -> None:
        self.answers: list[str] = []

    def keep(self, result: Result) -> Result:
        self.answers.append(json.dumps(result.body))
        return result


@pytest.fixture
def seen() -> Seen:
    return Seen()


def _fragment_bomb(levels: int) -> str:
    fragments = ["fragment F0 on Query { __typename }"]
    for n in range(1, levels + 1):
        fragments.append(f"fragment F{n} on Query {{ ...F{n - 1} a{n}: __typename ...F{n - 1} }}")
    return f"{{ ...F{levels} }} " + " ".join(fragments)


def _documents_past_the_limits() -> list[tuple[str, str, dict[str, Any]]]:
    """(which limit, document, variables) for documents each past one limit."""
    deep = "{ conversations { edges { node { " * 4 + "id" + " } } }" * 4
    node_loop = "messages(first: 100) { edges { node { conversation { " * 3
    return [
        ("tokens", "{ " + "__typename " * 3500 + "}", {}),
        ("tokens", "{ __typename }" + "\n# x" * 4000, {}),
        ("depth", deep, {}),
        (
            "depth",
            "{ conversations { edges { node { assistant { preChatForm { name } } " + "} " * 5,
            {},
        ),
        ("aliases", "{ " + " ".join(f"a{n}: __typename" for n in range(40)) + " }", {}),
        (
            "aliases in a spread fragment",
            "{ ...A ...A ...A } fragment A on Query { "
            + " ".join(f"a{n}: __typename" for n in range(12))
            + " }",
            {},
        ),
        ("fields over fragment expansion", _fragment_bomb(24), {}),
        (
            "cost",
            "{ conversations(first: 100) { edges { node { "
            + node_loop
            + "id"
            + " } } }" * 3
            + " } } } } }",
            {},
        ),
        (
            "cost with variables",
            "query($n: Int) { conversations(first: $n) { edges { node { messages(first: $n) "
            "{ edges { node { conversation { messages(first: $n) { totalCount } } } } } } } } }",
            {"n": 100},
        ),
        (
            "several operations without operationName",
            "query A { __typename } query B { __typename }",
            {},
        ),
    ]


async def test_no_document_past_a_limit_is_run(api: Api, seen: Seen) -> None:
    _, key = await factories.workspace()
    accepted = []
    cases = _documents_past_the_limits()
    for limit, document, variables in cases:
        result = seen.keep(await api(document, variables, key=key))
        refused = result.codes and result.codes[0] in ("QUERY_TOO_COMPLEX", "BAD_USER_INPUT")
        if not refused or result.body.get("data"):
            accepted.append((limit, result.body))
    figures.tally("documents tried past each limit and accepted", len(cases), len(accepted))
    assert accepted == []


async def test_anonymous_requests_do_no_work_before_they_are_refused(
    api: Api, count_statements: Any
) -> None:
    """No key, a malformed header or a made-up key: refused before the document is parsed, with
    nothing read beyond the key lookup and nothing written."""
    workspace_id, _ = await factories.workspace()
    bot = await factories.assistant(workspace_id)
    documents = [
        "{ conversations(first: 100) { totalCount edges { node { id } } } }",
        "{ this is not graphql",
        _fragment_bomb(24),
        "mutation { createApiKey(input: {kind: SECRET}) { secret } }",
        START.replace("$a", f'"{encode_id("Assistant", bot.id)}"'),
        "{ __schema { types { name } } }",
    ]
    headers = [{}, {"authorization": "Basic x"}, {"authorization": "Bearer sk_" + "0" * 43}]
    worked = 0
    tried = 0
    before = (await Conversation.all().count(), await Message.all().count())
    for document in documents:
        for header in headers:
            tried += 1
            with count_statements() as log:
                response = await api.client.post(
                    "/graphql", json={"query": document}, headers=header
                )
            reads = [
                statement.sql
                for statement in log.statements
                if "api_key" not in statement.sql and "rate_counter" not in statement.sql
            ]
            if response.status_code not in (401, 429) or reads:
                worked += 1
    after = (await Conversation.all().count(), await Message.all().count())
    figures.tally("anonymous requests that did work before being refused", tried, worked)
    assert worked == 0
    assert after == before


async def test_no_foreign_workspace_record_is_answered(api: Api, seen: Seen) -> None:
    mine, key = await factories.workspace("Mine")
    theirs, _ = await factories.workspace("Theirs")
    their_bot = await factories.assistant(theirs, name="Theirs bot")
    their_ids = []
    for n in range(20):
        row = await factories.conversation(
            theirs, their_bot.id, messages=[factories.said(f"secret of theirs {n}", 1)]
        )
        their_ids.append(row.id)
    messages = [m.id for m in await Message.filter(conversation_id__in=their_ids)]
    forged = [encode_id("Conversation", pk) for pk in their_ids]
    forged += [encode_id("Message", pk) for pk in messages]
    forged += [encode_id("Assistant", their_bot.id)]
    answered = 0
    tried = 0
    for gid in forged:
        for query in (CONVERSATION, NODE):
            tried += 1
            result = seen.keep(await api(query, {"id": gid}, key=key))
            data = result.body.get("data") or {}
            if any(value is not None for value in data.values()):
                answered += 1
    listed = seen.keep(
        await api(
            "query($a: [ID!]) { conversations(filter: {assistantIds: $a}) { totalCount } }",
            {"a": [encode_id("Assistant", their_bot.id)]},
            key=key,
        )
    )
    tried += 1
    if (listed.body.get("data") or {}).get("conversations", {}).get("totalCount"):
        answered += 1
    everything = "\n".join(seen.answers)
    assert "secret of theirs" not in everything
    figures.tally("foreign-workspace reads answered", tried, answered)
    assert answered == 0
    assert mine != theirs


async def test_no_token_does_more_than_its_kind_and_scopes_allow(api: Api, seen: Seen) -> None:
    workspace_id, secret = await factories.workspace()
    bot = await factories.assistant(workspace_id)
    assistant = encode_id("Assistant", bot.id)
    _, widget = await create_api_key(
        workspace_id, ApiKeyKind.PUBLISHABLE, frozenset(), assistant_id=bot.id
    )
    _, reader = await create_api_key(workspace_id, ApiKeyKind.SECRET, frozenset({ApiKeyScope.READ}))
    _, writer = await create_api_key(
        workspace_id, ApiKeyKind.SECRET, frozenset({ApiKeyScope.WRITE})
    )
    mine = (await api(START, {"a": assistant}, key=widget)).data["startConversation"]
    other = (await api(START, {"a": assistant}, key=widget)).data["startConversation"]
    token, conversation = mine["sessionToken"], mine["conversation"]["id"]
    attempts: list[tuple[str, str, dict[str, Any]]] = [
        (widget, "{ conversations { totalCount } }", {}),
        (widget, "{ apiKeys { prefix } }", {}),
        (widget, "mutation { createApiKey(input: {kind: SECRET}) { secret } }", {}),
        (widget, START, {"a": assistant, "t": "TEST"}),
        (widget, SEND, {"c": conversation, "id": "w1", "role": "USER"}),
        (token, "{ conversations { totalCount } }", {}),
        (token, CONVERSATION, {"id": other["conversation"]["id"]}),
        (token, SEND, {"c": other["conversation"]["id"], "id": "s1", "role": "USER"}),
        (token, SEND, {"c": conversation, "id": "s2", "role": "ASSISTANT"}),
        (token, 'mutation { createAssistant(input: {name: "x"}) { assistant { id } } }', {}),
        (token, "mutation { createApiKey(input: {kind: PUBLISHABLE}) { secret } }", {}),
        (reader, 'mutation { createAssistant(input: {name: "x"}) { assistant { id } } }', {}),
        (reader, SEND, {"c": conversation, "id": "r1", "role": "ASSISTANT"}),
        (
            reader,
            "mutation { createApiKey(input: {kind: SECRET, scopes: [WRITE]}) { secret } }",
            {},
        ),
        (writer, "{ conversations { totalCount } }", {}),
        (writer, "mutation { createApiKey(input: {kind: SECRET, scopes: [READ]}) { secret } }", {}),
        (widget, "{ __schema { types { name } } }", {}),
        (token, '{ __type(name: "Query") { name } }', {}),
    ]
    allowed = []
    for key, document, variables in attempts:
        result = seen.keep(await api(document, variables, key=key))
        data = result.body.get("data") or {}
        if not result.codes or any(value is not None for value in data.values()):
            allowed.append((document[:60], result.body))
    figures.tally("escalations allowed", len(attempts), len(allowed))
    assert allowed == []
    assert secret


async def test_no_oversized_body_is_accepted(api: Api) -> None:
    _, key = await factories.workspace()
    auth = {"authorization": f"Bearer {key}", "content-type": "application/json"}
    padding = "x" * 300_000

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"query": "{ __typename }", "p": "'
        for _ in range(64):
            yield b"y" * 65536
        yield b'"}'

    bodies: list[Any] = [
        json.dumps({"query": "{ __typename }", "p": padding}).encode(),
        json.dumps({"query": "{ __typename " + " " * 300_000 + "}"}).encode(),
        json.dumps({"query": "{ __typename }", "variables": {"v": [padding]}}).encode(),
    ]
    accepted = 0
    for body in bodies:
        response = await api.client.post("/graphql", content=body, headers=auth)
        accepted += response.status_code != 413
    chunked = await api.client.post("/graphql", content=chunks(), headers=auth)
    accepted += chunked.status_code != 413
    figures.tally("oversized bodies accepted", len(bodies) + 1, accepted)
    assert accepted == 0


async def test_no_traceback_or_secret_reaches_an_answer_or_the_log(
    api: Api, caplog: pytest.LogCaptureFixture, seen: Seen
) -> None:
    """The attacks above once more, with the log captured: no answer names the code, the SQL
    or the driver, and no key or token appears in an answer it was not minted in, nor in the log."""
    workspace_id, secret = await factories.workspace()
    bot = await factories.assistant(workspace_id)
    _, widget = await create_api_key(
        workspace_id, ApiKeyKind.PUBLISHABLE, frozenset(), assistant_id=bot.id
    )
    with caplog.at_level(logging.INFO):
        started = await api(START, {"a": encode_id("Assistant", bot.id)}, key=widget)
        token = started.data["startConversation"]["sessionToken"]
        for _, document, variables in _documents_past_the_limits():
            seen.keep(await api(document, variables, key=secret))
        hostile = ["\u0000", "\ud800", "1e30", "9" * 400, '"; DROP TABLE message; --']
        for value in hostile:
            seen.keep(await ask(api, SEND, {"c": value, "id": value}, key=token))
            seen.keep(await ask(api, CONVERSATION, {"id": value}, key=secret))
        seen.keep(await api("{ conversations { totalCount } }", key=secret + "x"))
    answers = "\n".join(seen.answers)
    logged = caplog.text + "".join(str(record.args) for record in caplog.records)
    leaks = [marker for marker in LEAK_MARKERS if marker in answers]
    leaks += [
        name
        for name, value in (("secret", secret), ("token", token), ("widget", widget))
        if value in answers or value in logged
    ]
    figures.tally(
        "tracebacks or secrets leaked", len(seen.answers) + len(caplog.records), len(leaks)
    )
    assert leaks == []
