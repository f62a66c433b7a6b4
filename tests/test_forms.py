"""Pre-chat forms: what a visitor's answers must be, checked by the server through the real
`startConversation`, and stored as PRE_CHAT_FORM variables only when every answer fits."""

from typing import Any

import pytest

from models import Variable
from models.enums import VariableType
from resolvers.errors import BadUserInput
from resolvers.forms import FieldRule, Problem, check_pre_chat, form_definition_problems
from resolvers.limits.bounds import Bounds
from tests.support import factories
from tests.support.api import Api, Result

CREATE_ASSISTANT = """
mutation($input: AssistantInput!) { createAssistant(input: $input) { assistant { id } } }
"""
START = """
mutation($input: StartConversationInput!) {
  startConversation(input: $input) { conversation { id type } sessionToken }
}
"""
CREATE_WIDGET_KEY = """
mutation($id: ID!) { createApiKey(input: {kind: PUBLISHABLE, assistantId: $id}) { secret } }
"""
VARIABLES = """
query($id: ID!) { conversation(id: $id) { variables { name value type source } } }
"""
SIZES: dict[str, Any] = {"options": ["small", "large"]}
CODE: dict[str, Any] = {"pattern": "[A-Z]{2}[0-9]{4}"}


def form_field(
    name: str, type: str = "TEXT", *, required: bool = False, **extra: Any
) -> dict[str, Any]:
    """A FormFieldInput."""
    return {"name": name, "label": name.title(), "type": type, "required": required, **extra}


async def assistant_with_form(api: Api, *fields: dict[str, Any]) -> tuple[str, str]:
    """A workspace's secret key and a new assistant with this form, saved through the API."""
    _, key = await factories.workspace()
    saved = await api(
        CREATE_ASSISTANT, {"input": {"name": "Bot", "preChatForm": list(fields)}}, key=key
    )
    return key, saved.data["createAssistant"]["assistant"]["id"]


async def start(api: Api, key: str, assistant_id: str, answers: list[tuple[str, Any]]) -> Result:
    pre_chat = [{"name": name, "value": value} for name, value in answers]
    return await api(START, {"input": {"assistantId": assistant_id, "preChat": pre_chat}}, key=key)


async def conversation_count(api: Api, key: str) -> int:
    count: int = (await api("{ conversationCount }", key=key)).data["conversationCount"]
    return count


async def stored_variables(api: Api, key: str, started: Result) -> list[dict[str, Any]]:
    conversation_id = started.data["startConversation"]["conversation"]["id"]
    result = await api(VARIABLES, {"id": conversation_id}, key=key)
    variables: list[dict[str, Any]] = result.data["conversation"]["variables"]
    return sorted(variables, key=lambda variable: variable["name"])


def problems(result: Result) -> dict[str, str]:
    """The one BAD_USER_INPUT's problems, field name → message."""
    assert result.codes == ["BAD_USER_INPUT"], result.errors
    assert result.body["data"] is None
    listed = result.errors[0]["extensions"]["fields"]
    found = {problem["field"]: problem["message"] for problem in listed}
    assert len(found) == len(listed), listed
    assert all(isinstance(message, str) and message for message in found.values())
    return found


async def assert_refused(api: Api, key: str, result: Result, fields: set[str]) -> dict[str, str]:
    """Refused with exactly these fields named, and nothing stored."""
    found = problems(result)
    assert set(found) == fields
    assert await conversation_count(api, key) == 0
    assert await Variable.all().count() == 0
    return found


GOOD_VALUES = [
    ("TEXT", {}, "Ada Lovelace"),
    ("TEXT", CODE, "AB1234"),
    ("TEXT", {"pattern": "cat|category"}, "category"),
    ("EMAIL", {}, "ada@example.com"),
    ("EMAIL", {}, "ada.lovelace+chat@mail.example.co.uk"),
    ("PHONE", {}, "+14155550123"),
    ("PHONE", {}, "+442071838750"),
    ("NUMBER", {}, 3),
    ("NUMBER", {}, 2.5),
    ("NUMBER", {}, -40),
    ("NUMBER", {}, 2**53),
    ("BOOLEAN", {}, True),
    ("BOOLEAN", {}, False),
    ("SELECT", SIZES, "large"),
    ("SELECT", {**SIZES, "pattern": "l.*"}, "large"),
    ("DATE", {}, "2026-11-25"),
    ("DATE", {}, "2028-02-29"),
]

BAD_VALUES = [
    ("TEXT", {}, 42),
    ("TEXT", {}, ["Ada"]),
    ("TEXT", CODE, "xAB1234"),
    ("TEXT", CODE, "AB12345"),
    ("TEXT", CODE, "AB1234\n"),
    ("TEXT", CODE, "ab1234"),
    ("EMAIL", {}, "ada@example"),
    ("EMAIL", {}, "ada at example.com"),
    ("EMAIL", {}, "ada@ex@ample.com"),
    ("EMAIL", {}, "@example.com"),
    ("PHONE", {}, "4155550123"),
    ("PHONE", {}, "+0123"),
    ("PHONE", {}, "+1 415 555 0123"),
    ("PHONE", {}, "+1415555012345678"),
    ("PHONE", {}, 14155550123),
    ("NUMBER", {}, "3"),
    ("NUMBER", {}, True),
    ("NUMBER", {}, {"value": 3}),
    ("NUMBER", {}, 2**53 + 1),  # no longer exact in a JavaScript reader
    ("BOOLEAN", {}, "true"),
    ("BOOLEAN", {}, 1),
    ("SELECT", SIZES, "medium"),
    ("SELECT", SIZES, "Large"),
    ("SELECT", SIZES, ["large"]),
    ("SELECT", {**SIZES, "pattern": "s.*"}, "large"),
    ("DATE", {}, "2026-13-01"),
    ("DATE", {}, "25/11/2026"),
    ("DATE", {}, "2026-02-30"),
    ("DATE", {}, "20261125"),
    ("DATE", {}, "2026-11-25T10:00:00"),
    ("DATE", {}, "2026-W48-3"),  # an ISO week date: Python's fromisoformat takes it
]


def cases(values: list[tuple[str, dict[str, Any], Any]]) -> list[Any]:
    return [pytest.param(*case, id=f"{case[0]} {case[2]!r}"[:40]) for case in values]


@pytest.mark.parametrize(("type", "extra", "value"), cases(GOOD_VALUES))
async def test_a_value_of_the_right_type_is_stored_as_a_pre_chat_variable(
    api: Api, type: str, extra: dict[str, Any], value: Any
) -> None:
    key, bot = await assistant_with_form(api, form_field("answer", type, **extra))
    started = await start(api, key, bot, [("answer", value)])
    assert await stored_variables(api, key, started) == [
        {"name": "answer", "value": value, "type": type, "source": "PRE_CHAT_FORM"}
    ]


@pytest.mark.parametrize(("type", "extra", "value"), cases(BAD_VALUES))
async def test_a_value_of_the_wrong_type_is_refused_naming_its_field(
    api: Api, type: str, extra: dict[str, Any], value: Any
) -> None:
    key, bot = await assistant_with_form(api, form_field("answer", type, **extra))
    await assert_refused(api, key, await start(api, key, bot, [("answer", value)]), {"answer"})


async def test_a_number_too_big_for_a_double_is_refused_not_a_server_error(api: Api) -> None:
    key, bot = await assistant_with_form(api, form_field("answer", "NUMBER"))
    result = await start(api, key, bot, [("answer", 10**400)])
    await assert_refused(api, key, result, {"answer"})


async def test_the_messages_say_what_is_expected(api: Api) -> None:
    key, bot = await assistant_with_form(
        api, form_field("phone", "PHONE"), form_field("size", "SELECT", **SIZES)
    )
    found = problems(await start(api, key, bot, [("phone", "4155550123"), ("size", "medium")]))
    assert "E.164" in found["phone"]
    assert "small" in found["size"]
    assert "large" in found["size"]


@pytest.mark.parametrize("answers", [[], [("email", "")]], ids=["missing", "empty"])
async def test_a_required_field_needs_an_answer(api: Api, answers: list[tuple[str, Any]]) -> None:
    key, bot = await assistant_with_form(api, form_field("email", "EMAIL", required=True))
    found = await assert_refused(api, key, await start(api, key, bot, answers), {"email"})
    assert "required" in found["email"]


async def test_false_and_zero_answer_required_fields(api: Api) -> None:
    key, bot = await assistant_with_form(
        api,
        form_field("consent", "BOOLEAN", required=True),
        form_field("age", "NUMBER", required=True),
    )
    started = await start(api, key, bot, [("consent", False), ("age", 0)])
    assert [(v["name"], v["value"]) for v in await stored_variables(api, key, started)] == [
        ("age", 0),
        ("consent", False),
    ]


async def test_optional_fields_left_empty_store_nothing(api: Api) -> None:
    key, bot = await assistant_with_form(
        api,
        form_field("name", required=True),
        form_field("company"),
        form_field("phone", "PHONE"),
    )
    started = await start(api, key, bot, [("name", "Ada"), ("company", "")])
    assert [v["name"] for v in await stored_variables(api, key, started)] == ["name"]


async def test_an_unknown_field_is_refused(api: Api) -> None:
    key, bot = await assistant_with_form(api, form_field("name"))
    result = await start(api, key, bot, [("name", "Ada"), ("coupon", "FREE")])
    await assert_refused(api, key, result, {"coupon"})


async def test_an_assistant_without_a_form_refuses_any_answer(api: Api) -> None:
    key, bot = await assistant_with_form(api)
    await assert_refused(api, key, await start(api, key, bot, [("name", "Ada")]), {"name"})


async def test_a_field_answered_twice_is_refused(api: Api) -> None:
    key, bot = await assistant_with_form(api, form_field("name"))
    result = await start(api, key, bot, [("name", "Ada"), ("name", "Grace")])
    await assert_refused(api, key, result, {"name"})


async def test_every_problem_comes_back_in_one_error(api: Api) -> None:
    key, bot = await assistant_with_form(
        api,
        form_field("name", required=True),
        form_field("email", "EMAIL", required=True),
        form_field("phone", "PHONE"),
        form_field("size", "SELECT", **SIZES),
        form_field("visit", "DATE"),
    )
    result = await start(
        api,
        key,
        bot,
        [
            ("name", "Ada"),
            ("phone", "4155550123"),
            ("size", "medium"),
            ("visit", "2026-11-25"),
            ("coupon", "FREE"),
        ],
    )
    assert len(result.errors) == 1
    await assert_refused(api, key, result, {"email", "phone", "size", "coupon"})
    message = result.errors[0]["message"]
    assert all(name in message for name in ("email", "phone", "size", "coupon"))


async def test_a_whole_form_from_the_widget_is_stored_with_the_forms_types(api: Api) -> None:
    key, bot = await assistant_with_form(
        api,
        form_field("name", required=True),
        form_field("email", "EMAIL", required=True),
        form_field("phone", "PHONE"),
        form_field("seats", "NUMBER"),
        form_field("newsletter", "BOOLEAN"),
        form_field("plan", "SELECT", options=["free", "pro"]),
        form_field("visit", "DATE"),
        form_field("order", pattern="[A-Z]{2}[0-9]{4}"),
    )
    widget_key = (await api(CREATE_WIDGET_KEY, {"id": bot}, key=key)).data["createApiKey"]["secret"]
    answers = [
        ("name", "Ada"),
        ("email", "ada@example.com"),
        ("phone", "+14155550123"),
        ("seats", 12),
        ("newsletter", True),
        ("plan", "pro"),
        ("visit", "2026-11-25"),
        ("order", "AB1234"),
    ]
    started = await start(api, widget_key, bot, answers)
    assert started.data["startConversation"]["conversation"]["type"] == "WEB_WIDGET"
    assert await stored_variables(api, key, started) == [
        {"name": "email", "value": "ada@example.com", "type": "EMAIL", "source": "PRE_CHAT_FORM"},
        {"name": "name", "value": "Ada", "type": "TEXT", "source": "PRE_CHAT_FORM"},
        {"name": "newsletter", "value": True, "type": "BOOLEAN", "source": "PRE_CHAT_FORM"},
        {"name": "order", "value": "AB1234", "type": "TEXT", "source": "PRE_CHAT_FORM"},
        {"name": "phone", "value": "+14155550123", "type": "PHONE", "source": "PRE_CHAT_FORM"},
        {"name": "plan", "value": "pro", "type": "SELECT", "source": "PRE_CHAT_FORM"},
        {"name": "seats", "value": 12, "type": "NUMBER", "source": "PRE_CHAT_FORM"},
        {"name": "visit", "value": "2026-11-25", "type": "DATE", "source": "PRE_CHAT_FORM"},
    ]
    assert await conversation_count(api, key) == 1


async def test_a_refused_widget_start_stores_nothing(api: Api) -> None:
    key, bot = await assistant_with_form(api, form_field("email", "EMAIL", required=True))
    widget_key = (await api(CREATE_WIDGET_KEY, {"id": bot}, key=key)).data["createApiKey"]["secret"]
    result = await start(api, widget_key, bot, [("email", "not an email")])
    await assert_refused(api, key, result, {"email"})


# Direct checks of resolvers/forms.py, where a limit or a return value is clearer than a request.


def test_check_pre_chat_returns_the_answers_without_the_empty_ones() -> None:
    form = [
        FieldRule("name", VariableType.TEXT, required=True),
        FieldRule("seats", VariableType.NUMBER),
        FieldRule("company", VariableType.TEXT),
    ]
    answers = check_pre_chat(form, [("name", "Ada"), ("seats", 2.5), ("company", "")], Bounds())
    assert answers == {"name": "Ada", "seats": 2.5}


def test_a_value_longer_than_the_limit_is_refused() -> None:
    bounds = Bounds(max_variable_length=12)
    form = [FieldRule("note", VariableType.TEXT)]
    assert check_pre_chat(form, [("note", "x" * 10)], bounds) == {"note": "x" * 10}
    with pytest.raises(BadUserInput) as refused:
        check_pre_chat(form, [("note", "x" * 11)], bounds)  # 13 characters as JSON
    assert refused.value.extensions["fields"][0]["field"] == "note"


def test_the_form_field_limit_is_configurable() -> None:
    fields = [form_field(f"field_{index}") for index in range(3)]
    assert form_definition_problems(fields, [], Bounds(max_form_fields=3)) == []
    assert form_definition_problems(fields, [], Bounds(max_form_fields=2)) == [
        Problem("preChatForm", "has more than 2 fields")
    ]


async def test_a_blank_answer_to_a_required_field_counts_as_missing(api: Api) -> None:
    key, bot = await assistant_with_form(api, form_field("name", "TEXT", required=True))
    result = await start(api, key, bot, [("name", "   ")])
    await assert_refused(api, key, result, {"name"})
