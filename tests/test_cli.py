"""The `parley` commands: run as real processes where they stand alone, in-process for seeding.

The seeding tests call `seed_in_open_database`, the command minus opening the database, because
the `app` fixture already holds the ORM initialised for this process.
"""

import asyncio
import os
import re
import stat
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from models import Workspace
from server.seed import DEMO_WORKSPACE, seed_in_open_database
from server.settings import PROJECT_ROOT, Settings
from tests.api import Api


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
        env={**os.environ, "DATABASE_URL": settings.database_url},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
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
    on_sqlite = Settings(database_url=f"sqlite://{tmp_path / 'one.sqlite3'}")
    run = await parley(on_sqlite, "serve", "--workers", "2")
    assert run.code == 2
    assert "PostgreSQL" in run.err
