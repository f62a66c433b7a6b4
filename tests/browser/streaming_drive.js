// Drives the embedded widget in headless Chromium for test_widget_streaming.py: a visitor writes,
// the built-in engine's reply streams in (the text seen growing, the typing indicator shown while
// it does), then a reply the model could not write shows its note and a "Try again" button, whose
// click brings a reply. Reads {playwright, chromium, page} as JSON on stdin and prints what the
// visitor saw as JSON on stdout.
"use strict";

const { readStdin } = require("./driving.js");

const WAIT_MS = 8000;


/** The assistant's messages as the visitor sees them, read from the widget's shadow root. */
function replies(page) {
  return page.evaluate(() => {
    const root = document.querySelector("parley-widget").shadowRoot;
    return [...root.querySelectorAll(".log .message.assistant")].map((m) => ({
      text: m.querySelector(".text").textContent,
      state: m.dataset.state,
      typing: !m.querySelector(".typing").hidden,
      note: m.querySelector(".note").hidden ? null : m.querySelector(".note").textContent,
      retry: !m.querySelector(".retry").hidden,
    }));
  });
}

/** Every distinct view of reply `index` until it is no longer STREAMING. */
async function watchReply(page, index) {
  const views = [];
  const until = Date.now() + WAIT_MS;
  while (Date.now() < until) {
    const found = (await replies(page))[index];
    if (found) {
      const last = views[views.length - 1];
      if (!last || last.text !== found.text || last.state !== found.state || last.typing !== found.typing) views.push(found);
      if (found.state && found.state !== "STREAMING") return views;
    }
    await page.waitForTimeout(15);
  }
  throw new Error(`reply ${index} did not end: ${JSON.stringify(views)}`);
}

async function say(page, text) {
  await page.locator("parley-widget .compose input[name=message]").fill(text);
  await page.keyboard.press("Enter");
  await page.locator("parley-widget .log .message.user .text", { hasText: text }).waitFor();
}

async function main() {
  const job = await readStdin();
  const { chromium } = require(job.playwright);
  const out = { console: [] };
  const browser = await chromium.launch({ executablePath: job.chromium, args: ["--no-sandbox"] });
  try {
    const page = await browser.newPage();
    page.setDefaultTimeout(WAIT_MS);
    page.on("pageerror", (error) => out.console.push(`pageerror: ${error.message}`));
    await page.goto(job.page);
    await page.locator("parley-widget .launcher").click();
    await page.locator("parley-widget form.prechat button[type=submit]").click();
    await page.locator("parley-widget .status", { hasText: "Connected" }).waitFor();
    await say(page, "Hello, where is my order?");
    out.streamed = await watchReply(page, 0);
    await say(page, "And when does it arrive?");
    out.failed = await watchReply(page, 1);
    await page.locator("parley-widget .message.assistant .retry:not([hidden])").click();
    await page.locator("parley-widget .message.assistant").nth(2).waitFor();
    out.retried = await watchReply(page, 2);
    // The panel closed while a reply is written: the launcher says there is a new message.
    await say(page, "One more thing?");
    // Closed once the reply has begun (seen open, still being written): what follows is new.
    await page.locator("parley-widget .message.assistant").nth(3).waitFor();
    await page.keyboard.press("Escape");
    const launcher = page.locator("parley-widget .launcher");
    await page.locator("parley-widget .launcher[data-unread]").waitFor();
    out.unread = await launcher.getAttribute("aria-label");
    await launcher.click();
    await page.locator("parley-widget .launcher:not([data-unread])").waitFor({ state: "attached" });
    out.read = await launcher.getAttribute("aria-label");
    out.final = await replies(page);
  } catch (error) {
    out.error = String(error && error.stack ? error.stack : error);
  } finally {
    await browser.close();
  }
  process.stdout.write(JSON.stringify(out));
}

main();
