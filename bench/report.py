"""Plain-text output that pastes into docs/benchmarks.md as it is, echoed to stdout as made."""

import sys
from collections.abc import Sequence

_NAMES = frozenset({0})


class Report:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def line(self, text: str = "") -> None:
        print(text, flush=True)
        self.lines.append(text)

    def heading(self, text: str) -> None:
        self.line()
        self.line(text)
        self.line("=" * len(text))

    def table(
        self, headers: Sequence[str], rows: Sequence[Sequence[str]], text: frozenset[int] = _NAMES
    ) -> None:
        """Columns in `text` (names) left-aligned, the others (figures) right-aligned."""
        widths = [max(len(row[i]) for row in [headers, *rows]) for i in range(len(headers))]
        for position, row in enumerate([headers, *rows]):
            cells = [
                cell.ljust(width) if i in text else cell.rjust(width)
                for i, (cell, width) in enumerate(zip(row, widths, strict=True))
            ]
            self.line("  ".join(cells).rstrip())
            if position == 0:
                self.line("  ".join("-" * width for width in widths))

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def progress(text: str) -> None:
    """Progress goes to stderr, so stdout holds only the results."""
    print(f"[bench] {text}", file=sys.stderr, flush=True)


def us(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:,.1f}"


def ratio(value: float) -> str:
    return f"{value:.2f}×"


def noise(value: float) -> str:
    return f"±{value * 100:.0f}%"
