"""ConversationFilter `search`: a conversation matches when one message holds every word, whole
words, case folded but accents kept."""

import pytest

from tests.support.api import Api
from tests.support.factories import reply, said
from tests.support.filtering import FIND, World, world


async def search_world() -> World:
    w = await world()
    await w.add("refund", messages=[said("I want a REFUND for order 1234", 1), reply("Sure.", 2)])
    await w.add(
        "split",
        messages=[said("I want a refund", 1), reply("Order 1234 shipped: it is on its way", 2)],
    )
    await w.add("plural", messages=[said("Refunds are slow", 1)])
    await w.add("email", messages=[said("Write to ada.lovelace@example.com, please", 1)])
    await w.add("cafe", messages=[said("Le Café est fermé", 1)])
    await w.add("istanbul", messages=[said("Two seats to İstanbul, order_id 77", 1)])
    await w.add("silent")
    await w.add_stranger(
        "stranger", messages=[said("refund 1234 zebra ada lovelace example café", 1)]
    )
    return w


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        pytest.param("refund", {"refund", "split"}, id="one word"),
        pytest.param("REFUND", {"refund", "split"}, id="upper case query"),
        pytest.param("rEfUnD", {"refund", "split"}, id="mixed case query"),
        pytest.param("shipped", {"split"}, id="assistant replies are searched"),
        pytest.param("refund 1234", {"refund"}, id="every word in one message"),
        pytest.param("1234 REFUND", {"refund"}, id="word order does not matter"),
        pytest.param("refund, 1234!", {"refund"}, id="punctuation in the query"),
        pytest.param("refunds", {"plural"}, id="whole words: plural"),
        pytest.param("refun", set(), id="whole words: no prefixes"),
        pytest.param("ada.lovelace@example.com", {"email"}, id="an email address"),
        pytest.param("lovelace", {"email"}, id="one part of an email"),
        pytest.param("example com", {"email"}, id="parts of an email as words"),
        pytest.param("café", {"cafe"}, id="accented word"),
        pytest.param("CAFÉ FERMÉ", {"cafe"}, id="accented words in upper case"),
        pytest.param("cafe", set(), id="accents are letters"),
        pytest.param("İstanbul", {"istanbul"}, id="dotted capital I as written"),
        pytest.param("İSTANBUL", {"istanbul"}, id="dotted capital I in upper case"),
        pytest.param("order_id", {"istanbul"}, id="underscore joins no words"),
        pytest.param("id 77", {"istanbul"}, id="underscore splits words"),
        pytest.param("zebra", set(), id="another workspace's word"),
        pytest.param("nowhere", set(), id="absent word"),
        pytest.param("refund nowhere", set(), id="one absent word"),
    ],
)
async def test_search_finds_conversations_with_a_message_holding_every_word(
    api: Api, search: str, expected: set[str]
) -> None:
    w = await search_world()
    assert await w.find(api, {"search": search}) == expected


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        # "café" spelled e + U+0301 (combining acute), as some keyboards and copy-paste produce it.
        pytest.param("cafe\u0301", {"decomposed"}, id="decomposed accent"),
        pytest.param("un cafe\u0301 noir", {"decomposed"}, id="decomposed accent among words"),
        pytest.param("m²", {"superscript"}, id="superscript digit"),
    ],
)
async def test_search_finds_a_word_typed_exactly_as_the_message_has_it(
    api: Api, search: str, expected: set[str]
) -> None:
    w = await world()
    await w.add("decomposed", messages=[said("Un cafe\u0301 noir, s'il vous plaît", 1)])
    await w.add("superscript", messages=[said("The room is 12 m² at most", 1)])
    await w.add("plain", messages=[said("Un the noir", 1)])
    assert await w.find(api, {"search": search}) == expected


async def test_a_long_search_still_needs_every_word(api: Api) -> None:
    w = await world()
    words = [f"word{n}" for n in range(1, 41)]
    await w.add("first 32 words", messages=[said(" ".join(words[:32]), 1)])
    await w.add("all 40 words", messages=[said(" ".join(words), 1)])
    where = {"search": " ".join(words)}
    refused = (await api(FIND, {"filter": where}, key=w.key)).codes
    if refused:  # refusing so long a search is as honest as honouring it; ignoring words is not
        assert set(refused) == {"BAD_USER_INPUT"}
    else:
        assert await w.find(api, where) == {"all 40 words"}
