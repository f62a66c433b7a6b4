"""A web-widget visitor as the write path records it on the conversation row."""

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Visit:
    session_id: str
    page_url: str | None = None
    user_agent: str | None = None
    locale: str | None = None


def visitor_fields(visit: Visit | None) -> dict[str, Any]:
    """The conversation columns of a web-widget visitor (all None without one)."""
    return {
        "visitor_session_id": visit.session_id if visit else None,
        "visitor_page_url": visit.page_url if visit else None,
        "visitor_user_agent": visit.user_agent if visit else None,
        "visitor_locale": visit.locale if visit else None,
    }
