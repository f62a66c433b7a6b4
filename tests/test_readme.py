"""README.md is executed, not trusted: every example in it runs, in document order, against a real
server over a freshly seeded demo, and must answer in the shape the README shows.

The README marks its examples by fence language:

- ```graphql: a document POSTed with the demo workspace's secret key; a `# variables: {…}` comment
  line in it gives its variables.
- ```sh: shell commands, run by bash (`-e -o pipefail`) with the real curl and jq, as if pasted in
  order into one shell: each block sees the variables the earlier ones set. The shell starts in a
  scratch folder with a `var/`, with `PARLEY` (this server's /graphql) and `KEY` (the demo key, read
  from the file the seed saved it in), as the README's setup lines set them against `make run`.
- ```json: the answer of the example right before it. Every example has one, and every answer
  follows an example.
- Anything else (```console for the reader's own terminal, ```python, plain fences) is shown, not
  run.

"The shape shown" means the same keys at every level, the same JSON types, lists of the same length,
and equal booleans, nulls and strings in CAPITALS (enum values, error codes). Other values (IDs,
keys, cursors, times, counts, texts) may differ. Every executed answer carries `extensions.cost`;
an answer shown without a top-level `extensions` leaves it out, one shown with it is compared whole.
"""

import asyncio
import json
import os
import re
import shlex
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from server.seed import DEMO_KEY_FILE, GRAPHQL_URL, seed_in_open_database

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
RUN = ("graphql", "sh")
ANSWER = "json"
_VARIABLES = re.compile(r"^#\s*variables:\s*(.+)$", re.MULTILINE)
_EXACT = re.compile(r"[A-Z][A-Z0-9_]*")


@dataclass(frozen=True)
class Block:
    language: str
    text: str
    line: int
    """Where its opening fence is in README.md, to name it in failures."""


@dataclass(frozen=True)
class Example:
    block: Block
    answer: Any


def blocks(markdown: str) -> list[Block]:
    found: list[Block] = []
    opened: tuple[str, int] | None = None
    lines: list[str] = []
    for number, line in enumerate(markdown.splitlines(), start=1):
        if opened is None:
            if line.startswith("```"):
                info = line[3:].split()
                opened, lines = (info[0] if info else "", number), []
        elif line.strip() == "```":
            found.append(Block(opened[0], "\n".join(lines), opened[1]))
            opened = None
        else:
            lines.append(line)
    assert opened is None, f"README.md:{opened[1]}: the fence is never closed"
    return found


def examples(markdown: str) -> list[Example]:
    """The runnable blocks, each with the answer under it."""
    found: list[Example] = []
    waiting: Block | None = None
    end = Block("", "", 0)  # so that a last example with no answer is caught too
    for block in [*blocks(markdown), end]:
        if block.language == ANSWER:
            if waiting is None:
                pytest.fail(f"README.md:{block.line}: a ```json answer with no example before it")
            try:
                found.append(Example(waiting, json.loads(block.text)))
            except ValueError as error:
                pytest.fail(f"README.md:{block.line}: the answer is not JSON: {error}")
            waiting = None
            continue
        if waiting is not None:
            pytest.fail(f"README.md:{waiting.line}: the ```{waiting.language} block has no answer")
        waiting = block if block.language in RUN else None
    return found


def differences(shown: Any, got: Any, path: str = "answer") -> list[str]:
    """How `got` departs from the shape of `shown`; empty when it has that shape."""
    if isinstance(shown, dict):
        if not isinstance(got, dict):
            return [f"{path}: an object in the README, {got!r} here"]
        found = []
        if missing := sorted(shown.keys() - got.keys()):
            found.append(f"{path}: no {missing} here")
        if extra := sorted(got.keys() - shown.keys()):
            found.append(f"{path}: {extra} here, not in the README")
        for key in shown.keys() & got.keys():
            found += differences(shown[key], got[key], f"{path}.{key}")
        return found
    if isinstance(shown, list):
        if not isinstance(got, list) or len(got) != len(shown):
            return [f"{path}: a list of {len(shown)} in the README, {got!r} here"]
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
        return [f"{path}: {shown!r} in the README, {got!r} here"]
    return []


async def run_graphql(client: httpx.AsyncClient, url: str, key: str, block: Block) -> Any:
    variables = _VARIABLES.search(block.text)
    response = await client.post(
        url,
        json={"query": block.text, "variables": json.loads(variables[1]) if variables else None},
        headers={"Authorization": f"Bearer {key}"},
    )
    return response.json()


async def run_shell(block: Block, env: dict[str, str], folder: Path) -> tuple[Any, dict[str, str]]:
    """The block's answer, and the environment it leaves for the next block (`set -a` exports
    every variable it sets)."""
    saved = folder / "readme-shell.env"
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
    where = f"README.md:{block.line}"
    assert process.returncode == 0, f"{where}: exit code {process.returncode}: {err.decode()}"
    assert not err, f"{where}: wrote to stderr: {err.decode()}"
    after = dict(
        entry.partition("=")[::2] for entry in saved.read_text().split("\0") if "=" in entry
    )
    try:
        return json.loads(out), after
    except ValueError:
        pytest.fail(f"{where}: printed {out.decode()!r}, not one JSON answer")


def test_the_readme_sets_its_shell_up_for_make_run() -> None:
    """The two lines a reader runs first; the test sets the same variables for its own server."""
    text = README.read_text()
    assert f"PARLEY={GRAPHQL_URL}" in text
    assert "KEY=$(cat var/demo-key)" in text
    assert DEMO_KEY_FILE == ROOT / "var" / "demo-key"


async def test_every_readme_example_answers_as_shown(server_url: str, tmp_path: Path) -> None:
    if missing := [tool for tool in ("bash", "curl", "jq") if shutil.which(tool) is None]:
        message = f"the README's shell examples need {', '.join(missing)}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message + " (set CI=true to make this a failure)")
    key_file = tmp_path / "var" / "demo-key"
    assert await seed_in_open_database(key_file, if_empty=False) == 0
    key = key_file.read_text().strip()
    url = f"http://{server_url}/graphql"
    env = {**os.environ, "PARLEY": url, "KEY": key}
    found = examples(README.read_text())
    assert {example.block.language for example in found} == set(RUN)
    problems: list[str] = []
    async with httpx.AsyncClient(timeout=30, trust_env=False) as client:
        for example in found:
            block = example.block
            if block.language == "graphql":
                got = await run_graphql(client, url, key, block)
            else:
                got, env = await run_shell(block, env, tmp_path)
            shown = example.answer
            if isinstance(got, dict) and isinstance(shown, dict) and "extensions" not in shown:
                got.pop("extensions", None)
            if wrong := differences(example.answer, got):
                problems += [f"README.md:{block.line}: {problem}" for problem in wrong]
                problems.append(f"    the whole answer: {json.dumps(got, ensure_ascii=False)}")
    assert not problems, "\n".join(problems)
