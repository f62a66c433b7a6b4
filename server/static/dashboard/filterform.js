// The filter form of the Conversations page: every control labelled and usable by keyboard; a
// change applies at once (text fields when they are left or Enter is pressed). Facet counts are
// shown beside the type and status choices and in the assistant menu.

import { h, fill } from "./dom.js";
import { RATINGS, STATUSES, TYPES } from "./filters.js";
import { badgeFor, swatch } from "./badges.js";
import { STATUS_NAMES, TYPE_NAMES, count } from "./format.js";

function summaryText(state) {
  const active = [
    state.types.length,
    state.statuses.length,
    state.assistant,
    state.from || state.to,
    state.q.trim(),
    state.variable,
    state.labels.length,
    state.rating,
  ].filter(Boolean).length;
  return active ? `Filters (${active} active)` : "Filters";
}

/** {element, showOptions({assistants, labels, variableNames}), showFacets(counts)}. */
export function filterForm(state, apply) {
  const facetCounts = {};
  const choice = (name, value, text, checked) => {
    const id = `${name}-${value}`;
    const counted = h("span", { class: "count", "data-facet": value }, "");
    facetCounts[value] = counted;
    return h(
      "div",
      { class: "choice" },
      h("input", { type: "checkbox", id, name, value, checked }),
      h("label", { for: id }, badgeFor(name, value, text), " ", counted),
    );
  };
  const types = h(
    "fieldset",
    { class: "facet", id: "types" },
    h("legend", {}, "Type"),
    TYPES.map((type) => choice("type", type, TYPE_NAMES[type], state.types.includes(type))),
  );
  const statuses = h(
    "fieldset",
    { class: "facet", id: "statuses" },
    h("legend", {}, "Status"),
    STATUSES.map((status) => choice("status", status, STATUS_NAMES[status], state.statuses.includes(status))),
  );
  const assistant = h("select", { id: "assistant", name: "assistant" });
  let assistants = state.assistant ? [{ id: state.assistant, name: "…" }] : [];
  let perAssistant = new Map();
  const showAssistants = () => {
    fill(
      assistant,
      h("option", { value: "" }, "Any assistant"),
      assistants.map((each) => {
        const seen = perAssistant.get(each.id);
        const text = seen === undefined ? each.name : `${each.name} (${count(seen)})`;
        return h("option", { value: each.id, selected: each.id === state.assistant }, text);
      }),
    );
  };
  showAssistants();
  const from = h("input", { type: "date", id: "from", name: "from", value: state.from });
  const to = h("input", { type: "date", id: "to", name: "to", value: state.to });
  const q = h("input", { type: "search", id: "q", name: "q", value: state.q, placeholder: "refund" });
  const variable = h("select", { id: "variable", name: "variable" });
  const showNames = (names) => {
    const all = state.variable && !names.includes(state.variable) ? [state.variable, ...names] : names;
    fill(
      variable,
      h("option", { value: "" }, "Any variable"),
      all.map((name) => h("option", { value: name, selected: name === state.variable }, name)),
    );
  };
  showNames([]);
  const value = h("input", {
    type: "text",
    id: "value",
    name: "value",
    value: state.value,
    placeholder: "any value",
    "aria-describedby": "value-help",
  });
  const labels = h("fieldset", { class: "facet", id: "labels", hidden: true }, h("legend", {}, "Labels"));
  const rating = h(
    "select",
    { id: "rating", name: "rating" },
    Object.entries(RATINGS).map(([key, { text }]) =>
      h("option", { value: key, selected: key === state.rating }, text),
    ),
  );
  const field = (id, text, control, help) =>
    h("div", { class: "field" }, h("label", { for: id }, text), control, help || null);

  const form = h(
    "form",
    { class: "filters", role: "search", "aria-label": "Filter conversations", id: "filters" },
    types,
    statuses,
    field("assistant", "Assistant", assistant),
    h(
      "div",
      { class: "field range" },
      h("div", {}, h("label", { for: "from" }, "Started from"), from),
      h("div", {}, h("label", { for: "to" }, "to"), to),
    ),
    field("q", "Search messages", q),
    h(
      "div",
      { class: "field variable" },
      h("div", {}, h("label", { for: "variable" }, "Variable"), variable),
      h("div", {}, h("label", { for: "value" }, "equals"), value),
      h("p", { class: "help", id: "value-help" }, "Exact text; leave empty for “has it”."),
    ),
    labels,
    field("rating", "Visitor rating", rating),
    h(
      "div",
      { class: "buttons" },
      h("button", { type: "submit" }, "Apply"),
      h("button", { type: "button", class: "quiet", id: "clear" }, "Clear filters"),
    ),
  );

  const read = () => {
    const data = new FormData(form);
    return {
      types: data.getAll("type"),
      statuses: data.getAll("status"),
      assistant: data.get("assistant") || "",
      from: data.get("from") || "",
      to: data.get("to") || "",
      q: data.get("q") || "",
      variable: data.get("variable") || "",
      value: data.get("value") || "",
      labels: data.getAll("label"),
      rating: data.get("rating") || "",
    };
  };
  let last = JSON.stringify(state);
  const changed = () => {
    const next = read();
    const text = JSON.stringify(next);
    if (text === last) return;
    last = text;
    state = next;
    apply(next);
  };
  form.addEventListener("change", changed);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    changed();
  });
  form.querySelector("#clear").addEventListener("click", () => {
    for (const box of form.querySelectorAll("input[type=checkbox]")) box.checked = false;
    for (const input of form.querySelectorAll("input:not([type=checkbox])")) input.value = "";
    for (const select of form.querySelectorAll("select")) select.value = "";
    changed();
  });
  // Open on wide screens; on a phone the list comes first and the filters fold away.
  const summary = h("summary", { id: "filters-summary" }, summaryText(state));
  const element = h("details", { class: "filter-box", open: !matchMedia("(max-width: 720px)").matches }, summary, form);
  form.addEventListener("change", () => (summary.textContent = summaryText(read())));

  return {
    element,
    showOptions(options) {
      assistants = options.assistants;
      showAssistants();
      showNames(options.variableNames);
      labels.hidden = options.labels.length === 0;
      fill(
        labels,
        h("legend", {}, "Labels"),
        options.labels.map((label) => {
          const id = `label-${label.id}`;
          return h(
            "div",
            { class: "choice" },
            h("input", { type: "checkbox", id, name: "label", value: label.id, checked: state.labels.includes(label.id) }),
            h("label", { for: id }, swatch(label), label.name),
          );
        }),
      );
    },
    showFacets(facets) {
      for (const { type, count: n } of facets.byType) if (facetCounts[type]) facetCounts[type].textContent = count(n);
      for (const { status, count: n } of facets.byStatus) if (facetCounts[status]) facetCounts[status].textContent = count(n);
      perAssistant = new Map(facets.byAssistant.map((each) => [each.assistant.id, each.count]));
      const focused = document.activeElement === assistant;
      if (!focused) showAssistants(); // rebuilding an open menu would close it
    },
  };
}
