"""The README and every page of docs/ are executed, not trusted: each page's examples run, in
document order, against a real server over a demo freshly seeded for that page, and must answer
in the shape the page shows. The site itself must build strictly; the live page's Python client
runs too (the webhooks page's receiver runs in tests/test_webhooks.py); and the pages' reference
tables are held to the code: the configuration page is the one the settings write, the errors page
lists every code, the architecture page places every field a compiled plan meets and names every
module of the layers.

Pages mark their examples by fence language:

- ```graphql: a document sent with the demo workspace's secret key; a `# variables: {…}` comment
  line in it gives its variables. A query or mutation is POSTed to /graphql; a subscription goes
  over a `graphql-transport-ws` socket, and its answer is the first payload it sends.
- ```sh: shell commands, run by bash (`-e -o pipefail`) with the real curl and jq, as if pasted in
  order into one shell: each block sees the variables the earlier ones of its page set. The shell
  starts in a scratch folder with a `var/` holding the demo's keys (`demo-key`, `demo-widget-key`),
  with `PARLEY` (this server's /graphql) and `KEY` (the demo key), as the setup lines of the
  README and of docs/index.md set them against `make run`.
- ```json: the answer of the example right before it. Every example has one, and every answer
  follows an example.
- Anything else (```console for the reader's own terminal, ```python, ```mermaid, plain fences) is
  shown, not run.

"The shape shown" means the same keys at every level, the same JSON types, lists of the same length,
and equal booleans, nulls and strings in CAPITALS (enum values, error codes). Other values (IDs,
keys, cursors, times, counts, texts) may differ. Every executed answer carries `extensions.cost`;
an answer shown without a top-level `extensions` leaves it out, one shown with it is compared whole.

With `PARLEY_DOCS_ANSWERS=FOLDER`, every answer the server gave is also written there (one JSON
file per page, keyed by line), so a page's answers can be refreshed from real ones.
"""

import asyncio
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import (
    OperationDefinitionNode,
    OperationType,
    parse,
)
from websockets.asyncio.client import connect
from websockets.typing import Subprotocol

from resolvers.errors import ParleyError
from schema.plan.coverage import planned
from schema.schema import READERS, build_schema
from server.commands.seed import DEMO_KEY_FILE, GRAPHQL_URL, seed_in_open_database
from server.persisted import PersistedQueryNotFound
from server.settings_doc import CONFIGURATION_PAGE, configuration_page

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGES = [ROOT / "README.md", *sorted(DOCS.rglob("*.md"))]
RUN = ("graphql", "sh")
ANSWER = "json"
SETUP = (f"PARLEY={GRAPHQL_URL}", "KEY=$(cat var/demo-key)")
_VARIABLES = re.compile(r"^#\s*variables:\s*(.+)$", re.MULTILINE)
_EXACT = re.compile(r"[A-Z][A-Z0-9_]*")
_LINK = re.compile(r"\]\(([^)\s]+)\)")


@dataclass(frozen=True)
class Block:
    language: str
    text: str
    where: str
    """Its page and the line of its opening fence (`docs/live.md:42`), to name it in failures."""


@dataclass(frozen=True)
class Example:
    block: Block
    answer: Any


def name(page: Path) -> str:
    return str(page.relative_to(ROOT))


def blocks(markdown: str, page: str) -> list[Block]:
    found: list[Block] = []
    opened: tuple[str, int] | None = None
    lines: list[str] = []
    for number, line in enumerate(markdown.splitlines(), start=1):
        if opened is None:
            if line.startswith("```"):
                info = line[3:].split()
                opened, lines = (info[0] if info else "", number), []
        elif line.strip() == "```":
            found.append(Block(opened[0], "\n".join(lines), f"{page}:{opened[1]}"))
            opened = None
        else:
            lines.append(line)
    assert opened is None, f"{page}:{opened[1]}: the fence is never closed"
    return found


def examples(markdown: str, page: str) -> list[Example]:
    """The runnable blocks, each with the answer under it."""
    found: list[Example] = []
    waiting: Block | None = None
    end = Block("", "", "")  # so that a last example with no answer is caught too
    for block in [*blocks(markdown, page), end]:
        if block.language == ANSWER:
            if waiting is None:
                pytest.fail(f"{block.where}: a ```json answer with no example before it")
            try:
                found.append(Example(waiting, json.loads(block.text)))
            except ValueError as error:
                pytest.fail(f"{block.where}: the answer is not JSON: {error}")
            waiting = None
            continue
        if waiting is not None:
            pytest.fail(f"{waiting.where}: the ```{waiting.language} block has no answer")
        waiting = block if block.language in RUN else None
    return found


def page_examples(page: Path) -> list[Example]:
    return examples(page.read_text(), name(page))


def differences(shown: Any, got: Any, path: str = "answer") -> list[str]:
    """How `got` departs from the shape of `shown`; empty when it has that shape."""
    if isinstance(shown, dict):
        if not isinstance(got, dict):
            return [f"{path}: an object on the page, {got!r} here"]
        found = []
        if missing := sorted(shown.keys() - got.keys()):
            found.append(f"{path}: no {missing} here")
        if extra := sorted(got.keys() - shown.keys()):
            found.append(f"{path}: {extra} here, not on the page")
        for key in shown.keys() & got.keys():
            found += differences(shown[key], got[key], f"{path}.{key}")
        return found
    if isinstance(shown, list):
        if not isinstance(got, list) or len(got) != len(shown):
            return [f"{path}: a list of {len(shown)} on the page, {got!r} here"]
        return [
            found
            for index, (item, answered) in enumerate(zip(shown, got, strict=True))
            for found in differences(item, answered, f"{path}[{index}]")
        ]
    exact = (
        shown is None
        or isinstance(shown, bool)
        or (isinstance(shown, str) and _EXACT.fullmatch(shown) is not None)
    )
    if type(got) is not type(shown) or (exact and got != shown):
        return [f"{path}: {shown!r} on the page, {got!r} here"]
    return []


def is_subscription(document: str) -> bool:
    return any(
        isinstance(definition, OperationDefinitionNode)
        and definition.operation is OperationType.SUBSCRIPTION
        for definition in parse(document).definitions
    )


async def run_graphql(client: httpx.AsyncClient, url: str, key: str, block: Block) -> Any:
    variables = _VARIABLES.search(block.text)
    response = await client.post(
        url,
        json={"query": block.text, "variables": json.loads(variables[1]) if variables else None},
        headers={"Authorization": f"Bearer {key}"},
    )
    return response.json()


async def run_subscription(url: str, key: str, block: Block) -> Any:
    """The first payload the subscription sends (or its errors), as a client would see it."""
    variables = _VARIABLES.search(block.text)
    payload = {"query": block.text, "variables": json.loads(variables[1]) if variables else None}
    socket_url = url.replace("http://", "ws://", 1)
    async with (
        asyncio.timeout(10),
        connect(socket_url, subprotocols=[Subprotocol("graphql-transport-ws")]) as ws,
    ):
        await ws.send(
            json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {key}"}})
        )
        assert json.loads(await ws.recv())["type"] == "connection_ack", block.where
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        async for raw in ws:
            message = json.loads(raw)
            if message["type"] == "ping":
                await ws.send(json.dumps({"type": "pong"}))
            elif message["type"] == "next":
                await ws.send(json.dumps({"id": "1", "type": "complete"}))
                return message["payload"]
            elif message["type"] == "error":
                return {"errors": message["payload"]}
            else:
                pytest.fail(f"{block.where}: the subscription sent {message!r} before any data")
    pytest.fail(f"{block.where}: the socket closed before the subscription sent anything")


async def run_shell(block: Block, env: dict[str, str], folder: Path) -> tuple[Any, dict[str, str]]:
    """The block's answer, and the environment it leaves for the next block (`set -a` exports
    every variable it sets)."""
    saved = folder / "docs-shell.env"
    script = f"set -a\n{block.text}\nenv -0 > {shlex.quote(str(saved))}\n"
    process = await asyncio.create_subprocess_exec(
        "bash",
        "-e",
        "-o",
        "pipefail",
        "-c",
        script,
        cwd=folder,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 0, f"{block.where}: exit code {process.returncode}: {err.decode()}"
    assert not err, f"{block.where}: wrote to stderr: {err.decode()}"
    after = dict(
        entry.partition("=")[::2] for entry in saved.read_text().split("\0") if "=" in entry
    )
    try:
        return json.loads(out), after
    except ValueError:
        pytest.fail(f"{block.where}: printed {out.decode()!r}, not one JSON answer")


def test_the_readme_and_the_docs_set_their_shell_up_for_make_run() -> None:
    """The two lines a reader runs first; the test sets the same variables for its own server."""
    for page in (ROOT / "README.md", DOCS / "index.md"):
        text = page.read_text()
        assert all(line in text for line in SETUP), f"{name(page)} lacks {SETUP}"
    assert DEMO_KEY_FILE == ROOT / "var" / "demo-key"


def test_the_pages_run_every_kind_of_example() -> None:
    """So that a parser that stopped finding one kind cannot pass by running nothing."""
    found = {example.block.language for page in PAGES for example in page_examples(page)}
    assert found == set(RUN)


@pytest.mark.parametrize("page", PAGES, ids=name)
async def test_every_example_answers_as_shown(page: Path, server_url: str, tmp_path: Path) -> None:
    found = page_examples(page)
    if not found:
        return
    if missing := [tool for tool in ("bash", "curl", "jq") if shutil.which(tool) is None]:
        message = f"the docs' shell examples need {', '.join(missing)}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message + " (set CI=true to make this a failure)")
    key_file = tmp_path / "var" / "demo-key"
    assert await seed_in_open_database(key_file, if_empty=False) == 0
    key = key_file.read_text().strip()
    url = f"http://{server_url}/graphql"
    env = {**os.environ, "PARLEY": url, "KEY": key}
    problems: list[str] = []
    answers: dict[str, Any] = {}
    async with httpx.AsyncClient(timeout=30, trust_env=False) as client:
        for example in found:
            block = example.block
            if block.language == "sh":
                got, env = await run_shell(block, env, tmp_path)
            elif is_subscription(block.text):
                got = await run_subscription(url, key, block)
            else:
                got = await run_graphql(client, url, key, block)
            shown = example.answer
            if isinstance(got, dict) and isinstance(shown, dict) and "extensions" not in shown:
                got.pop("extensions", None)
            answers[block.where] = got
            if wrong := differences(example.answer, got):
                problems += [f"{block.where}: {problem}" for problem in wrong]
                problems.append(f"    the whole answer: {json.dumps(got, ensure_ascii=False)}")
    if folder := os.environ.get("PARLEY_DOCS_ANSWERS"):
        written = Path(folder) / (name(page).replace("/", "_") + ".json")
        written.write_text(json.dumps(answers, ensure_ascii=False, indent=1) + "\n")
    assert not problems, "\n".join(problems)


def test_the_readmes_links_lead_into_the_repository() -> None:
    """The README is not part of the site, so its links are checked here: each relative one names
    a file of the checkout (and an anchor of a docs page is left to the site's build)."""
    text = (ROOT / "README.md").read_text()
    targets = {target for target in _LINK.findall(text) if "://" not in target}
    assert targets, "the README links nowhere"
    missing = [target for target in targets if not (ROOT / target.partition("#")[0]).exists()]
    assert not missing, f"README.md links to {missing}, which are not in the checkout"


def live_client(folder: Path, server_url: str) -> tuple[Path, list[str]]:
    """docs/live.md's Python client, saved to run against this server (its address is the one
    thing changed), and the lines the page shows it printing."""
    section = (DOCS / "live.md").read_text().split("## A client", 1)[1]
    client = section.split("```python\n", 1)[1].split("\n```", 1)[0]
    shown = section.split("```\n$ ", 1)[1].split("\n```", 1)[0].splitlines()[1:]
    script = folder / "watch.py"
    script.write_text(client.replace("ws://127.0.0.1:8000/", f"ws://{server_url}/"))
    return script, shown


async def test_the_live_pages_python_client_prints_each_new_count(
    server_url: str, tmp_path: Path
) -> None:
    """Run as the page says, then two conversations started from elsewhere: it prints what the
    page shows, line for line."""
    key_file = tmp_path / "var" / "demo-key"
    assert await seed_in_open_database(key_file, if_empty=False) == 0
    key = key_file.read_text().strip()
    script, shown = live_client(tmp_path, server_url)
    url = f"http://{server_url}/graphql"
    start = (
        "mutation($input: StartConversationInput!) { startConversation(input: $input) "
        "{ conversation { id } } }"
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-u",
        str(script),
        key,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    assert process.stderr is not None
    printed: list[str] = []
    try:
        async with httpx.AsyncClient(timeout=30, trust_env=False) as client:
            headers = {"Authorization": f"Bearer {key}"}
            found = await client.post(url, json={"query": "{ assistants { id } }"}, headers=headers)
            assistant = found.json()["data"]["assistants"][0]["id"]
            form = [{"name": "name", "value": "Ada"}, {"name": "email", "value": "ada@example.com"}]
            for _ in shown:
                if printed:
                    variables = {"input": {"assistantId": assistant, "preChat": form}}
                    started = await client.post(
                        url, json={"query": start, "variables": variables}, headers=headers
                    )
                    assert "errors" not in started.json(), started.text
                try:
                    line = await asyncio.wait_for(process.stdout.readline(), timeout=30)
                except TimeoutError:
                    pytest.fail(f"docs/live.md: its client printed nothing in 30 s after {printed}")
                if not line:
                    errors = (await process.stderr.read()).decode()
                    pytest.fail(f"docs/live.md: its client ended after {printed}: {errors}")
                printed.append(line.decode().rstrip("\n"))
    finally:
        if process.returncode is None:
            process.kill()
        await process.wait()
    assert printed == shown, "\n".join(printed)


def error_codes(cls: type[ParleyError] = ParleyError) -> set[str]:
    """Every code an error of ours carries (PERSISTED_QUERY_NOT_FOUND's class is in the server)."""
    return {cls.code}.union(*(error_codes(sub) for sub in cls.__subclasses__()))


def test_the_errors_page_lists_every_code_there_is() -> None:
    page = DOCS / "errors.md"
    listed = set(re.findall(r"^\| `([A-Z_]+)` \|", page.read_text(), re.MULTILINE))
    assert listed == error_codes() | {PersistedQueryNotFound.code}, name(page)


DOCUMENTED_TYPES = ("Conversation", "Message", "Variable", "Assistant")
"""The types whose fields docs/architecture.md's table sorts into the plan's and the executor's
(schema/plan/coverage.py holds every type a plan meets)."""


def test_the_architecture_page_says_which_fields_a_plan_answers() -> None:
    """Its table of what a compiled plan answers is checked against the compiler itself: each
    field of those types in the right column, none left out."""
    page = (DOCS / "architecture.md").read_text()
    schema = build_schema()
    for type_name in DOCUMENTED_TYPES:
        row = re.search(rf"^\| `{type_name}` \| (.*) \| (.*) \|$", page, re.MULTILINE)
        assert row is not None, f"docs/architecture.md has no row for {type_name}"
        shown = (set(row[1].strip("`—").split()), set(row[2].strip("`—").split()))
        fields = schema._schema.get_type(type_name).fields  # type: ignore[union-attr]
        answered = {field for field in fields if planned(schema, READERS, type_name, field)}
        assert shown == (answered, set(fields) - answered), f"docs/architecture.md: {type_name}"


def _modules_and_folders(folder: Path) -> list[Path]:
    """The modules and folders of a layer, and of each of its packages in turn (a package's
    modules are named as its layer's are); migrations are numbered, not named."""
    found = []
    for entry in sorted(folder.iterdir()):
        if entry.suffix == ".py" and entry.stem != "__init__":
            found.append(entry)
        elif entry.is_dir() and entry.name != "__pycache__":
            found.append(entry)
            if (entry / "__init__.py").exists() and entry.name != "migrations":
                found.extend(_modules_and_folders(entry))
    return found


def test_the_layout_names_every_module() -> None:
    """docs/architecture.md's tree of the layers names each module and folder of theirs, their
    packages' included, so a newcomer finds a behaviour from it; a module added without a word
    there fails here."""
    page = (DOCS / "architecture.md").read_text()
    tree = page.split("```\nmodels/", 1)[1].split("```", 1)[0]
    named = set(re.findall(r"[a-z_]+", tree))
    missing = [
        str(entry.relative_to(ROOT))
        for layer in ("models", "resolvers", "schema", "subscriptions", "server")
        for entry in _modules_and_folders(ROOT / layer)
        if entry.stem not in named
    ]
    assert not missing, f"docs/architecture.md's layout does not name {missing}: add a few words"


def test_the_configuration_page_is_written_from_the_settings() -> None:
    assert CONFIGURATION_PAGE.read_text() == configuration_page(CONFIGURATION_PAGE.read_text()), (
        f"{name(CONFIGURATION_PAGE)} is stale: run `.venv/bin/python -m server.settings_doc`"
    )


def test_the_site_builds_strictly(tmp_path: Path) -> None:
    """What `make docs` runs: a broken link, anchor or missing page fails (in about a second)."""
    built = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path)],
        cwd=ROOT,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    assert (tmp_path / "index.html").exists()
