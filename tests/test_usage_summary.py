"""`usageSummary`: buckets worked out by hand across DST changes, TEST left out of spending unless
asked for, exact money equal to the records' own sums, empty buckets present, bad input refused."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from models.enums import ConversationType
from resolvers.buckets import TimeUnit, buckets, time_zone
from tests.support import factories
from tests.support.api import Api

SUMMARY = """query($g: UsageGrouping!, $f: ConversationFilter, $tz: String!, $v: String) {
  usageSummary(groupBy: $g, filter: $f, timeZone: $tz, variable: $v) {
    groupBy timeZone
    buckets { start end type status assistantId assistant { name } provider model value
      conversations messages replies inputTokens outputTokens cachedInputTokens cost costKnown
      averageMessages averageCost averageDurationSeconds }
  }
}"""
LIST = """{ conversations(first: 100) { edges { node { type usage { cost inputTokens }
  usageByModel { provider model replies usage { cost outputTokens } } } } } }"""


def minute(moment: datetime) -> float:
    return (moment - factories.T0).total_seconds() / 60


async def _summary(api: Api, key: str, grouping: str, **options: Any) -> list[dict[str, Any]]:
    variables = {"g": grouping, "f": options.get("f"), "tz": options.get("tz", "UTC")}
    variables["v"] = options.get("v")
    result = await api(SUMMARY, variables, key=key)
    assert result.codes == [], result
    buckets: list[dict[str, Any]] = result.data["usageSummary"]["buckets"]
    return buckets


async def test_days_in_berlin_across_the_spring_change_are_counted_by_hand(api: Api) -> None:
    workspace_id, key = await factories.workspace()
    bot = await factories.assistant(workspace_id)
    # 23:30 on the 28th (CET), 00:30 and 23:30 on the 29th (the 23-hour day), 00:30 on the 30th.
    for moment in ("2026-03-28T22:30", "2026-03-28T23:30", "2026-03-29T21:30", "2026-03-29T22:30"):
        started = datetime.fromisoformat(moment).replace(tzinfo=UTC)
        await factories.conversation(workspace_id, bot.id, minute=minute(started))
    where = {
        "startedAfter": "2026-03-28T00:00:00+01:00",
        "startedBefore": "2026-04-01T00:00:00+02:00",
    }
    days = await _summary(api, key, "DAY", f=where, tz="Europe/Berlin")
    assert [(day["start"], day["end"], day["conversations"]) for day in days] == [
        ("2026-03-27T23:00:00+00:00", "2026-03-28T23:00:00+00:00", 1),
        ("2026-03-28T23:00:00+00:00", "2026-03-29T22:00:00+00:00", 2),  # 23 hours long
        ("2026-03-29T22:00:00+00:00", "2026-03-30T22:00:00+00:00", 1),
        ("2026-03-30T22:00:00+00:00", "2026-03-31T22:00:00+00:00", 0),  # empty, still there
    ]
    assert days[-1]["averageCost"] is None
    # The same instants in UTC days: the 22:30s and the 23:30s fall on their own UTC dates.
    utc = await _summary(api, key, "DAY", f=where)
    assert [day["conversations"] for day in utc] == [0, 2, 2, 0, 0]


async def test_the_repeated_autumn_hour_is_two_hours(api: Api) -> None:
    workspace_id, key = await factories.workspace()
    bot = await factories.assistant(workspace_id)
    for moment in ("2026-10-25T00:15", "2026-10-25T01:15", "2026-10-25T01:45"):  # 02:15 twice
        started = datetime.fromisoformat(moment).replace(tzinfo=UTC)
        await factories.conversation(workspace_id, bot.id, minute=minute(started))
    where = {"startedAfter": "2026-10-25T00:00:00Z", "startedBefore": "2026-10-25T02:00:00Z"}
    hours = await _summary(api, key, "HOUR", f=where, tz="Europe/Berlin")
    zone = ZoneInfo("Europe/Berlin")
    local = [datetime.fromisoformat(hour["start"]).astimezone(zone).isoformat() for hour in hours]
    assert local == ["2026-10-25T02:00:00+02:00", "2026-10-25T02:00:00+01:00"]
    assert [hour["conversations"] for hour in hours] == [1, 2]


async def test_spending_leaves_test_out_unless_the_filter_names_it(api: Api) -> None:
    workspace_id, key = await factories.workspace()
    bot = await factories.assistant(workspace_id)
    for i, kind in enumerate([ConversationType.TEST, ConversationType.WEB_WIDGET] * 2):
        await factories.conversation(
            workspace_id,
            bot.id,
            minute=i,
            type=kind,
            messages=[factories.reply("hi", i + 0.1, cost="0.25")],
        )
    spent = await _summary(api, key, "TYPE")
    assert [(b["type"], b["conversations"], b["cost"]) for b in spent] == [("WEB_WIDGET", 2, "0.5")]
    both = await _summary(api, key, "TYPE", f={"types": ["TEST", "WEB_WIDGET"]})
    assert [(b["type"], b["cost"]) for b in both] == [("TEST", "0.5"), ("WEB_WIDGET", "0.5")]
    tests = await _summary(api, key, "ASSISTANT", f={"types": ["TEST"]})
    assert [(b["assistant"]["name"], b["cost"]) for b in tests] == [("Support bot", "0.5")]


async def test_money_and_tokens_equal_the_records_sums(api: Api) -> None:
    workspace_id, key = await factories.workspace()
    bots = [await factories.assistant(workspace_id, name=name) for name in ("A", "B", "idle")]
    for i in range(12):
        await factories.conversation(
            workspace_id,
            bots[i % 2].id,
            minute=i * 90,
            messages=[
                factories.said("hello", i * 90 + 0.1),
                factories.reply("hi", i * 90 + 0.2, cost=f"0.00000{i}1"),
                factories.reply("more", i * 90 + 0.3, model="gpt-4o-mini", input_tokens=7 + i),
                factories.reply("?", i * 90 + 0.4, model="my-own-model", provider="acme"),
            ],
            ended_minute=i * 90 + 5,
        )
    nodes = [edge["node"] for edge in (await api(LIST, key=key)).data["conversations"]["edges"]]
    total = sum(Decimal(node["usage"]["cost"]) for node in nodes)
    for grouping in ("HOUR", "DAY", "WEEK", "MONTH", "TYPE", "STATUS", "ASSISTANT"):
        found = await _summary(api, key, grouping, tz="America/New_York")
        assert sum(Decimal(b["cost"]) for b in found) == total, grouping
        assert sum(b["conversations"] for b in found) == 12, grouping
        assert sum(b["messages"] for b in found) == 48, grouping
        assert sum(b["replies"] for b in found) == 36, grouping
        tokens = sum(int(node["usage"]["inputTokens"]) for node in nodes)
        assert sum(b["inputTokens"] for b in found) == tokens, grouping
        assert all(b["costKnown"] is False for b in found if b["conversations"]), grouping
    assistants = await _summary(api, key, "ASSISTANT")
    assert [(b["assistant"]["name"], b["conversations"]) for b in assistants] == [
        ("A", 6),
        ("B", 6),
        ("idle", 0),  # every assistant is a bucket
    ]
    assert [b["averageDurationSeconds"] for b in assistants[:2]] == [300.0, 300.0]
    by_model: dict[tuple[str, str], list[Any]] = {}
    for node in nodes:
        for used in node["usageByModel"]:
            entry = by_model.setdefault((used["provider"], used["model"]), [0, 0, Decimal(0)])
            entry[0] += 1
            entry[1] += used["replies"]
            entry[2] += Decimal(used["usage"]["cost"])
    models = await _summary(api, key, "MODEL")
    assert {
        (b["provider"], b["model"]): [b["conversations"], b["replies"], Decimal(b["cost"])]
        for b in models
    } == by_model
    assert [b["costKnown"] for b in models] == [False, True, True]  # acme's model has no price
    providers = await _summary(api, key, "PROVIDER")
    assert [(b["provider"], b["conversations"], b["replies"]) for b in providers] == [
        ("acme", 12, 12),
        ("openai", 12, 24),
    ]


async def test_by_variable_value_with_the_unset_ones_last(api: Api) -> None:
    workspace_id, key = await factories.workspace()
    bot = await factories.assistant(workspace_id)
    for i, plan in enumerate(["Business", "Free", "Business", None]):
        variables = [factories.variable("plan", plan)] if plan is not None else []
        await factories.conversation(workspace_id, bot.id, minute=i, variables=variables)
    found = await _summary(api, key, "VARIABLE", v="plan")
    assert [(b["value"], b["conversations"]) for b in found] == [
        ("Business", 2),
        ("Free", 1),
        (None, 1),
    ]


async def test_bad_summaries_are_refused_before_any_work(api: Api) -> None:
    _, key = await factories.workspace()
    cases: list[dict[str, Any]] = [
        {"g": "DAY", "tz": "Mars/Olympus_Mons"},
        {"g": "DAY", "tz": "../../etc/passwd"},
        {"g": "VARIABLE", "tz": "UTC"},  # without the variable's name
        {"g": "TYPE", "tz": "UTC", "v": "plan"},  # a name it would not use
        {"g": "HOUR", "tz": "UTC", "f": {"startedAfter": "2020-01-01T00:00:00Z"}},  # > 1,000
    ]
    for case in cases:
        result = await api(SUMMARY, {"f": None, "v": None, **case}, key=key)
        assert result.codes == ["BAD_USER_INPUT"], case
    other_id, _ = await factories.workspace("Other")
    other_bot = await factories.assistant(other_id)
    await factories.conversation(other_id, other_bot.id)
    assert await _summary(api, key, "ASSISTANT") == []  # another workspace's are not seen


ZONES = [
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "Asia/Kolkata",
    "Australia/Lord_Howe",
    "America/Sao_Paulo",
    "Pacific/Chatham",
    "Asia/Kathmandu",
]


@settings(max_examples=300, deadline=None)
@given(
    unit=st.sampled_from(list(TimeUnit)),
    zone=st.sampled_from(ZONES),
    start=st.datetimes(datetime(2015, 1, 1), datetime(2030, 1, 1)),
    length=st.timedeltas(timedelta(0), timedelta(days=40)),
)
def test_buckets_tile_the_range_and_start_where_the_local_clock_does(
    unit: TimeUnit, zone: str, start: datetime, length: timedelta
) -> None:
    tz = time_zone(zone)
    begin = start.replace(tzinfo=UTC)
    if unit is TimeUnit.HOUR:
        length = min(length, timedelta(days=20))
    found = buckets(unit, tz, begin, begin + length)
    if not length:
        assert found == []
        return
    assert found[0][0] <= begin < found[0][1]
    assert found[-1][1] >= begin + length > found[-1][0]
    for (_, end), (begin_next, _) in pairwise(found):
        assert end == begin_next  # no gap, no overlap

    def unit_of(moment: datetime) -> tuple[int, ...]:
        local = moment.astimezone(tz)
        if unit is TimeUnit.HOUR:
            return (*local.timetuple()[:4], int(local.utcoffset().total_seconds()))  # type: ignore[union-attr]
        if unit is TimeUnit.DAY:
            return (*local.timetuple()[:3],)
        if unit is TimeUnit.WEEK:
            return (*local.isocalendar()[:2],)
        return (local.year, local.month)

    # Every instant of a bucket reads the bucket's own local hour (at one offset), day, week or
    # month, and the instant just before a bucket reads another one.
    for lo, hi in found:
        assert hi > lo
        instant = lo
        while instant < hi:
            assert unit_of(instant) == unit_of(lo), (lo, hi, instant)
            instant += timedelta(minutes=15)
        assert unit_of(lo - timedelta(minutes=15)) != unit_of(lo)


async def test_a_conversations_bucket_holds_its_start(api: Api) -> None:
    """One conversation per bucket edge: each lands in the bucket starting at its own time."""
    workspace_id, key = await factories.workspace()
    bot = await factories.assistant(workspace_id)
    zone = time_zone("America/New_York")
    edges = buckets(
        TimeUnit.DAY, zone, datetime(2026, 11, 1, 4, tzinfo=UTC), datetime(2026, 11, 4, tzinfo=UTC)
    )
    for lo, _ in edges:
        await factories.conversation(workspace_id, bot.id, minute=minute(lo))
    where = {"startedAfter": edges[0][0].isoformat(), "startedBefore": edges[-1][1].isoformat()}
    days = await _summary(api, key, "DAY", f=where, tz="America/New_York")
    assert [day["conversations"] for day in days] == [1] * len(edges)


async def test_a_summary_is_one_statement(api: Api, count_statements: Any) -> None:
    workspace_id, key = await factories.workspace()
    bot = await factories.assistant(workspace_id)
    await factories.conversation(workspace_id, bot.id, messages=[factories.reply("hi", 0.5)])
    await _summary(api, key, "TYPE")  # the key's use is recorded once, before counting
    where = {"startedAfter": "2026-10-01T00:00:00Z", "startedBefore": "2026-12-01T00:00:00Z"}
    for grouping in ("DAY", "TYPE", "STATUS", "ASSISTANT", "MODEL", "PROVIDER"):
        with count_statements() as log:
            found = await _summary(api, key, grouping, f=where, tz="Europe/Berlin")
        assert sum(b["conversations"] for b in found) == 1, grouping
        # ASSISTANT's buckets read their assistants (names) in the same statement.
        assert [s.sql[:5] for s in log.statements] == ["WITH "], (grouping, log.statements)
    # An open range first finds where it starts.
    with count_statements() as log:
        await _summary(api, key, "WEEK")
    assert len(log.statements) == 2
