"""Relay page arguments, checked once for every connection."""

from dataclasses import dataclass

from resolvers.errors import BadUserInput

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


@dataclass(frozen=True)
class PageArgs:
    """Relay page arguments, refused (BAD_USER_INPUT) as soon as they are made if they are wrong."""

    first: int | None = None
    after: str | None = None
    last: int | None = None
    before: str | None = None

    def __post_init__(self) -> None:
        if self.first is not None and self.last is not None:
            raise BadUserInput("Pass `first` or `last`, not both.")
        for name, value in (("first", self.first), ("last", self.last)):
            if value is not None and not 1 <= value <= MAX_PAGE_SIZE:
                raise BadUserInput(f"`{name}` must be between 1 and {MAX_PAGE_SIZE}.")

    @property
    def forward(self) -> bool:
        return self.last is None

    @property
    def size(self) -> int:
        """How many rows the page holds at most."""
        return self.first or self.last or DEFAULT_PAGE_SIZE


@dataclass(frozen=True)
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None
