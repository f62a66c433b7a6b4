// The Inbox: where people work. Waiting (a person was asked for, nobody answers yet), Mine (the
// signed-in agent's), All (waiting or with a person); active ones only, the longest-waiting first,
// each with how long it has waited (ticking), who the visitor is and its last message; each tab
// with its count (`conversationCounts` by handling and assignee, live). Live as the Conversations
// list is: pages read in the API's WAITING_SINCE order, then `conversationEvents` from its cursor.

import { h } from "./dom.js";
import { problemText, watch } from "./api.js";
import { AGENTS, BADGE, INBOX, INBOX_COUNTS, INBOX_EVENTS } from "./queries.js";
import { followList } from "./following.js";
import { LiveList } from "./livelist.js";
import { conversationHref, lastMessage, visitorCell } from "./rows.js";
import { count, since } from "./format.js";

const PAGE = 100;
/** What every tab counts within: its count is a facet of the active conversations. */
const ACTIVE = { statuses: ["ACTIVE"] };

const TABS = {
  waiting: {
    text: "Waiting",
    filter: () => ({ handlings: ["WAITING"], ...ACTIVE }),
    count: (counts) => handled(counts, "WAITING"),
  },
  mine: {
    text: "Mine",
    agent: true,
    filter: (viewer) => ({ assigneeIds: [viewer.agent.id], ...ACTIVE }),
    count: (counts, viewer) => counts.byAssignee.find((each) => each.assigneeId === viewer.agent.id)?.count || 0,
  },
  all: {
    text: "All",
    filter: () => ({ handlings: ["WAITING", "AGENT"], ...ACTIVE }),
    count: (counts) => handled(counts, "WAITING") + handled(counts, "AGENT"),
  },
};

function handled(counts, handling) {
  return counts.byHandling.find((each) => each.handling === handling)?.count || 0;
}

/** Longest-waiting first; those that never waited (assigned straight away) after, as the API's
 * WAITING_SINCE order has them (its ties by ID: here by start, which follows it). */
function longestWaiting(a, b) {
  const waited = (row) => (row.waitingSince ? Date.parse(row.waitingSince) : Infinity);
  return waited(a) - waited(b) || Date.parse(a.startedAt) - Date.parse(b.startedAt);
}

/** Whether `node` still belongs under `filter` (the server says LEFT too; an end says ENDED). */
function matches(filter, node) {
  if (node.status !== "ACTIVE") return false;
  if (filter.handlings && !filter.handlings.includes(node.handling)) return false;
  return !filter.assigneeIds || filter.assigneeIds.includes(node.assigneeId);
}

export function mount(main, { client, viewer, params }) {
  const mayHaveMine = Boolean(viewer && viewer.agent);
  const chosen = params.get("tab");
  const tab = TABS[chosen] && (!TABS[chosen].agent || mayHaveMine) ? chosen : "waiting";
  const filter = TABS[tab].filter(viewer);
  const stops = [];
  let gone = false;
  const agentNames = new Map();

  const title = h("h1", { id: "inbox-title" }, "Inbox");
  const total = h("p", { class: "total", id: "total" }, "…");
  const problem = h("p", { class: "problem", role: "alert", id: "problem", hidden: true });
  const note = h("p", { class: "visually-hidden", role: "status", id: "live-note" });
  const tabs = h(
    "nav",
    { class: "tabs", "aria-label": "Inbox views" },
    Object.entries(TABS)
      .filter(([, each]) => !each.agent || mayHaveMine)
      .map(([key, each]) =>
        h(
          "a",
          {
            href: `/dashboard?${new URLSearchParams({ page: "inbox", tab: key })}`,
            "data-tab": key,
            "aria-current": key === tab ? "page" : null,
          },
          h("span", { class: "tab-name" }, each.text),
          h("span", { class: "tab-count", "data-count": key }),
        ),
      ),
  );
  const body = h("tbody", { id: "rows" });
  const table = h(
    "table",
    { class: "list inbox", id: "list" },
    h("caption", { class: "visually-hidden" }, `${TABS[tab].text}, the longest-waiting first`),
    h("thead", {}, h("tr", {}, ["Visitor", "Waiting", "Handled by", "Last message", "Assistant", "Messages"].map((name) => h("th", { scope: "col" }, name)))),
    body,
  );
  const empty = h("p", { class: "empty", id: "empty", hidden: true }, tab === "mine" ? "Nothing assigned to you." : "Nobody is waiting.");
  const more = h("button", { type: "button", id: "more", hidden: true }, "Load more");
  const section = h(
    "section",
    { "aria-labelledby": "inbox-title", class: "inbox-page", "data-tab": tab },
    h("div", { class: "heading" }, title, total),
    tabs,
    problem,
    note,
    h("div", { class: "table-wrap" }, table),
    empty,
    more,
  );
  main.append(section);

  const showProblem = (error) => {
    if (gone) return;
    problem.hidden = false;
    problem.textContent = problemText(error);
  };
  const list = new LiveList(longestWaiting);
  let shownTotal = null;
  let loaded = false;

  function showTotal() {
    if (shownTotal !== null) {
      const rows = list.rows.length;
      total.textContent = `${count(shownTotal)} ${TABS[tab].text.toLowerCase()}` + (rows < shownTotal && loaded ? ` · showing ${count(rows)}` : "");
    }
    empty.hidden = list.rows.length > 0 || !loaded;
  }

  const row = (node) => inboxRow(node, agentNames);
  function show(change) {
    if (!change) return;
    const find = (id) => body.querySelector(`tr[data-id="${CSS.escape(id)}"]`);
    if (change.removed) find(change.removed)?.remove();
    if (change.updated) find(change.updated.id)?.replaceWith(row(change.updated));
    if (change.inserted) {
      const before = change.before && find(change.before);
      const element = row(change.inserted);
      if (before) before.before(element);
      else body.append(element);
      if (!change.removed) note.textContent = "A conversation is waiting.";
    }
    showTotal();
  }

  async function load() {
    try {
      const agents = await client.request(AGENTS, {});
      for (const agent of agents.agents) agentNames.set(agent.id, agent.name);
      const data = await client.request(INBOX, { filter, after: null, first: PAGE });
      if (gone) return;
      list.addPage(data.conversations);
      body.replaceChildren(...list.rows.map(row));
      more.hidden = !list.hasNextPage;
      loaded = true;
      // The page reflects events up to its cursor: the list follows from there.
      stops.push(
        followList(client, INBOX_EVENTS, filter, data.conversations.eventCursor, {
          onEvent: (event) => show(list.apply(event, (node) => matches(filter, node))),
          onErased: (erased) => show(list.remove(erased.conversationId)),
          error: showProblem,
        }),
      );
      showTotal();
      section.dataset.ready = "true";
    } catch (error) {
      showProblem(error);
    }
  }

  async function loadMore() {
    more.disabled = true;
    try {
      const data = await client.request(INBOX, { filter, after: list.endCursor, first: PAGE });
      if (gone) return;
      const known = new Set(list.rows.map((each) => each.id));
      list.addPage(data.conversations);
      body.append(...list.rows.filter((each) => !known.has(each.id)).map(row));
      more.hidden = !list.hasNextPage;
      showTotal();
    } catch (error) {
      showProblem(error);
    } finally {
      more.disabled = false;
    }
  }
  more.addEventListener("click", loadMore);
  stops.push(() => more.removeEventListener("click", loadMore));

  stops.push(
    watch(client, BADGE, { filter }, "conversationCount", {
      next(n) {
        shownTotal = n;
        showTotal();
      },
      error: showProblem,
    }),
  );
  stops.push(
    watch(client, INBOX_COUNTS, { filter: ACTIVE }, "conversationCounts", {
      next(counts) {
        for (const [key, each] of Object.entries(TABS)) {
          const shown = tabs.querySelector(`[data-count="${key}"]`);
          if (shown) shown.textContent = count(each.count(counts, viewer));
        }
      },
      error: showProblem,
    }),
  );
  // How long each has waited, counted on the page each second.
  const ticking = setInterval(() => {
    const now = Date.now();
    for (const time of body.querySelectorAll("time.waited")) time.textContent = since(time.dateTime, now);
  }, 1000);
  stops.push(() => clearInterval(ticking));
  load();

  return () => {
    gone = true;
    for (const stop of stops.splice(0)) stop();
  };
}

function inboxRow(node, agentNames) {
  const cell = (label, ...content) => h("td", { "data-label": label }, ...content);
  const handledBy =
    node.handling === "AGENT"
      ? agentNames.get(node.assigneeId) || "An agent"
      : node.handling === "WAITING"
        ? "Nobody yet"
        : "The assistant";
  return h(
    "tr",
    { "data-id": node.id, "data-handling": node.handling },
    cell("Visitor", visitorCell(node, conversationHref(node.id, "inbox"))),
    cell(
      "Waiting",
      node.handling === "WAITING" && node.waitingSince
        ? h("time", { class: "waited", datetime: node.waitingSince }, since(node.waitingSince))
        : "—",
    ),
    cell(
      "Handled by",
      h("span", { class: "handled-by" }, handledBy),
      node.handling !== "AGENT" && node.assigneeId ? h("span", { class: "assignee" }, ` · for ${agentNames.get(node.assigneeId) || "an agent"}`) : null,
    ),
    cell("Last message", lastMessage(node)),
    cell("Assistant", node.assistant.name),
    cell("Messages", count(node.messageCount)),
  );
}
