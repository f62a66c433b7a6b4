// What survives a reload of the page: the conversation's session token, in sessionStorage (this
// tab only, gone when it closes), until the conversation ends.

const PREFIX = "parley.widget.";

export function loadSession(key) {
  try {
    const saved = JSON.parse(sessionStorage.getItem(PREFIX + key) || "null");
    return saved && saved.token && saved.conversationId ? saved : null;
  } catch {
    return null;
  }
}

export function saveSession(key, session) {
  try {
    sessionStorage.setItem(PREFIX + key, JSON.stringify(session));
  } catch {
    // storage refused (private mode): the chat still works, only not across a reload
  }
}

export function forgetSession(key) {
  try {
    sessionStorage.removeItem(PREFIX + key);
  } catch {
    // nothing to forget
  }
}

/** This visitor's widget session ID, kept for the tab like the token. */
export function visitorId() {
  const name = `${PREFIX}visitor`;
  let id = null;
  try {
    id = sessionStorage.getItem(name);
    if (!id) {
      id = crypto.randomUUID();
      sessionStorage.setItem(name, id);
    }
  } catch {
    id = id || crypto.randomUUID();
  }
  return id;
}
