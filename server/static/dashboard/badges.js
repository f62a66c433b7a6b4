// The small marks the pages share: the orange Test and purple Web widget badges, status marks,
// and label chips in their workspace colour.

import { h } from "./dom.js";

export function badgeFor(name, value, text) {
  if (name === "type") return h("span", { class: `kind kind-${value.toLowerCase().replace("_", "-")}` }, text);
  if (name === "status") return h("span", { class: `status status-${value.toLowerCase()}` }, text);
  return text;
}

/** A label colour as CSS: the API gives "#rrggbb"; anything else is not used. */
export function safeColour(colour) {
  return /^#[0-9a-fA-F]{6}$/.test(colour) ? colour : "transparent";
}

export function swatch(label) {
  return h("span", { class: "swatch", "aria-hidden": "true", style: { backgroundColor: safeColour(label.colour) } });
}

export function labelChip(label) {
  return h("span", { class: "label" }, swatch(label), label.name);
}
