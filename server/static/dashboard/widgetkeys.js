// An assistant's widget keys (publishable, pk_…): listed by prefix, made and revoked. A key's whole
// value is shown once, when it is made, as the API gives it once: then, and only then, the page
// shows the embed snippet with it (the <script> tag of docs/clients.md) and a Copy button.

import { h, fill } from "./dom.js";
import { writeProblemText } from "./api.js";
import { confirmed } from "./confirm.js";
import { when } from "./format.js";
import { CREATE_WIDGET_KEY, REVOKE_KEY, WIDGET_KEYS } from "./queries.js";

/** The tag a page embeds the widget with: this Parley's widget.js and the key. */
export function snippet(key) {
  return `<script src="${location.origin}/widget.js" data-key="${key}" async></script>`;
}

/** Copies the text of a read-only textarea; where the clipboard is refused, selects it instead. */
async function copy(area, status) {
  try {
    await navigator.clipboard.writeText(area.value);
    status.textContent = "Copied to the clipboard.";
  } catch {
    area.focus();
    area.select();
    status.textContent = "Selected: press Ctrl+C (⌘C on a Mac) to copy.";
  }
}

export function widgetKeys(client, assistantId, say) {
  let keys = [];
  const body = h("tbody", { id: "key-rows" });
  const table = h("table", { class: "list keys" },
    h("caption", { class: "visually-hidden" }, "Widget keys"),
    h("thead", {}, h("tr", {}, ["Key", "Name", "Created", "Last used", "Status"].map((name) => h("th", { scope: "col" }, name)),
      h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, "Actions")))),
    body);
  const wrap = h("div", { class: "table-wrap", hidden: true }, table);
  const empty = h("p", { class: "empty", hidden: true }, "No widget key yet.");
  const name = h("input", { type: "text", id: "key-name", name: "name", autocomplete: "off", placeholder: "Shop front page" });
  const create = h("form", { class: "key-form", "aria-label": "New widget key" },
    h("div", { class: "field" }, h("label", { for: "key-name" }, "Name (optional)"), name),
    h("button", { type: "submit", class: "primary" }, "Create widget key"));
  const fresh = h("div", { class: "fresh-key", hidden: true, tabindex: "-1", "aria-labelledby": "fresh-title" });
  const heading = h("h2", { id: "keys-title", tabindex: "-1" }, "Widget keys");
  const element = h("section", { class: "card widget-keys", "aria-labelledby": "keys-title" },
    heading,
    h("p", { class: "help" }, "A widget key is safe to ship in a web page: it only starts chats with this assistant, from its allowed origins."),
    fresh, wrap, empty, create);

  function draw() {
    fill(body, keys.map((key) =>
      h("tr", { dataset: { id: key.id, prefix: key.prefix } },
        h("td", { "data-label": "Key" }, h("code", {}, `${key.prefix}…`)),
        h("td", { "data-label": "Name" }, key.name || "—"),
        h("td", { "data-label": "Created" }, when(key.createdAt)),
        h("td", { "data-label": "Last used" }, when(key.lastUsedAt)),
        h("td", { "data-label": "Status", class: "key-status" }, key.revokedAt ? `Revoked ${when(key.revokedAt)}` : "Active"),
        h("td", {}, key.revokedAt ? null : revokeButton(key)))));
    empty.hidden = keys.length > 0;
    wrap.hidden = keys.length === 0;
    element.dataset.ready = "true";
  }

  function revokeButton(key) {
    const label = `${key.prefix}…${key.name ? ` (${key.name})` : ""}`;
    const button = h("button", { type: "button", class: "quiet", "aria-label": `Revoke ${label}` }, "Revoke");
    button.addEventListener("click", async () => {
      const sure = await confirmed(`Revoke ${label}?`,
        "Pages embedding it stop working at once, and their open chats are cut off. This cannot be undone.", "Revoke key");
      if (!sure) return button.focus();
      try {
        const data = await client.request(REVOKE_KEY, { id: key.id });
        keys = keys.map((each) => (each.id === key.id ? data.revokeApiKey : each));
        say("");
        draw();
        if (!fresh.hidden && fresh.dataset.id === key.id) fresh.hidden = true;
        heading.focus(); // its button is gone: back to the top of the keys
      } catch (failure) {
        say(writeProblemText(failure));
      }
    });
    return button;
  }

  function showFresh(key, secret) {
    const area = h("textarea", { id: "snippet", readonly: true, rows: 2, spellcheck: "false", "aria-describedby": "snippet-help" }, snippet(secret));
    const status = h("span", { class: "copy-status", role: "status" });
    const button = h("button", { type: "button", id: "copy-snippet" }, "Copy");
    button.addEventListener("click", () => copy(area, status));
    fresh.dataset.id = key.id;
    fill(fresh,
      h("h3", { id: "fresh-title" }, `New key ${key.prefix}…`),
      h("p", { id: "snippet-help" }, "Shown this once: copy it now. Put this tag in the pages that should show the chat; their origin must be one of the assistant's allowed origins (or that list empty)."),
      h("label", { for: "snippet" }, "Embed snippet"), area,
      h("div", { class: "buttons" }, button, status));
    fresh.hidden = false;
    fresh.focus();
  }

  create.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = create.querySelector("button");
    button.disabled = true;
    try {
      const input = { kind: "PUBLISHABLE", assistantId, name: name.value.trim() || null };
      const data = await client.request(CREATE_WIDGET_KEY, { input });
      keys = [...keys, data.createApiKey.apiKey];
      name.value = "";
      say("");
      draw();
      showFresh(data.createApiKey.apiKey, data.createApiKey.secret);
    } catch (failure) {
      say(writeProblemText(failure));
    } finally {
      button.disabled = false;
    }
  });

  async function load() {
    const data = await client.request(WIDGET_KEYS, {});
    keys = data.apiKeys.filter((key) => key.kind === "PUBLISHABLE" && key.assistantId === assistantId);
    draw();
  }

  return { element, load };
}
