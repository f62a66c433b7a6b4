// The dashboard's shell: sign-in, the navigation with its live badges, and the router. Pages are
// addressed by the URL's query (`?page=usage`, `?page=conversation&id=…`, `?page=assistant&id=…`,
// filters for the list), so /dashboard is the only path served and a reload shows the same view.

import { BADGE, SIGN_IN } from "./queries.js";
import { connect, forgetKey, problemText, saveKey, savedKey, watch } from "./api.js";
import { signIn } from "./signin.js";
import { count } from "./format.js";
import * as conversations from "./conversations.js";
import * as conversation from "./conversation.js";
import * as usage from "./usage.js";
import * as testchat from "./testchat.js";
import * as assistants from "./assistants.js";
import * as assistant from "./assistant.js";
import * as inbox from "./inbox.js";

const PAGES = { inbox, conversations, conversation, usage, testchat, assistants, assistant };
/** A page highlights its list's link in the navigation. */
const UNDER = { conversation: "conversations", assistant: "assistants" };
const STATUS_TEXT = { connecting: "Connecting…", open: "Live", closed: "Reconnecting…" };

const main = document.getElementById("main");
const nav = document.getElementById("nav");
/** The navigation's live counts: each one a filter through the live count subscription. */
const BADGES = [
  { element: document.getElementById("badge"), filter: null, what: "conversations" },
  {
    element: document.getElementById("inbox-badge"),
    filter: { handlings: ["WAITING"], statuses: ["ACTIVE"] },
    what: "conversations waiting for a person",
  },
];
const connection = document.getElementById("connection");
const signOut = document.getElementById("sign-out");

let session = null; // {client, viewer, stops: [...]} while signed in
let unmount = () => {};

function pageOf(params) {
  const page = params.get("page") || "conversations";
  return PAGES[page] ? page : "conversations";
}

function render() {
  unmount();
  unmount = () => {};
  if (!session) return;
  const params = new URLSearchParams(location.search);
  const page = pageOf(params);
  for (const link of nav.querySelectorAll("a")) {
    const under = page === "conversation" && params.get("from") === "inbox" ? "inbox" : UNDER[page];
    if (link.dataset.page === (under || page)) {
      link.setAttribute("aria-current", "page");
    } else link.removeAttribute("aria-current");
  }
  main.replaceChildren();
  const context = { client: session.client, viewer: session.viewer, params, navigate, replace };
  unmount = PAGES[page].mount(main, context) || (() => {});
}

/** Goes to a dashboard URL without reloading (the socket and its badge stay). */
function navigate(url) {
  history.pushState(null, "", url);
  render();
  main.focus({ preventScroll: true });
  window.scrollTo(0, 0);
}

/** Rewrites the URL in place (a filter change on the same page). */
function replace(url) {
  history.pushState(null, "", url);
}

/** `viewer`: the key's scopes and agent (SIGN_IN), for what the pages offer. */
function start(client, viewer) {
  session = { client, viewer, stops: [] };
  nav.hidden = false;
  connection.hidden = false;
  signOut.hidden = false;
  session.stops.push(
    client.onStatus((status) => {
      connection.textContent = STATUS_TEXT[status] || status;
      connection.dataset.status = status;
    }),
  );
  for (const { element, filter, what } of BADGES) {
    session.stops.push(
      watch(client, BADGE, { filter }, "conversationCount", {
        next(total) {
          element.textContent = count(total);
          element.setAttribute("aria-label", `${count(total)} ${what}`);
        },
        error(problem) {
          element.textContent = "!";
          element.title = problemText(problem);
        },
      }),
    );
  }
  render();
}

function stop() {
  unmount();
  unmount = () => {};
  if (session) {
    for (const each of session.stops) each();
    session.client.close();
  }
  session = null;
  nav.hidden = true;
  connection.hidden = true;
  signOut.hidden = true;
  for (const { element } of BADGES) element.textContent = "…";
}

function showSignIn(message) {
  main.replaceChildren();
  signIn(main, message, async (key) => {
    const client = connect(key);
    let data;
    try {
      data = await client.request(SIGN_IN, {}); // rejects a bad key here
    } catch (problem) {
      client.close();
      throw problem;
    }
    saveKey(key);
    start(client, data.viewer);
  });
}

signOut.addEventListener("click", () => {
  forgetKey();
  stop();
  showSignIn("Signed out.");
});

// Links inside the dashboard change the view, not the page.
document.addEventListener("click", (event) => {
  const link = event.target.closest && event.target.closest("a[href]");
  if (!link || event.defaultPrevented || event.button !== 0) return;
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey || link.target) return;
  const url = new URL(link.href, location.href);
  if (url.origin !== location.origin || url.pathname !== location.pathname || !session) return;
  event.preventDefault();
  navigate(url.pathname + url.search);
});

window.addEventListener("popstate", render);

async function resume(key) {
  const client = connect(key);
  let data;
  try {
    data = await client.request(SIGN_IN, {});
  } catch (problem) {
    client.close();
    if ((problem.codes || []).includes("UNAUTHENTICATED")) forgetKey();
    showSignIn(problemText(problem));
    return;
  }
  start(client, data.viewer);
}

const key = savedKey();
if (key) resume(key);
else showSignIn();
