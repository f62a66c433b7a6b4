"""The `parley` commands: run as real processes where they stand alone, in-process for seeding.

The seeding tests call `seed_in_open_database`, the command minus opening the database, because
the `app` fixture already holds the ORM initialised for this process.
"""

import asyncio
import os
import re
import stat
import sys
import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from models import Assistant, Workspace
from server.commands.seed import DEMO_WORKSPACE, seed_in_open_database
from server.settings import PROJECT_ROOT, Settings
from server.settings_concerns import DatabaseSettings
from tests.support import factories
from tests.support.api import Api
from tests.support.waiting import bounded


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


async def parley(settings: Settings, *args: str) -> Run:
    """`parley ARGS` in a child process on the test database, without blocking the event loop."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "server.cli",
        *args,
        cwd=PROJECT_ROOT,
        env={**os.environ, "DATABASE_URL": settings.database.url},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    async with bounded(60, f"parley {' '.join(args)} to finish"):
        out, err = await process.communicate()
    assert process.returncode is not None
    return Run(process.returncode, out.decode(), err.decode())


async def test_create_workspace_prints_a_working_key_alone_on_its_last_line(
    settings: Settings, api: Api
) -> None:
    run = await parley(settings, "create-workspace", "Acme")
    assert run.code == 0, run.err
    lines = run.out.splitlines()
    key = lines[-1]
    assert len(lines) >= 2
    assert "Acme" in lines[-2]
    assert re.fullmatch(r"sk_[A-Za-z0-9_-]{40,}", key)
    keys = (await api("{ apiKeys { prefix } }", key=key)).data["apiKeys"]
    assert len(keys) == 1
    assert key.startswith(keys[0]["prefix"])


async def test_migrate_is_idempotent(settings: Settings) -> None:
    for _ in range(2):
        run = await parley(settings, "migrate")
        assert run.code == 0, run.err
        assert "up to date" in run.out


DEMO_QUERY = """{
  conversations(first: 100) { totalCount edges { node {
    type mode status startedAt endedAt lastActivityAt messageCount
    visitor { sessionId pageUrl userAgent locale }
    usage { inputTokens outputTokens cost costKnown currency }
    variables { name source value }
    messages(first: 100) { edges { node { sequence role content usage { cost } } } }
  } } }
  assistants { name preChatForm { name type required options } extractedVariables { name type } }
}"""


async def seed_and_read(key_file: Path, capsys: pytest.CaptureFixture[str]) -> tuple[str, str]:
    """Seeds the demo; returns the printed key and the whole output."""
    assert await seed_in_open_database(key_file, if_empty=False) == 0
    out = capsys.readouterr().out
    keys = [line for line in out.splitlines() if line.startswith("sk_")]
    assert len(keys) == 1, out
    return keys[0], out


async def test_seed_demo_writes_a_month_of_both_kinds_of_conversation(
    api: Api, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key_file = tmp_path / "var" / "demo-key"
    key, out = await seed_and_read(key_file, capsys)
    now = datetime.now(UTC)

    assert key_file.read_text().strip() == key
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert f"curl -s http://127.0.0.1:8000/graphql -H 'Authorization: Bearer {key}'" in out

    data = (await api(DEMO_QUERY, key=key)).data
    assert 40 <= data["conversations"]["totalCount"] <= 60
    nodes = [edge["node"] for edge in data["conversations"]["edges"]]
    assert len(nodes) == data["conversations"]["totalCount"]
    assert {node["type"] for node in nodes} == {"TEST", "WEB_WIDGET"}
    assert {node["status"] for node in nodes} == {"ACTIVE", "ENDED"}
    assert {node["mode"] for node in nodes} == {"CHAT", "VOICE_AND_CHAT"}
    for node in nodes:
        started = datetime.fromisoformat(node["startedAt"])
        assert now - timedelta(days=30) <= started <= now
        assert datetime.fromisoformat(node["lastActivityAt"]) <= now
        assert (node["endedAt"] is None) == (node["status"] == "ACTIVE")
        assert (node["visitor"] is None) == (node["type"] == "TEST")
        messages = [edge["node"] for edge in node["messages"]["edges"]]
        assert len(messages) == node["messageCount"] >= 2
        assert [m["role"] for m in messages[:2]] == ["USER", "ASSISTANT"]
        assert all(m["content"] for m in messages)
        assert re.fullmatch(r"\d+(\.\d+)?", node["usage"]["cost"])
        assert node["usage"]["currency"] == "USD"
        assert node["usage"]["inputTokens"] > 0
        sources = {(v["source"], v["name"]) for v in node["variables"]}
        assert ("EXTRACTED", "intent") in sources
        assert (("PRE_CHAT_FORM", "email") in sources) == (node["type"] == "WEB_WIDGET")
    assert any(not node["usage"]["costKnown"] for node in nodes)
    assert sum(Decimal(node["usage"]["cost"]) for node in nodes) > 0

    (assistant,) = data["assistants"]
    form = {field["name"]: field for field in assistant["preChatForm"]}
    assert {name: (f["type"], f["required"]) for name, f in form.items()} == {
        "name": ("TEXT", True),
        "email": ("EMAIL", True),
        "plan": ("SELECT", False),
    }
    assert form["plan"]["options"] == ["Free", "Pro", "Business"]
    assert {"name": "satisfied", "type": "BOOLEAN"} in assistant["extractedVariables"]


async def test_seed_demo_if_empty_adds_nothing_once_the_demo_exists(
    api: Api, settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key_file = tmp_path / "demo-key"
    key, _ = await seed_and_read(key_file, capsys)
    count_query = "{ conversationCount }"
    before = (await api(count_query, key=key)).data["conversationCount"]

    assert await seed_in_open_database(key_file, if_empty=True) == 0
    lines = capsys.readouterr().out.splitlines()
    assert key in lines
    assert any(line.startswith("curl ") and key in line for line in lines)

    key_file.unlink()
    assert await seed_in_open_database(key_file, if_empty=True) == 0
    assert "sk_" not in capsys.readouterr().out

    # The command itself, which opens its own database connection. Only reads var/demo-key.
    run = await parley(settings, "seed-demo", "--if-empty")
    assert run.code == 0, run.err
    assert "nothing was added" in run.out

    assert (await api(count_query, key=key)).data["conversationCount"] == before
    assert await Workspace.filter(name=DEMO_WORKSPACE).count() == 1


async def test_seed_demo_content_reads_the_same_every_time(
    api: Api, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    query = """{ conversations(first: 100, orderBy: {field: STARTED_AT, direction: ASC}) {
      edges { node { type messages(first: 100) { edges { node { content } } } } } } }"""
    transcripts = []
    for run in ("first", "second"):
        key, _ = await seed_and_read(tmp_path / run, capsys)
        transcripts.append((await api(query, key=key)).data)
    assert transcripts[0] == transcripts[1]


async def test_several_workers_are_refused_on_sqlite(tmp_path: Path) -> None:
    """Live views cross processes through PostgreSQL only; SQLite would silently split them."""
    on_sqlite = Settings(database=DatabaseSettings(url=f"sqlite://{tmp_path / 'one.sqlite3'}"))
    run = await parley(on_sqlite, "serve", "--workers", "2")
    assert run.code == 2
    assert "PostgreSQL" in run.err


async def test_version_is_the_projects(settings: Settings) -> None:
    run = await parley(settings, "--version")
    assert run.code == 0, run.err
    with (PROJECT_ROOT / "pyproject.toml").open("rb") as file:
        version = tomllib.load(file)["project"]["version"]
    assert run.out.strip() == f"parley {version}"


ASSISTANTS = "{ assistants { id name } }"


async def test_create_assistant_in_a_workspace_named_or_by_its_key(
    settings: Settings, api: Api
) -> None:
    _, key = await factories.workspace("Acme")
    by_name = await parley(settings, "create-assistant", "Acme", "Support")
    assert by_name.code == 0, by_name.err
    by_key = await parley(
        settings, "create-assistant", key, "Sales", "--origin", "https://Shop.example/"
    )
    assert by_key.code == 0, by_key.err
    assert "'Sales' in workspace 'Acme'" in by_key.out
    listed = (await api(ASSISTANTS, key=key)).data["assistants"]
    # The ID alone on the last line, for scripts: the API knows it.
    assert {each["id"] for each in listed} == {
        by_name.out.splitlines()[-1],
        by_key.out.splitlines()[-1],
    }
    assert sorted(each["name"] for each in listed) == ["Sales", "Support"]
    sales = await Assistant.get(name="Sales")
    assert sales.allowed_origins == ["https://shop.example"]  # normalised as the API stores it


async def test_create_assistant_says_what_is_wrong(settings: Settings) -> None:
    await factories.workspace("Twin")
    await factories.workspace("Twin")
    await factories.workspace("Acme")
    for args, said in (
        (("Nobody", "Bot"), "parley create-workspace NAME"),
        (("Twin", "Bot"), "give a secret key"),
        (("sk_" + "0" * 43, "Bot"), "No workspace has this secret key"),
        (("Acme", " "), "name: needs 1 to 200 characters"),
        (("Acme", "Bot", "--origin", "not an origin"), "is not an origin like"),
    ):
        run = await parley(settings, "create-assistant", *args)
        assert run.code == 2, args
        assert said in run.err, (args, run.err)


async def test_import_into_a_workspace_without_assistants_says_to_create_one(
    settings: Settings, api: Api, server_url: str, tmp_path: Path
) -> None:
    source_id, source_key = await factories.workspace("Source")
    source_bot = await factories.assistant(source_id)
    for minute in (1, 2, 3):
        await factories.conversation(
            source_id, source_bot.id, minute=minute, messages=[factories.said("hi", minute)]
        )
    _, target_key = await factories.workspace("Target")
    exported = tmp_path / "source.jsonl"
    async with httpx.AsyncClient(base_url=f"http://{server_url}") as client:
        response = await client.get("/export", headers={"authorization": f"Bearer {source_key}"})
    exported.write_bytes(response.content)

    async def load(*options: str) -> Run:
        to = ("--url", f"http://{server_url}", "--key", target_key)
        return await parley(settings, "import", str(exported), *to, *options)

    refused = await load()
    assert refused.code == 2
    assert "this workspace has no assistants" in refused.err
    assert "parley create-assistant WORKSPACE_OR_KEY NAME" in refused.err

    made = await parley(settings, "create-assistant", target_key, "Imported bot")
    assert made.code == 0, made.err
    assistant = made.out.splitlines()[-1]
    elsewhere = await load()
    assert elsewhere.code == 2  # the file's own assistant is another workspace's
    assert f"give --assistant with one of {assistant} (Imported bot)" in elsewhere.err
    loaded = await load("--assistant", assistant)
    assert loaded.code == 0, loaded.err
    assert "Imported 3 conversations" in loaded.err
    count = await api("{ conversationCount }", key=target_key)
    assert count.data["conversationCount"] == 3


def test_the_license_is_the_one_pyproject_names() -> None:
    with (PROJECT_ROOT / "pyproject.toml").open("rb") as file:
        named = tomllib.load(file)["project"]["license"]
    text = (PROJECT_ROOT / "LICENSE").read_text()
    assert named == "MIT"
    assert text.startswith("MIT License\n")
    assert "Copyright (c) 2026 Parley contributors" in text


async def test_seed_demo_says_how_the_demo_assistant_answers_and_gives_it_a_configured_model(
    api: Api, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key_file = tmp_path / "demo-key"
    key, out = await seed_and_read(key_file, capsys)
    assert "does not answer by itself" in out
    assert "OPENAI_API_KEY=sk-… make run" in out
    assert "OPENAI_BASE_URL=http://127.0.0.1:11434/v1" in out
    read = "{ assistants { name engine { model instructions } } }"
    assert all(a["engine"] is None for a in (await api(read, key=key)).data["assistants"])

    # `make run` again with a provider configured: the demo assistant answers with its model.
    assert await seed_in_open_database(key_file, if_empty=True, model="llama3.2") == 0
    assert "The demo assistant answers with llama3.2" in capsys.readouterr().out
    engines = [a["engine"] for a in (await api(read, key=key)).data["assistants"]]
    assert engines[0]["model"] == "llama3.2"
    assert engines[0]["instructions"].startswith("You are Acme Support")
