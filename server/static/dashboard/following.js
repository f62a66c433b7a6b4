// A conversation list followed live from the event cursor its first page reflects: its events,
// and the erasures that share their cursors, resumed after a lost socket from the last cursor
// seen, so every event after the page is delivered and none twice. The Conversations list and the
// Inbox follow theirs this way.

import { watch } from "./api.js";
import { ERASED } from "./queries.js";

/** Follows `events` (a conversationEvents document) for `filter` from the cursor `after`;
 * `onEvent` and `onErased` take each one as it comes. Returns what stops both. */
export function followList(client, events, filter, after, { onEvent, onErased, error }) {
  let lastEvent = after;
  let lastErased = null;
  const stops = [
    watch(client, events, () => ({ filter, after: lastEvent }), "conversationEvents", {
      next(event) {
        lastEvent = event.cursor;
        onEvent(event);
      },
      error,
    }),
    // Erasures share the events' cursors: until one was seen, resume from the last event.
    watch(client, ERASED, () => ({ after: lastErased ?? lastEvent }), "conversationErased", {
      next(erased) {
        lastErased = erased.cursor;
        onErased(erased);
      },
      error,
    }),
  ];
  return () => stops.forEach((stop) => stop());
}
