"""Documents past a limit are refused before any resolver runs, cheaply; the others report their
cost. Limits: tokens, depth, aliases and fields over fragment expansion, cost, one operation."""

import gc
import time
import tracemalloc

import pytest
from graphql import parse
from starlette.applications import Starlette

from schema.policy.cache import TOKEN_BYTES, Analysed, DocumentCache, weight
from schema.policy.documents import DocumentLimits
from schema.policy.introspection import Introspection
from schema.schema import ParleySchema
from server.settings import Settings
from tests.support import factories
from tests.support.api import Api
from tests.support.ws import open_socket

PAGES = """query($n: Int, $m: Int) { conversations(first: $n) { edges { node {
  messages(first: $m) { edges { node { id } } } } } } }"""


def schema_of(app: Starlette) -> ParleySchema:
    schema: ParleySchema = app.state.graphql_view.schema
    return schema


def bomb(levels: int, leaf: str) -> str:
    """Fragments that each spread the next one twice: 2**levels copies of the leaf."""
    fragments = "".join(
        f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}\n" for i in range(levels)
    )
    return f"{{ ...F0 }}\n{fragments}fragment F{levels} on Query {{ {leaf} }}"


async def test_a_ten_megabyte_document_is_refused_while_parsing(app: Starlette) -> None:
    huge = "{ " + "conversationCount " * 600_000 + "}"
    assert len(huge) > 10_000_000
    started = time.perf_counter()
    result = await schema_of(app).execute(huge)
    elapsed = time.perf_counter() - started
    assert elapsed < 1.0, elapsed
    assert result.data is None
    assert result.errors is not None
    assert [error.extensions for error in result.errors] == [{"code": "QUERY_TOO_COMPLEX"}]
    assert "3000 tokens" in result.errors[0].message


async def test_refused_huge_documents_leave_nothing_behind(app: Starlette) -> None:
    schema = schema_of(app)
    huge = ["{ " + f"f{i} " * 2_000_000 + "}" for i in range(4)]
    tracemalloc.start()
    try:
        for document in huge:
            result = await schema.execute(document)
            assert result.errors is not None
        del result  # its error names the source, a copy of the last document
        gc.collect()
        held, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20_000_000, peak  # each document is 16 MB of text; parsed, one was 600 MB
    assert held < 5_000_000, held
    assert all(schema.documents.cache.get(document) is None for document in huge)


async def test_a_document_over_the_token_limit_is_refused_over_http(api: Api) -> None:
    _, key = await factories.workspace()
    result = await api("{ " + "__typename " * 3001 + "}", key=key)
    assert result.status == 400
    assert result.codes == ["QUERY_TOO_COMPLEX"]
    types = ", ".join(["TEST"] * 2980)
    within = await api(f"{{ conversationCount(filter: {{types: [{types}]}}) }}", key=key)
    assert within.errors[0]["path"] == ["conversationCount"]  # parsed, validated, executed


async def test_documents_too_costly_to_validate_are_too_complex(api: Api) -> None:
    _, key = await factories.workspace()
    result = await api("{ " + "__typename " * 2000 + "}", key=key)
    assert result.codes == ["QUERY_TOO_COMPLEX"]


async def test_syntax_errors_are_bad_user_input(api: Api) -> None:
    _, key = await factories.workspace()
    result = await api("{ conversationCount ", key=key)
    assert result.status == 400
    assert result.codes == ["BAD_USER_INPUT"]


async def test_a_fragment_bomb_of_aliases_is_refused_at_once(api: Api) -> None:
    _, key = await factories.workspace()
    document = bomb(24, "a: conversationCount")
    assert len(document) < 1200
    started = time.perf_counter()
    result = await api(document, key=key)
    elapsed = time.perf_counter() - started
    assert elapsed < 2.0, elapsed
    assert result.status == 400
    assert "data" not in result.body
    assert set(result.codes) == {"QUERY_TOO_COMPLEX"}
    assert f"uses {2**24} aliases" in result.errors[0]["message"]


async def test_a_fragment_bomb_without_aliases_is_refused_at_once(api: Api) -> None:
    _, key = await factories.workspace()
    started = time.perf_counter()
    result = await api(bomb(24, "conversationCount"), key=key)
    elapsed = time.perf_counter() - started
    assert elapsed < 2.0, elapsed
    assert "data" not in result.body
    assert result.codes == ["QUERY_TOO_COMPLEX"]
    assert "fields" in result.errors[0]["message"]


async def test_a_small_bomb_within_the_limits_runs(api: Api) -> None:
    _, key = await factories.workspace()
    assert (await api(bomb(4, "conversationCount"), key=key)).data == {"conversationCount": 0}


async def test_aliases_in_a_fragment_count_each_time_it_is_spread(api: Api) -> None:
    _, key = await factories.workspace()
    fragment = "fragment Two on Query { a: conversationCount b: conversationCount }"
    spreads = " ".join(f"c{i}: conversations {{ totalCount }} ...Two" for i in range(11))
    result = await api(f"{{ {spreads} }} {fragment}", key=key)
    assert result.codes == ["QUERY_TOO_COMPLEX"]
    assert "uses 30 aliases" not in result.errors[0]["message"]
    assert "the limit is 30" in result.errors[0]["message"]
    few = " ".join(f"c{i}: conversations {{ totalCount }} ...Two" for i in range(5))
    assert (await api(f"{{ {few} }} {fragment}", key=key)).data["a"] == 0


async def test_depth_counts_through_fragments(api: Api) -> None:
    _, key = await factories.workspace()
    inner = "fragment M on Message { conversation { messages { edges { node { id } } } } }"
    deep = "{ conversations { edges { node { messages { edges { node { ...M } } } } } } }" + inner
    result = await api(deep, key=key)
    assert result.codes == ["QUERY_TOO_COMPLEX"]
    assert "11 levels deep; the limit is 10" in result.errors[0]["message"]


async def test_fragment_cycles_are_refused_quickly(api: Api) -> None:
    _, key = await factories.workspace()
    started = time.perf_counter()
    result = await api(
        "{ ...A } fragment A on Query { conversationCount ...B } fragment B on Query { ...A }",
        key=key,
    )
    assert time.perf_counter() - started < 2.0
    assert result.codes == ["BAD_USER_INPUT"]
    assert "cannot spread fragment" in result.errors[0]["message"].lower()


async def test_every_executed_response_reports_its_cost(api: Api) -> None:
    _, key = await factories.workspace()
    result = await api(PAGES, {"n": 100, "m": 100}, key=key)
    assert result.data == {"conversations": {"edges": []}}
    assert result.body["extensions"]["cost"] == {"requested": 100 + 100 * 100, "limit": 20_000}
    counted = await api("{ conversationCount }", key=key)
    assert counted.body["extensions"]["cost"] == {"requested": 0, "limit": 20_000}


async def test_page_sizes_default_to_twenty(api: Api) -> None:
    _, key = await factories.workspace()
    result = await api(PAGES, key=key)
    assert result.body["extensions"]["cost"]["requested"] == 20 + 20 * 20


async def test_the_same_document_is_priced_with_each_requests_variables(api: Api) -> None:
    _, key = await factories.workspace()
    page = "conversations(first: $n) { edges { node { messages(first: $m) { edges { node { id } } } } } }"  # noqa: E501
    twice = f"query($n: Int, $m: Int) {{ a: {page} b: {page} }}"
    assert (await api(twice, {"n": 10, "m": 10}, key=key)).body["extensions"]["cost"] == {
        "requested": 2 * (10 + 100),
        "limit": 20_000,
    }
    refused = await api(twice, {"n": 100, "m": 100}, key=key)
    assert refused.status == 400
    assert "data" not in refused.body
    assert refused.codes == ["QUERY_TOO_COMPLEX"]
    assert refused.body["extensions"]["cost"] == {"requested": 2 * 10_100, "limit": 20_000}


async def test_a_cycle_through_message_conversation_is_priced_multiplicatively(
    api: Api,
) -> None:
    workspace_id, key = await factories.workspace()
    bot = await factories.assistant(workspace_id)
    await factories.conversation(workspace_id, bot.id, messages=[factories.said("hi", 1)])
    cycle = """{ conversations(first: 100) { edges { node { messages(first: 100) { edges {
      node { conversation { messages(first: 100) { totalCount } } } } } } } } }"""
    result = await api(cycle, key=key)
    assert result.codes == ["QUERY_TOO_COMPLEX"]
    assert result.body["extensions"]["cost"]["requested"] == 100 + 100**2 * 2 + 100**3
    assert "data" not in result.body


async def test_several_operations_need_an_operation_name(api: Api) -> None:
    _, key = await factories.workspace()
    document = "query A { conversationCount } query B { __typename }"
    result = await api(document, key=key)
    assert result.status == 400
    assert result.codes == ["BAD_USER_INPUT"]
    assert "operationName" in result.errors[0]["message"]
    named = await api.client.post(
        "/graphql",
        json={"query": document, "operationName": "B"},
        headers={"authorization": f"Bearer {key}"},
    )
    assert named.json()["data"] == {"__typename": "Query"}


async def test_only_valid_documents_are_cached(api: Api, app: Starlette) -> None:
    _, key = await factories.workspace()
    cache = schema_of(app).documents.cache
    unique = f"{{ conversationCount a{time.monotonic_ns()}: __typename }}"
    assert (await api(unique, key=key)).data["conversationCount"] == 0
    assert cache.get(unique) is not None
    invalid = f"{{ nope{time.monotonic_ns()} }}"
    assert (await api(invalid, key=key)).codes == ["BAD_USER_INPUT"]
    assert cache.get(invalid) is None
    refused = bomb(20, "conversationCount")
    await api(refused, key=key)
    assert cache.get(refused) is None


def test_the_cache_is_bounded_by_the_memory_its_documents_hold() -> None:
    texts = [f"{{ a{i:03}: __typename }}" for i in range(10)]
    entries = [Analysed(parse(text), 1, {}, frozenset()) for text in texts]
    each = weight(texts[0], entries[0].document)
    assert each == len(texts[0]) + 7 * TOKEN_BYTES  # <SOF> { a000 : __typename } <EOF>
    cache = DocumentCache(max_bytes=3 * each)
    for text, entry in zip(texts[:3], entries, strict=False):
        cache.put(text, entry)
    assert cache.get(texts[0]) is entries[0]  # now the most recently used
    for text, entry in zip(texts[3:], entries[3:], strict=True):
        cache.put(text, entry)
        assert cache.bytes <= 3 * each
    assert len(cache) == 3
    assert cache.get(texts[-1]) is entries[-1]
    assert cache.get(texts[1]) is None
    huge = "{ " + "__typename " * 2000 + "}"
    cache.put(huge, Analysed(parse(huge), 1, {}, frozenset()))
    assert cache.get(huge) is None


def test_the_limits_come_from_the_environment() -> None:
    limits = Settings.from_env(
        {
            "PARLEY_MAX_TOKENS": "500",
            "PARLEY_MAX_QUERY_DEPTH": "7",
            "PARLEY_MAX_ALIASES": "3",
            "PARLEY_MAX_QUERY_FIELDS": "99",
            "PARLEY_MAX_QUERY_COST": "1000",
            "PARLEY_DOCUMENT_CACHE_BYTES": "4096",
            "PARLEY_INTROSPECTION": "none",
        }
    ).documents.limits
    assert limits == DocumentLimits(500, 7, 3, 99, 1000, 4096, Introspection.NONE)
    assert DocumentLimits().cache_bytes == 64 * 1024 * 1024
    assert Settings.from_env({}).documents.limits == DocumentLimits()
    with pytest.raises(ValueError, match=r"PARLEY_INTROSPECTION must be one of secret\|all\|none"):
        Settings.from_env({"PARLEY_INTROSPECTION": "sometimes"})


async def test_sockets_are_held_to_the_same_limits(server_url: str) -> None:
    _, key = await factories.workspace()
    async with open_socket(server_url, key=key) as socket:
        await socket.subscribe("bomb", bomb(24, "a: conversationCount"))
        refused = await socket.receive()
        assert refused["id"] == "bomb"
        assert refused["type"] == "error"
        assert {error["extensions"]["code"] for error in refused["payload"]} == {
            "QUERY_TOO_COMPLEX"
        }
        await socket.subscribe("two", "subscription A { conversationCount } query B { __typename }")
        refused = await socket.receive()
        assert refused["type"] == "error"
        assert [error["extensions"]["code"] for error in refused["payload"]] == ["BAD_USER_INPUT"]
        await socket.subscribe("ok", "subscription { conversationCount }")
        assert await socket.next("ok") == {"conversationCount": 0}
