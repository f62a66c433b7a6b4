"""`{{name}}` placeholders in an assistant's instructions and first message, filled from the
visitor's pre-chat answers: a builder writes "Greet {{name}} by name" once, and each conversation
gets its visitor's. A placeholder with no answer becomes empty text."""

import json
import re
from collections.abc import Mapping
from typing import Any

_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


def fill(template: str, answers: Mapping[str, Any]) -> str:
    return _PLACEHOLDER.sub(lambda found: _text(answers.get(found.group(1))), template)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)
