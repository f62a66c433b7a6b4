"""What operators rely on: /healthz, /readyz, /metrics in Prometheus text, request ids, and logs
that never carry a secret or a visitor's data."""

import json
import logging

import pytest
from prometheus_client.parser import text_string_to_metric_families

from server.logs import JsonFormatter, RequestIdFilter, logging_config
from tests.support import factories
from tests.support.api import Api
from tests.support.live import SEND, Desk

LIST = "query Badge { conversationCount }"
CARD = "my card is 4111 1111 1111 1111"


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


async def test_healthz_answers_without_a_key(api: Api) -> None:
    response = await api.client.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


async def test_readyz_checks_the_database_migrations_and_listener(api: Api) -> None:
    response = await api.client.get("/readyz")
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ready"
    assert body["checks"]["database"] is True
    assert body["checks"]["migrations"] is True


async def test_metrics_count_operations_by_name_and_outcome_and_errors_by_code(
    api: Api,
) -> None:
    _, key = await factories.workspace()
    before = _samples((await api.client.get("/metrics")).text)
    await api(LIST, key=key)
    await api(LIST, key=key)
    await api('{ conversation(id: "garbage") { id } }', key=key)
    await api(LIST)  # no key: refused at the gate
    after = _samples((await api.client.get("/metrics")).text)

    def grew(name: str, **labels: str) -> float:
        series = (name, tuple(sorted(labels.items())))
        return after.get(series, 0.0) - before.get(series, 0.0)

    assert grew("parley_requests_total", operation="Badge", outcome="ok") == 2
    assert grew("parley_requests_total", operation="anonymous", outcome="BAD_USER_INPUT") == 1
    assert grew("parley_errors_total", code="BAD_USER_INPUT") == 1
    assert grew("parley_refused_total", limit="authentication") == 1
    assert grew("parley_request_seconds_count", operation="Badge", outcome="ok") == 2
    text = (await api.client.get("/metrics")).text
    assert "parley_open_sockets" in text
    assert "parley_subscriptions" in text


async def test_every_response_carries_a_request_id(api: Api) -> None:
    _, key = await factories.workspace()
    made = await api.client.post(
        "/graphql", json={"query": "{ __typename }"}, headers={"authorization": f"Bearer {key}"}
    )
    assert len(made.headers["x-request-id"]) == 32
    given = await api.client.post(
        "/graphql",
        json={"query": "{ __typename }"},
        headers={"authorization": f"Bearer {key}", "x-request-id": "trace-42"},
    )
    assert given.headers["x-request-id"] == "trace-42"
    forged = await api.client.get("/healthz", headers={"x-request-id": "a\nb" * 50})
    assert forged.headers["x-request-id"] != "a\nb" * 50


def test_json_logs_are_one_object_a_line_with_the_request_id() -> None:
    record = logging.LogRecord("parley.x", logging.WARNING, __file__, 1, "hello %s", ("you",), None)
    RequestIdFilter().filter(record)
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "hello you"
    assert entry["level"] == "WARNING"
    assert entry["request_id"] == "-"


async def test_logs_carry_no_secret_and_no_visitor_data(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    """A whole widget flow, with hostile input and failures on the way, logged at INFO (the
    default): the secret key, the session token and the visitor's words appear nowhere."""
    desk = await Desk.open(api)
    with caplog.at_level(logging.INFO):
        conversation, token = await desk.start()
        await desk.extract(conversation, "visitor-secret-intent@example.com")
        said = {"conversationId": conversation, "clientMessageId": "v1", "content": CARD}
        assert (await api(SEND, {"input": said}, key=token)).codes == []
        await api('{ conversation(id: "garbage") { id } }', key=desk.key)
        await api("{ conversations { totalCount } }", key=desk.key + "x")
        await api("{ this is not graphql", key=desk.key)
        await api(SEND, {"input": {**said, "content": CARD + "\u0000"}}, key=token)
    logged = caplog.text + "".join(str(record.args) for record in caplog.records)
    assert caplog.records  # the flow was logged at all
    for secret in (desk.key, token, "visitor-secret-intent", CARD):
        assert secret not in logged


def test_the_database_driver_never_logs_statements_with_their_values() -> None:
    """Tortoise logs every statement with its bound values at DEBUG: pinned above that."""
    config = logging_config("json", "DEBUG")
    assert config["loggers"]["tortoise"]["level"] == "WARNING"
