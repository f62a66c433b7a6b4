"""Every variable says who set it and at which message, and keeps the values it had before."""

from models import ApiKey
from models.enums import ApiKeyKind
from resolvers.ids import encode_id
from tests.support.api import Api
from tests.support.recording import SET, send, shop, start

PROVENANCE = """query($id: ID!) { conversation(id: $id) { variables { name value source
  setByKeyId messageSequence history { value setByKeyId messageSequence collectedAt
  replacedAt } } } }"""


async def _key_id(workspace_id: int, kind: ApiKeyKind) -> str:
    key = await ApiKey.get(workspace_id=workspace_id, kind=kind)
    return encode_id("ApiKey", key.id)


async def test_a_variable_keeps_who_set_it_at_which_message_and_its_earlier_values(
    api: Api,
) -> None:
    s = await shop()
    conversation = (await start(api, s))["conversation"]["id"]
    for n in range(1, 3):
        await send(api, s.secret, conversation, f"m{n}", f"message {n}")

    async def extract(value: str) -> None:
        payload = {
            "conversationId": conversation,
            "variables": [{"name": "order_number", "value": value}],
        }
        assert (await api(SET, {"input": payload}, key=s.secret)).codes == []

    await extract("A-1")
    await send(api, s.secret, conversation, "m3", "message 3")
    await extract("A-2")
    await extract("A-3")
    found = await api(PROVENANCE, {"id": conversation}, key=s.secret)
    variables = {v["name"]: v for v in found.data["conversation"]["variables"]}
    widget = await _key_id(s.workspace_id, ApiKeyKind.PUBLISHABLE)
    engine = await _key_id(s.workspace_id, ApiKeyKind.SECRET)
    assert variables["email"]["setByKeyId"] == widget  # the widget's key took the pre-chat form
    assert variables["order_number"]["setByKeyId"] == engine
    assert (variables["email"]["source"], variables["email"]["messageSequence"]) == (
        "PRE_CHAT_FORM",
        0,
    )
    assert variables["email"]["history"] == []
    order = variables["order_number"]
    assert (order["value"], order["messageSequence"]) == ("A-3", 3)
    history = order["history"]
    assert [(h["value"], h["messageSequence"], h["setByKeyId"]) for h in history] == [
        ("A-1", 2, engine),
        ("A-2", 3, engine),
    ]
    assert history[0]["replacedAt"] == history[1]["collectedAt"]  # replaced by the next one
    assert history[0]["collectedAt"] < history[1]["collectedAt"]
