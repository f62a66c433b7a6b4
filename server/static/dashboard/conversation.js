// A conversation's page: its messages with times, variables with their source, usage and cost per
// reply and in total, rating and labels. While it is active, new messages come from
// `messageAdded` (resumed from the last message's cursor) and the rest of the header from
// `conversationEvents` narrowed to its own start time. The panel of work.js makes the moves a key
// may make (take over, reply, hand back, assign, label, end, erase).

import { h, fill } from "./dom.js";
import { problemText, watch } from "./api.js";
import { CONVERSATION, CONVERSATION_EVENTS, MESSAGE_ADDED, MORE_MESSAGES, WORKBENCH } from "./queries.js";
import { badgeFor, labelChip } from "./badges.js";
import { HANDLING_NAMES, SOURCE_NAMES, STATUS_NAMES, TYPE_NAMES, clock, count, duration, when } from "./format.js";
import { costText } from "./money.js";
import { workPanel } from "./work.js";

const ROLE_NAMES = { USER: "Visitor", ASSISTANT: "Assistant", SYSTEM: "System", TOOL: "Tool", AGENT: "Agent", HANDOVER: "Handover" };

export function mount(main, { client, viewer, params, navigate }) {
  const id = params.get("id") || "";
  const stops = [];
  let gone = false;
  const title = h("h1", { id: "conversation-title" }, "Conversation");
  const problem = h("p", { class: "problem", role: "alert", id: "problem", hidden: true });
  const header = h("div", { class: "header", id: "header" });
  const summary = h("div", { class: "summary", id: "summary" });
  let workbench = { agents: [], labels: [] };
  const work = workPanel({
    client,
    viewer,
    id,
    changed: (node) => !gone && showConversation(node),
    erased: () => navigate("/dashboard"),
  });
  work.element.hidden = true;
  const side = h("div", { class: "side" }, work.element, summary);
  const messages = h("ol", { class: "messages", id: "messages", "aria-label": "Messages" });
  const section = h(
    "section",
    { "aria-labelledby": "conversation-title", class: "conversation" },
    params.get("from") === "inbox"
      ? h("p", { class: "back" }, h("a", { href: "/dashboard?page=inbox" }, "← Inbox"))
      : h("p", { class: "back" }, h("a", { href: "/dashboard" }, "← Conversations")),
    title,
    problem,
    header,
    h("div", { class: "columns" }, h("div", { class: "transcript" }, h("h2", {}, "Messages"), messages), side),
  );
  main.append(section);

  const seen = new Map(); // sequence -> its element
  let lastMessage = null;
  let lastEvent = null;
  const showProblem = (error) => {
    if (gone) return;
    problem.hidden = false;
    problem.textContent = problemText(error);
  };

  function addMessages(edges) {
    for (const { cursor, node } of edges) {
      const shown = seen.get(node.sequence);
      if (shown) {
        const item = messageItem(node); // a streamed reply, again now that it has ended:
        shown.replaceWith(item); // shown as it is now; the cursor stays where it was
        seen.set(node.sequence, item);
        continue;
      }
      lastMessage = cursor;
      const item = messageItem(node);
      seen.set(node.sequence, item);
      messages.append(item);
    }
  }

  let shown = null;
  function showConversation(node) {
    // A move's answer and its live event both arrive: the newer one wins (a header without the
    // messages' fields is only ever newer or the same).
    if (shown && Date.parse(node.lastActivityAt) < Date.parse(shown.lastActivityAt)) return;
    shown = node;
    title.textContent = `Conversation with ${node.assistant.name}`;
    const agentNames = new Map(workbench.agents.map((agent) => [agent.id, agent.name]));
    fill(header, headerFacts(node, agentNames));
    fill(summary, summaryOf(node));
    work.show(node, workbench);
    work.element.hidden = false;
    section.dataset.status = node.status;
    section.dataset.handling = node.handling;
  }

  async function load() {
    try {
      const [first, bench] = await Promise.all([client.request(CONVERSATION, { id, after: null }), client.request(WORKBENCH, {})]);
      let data = first;
      if (gone) return;
      workbench = bench;
      const node = data.conversation;
      showConversation(node);
      let page = node.messages;
      addMessages(page.edges);
      while (page.pageInfo.hasNextPage) {
        data = await client.request(MORE_MESSAGES, { id, after: page.pageInfo.endCursor });
        if (gone) return;
        page = data.conversation.messages;
        addMessages(page.edges);
      }
      section.dataset.ready = "true";
      if (node.status === "ACTIVE") follow(node);
    } catch (error) {
      showProblem(error);
    }
  }

  function follow(node) {
    stops.push(
      watch(client, MESSAGE_ADDED, () => ({ id, after: lastMessage }), "messageAdded", {
        next: (edge) => addMessages([edge]),
        error: showProblem,
      }),
    );
    // ConversationFilter has no ID: its own start time (to the millisecond), type and assistant
    // narrow the events to this conversation (and any started in the same millisecond).
    const start = Date.parse(node.startedAt);
    const filter = {
      types: [node.type],
      assistantIds: [node.assistant.id],
      startedAfter: new Date(start).toISOString(),
      startedBefore: new Date(start + 1).toISOString(),
    };
    stops.push(
      watch(client, CONVERSATION_EVENTS, () => ({ filter, after: lastEvent }), "conversationEvents", {
        next(event) {
          lastEvent = event.cursor;
          if (event.conversationId === id) showConversation(event.conversation);
        },
        error: showProblem,
      }),
    );
  }

  load();
  return () => {
    gone = true;
    for (const stop of stops.splice(0)) stop();
  };
}

function headerFacts(node, agentNames) {
  const fact = (name, ...value) => [h("dt", {}, name), h("dd", {}, ...value)];
  const visitor = node.visitor || {};
  return h(
    "dl",
    { class: "facts" },
    fact("Type", badgeFor("type", node.type, TYPE_NAMES[node.type])),
    fact("Status", h("span", { id: "status" }, badgeFor("status", node.status, STATUS_NAMES[node.status]))),
    fact(
      "Handled by",
      h(
        "span",
        { id: "handling", "data-handling": node.handling },
        node.handling === "AGENT" ? agentNames.get(node.assigneeId) || "An agent" : HANDLING_NAMES[node.handling],
      ),
    ),
    fact("Assigned to", h("span", { id: "assigned" }, node.assigneeId ? agentNames.get(node.assigneeId) || "An agent" : "Nobody")),
    node.handling === "WAITING" && node.waitingSince
      ? fact("Waiting since", h("time", { datetime: node.waitingSince }, when(node.waitingSince)))
      : null,
    fact("Assistant", node.assistant.name),
    fact("Started", h("time", { datetime: node.startedAt }, when(node.startedAt))),
    fact("Last activity", h("time", { datetime: node.lastActivityAt }, when(node.lastActivityAt))),
    node.endedAt ? fact("Ended", h("time", { datetime: node.endedAt }, when(node.endedAt))) : null,
    fact("Duration", duration(node.durationSeconds)),
    fact("Messages", h("span", { id: "message-count" }, count(node.messageCount))),
    visitor.pageUrl ? fact("Page", visitor.pageUrl) : null,
    visitor.locale ? fact("Locale", visitor.locale) : null,
    node.externalId ? fact("Imported as", node.externalId) : null,
  );
}

function summaryOf(node) {
  const usage = node.usage;
  return [
    h(
      "section",
      { "aria-labelledby": "usage-title", class: "card" },
      h("h2", { id: "usage-title" }, "Usage"),
      h(
        "dl",
        { class: "facts" },
        h("dt", {}, "Cost"),
        h("dd", { id: "total-cost", class: "cost" }, costText(usage)),
        h("dt", {}, "Tokens"),
        h("dd", { id: "total-tokens" }, `${count(usage.totalTokens)} (${count(usage.inputTokens)} in, ${count(usage.cachedInputTokens)} cached, ${count(usage.outputTokens)} out)`),
      ),
      node.usageByModel.length
        ? h(
            "table",
            { class: "small", id: "by-model" },
            h("caption", {}, "By model"),
            h("thead", {}, h("tr", {}, ["Model", "Replies", "Tokens", "Cost"].map((name) => h("th", { scope: "col" }, name)))),
            h(
              "tbody",
              {},
              node.usageByModel.map((each) =>
                h(
                  "tr",
                  {},
                  h("td", {}, `${each.provider} ${each.model}`),
                  h("td", {}, count(each.replies)),
                  h("td", {}, count(each.usage.totalTokens)),
                  h("td", { class: "cost" }, costText(each.usage)),
                ),
              ),
            ),
          )
        : null,
    ),
    h(
      "section",
      { "aria-labelledby": "variables-title", class: "card" },
      h("h2", { id: "variables-title" }, "Variables"),
      node.variables.length
        ? h(
            "table",
            { class: "small", id: "variables" },
            h("thead", {}, h("tr", {}, ["Name", "Value", "Source"].map((name) => h("th", { scope: "col" }, name)))),
            h(
              "tbody",
              {},
              node.variables.map((variable) =>
                h(
                  "tr",
                  { "data-name": variable.name },
                  h("th", { scope: "row" }, variable.name),
                  h("td", { class: "value" }, typeof variable.value === "string" ? variable.value : JSON.stringify(variable.value)),
                  h(
                    "td",
                    {},
                    h("span", { class: `source source-${variable.source.toLowerCase()}` }, SOURCE_NAMES[variable.source]),
                    variable.messageSequence ? ` after message ${variable.messageSequence}` : null,
                  ),
                ),
              ),
            ),
          )
        : h("p", { class: "empty" }, "None collected."),
    ),
    h(
      "section",
      { "aria-labelledby": "feedback-title", class: "card" },
      h("h2", { id: "feedback-title" }, "Rating and labels"),
      h(
        "p",
        { id: "rating" },
        node.rating
          ? [`${node.rating.score} / 5`, node.rating.comment ? ` — “${node.rating.comment}”` : null]
          : "Not rated by the visitor.",
      ),
      h(
        "p",
        { id: "labels" },
        node.labels.length
          ? node.labels.map((label) =>
              labelChip(label),
            )
          : "No labels.",
      ),
    ),
  ];
}

function messageItem(node) {
  const usage = node.usage;
  const author = node.role === "AGENT" && node.agent ? `${node.agent.name} (agent)` : ROLE_NAMES[node.role] || node.role;
  return h(
    "li",
    { class: `message role-${node.role.toLowerCase()}`, "data-sequence": node.sequence, "data-role": node.role },
    h(
      "div",
      { class: "meta" },
      h("span", { class: "role" }, author),
      " ",
      h("time", { datetime: node.createdAt, title: when(node.createdAt) }, clock(node.createdAt)),
    ),
    h("p", { class: "content" }, node.content),
    usage
      ? h(
          "p",
          { class: "reply-usage" },
          [node.provider, node.model].filter(Boolean).join(" "),
          ` · ${count(usage.inputTokens)} in · ${count(usage.outputTokens)} out · `,
          h("span", { class: "cost" }, costText(usage)),
          node.pricing && node.pricing.source === "GIVEN" ? " (given)" : null,
        )
      : null,
    node.feedback
      ? h("p", { class: "feedback" }, node.feedback.rating === "UP" ? "👍 Helpful" : "👎 Not helpful", node.feedback.reason ? `: ${node.feedback.reason}` : null)
      : null,
  );
}
