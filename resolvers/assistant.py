"""Assistants: reading them, and saving them with forms checked before anything is stored."""

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from typing import Any

from tortoise.transactions import in_transaction

from models import Assistant
from models.enums import ConversationMode
from resolvers.errors import BadUserInput, NotFound
from resolvers.forms import Problem, form_definition_problems, normalise_origins, raise_problems
from resolvers.limits.bounds import Bounds
from resolvers.webhook import WebhookSettings, check_url


async def list_assistants(workspace_id: int) -> list[Assistant]:
    """The workspace's assistants that are not archived, oldest first."""
    return await Assistant.filter(workspace_id=workspace_id, archived_at=None).order_by(
        "created_at", "id"
    )


async def assistants_by_id(workspace_id: int, ids: Sequence[int]) -> dict[int, Assistant]:
    rows = await Assistant.filter(workspace_id=workspace_id, id__in=ids)
    return {row.id: row for row in rows}


async def get_assistant(workspace_id: int, assistant_id: int) -> Assistant:
    found = await Assistant.get_or_none(id=assistant_id, workspace_id=workspace_id)
    if found is None:
        raise NotFound("Assistant not found.")
    return found


@dataclass(frozen=True)
class EngineSpec:
    """How the built-in engine answers: a model (None: an engine of one's own answers)."""

    model: str | None
    provider: str | None = None
    instructions: str | None = None
    temperature: float | None = None
    max_reply_tokens: int | None = None
    first_message: str | None = None
    offers_handover: bool | None = None
    """None keeps what an update had (off for a new assistant)."""


MAX_INSTRUCTIONS = 20_000
"""Characters of an assistant's instructions."""
MAX_REPLY_TOKENS = 100_000
MAX_FIRST_MESSAGE = 4000
"""Characters of a first message (a message's own bound by default)."""


def _engine_problems(engine: EngineSpec) -> list[Problem]:
    problems = []
    if engine.model is not None and not 1 <= len(engine.model.strip()) <= 128:
        problems.append(Problem("engine.model", "needs 1 to 128 characters"))
    if engine.provider is not None and not 1 <= len(engine.provider.strip()) <= 64:
        problems.append(Problem("engine.provider", "needs 1 to 64 characters"))
    if engine.instructions is not None and len(engine.instructions) > MAX_INSTRUCTIONS:
        problems.append(
            Problem("engine.instructions", f"needs at most {MAX_INSTRUCTIONS:,} characters")
        )
    if engine.first_message is not None and len(engine.first_message) > MAX_FIRST_MESSAGE:
        problems.append(
            Problem("engine.firstMessage", f"needs at most {MAX_FIRST_MESSAGE:,} characters")
        )
    if engine.temperature is not None and not 0 <= engine.temperature <= 2:
        problems.append(Problem("engine.temperature", "must be between 0 and 2"))
    if engine.max_reply_tokens is not None and not 1 <= engine.max_reply_tokens <= MAX_REPLY_TOKENS:
        problems.append(
            Problem("engine.maxReplyTokens", f"must be between 1 and {MAX_REPLY_TOKENS:,}")
        )
    return problems


DEFAULT_EXTRACTED: list[dict[str, Any]] = [
    {
        "name": "status",
        "type": "TEXT",
        "description": "How the conversation ended: resolved, unresolved, or follow-up needed.",
    },
    {"name": "summary", "type": "TEXT", "description": "What the conversation was about, briefly."},
]
"""What a new assistant extracts when it names nothing, as the platform's assistants do."""


@dataclass(frozen=True)
class FunctionSpec:
    """A function the model may call: Parley POSTs its arguments to `url`."""

    name: str
    url: str
    description: str | None = None
    parameters: Any = None
    """JSON Schema of its arguments (an object schema); None: no arguments."""


MAX_FUNCTIONS = 16
MAX_FUNCTION_DESCRIPTION = 1000
MAX_PARAMETERS = 8000
"""Characters of a function's JSON Schema."""
_FUNCTION_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
"""What Chat Completions accepts as a function's name."""


def _too_long(schema: dict[str, Any]) -> bool:
    try:
        return len(json.dumps(schema)) > MAX_PARAMETERS
    except (ValueError, RecursionError):  # nested past what JSON text can be written for
        return True


def _functions(
    functions: Sequence[FunctionSpec], webhooks: WebhookSettings
) -> tuple[list[Problem], list[dict[str, Any]]]:
    """Problems with the functions, and the functions as stored."""
    problems, stored = [], []
    names: set[str] = set()
    if len(functions) > MAX_FUNCTIONS:
        problems.append(Problem("functions", f"holds at most {MAX_FUNCTIONS} functions"))
    for index, function in enumerate(functions[:MAX_FUNCTIONS]):
        at = f"functions.{index}"
        if not _FUNCTION_NAME.fullmatch(function.name):
            problems.append(Problem(f"{at}.name", "needs 1 to 64 letters, digits, _ or -"))
        elif function.name in names:
            problems.append(Problem(f"{at}.name", "is given twice"))
        names.add(function.name)
        description = (function.description or "").strip()
        if len(description) > MAX_FUNCTION_DESCRIPTION:
            problems.append(
                Problem(f"{at}.description", f"needs at most {MAX_FUNCTION_DESCRIPTION} characters")
            )
        parameters: dict[str, Any] = {"type": "object", "properties": {}}
        if function.parameters is not None:
            given = function.parameters
            if not isinstance(given, dict) or given.get("type") != "object" or _too_long(given):
                problems.append(
                    Problem(
                        f"{at}.parameters",
                        f'must be a JSON Schema object ({{"type": "object", …}}) of at most '
                        f"{MAX_PARAMETERS:,} characters",
                    )
                )
            else:
                parameters = given
        try:
            url = check_url(function.url, webhooks)
        except BadUserInput as refused:
            problems.append(Problem(f"{at}.url", refused.message))
            url = function.url
        entry: dict[str, Any] = {"name": function.name, "url": url, "parameters": parameters}
        if description:
            entry["description"] = description
        stored.append(entry)
    return problems, stored


class Keep(Enum):
    """An update's value for a field it leaves as it was."""

    KEEP = "keep"


KEEP = Keep.KEEP
_COLOR = re.compile(r"#[0-9a-fA-F]{6}")
MAX_LANGUAGE = 35
"""Characters of a language tag (BCP 47's longest common tags are far shorter)."""
_SUBTAGS = (
    r"(-[a-z]{3}){0,3}(-[a-z]{4})?(-([a-z]{2}|[0-9]{3}))?(-([a-z0-9]{5,8}|[0-9][a-z0-9]{3}))*"
)
_LANGUAGE = re.compile(
    rf"[a-z]{{2,3}}{_SUBTAGS}(-[0-9a-wyz](-[a-z0-9]{{2,8}})+)*(-x(-[a-z0-9]{{1,8}})+)?",
    re.IGNORECASE,
)


def language_tag(text: str) -> str | None:
    """A well-formed BCP-47 tag (language, then script, region, variants, extensions, private
    use: "de", "fr-CA", "zh-Hant-TW") in its usual case; None when it is not one."""
    if len(text) > MAX_LANGUAGE or not _LANGUAGE.fullmatch(text):
        return None
    parts = text.lower().split("-")
    for index, part in enumerate(parts[1:], 1):
        if len(parts[index - 1]) == 1:
            break  # an extension or private use: kept as written, in lower case
        if len(part) == 4 and part.isalpha():
            parts[index] = part.title()
        elif len(part) == 2:
            parts[index] = part.upper()
    return "-".join(parts)


def _look_problems(spec: "AssistantSpec") -> list[Problem]:
    problems = []
    color = spec.widget_color
    if isinstance(color, str) and not _COLOR.fullmatch(color):
        problems.append(Problem("widgetColor", 'needs "#" and six hex digits, like "#0b6e4f"'))
    language = spec.language
    if isinstance(language, str) and language_tag(language) is None:
        problems.append(
            Problem(
                "language",
                f'needs a BCP-47 language tag like "de" or "fr-CA" (up to {MAX_LANGUAGE} '
                "characters)",
            )
        )
    return problems


@dataclass(frozen=True)
class AssistantSpec:
    """An assistant as a builder saves it; None lists keep what an update had."""

    name: str
    pre_chat_form: list[dict[str, Any]] | None = None
    extracted_variables: list[dict[str, Any]] | None = None
    allowed_origins: list[str] | None = None
    widget_mode: ConversationMode | None = None
    engine: EngineSpec | None = None
    """None keeps what an update had."""
    functions: Sequence[FunctionSpec] | None = None
    widget_color: str | Keep | None = KEEP
    """"#rrggbb", or None for the widget's own; KEEP keeps what an update had (none on create)."""
    language: str | Keep | None = KEEP
    """A BCP-47 tag, or None for the visitor's browser's; KEEP as for the colour."""


def _checked(
    spec: AssistantSpec, current: Assistant | None, bounds: Bounds, webhooks: WebhookSettings
) -> dict[str, Any]:
    """The fields to store; every problem with the spec at once, as BAD_USER_INPUT."""
    name = spec.name.strip()
    problems = []
    if not 1 <= len(name) <= 200:
        problems.append(Problem("name", "needs 1 to 200 characters"))
    form = spec.pre_chat_form
    if form is None:
        form = current.pre_chat_form if current else []
    extracted = spec.extracted_variables
    if extracted is None:
        extracted = current.extracted_variables if current else DEFAULT_EXTRACTED
    problems += form_definition_problems(form, extracted, bounds)
    origins = spec.allowed_origins
    if origins is None:
        origins = current.allowed_origins if current else []
    origin_problems, origins = normalise_origins(origins)
    if spec.engine is not None:
        problems += _engine_problems(spec.engine)
    functions = current.functions if current else []
    if spec.functions is not None:
        function_problems, functions = _functions(spec.functions, webhooks)
        problems += function_problems
    problems += _look_problems(spec)
    raise_problems(problems + origin_problems, "The assistant has errors")
    engine = {}
    if spec.engine is not None:
        engine = {
            "model": spec.engine.model.strip() if spec.engine.model else None,
            "provider": spec.engine.provider.strip() if spec.engine.provider else None,
            "instructions": spec.engine.instructions,
            "temperature": spec.engine.temperature,
            "max_reply_tokens": spec.engine.max_reply_tokens,
            "first_message": spec.engine.first_message or None,
        }
        if spec.engine.offers_handover is not None:
            engine["offers_handover"] = spec.engine.offers_handover
    look: dict[str, Any] = {}
    if spec.widget_color is not KEEP or current is None:
        look["widget_color"] = (
            spec.widget_color.lower() if isinstance(spec.widget_color, str) else None
        )
    if spec.language is not KEEP or current is None:
        look["language"] = language_tag(spec.language) if isinstance(spec.language, str) else None
    return {
        **engine,
        **look,
        "name": name,
        "pre_chat_form": form,
        "extracted_variables": extracted,
        "allowed_origins": origins,
        "functions": functions,
        "widget_mode": spec.widget_mode
        or (current.widget_mode if current else ConversationMode.CHAT),
    }


async def create_assistant(
    workspace_id: int,
    spec: AssistantSpec,
    bounds: Bounds,
    webhooks: WebhookSettings | None = None,
) -> Assistant:
    """`webhooks`: where functions may point (the webhooks' rules: no private addresses
    unless the server allows them)."""
    checked = _checked(spec, None, bounds, webhooks or WebhookSettings())
    return await Assistant.create(workspace_id=workspace_id, **checked)


async def update_assistant(
    workspace_id: int,
    assistant_id: int,
    spec: AssistantSpec,
    bounds: Bounds,
    webhooks: WebhookSettings | None = None,
) -> Assistant:
    async with in_transaction():
        assistant = (
            await Assistant.select_for_update()
            .filter(id=assistant_id, workspace_id=workspace_id)
            .first()
        )
        if assistant is None:
            raise NotFound("Assistant not found.")
        for name, value in _checked(spec, assistant, bounds, webhooks or WebhookSettings()).items():
            setattr(assistant, name, value)
        await assistant.save()
    return assistant


async def archive_assistant(workspace_id: int, assistant_id: int) -> Assistant:
    """Archives it (idempotent): it leaves `assistants`, starts no more conversations, and keeps
    its history."""
    assistant = await get_assistant(workspace_id, assistant_id)
    if assistant.archived_at is None:
        assistant.archived_at = datetime.now(UTC)
        await assistant.save(update_fields=["archived_at"])
    return assistant
