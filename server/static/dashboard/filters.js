// The list's filter lives in the URL (so a reload, a bookmark or a shared link shows the same
// list) and becomes one ConversationFilter, the API's single filter for the list, its counts, its
// live events and its export.

import { localMidnight, validDay } from "./days.js";

export const TYPES = ["TEST", "WEB_WIDGET"];
export const STATUSES = ["ACTIVE", "ENDED"];
export const RATINGS = {
  "": { text: "Any", filter: {} },
  rated: { text: "Rated", filter: { rated: true } },
  unrated: { text: "Not rated", filter: { rated: false } },
  "5": { text: "5 only", filter: { minRating: 5, maxRating: 5 } },
  "4up": { text: "4 and up", filter: { minRating: 4 } },
  "3up": { text: "3 and up", filter: { minRating: 3 } },
  "2down": { text: "2 and below", filter: { maxRating: 2 } },
  "1": { text: "1 only", filter: { minRating: 1, maxRating: 1 } },
};

/** The URL parameters that are the filter (others, like `page`, are the router's). */
const KEYS = ["type", "status", "assistant", "from", "to", "q", "var", "val", "label", "rating"];

/** The filter as its URL says: {types, statuses, assistant, from, to, q, variable, value, labels, rating}. */
export function readState(params) {
  return {
    types: params.getAll("type").filter((type) => TYPES.includes(type)),
    statuses: params.getAll("status").filter((status) => STATUSES.includes(status)),
    assistant: params.get("assistant") || "",
    from: validDay(params.get("from")),
    to: validDay(params.get("to")),
    q: params.get("q") || "",
    variable: params.get("var") || "",
    value: params.get("val") || "",
    labels: params.getAll("label"),
    rating: params.get("rating") in RATINGS ? params.get("rating") : "",
  };
}

/** `params` with the filter's keys replaced by `state`'s. */
export function writeState(params, state) {
  const next = new URLSearchParams(params);
  for (const key of KEYS) next.delete(key);
  for (const type of state.types) next.append("type", type);
  for (const status of state.statuses) next.append("status", status);
  const single = {
    assistant: state.assistant,
    from: state.from,
    to: state.to,
    q: state.q.trim(),
    var: state.variable,
    val: state.variable ? state.value : "",
    rating: state.rating,
  };
  for (const [key, value] of Object.entries(single)) if (value) next.set(key, value);
  for (const label of state.labels) next.append("label", label);
  return next;
}

/** The ConversationFilter for `state`, or null for "everything". */
export function toFilter(state) {
  const filter = {};
  if (state.types.length) filter.types = state.types;
  if (state.statuses.length) filter.statuses = state.statuses;
  if (state.assistant) filter.assistantIds = [state.assistant];
  if (state.from) filter.startedAfter = localMidnight(state.from, 0);
  if (state.to) filter.startedBefore = localMidnight(state.to, 1); // the whole "to" day
  if (state.q.trim()) filter.search = state.q.trim();
  if (state.variable) {
    // A value typed in a text box is matched as that exact text; no value means "has it".
    filter.variables = [
      state.value === "" ? { name: state.variable, exists: true } : { name: state.variable, equals: state.value },
    ];
  }
  if (state.labels.length) filter.labels = { anyOf: state.labels };
  Object.assign(filter, RATINGS[state.rating].filter);
  return Object.keys(filter).length ? filter : null;
}


/** The list's orders (every ConversationOrderField, both ways), by their `sort` URL value. */
export const SORTS = {
  "": { text: "Newest first", field: "STARTED_AT", direction: "DESC" },
  oldest: { text: "Oldest first", field: "STARTED_AT", direction: "ASC" },
  active: { text: "Latest activity", field: "LAST_ACTIVITY_AT", direction: "DESC" },
  idle: { text: "Longest idle", field: "LAST_ACTIVITY_AT", direction: "ASC" },
  costly: { text: "Highest cost", field: "COST", direction: "DESC" },
  cheap: { text: "Lowest cost", field: "COST", direction: "ASC" },
  long: { text: "Most messages", field: "MESSAGE_COUNT", direction: "DESC" },
  short: { text: "Fewest messages", field: "MESSAGE_COUNT", direction: "ASC" },
  waiting: { text: "Longest waiting for a person", field: "WAITING_SINCE", direction: "ASC" },
  asked: { text: "Latest asking for a person", field: "WAITING_SINCE", direction: "DESC" },
};

const SORT_KEYS = {
  STARTED_AT: (row) => Date.parse(row.startedAt),
  LAST_ACTIVITY_AT: (row) => Date.parse(row.lastActivityAt),
  COST: (row) => Number(row.usage.cost),
  MESSAGE_COUNT: (row) => row.messageCount,
  WAITING_SINCE: (row) => (row.waitingSince ? Date.parse(row.waitingSince) : null),
};

export function readSort(params) {
  return params.get("sort") in SORTS ? params.get("sort") : "";
}

export function writeSort(params, sort) {
  const next = new URLSearchParams(params);
  if (sort) next.set("sort", sort);
  else next.delete("sort");
  return next;
}

/** The ConversationOrder for `sort` (null: the API's default). */
export function toOrder(sort) {
  return sort ? { field: SORTS[sort].field, direction: SORTS[sort].direction } : null;
}

/** Rows compared as the API orders them for `sort` (ties left as they come; rows without a
 * value, as those that never waited for a person, last either way). */
export function comparer(sort) {
  const { field, direction } = SORTS[sort];
  const key = SORT_KEYS[field];
  const sign = direction === "ASC" ? 1 : -1;
  return (a, b) => {
    const [x, y] = [key(a), key(b)];
    if (x === null || y === null) return (x === null) - (y === null);
    return sign * (x - y);
  };
}
