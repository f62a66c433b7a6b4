// Asking before something that cannot be undone (archiving an assistant, revoking a key): a modal
// <dialog>, which keeps focus inside it, closes on Escape and gives focus back when it closes.

import { h } from "./dom.js";

/** Resolves true when the reader chooses `action`, false on "Cancel" or Escape. */
export function confirmed(question, detail, action) {
  const yes = h("button", { type: "submit", value: "yes", class: "danger" }, action);
  const no = h("button", { type: "submit", value: "no", class: "quiet" }, "Cancel");
  const title = h("h2", { id: "confirm-title" }, question);
  const dialog = h("dialog", { class: "confirm", "aria-labelledby": "confirm-title", "aria-describedby": "confirm-detail" },
    h("form", { method: "dialog" }, title, h("p", { id: "confirm-detail" }, detail), h("div", { class: "buttons" }, yes, no)));
  document.body.append(dialog);
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => {
      dialog.remove();
      resolve(dialog.returnValue === "yes");
    });
    dialog.showModal();
    no.focus(); // the safe choice first
  });
}
