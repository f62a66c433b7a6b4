"""The widget demo works on whatever port `parley serve` uses: `seed-demo --port PORT` (as
`PORT=9000 make run` runs it) allows the demo widget there, on a new demo and on an existing one;
elsewhere the refusal says how to allow a page."""

from pathlib import Path

import pytest

from server.commands.seed import seed_in_open_database
from tests.support.api import Api

NAME = "query { widgetAssistant { name } }"


async def name_from(api: Api, key: str, origin: str) -> tuple[list[str], str]:
    """The codes of asking for the widget's assistant from a page at `origin`, and its name or
    the refusal's message."""
    result = await api(NAME, key=key, headers={"origin": origin})
    if result.codes:
        return result.codes, result.errors[0]["message"]
    return [], result.data["widgetAssistant"]["name"]


async def test_the_demo_widget_runs_on_the_port_it_is_served_from(
    api: Api, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key_file = tmp_path / "demo-key"
    assert await seed_in_open_database(key_file, if_empty=False, port=9000) == 0
    printed = capsys.readouterr().out
    assert "curl -s http://127.0.0.1:9000/graphql" in printed
    widget_key = (tmp_path / "demo-widget-key").read_text().strip()
    for origin in ("http://127.0.0.1:9000", "http://localhost:9000", "https://acme.example"):
        assert await name_from(api, widget_key, origin) == ([], "Acme Support"), origin

    codes, message = await name_from(api, widget_key, "http://127.0.0.1:9100")
    assert codes == ["FORBIDDEN"]
    assert message.startswith("This page's origin (http://127.0.0.1:9100) may not use this")
    assert "add the origin to the assistant's allowedOrigins (updateAssistant" in message

    # `PORT=9100 make run` on the same database: the demo is kept and allowed there too.
    assert await seed_in_open_database(key_file, if_empty=True, port=9100) == 0
    printed = capsys.readouterr().out
    assert "nothing was added" in printed
    assert "may now also run on http://127.0.0.1:9100 and http://localhost:9100" in printed
    assert await name_from(api, widget_key, "http://127.0.0.1:9100") == ([], "Acme Support")
    assert await name_from(api, widget_key, "http://127.0.0.1:9000") == ([], "Acme Support")
    assert await seed_in_open_database(key_file, if_empty=True, port=9100) == 0
    assert "may now also run" not in capsys.readouterr().out
