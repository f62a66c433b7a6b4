"""What a widget may read before a chat (`widgetAssistant`), the assistant's widget mode, and the
demo page that embeds the demo assistant's widget."""

from pathlib import Path

import pytest
from starlette.applications import Starlette

from models.enums import ApiKeyKind, ApiKeyScope
from resolvers.apikey import create_api_key
from resolvers.ids import encode_id
from server import pages
from server.commands.seed import seed_in_open_database
from tests.support import factories
from tests.support.api import Api

FORM = [
    {"name": "email", "label": "Your email", "type": "EMAIL", "required": True},
    {"name": "plan", "label": "Plan", "type": "SELECT", "options": ["Free", "Pro"]},
]
FACE = """query($id: ID) { widgetAssistant(id: $id) { id name mode
  preChatForm { name label type required options pattern } } }"""
START = """mutation($input: StartConversationInput!) {
  startConversation(input: $input) { sessionToken conversation { id mode } } }"""


async def test_a_widget_key_reads_its_own_assistants_face_and_nothing_else(api: Api) -> None:
    workspace_id, secret = await factories.workspace()
    bot = await factories.assistant(workspace_id, "Acme Support", pre_chat_form=FORM)
    other = await factories.assistant(workspace_id, "Internal bot")
    _, widget_key = await create_api_key(
        workspace_id, ApiKeyKind.PUBLISHABLE, frozenset(), assistant_id=bot.id
    )
    own, other_id = encode_id("Assistant", bot.id), encode_id("Assistant", other.id)
    face = await api(FACE, {}, key=widget_key)
    assert face.data == {
        "widgetAssistant": {
            "id": own,
            "name": "Acme Support",
            "mode": "CHAT",
            "preChatForm": [
                {"name": "email", "label": "Your email", "type": "EMAIL", "required": True,
                 "options": None, "pattern": None},
                {"name": "plan", "label": "Plan", "type": "SELECT", "required": False,
                 "options": ["Free", "Pro"], "pattern": None},
            ],
        }
    }  # fmt: skip
    assert (await api(FACE, {"id": own}, key=widget_key)).data == face.data
    assert (await api(FACE, {"id": other_id}, key=widget_key)).codes == ["NOT_FOUND"]
    # The rest of the workspace stays closed to it.
    assert (await api("{ assistants { id } }", key=widget_key)).codes == ["FORBIDDEN"]
    # A session token reads its conversation's assistant; a secret key names one.
    answers = [{"name": "email", "value": "ada@example.com"}]
    started = await api(START, {"input": {"assistantId": own, "preChat": answers}}, key=widget_key)
    token = started.data["startConversation"]["sessionToken"]
    assert (await api(FACE, {}, key=token)).data == face.data
    assert (await api(FACE, {"id": other_id}, key=secret)).data["widgetAssistant"]["name"] == (
        "Internal bot"
    )
    assert (await api(FACE, {}, key=secret)).codes == ["BAD_USER_INPUT"]
    # Another workspace's keys find nothing.
    elsewhere_id, elsewhere = await factories.workspace("Other")
    assert (await api(FACE, {"id": own}, key=elsewhere)).codes == ["NOT_FOUND"]
    _, writer_only = await create_api_key(
        workspace_id, ApiKeyKind.SECRET, frozenset({ApiKeyScope.WRITE})
    )
    assert (await api(FACE, {"id": own}, key=writer_only)).codes == ["FORBIDDEN"]
    assert elsewhere_id != workspace_id


async def test_the_widget_mode_is_set_on_the_assistant_and_recorded_on_chats(api: Api) -> None:
    _, secret = await factories.workspace()
    made = await api(
        """mutation { createAssistant(input: {name: "Voice bot", widgetMode: VOICE_AND_CHAT}) {
          assistant { id widgetMode } } }""",
        key=secret,
    )
    assistant = made.data["createAssistant"]["assistant"]
    assert assistant["widgetMode"] == "VOICE_AND_CHAT"
    face = await api(FACE, {"id": assistant["id"]}, key=secret)
    assert face.data["widgetAssistant"]["mode"] == "VOICE_AND_CHAT"
    kept = await api(
        """mutation($id: ID!) { updateAssistant(id: $id, input: {name: "Renamed"}) {
          assistant { widgetMode } } }""",
        {"id": assistant["id"]},
        key=secret,
    )
    assert kept.data == {"updateAssistant": {"assistant": {"widgetMode": "VOICE_AND_CHAT"}}}
    started = await api(
        START, {"input": {"assistantId": assistant["id"], "mode": "VOICE_AND_CHAT"}}, key=secret
    )
    assert started.data["startConversation"]["conversation"]["mode"] == "VOICE_AND_CHAT"


async def test_the_demo_page_embeds_the_demo_assistants_widget_key(
    app: Starlette, api: Api, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key_file = tmp_path / "demo-key"
    monkeypatch.setattr(pages, "DEMO_WIDGET_KEY_FILE", tmp_path / "demo-widget-key")
    missing = await api.client.get("/widget/demo")
    assert missing.status_code in (404, 503)  # no page yet, or no key yet
    assert await seed_in_open_database(key_file, if_empty=False) == 0
    widget_key = (tmp_path / "demo-widget-key").read_text().strip()
    assert widget_key.startswith("pk_")
    face = await api(FACE, {}, key=widget_key, headers={"origin": "http://127.0.0.1:8000"})
    assert face.data["widgetAssistant"]["name"] == "Acme Support"
    if (pages.STATIC / "widget" / "demo.html").is_file():
        page = await api.client.get("/widget/demo")
        assert page.status_code == 200
        assert widget_key in page.text
        assert pages.DEMO_KEY_SLOT not in page.text
        assert "script-src 'self'" in page.headers["content-security-policy"]


async def test_the_clients_files_are_served_with_the_headers_their_pages_need(api: Api) -> None:
    shared = await api.client.get("/static/lib/graphql.js")
    assert shared.status_code == 200
    assert shared.headers["content-type"].startswith("text/javascript")
    assert shared.headers["access-control-allow-origin"] == "*"  # customers' pages import it
    assert "export class Client" in shared.text
    assert shared.headers["x-content-type-options"] == "nosniff"
    dashboard = await api.client.get("/dashboard")
    if dashboard.status_code == 200:
        assert "frame-ancestors 'none'" in dashboard.headers["content-security-policy"]
        assert "access-control-allow-origin" not in dashboard.headers
    for path in (
        "/static/lib/../pages.py",
        "/static/lib/%2e%2e/pages.py",
        "/static/lib/%2e%2e%2fpages.py",
        "/dashboard/../../seed.py",
        "/static/lib/missing.js",
        "/widget/graphql.py",
    ):
        assert (await api.client.get(path)).status_code == 404, path
