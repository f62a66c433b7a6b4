"""The dashboard's pure modules, run by Node as the browser runs them (ES modules, no build):
money is summed and compared exactly, the live list applies an event once however often it is
delivered (a resumed socket may deliver one that a page read already had) and keeps rows in the
list's order when their sort key changes, and the list offers every order the API has."""

import asyncio
import json
import os
import re
import shutil

import pytest

from server.settings import PROJECT_ROOT
from tests.support.waiting import bounded

DASHBOARD = PROJECT_ROOT / "server" / "static" / "dashboard"
CHECKS = """
import assert from "node:assert/strict";
import { costText, largest, ratio, sum, usd } from "%(money)s";
import { LiveList } from "%(livelist)s";
import { SORTS, comparer, toOrder } from "%(filters)s";

assert.equal(sum(["0.1", "0.2"]), "0.3");
assert.equal(sum(["0.000000000001", "1", "-0.5"]), "0.500000000001");
assert.equal(sum([]), "0");
assert.equal(largest(["0.0093395", "0.01", "0.009"]), "0.01");
assert.equal(ratio("1", "4"), 0.25);
assert.equal(usd("0.0010424"), "$0.0010424");
assert.equal(costText({ cost: "0", costKnown: false }), "unpriced");
assert.equal(costText({ cost: "0.5", costKnown: false }), "$0.5 + unpriced");

const row = (id, startedAt, status = "ACTIVE") => ({ id, startedAt, status });
const list = new LiveList();
list.addPage({
  edges: [{ node: row("b", "2026-11-02T00:00:00Z") }, { node: row("a", "2026-11-01T00:00:00Z") }],
  pageInfo: { hasNextPage: true, endCursor: "c1" },
});
const all = () => true;
const started = { conversationId: "c", conversation: row("c", "2026-11-03T00:00:00Z") };
assert.deepEqual(list.apply(started, all), { inserted: started.conversation, before: "b" });
assert.deepEqual(list.apply(started, all), { updated: started.conversation });
assert.deepEqual(list.rows.map((each) => each.id), ["c", "b", "a"]);
const older = { conversationId: "z", conversation: row("z", "2026-10-01T00:00:00Z") };
assert.equal(list.apply(older, all), null, "older than the page's end: paging brings it");
const ended = { conversationId: "b", conversation: row("b", "2026-11-02T00:00:00Z", "ENDED") };
assert.deepEqual(list.apply(ended, (node) => node.status === "ACTIVE"), { removed: "b" });
const again = [{ node: row("a", "2026-11-01T00:00:00Z") }];
list.addPage({ edges: again, pageInfo: { hasNextPage: false } });
assert.deepEqual(list.rows.map((each) => each.id), ["c", "a"]);
assert.equal(list.endCursor, "c1");

// In another order (highest cost first), a row whose key changed moves to its place.
const costly = new LiveList(comparer("costly"));
const priced = (id, cost) => ({ id, startedAt: "2026-11-01T00:00:00Z", usage: { cost } });
costly.addPage({
  edges: [{ node: priced("x", "3") }, { node: priced("y", "2") }, { node: priced("w", "1") }],
  pageInfo: { hasNextPage: false },
});
const dearer = { conversationId: "w", conversation: priced("w", "5") };
const moved = { removed: "w", inserted: dearer.conversation, before: "x" };
assert.deepEqual(costly.apply(dearer, all), moved);
assert.deepEqual(costly.rows.map((each) => each.id), ["w", "x", "y"]);
const stays = { conversationId: "x", conversation: priced("x", "2.5") };
assert.deepEqual(costly.apply(stays, all), { updated: stays.conversation });
// Waiting for a person: those that never waited come last, both ways, as the API has them.
const asked = (id, day) => ({ id, waitingSince: day && `2026-11-0${day}T00:00:00Z` });
const waits = [asked("n", null), asked("late", 2), asked("early", 1)];
const byWait = (sort) => [...waits].sort(comparer(sort)).map((each) => each.id);
assert.deepEqual(byWait("waiting"), ["early", "late", "n"]);
assert.deepEqual(byWait("asked"), ["late", "early", "n"]);
assert.deepEqual(toOrder("idle"), { field: "LAST_ACTIVITY_AT", direction: "ASC" });
assert.equal(toOrder(""), null);
const offered = Object.values(SORTS).map((each) => `${each.field} ${each.direction}`).sort();
const api = %(orders)s.flatMap((field) => [`${field} ASC`, `${field} DESC`]).sort();
assert.deepEqual(offered, api, "every ConversationOrderField, both ways");
console.log("ok");
"""


def _order_fields() -> list[str]:
    """ConversationOrderField's values, as the committed schema has them."""
    schema = (PROJECT_ROOT / "schema" / "schema.graphql").read_text()
    found = re.search(r"enum ConversationOrderField \{(.*?)\}", schema, re.DOTALL)
    assert found is not None
    return re.findall(r"^\s*([A-Z_]+)\s*$", found[1], re.MULTILINE)


async def test_money_is_exact_and_a_live_event_applies_once() -> None:
    node = shutil.which("node")
    if node is None:
        if os.environ.get("CI") == "true":
            pytest.fail("node is missing: run `make browser-deps`")
        pytest.skip("node is missing (with CI=true this fails)")
    script = CHECKS % {
        "money": (DASHBOARD / "money.js").as_uri(),
        "livelist": (DASHBOARD / "livelist.js").as_uri(),
        "filters": (DASHBOARD / "filters.js").as_uri(),
        "orders": json.dumps(_order_fields()),
    }
    process = await asyncio.create_subprocess_exec(
        node,
        "--input-type=module",
        "-e",
        script,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    async with bounded(30, "node to run the dashboard's unit checks"):
        out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    assert out.decode().strip() == "ok"
