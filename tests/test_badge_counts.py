"""Badges (counts by type, status and assistant) come from counts the database keeps in step with
every write path, in the writing transaction, and equal COUNT(*) after each; other filters still
count in SQL; through the API, the badge agrees with the list."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from tortoise.transactions import in_transaction

from models import Assistant, Conversation
from models.enums import ConversationStatus, ConversationType, Handling
from resolvers.conversation import count_conversations
from resolvers.database.sql import db, dialect
from resolvers.filters import ConversationFilter, VariableCondition, canonical_json
from resolvers.ids import encode_id
from resolvers.sweeper import end_idle_conversations
from tests.support import factories
from tests.support.api import Api
from tests.support.tallies import NOBODY, assert_badges_exact, sql_count, tally_rows

START = """mutation($input: StartConversationInput!) {
  startConversation(input: $input) { conversation { id } } }"""
END = "mutation($id: ID!) { endConversation(conversationId: $id) { conversation { status } } }"
IDLE = timedelta(minutes=30)


class Shop:
    """Our workspace with two assistants, and a stranger's workspace with one."""

    def __init__(self, workspace_id: int, key: str, bots: list[Assistant], stranger: int) -> None:
        self.workspace_id, self.key, self.bots, self.stranger = workspace_id, key, bots, stranger

    @property
    def workspaces(self) -> dict[int, list[int]]:
        return {
            self.workspace_id: [bot.id for bot in self.bots[:2]],
            self.stranger: [self.bots[2].id],
        }

    async def start(self, api: Api, bot: int, type: ConversationType) -> str:
        payload = {"assistantId": encode_id("Assistant", self.bots[bot].id), "type": type.value}
        result = await api(START, {"input": payload}, key=self.key)
        conversation_id: str = result.data["startConversation"]["conversation"]["id"]
        return conversation_id

    async def end(self, api: Api, conversation_id: str) -> None:
        result = await api(END, {"id": conversation_id}, key=self.key)
        assert result.data["endConversation"]["conversation"]["status"] == "ENDED"

    async def check(self) -> None:
        await assert_badges_exact(self.workspaces)


async def shop() -> Shop:
    workspace_id, key = await factories.workspace()
    stranger, _ = await factories.workspace("Stranger")
    bots = [
        await factories.assistant(workspace_id, name="first"),
        await factories.assistant(workspace_id, name="second"),
        await factories.assistant(stranger, name="stranger's"),
    ]
    return Shop(workspace_id, key, bots, stranger)


async def test_counts_follow_starts_ends_and_imports(api: Api) -> None:
    s = await shop()
    await s.check()
    started = [
        await s.start(api, bot, type)
        for bot in (0, 1)
        for type in (ConversationType.TEST, ConversationType.WEB_WIDGET, ConversationType.TEST)
    ]
    await s.check()
    for conversation_id in started[::2]:
        await s.end(api, conversation_id)
    await s.end(api, started[0])  # ending twice changes nothing
    await s.check()
    for minute, bot in enumerate((0, 1, 2, 2)):
        await factories.conversation(
            s.stranger if bot == 2 else s.workspace_id,
            s.bots[bot].id,
            minute=minute,
            type=ConversationType.TEST if minute % 2 else ConversationType.WEB_WIDGET,
            ended_minute=minute + 1 if bot != 1 else None,
            messages=[factories.said("hello", minute)],
        )
    await s.check()
    assert await count_conversations(s.workspace_id, ConversationFilter()) == 6 + 2


async def test_counts_follow_the_sweeper() -> None:
    s = await shop()
    for minute in range(6):
        await factories.conversation(s.workspace_id, s.bots[minute % 2].id, minute=minute)
    await factories.conversation(s.stranger, s.bots[2].id, minute=0)
    await factories.conversation(s.workspace_id, s.bots[0].id, minute=100)
    active = ConversationFilter(statuses=(ConversationStatus.ACTIVE,))
    assert await count_conversations(s.workspace_id, active) == 7
    ended = await end_idle_conversations(IDLE, factories.at(100) + timedelta(minutes=10))
    assert len(ended) == 7
    await s.check()
    assert await count_conversations(s.workspace_id, active) == 1
    assert await end_idle_conversations(IDLE, factories.at(100) + timedelta(minutes=10)) == []
    await s.check()


def _rows(s: Shop, count: int) -> list[Conversation]:
    now = datetime.now(UTC)
    return [
        Conversation(
            workspace_id=s.workspace_id if i % 5 else s.stranger,
            assistant_id=s.bots[i % 2].id if i % 5 else s.bots[2].id,
            type=ConversationType.TEST if i % 3 else ConversationType.WEB_WIDGET,
            status=ConversationStatus.ENDED if i % 4 == 0 else ConversationStatus.ACTIVE,
            started_at=now,
            last_activity_at=now,
        )
        for i in range(count)
    ]


async def test_counts_follow_bulk_loads_updates_and_deletes() -> None:
    s = await shop()
    async with in_transaction():  # as bench/seed.py loads
        await Conversation.bulk_create(_rows(s, 700), batch_size=300)
    await s.check()
    ids = sorted(await Conversation.all().values_list("id", flat=True))
    ours = Conversation.filter(workspace_id=s.workspace_id)
    await ours.filter(id__lt=ids[100]).update(type=ConversationType.WEB_WIDGET)
    await ours.filter(id__gte=ids[600]).update(assistant_id=s.bots[1].id)
    await ours.filter(assistant_id=s.bots[0].id, id__gte=ids[300]).update(
        status=ConversationStatus.ENDED, type=ConversationType.TEST
    )
    await s.check()
    await Conversation.filter(id__in=[ids[i] for i in (10, 11, 12, 13, 500)]).delete()
    await s.check()
    await s.bots[1].delete()  # its conversations go with it (ON DELETE CASCADE)
    await assert_badges_exact({s.workspace_id: [s.bots[0].id, s.bots[1].id, NOBODY]})


async def test_a_rolled_back_write_leaves_the_counts_as_they_were() -> None:
    s = await shop()
    await factories.conversation(s.workspace_id, s.bots[0].id)
    before = await tally_rows()
    everything = ConversationFilter()
    try:
        async with in_transaction() as connection:
            await Conversation.bulk_create(_rows(s, 20), using_db=connection)
            # The writer's own transaction already counts its rows.
            assert await count_conversations(s.workspace_id, everything, using=connection) == 17
            raise RuntimeError("roll back")
    except RuntimeError:
        pass
    assert await tally_rows() == before
    assert await count_conversations(s.workspace_id, everything) == 1
    await s.check()


async def test_truncating_conversations_empties_the_counts() -> None:
    s = await shop()
    for minute in range(3):
        await factories.conversation(s.workspace_id, s.bots[0].id, minute=minute)
    if dialect() == "postgres":
        await db().execute_script("TRUNCATE conversation CASCADE")
    else:
        await db().execute_script("DELETE FROM conversation")
    assert await tally_rows() == {}
    await s.check()


async def _fallback_world() -> tuple[Shop, list[ConversationFilter]]:
    s = await shop()
    for minute in range(8):
        await factories.conversation(
            s.workspace_id,
            s.bots[minute % 2].id,
            minute=minute,
            ended_minute=minute + 1 if minute % 3 == 0 else None,
            type=ConversationType.TEST if minute % 2 else ConversationType.WEB_WIDGET,
            messages=[
                factories.said("refund please" if minute % 2 else "hello", minute),
                factories.reply("sure", minute + 0.5, cost="0.01" if minute > 3 else "0.001"),
            ],
            variables=[factories.variable("plan", "Pro" if minute < 5 else "Free")],
        )
    test = (ConversationType.TEST,)
    return s, [
        ConversationFilter(started_after=factories.at(3)),
        ConversationFilter(types=test, started_before=factories.at(5)),
        ConversationFilter(search="refund"),
        ConversationFilter(search="refund", statuses=(ConversationStatus.ENDED,)),
        ConversationFilter(min_cost=Decimal("0.005")),
        ConversationFilter(max_cost=Decimal("0.005"), assistant_ids=(s.bots[0].id,)),
        ConversationFilter(variables=(VariableCondition("plan", canonical_json("Pro")),)),
        ConversationFilter(variables=(VariableCondition("plan", exists=False),)),
    ]


async def test_other_filters_still_count_in_sql(count_statements: Any) -> None:
    s, filters = await _fallback_world()
    for where in filters:
        with count_statements() as log:
            counted = await count_conversations(s.workspace_id, where)
        assert counted == await sql_count(s.workspace_id, where), where
        assert [("conversation_tally" in item.sql) for item in log.statements] == [False], where
    for where in (
        ConversationFilter(types=(ConversationType.TEST,), assistant_ids=(s.bots[1].id,)),
        ConversationFilter(search="  ,  "),  # no words: matches everything, like the list
        # The inbox's: who handles them, whom they are assigned to.
        ConversationFilter(handlings=(Handling.WAITING,), statuses=(ConversationStatus.ACTIVE,)),
        ConversationFilter(assignee_ids=(1, 0), handlings=(Handling.AGENT, Handling.WAITING)),
        ConversationFilter(assigned=False, types=(ConversationType.TEST,)),
    ):
        with count_statements() as log:
            counted = await count_conversations(s.workspace_id, where)
        assert counted == await sql_count(s.workspace_id, where), where
        assert [("conversation_tally" in item.sql) for item in log.statements] == [True], where


FIND = """query($filter: ConversationFilter) {
  conversationCount(filter: $filter)
  conversations(filter: $filter, first: 100) { totalCount edges { node { id } } } }"""


async def test_through_the_api_the_badge_agrees_with_the_list(api: Api) -> None:
    s = await shop()
    started = [
        await s.start(api, i % 2, (ConversationType.TEST, ConversationType.WEB_WIDGET)[i % 3 % 2])
        for i in range(9)
    ]
    for conversation_id in started[:4]:
        await s.end(api, conversation_id)
    await factories.conversation(s.stranger, s.bots[2].id)
    bots = [encode_id("Assistant", bot.id) for bot in s.bots]
    filters: list[dict[str, Any] | None] = [
        None,
        {},
        {"types": ["TEST"]},
        {"types": []},
        {"statuses": ["ENDED"]},
        {"statuses": ["ACTIVE", "ENDED"], "types": ["WEB_WIDGET"]},
        {"assistantIds": [bots[0]]},
        {"assistantIds": [bots[2]]},  # the stranger's assistant: none of ours
        {"assistantIds": bots[:2], "statuses": ["ACTIVE"], "types": ["TEST"]},
        {"search": "hello"},  # counted in SQL
    ]
    seen = set()
    for where in filters:
        data = (await api(FIND, {"filter": where}, key=s.key)).data
        listed = len(data["conversations"]["edges"])
        assert data["conversationCount"] == data["conversations"]["totalCount"] == listed, where
        seen.add(listed)
    assert len(seen) > 4  # the filters tell conversations apart
    await s.check()
