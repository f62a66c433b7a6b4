// One conversation as a row of the list. At phone width the CSS lays each row out as a card,
// with each cell's data-label as its caption.

import { h } from "./dom.js";
import { badgeFor, labelChip } from "./badges.js";
import { STATUS_NAMES, TYPE_NAMES, count, when } from "./format.js";
import { costText } from "./money.js";

const COLUMNS = ["Type", "Status", "Assistant", "Started", "Last activity", "Messages", "Tokens", "Cost", "Labels"];

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
    cell("Type", badgeFor("type", node.type, TYPE_NAMES[node.type])),
    cell("Status", badgeFor("status", node.status, STATUS_NAMES[node.status])),
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
