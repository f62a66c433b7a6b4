"""The built-in engine's settings (read from the environment by server/settings.py): light to
import, so every command can read them without loading the provider's client."""

from dataclasses import dataclass


@dataclass(frozen=True)
class EngineSettings:
    enabled: bool = True
    """Run the engine inside `parley serve` (every process may: turns are claimed once)."""
    base_url: str | None = None
    """The Chat Completions endpoint's base URL (OpenAI's when unset)."""
    api_key: str | None = None
    concurrency: int = 16
    """Turns one process answers at once."""
    retries: int = 3
    """Retries of a request the provider refused for now (429, 5xx, timeouts)."""
    stall_seconds: float = 30.0
    """A stream that sends nothing for this long has failed."""
    context_tokens: int = 8000
    """The history sent with a turn, in estimated tokens."""
    lease_seconds: int = 20
    """A running turn not renewed for this long is failed (its process died)."""
    poll_seconds: float = 5.0
    demo_model: str = "gpt-4o-mini"
    """The model `make run` gives the demo assistant when a provider is configured."""

    @property
    def configured(self) -> bool:
        """Whether a provider is named (OPENAI_BASE_URL or OPENAI_API_KEY, or both): without
        either the client could only ask OpenAI with no key, which always refuses."""
        return self.base_url is not None or self.api_key is not None
