"""Reading settings from the environment: each variable read together with its default and what it
means, and noted under its concern, so the configuration page is written from the very calls that
read them (server/settings.py, `python -m server.settings_doc`). A bad value raises ValueError
naming the variable."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from resolvers.forms import normalise_origins
from schema.policy.introspection import Introspection

T = TypeVar("T", int, float)


def _number(env: Mapping[str, str], name: str, default: T, kind: Callable[[str], T]) -> T:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return kind(raw)
    except ValueError:
        what = "a whole number" if kind is int else "a number"
        raise ValueError(f"{name} must be {what}, not {raw!r}") from None


def _choice(env: Mapping[str, str], name: str, choices: tuple[str, ...], default: str) -> str:
    raw = (env.get(name) or default).lower()
    if raw not in choices:
        raise ValueError(f"{name} must be one of {', '.join(choices)}, not {raw!r}")
    return raw


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{name} must be true or false, not {raw!r}")


def _origins(env: Mapping[str, str], name: str) -> frozenset[str]:
    """Comma-separated origins, normalised as browsers send them in `Origin`."""
    found: set[str] = set()
    for item in (env.get(name) or "").split(","):
        if not item.strip():
            continue
        problems, origins = normalise_origins([item])
        if problems:
            raise ValueError(f"{name}: {item.strip()!r} is not an origin like https://shop.example")
        found.update(origins)
    return frozenset(found)


def _introspection(env: Mapping[str, str], name: str, default: Introspection) -> Introspection:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return Introspection(raw.lower())
    except ValueError:
        choices = "|".join(Introspection)
        raise ValueError(f"{name} must be one of {choices}, not {raw!r}") from None


@dataclass(frozen=True)
class Variable:
    """One environment variable as the configuration page lists it, under its concern."""

    name: str
    default: object
    meaning: str
    concern: str


class Environment:
    """Reads each variable with its default and meaning, and notes it in `read` (in order)."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env
        self.read: list[Variable] = []
        self.concern = ""

    def _note(self, name: str, default: object, meaning: str) -> None:
        self.read.append(Variable(name, default, meaning, self.concern))

    def text(self, name: str, default: str, meaning: str) -> str:
        self._note(name, default, meaning)
        return self.env.get(name) or default

    def optional(self, name: str, meaning: str) -> str | None:
        self._note(name, None, meaning)
        return self.env.get(name) or None

    def integer(self, name: str, default: int, meaning: str) -> int:
        self._note(name, default, meaning)
        return _number(self.env, name, default, int)

    def number(self, name: str, default: float, meaning: str) -> float:
        self._note(name, default, meaning)
        return _number(self.env, name, default, float)

    def flag(self, name: str, default: bool, meaning: str) -> bool:
        self._note(name, default, meaning)
        return _bool(self.env, name, default)

    def choice(self, name: str, choices: tuple[str, ...], default: str, meaning: str) -> str:
        self._note(name, default, meaning)
        return _choice(self.env, name, choices, default)

    def origins(self, name: str, meaning: str) -> frozenset[str]:
        self._note(name, frozenset[str](), meaning)
        return _origins(self.env, name)

    def introspection(self, name: str, default: Introspection, meaning: str) -> Introspection:
        self._note(name, default, meaning)
        return _introspection(self.env, name, default)
