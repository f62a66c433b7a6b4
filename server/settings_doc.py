"""`python -m server.settings_doc` writes the tables of docs/configuration.md (one per concern) from
the calls that read the settings (`Settings.variables()`), so the page cannot drift from the code; a
test fails when the committed page is not what this writes."""

from enum import Enum

from server.environment import Variable
from server.settings import PROJECT_ROOT, Settings

CONFIGURATION_PAGE = PROJECT_ROOT / "docs" / "configuration.md"
BEGIN = "<!-- written by `python -m server.settings_doc` from server/settings.py: edit that -->"
END = "<!-- end of the written table -->"


def shown(default: object) -> str:
    """A default as the environment would spell it."""
    if default is None:
        return "unset"
    if isinstance(default, bool):
        return "`true`" if default else "`false`"
    if isinstance(default, Enum):
        return f"`{default.value}`"
    if isinstance(default, float) and default.is_integer():
        return f"`{int(default)}`"
    if isinstance(default, frozenset | str) and not default:
        return "empty"
    return f"`{str(default).replace(str(PROJECT_ROOT), '<checkout>')}`"


def row(variable: Variable) -> str:
    if not variable.meaning:
        raise ValueError(f"{variable.name} says nothing of what it means: see server/settings.py")
    meaning = variable.meaning.replace("|", "\\|")
    return f"| `{variable.name}` | {shown(variable.default)} | {meaning} |"


def table() -> str:
    """One table per concern, under its heading, in the order the settings are read."""
    concerns: dict[str, list[Variable]] = {}
    for variable in Settings.variables():
        concerns.setdefault(variable.concern, []).append(variable)
    sections = [
        "\n".join(
            [f"## {concern}", "", "| variable | default | meaning |", "| --- | --- | --- |"]
            + [row(variable) for variable in variables]
        )
        for concern, variables in concerns.items()
    ]
    return "\n\n".join(sections)


def configuration_page(current: str) -> str:
    """`current` with the text between its markers replaced by today's table."""
    if BEGIN not in current or END not in current:
        raise ValueError(f"{CONFIGURATION_PAGE} lacks the markers {BEGIN!r} and {END!r}")
    before, rest = current.split(BEGIN, 1)
    after = rest.split(END, 1)[1]
    return f"{before}{BEGIN}\n\n{table()}\n\n{END}{after}"


def main() -> None:
    page = configuration_page(CONFIGURATION_PAGE.read_text())
    CONFIGURATION_PAGE.write_text(page)
    print(f"wrote {CONFIGURATION_PAGE.relative_to(PROJECT_ROOT)}")


if __name__ == "__main__":
    main()
