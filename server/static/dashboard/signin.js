// Signing in: a secret key or an agent's key pasted once, checked with one query, then kept in sessionStorage
// (this tab only) by the caller.

import { h } from "./dom.js";
import { problemText } from "./api.js";

export function signIn(main, message, submit) {
  const input = h("input", {
    id: "key",
    name: "key",
    type: "password",
    autocomplete: "off",
    spellcheck: "false",
    required: true,
    placeholder: "sk_… or ak_…",
    "aria-describedby": "key-help",
  });
  const note = h("p", { class: "note", role: "alert", id: "sign-in-note" }, message || "");
  const button = h("button", { type: "submit" }, "Sign in");
  const form = h(
    "form",
    { class: "sign-in", "aria-labelledby": "sign-in-title" },
    h("h1", { id: "sign-in-title" }, "Sign in to the dashboard"),
    h("label", { for: "key" }, "Key"),
    input,
    h(
      "p",
      { id: "key-help", class: "help" },
      "A secret key with READ scope (sk_…), and WRITE to change assistants and their keys; or an agent's key (ak_…) to answer visitors. It stays in this tab only, and is forgotten when the tab closes.",
    ),
    button,
    note,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const key = input.value.trim();
    if (!key) return;
    button.disabled = true;
    note.textContent = "Checking the key…";
    try {
      await submit(key);
    } catch (problem) {
      note.textContent = problemText(problem);
      button.disabled = false;
      input.focus();
    }
  });
  main.append(form);
  input.focus();
}
