// One assistant's page: its settings (assistantform.js), saved with createAssistant or
// updateAssistant and shown again as the server saved them; its widget keys (widgetkeys.js); and
// archiving it. `?page=assistant` alone is a new assistant; once created, the URL names it, so a
// reload shows it. Changing anything needs a secret key with WRITE.

import { h, fill } from "./dom.js";
import { GraphQLError, problemText, writeProblemText } from "./api.js";
import { assistantForm } from "./assistantform.js";
import { engineText } from "./assistants.js";
import { confirmed } from "./confirm.js";
import { when } from "./format.js";
import { widgetKeys } from "./widgetkeys.js";
import { ARCHIVE_ASSISTANT, ASSISTANT, CREATE_ASSISTANT, UPDATE_ASSISTANT } from "./queries.js";

/** The BAD_USER_INPUT problems of a refused save, as [{field, message}]. */
function problemsOf(failure) {
  if (!(failure instanceof GraphQLError)) return [];
  return failure.errors.flatMap((error) => (error.extensions && error.extensions.fields) || []);
}

export function mount(main, { client, params, navigate }) {
  const id = params.get("id");
  let gone = false;
  const title = h("h1", { id: "assistant-title" }, id ? "Assistant" : "New assistant");
  const facts = h("p", { class: "total", id: "assistant-facts" });
  const problem = h("p", { class: "problem", role: "alert", hidden: true });
  const saved = h("p", { class: "saved", role: "status", id: "saved" });
  const settings = h("div", { class: "card settings" });
  const section = h("section", { "aria-labelledby": "assistant-title", class: "assistant" },
    h("p", { class: "back" }, h("a", { href: "/dashboard?page=assistants" }, "← Assistants")),
    h("div", { class: "heading" }, title, facts), problem, saved, settings);
  main.append(section);
  const say = (text) => {
    problem.textContent = text || "";
    problem.hidden = !text;
  };

  function draw(assistant) {
    if (assistant) {
      title.textContent = assistant.name;
      facts.textContent = `${engineText(assistant.engine)} · created ${when(assistant.createdAt)}`;
    }
    const form = assistantForm(assistant, assistant ? "Save changes" : "Create assistant");
    form.element.addEventListener("submit", async (event) => {
      event.preventDefault();
      saved.textContent = "";
      const { input, problems } = form.read();
      if (problems.length) return form.show(problems, "Not saved: check the marked fields.");
      form.clear();
      form.submit.disabled = true;
      try {
        if (!assistant) {
          const data = await client.request(CREATE_ASSISTANT, { input });
          const made = data.createAssistant.assistant.id;
          navigate(`/dashboard?page=assistant&id=${encodeURIComponent(made)}&created=1`);
          return;
        }
        const data = await client.request(UPDATE_ASSISTANT, { id: assistant.id, input });
        if (gone) return;
        draw(data.updateAssistant.assistant);
        saved.textContent = "Saved.";
        settings.querySelector("button[type=submit]").focus();
      } catch (failure) {
        if (gone) return;
        const found = problemsOf(failure);
        form.show(found, found.length ? "Not saved: the server found these problems." : writeProblemText(failure));
        form.submit.disabled = false;
      }
    });
    fill(settings, h("h2", {}, "Settings"), form.element);
    section.dataset.ready = "true";
  }

  function archiving(assistant) {
    const button = h("button", { type: "button", class: "danger", id: "archive" }, "Archive assistant");
    button.addEventListener("click", async () => {
      const sure = await confirmed(`Archive ${assistant.name}?`,
        "It starts no more conversations and its widget stops; its conversations stay.", "Archive");
      if (!sure) return button.focus();
      try {
        await client.request(ARCHIVE_ASSISTANT, { id: assistant.id });
        navigate("/dashboard?page=assistants");
      } catch (failure) {
        say(writeProblemText(failure));
      }
    });
    return h("section", { class: "card archive", "aria-labelledby": "archive-title" },
      h("h2", { id: "archive-title" }, "Archive"),
      h("p", { class: "help" }, "An archived assistant leaves this list and starts no more conversations; its history stays."),
      button);
  }

  if (!id) {
    draw(null);
    settings.querySelector("input").focus();
  } else {
    client
      .request(ASSISTANT, { id })
      .then(async (data) => {
        if (gone) return;
        if (!data.node) return say("This assistant does not exist in this workspace (or was archived).");
        draw(data.node);
        if (params.get("created")) {
          saved.textContent = "Created. Make a widget key below to put it on a page.";
          history.replaceState(null, "", `/dashboard?page=assistant&id=${encodeURIComponent(id)}`); // said once
        }
        const keys = widgetKeys(client, data.node.id, say);
        section.append(keys.element, archiving(data.node));
        await keys.load();
      })
      .catch((failure) => !gone && say(problemText(failure)));
  }
  return () => {
    gone = true;
  };
}
