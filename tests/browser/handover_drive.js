// Drives the embedded widget in headless Chromium for test_widget_handover.py: a visitor asks for
// a person with the widget's button, waits (the chat says a person is being found), sees the
// agent join and write, then the assistant come back and answer, all live; a reload, while it
// waits and at the end, draws the same chat again. Reads {playwright, chromium, visits: [{page, control,
// connected}]} as JSON on stdin; `control` is the test's own endpoint, acting as the agent
// (/take: takes over and writes, /back: hands back) and as the assistant's engine (/reply).
// Prints what the visitor saw at each step, per visit, as JSON on stdout.
"use strict";

const { runVisits } = require("./driving.js");

const WAIT_MS = 8000;


async function control(base, what, text) {
  const url = `${base}/${what}` + (text ? `?text=${encodeURIComponent(text)}` : "");
  const response = await fetch(url, { method: "POST", signal: AbortSignal.timeout(WAIT_MS) });
  if (!response.ok) throw new Error(`${what}: ${response.status} ${await response.text()}`);
}

/** The chat as the visitor sees it: each entry [kind, who or null, text], and the controls. */
function look(page) {
  return page.evaluate(() => {
    const root = document.querySelector("parley-widget").shadowRoot;
    const shownText = (selector) => {
      const node = root.querySelector(selector);
      return node && !node.hidden ? node.textContent : null;
    };
    const person = root.querySelector(".chat button.person");
    return {
      transcript: [...root.querySelectorAll(".log .message")].map((m) => {
        const who = m.querySelector(".who");
        const kind = ["user", "assistant", "agent", "handover"].find((name) => m.classList.contains(name));
        return [kind, who ? who.textContent : null, m.querySelector(".text").textContent];
      }),
      button: person && !person.hidden ? person.textContent : null,
      finding: shownText(".chat .finding"),
      notice: shownText(".chat .waiting"),
      typing: [...root.querySelectorAll(".message .typing")].some((node) => !node.hidden),
      centred: [...root.querySelectorAll(".message.handover")].every((m) => getComputedStyle(m).alignSelf === "center"),
    };
  });
}

async function connected(page, text) {
  await page.waitForFunction(
    (wanted) => {
      const status = document.querySelector("parley-widget").shadowRoot.querySelector(".chat .status");
      return Boolean(status) && status.textContent === wanted;
    },
    text,
  );
}

async function say(page, text) {
  await page.locator("parley-widget .compose input[name=message]").fill(text);
  await page.keyboard.press("Enter");
  await page.locator("parley-widget .log .message.user .text", { hasText: text }).waitFor();
}

async function visit(browser, _job, step) {
  const out = { console: [] };
  const context = await browser.newContext({ locale: "en-US" });
  try {
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT_MS);
    page.on("pageerror", (error) => out.console.push(`pageerror: ${error.message}`));
    page.on("console", (message) => {
      if (message.type() === "error") out.console.push(`error: ${message.text()}`);
    });
    await page.goto(step.page);
    await page.locator("parley-widget .launcher").click();
    await page.locator("parley-widget form.prechat button[type=submit]").click();
    await connected(page, step.connected);
    await say(page, "I would like to talk to someone.");
    out.before = await look(page);

    // The button: the conversation waits, and the chat says a person is being found.
    await page.locator("parley-widget .chat button.person").click();
    await page.locator("parley-widget .message.handover[data-handover=REQUESTED]").waitFor();
    await page.locator("parley-widget .chat .finding:not([hidden])").waitFor();
    out.focusAfterAsking = await page.evaluate(() => {
      const active = document.querySelector("parley-widget").shadowRoot.activeElement;
      return active ? active.getAttribute("name") : null;
    });
    // Nobody answers the next message for longer than the notice's second: still "finding".
    await say(page, "Hello?");
    await page.waitForTimeout(1600);
    out.waiting = await look(page);
    // Reloaded while waiting: still finding a person.
    await page.reload();
    await page.locator("parley-widget .log .message.user .text", { hasText: "Hello?" }).waitFor();
    await connected(page, step.connected);
    await page.waitForTimeout(1600);
    out.waitingReloaded = await look(page);

    // The agent takes over and writes, live.
    await control(step.control, "take");
    await page.locator("parley-widget .message.handover[data-handover=TAKEN_OVER]").waitFor();
    await page.locator("parley-widget .message.agent").waitFor();
    out.joined = await look(page);

    // Hands back, and the assistant answers again, live.
    await control(step.control, "back");
    await page.locator("parley-widget .message.handover[data-handover=HANDED_BACK]").waitFor();
    out.back = await look(page);
    await control(step.control, "reply", step.reply);
    await page.locator("parley-widget .message.assistant .text", { hasText: step.reply }).waitFor();
    out.answered = await look(page);

    // A reload draws the same transcript.
    await page.reload();
    await page.locator("parley-widget .message.assistant .text", { hasText: step.reply }).waitFor();
    await connected(page, step.connected);
    await page.waitForTimeout(300);
    out.reloaded = await look(page);
  } catch (error) {
    out.error = String(error && error.stack ? error.stack : error);
  } finally {
    await context.close();
  }
  return out;
}

runVisits(visit);
