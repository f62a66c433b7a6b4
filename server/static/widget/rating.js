// After the chat: the visitor rates it 1–5 with an optional comment (rateConversation, with the
// conversation's session token).

import { el, uid } from "./dom.js";

const RATE = `mutation($id: ID!, $score: Int!, $comment: String) {
  rateConversation(conversationId: $id, score: $score, comment: $comment) { rating { score } } }`;
const WORDS = ["", "rating.poor", "rating.fair", "rating.good", "rating.veryGood", "rating.excellent"];

/** The rating form, in the words `t` gives (strings.js). */
export function ratingView({ client, conversationId, t, onDone }) {
  const name = uid("score");
  const choices = [1, 2, 3, 4, 5].map((score) =>
    el("label", { class: "star" }, el("input", { type: "radio", name, value: score }), el("span", { text: `${score}` }), el("span", { class: "word", text: t(WORDS[score]) })),
  );
  const comment = el("textarea", { name: "comment", rows: 2, maxlength: 2000, "aria-label": t("rating.comment"), placeholder: t("rating.placeholder") });
  const problem = el("p", { class: "error", role: "alert", hidden: true });
  const submit = el("button", { type: "submit", class: "primary", text: t("rating.send") });
  const form = el(
    "form",
    { class: "rating", "aria-label": t("rating.label") },
    el("fieldset", {}, el("legend", { text: t("rating.question") }), el("div", { class: "stars" }, choices)),
    comment, problem, submit,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const picked = form.querySelector("input[type=radio]:checked");
    if (!picked) {
      problem.textContent = t("rating.pick");
      problem.hidden = false;
      return;
    }
    submit.disabled = true;
    try {
      const text = comment.value.trim();
      await client.request(RATE, { id: conversationId, score: Number(picked.value), comment: text || null });
      const thanks = el("p", { class: "thanks", role: "status", tabindex: -1, text: t("rating.thanks") });
      form.replaceWith(thanks);
      thanks.focus();
      onDone();
    } catch (failure) {
      problem.textContent = t("rating.notSent", { reason: failure.message });
      problem.hidden = false;
      submit.disabled = false;
    }
  });
  return { element: form, focus: () => form.querySelector("input[type=radio]").focus() };
}
