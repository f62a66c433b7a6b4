// The Test Chat: a builder tries an assistant as a visitor would. Choose the assistant, fill in its
// pre-chat form (checked by the server, whose errors show at the field), then chat: the builder's
// messages go in with the secret key, the assistant's replies stream in as they are written
// (replyChunks) with a typing indicator, and each reply shows its tokens and exact cost once it
// lands (messageAdded sends it again, final). Its conversations are TEST (the orange badge), so the
// list shows them live like any other. "New test" starts over.

import { h, fill } from "./dom.js";
import { problemText, watch, GraphQLError } from "./api.js";
import { costText } from "./money.js";
import { TEST_ASSISTANTS, TEST_FACE, TEST_START, TEST_SEND, TEST_MESSAGES, TEST_CHUNKS, TEST_RETRY } from "./queries.js";

const NOTE = { FAILED: "The assistant could not answer.", INCOMPLETE: "The reply was cut short." };

export function mount(main, { client }) {
  let stops = [];
  let gone = false;
  const heading = h("h1", {}, "Test Chat");
  const intro = h("p", { class: "lead" }, "Try an assistant as a visitor would. Test conversations are marked TEST and kept apart from real ones in usage.");
  const problem = h("p", { class: "problem", role: "alert", hidden: true });
  const stage = h("div", { class: "testchat" });
  const section = h("section", { "aria-labelledby": "testchat-title" }, heading, intro, problem, stage);
  heading.id = "testchat-title";
  main.append(section);

  const say = (text) => {
    problem.textContent = text || "";
    problem.hidden = !text;
  };
  const stopAll = () => {
    for (const stop of stops) stop();
    stops = [];
  };

  async function choose() {
    stopAll();
    say("");
    const data = await client.request(TEST_ASSISTANTS).catch((failure) => (say(problemText(failure)), null));
    if (!data || gone) return;
    const select = h("select", { name: "assistant", id: "testchat-assistant" },
      data.assistants.map((a) => h("option", { value: a.id }, a.name)));
    const form = h("form", { class: "testchat-form", "aria-label": "Start a test", novalidate: true },
      h("label", { for: "testchat-assistant" }, "Assistant"), select,
      h("div", { class: "testchat-fields" }),
      h("button", { type: "submit", class: "primary" }, "Start test"));
    const fields = form.querySelector(".testchat-fields");
    async function showForm() {
      const face = await client.request(TEST_FACE, { id: select.value }).catch((failure) => (say(problemText(failure)), null));
      if (!face || gone) return;
      fill(fields, face.widgetAssistant.preChatForm.map((field) => {
        const id = `testchat-field-${field.name}`;
        const input = field.type === "SELECT"
          ? h("select", { id, name: field.name }, h("option", { value: "" }, "—"), (field.options || []).map((o) => h("option", { value: o }, o)))
          : h("input", { id, name: field.name, type: field.type === "EMAIL" ? "email" : "text", required: field.required });
        return h("p", {}, h("label", { for: id }, field.label + (field.required ? " *" : "")), input, h("span", { class: "field-error", id: `${id}-error`, hidden: true }));
      }));
    }
    select.addEventListener("change", showForm);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const preChat = [...fields.querySelectorAll("input, select")]
        .filter((input) => input.value !== "")
        .map((input) => ({ name: input.name, value: input.value }));
      for (const error of fields.querySelectorAll(".field-error")) error.hidden = true;
      try {
        const started = await client.request(TEST_START, { input: { assistantId: select.value, type: "TEST", preChat } });
        const assistant = data.assistants.find((a) => a.id === select.value);
        chat(started.startConversation.conversation.id, assistant ? assistant.name : "Assistant");
      } catch (failure) {
        const problems = failure instanceof GraphQLError ? failure.errors.flatMap((e) => (e.extensions && e.extensions.fields) || []) : [];
        for (const { field, message } of problems) {
          const shown = fields.querySelector(`#testchat-field-${CSS.escape(field)}-error`);
          if (shown) {
            shown.textContent = message;
            shown.hidden = false;
          }
        }
        say(problems.length ? "The form has errors." : problemText(failure));
      }
    });
    fill(stage, form);
    if (data.assistants.length) await showForm();
    else say("This workspace has no assistant yet: create one first (createAssistant).");
  }

  function chat(conversationId, name) {
    const shown = new Map(); // sequence -> element
    const log = h("ol", { class: "testchat-log", role: "log", "aria-live": "polite", "aria-label": "Messages" });
    const input = h("input", { type: "text", name: "message", autocomplete: "off", "aria-label": "Your message", placeholder: "Write as a visitor would…" });
    const compose = h("form", { class: "testchat-compose", "aria-label": "Send a message" }, input, h("button", { type: "submit", class: "primary" }, "Send"));
    const again = h("button", { type: "button", class: "quiet" }, "New test");
    again.addEventListener("click", choose);
    fill(stage, h("p", { class: "testchat-with" }, `Testing ${name} `, h("span", { class: "kind kind-test" }, "TEST"), " ", again), log, compose);

    function item(sequence, role) {
      let element = shown.get(sequence);
      if (element) return element;
      element = h("li", { class: `message role-${role.toLowerCase()}`, dataset: { sequence } },
        h("span", { class: "who" }, role === "USER" ? "You" : name),
        h("span", { class: "text" }),
        h("span", { class: "typing", hidden: true, "aria-label": `${name} is writing` }, "…"),
        h("span", { class: "note", hidden: true }),
        h("span", { class: "reply-usage", hidden: true }),
        h("button", { type: "button", class: "quiet retry", hidden: true }, "Try again"));
      element.querySelector(".retry").addEventListener("click", async () => {
        try {
          await client.request(TEST_RETRY, { id: element.dataset.id });
          element.querySelector(".retry").hidden = true;
        } catch (failure) {
          say(problemText(failure));
        }
      });
      const later = [...shown.entries()].filter(([s]) => s > sequence).sort((a, b) => a[0] - b[0]);
      log.insertBefore(element, later.length ? later[0][1] : null);
      shown.set(sequence, element);
      return element;
    }

    function mark(element, state) {
      element.dataset.state = state;
      element.querySelector(".typing").hidden = state !== "STREAMING";
      const note = element.querySelector(".note");
      note.textContent = NOTE[state] || "";
      note.hidden = !note.textContent;
      element.querySelector(".retry").hidden = state !== "FAILED";
    }

    stops.push(watch(client, TEST_MESSAGES, { id: conversationId }, "messageAdded", {
      next({ node }) {
        if (node.role !== "USER" && node.role !== "ASSISTANT") return;
        const element = item(node.sequence, node.role);
        element.dataset.id = node.id;
        element.querySelector(".text").textContent = node.content;
        mark(element, node.state);
        const usage = element.querySelector(".reply-usage");
        if (node.usage) {
          usage.textContent = `${node.usage.inputTokens} in · ${node.usage.outputTokens} out · ${costText(node.usage)}`;
          usage.hidden = false;
        }
      },
      error(failure) { say(problemText(failure)); },
    }));
    stops.push(watch(client, TEST_CHUNKS, { id: conversationId }, "replyChunks", {
      next(chunk) {
        const element = item(chunk.sequence, "ASSISTANT");
        element.dataset.id = chunk.messageId;
        const text = element.querySelector(".text");
        text.textContent = chunk.offset === 0 ? chunk.text : text.textContent + chunk.text;
        mark(element, chunk.state);
      },
      error(failure) { say(problemText(failure)); },
    }));
    let sent = 0;
    compose.addEventListener("submit", async (event) => {
      event.preventDefault();
      const content = input.value.trim();
      if (!content) return;
      sent += 1;
      try {
        await client.request(TEST_SEND, { input: { conversationId, clientMessageId: `test-${Date.now()}-${sent}`, content } });
        input.value = "";
      } catch (failure) {
        say(problemText(failure));
      }
    });
    input.focus();
  }

  choose();
  return () => {
    gone = true;
    stopAll();
  };
}
