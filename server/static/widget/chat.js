// The chat: the conversation's messages in order, each once (by sequence), live through
// messageAdded from the last cursor seen, so a reconnect resumes without gaps or repeats (a
// streamed reply comes again when it ends: its text replaces what was shown); a streamed reply's
// text grows as it is written (replyChunks), with a typing indicator until it ends, and a reply
// the assistant could not write says so with a button that asks again; sending with a
// clientMessageId, retried on network failures, so a retry never doubles.

import { GraphQLError } from "../static/lib/graphql.js";
import { el } from "./dom.js";

const MESSAGES = `subscription($id: ID!, $after: String) {
  messageAdded(conversationId: $id, after: $after) { cursor node { id sequence role content state } } }`;
const CHUNKS = `subscription($id: ID!) {
  replyChunks(conversationId: $id) { messageId sequence offset text state } }`;
const RETRY = `mutation($id: ID!) { retryReply(messageId: $id) }`;
const STATE_NOTE = {
  FAILED: "The assistant could not answer.",
  INCOMPLETE: "The reply was cut short.",
};
const SEND = `mutation($input: SendMessageInput!) {
  sendMessage(input: $input) { message { sequence role content } } }`;
const END = `mutation($id: ID!) { endConversation(conversationId: $id) { conversation { status } } }`;
const SEND_TRIES = 5;
const STATUS_TEXT = { connecting: "Connecting…", open: "Connected", closed: "Reconnecting…" };

const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The chat view of one conversation; `onEnded()` is called once when it has ended. */
export function chatView({ client, conversationId, assistantName, onEnded, onMessage = () => {} }) {
  const shown = new Map(); // sequence -> element
  let cursor = null;
  let ended = false;
  const log = el("ol", { class: "log", role: "log", "aria-live": "polite", "aria-label": "Messages" });
  const status = el("p", { class: "status", role: "status" });
  const problem = el("p", { class: "error", role: "alert", hidden: true });
  const input = el("input", {
    type: "text", name: "message", autocomplete: "off", "aria-label": "Your message",
    placeholder: "Write a message…", maxlength: 4000,
  });
  const send = el("button", { type: "submit", class: "primary", text: "Send" });
  const endButton = el("button", { type: "button", class: "secondary", text: "End chat" });
  const compose = el("form", { class: "compose", "aria-label": "Send a message" }, input, send);
  const element = el("section", { class: "chat", "aria-label": `Chat with ${assistantName}` }, status, log, problem, compose, endButton);

  function show({ id, sequence, role, content, state = "COMPLETE" }) {
    if (role !== "USER" && role !== "ASSISTANT") return;
    let item = shown.get(sequence);
    if (!item) {
      const who = role === "USER" ? "You" : assistantName;
      item = el(
        "li",
        { class: `message ${role.toLowerCase()}`, "data-sequence": sequence },
        el("span", { class: "who", text: who }),
        el("span", { class: "text", text: "" }),
        el("span", { class: "typing", "aria-label": `${assistantName} is writing`, hidden: true }, el("i"), el("i"), el("i")),
        el("span", { class: "note", hidden: true }),
        el("button", { type: "button", class: "retry secondary", text: "Try again", hidden: true }),
      );
      item.querySelector(".retry").addEventListener("click", () => retry(item));
      const later = [...shown.entries()].filter(([seq]) => seq > sequence).sort((a, b) => a[0] - b[0]);
      log.insertBefore(item, later.length ? later[0][1] : null);
      shown.set(sequence, item);
    }
    if (id) item.dataset.id = id;
    item.querySelector(".text").textContent = content;
    mark(item, state);
    item.scrollIntoView({ block: "nearest" });
    onMessage({ sequence, role, state });
  }

  /** A reply's state, as the visitor sees it: writing, finished, or not written. */
  function mark(item, state) {
    item.dataset.state = state;
    item.setAttribute("aria-busy", String(state === "STREAMING"));
    item.querySelector(".typing").hidden = state !== "STREAMING";
    const note = item.querySelector(".note");
    note.textContent = STATE_NOTE[state] || "";
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
      item.querySelector(".note").textContent = "Asking again…";
    } catch (failure) {
      say(`Could not ask again: ${failure.message}`);
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
    status.textContent = "This chat has ended.";
    onEnded();
  }

  const offStatus = client.onStatus((state) => {
    if (!ended) status.textContent = STATUS_TEXT[state] || state;
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
        say("Connection lost: trying again…");
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
      else say(`Not sent: ${failure.message}`);
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
      say(`Could not end the chat: ${failure.message}`);
      endButton.disabled = false;
    }
  });

  return { element, focus: () => input.focus(), close: () => { stop(); stopChunks(); offStatus(); } };
}
