// The Assistants page: the workspace's assistants (not archived), each linked to its own page
// (assistant.js) where it is edited and its widget keys are made; "New assistant" opens that page
// empty. Writing needs a secret key with WRITE; reading, READ.

import { h, fill } from "./dom.js";
import { problemText } from "./api.js";
import { ASSISTANTS } from "./queries.js";
import { when } from "./format.js";

/** Who answers an assistant's chats, as the list and its page say it. */
export function engineText(engine) {
  return engine ? `${engine.model} (${engine.provider})` : "Your own engine";
}

export function mount(main, { client }) {
  let gone = false;
  const problem = h("p", { class: "problem", role: "alert", hidden: true });
  const body = h("tbody", { id: "assistant-rows" });
  const table = h(
    "table",
    { class: "list assistants" },
    h("caption", { class: "visually-hidden" }, "Assistants"),
    h("thead", {}, h("tr", {}, ["Name", "Answered by", "Created"].map((name) => h("th", { scope: "col" }, name)))),
    body,
  );
  const empty = h("p", { class: "empty", hidden: true }, "No assistant yet: create the first one.");
  const section = h(
    "section",
    { "aria-labelledby": "assistants-title", class: "assistants" },
    h("div", { class: "heading" },
      h("h1", { id: "assistants-title" }, "Assistants"),
      h("a", { class: "button", href: "/dashboard?page=assistant", id: "new-assistant" }, "New assistant")),
    problem,
    h("div", { class: "table-wrap" }, table),
    empty,
  );
  main.append(section);

  client
    .request(ASSISTANTS, {})
    .then((data) => {
      if (gone) return;
      fill(body, data.assistants.map((assistant) =>
        h("tr", { dataset: { id: assistant.id } },
          h("td", { "data-label": "Name" },
            h("a", { href: `/dashboard?page=assistant&id=${encodeURIComponent(assistant.id)}` }, assistant.name)),
          h("td", { "data-label": "Answered by", class: "engine" }, engineText(assistant.engine)),
          h("td", { "data-label": "Created" }, when(assistant.createdAt)))));
      empty.hidden = data.assistants.length > 0;
      section.dataset.ready = "true";
    })
    .catch((failure) => {
      if (gone) return;
      problem.textContent = problemText(failure);
      problem.hidden = false;
    });
  return () => {
    gone = true;
  };
}
