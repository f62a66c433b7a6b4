// Drives the embedded widget in headless Chromium for test_widget_look.py: for each visit (a page,
// the browser's locale), reads how the widget looks and speaks before and after it opens (its
// `lang`, the launcher's and the visitor's bubble's computed colours, its words), starts the chat,
// writes, and watches until a reply begins or the widget's notice shows, noting whether the
// typing indicator ever showed meanwhile; with `reply`, has the test's page record an answer and
// reads the notice gone. Reads {playwright, chromium, visits, base} as JSON on stdin and prints
// what the visitor saw as JSON on stdout.
"use strict";

const { runVisits } = require("./driving.js");

const WAIT_MS = 8000;


/** How the widget looks and what it says, read from its shadow root. */
function look(page) {
  return page.evaluate(() => {
    const host = document.querySelector("parley-widget");
    const root = host.shadowRoot;
    const colours = (node) => {
      if (!node) return null;
      const style = getComputedStyle(node);
      return { background: style.backgroundColor, color: style.color };
    };
    const text = (selector) => {
      const node = root.querySelector(selector);
      return node ? node.textContent : null;
    };
    const waiting = root.querySelector(".waiting");
    return {
      lang: host.getAttribute("lang"),
      panelLang: root.querySelector(".panel").getAttribute("lang"),
      launcherLabel: root.querySelector(".launcher").getAttribute("aria-label"),
      launcher: colours(root.querySelector(".launcher")),
      header: colours(root.querySelector("header")),
      bubble: colours(root.querySelector(".message.user")),
      submit: text("form.prechat button[type=submit]"),
      status: text(".chat .status"),
      send: text(".compose button[type=submit]"),
      typing: [...root.querySelectorAll(".message.assistant .typing")].some((node) => !node.hidden),
      waiting: waiting && !waiting.hidden ? waiting.textContent : null,
      replies: [...root.querySelectorAll(".message.assistant")].map((m) => ({
        text: m.querySelector(".text").textContent,
        state: m.dataset.state,
        note: m.querySelector(".note").hidden ? null : m.querySelector(".note").textContent,
      })),
    };
  });
}

/** Looks every 20 ms after the visitor wrote, until a reply ended or the notice showed. */
async function watch(page) {
  const began = Date.now();
  let typingSeen = false;
  while (Date.now() - began < WAIT_MS) {
    const seen = await look(page);
    typingSeen = typingSeen || seen.typing;
    const ended = seen.replies.some((reply) => reply.state && reply.state !== "STREAMING");
    if (ended || seen.waiting) return { ...seen, typingSeen, afterMs: Date.now() - began };
    await page.waitForTimeout(20);
  }
  throw new Error(`neither a reply nor the notice came: ${JSON.stringify(await look(page))}`);
}

async function visit(browser, job, step) {
  const out = { console: [] };
  const context = await browser.newContext({ locale: step.locale });
  try {
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT_MS);
    page.on("pageerror", (error) => out.console.push(`pageerror: ${error.message}`));
    page.on("console", (message) => {
      if (message.type() === "error") out.console.push(`error: ${message.text()}`);
    });
    await page.goto(step.page);
    // The form is drawn once the assistant's face is read, and the face dresses the widget.
    await page.locator("parley-widget form.prechat").waitFor({ state: "attached" });
    out.closed = await look(page);
    await page.locator("parley-widget .launcher").click();
    await page.locator("parley-widget form.prechat button[type=submit]").click();
    await page.locator("parley-widget .compose input[name=message]").waitFor();
    await page.waitForFunction(
      (text) => document.querySelector("parley-widget").shadowRoot.querySelector(".chat .status").textContent === text,
      step.connected,
    );
    await page.locator("parley-widget .compose input[name=message]").fill("Hello, is anyone there?");
    await page.keyboard.press("Enter");
    await page.locator("parley-widget .log .message.user").waitFor();
    out.watched = await watch(page);
    if (step.reply) {
      await fetch(`${step.control}/reply?text=${encodeURIComponent(step.reply)}`, { method: "POST" });
      await page.locator("parley-widget .message.assistant .text", { hasText: step.reply }).waitFor();
      out.answered = await look(page);
    }
    if (step.contrastOf) {
      out.textOn = await page.evaluate(async ([base, colours]) => {
        const { textOn } = await import(`${base}/widget/look.js`);
        return colours.map(textOn);
      }, [job.base, step.contrastOf]);
    }
  } catch (error) {
    out.error = String(error && error.stack ? error.stack : error);
  } finally {
    await context.close();
  }
  return out;
}

runVisits(visit);
