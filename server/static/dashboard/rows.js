// One conversation as a row of the list. At phone width the CSS lays each row out as a card,
// with each cell's data-label as its caption.

import { h } from "./dom.js";
import { badgeFor, labelChip } from "./badges.js";
import { STATUS_NAMES, TYPE_NAMES, count, visitorName, when } from "./format.js";
import { costText } from "./money.js";

const COLUMNS = ["Visitor", "Type", "Status", "Last message", "Assistant", "Started", "Last activity", "Messages", "Tokens", "Cost", "Labels"];
const PREVIEW = 160;
const ROLE_NAMES = { USER: "Visitor", ASSISTANT: "Assistant", AGENT: "Agent", HANDOVER: "Note", SYSTEM: "System", TOOL: "Tool" };

/** Who the visitor is (name or email from the pre-chat form), as the list and the Inbox show it. */
export function visitorCell(node, href) {
  const who = visitorName(node.variables);
  return h("a", { href, class: "open visitor" }, who || "A visitor");
}

/** The last thing said, from the row's last three messages (a handover's note only when nothing
 * else is among them): "Visitor: My order is late", or "—". */
export function lastMessage(node) {
  const lines = node.messages.edges.map((edge) => edge.node);
  const last = lines.filter((line) => line.role !== "HANDOVER").pop() || lines.pop() || null;
  if (!last) return "—";
  return h("span", { class: "preview" }, h("span", { class: "role" }, `${ROLE_NAMES[last.role] || last.role}: `), preview(last.content));
}

function preview(text) {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > PREVIEW ? `${flat.slice(0, PREVIEW - 1)}…` : flat;
}

export function listTable(order = "Newest first") {
  const body = h("tbody", { id: "rows" });
  const caption = h("caption", { class: "visually-hidden" }, `Conversations, ${order.toLowerCase()}`);
  const table = h(
    "table",
    { class: "list", id: "list" },
    caption,
    h("thead", {}, h("tr", {}, COLUMNS.map((name) => h("th", { scope: "col" }, name)))),
    body,
  );
  return { table, body, caption };
}

/** A conversation's page; `from` "inbox" leads back there (and highlights it in the navigation). */
export function conversationHref(id, from) {
  return `/dashboard?${new URLSearchParams({ page: "conversation", id, ...(from ? { from } : {}) })}`;
}

export function conversationRow(node, { fresh = false } = {}) {
  const cell = (label, ...content) => h("td", { "data-label": label }, ...content);
  return h(
    "tr",
    { "data-id": node.id, "data-status": node.status, class: fresh ? "fresh" : null },
    cell("Visitor", visitorCell(node, conversationHref(node.id))),
    cell("Type", badgeFor("type", node.type, TYPE_NAMES[node.type])),
    cell("Status", badgeFor("status", node.status, STATUS_NAMES[node.status])),
    cell("Last message", lastMessage(node)),
    cell("Assistant", node.assistant.name),
    cell(
      "Started",
      h("a", { href: conversationHref(node.id), class: "open" }, h("time", { datetime: node.startedAt }, when(node.startedAt))),
    ),
    cell("Last activity", h("time", { datetime: node.lastActivityAt }, when(node.lastActivityAt))),
    cell("Messages", h("span", { class: "messages" }, count(node.messageCount))),
    cell("Tokens", count(node.usage.totalTokens)),
    cell("Cost", h("span", { class: "cost" }, costText(node.usage))),
    cell(
      "Labels",
      node.labels.map((label) =>
        labelChip(label),
      ),
      node.rating ? h("span", { class: "rating", title: "Visitor rating" }, `★ ${node.rating.score}`) : null,
    ),
  );
}
