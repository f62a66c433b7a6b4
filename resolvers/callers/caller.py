"""Who is calling, from the bearer token: a secret key, a publishable (widget) key, or the session
token of one conversation. Each kind may do only what its methods here allow."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from models.enums import ApiKeyScope, MessageRole, VariableSource
from resolvers.errors import Forbidden, NotFound

VISITOR_ROLES = frozenset(
    {MessageRole.USER, MessageRole.ASSISTANT, MessageRole.AGENT, MessageRole.HANDOVER}
)
"""The messages a visitor sees: theirs, the assistant's, the agents' who answered them and who
took over, never the engine's SYSTEM notes or TOOL results."""
VISITOR_SOURCES = frozenset({VariableSource.PRE_CHAT_FORM})
"""The variables a visitor sees: their own pre-chat answers, never what was extracted about them."""


class CallerKind(StrEnum):
    SECRET = "SECRET"
    PUBLISHABLE = "PUBLISHABLE"
    SESSION = "SESSION"


@dataclass(frozen=True)
class Caller:
    workspace_id: int
    kind: CallerKind
    scopes: frozenset[ApiKeyScope] = frozenset()
    key_id: int | None = None
    assistant_id: int | None = None
    """The assistant of a publishable key or of a session's conversation."""
    conversation_id: int | None = None
    """The one conversation a session token may touch."""
    expires_at: datetime | None = None
    """When a session token stops authenticating; keys do not expire (they are revoked)."""
    agent_id: int | None = None
    """The agent of an agent's key: it reads as a secret key with READ does, and handles
    conversations as that agent (HANDLE)."""

    @property
    def identity(self) -> str:
        """Whose writes this caller's reads must see (resolvers/database/replica.py): the key,
        or a session token's conversation (a name for it, though visitors read the primary)."""
        return (
            f"key:{self.key_id}" if self.key_id is not None else f"session:{self.conversation_id}"
        )

    @property
    def visitor(self) -> bool:
        """A widget key or a session token: the visitor's view only (schema/policy/visibility.py
        says which fields; `message_roles` and `variable_sources` which rows)."""
        return self.kind is not CallerKind.SECRET

    @property
    def message_roles(self) -> frozenset[MessageRole] | None:
        """The roles of the messages this caller may read; None for all."""
        return VISITOR_ROLES if self.visitor else None

    @property
    def variable_sources(self) -> frozenset[VariableSource] | None:
        """The sources of the variables this caller may read; None for all."""
        return VISITOR_SOURCES if self.visitor else None

    def require_reader(self) -> "Caller":
        """Lists, counts and any record of the workspace: secret keys with READ."""
        if self.kind is not CallerKind.SECRET or ApiKeyScope.READ not in self.scopes:
            raise Forbidden("This key cannot read conversation records: use a secret key.")
        return self

    def require_writer(self) -> "Caller":
        """Management and the assistant engine's writes: secret keys with WRITE."""
        if self.kind is not CallerKind.SECRET or ApiKeyScope.WRITE not in self.scopes:
            raise Forbidden("This needs a secret key with the WRITE scope.")
        return self

    def require_agent(self) -> int:
        """Taking over and writing to a visitor as a person: an agent's own key; its agent."""
        if self.agent_id is None or ApiKeyScope.HANDLE not in self.scopes:
            raise Forbidden("Only an agent's own key can do this: create one with createAgent.")
        return self.agent_id

    def require_handler(self) -> "Caller":
        """Moving a conversation between its assistant and people (assigning, handing back):
        an agent's key, or a secret key with WRITE (a supervisor, an engine of one's own)."""
        if self.agent_id is not None and ApiKeyScope.HANDLE in self.scopes:
            return self
        return self.require_writer()

    def require_conversation(self, conversation_id: int, *, write: bool) -> "Caller":
        """A secret key (READ or WRITE as asked), or the session token of this conversation.

        Another conversation answers NOT_FOUND to a session token, as if it did not exist.
        """
        if self.kind is CallerKind.SESSION:
            if conversation_id != self.conversation_id:
                raise NotFound("Conversation not found.")
            return self
        return self.require_writer() if write else self.require_reader()
