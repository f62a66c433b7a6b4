"""A compiled plan that fails unexpectedly is a bug made visible: the executor still answers the
client, and the failure is logged at ERROR with the document's hash and counted in /metrics. (The
suite's own fixture fails any other test during which a plan failed: tests/conftest.py.)"""

from collections.abc import Iterator
from typing import Any

import pytest
from prometheus_client import REGISTRY
from starlette.applications import Starlette

from schema.policy.cache import digest_of
from tests.support import factories
from tests.support.api import Api


@pytest.fixture
def plans_must_not_fail() -> None:
    """Overrides the suite's check (tests/conftest.py): this module fails a plan on purpose."""


def _failed() -> float:
    value = REGISTRY.get_sample_value("parley_compiled_plans_total", {"outcome": "failed"})
    return value or 0.0


@pytest.fixture
def broken_count_reader(app: Starlette) -> Iterator[None]:
    """A bug in the plans' reading of `conversationCount`'s arguments (our own seam, broken on
    purpose: nothing else can make a correct plan fail)."""
    readers: dict[str, Any] = app.state.graphql_view.schema.plans.readers
    kept = readers["Query.conversationCount"]

    def broken(**_: Any) -> Any:
        raise RuntimeError("a bug in a plan")

    readers["Query.conversationCount"] = broken
    try:
        yield
    finally:
        readers["Query.conversationCount"] = kept


@pytest.mark.usefixtures("broken_count_reader")
async def test_a_failing_plan_is_logged_counted_and_the_executor_answers(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    workspace_id, key = await factories.workspace()
    bot = await factories.assistant(workspace_id)
    await factories.conversation(workspace_id, bot.id)
    query = "query Badge { failingBadge: conversationCount }"  # a document no test compiled yet
    before = _failed()
    with caplog.at_level("ERROR", logger="parley.plan"):
        answer = await api(query, key=key)
    assert answer.data == {"failingBadge": 1}  # the executor's answer, as if nothing happened
    assert _failed() == before + 1
    logged = [record for record in caplog.records if record.levelname == "ERROR"]
    assert len(logged) == 1
    assert digest_of(query) in logged[0].getMessage()
    assert "Badge" in logged[0].getMessage()
    assert logged[0].exc_info is not None
