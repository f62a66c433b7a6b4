// The widget itself: a launcher and a chat panel inside a shadow root (the host page's CSS cannot
// reach in, and the widget's cannot leak out). The panel asks the assistant's pre-chat form, then
// chats; the session token is kept for this tab, so a reload continues the same conversation.
// After the end, the visitor rates the chat and may start a new one.

import { Client } from "../static/lib/graphql.js";
import { chatView } from "./chat.js";
import { bubbleIcon, el } from "./dom.js";
import { preChatForm } from "./form.js";
import { applyColor } from "./look.js";
import { ratingView } from "./rating.js";
import { forgetSession, loadSession, saveSession, visitorId } from "./session.js";
import { chooseLanguage, translator } from "./strings.js";

const FACE = `query { widgetAssistant { id name mode widgetColor language answersAutomatically
  preChatForm { name label type required options pattern } } }`;
const START = `mutation($input: StartConversationInput!) {
  startConversation(input: $input) { sessionToken conversation { id mode } } }`;
/** Who handles a continued conversation (its assistant, or a person: handover.js), with its
 * session token. */
const HANDLING = `query Handling($id: ID!) { conversation(id: $id) { handling } }`;

const STYLES_MS = 10000;
/** How long the visitor waits for a reply to begin before the widget says none has yet
 * (`data-reply-notice-seconds` on the script tag changes it). */
const REPLY_NOTICE_SECONDS = 20;

/** The widget's stylesheet, in place before the widget is shown (no unstyled flash): adopted
 * from its text where the browser can, else linked. */
async function styles(root, href) {
  try {
    const response = await fetch(href, { signal: AbortSignal.timeout(STYLES_MS) });
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(await response.text());
    root.adoptedStyleSheets = [sheet];
  } catch {
    root.append(el("link", { rel: "stylesheet", href }));
  }
}

/** Mounts one widget on this page; `options`: {base, key, open, replyNoticeSeconds}. */
export async function mount({ base, key, open = false, replyNoticeSeconds = REPLY_NOTICE_SECONDS }) {
  const noticeMs = 1000 * (Number(replyNoticeSeconds) > 0 ? Number(replyNoticeSeconds) : REPLY_NOTICE_SECONDS);
  const host = el("parley-widget", { "data-parley": "widget" });
  const root = host.attachShadow({ mode: "open" });
  await styles(root, `${base}/widget/widget.css`);
  // The browser's language until the assistant's face says which (speak).
  let t = translator(chooseLanguage(null).catalogue);
  const panelId = "parley-panel";
  const launcher = el("button", {
    type: "button", class: "launcher", "aria-expanded": "false", "aria-controls": panelId,
    "aria-label": t("launcher.open"),
  }, bubbleIcon());
  const title = el("h2", { class: "title", id: "parley-title", text: t("panel.title") });
  const closeButton = el("button", { type: "button", class: "close", "aria-label": t("panel.close"), text: "×" });
  const body = el("div", { class: "body" }, el("p", { class: "status", role: "status", text: t("panel.loading") }));
  const panel = el("div", {
    class: "panel", id: panelId, role: "dialog", "aria-labelledby": "parley-title", hidden: true,
  }, el("header", {}, title, closeButton), body);
  root.append(panel, launcher);
  if (!document.body) {
    await new Promise((resolve) => document.addEventListener("DOMContentLoaded", resolve, { once: true }));
  }
  document.body.append(host);

  let focusInside = () => closeButton.focus();
  let chat = null;
  let marked = false;

  /** The assistant's colour and language on the whole widget (its face: widgetAssistant). */
  function dress(face) {
    applyColor(host, face.widgetColor);
    const { lang, catalogue } = chooseLanguage(face.language);
    t = translator(catalogue);
    for (const node of [host, panel, launcher]) node.setAttribute("lang", lang);
    title.textContent = face.name;
    closeButton.setAttribute("aria-label", t("panel.close"));
    unread(marked);
  }
  dress({ name: t("panel.title") });

  // What the assistant (or a person, or a handover) wrote that the visitor has seen whole (up to
  // this sequence, ended while the panel was open): anything written past it while the panel is
  // closed marks the launcher. Kept with the session, so a reload agrees.
  let seenUpTo = 0;
  let endedUpTo = 0;
  let current = null;

  function setOpen(opened) {
    panel.hidden = !opened;
    launcher.setAttribute("aria-expanded", String(opened));
    host.toggleAttribute("data-open", opened);
    if (opened) seen(endedUpTo);
    unread(false);
    if (opened) focusInside();
    else launcher.focus();
  }

  function unread(mark) {
    marked = mark;
    launcher.toggleAttribute("data-unread", mark);
    const open = !panel.hidden;
    launcher.setAttribute("aria-label", t(open ? "panel.close" : mark ? "launcher.openUnread" : "launcher.open"));
  }

  function seen(sequence) {
    seenUpTo = Math.max(seenUpTo, sequence);
    if (current && current.seen !== seenUpTo) {
      current.seen = seenUpTo;
      saveSession(key, current);
    }
  }

  function arrived({ sequence, role, state }) {
    if (role === "USER") return;
    const ended = state !== "STREAMING";
    if (ended) endedUpTo = Math.max(endedUpTo, sequence);
    if (!panel.hidden) {
      if (ended) seen(sequence);
    } else if (sequence > seenUpTo) unread(true);
  }

  launcher.addEventListener("click", () => setOpen(panel.hidden));
  closeButton.addEventListener("click", () => setOpen(false));
  panel.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.stopPropagation();
      setOpen(false);
    }
  });

  function showView(view) {
    body.replaceChildren(view.element);
    focusInside = view.focus;
    if (!panel.hidden) view.focus();
  }

  function showProblem(text) {
    const message = el("p", { class: "error general", role: "alert", tabindex: -1, text });
    showView({ element: message, focus: () => message.focus() });
  }

  function startChat(session, face, resumed = false) {
    const { name } = face;
    current = session;
    seenUpTo = session.seen || 0;
    endedUpTo = 0;
    const client = new Client({ url: base, token: session.token });
    // The one test hook: drop the socket as a network failure would (tests/browser/test_widget.py).
    host.parley = { drop: () => client.drop() };
    chat = chatView({
      client,
      conversationId: session.conversationId,
      assistantName: name,
      answersAutomatically: Boolean(face.answersAutomatically),
      noticeMs,
      t,
      onMessage: arrived,
      readHandling: resumed
        ? async () => (await client.request(HANDLING, { id: session.conversationId })).conversation.handling
        : null,
      onEnded() {
        forgetSession(key);
        current = null;
        const rating = ratingView({ client, conversationId: session.conversationId, t, onDone() {} });
        const again = el("button", { type: "button", class: "secondary new-chat", text: t("panel.newChat") });
        again.addEventListener("click", async () => {
          again.disabled = true;
          try {
            const fresh = (await new Client({ url: base, token: key }).request(FACE)).widgetAssistant;
            dress(fresh);
            await showForm(fresh);
          } catch (problem) {
            showProblem(t("panel.unavailable", { reason: problem.message }));
          }
        });
        chat.element.append(rating.element, again);
        focusInside = rating.focus;
        rating.focus();
      },
    });
    showView(chat);
  }

  async function showForm(face) {
    const form = preChatForm({
      fields: face.preChatForm,
      mode: face.mode,
      t,
      async onSubmit(answers, mode) {
        const widgetClient = new Client({ url: base, token: key });
        const visitor = { sessionId: visitorId(), pageUrl: location.href, userAgent: navigator.userAgent, locale: navigator.language };
        const data = await widgetClient.request(START, {
          input: { assistantId: face.id, mode, preChat: answers, visitor },
        });
        const started = data.startConversation;
        const session = { token: started.sessionToken, conversationId: started.conversation.id, name: face.name, open: true };
        saveSession(key, session);
        startChat(session, face);
      },
    });
    showView(form);
  }

  const saved = loadSession(key);
  try {
    if (saved) {
      // A reload: continue the conversation if its token still works.
      const face = await new Client({ url: base, token: saved.token }).request(FACE).catch(() => null);
      if (face) {
        dress(face.widgetAssistant);
        startChat(saved, face.widgetAssistant, true);
        setOpen(Boolean(saved.open) || open);
        return;
      }
      forgetSession(key);
    }
    const face = (await new Client({ url: base, token: key }).request(FACE)).widgetAssistant;
    dress(face);
    await showForm(face);
  } catch (problem) {
    showProblem(t("panel.unavailable", { reason: problem.message }));
  }
  if (open) setOpen(true);
}
