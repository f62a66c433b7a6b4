// The Inbox: where people work. Waiting (a person was asked for, nobody answers yet), Mine (the
// signed-in agent's), All (waiting or with a person); active ones only, the longest-waiting first,
// each with how long it has waited (ticking), who the visitor is and its last message. Live as the
// Conversations list is: a page read, then `conversationEvents` from its event cursor.

import { h } from "./dom.js";
import { problemText, watch } from "./api.js";
import { AGENTS, BADGE, ERASED, INBOX, INBOX_EVENTS } from "./queries.js";
import { LiveList } from "./livelist.js";
import { conversationHref } from "./rows.js";
import { count, since, visitorName } from "./format.js";

const PAGE = 100;
const MOST = 500; // rows read at most: the API has no "waiting since" order, so the page sorts them
const PREVIEW = 160;
const ROLE_NAMES = { USER: "Visitor", ASSISTANT: "Assistant", AGENT: "Agent", HANDOVER: "Note" };

const TABS = {
  waiting: { text: "Waiting", filter: () => ({ handlings: ["WAITING"], statuses: ["ACTIVE"] }) },
  mine: { text: "Mine", agent: true, filter: (viewer) => ({ assigneeIds: [viewer.agent.id], statuses: ["ACTIVE"] }) },
  all: { text: "All", filter: () => ({ handlings: ["WAITING", "AGENT"], statuses: ["ACTIVE"] }) },
};

/** Longest-waiting first; those that never waited (assigned straight away) after, oldest first. */
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
          each.text,
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
  const section = h(
    "section",
    { "aria-labelledby": "inbox-title", class: "inbox-page", "data-tab": tab },
    h("div", { class: "heading" }, title, total),
    tabs,
    problem,
    note,
    h("div", { class: "table-wrap" }, table),
    empty,
  );
  main.append(section);

  const showProblem = (error) => {
    if (gone) return;
    problem.hidden = false;
    problem.textContent = problemText(error);
  };
  const list = new LiveList(longestWaiting);
  let lastEvent = null;
  let lastErased = null;
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
      let after = null;
      let first = true;
      do {
        const data = await client.request(INBOX, { filter, after, first: PAGE });
        if (gone) return;
        const connection = data.conversations;
        if (first) lastEvent = connection.eventCursor; // the first page reflects events to here
        first = false;
        list.addPage(connection);
        after = connection.pageInfo.endCursor;
      } while (list.hasNextPage && list.rows.length < MOST);
      list.rows.sort(longestWaiting);
      body.replaceChildren(...list.rows.map(row));
      loaded = true;
      follow();
      showTotal();
      section.dataset.ready = "true";
    } catch (error) {
      showProblem(error);
    }
  }

  function follow() {
    stops.push(
      watch(client, INBOX_EVENTS, () => ({ filter, after: lastEvent }), "conversationEvents", {
        next(event) {
          lastEvent = event.cursor;
          show(list.apply(event, (node) => matches(filter, node)));
        },
        error: showProblem,
      }),
    );
    stops.push(
      watch(client, ERASED, () => ({ after: lastErased ?? lastEvent }), "conversationErased", {
        next(erased) {
          lastErased = erased.cursor;
          show(list.remove(erased.conversationId));
        },
        error: showProblem,
      }),
    );
  }

  stops.push(
    watch(client, BADGE, { filter }, "conversationCount", {
      next(n) {
        shownTotal = n;
        showTotal();
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
  // The last thing said (a handover's note only when nothing else is among the last three).
  const lines = node.messages.edges.map((edge) => edge.node);
  const last = lines.filter((line) => line.role !== "HANDOVER").pop() || lines.pop() || null;
  const who = visitorName(node.variables);
  const handledBy =
    node.handling === "AGENT"
      ? agentNames.get(node.assigneeId) || "An agent"
      : node.handling === "WAITING"
        ? "Nobody yet"
        : "The assistant";
  return h(
    "tr",
    { "data-id": node.id, "data-handling": node.handling },
    cell("Visitor", h("a", { href: conversationHref(node.id, "inbox"), class: "open visitor" }, who || "A visitor")),
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
    cell(
      "Last message",
      last
        ? h("span", { class: "preview" }, h("span", { class: "role" }, `${ROLE_NAMES[last.role] || last.role}: `), preview(last.content))
        : "—",
    ),
    cell("Assistant", node.assistant.name),
    cell("Messages", count(node.messageCount)),
  );
}

function preview(text) {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > PREVIEW ? `${flat.slice(0, PREVIEW - 1)}…` : flat;
}
