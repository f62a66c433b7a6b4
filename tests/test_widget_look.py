"""An assistant's widget colour and language: saved checked (BAD_USER_INPUT naming the field),
kept by an update that leaves them out, cleared by null, and read by its widget with whether the
assistant answers by itself, which is all a visitor learns of its engine."""

import pytest

from models import Assistant
from models.enums import ApiKeyKind
from resolvers.apikey import create_api_key
from resolvers.assistant import language_tag
from resolvers.ids import decode_id
from tests.support import factories
from tests.support.api import Api

CREATE = """mutation($input: AssistantInput!) { createAssistant(input: $input) {
  assistant { id widgetColor language } } }"""
UPDATE = """mutation($id: ID!, $input: AssistantInput!) { updateAssistant(id: $id, input: $input) {
  assistant { widgetColor language } } }"""
FACE = "{ widgetAssistant { name widgetColor language answersAutomatically } }"


async def test_colour_and_language_are_saved_kept_cleared_and_read_by_the_widget(
    api: Api,
) -> None:
    workspace_id, secret = await factories.workspace()
    made = await api(
        CREATE, {"input": {"name": "Hilfe", "widgetColor": "#0B6E4F", "language": "de-de"}},
        key=secret,
    )  # fmt: skip
    assistant = made.data["createAssistant"]["assistant"]
    assert (assistant["widgetColor"], assistant["language"]) == ("#0b6e4f", "de-DE")
    assistant_id = assistant["id"]
    _, widget_key = await create_api_key(
        workspace_id,
        ApiKeyKind.PUBLISHABLE,
        frozenset(),
        assistant_id=decode_id(assistant_id, "Assistant"),
    )
    face = await api(FACE, key=widget_key)
    assert face.data == {
        "widgetAssistant": {
            "name": "Hilfe",
            "widgetColor": "#0b6e4f",
            "language": "de-DE",
            "answersAutomatically": False,
        }
    }
    # An update that leaves them out keeps them; null gives the widget's defaults back.
    kept = await api(UPDATE, {"id": assistant_id, "input": {"name": "Hilfe"}}, key=secret)
    assert kept.data["updateAssistant"]["assistant"] == {
        "widgetColor": "#0b6e4f",
        "language": "de-DE",
    }
    defaults = {"name": "Hilfe", "widgetColor": None, "language": None}
    cleared = await api(UPDATE, {"id": assistant_id, "input": defaults}, key=secret)
    assert cleared.data["updateAssistant"]["assistant"] == {"widgetColor": None, "language": None}
    row = await Assistant.get(id=decode_id(assistant_id, "Assistant"))
    assert (row.widget_color, row.language) == (None, None)
    # A model makes it answer by itself; the model's name stays the workspace's.
    engine = {"name": "Hilfe", "engine": {"model": "gpt-4o-mini"}}
    assert (await api(UPDATE, {"id": assistant_id, "input": engine}, key=secret)).codes == []
    assert (await api(FACE, key=widget_key)).data["widgetAssistant"]["answersAutomatically"]
    refused = await api("{ widgetAssistant { engine { model } } }", key=widget_key)
    assert (refused.status, refused.codes) == (400, ["BAD_USER_INPUT"])  # no such field


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"widgetColor": "0b6e4f"}, "widgetColor"),
        ({"widgetColor": "#0b6e4"}, "widgetColor"),
        ({"widgetColor": "#0b6e4fa"}, "widgetColor"),
        ({"widgetColor": "#0b6e4g"}, "widgetColor"),
        ({"widgetColor": "red"}, "widgetColor"),
        ({"widgetColor": "#0b6e4f\n"}, "widgetColor"),
        ({"language": ""}, "language"),
        ({"language": "english"}, "language"),
        ({"language": "de_DE"}, "language"),
        ({"language": "en-"}, "language"),
        ({"language": "en-" + "a" * 40}, "language"),
    ],
)
async def test_a_bad_colour_or_language_is_refused_naming_it(
    api: Api, given: dict[str, str], field: str
) -> None:
    _, secret = await factories.workspace()
    answer = await api(CREATE, {"input": {"name": "Bot", **given}}, key=secret)
    assert answer.codes == ["BAD_USER_INPUT"], answer
    assert [problem["field"] for problem in answer.errors[0]["extensions"]["fields"]] == [field]
    assert await Assistant.all().count() == 0


@pytest.mark.parametrize(
    ("tag", "written"),
    [
        ("de", "de"),
        ("FR-ca", "fr-CA"),
        ("zh-hant-tw", "zh-Hant-TW"),
        ("es-419", "es-419"),
        ("de-DE-1996", "de-DE-1996"),
        ("en-US-x-Twain", "en-US-x-twain"),
        ("x", None),
        ("a-b", None),
        ("12", None),
        ("en--US", None),
    ],
)
def test_language_tags_are_checked_and_written_in_their_usual_case(
    tag: str, written: str | None
) -> None:
    assert language_tag(tag) == written
