// Handover to a person, as the visitor sees it: a "Talk to a person" button while the assistant
// answers, a note that a person is being found while the conversation waits (neither while an
// agent handles it), and the moves in the transcript as centred notes in the visitor's language
// ("Ada joined", "The assistant is back"), written from the move and the agent's name, never
// from the server's English text.
//
// Who handles the conversation follows its HANDOVER messages, each of which is a move: they
// come in order, live and again from the start after a reload. A snapshot (the conversation's
// `handling` read at a reload, or requestPerson's answer) is taken only when no move arrived
// while it was asked for, so a slower answer never undoes a later move.

import { GraphQLError } from "../static/lib/graphql.js";
import { el } from "./dom.js";

const REQUEST = `mutation($id: ID!) { requestPerson(conversationId: $id) { handling } }`;
const MOVE_NOTE = { REQUESTED: "handover.requested", TAKEN_OVER: "handover.joined", HANDED_BACK: "handover.back" };
const MOVE_HANDLING = { REQUESTED: "WAITING", TAKEN_OVER: "AGENT", HANDED_BACK: "ASSISTANT" };

/** A HANDOVER message's note, in the words `t` gives. */
export function moveNote(t, { handover, agent }) {
  if (handover === "TAKEN_OVER") {
    return agent && agent.name ? t("handover.joined", { name: agent.name }) : t("handover.someoneJoined");
  }
  return MOVE_NOTE[handover] ? t(MOVE_NOTE[handover]) : "";
}

/**
 * The button and the waiting note of one conversation; `onChange(handling)` is called whenever
 * who handles it changes, `say(text)` shows a problem, `onEnded()` when the conversation turns
 * out to have ended, `refocus()` when the button, once asked, made way for the note (the keyboard
 * focus goes on from there). Returns {button, note, moved(message), snapshot(read), end(),
 * handling()}.
 */
export function personControl({
  client, conversationId, t, say, onEnded, onChange = () => {}, refocus = () => {},
}) {
  let handling = "ASSISTANT";
  let moves = 0; // HANDOVER messages taken in: a snapshot asked for before the last one is stale
  let lastMove = 0; // the latest move's sequence: an earlier one arriving late changes nothing
  let ended = false;
  const button = el("button", { type: "button", class: "secondary person", text: t("handover.ask") });
  const note = el("p", { class: "finding", role: "status", hidden: true });

  function set(value) {
    if (!value) return;
    const changed = value !== handling;
    handling = value;
    button.hidden = ended || handling !== "ASSISTANT";
    note.hidden = ended || handling !== "WAITING";
    note.textContent = note.hidden ? "" : t("handover.finding");
    if (changed) onChange(handling);
  }

  /** Takes `read()`'s handling (a promise) unless a move arrives before it answers. */
  async function snapshot(read) {
    const before = moves;
    const value = await read();
    if (moves === before) set(value);
  }

  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      await snapshot(async () => (await client.request(REQUEST, { id: conversationId })).requestPerson.handling);
      say("");
      if (button.hidden) refocus();
    } catch (failure) {
      if (failure instanceof GraphQLError && failure.codes.includes("CONFLICT")) onEnded();
      else say(t("handover.notAsked", { reason: failure.message }));
    } finally {
      button.disabled = false;
    }
  });

  set(handling);
  return {
    button,
    note,
    handling: () => handling,
    /** A HANDOVER message arrived (live, or again after a reload). */
    moved(message) {
      if (message.sequence <= lastMove) return;
      lastMove = message.sequence;
      moves += 1;
      set(MOVE_HANDLING[message.handover]);
    },
    snapshot(read) {
      return snapshot(read).catch(() => {}); // the moves in the transcript still tell
    },
    end() {
      ended = true;
      set(handling);
    },
  };
}
