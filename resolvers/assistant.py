"""Assistants: reading them, and saving them with forms checked before anything is stored."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tortoise.transactions import in_transaction

from models import Assistant
from models.enums import ConversationMode
from resolvers.errors import NotFound
from resolvers.forms import Problem, form_definition_problems, normalise_origins, raise_problems
from resolvers.limits.bounds import Bounds


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
class AssistantSpec:
    """An assistant as a builder saves it; None lists keep what an update had."""

    name: str
    pre_chat_form: list[dict[str, Any]] | None = None
    extracted_variables: list[dict[str, Any]] | None = None
    allowed_origins: list[str] | None = None
    widget_mode: ConversationMode | None = None


def _checked(spec: AssistantSpec, current: Assistant | None, bounds: Bounds) -> dict[str, Any]:
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
        extracted = current.extracted_variables if current else []
    problems += form_definition_problems(form, extracted, bounds)
    origins = spec.allowed_origins
    if origins is None:
        origins = current.allowed_origins if current else []
    origin_problems, origins = normalise_origins(origins)
    raise_problems(problems + origin_problems, "The assistant has errors")
    return {
        "name": name,
        "pre_chat_form": form,
        "extracted_variables": extracted,
        "allowed_origins": origins,
        "widget_mode": spec.widget_mode
        or (current.widget_mode if current else ConversationMode.CHAT),
    }


async def create_assistant(workspace_id: int, spec: AssistantSpec, bounds: Bounds) -> Assistant:
    return await Assistant.create(workspace_id=workspace_id, **_checked(spec, None, bounds))


async def update_assistant(
    workspace_id: int, assistant_id: int, spec: AssistantSpec, bounds: Bounds
) -> Assistant:
    async with in_transaction():
        assistant = (
            await Assistant.select_for_update()
            .filter(id=assistant_id, workspace_id=workspace_id)
            .first()
        )
        if assistant is None:
            raise NotFound("Assistant not found.")
        for name, value in _checked(spec, assistant, bounds).items():
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
