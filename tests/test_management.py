"""Managing assistants and API keys through the API: what each kind of key may do, and bad input
refused with its code and nothing saved."""

from typing import Any

import pytest

from models import Assistant as AssistantRow
from resolvers.ids import encode_id
from tests.support import factories
from tests.support.api import Api, Result

ASSISTANT_FIELDS = """
  id name
  preChatForm { name label type required options pattern }
  extractedVariables { name type description }
"""
CREATE_ASSISTANT = f"""
mutation($input: AssistantInput!) {{
  createAssistant(input: $input) {{ assistant {{ {ASSISTANT_FIELDS} }} }}
}}"""
UPDATE_ASSISTANT = f"""
mutation($id: ID!, $input: AssistantInput!) {{
  updateAssistant(id: $id, input: $input) {{ assistant {{ {ASSISTANT_FIELDS} }} }}
}}"""
ARCHIVE_ASSISTANT = "mutation($id: ID!) { archiveAssistant(id: $id) { assistant { id name } } }"
ASSISTANTS = f"{{ assistants {{ {ASSISTANT_FIELDS} }} }}"
KEY_FIELDS = "id kind prefix scopes name createdAt lastUsedAt revokedAt"
CREATE_KEY = f"""
mutation($input: CreateApiKeyInput!) {{
  createApiKey(input: $input) {{ apiKey {{ {KEY_FIELDS} }} secret }}
}}"""
REVOKE_KEY = f"mutation($id: ID!) {{ revokeApiKey(id: $id) {{ {KEY_FIELDS} }} }}"
API_KEYS = f"{{ apiKeys {{ {KEY_FIELDS} }} }}"
START = """
mutation($input: StartConversationInput!) {
  startConversation(input: $input) { conversation { id type } sessionToken }
}"""
READS = ["{ assistants { id } }", "{ apiKeys { prefix } }", "{ conversationCount }"]


def form_field(name: str, type: str = "TEXT", **extra: Any) -> dict[str, Any]:
    """A FormFieldInput."""
    return {"name": name, "label": name.title(), "type": type, **extra}


def form(*fields: dict[str, Any]) -> dict[str, Any]:
    return {"preChatForm": list(fields)}


def extracted(*names: str) -> dict[str, Any]:
    return {"extractedVariables": [{"name": name, "type": "TEXT"} for name in names]}


def codes_and_fields(result: Result) -> tuple[list[str], set[str]]:
    """The error codes and every field the errors name in `extensions.fields`."""
    named = set()
    for error in result.errors:
        named |= {problem["field"] for problem in error.get("extensions", {}).get("fields", [])}
    return result.codes, named


async def create_assistant(api: Api, key: str, **input: Any) -> dict[str, Any]:
    result = await api(CREATE_ASSISTANT, {"input": {"name": "Bot", **input}}, key=key)
    assistant: dict[str, Any] = result.data["createAssistant"]["assistant"]
    return assistant


async def create_key(api: Api, key: str, **input: Any) -> tuple[dict[str, Any], str]:
    """The listed key and its secret."""
    payload = (await api(CREATE_KEY, {"input": input}, key=key)).data["createApiKey"]
    return payload["apiKey"], payload["secret"]


async def widget_key(api: Api, key: str, assistant_id: str) -> str:
    return (await create_key(api, key, kind="PUBLISHABLE", assistantId=assistant_id))[1]


async def start(
    api: Api, key: str, assistant_id: str, *, origin: str | None = None, **input: Any
) -> Result:
    headers = {"origin": origin} if origin is not None else None
    return await api(
        START, {"input": {"assistantId": assistant_id, **input}}, key=key, headers=headers
    )


async def list_assistants(api: Api, key: str) -> list[dict[str, Any]]:
    assistants: list[dict[str, Any]] = (await api(ASSISTANTS, key=key)).data["assistants"]
    return assistants


async def conversation_count(api: Api, key: str) -> int:
    count: int = (await api("{ conversationCount }", key=key)).data["conversationCount"]
    return count


async def stored_origins(assistant_id: str) -> list[str]:
    rows = await AssistantRow.all()
    (row,) = [row for row in rows if encode_id("Assistant", row.id) == assistant_id]
    return row.allowed_origins


# Assistants


async def test_create_assistant_returns_and_lists_what_was_saved(api: Api) -> None:
    _, key = await factories.workspace()
    fields = [
        form_field("email", "EMAIL", required=True),
        form_field("plan", "SELECT", options=["free", "pro"]),
        form_field("order", pattern="[A-Z]{2}[0-9]{4}"),
    ]
    created = await create_assistant(
        api,
        key,
        name="  Support bot  ",
        preChatForm=fields,
        extractedVariables=[{"name": "budget", "type": "NUMBER", "description": "In USD"}],
        allowedOrigins=["https://Shop.Example", "http://LOCALHOST:3000/"],
    )
    assert created["name"] == "Support bot"
    assert created["preChatForm"] == [
        {"required": False, "options": None, "pattern": None, **field} for field in fields
    ]
    assert created["extractedVariables"] == [
        {"name": "budget", "type": "NUMBER", "description": "In USD"}
    ]
    assert await list_assistants(api, key) == [created]
    assert await stored_origins(created["id"]) == ["https://shop.example", "http://localhost:3000"]


async def test_an_assistants_allowed_origins_are_read_as_stored(api: Api) -> None:
    """What a refused widget is told to change can be read back: through `assistants` and a
    conversation's assistant, with a secret key; a visitor's token may not read it."""
    _, key = await factories.workspace()
    bot = await create_assistant(
        api, key, allowedOrigins=["https://Shop.Example", "http://LOCALHOST:3000/"]
    )
    read = "{ assistants { id allowedOrigins } }"
    origins = ["https://shop.example", "http://localhost:3000"]
    assert (await api(read, key=key)).data == {
        "assistants": [{"id": bot["id"], "allowedOrigins": origins}]
    }
    started = await start(api, await widget_key(api, key, bot["id"]), bot["id"], origin=origins[1])
    payload = started.data["startConversation"]
    through = "query($id: ID!) { conversation(id: $id) { assistant { allowedOrigins } } }"
    conversation = {"id": payload["conversation"]["id"]}
    answer = await api(through, conversation, key=key)
    assert answer.data["conversation"]["assistant"]["allowedOrigins"] == origins
    visitor = await api(
        through, conversation, key=payload["sessionToken"], headers={"origin": origins[1]}
    )
    assert visitor.codes == ["FORBIDDEN"]
    emptied = await api(
        UPDATE_ASSISTANT, {"id": bot["id"], "input": {"name": "Bot", "allowedOrigins": []}}, key=key
    )
    assert emptied.codes == []
    assert (await api(read, key=key)).data["assistants"][0]["allowedOrigins"] == []


async def test_a_form_of_exactly_the_limits_is_accepted(api: Api) -> None:
    _, key = await factories.workspace()
    created = await create_assistant(
        api,
        key,
        preChatForm=[form_field(f"field_{index}") for index in range(29)]
        + [form_field("code", pattern="a" * 200)],
    )
    assert len(created["preChatForm"]) == 30


BAD_ASSISTANTS = [
    pytest.param({"name": "   "}, {"name"}, id="blank name"),
    pytest.param(form(form_field("code", pattern="(a)\\1")), {"preChatForm.code"}, id="backref"),
    pytest.param(form(form_field("code", pattern="(")), {"preChatForm.code"}, id="unclosed group"),
    pytest.param(form(form_field("code", pattern="a" * 201)), {"preChatForm.code"}, id="long re"),
    pytest.param(
        form(form_field("age", "NUMBER", pattern="[0-9]+")), {"preChatForm.age"}, id="number re"
    ),
    pytest.param(form(form_field("size", "SELECT")), {"preChatForm.size"}, id="select no options"),
    pytest.param(
        form(form_field("size", "SELECT", options=[])), {"preChatForm.size"}, id="select []"
    ),
    pytest.param(
        form(form_field("size", "SELECT", options=["s", "s"])),
        {"preChatForm.size"},
        id="select repeated options",
    ),
    pytest.param(
        form(form_field("name", options=["a", "b"])), {"preChatForm.name"}, id="text options"
    ),
    pytest.param(
        form(form_field("email", "EMAIL"), form_field("email")),
        {"preChatForm.email"},
        id="duplicate names",
    ),
    pytest.param(form(form_field("1abc")), {"preChatForm.1abc"}, id="leading digit"),
    pytest.param(form(form_field("with space")), {"preChatForm.with space"}, id="space in name"),
    pytest.param(form({**form_field("name"), "label": ""}), {"preChatForm.name"}, id="empty label"),
    pytest.param(
        form(*(form_field(f"field_{index}") for index in range(31))),
        {"preChatForm"},
        id="31 fields",
    ),
    pytest.param(extracted("plan", "plan"), {"extractedVariables.plan"}, id="extracted twice"),
    pytest.param(extracted("a-b"), {"extractedVariables.a-b"}, id="bad extracted name"),
    pytest.param({"allowedOrigins": ["shop.example"]}, {"allowedOrigins"}, id="no scheme"),
    pytest.param({"allowedOrigins": ["https://x/path"]}, {"allowedOrigins"}, id="with path"),
    pytest.param({"allowedOrigins": ["ftp://shop.example"]}, {"allowedOrigins"}, id="ftp"),
    pytest.param(
        form(form_field("code", pattern="("), form_field("size", "SELECT")),
        {"preChatForm.code", "preChatForm.size"},
        id="several problems",
    ),
]


@pytest.mark.parametrize(("bad", "fields"), BAD_ASSISTANTS)
async def test_a_bad_assistant_is_not_created(
    api: Api, bad: dict[str, Any], fields: set[str]
) -> None:
    _, key = await factories.workspace()
    result = await api(CREATE_ASSISTANT, {"input": {"name": "Bot", **bad}}, key=key)
    assert codes_and_fields(result) == (["BAD_USER_INPUT"], fields)
    assert await list_assistants(api, key) == []
    assert await AssistantRow.all().count() == 0


@pytest.mark.parametrize(("bad", "fields"), BAD_ASSISTANTS)
async def test_a_bad_update_leaves_the_assistant_as_it_was(
    api: Api, bad: dict[str, Any], fields: set[str]
) -> None:
    _, key = await factories.workspace()
    before = await create_assistant(
        api,
        key,
        preChatForm=[form_field("email", "EMAIL", required=True)],
        extractedVariables=[{"name": "budget", "type": "NUMBER"}],
        allowedOrigins=["https://shop.example"],
    )
    result = await api(
        UPDATE_ASSISTANT, {"id": before["id"], "input": {"name": "New", **bad}}, key=key
    )
    assert codes_and_fields(result) == (["BAD_USER_INPUT"], fields)
    assert await list_assistants(api, key) == [before]
    assert await stored_origins(before["id"]) == ["https://shop.example"]


async def test_update_replaces_the_lists_it_is_given_and_keeps_the_others(api: Api) -> None:
    _, key = await factories.workspace()
    email, phone = form_field("email", "EMAIL"), form_field("phone", "PHONE")
    budget = {"name": "budget", "type": "NUMBER", "description": None}
    created = await create_assistant(
        api,
        key,
        preChatForm=[email],
        extractedVariables=[budget],
        allowedOrigins=["https://shop.example"],
    )
    bot = created["id"]

    result = await api(
        UPDATE_ASSISTANT, {"id": bot, "input": {"name": "Renamed", "preChatForm": [phone]}}, key=key
    )
    updated = result.data["updateAssistant"]["assistant"]
    assert updated["id"] == bot
    assert updated["name"] == "Renamed"
    assert [field["name"] for field in updated["preChatForm"]] == ["phone"]
    assert updated["extractedVariables"] == [budget]
    assert await stored_origins(bot) == ["https://shop.example"]

    result = await api(
        UPDATE_ASSISTANT,
        {"id": bot, "input": {"name": "Renamed", "extractedVariables": [], "allowedOrigins": []}},
        key=key,
    )
    updated = result.data["updateAssistant"]["assistant"]
    assert [field["name"] for field in updated["preChatForm"]] == ["phone"]
    assert updated["extractedVariables"] == []
    assert await stored_origins(bot) == []
    assert await list_assistants(api, key) == [updated]


async def test_archive_is_idempotent_hides_the_assistant_and_stops_new_conversations(
    api: Api,
) -> None:
    _, key = await factories.workspace()
    await create_assistant(api, key, name="Kept")
    archived = await create_assistant(api, key, name="Gone")
    widget = await widget_key(api, key, archived["id"])
    await start(api, key, archived["id"])
    for _ in range(2):
        result = await api(ARCHIVE_ASSISTANT, {"id": archived["id"]}, key=key)
        assert result.data["archiveAssistant"]["assistant"] == {
            "id": archived["id"],
            "name": "Gone",
        }
    assert [assistant["name"] for assistant in await list_assistants(api, key)] == ["Kept"]
    for caller in (key, widget):
        assert (await start(api, caller, archived["id"])).codes == ["BAD_USER_INPUT"]
    assert await conversation_count(api, key) == 1
    new_widget = await api(
        CREATE_KEY, {"input": {"kind": "PUBLISHABLE", "assistantId": archived["id"]}}, key=key
    )
    assert new_widget.codes == ["NOT_FOUND"]


@pytest.mark.parametrize(
    "mutation", [UPDATE_ASSISTANT, ARCHIVE_ASSISTANT, START], ids=["update", "archive", "start"]
)
async def test_another_workspaces_assistant_is_not_found(api: Api, mutation: str) -> None:
    _, acme_key = await factories.workspace("Acme")
    _, globex_key = await factories.workspace("Globex")
    theirs = await create_assistant(api, globex_key, name="Globex bot")
    variables = {"id": theirs["id"], "input": {"name": "Mine"}}
    if mutation == START:
        variables = {"input": {"assistantId": theirs["id"]}}
    assert (await api(mutation, variables, key=acme_key)).codes == ["NOT_FOUND"]
    assert await list_assistants(api, globex_key) == [theirs]
    assert await conversation_count(api, globex_key) == 0


# Keys


async def test_a_new_secret_key_reads_and_writes_and_is_listed_by_its_prefix_only(api: Api) -> None:
    _, key = await factories.workspace()
    listed, secret = await create_key(api, key, kind="SECRET", name="CI")
    assert listed["kind"] == "SECRET"
    assert listed["scopes"] == ["READ", "WRITE"]
    assert listed["name"] == "CI"
    assert listed["lastUsedAt"] is None
    assert listed["revokedAt"] is None
    assert secret.startswith(listed["prefix"])
    assert len(listed["prefix"]) < len(secret)

    assert await create_assistant(api, secret)
    assert await conversation_count(api, secret) == 0
    keys = (await api(API_KEYS, key=secret)).data["apiKeys"]
    assert len(keys) == 2
    (own,) = [listed_key for listed_key in keys if listed_key["id"] == listed["id"]]
    assert own["prefix"] == listed["prefix"]
    assert own["lastUsedAt"] is not None
    for value in (value for listed_key in keys for value in listed_key.values()):
        assert secret not in str(value)
        assert key not in str(value)


async def test_a_read_only_key_reads_but_cannot_write(api: Api) -> None:
    _, key = await factories.workspace()
    listed, read_only = await create_key(api, key, kind="SECRET", scopes=["READ"])
    assert listed["scopes"] == ["READ"]
    for query in READS:
        assert (await api(query, key=read_only)).codes == []
    refused = [
        await api(CREATE_ASSISTANT, {"input": {"name": "Bot"}}, key=read_only),
        await api(CREATE_KEY, {"input": {"kind": "SECRET"}}, key=read_only),
        await api(REVOKE_KEY, {"id": listed["id"]}, key=read_only),
    ]
    assert [result.codes for result in refused] == [["FORBIDDEN"]] * 3
    assert await list_assistants(api, key) == []
    assert len((await api(API_KEYS, key=key)).data["apiKeys"]) == 2


async def test_a_write_only_key_writes_but_cannot_read(api: Api) -> None:
    _, key = await factories.workspace()
    listed, write_only = await create_key(api, key, kind="SECRET", scopes=["WRITE"])
    assert listed["scopes"] == ["WRITE"]
    for query in READS:
        assert (await api(query, key=write_only)).codes == ["FORBIDDEN"]
    created = await create_assistant(api, write_only, name="Written")
    assert await list_assistants(api, key) == [created]


async def test_a_key_cannot_mint_a_key_with_more_scopes_than_it_has(api: Api) -> None:
    _, key = await factories.workspace()
    _, write_only = await create_key(api, key, kind="SECRET", scopes=["WRITE"])
    for scopes in (["READ"], ["READ", "WRITE"], None):
        payload = {"kind": "SECRET"} if scopes is None else {"kind": "SECRET", "scopes": scopes}
        refused = await api(CREATE_KEY, {"input": payload}, key=write_only)
        assert refused.codes == ["FORBIDDEN"]
    listed, _ = await create_key(api, write_only, kind="SECRET", scopes=["WRITE"])
    assert listed["scopes"] == ["WRITE"]
    assert len((await api(API_KEYS, key=key)).data["apiKeys"]) == 3


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        pytest.param("https://shop.example:443", "https://shop.example", id="default port"),
        pytest.param("http://shop.example:80/", "http://shop.example", id="default http port"),
        pytest.param("https://shop.example:8443", "https://shop.example:8443", id="other port"),
        pytest.param("https://bücher.example", "https://xn--bcher-kva.example", id="punycode"),
    ],
)
async def test_origins_are_stored_as_browsers_send_them(api: Api, given: str, stored: str) -> None:
    _, key = await factories.workspace()
    bot = await create_assistant(api, key, allowedOrigins=[given])
    assert await stored_origins(bot["id"]) == [stored]
    widget = await widget_key(api, key, bot["id"])
    assert (await start(api, widget, bot["id"], origin=stored)).codes == []


@pytest.mark.parametrize(
    "origin",
    ["https://user:pw@shop.example", "https://shop.example/?q=1", "https://shop.example/#x"],
)
async def test_origins_with_credentials_queries_or_fragments_are_refused(
    api: Api, origin: str
) -> None:
    _, key = await factories.workspace()
    result = await api(
        CREATE_ASSISTANT, {"input": {"name": "Bot", "allowedOrigins": [origin]}}, key=key
    )
    assert codes_and_fields(result) == (["BAD_USER_INPUT"], {"allowedOrigins"})


@pytest.mark.parametrize(
    ("input", "code", "field"),
    [
        pytest.param({"kind": "SECRET", "scopes": []}, "BAD_USER_INPUT", "scopes", id="no scopes"),
        pytest.param(
            {"kind": "SECRET", "assistantId": "own"}, "BAD_USER_INPUT", "assistantId", id="secret"
        ),
        pytest.param({"kind": "SECRET", "name": "x" * 201}, "BAD_USER_INPUT", "name", id="name"),
        pytest.param({"kind": "PUBLISHABLE"}, "BAD_USER_INPUT", "assistantId", id="no assistant"),
        pytest.param(
            {"kind": "PUBLISHABLE", "assistantId": "own", "scopes": ["READ"]},
            "BAD_USER_INPUT",
            "scopes",
            id="widget scopes",
        ),
        pytest.param(
            {"kind": "PUBLISHABLE", "assistantId": "theirs"}, "NOT_FOUND", None, id="foreign"
        ),
    ],
)
async def test_a_key_that_makes_no_sense_is_not_created(
    api: Api, input: dict[str, Any], code: str, field: str | None
) -> None:
    _, key = await factories.workspace("Acme")
    _, globex_key = await factories.workspace("Globex")
    ids = {
        "own": (await create_assistant(api, key))["id"],
        "theirs": (await create_assistant(api, globex_key))["id"],
    }
    if "assistantId" in input:
        input = {**input, "assistantId": ids[input["assistantId"]]}
    result = await api(CREATE_KEY, {"input": input}, key=key)
    assert codes_and_fields(result) == ([code], {field} if field else set())
    assert len((await api(API_KEYS, key=key)).data["apiKeys"]) == 1


async def test_a_widget_key_only_starts_web_widget_conversations_of_its_assistant(
    api: Api,
) -> None:
    _, key = await factories.workspace()
    own, other = await create_assistant(api, key), await create_assistant(api, key, name="Other")
    listed, widget = await create_key(api, key, kind="PUBLISHABLE", assistantId=own["id"])
    assert (listed["kind"], listed["scopes"]) == ("PUBLISHABLE", [])
    assert widget.startswith(listed["prefix"])

    for given_type in ({}, {"type": "WEB_WIDGET"}):
        started = await start(api, widget, own["id"], **given_type)
        assert started.data["startConversation"]["conversation"]["type"] == "WEB_WIDGET"
    refused = [
        await start(api, widget, other["id"]),
        await start(api, widget, own["id"], type="TEST"),
        *[await api(query, key=widget) for query in READS],
        await api(CREATE_ASSISTANT, {"input": {"name": "Bot"}}, key=widget),
        await api(CREATE_KEY, {"input": {"kind": "SECRET"}}, key=widget),
        await api(UPDATE_ASSISTANT, {"id": own["id"], "input": {"name": "Mine"}}, key=widget),
        await api(ARCHIVE_ASSISTANT, {"id": own["id"]}, key=widget),
    ]
    assert [result.codes for result in refused] == [["FORBIDDEN"]] * len(refused)
    assert await conversation_count(api, key) == 2
    assert len(await list_assistants(api, key)) == 2


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        ("https://shop.example", True),
        ("https://SHOP.example", True),
        ("https://evil.example", False),
        ("http://shop.example", False),
        ("https://shop.example.evil.example", False),
        ("https://shop.example:8443", False),
        ("null", False),
        (None, False),
    ],
)
async def test_a_widget_key_works_only_from_its_assistants_origins(
    api: Api, origin: str | None, allowed: bool
) -> None:
    _, key = await factories.workspace()
    bot = await create_assistant(api, key, allowedOrigins=["https://Shop.Example/"])
    widget = await widget_key(api, key, bot["id"])
    result = await start(api, widget, bot["id"], origin=origin)
    assert result.codes == ([] if allowed else ["FORBIDDEN"])
    assert await conversation_count(api, key) == (1 if allowed else 0)


@pytest.mark.parametrize("origin", ["https://anything.example", "http://localhost:3000", None])
async def test_without_allowed_origins_a_widget_key_works_from_anywhere(
    api: Api, origin: str | None
) -> None:
    _, key = await factories.workspace()
    bot = await create_assistant(api, key)
    widget = await widget_key(api, key, bot["id"])
    assert (await start(api, widget, bot["id"], origin=origin)).codes == []


async def test_a_secret_key_is_not_bound_by_allowed_origins(api: Api) -> None:
    _, key = await factories.workspace()
    bot = await create_assistant(api, key, allowedOrigins=["https://shop.example"])
    started = await start(api, key, bot["id"], origin="https://evil.example")
    assert started.data["startConversation"]["conversation"]["type"] == "TEST"


async def test_a_revoked_key_stops_at_once_and_revoking_again_keeps_the_time(api: Api) -> None:
    _, key = await factories.workspace()
    bot = await create_assistant(api, key)
    secret_listed, secret = await create_key(api, key, kind="SECRET")
    widget_listed, widget = await create_key(api, key, kind="PUBLISHABLE", assistantId=bot["id"])
    assert await conversation_count(api, secret) == 0

    revoked_at = {}
    for listed in (secret_listed, widget_listed):
        first = (await api(REVOKE_KEY, {"id": listed["id"]}, key=key)).data["revokeApiKey"]
        assert first["id"] == listed["id"]
        assert first["revokedAt"] is not None
        again = (await api(REVOKE_KEY, {"id": listed["id"]}, key=key)).data["revokeApiKey"]
        assert again["revokedAt"] == first["revokedAt"]
        revoked_at[listed["id"]] = first["revokedAt"]

    assert (await api("{ conversationCount }", key=secret)).codes == ["UNAUTHENTICATED"]
    assert (await start(api, widget, bot["id"])).codes == ["UNAUTHENTICATED"]
    keys = (await api(API_KEYS, key=key)).data["apiKeys"]
    assert {listed["id"]: listed["revokedAt"] for listed in keys if listed["id"] in revoked_at} == (
        revoked_at
    )
    assert [listed["revokedAt"] for listed in keys if listed["id"] not in revoked_at] == [None]
    assert await conversation_count(api, key) == 0


async def test_another_workspaces_key_cannot_be_revoked(api: Api) -> None:
    _, acme_key = await factories.workspace("Acme")
    _, globex_key = await factories.workspace("Globex")
    (theirs,) = (await api(API_KEYS, key=globex_key)).data["apiKeys"]
    result = await api(REVOKE_KEY, {"id": theirs["id"]}, key=acme_key)
    assert result.codes == ["NOT_FOUND"]
    assert await conversation_count(api, globex_key) == 0


async def test_a_session_token_cannot_manage(api: Api) -> None:
    _, key = await factories.workspace()
    bot = await create_assistant(api, key)
    started = await start(api, key, bot["id"])
    token = started.data["startConversation"]["sessionToken"]
    refused = [
        await api(CREATE_ASSISTANT, {"input": {"name": "Bot"}}, key=token),
        await api(UPDATE_ASSISTANT, {"id": bot["id"], "input": {"name": "Mine"}}, key=token),
        await api(ARCHIVE_ASSISTANT, {"id": bot["id"]}, key=token),
        await api(CREATE_KEY, {"input": {"kind": "SECRET"}}, key=token),
        await api(
            CREATE_KEY, {"input": {"kind": "PUBLISHABLE", "assistantId": bot["id"]}}, key=token
        ),
        *[await api(query, key=token) for query in READS],
    ]
    assert [result.codes for result in refused] == [["FORBIDDEN"]] * len(refused)
    assert await list_assistants(api, key) == [bot]
    assert len((await api(API_KEYS, key=key)).data["apiKeys"]) == 1
