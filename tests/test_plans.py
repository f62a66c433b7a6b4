"""What the compiled plans keep (schema/plan): their cache is bounded, and they answer only what
they cover; tests/test_plan_differential.py checks that their answers equal the executor's."""

from itertools import product

from prometheus_client import REGISTRY
from starlette.applications import Starlette

from schema.plan.extension import MAX_PLANS
from tests.support import factories
from tests.support.api import Api

FLAGS = 6
QUERY = (
    "query(" + ", ".join(f"$f{n}: Boolean!" for n in range(FLAGS)) + ") { conversations { edges "
    "{ node { "
    + " ".join(f"... @include(if: $f{n}) {{ a{n}: id }}" for n in range(FLAGS))
    + " } } } }"
)


def _answered() -> float:
    return REGISTRY.get_sample_value("parley_compiled_plans_total", {"outcome": "answered"}) or 0


async def test_a_document_keeps_a_bounded_number_of_plans(app: Starlette, api: Api) -> None:
    """Each combination of @include values is a plan of its own; a client cycling through 64 of
    them leaves at most MAX_PLANS with the document, and every answer stays right."""
    workspace_id, key = await factories.workspace()
    bot = await factories.assistant(workspace_id)
    await factories.conversation(workspace_id, bot.id)
    before = _answered()
    for flags in product((False, True), repeat=FLAGS):
        variables = {f"f{n}": flag for n, flag in enumerate(flags)}
        result = await api(QUERY, variables, key=key)
        node = result.data["conversations"]["edges"][0]["node"]
        assert sorted(node) == [f"a{n}" for n, flag in enumerate(flags) if flag]
    analysed = app.state.graphql_view.schema.documents.cache.get(QUERY)
    assert analysed is not None
    assert len(analysed.plans) <= MAX_PLANS
    answered = _answered() - before
    assert MAX_PLANS // 2 <= answered < 2**FLAGS  # the first ones by plans, the rest executed


async def test_queries_a_plan_does_not_cover_are_executed(api: Api) -> None:
    workspace_id, key = await factories.workspace()
    bot = await factories.assistant(workspace_id, "Support bot")
    await factories.conversation(workspace_id, bot.id)
    before = REGISTRY.get_sample_value("parley_compiled_plans_total", {"outcome": "not_covered"})
    document = "{ conversations { edges { node { id } } } conversationCounts { total } }"
    result = await api(document, key=key)
    assert result.errors == []
    assert result.data["conversationCounts"] == {"total": 1}
    after = REGISTRY.get_sample_value("parley_compiled_plans_total", {"outcome": "not_covered"})
    assert (after or 0) == (before or 0) + 1
