"""The reader of the dashboard's queries.js: what it accepts, what it refuses, and that it agrees
with JavaScript itself on the real file (when bench/.peers has Node).

Run with `.venv/bin/pytest bench/peers/test_dashboard.py` (the suite's testpaths are tests/ only).
"""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from bench.peers import dashboard, postgraphile

ROW = "const ROW = `fragment Row on T { id }`;\n"


def test_fills_in_named_constants_as_javascript_does() -> None:
    source = ROW + "export const LIST = `query List { t { ...Row } }\n${ROW}`;\n"
    raw = dashboard.templates(source)
    assert dashboard.resolve("LIST", raw) == (
        "query List { t { ...Row } }\nfragment Row on T { id }"
    )


def test_reads_nested_interpolations_and_windows_line_ends() -> None:
    source = "const A = `a`;\r\nconst B = `b ${A}\r\n`;\r\nexport const C = `${B}${A}`;\r\n"
    raw = dashboard.templates(source)
    assert dashboard.resolve("C", raw) == "b a\na"


def test_ignores_what_is_not_a_template_constant() -> None:
    source = (
        'import { x } from "./y.js";\nconst N = 3;\n// const Q = `in a comment`\n'
        "function f() {\n  const INNER = `not top-level`;\n}\n" + ROW
    )
    assert list(dashboard.templates(source)) == ["ROW"]


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("const A = `a \\` b`;", "escape"),
        ("const A = `${1 + 2}`;", "more than a name"),
        ("const A = `${f(B)}`;", "more than a name"),
        ("const A = `open", "not closed"),
        ("const A = `a`;\nconst A = `b`;", "twice"),
    ],
)
def test_refuses_what_it_would_have_to_guess(source: str, message: str) -> None:
    with pytest.raises(dashboard.Unreadable, match=message):
        dashboard.templates(source)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("const A = `${B}`;", "no template constant B"),
        ("const A = `${B}`;\nconst B = `${A}`;", "within itself"),
    ],
)
def test_refuses_unknown_and_circular_names(source: str, message: str) -> None:
    with pytest.raises(dashboard.Unreadable, match=message):
        dashboard.resolve("A", dashboard.templates(source))


def test_the_real_list_is_a_query_over_conversations_with_its_row() -> None:
    text = dashboard.list_document()
    assert text.startswith("query List(")
    assert "fragment Row on Conversation" in text
    assert "${" not in text


def test_a_list_that_stops_being_one_query_is_refused(tmp_path: Path) -> None:
    queries = tmp_path / "queries.js"
    queries.write_text("export const LIST = `query Other { conversations { totalCount } }`;\n")
    with pytest.raises(dashboard.Unreadable, match="one-field query List"):
        dashboard.list_document(queries)


def test_variables_are_the_pages(tmp_path: Path) -> None:
    page = tmp_path / "conversations.js"
    page.write_text("import x from './y.js';\n\nconst PAGE = 7;\n")
    assert dashboard.list_variables(["TEST"], page) == {
        "filter": {"types": ["TEST"]},
        "after": None,
        "first": 7,
    }
    assert dashboard.page_size() == 25


def test_every_constant_equals_what_node_evaluates(tmp_path: Path) -> None:
    node = postgraphile.NODE if postgraphile.NODE.exists() else shutil.which("node")
    if node is None:
        pytest.skip("no Node here (`make bench` installs one in bench/.peers)")
    module = tmp_path / "queries.mjs"
    module.write_bytes(dashboard.QUERIES.read_bytes())
    script = f"import({json.dumps(module.as_uri())}).then(m => console.log(JSON.stringify(m)))"
    done = subprocess.run(  # noqa: S603 (Node on a copy of our own file)
        [str(node), "-e", script], capture_output=True, text=True, check=True, timeout=60
    )
    exported = json.loads(done.stdout)
    raw = dashboard.templates(dashboard.QUERIES.read_text(encoding="utf-8"))
    assert "LIST" in exported
    for name, value in exported.items():
        assert dashboard.resolve(name, raw) == value, name
