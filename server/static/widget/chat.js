// The chat: the conversation's messages in order, each once (by sequence), live through
// messageAdded from the last cursor seen, so a reconnect resumes without gaps or repeats (a
// streamed reply comes again when it ends: its text replaces what was shown); a streamed reply's
// text grows as it is written (replyChunks), with a typing indicator until it ends, and a reply
// the assistant could not write says so with a button that asks again; sending with a
// clientMessageId, retried on network failures, so a retry never doubles. A message no reply has
// begun to answer for `noticeMs` gets a notice under it (nobody has answered yet, or, where the
// built-in engine should have, that the assistant cannot answer now); the typing indicator is
// only ever a reply being written. A person may be asked for (handover.js): an agent's messages
// show with the agent's name, each move as a centred note, and while a person is being found
// the chat says so instead of the notice.

import { GraphQLError } from "../static/lib/graphql.js";
import { el } from "./dom.js";
import { moveNote, personControl } from "./handover.js";

const MESSAGES = `subscription($id: ID!, $after: String) {
  messageAdded(conversationId: $id, after: $after) { cursor node {
    id sequence role content state handover agent { name } } } }`;
const CHUNKS = `subscription($id: ID!) {
  replyChunks(conversationId: $id) { messageId sequence offset text state } }`;
const RETRY = `mutation($id: ID!) { retryReply(messageId: $id) }`;
const STATE_NOTE = { FAILED: "reply.failed", INCOMPLETE: "reply.incomplete" };
const SEND = `mutation($input: SendMessageInput!) {
  sendMessage(input: $input) { message { sequence role content } } }`;
const END = `mutation($id: ID!) { endConversation(conversationId: $id) { conversation { status } } }`;
const SEND_TRIES = 5;
const STATUS_TEXT = { connecting: "chat.connecting", open: "chat.connected", closed: "chat.reconnecting" };
const SHOWN = new Set(["USER", "ASSISTANT", "AGENT", "HANDOVER"]);

const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The chat view of one conversation; `onEnded()` is called once when it has ended; `t` gives
 * its words (strings.js); `readHandling()`, when given, reads who handles it now (a reload). */
export function chatView({
  client, conversationId, assistantName, onEnded, t, noticeMs, answersAutomatically = false,
  onMessage = () => {}, readHandling = null,
}) {
  const shown = new Map(); // sequence -> element
  let cursor = null;
  let ended = false;
  const log = el("ol", { class: "log", role: "log", "aria-live": "polite", "aria-label": t("chat.messages") });
  const status = el("p", { class: "status", role: "status" });
  const waiting = el("p", { class: "waiting", role: "status", hidden: true });
  const problem = el("p", { class: "error", role: "alert", hidden: true });
  const input = el("input", {
    type: "text", name: "message", autocomplete: "off", "aria-label": t("chat.input"),
    placeholder: t("chat.placeholder"), maxlength: 4000,
  });
  const send = el("button", { type: "submit", class: "primary", text: t("chat.send") });
  const endButton = el("button", { type: "button", class: "secondary", text: t("chat.end") });
  const compose = el("form", { class: "compose", "aria-label": t("chat.compose") }, input, send);

  // The visitor's last message and the last answer to it (the assistant's, an agent's, or a
  // move of the handover): while the first is later, a reply is due.
  let lastSaid = 0;
  let lastAnswered = 0;
  let noticeTimer = null;

  const person = personControl({
    client, conversationId, t, say, onEnded: () => finish(), refocus: () => input.focus(),
    onChange(handling) {
      if (handling !== "ASSISTANT") for (const dots of log.querySelectorAll(".typing")) dots.hidden = true;
      awaitReply();
    },
  });
  const element = el(
    "section", { class: "chat", "aria-label": t("chat.label", { name: assistantName }) },
    status, log, waiting, person.note, problem, compose,
    el("div", { class: "actions" }, person.button, endButton),
  );

  /** Starts the wait for a reply when one is due, and ends it (and its notice) when one began;
   * while a person is being found, the waiting note says so instead. */
  function awaitReply() {
    if (!ended && lastSaid > lastAnswered && person.handling() !== "WAITING") {
      if (noticeTimer === null && waiting.hidden) {
        noticeTimer = setTimeout(() => {
          noticeTimer = null;
          const assistant = answersAutomatically && person.handling() === "ASSISTANT";
          waiting.textContent = t(assistant ? "reply.unavailable" : "reply.waiting");
          waiting.hidden = false;
        }, noticeMs);
      }
      return;
    }
    clearTimeout(noticeTimer);
    noticeTimer = null;
    waiting.hidden = true;
  }

  /** A message's bubble (who wrote it, its text, and a reply's state), or a move's note. */
  function bubble(role, sequence, agent) {
    if (role === "HANDOVER") {
      return el("li", { class: "message handover", "data-sequence": sequence }, el("span", { class: "text" }));
    }
    const agentName = role === "AGENT" ? (agent && agent.name) || t("handover.person") : null;
    const who = role === "USER" ? t("chat.you") : agentName || assistantName;
    const item = el(
      "li",
      { class: `message ${role.toLowerCase()}`, "data-sequence": sequence },
      el("span", { class: "who", text: who }),
      el("span", { class: "text", text: "" }),
      el("span", { class: "typing", "aria-label": t("chat.writing", { name: who }), hidden: true }, el("i"), el("i"), el("i")),
      el("span", { class: "note", hidden: true }),
      el("button", { type: "button", class: "retry secondary", text: t("reply.retry"), hidden: true }),
    );
    item.querySelector(".retry").addEventListener("click", () => retry(item));
    return item;
  }

  function show(message) {
    const { id, sequence, role, content, state = "COMPLETE" } = message;
    if (!SHOWN.has(role)) return;
    let item = shown.get(sequence);
    const first = !item;
    if (first) {
      item = bubble(role, sequence, message.agent);
      const later = [...shown.entries()].filter(([seq]) => seq > sequence).sort((a, b) => a[0] - b[0]);
      log.insertBefore(item, later.length ? later[0][1] : null);
      shown.set(sequence, item);
    }
    if (id) item.dataset.id = id;
    if (role === "HANDOVER") {
      item.dataset.handover = message.handover;
      item.querySelector(".text").textContent = moveNote(t, message);
    } else {
      item.querySelector(".text").textContent = content;
      mark(item, state);
    }
    item.scrollIntoView({ block: "nearest" });
    if (role === "USER") lastSaid = Math.max(lastSaid, sequence);
    else lastAnswered = Math.max(lastAnswered, sequence);
    if (role === "HANDOVER" && first) person.moved(message);
    awaitReply();
    onMessage({ sequence, role, state });
  }

  /** A reply's state, as the visitor sees it: writing, finished, or not written. */
  function mark(item, state) {
    item.dataset.state = state;
    item.setAttribute("aria-busy", String(state === "STREAMING"));
    item.querySelector(".typing").hidden = state !== "STREAMING" || person.handling() !== "ASSISTANT";
    const note = item.querySelector(".note");
    note.textContent = STATE_NOTE[state] ? t(STATE_NOTE[state]) : "";
    note.hidden = !note.textContent;
    item.querySelector(".retry").hidden = state !== "FAILED";
  }

  /** A piece of a reply: offset 0 is its whole text so far, any other continues it. */
  function grow({ messageId, sequence, offset, text, state }) {
    if (!shown.has(sequence)) show({ id: messageId, sequence, role: "ASSISTANT", content: "", state });
    const item = shown.get(sequence);
    const body = item.querySelector(".text");
    body.textContent = offset === 0 ? text : body.textContent + text;
    mark(item, state);
    item.scrollIntoView({ block: "nearest" });
    onMessage({ sequence, role: "ASSISTANT", state });
  }

  async function retry(item) {
    const button = item.querySelector(".retry");
    button.disabled = true;
    try {
      await client.request(RETRY, { id: item.dataset.id });
      button.hidden = true;
      item.querySelector(".note").textContent = t("reply.asking");
    } catch (failure) {
      say(t("reply.notAsked", { reason: failure.message }));
    } finally {
      button.disabled = false;
    }
  }

  function say(text) {
    problem.textContent = text;
    problem.hidden = !text;
  }

  function finish() {
    if (ended) return;
    ended = true;
    stop();
    stopChunks();
    offStatus();
    input.disabled = true;
    send.disabled = true;
    endButton.hidden = true;
    person.end();
    awaitReply();
    status.textContent = t("chat.ended");
    onEnded();
  }

  const offStatus = client.onStatus((state) => {
    if (!ended) status.textContent = STATUS_TEXT[state] ? t(STATUS_TEXT[state]) : state;
  });
  const stop = client.subscribe(MESSAGES, () => ({ id: conversationId, after: cursor }), {
    next(data) {
      const edge = data.messageAdded;
      if (!shown.has(edge.node.sequence)) cursor = edge.cursor; // a reply ending: no step back
      show(edge.node);
    },
    error(failure) {
      say(failure.message);
    },
    complete: finish,
  });
  const stopChunks = client.subscribe(CHUNKS, () => ({ id: conversationId }), {
    next(data) {
      grow(data.replyChunks);
    },
    error(failure) {
      say(failure.message);
    },
    complete() {},
  });

  if (readHandling) person.snapshot(readHandling);

  // A message that failed to send keeps its clientMessageId, so sending the same text again
  // cannot double it even if the first try did reach the server.
  let unsent = null;

  async function sendText(content) {
    if (!unsent || unsent.content !== content) unsent = { content, clientMessageId: crypto.randomUUID() };
    const { clientMessageId } = unsent;
    const variables = { input: { conversationId, clientMessageId, content } };
    for (let attempt = 1; ; attempt += 1) {
      try {
        const data = await client.request(SEND, variables);
        unsent = null;
        return data.sendMessage.message;
      } catch (failure) {
        if (failure instanceof GraphQLError || attempt >= SEND_TRIES) throw failure;
        say(t("chat.retrying"));
        await pause(Math.min(4000, 250 * 2 ** attempt));
      }
    }
  }

  compose.addEventListener("submit", async (event) => {
    event.preventDefault();
    const content = input.value.trim();
    if (!content || ended) return;
    send.disabled = true;
    try {
      show(await sendText(content));
      input.value = "";
      say("");
    } catch (failure) {
      if (failure instanceof GraphQLError && failure.codes.includes("CONFLICT")) finish();
      else say(t("chat.notSent", { reason: failure.message }));
    } finally {
      send.disabled = ended;
      if (!ended) input.focus();
    }
  });

  endButton.addEventListener("click", async () => {
    endButton.disabled = true;
    try {
      await client.request(END, { id: conversationId });
      finish();
    } catch (failure) {
      say(t("chat.notEnded", { reason: failure.message }));
      endButton.disabled = false;
    }
  });

  return {
    element, focus: () => input.focus(), close: () => { stop(); stopChunks(); offStatus(); clearTimeout(noticeTimer); },
  };
}
