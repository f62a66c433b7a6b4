// Working on a conversation from its page: take it over and reply (an agent's key), hand it back
// and assign it, label and end it (an agent's key, or a secret key with WRITE), erase it (a secret
// key with WRITE: an agent's key may not, through the API). Only what the key may do, and what
// makes sense for the conversation now, is shown; the panel is built once and its parts shown or
// hidden, so a live update never takes away a reply being typed. A refused change says why.

import { h, fill } from "./dom.js";
import { GraphQLError, problemText } from "./api.js";
import { ADD_LABELS, ASSIGN, END, ERASE, HAND_BACK, REMOVE_LABELS, REPLY, TAKE_OVER } from "./queries.js";
import { labelChip } from "./badges.js";
import { confirmed } from "./confirm.js";

/** The server's own reason for a refused move ("This conversation has ended.", "Only an agent's
 * own key can do this…"), which says more here than the pages' general texts. */
function moveProblem(error) {
  const unauthenticated = error instanceof GraphQLError && (error.codes || []).includes("UNAUTHENTICATED");
  return error instanceof GraphQLError && !unauthenticated ? error.message : problemText(error);
}

/** A fresh clientMessageId (crypto.randomUUID needs a secure context; this does not). */
function messageId() {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return `agent-${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/**
 * {element, show(node, workbench)}: `show` with the conversation as it is now (its Header) and
 * the workspace's {agents, labels}. `changed(node)` is given each conversation a move returns;
 * `erased()` is called once it is erased.
 */
export function workPanel({ client, viewer, id, changed, erased }) {
  const scopes = new Set((viewer && viewer.scopes) || []);
  const me = viewer && viewer.agent ? viewer.agent.id : null;
  const agentKey = Boolean(me) && scopes.has("HANDLE");
  const writer = scopes.has("WRITE");
  let node = null;
  let labels = [];
  let offeredAgents = null;
  let offeredLabels = null;
  let shownAssignee;

  const status = h("p", { class: "saved", role: "status", id: "work-status" });
  const problem = h("p", { class: "problem", role: "alert", id: "work-problem", hidden: true });
  const button = (attributes, text) => h("button", { type: "button", ...attributes }, text);
  const takeOver = button({ id: "take-over" }, "Take over");
  const handBack = button({ id: "hand-back", class: "quiet" }, "Hand back to the assistant");
  const text = h("textarea", { id: "reply-text", name: "content", rows: 3, required: true, "aria-describedby": "reply-help" });
  const reply = h(
    "form",
    { class: "reply", id: "reply", "aria-label": "Reply to the visitor" },
    h("label", { for: "reply-text" }, "Your reply"),
    text,
    h("p", { class: "help", id: "reply-help" }, "The visitor sees it with your name. Ctrl+Enter sends."),
    h("button", { type: "submit" }, "Send"),
  );
  const assignee = h("select", { id: "assignee", name: "assignee" });
  const assign = h(
    "form",
    { class: "inline", id: "assign" },
    h("label", { for: "assignee" }, "Assigned to"),
    assignee,
    h("button", { type: "submit", class: "quiet" }, "Assign"),
  );
  const current = h("ul", { class: "label-list", id: "label-list", "aria-label": "Labels" });
  const choices = h("select", { id: "add-label-choice", name: "label" });
  const adding = h(
    "form",
    { class: "inline", id: "add-label" },
    h("label", { for: "add-label-choice" }, "Add a label"),
    choices,
    h("button", { type: "submit", class: "quiet" }, "Add"),
  );
  const labelling = h("div", { class: "labelling", id: "labelling" }, h("h3", {}, "Labels"), current, adding);
  const end = button({ id: "end", class: "quiet" }, "End conversation");
  const erase = button({ id: "erase", class: "danger" }, "Erase…");
  const readOnly = h(
    "p",
    { class: "help", id: "read-only" },
    "This key may only read. Sign in with an agent's key to answer visitors, or a secret key with WRITE to manage conversations.",
  );
  const agentOnly = h(
    "p",
    { class: "help", id: "agent-note" },
    "Erasing needs a secret key with WRITE: an agent's key may not erase.",
  );
  const element = h(
    "section",
    { class: "card work", id: "work", "aria-labelledby": "work-title" },
    h("h2", { id: "work-title", tabindex: "-1" }, "Work on it"),
    problem,
    status,
    h("div", { class: "buttons" }, takeOver, handBack),
    reply,
    assign,
    labelling,
    h("div", { class: "buttons" }, end, erase),
    readOnly,
    agentNote(),
  );

  function agentNote() {
    return agentKey && !writer ? agentOnly : null;
  }

  /** Runs one change: its buttons wait, a refusal is shown, and the conversation it returns too. */
  async function run(what, done, document, variables, pick) {
    const controls = element.querySelectorAll("button, select, textarea");
    for (const control of controls) control.disabled = true;
    problem.hidden = true;
    status.textContent = "";
    try {
      const data = await client.request(document, variables);
      const returned = pick ? pick(data) : null;
      if (returned) changed(returned);
      status.textContent = done;
      return true;
    } catch (error) {
      problem.hidden = false;
      problem.textContent = `${what}: ${moveProblem(error)}`;
      return false;
    } finally {
      for (const control of controls) control.disabled = false;
      // A button that did its work may be gone now (Take over, once taken): focus stays in the panel.
      const focused = document.activeElement;
      if (!focused || focused === document.body || !focused.offsetParent) element.querySelector("#work-title").focus();
    }
  }

  takeOver.addEventListener("click", async () => {
    if (await run("Could not take it over", "You have it now: the visitor sees that you joined.", TAKE_OVER, { id }, (d) => d.takeOver)) {
      text.focus();
    }
  });
  handBack.addEventListener("click", () =>
    run("Could not hand it back", "Handed back: the assistant answers again.", HAND_BACK, { id }, (d) => d.handBack),
  );
  let pending = null; // {content, clientMessageId}: a failed send retried with the same ID
  async function send() {
    const content = text.value.trim();
    if (!content) return;
    if (!pending || pending.content !== content) pending = { content, clientMessageId: messageId() };
    const input = { conversationId: id, clientMessageId: pending.clientMessageId, role: "AGENT", content };
    if (await run("Could not send", "Sent.", REPLY, { input })) {
      pending = null;
      text.value = "";
      text.focus();
    }
  }
  reply.addEventListener("submit", (event) => {
    event.preventDefault();
    send();
  });
  text.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      send();
    }
  });
  assign.addEventListener("submit", (event) => {
    event.preventDefault();
    const agentId = assignee.value || null;
    run("Could not assign it", agentId ? "Assigned." : "Unassigned.", ASSIGN, { id, agentId }, (d) => d.assignConversation);
  });
  adding.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!choices.value) return;
    run("Could not add the label", "Label added.", ADD_LABELS, { id, labelIds: [choices.value] }, (d) => d.addLabels);
  });
  current.addEventListener("click", (event) => {
    const remove = event.target.closest && event.target.closest("button[data-label]");
    if (!remove) return;
    run("Could not remove the label", "Label removed.", REMOVE_LABELS, { id, labelIds: [remove.dataset.label] }, (d) => d.removeLabels);
  });
  end.addEventListener("click", () =>
    run("Could not end it", "Ended.", END, { id }, (d) => d.endConversation.conversation),
  );
  erase.addEventListener("click", async () => {
    const sure = await confirmed(
      "Erase this conversation?",
      "Its messages, variables, usage and labels are erased at once and for good: gone from every list, count, export and live view.",
      "Erase",
    );
    if (!sure) {
      erase.focus();
      return;
    }
    if (await run("Could not erase it", "Erased.", ERASE, { id })) erased();
  });

  function show(now, workbench) {
    node = now;
    labels = workbench.labels;
    const active = node.status === "ACTIVE";
    const mine = node.handling === "AGENT" && node.assigneeId === me;
    takeOver.hidden = !(agentKey && active && !mine);
    reply.hidden = !(agentKey && active && mine);
    handBack.hidden = !((agentKey || writer) && active && node.handling !== "ASSISTANT");
    assign.hidden = !((agentKey || writer) && active);
    labelling.hidden = !(agentKey || writer);
    end.hidden = !((agentKey || writer) && active);
    erase.hidden = !writer;
    readOnly.hidden = agentKey || writer;
    // A choice being made stays made: the menus are rebuilt only when what they offer changed,
    // and the assignee is set only when it changed on the conversation.
    const agentsNow = JSON.stringify(workbench.agents);
    if (agentsNow !== offeredAgents) {
      offeredAgents = agentsNow;
      fill(
        assignee,
        h("option", { value: "" }, "Nobody"),
        workbench.agents.map((agent) => h("option", { value: agent.id }, agent.id === me ? `${agent.name} (you)` : agent.name)),
      );
      shownAssignee = undefined;
    }
    if (node.assigneeId !== shownAssignee) {
      shownAssignee = node.assigneeId;
      assignee.value = node.assigneeId || "";
    }
    const on = new Set(node.labels.map((label) => label.id));
    fill(
      current,
      node.labels.map((label) =>
        h(
          "li",
          {},
          labelChip(label),
          h("button", { type: "button", class: "quiet small", "data-label": label.id, "aria-label": `Remove label ${label.name}` }, "×"),
        ),
      ),
    );
    const others = labels.filter((label) => !on.has(label.id));
    adding.hidden = others.length === 0;
    const othersNow = JSON.stringify(others);
    if (othersNow !== offeredLabels) {
      offeredLabels = othersNow;
      fill(choices, others.map((label) => h("option", { value: label.id }, label.name)));
    }
  }

  return { element, show };
}
