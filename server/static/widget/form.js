// The pre-chat form, rendered from the assistant's definition, and the server's verdict on it
// shown at each field. The browser's own validation is off: the server is the one judge.

import { el, uid } from "./dom.js";

const INPUT_TYPES = { EMAIL: "email", PHONE: "tel", NUMBER: "text", DATE: "date", TEXT: "text" };

function control(field, id, hint, t) {
  const common = { id, name: field.name, "aria-describedby": hint, required: field.required };
  if (field.type === "SELECT") {
    const choices = (field.options || []).map((option) => el("option", { value: option, text: option }));
    return el("select", common, el("option", { value: "", text: t("form.choose") }), choices);
  }
  if (field.type === "BOOLEAN") return el("input", { ...common, type: "checkbox" });
  const type = INPUT_TYPES[field.type] || "text";
  const extra = field.type === "NUMBER" ? { inputmode: "decimal" } : {};
  const autocomplete = { EMAIL: "email", PHONE: "tel" }[field.type];
  return el("input", { ...common, ...extra, type, autocomplete });
}

/** The value to send for a field, or undefined to leave it out (empty). */
function valueOf(field, input) {
  if (field.type === "BOOLEAN") return input.checked;
  const text = input.value.trim();
  if (text === "") return undefined;
  if (field.type === "NUMBER" && /^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  return text;
}

/**
 * A form for `fields` (and a mode choice when the assistant offers voice), in the words `t`
 * gives (strings.js); `onSubmit(answers, mode)` resolves, or throws what the server said.
 * Returns {element, showErrors, focus}.
 */
export function preChatForm({ fields, mode, t, onSubmit }) {
  const rows = new Map();
  const general = el("p", { class: "error general", role: "alert", hidden: true });
  const items = fields.map((field) => {
    const id = uid(`field-${field.name}`);
    const hint = uid("error");
    const input = control(field, id, hint, t);
    const error = el("p", { class: "error", id: hint, hidden: true });
    rows.set(field.name, { field, input, error });
    const label = el("label", { for: id }, field.label, field.required ? el("span", { class: "required", "aria-hidden": "true", text: " *" }) : null);
    return el("div", { class: field.type === "BOOLEAN" ? "row check" : "row" }, label, input, error);
  });
  let modes = null;
  if (mode === "VOICE_AND_CHAT") {
    const name = uid("mode");
    const choice = (value, text, checked) =>
      el("label", { class: "choice" }, el("input", { type: "radio", name, value, checked }), text);
    modes = el(
      "fieldset",
      { class: "modes" },
      el("legend", { text: t("form.modes") }),
      choice("CHAT", t("form.modeChat"), true),
      choice("VOICE_AND_CHAT", t("form.modeVoice"), false),
    );
  }
  const submit = el("button", { type: "submit", class: "primary", text: t("form.start") });
  const form = el("form", { class: "prechat", novalidate: true, "aria-label": t("form.label") }, items, modes, general, submit);

  function showErrors(fieldErrors, message) {
    for (const { input, error } of rows.values()) {
      error.hidden = true;
      error.textContent = "";
      input.removeAttribute("aria-invalid");
    }
    general.hidden = true;
    const unplaced = [];
    let first = null;
    for (const { field, message: text } of fieldErrors) {
      const row = rows.get(field);
      if (!row) {
        unplaced.push(`${field}: ${text}`);
        continue;
      }
      row.error.textContent = `${row.field.label} ${text}.`;
      row.error.hidden = false;
      row.input.setAttribute("aria-invalid", "true");
      first = first || row.input;
    }
    if (message || unplaced.length) {
      general.textContent = message || unplaced.join("; ");
      general.hidden = false;
    }
    if (first) first.focus();
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const answers = [];
    for (const { field, input } of rows.values()) {
      const value = valueOf(field, input);
      if (value !== undefined) answers.push({ name: field.name, value });
    }
    const picked = modes ? modes.querySelector("input:checked").value : "CHAT";
    submit.disabled = true;
    try {
      await onSubmit(answers, picked);
    } catch (problem) {
      const fieldsSaid = (problem.errors || []).flatMap((error) => (error.extensions || {}).fields || []);
      showErrors(fieldsSaid, fieldsSaid.length ? "" : problem.message);
    } finally {
      submit.disabled = false;
    }
  });

  const focus = () => (rows.size ? [...rows.values()][0].input : submit).focus();
  return { element: form, showErrors, focus };
}
