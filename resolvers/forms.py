"""Checking assistants' forms when they are saved, and visitors' values against them.

Values come from visitors' browsers, so nothing here trusts them: types are checked strictly and
patterns run on RE2, whose matching time is linear whatever pattern a builder saved.
"""

import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlsplit

import re2

from models.enums import VariableType
from resolvers.errors import BadUserInput
from resolvers.limits.bounds import Bounds

MAX_PATTERN_LENGTH = 200
MAX_OPTIONS = 50
MAX_ORIGINS = 20
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s.]+(\.[^@\s.]+)+")
_PHONE = re.compile(r"\+[1-9][0-9]{1,14}")  # E.164
_MAX_SAFE_INTEGER = 2**53
_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False
_RE2_OPTIONS.max_mem = 1 << 20


@dataclass(frozen=True)
class Problem:
    field: str
    message: str


def raise_problems(problems: Sequence[Problem], summary: str) -> None:
    """One BAD_USER_INPUT listing every problem, so a form shows all its errors at once."""
    if problems:
        raise BadUserInput(
            f"{summary}: " + "; ".join(f"{p.field}: {p.message}" for p in problems),
            fields=[{"field": p.field, "message": p.message} for p in problems],
        )


@dataclass(frozen=True)
class FieldRule:
    """What a value must be: a pre-chat form field, or an extracted variable's definition."""

    name: str
    type: VariableType
    required: bool = False
    options: tuple[str, ...] | None = None
    pattern: str | None = None

    @classmethod
    def of(cls, data: Mapping[str, Any]) -> "FieldRule":
        options = data.get("options")
        return cls(
            name=data["name"],
            type=VariableType(data["type"]),
            required=bool(data.get("required", False)),
            options=tuple(options) if options is not None else None,
            pattern=data.get("pattern"),
        )


def compile_pattern(pattern: str) -> Any:
    return re2.compile(pattern, options=_RE2_OPTIONS)


def check_value(rule: FieldRule, value: Any, bounds: Bounds) -> str | None:
    """Why `value` does not fit `rule`, or None when it does."""
    if len(json.dumps(value, ensure_ascii=False)) > bounds.max_variable_length:
        return f"is longer than {bounds.max_variable_length} characters"
    kind = rule.type
    if kind is VariableType.BOOLEAN:
        return None if isinstance(value, bool) else "must be true or false"
    if kind is VariableType.NUMBER:
        return None if _is_number(value) else "must be a number (at most 2^53 in size)"
    if not isinstance(value, str):
        return "must be a string"
    if kind is VariableType.EMAIL and not _EMAIL.fullmatch(value):
        return "must be an email address"
    if kind is VariableType.PHONE and not _PHONE.fullmatch(value):
        return "must be a phone number in E.164 form, e.g. +14155550123"
    if kind is VariableType.SELECT and value not in (rule.options or ()):
        return "must be one of " + ", ".join(rule.options or ())
    if kind is VariableType.DATE and not _is_date(value):
        return "must be a date, YYYY-MM-DD"
    if rule.pattern is not None and not compile_pattern(rule.pattern).fullmatch(value):
        return "does not match the expected format"
    return None


def _is_number(value: Any) -> bool:
    """Finite, and exact in every JSON reader (doubles hold integers up to 2^53)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return abs(value) <= _MAX_SAFE_INTEGER and (isinstance(value, int) or math.isfinite(value))


def _is_date(value: str) -> bool:
    """YYYY-MM-DD only (Python also reads week dates like 2026-W48-3 as dates)."""
    try:
        return date.fromisoformat(value).isoformat() == value
    except ValueError:
        return False


def check_pre_chat(
    form: Sequence[FieldRule], values: Sequence[tuple[str, Any]], bounds: Bounds
) -> dict[str, Any]:
    """The visitor's answers by name; every problem at once as BAD_USER_INPUT."""
    rules = {rule.name: rule for rule in form}
    problems = [
        Problem(name, "is not a field of this form") for name, _ in values if name not in rules
    ]
    answers: dict[str, Any] = {}
    for name, value in values:
        if name in answers:
            problems.append(Problem(name, "is given twice"))
        answers[name] = value
    for rule in form:
        value = answers.get(rule.name)
        if value is None or (isinstance(value, str) and not value.strip()):
            answers.pop(rule.name, None)
            if rule.required:
                problems.append(Problem(rule.name, "is required"))
            continue
        if (why := check_value(rule, value, bounds)) is not None:
            problems.append(Problem(rule.name, why))
    raise_problems(problems, "The pre-chat form has errors")
    return {name: value for name, value in answers.items() if name in rules}


def form_definition_problems(
    form: Sequence[Mapping[str, Any]], extracted: Sequence[Mapping[str, Any]], bounds: Bounds
) -> list[Problem]:
    """What keeps a form and extracted-variable definitions from being saved."""
    problems: list[Problem] = []
    if len(form) > bounds.max_form_fields:
        problems.append(Problem("preChatForm", f"has more than {bounds.max_form_fields} fields"))
    if len(extracted) > bounds.max_variables_per_conversation:
        problems.append(
            Problem(
                "extractedVariables",
                f"has more than {bounds.max_variables_per_conversation} definitions",
            )
        )
    problems += _names(form, "preChatForm") + _names(extracted, "extractedVariables")
    for item in form:
        problems += _form_field(item)
    for item in extracted:
        if len(item.get("description") or "") > 500:
            problems.append(
                Problem(f"extractedVariables.{item['name']}", "description is too long")
            )
    return problems


def _names(items: Iterable[Mapping[str, Any]], where: str) -> list[Problem]:
    problems, seen = [], set()
    for item in items:
        name = item["name"]
        if not _NAME.fullmatch(name):
            problems.append(
                Problem(
                    f"{where}.{name}",
                    "names are letters, digits and _, up to 64, not starting with a digit",
                )
            )
        if name in seen:
            problems.append(Problem(f"{where}.{name}", "is defined twice"))
        seen.add(name)
    return problems


def _form_field(item: Mapping[str, Any]) -> list[Problem]:
    where = f"preChatForm.{item['name']}"
    problems = []
    label = item.get("label") or ""
    if not 1 <= len(label) <= 200:
        problems.append(Problem(where, "label needs 1 to 200 characters"))
    options = item.get("options")
    if item["type"] == VariableType.SELECT:
        if not options or len(options) > MAX_OPTIONS or len(set(options)) != len(options):
            problems.append(Problem(where, f"SELECT needs 1 to {MAX_OPTIONS} distinct options"))
    elif options is not None:
        problems.append(Problem(where, "only SELECT fields have options"))
    pattern = item.get("pattern")
    if pattern is not None:
        if item["type"] in (VariableType.NUMBER, VariableType.BOOLEAN):
            problems.append(Problem(where, "patterns apply to text values only"))
        elif len(pattern) > MAX_PATTERN_LENGTH:
            problems.append(Problem(where, f"pattern is longer than {MAX_PATTERN_LENGTH}"))
        else:
            try:
                compile_pattern(pattern)
            except re2.error as error:
                problems.append(Problem(where, f"pattern is not valid: {error}"))
    return problems


def normalise_origins(origins: Sequence[str]) -> tuple[list[Problem], list[str]]:
    """Allowed widget origins as browsers send them in `Origin`: scheme://host[:port], the host
    lower-case and in punycode, default ports dropped. Anything else is a problem."""
    problems: list[Problem] = []
    normalised: list[str] = []
    if len(origins) > MAX_ORIGINS:
        problems.append(Problem("allowedOrigins", f"has more than {MAX_ORIGINS} origins"))
    for origin in origins:
        found = _origin(origin.strip())
        if found is None:
            problems.append(
                Problem("allowedOrigins", f"{origin!r} is not an origin like https://shop.example")
            )
        elif found not in normalised:
            normalised.append(found)
    return problems, normalised


def _origin(text: str) -> str | None:
    try:
        parts = urlsplit(text)
        port = parts.port
        host = (parts.hostname or "").encode("idna").decode("ascii")
    except (ValueError, UnicodeError):
        return None
    if (
        parts.scheme not in ("http", "https")
        or not host
        or parts.username is not None
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
    ):
        return None
    if port is None or port == {"http": 80, "https": 443}[parts.scheme]:
        return f"{parts.scheme}://{host}"
    return f"{parts.scheme}://{host}:{port}"
