// An assistant's settings as a form, field for field what AssistantInput takes: its name, widget
// mode, pre-chat form fields and variables to extract (rows added and removed), who answers
// (Parley's engine with a model, or one's own through the API) and its allowed origins. The server
// checks everything: its BAD_USER_INPUT problems (`extensions.fields`, paths like `name`,
// `preChatForm.email`, `engine.temperature`) are shown at the field they name and all together
// above the buttons, so none is lost.

import { h, fill } from "./dom.js";

const TYPES = {
  TEXT: "Text", EMAIL: "Email", PHONE: "Phone", NUMBER: "Number", BOOLEAN: "Yes or no",
  SELECT: "Choice", DATE: "Date",
};
const MODES = { CHAT: "Chat", VOICE_AND_CHAT: "Voice and chat" };
const FIXED = {
  name: "Name", widgetMode: "Widget mode", preChatForm: "Pre-chat form",
  extractedVariables: "Variables to extract", allowedOrigins: "Allowed origins",
  "engine.model": "Model", "engine.provider": "Provider", "engine.instructions": "Instructions",
  "engine.firstMessage": "First message", "engine.temperature": "Temperature",
  "engine.maxReplyTokens": "Most tokens per reply",
};

let made = 0; // ids stay unique however many rows and forms a page builds

function uid(what) {
  made += 1;
  return `${what}-${made}`;
}

/** A labelled control with its error slot: `data-field` names the problem path it shows. */
function labelled(label, control, { field, help, kind = "field" } = {}) {
  const id = control.id || (control.id = uid("control"));
  const error = h("p", { class: "field-error", id: `${id}-error`, hidden: true, dataset: field ? { field } : {} });
  const helpText = help ? h("p", { class: "help", id: `${id}-help` }, help) : null;
  control.setAttribute("aria-describedby", [helpText && helpText.id, error.id].filter(Boolean).join(" "));
  return h("div", { class: kind }, h("label", { for: id }, label), control, helpText, error);
}

function choices(names, value) {
  return Object.entries(names).map(([key, text]) => h("option", { value: key, selected: key === value }, text));
}

/** One row of the pre-chat form: FormFieldInput. */
function formRow(field = {}) {
  const type = h("select", { name: "type" }, choices(TYPES, field.type || "TEXT"));
  const options = h("input", { name: "options", type: "text", value: (field.options || []).join(", ") });
  const optionsField = labelled("Options", options, { help: "For a choice: comma-separated." });
  const showOptions = () => (optionsField.hidden = type.value !== "SELECT");
  type.addEventListener("change", showOptions);
  const required = h("input", { type: "checkbox", name: "required", id: uid("required"), checked: !!field.required });
  const row = h("li", { class: "row", dataset: { kind: "preChatForm" } },
    labelled("Name", h("input", { name: "name", type: "text", value: field.name || "", autocomplete: "off", spellcheck: "false" })),
    labelled("Label", h("input", { name: "label", type: "text", value: field.label || "" })),
    labelled("Type", type),
    h("div", { class: "choice" }, required, h("label", { for: required.id }, "Required")),
    optionsField,
    labelled("Pattern", h("input", { name: "pattern", type: "text", value: field.pattern || "", spellcheck: "false" }),
      { help: "Optional: a regular expression the whole answer must match." }),
  );
  showOptions();
  return row;
}

/** One variable to extract: VariableDefinitionInput. */
function variableRow(variable = {}) {
  return h("li", { class: "row", dataset: { kind: "extractedVariables" } },
    labelled("Name", h("input", { name: "name", type: "text", value: variable.name || "", autocomplete: "off", spellcheck: "false" })),
    labelled("Type", h("select", { name: "type" }, choices(TYPES, variable.type || "TEXT"))),
    labelled("Description", h("input", { name: "description", type: "text", value: variable.description || "" }), { kind: "field wide" }),
  );
}

/** A list of rows with "Add" and, on each row, "Remove" (focus goes where the reader expects). */
function rows(legend, field, make, items, noun) {
  const Noun = noun[0].toUpperCase() + noun.slice(1);
  const list = h("ol", { class: "rows" });
  const add = h("button", { type: "button", class: "quiet" }, `Add ${noun}`);
  const error = h("p", { class: "field-error", hidden: true, dataset: { field } });
  const put = (row) => {
    const error = h("p", { class: "field-error row-error", id: uid("row-error"), hidden: true });
    const first = row.querySelector("input");
    first.setAttribute("aria-describedby", `${first.getAttribute("aria-describedby")} ${error.id}`);
    row.append(error);
    const remove = h("button", { type: "button", class: "quiet remove" }, "Remove");
    remove.addEventListener("click", () => {
      row.remove();
      renumber();
      add.focus();
    });
    row.append(remove);
    list.append(row);
  };
  const renumber = () => {
    [...list.children].forEach((row, index) => {
      row.setAttribute("role", "group"); // its Name, Type … read as "Field 2, Name"
      row.setAttribute("aria-label", `${Noun} ${index + 1}`);
      row.querySelector(".remove").setAttribute("aria-label", `Remove ${noun} ${index + 1}`);
    });
  };
  for (const item of items) put(make(item));
  renumber();
  add.addEventListener("click", () => {
    put(make());
    renumber();
    list.lastElementChild.querySelector("input").focus();
  });
  const fieldset = h("fieldset", { class: `rows-box ${field}` }, h("legend", {}, legend), list, error, add);
  return { fieldset, list };
}

function value(row, name) {
  return row.querySelector(`[name=${name}]`).value.trim();
}

/** The number in a number input, or null when empty; NaN when it is not a number. */
function number(input) {
  if (input.validity.badInput) return NaN;
  return input.value === "" ? null : Number(input.value);
}

/**
 * The form of `assistant` (a Settings fragment; null: a new one). `element` is the <form>;
 * `read()` gives {input, problems} (problems the page finds itself, such as a temperature that is
 * not a number); `show(problems)` puts [{field, message}] at their fields and in the summary.
 */
export function assistantForm(assistant, submitLabel) {
  const a = assistant || {};
  const engine = a.engine || {};
  const name = h("input", { type: "text", name: "name", value: a.name || "", required: true, autocomplete: "off" });
  const mode = h("select", { name: "widgetMode" }, choices(MODES, a.widgetMode || "CHAT"));
  const form = rows("Pre-chat form", "preChatForm", formRow, a.preChatForm || [], "field");
  const variables = rows("Variables to extract", "extractedVariables", variableRow, a.extractedVariables || [], "variable");
  const origins = h("textarea", { name: "allowedOrigins", rows: 3, spellcheck: "false" }, (a.allowedOrigins || []).join("\n"));

  const builtIn = h("input", { type: "radio", name: "answeredBy", value: "engine", id: uid("engine"), checked: !!a.engine || !assistant });
  const own = h("input", { type: "radio", name: "answeredBy", value: "own", id: uid("own"), checked: !!assistant && !a.engine });
  const model = h("input", { type: "text", name: "model", value: engine.model || (assistant ? "" : "gpt-4o-mini"), spellcheck: "false" });
  const provider = h("input", { type: "text", name: "provider", value: engine.provider || "openai", spellcheck: "false" });
  const instructions = h("textarea", { name: "instructions", rows: 5 }, engine.instructions || "");
  const first = h("textarea", { name: "firstMessage", rows: 2 }, engine.firstMessage || "");
  const temperature = h("input", { type: "number", name: "temperature", step: "0.1", inputmode: "decimal", value: engine.temperature ?? "" });
  const maxTokens = h("input", { type: "number", name: "maxReplyTokens", step: "1", inputmode: "numeric", value: engine.maxReplyTokens ?? "" });
  const engineFields = h("fieldset", { class: "engine-fields" },
    h("legend", { class: "visually-hidden" }, "Parley's engine"),
    labelled("Model", model, { field: "engine.model", help: 'As the provider names it: "gpt-4o-mini".' }),
    labelled("Provider", provider, { field: "engine.provider", help: "For the price of each reply." }),
    labelled("Instructions", instructions, { field: "engine.instructions", kind: "field wide", help: "The system prompt; {{name}} takes a pre-chat answer." }),
    labelled("First message", first, { field: "engine.firstMessage", kind: "field wide", help: "Written when a chat starts (optional)." }),
    labelled("Temperature", temperature, { field: "engine.temperature", help: "0–2 (optional)." }),
    labelled("Most tokens per reply", maxTokens, { field: "engine.maxReplyTokens", help: "Optional." }));
  const showEngine = () => {
    engineFields.hidden = !builtIn.checked;
    engineFields.disabled = !builtIn.checked;
  };
  builtIn.addEventListener("change", showEngine);
  own.addEventListener("change", showEngine);
  showEngine();

  const summary = h("div", { class: "problem", role: "alert", id: uid("problems"), hidden: true, tabindex: "-1" });
  const submit = h("button", { type: "submit", class: "primary" }, submitLabel);
  const element = h("form", { class: "assistant-form", novalidate: true, "aria-label": "Assistant settings" },
    labelled("Name", name, { field: "name" }),
    labelled("Widget mode", mode, { field: "widgetMode", help: "Voice and chat lets the visitor choose." }),
    form.fieldset,
    h("fieldset", { class: "answered-by" }, h("legend", {}, "Who answers"),
      h("div", { class: "choice" }, builtIn, h("label", { for: builtIn.id }, "Parley's engine, with a model")),
      h("div", { class: "choice" }, own, h("label", { for: own.id }, "Your own engine, through the API")),
      engineFields),
    variables.fieldset,
    labelled("Allowed origins", origins, { field: "allowedOrigins", kind: "field wide",
      help: "Pages that may use its widget keys, one per line, like https://shop.example. Empty allows any page." }),
    summary,
    h("div", { class: "buttons" }, submit));

  function read() {
    const problems = [];
    const numberOf = (input, field) => {
      const found = number(input);
      if (Number.isNaN(found)) problems.push({ field, message: "is not a number" });
      return Number.isNaN(found) ? null : found;
    };
    const input = {
      name: name.value.trim(),
      widgetMode: mode.value,
      preChatForm: [...form.list.children].map((row) => {
        const type = row.querySelector("[name=type]").value;
        const field = { name: value(row, "name"), label: value(row, "label"), type,
          required: row.querySelector("[name=required]").checked };
        if (type === "SELECT") field.options = value(row, "options").split(",").map((o) => o.trim()).filter(Boolean);
        if (value(row, "pattern")) field.pattern = value(row, "pattern");
        return field;
      }),
      extractedVariables: [...variables.list.children].map((row) => ({
        name: value(row, "name"), type: row.querySelector("[name=type]").value,
        description: value(row, "description") || null,
      })),
      allowedOrigins: origins.value.split("\n").map((line) => line.trim()).filter(Boolean),
      engine: builtIn.checked
        ? {
          model: model.value.trim(), provider: provider.value.trim() || null,
          instructions: instructions.value || null, firstMessage: first.value || null,
          temperature: numberOf(temperature, "engine.temperature"),
          maxReplyTokens: numberOf(maxTokens, "engine.maxReplyTokens"),
        }
        : { model: null },
    };
    return { input, problems };
  }

  /** The slot of a problem's path: a fixed field's, or a row's by the name typed in it. */
  function slotOf(path) {
    const fixed = element.querySelector(`.field-error[data-field="${CSS.escape(path)}"]`);
    if (fixed) return fixed;
    const [list, rowName] = [path.slice(0, path.indexOf(".")), path.slice(path.indexOf(".") + 1)];
    const row = [...element.querySelectorAll(`li.row[data-kind="${CSS.escape(list)}"]`)]
      .find((each) => value(each, "name") === rowName);
    return row ? row.querySelector(".row-error") : null;
  }

  function where(path) {
    if (FIXED[path]) return FIXED[path];
    if (path.startsWith("preChatForm.")) return `Pre-chat field “${path.slice(12)}”`;
    if (path.startsWith("extractedVariables.")) return `Variable “${path.slice(19)}”`;
    return path;
  }

  function clear() {
    for (const slot of element.querySelectorAll(".field-error")) {
      slot.hidden = true;
      slot.textContent = "";
    }
    for (const control of element.querySelectorAll("[aria-invalid]")) control.removeAttribute("aria-invalid");
    summary.hidden = true;
    fill(summary);
  }

  /** Shows [{field, message}] at their fields and all of them in the summary; `text` heads it. */
  function show(problems, text) {
    clear();
    let firstInvalid = null;
    for (const { field, message } of problems) {
      const slot = slotOf(field);
      if (!slot) continue;
      slot.textContent = slot.textContent ? `${slot.textContent}; ${message}` : message;
      slot.hidden = false;
      const control = slot.parentElement.querySelector("input, select, textarea");
      if (control && slot.parentElement.matches(".field, li.row")) {
        control.setAttribute("aria-invalid", "true");
        firstInvalid = firstInvalid || control;
      }
    }
    fill(summary, h("p", {}, text || "Not saved."),
      problems.length ? h("ul", {}, problems.map(({ field, message }) => h("li", { dataset: { field } }, `${where(field)}: ${message}`))) : null);
    summary.hidden = false;
    (firstInvalid || summary).focus();
  }

  return { element, submit, read, show, clear };
}
