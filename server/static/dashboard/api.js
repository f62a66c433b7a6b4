// The dashboard's one connection to Parley: the shared GraphQL client (/static/lib/graphql.js),
// made with the signed-in key, and the key's place in sessionStorage (gone when the tab closes).

import { Client, GraphQLError } from "/static/lib/graphql.js";

const KEY = "parley.dashboard.key";

export { GraphQLError };

/** The key pasted at sign-in, while this tab lives. */
export function savedKey() {
  return sessionStorage.getItem(KEY);
}

export function saveKey(key) {
  sessionStorage.setItem(KEY, key);
}

export function forgetKey() {
  sessionStorage.removeItem(KEY);
}

/** A client of this page's own Parley (the dashboard is served by the API's server). */
export function connect(token) {
  return new Client({ url: "", token });
}

/**
 * `client.subscribe` with `next` given the root field's value, whether the client hands over
 * the operation's data or its whole payload ({data, errors}).
 */
export function watch(client, query, variables, field, { next, error, complete } = {}) {
  return client.subscribe(query, variables, {
    next(payload) {
      const data = payload && field in payload ? payload : payload && payload.data;
      if (payload && payload.errors && payload.errors.length && error) {
        error(new GraphQLError(payload.errors));
        return;
      }
      if (data && data[field] !== undefined) next(data[field]);
    },
    error: error || ((problem) => console.error(problem)),
    complete: complete || (() => {}),
  });
}

/** A message for people from whatever a request rejected with. */
export function problemText(problem) {
  if (problem instanceof GraphQLError) {
    const codes = problem.codes || [];
    if (codes.includes("UNAUTHENTICATED")) return "That key is not valid (or was revoked).";
    if (codes.includes("FORBIDDEN")) return "This key may not read conversations (it needs READ).";
    if (codes.includes("NOT_FOUND")) return "Not found in this workspace.";
    return problem.message;
  }
  return problem && problem.message ? problem.message : String(problem);
}

/** problemText for a refused change: a key without WRITE is told so. */
export function writeProblemText(problem) {
  const codes = (problem && problem.codes) || [];
  if (codes.includes("FORBIDDEN")) return "This key may not change assistants or keys: sign in with a secret key with WRITE.";
  return problemText(problem);
}
