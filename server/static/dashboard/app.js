// The dashboard's shell: sign-in, the navigation with its live badge, and the router. Pages are
// addressed by the URL's query (`?page=usage`, `?page=conversation&id=…`, `?page=assistant&id=…`,
// filters for the list), so /dashboard is the only path served and a reload shows the same view.

import { BADGE } from "./queries.js";
import { connect, forgetKey, problemText, saveKey, savedKey, watch } from "./api.js";
import { signIn } from "./signin.js";
import { count } from "./format.js";
import * as conversations from "./conversations.js";
import * as conversation from "./conversation.js";
import * as usage from "./usage.js";
import * as testchat from "./testchat.js";
import * as assistants from "./assistants.js";
import * as assistant from "./assistant.js";

const PAGES = { conversations, conversation, usage, testchat, assistants, assistant };
/** A page highlights its list's link in the navigation. */
const UNDER = { conversation: "conversations", assistant: "assistants" };
const STATUS_TEXT = { connecting: "Connecting…", open: "Live", closed: "Reconnecting…" };

const main = document.getElementById("main");
const nav = document.getElementById("nav");
const badge = document.getElementById("badge");
const connection = document.getElementById("connection");
const signOut = document.getElementById("sign-out");

let session = null; // {client, stops: [...]} while signed in
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
    if (link.dataset.page === (UNDER[page] || page)) {
      link.setAttribute("aria-current", "page");
    } else link.removeAttribute("aria-current");
  }
  main.replaceChildren();
  unmount = PAGES[page].mount(main, { client: session.client, params, navigate, replace }) || (() => {});
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

function start(client) {
  session = { client, stops: [] };
  nav.hidden = false;
  connection.hidden = false;
  signOut.hidden = false;
  session.stops.push(
    client.onStatus((status) => {
      connection.textContent = STATUS_TEXT[status] || status;
      connection.dataset.status = status;
    }),
  );
  session.stops.push(
    watch(client, BADGE, {}, "conversationCount", {
      next(total) {
        badge.textContent = count(total);
        badge.setAttribute("aria-label", `${count(total)} conversations`);
      },
      error(problem) {
        badge.textContent = "!";
        badge.title = problemText(problem);
      },
    }),
  );
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
  badge.textContent = "…";
}

function showSignIn(message) {
  main.replaceChildren();
  signIn(main, message, async (key) => {
    const client = connect(key);
    await client.request("query SignIn { assistants { id } }", {}); // rejects a bad key here
    saveKey(key);
    start(client);
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
  try {
    await client.request("query SignIn { assistants { id } }", {});
  } catch (problem) {
    client.close();
    if ((problem.codes || []).includes("UNAUTHENTICATED")) forgetKey();
    showSignIn(problemText(problem));
    return;
  }
  start(client);
}

const key = savedKey();
if (key) resume(key);
else showSignIn();
