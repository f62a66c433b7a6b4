"""The dashboard's own documents, read from server/static/dashboard/queries.js at run time, so the
bench sends exactly the text the page sends and follows the page when it changes.

The file is a JavaScript module of `const NAME = \\`…\\`` template literals whose only
interpolations are other such constants (`${ROW}`). This reads those literals and substitutes
them as JavaScript would; anything else (an escape, an expression, an unknown or circular name)
stops the bench rather than being guessed at.
"""

import re
from pathlib import Path

from graphql import FragmentDefinitionNode, OperationDefinitionNode, parse

from bench.peers.servers import ROOT

DASHBOARD = ROOT / "server" / "static" / "dashboard"
QUERIES = DASHBOARD / "queries.js"
LIST_PAGE = DASHBOARD / "conversations.js"
"""Where the page sends List, with `first: PAGE`."""

_CONSTANT = re.compile(r"^(?:export[ \t]+)?const[ \t]+([A-Za-z_$][\w$]*)[ \t]*=[ \t]*`", re.M)
_NAME = re.compile(r"[A-Za-z_$][\w$]*")


class Unreadable(SystemExit):
    """queries.js holds something this reader does not understand: the bench stops."""


def _literal(source: str, start: int, name: str) -> tuple[str, int]:
    """The raw text of the template literal opened just before `start`, and where it ends."""
    index = start
    while index < len(source):
        char = source[index]
        if char == "`":
            return source[start:index], index + 1
        if char == "\\":
            raise Unreadable(f"bench: {name} in queries.js has an escape; this reader has none")
        if source.startswith("${", index):
            close = source.find("}", index)
            if close == -1 or not _NAME.fullmatch(source[index + 2 : close]):
                raise Unreadable(f"bench: {name} in queries.js interpolates more than a name")
            index = close
        index += 1
    raise Unreadable(f"bench: {name} in queries.js is not closed")


def templates(source: str) -> dict[str, str]:
    """Every top-level `const NAME = \\`…\\`` of a module, its interpolations not yet filled in."""
    source = source.replace("\r\n", "\n")  # as JavaScript reads a template literal
    found: dict[str, str] = {}
    position = 0
    while (match := _CONSTANT.search(source, position)) is not None:
        name = match.group(1)
        if name in found:
            raise Unreadable(f"bench: queries.js declares {name} twice")
        found[name], position = _literal(source, match.end(), name)
    return found


def resolve(name: str, raw: dict[str, str], within: tuple[str, ...] = ()) -> str:
    """The value of constant `name` as JavaScript computes it: each `${OTHER}` replaced by
    OTHER's value."""
    if name in within:
        raise Unreadable(f"bench: queries.js interpolates {name} within itself")
    if name not in raw:
        raise Unreadable(f"bench: queries.js has no template constant {name}")
    return re.sub(
        r"\$\{([^}]*)\}",
        lambda match: resolve(match.group(1), raw, (*within, name)),
        raw[name],
    )


def document(name: str, path: Path = QUERIES) -> str:
    """One of the dashboard's documents, exactly as the page sends it."""
    return resolve(name, templates(path.read_text(encoding="utf-8")))


def list_document(path: Path = QUERIES) -> str:
    """The conversation list's `List` query with its `Row` fragment, checked to be what the
    scenario expects: one query named List over `conversations`, and the fragments it spreads."""
    text = document("LIST", path)
    parsed = parse(text)
    operations = [item for item in parsed.definitions if isinstance(item, OperationDefinitionNode)]
    fragments = {
        item.name.value for item in parsed.definitions if isinstance(item, FragmentDefinitionNode)
    }
    if len(operations) != 1 or operations[0].operation.value != "query":
        raise Unreadable("bench: LIST in queries.js is not one query")
    operation = operations[0]
    roots = [getattr(field, "name", None) for field in operation.selection_set.selections]
    if operation.name is None or operation.name.value != "List" or len(roots) != 1:
        raise Unreadable("bench: LIST in queries.js is no longer the one-field query List")
    if roots[0] is None or roots[0].value != "conversations" or "Row" not in fragments:
        raise Unreadable("bench: LIST in queries.js no longer reads conversations with a Row")
    return text


def page_size(path: Path = LIST_PAGE) -> int:
    """The list's `const PAGE = n;`, the `first` it sends."""
    found = re.findall(r"^const PAGE = (\d+);$", path.read_text(encoding="utf-8"), re.M)
    if len(found) != 1:
        raise Unreadable(f"bench: {path.name} no longer says `const PAGE = n;` once")
    return int(found[0])


def list_variables(types: list[str], path: Path = LIST_PAGE) -> dict[str, object]:
    """What the page sends with List for its first page under a filter of `types`
    (`{ filter, after, first: PAGE }` in conversations.js; `after` is null on the first page)."""
    return {"filter": {"types": types}, "after": None, "first": page_size(path)}
