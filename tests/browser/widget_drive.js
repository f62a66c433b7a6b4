// Drives the embedded web widget in headless Chromium for test_widget.py, as a visitor would,
// with the keyboard: reads {playwright, chromium, page, control, screenshots} as JSON on stdin and
// prints what the visitor saw at each step as JSON on stdout. `control` is the test's own
// endpoint: /reply (the engine records a reply), /cut and /restore (the network to Parley), and
// /lose-answer (the next request's answer is lost on the way back).
"use strict";

const { readStdin } = require("./driving.js");

const WAIT_MS = 8000;


async function control(base, what, text) {
  const url = `${base}/control/${what}` + (text ? `?text=${encodeURIComponent(text)}` : "");
  const response = await fetch(url, { method: "POST", signal: AbortSignal.timeout(WAIT_MS) });
  if (!response.ok) throw new Error(`${what}: ${response.status}`);
}

/** What the widget shows, read from its shadow root. */
function seen(page) {
  return page.evaluate(() => {
    const root = document.querySelector("parley-widget").shadowRoot;
    const texts = (selector) => [...root.querySelectorAll(selector)].filter((e) => !e.hidden).map((e) => e.textContent);
    return {
      messages: [...root.querySelectorAll(".log .message")].map((m) => [m.querySelector(".who").textContent, m.querySelector(".text").textContent]),
      status: texts(".status")[0] || null,
      errors: texts(".error"),
      focused: root.activeElement ? (root.activeElement.getAttribute("name") || root.activeElement.textContent || root.activeElement.className) : null,
    };
  });
}

async function tabTo(page, matches, what) {
  for (let i = 0; i < 15; i += 1) {
    await page.keyboard.press("Tab");
    const here = await page.evaluate(() => {
      const root = document.querySelector("parley-widget").shadowRoot;
      const e = root.activeElement;
      return e ? { name: e.getAttribute("name"), text: e.textContent, cls: e.className, aria: e.getAttribute("aria-label") } : null;
    });
    if (here && matches(here)) return;
  }
  throw new Error(`could not Tab to ${what}`);
}

async function messageShown(page, text) {
  await page.locator("parley-widget .log .message .text", { hasText: text }).first().waitFor();
}

async function desktop(browser, job, out) {
  const context = await browser.newContext({ viewport: { width: 1100, height: 760 } });
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT_MS);
  page.on("pageerror", (error) => out.console.push(`pageerror: ${error.message}`));
  page.on("console", (message) => out.console.push(`${message.type()}: ${message.text()}`));
  await page.goto(job.page);
  const launcher = page.locator("parley-widget .launcher");
  await launcher.waitFor();
  out.host = await page.evaluate(() => {
    const style = (e, p) => getComputedStyle(e).getPropertyValue(p);
    const launcher = document.querySelector("parley-widget").shadowRoot.querySelector(".launcher");
    const own = document.getElementById("host-button");
    return {
      launcherBackground: style(launcher, "background-color"),
      launcherVisible: launcher.getBoundingClientRect().width > 0,
      hostButtonBackground: style(own, "background-color"),
      hostButtonFont: style(own, "font-size"),
      hostTextColor: style(document.querySelector("p"), "color"),
    };
  });

  // Keyboard only: Tab to the launcher, open, and the form takes the focus.
  await tabTo(page, (e) => e.cls === "launcher", "the launcher");
  await page.keyboard.press("Enter");
  await page.locator("parley-widget [role=dialog]").waitFor();
  await page.locator("parley-widget form.prechat").waitFor();
  out.opened = {
    expanded: await launcher.getAttribute("aria-expanded"),
    label: await page.locator("parley-widget .title").textContent(),
    fields: await page.locator("parley-widget form.prechat label").allTextContents(),
    focused: (await seen(page)).focused,
  };
  // Wrong first: an email that is not one; the server's errors appear at the field.
  await page.keyboard.type("ada");
  await page.keyboard.press("Enter");
  await page.locator("parley-widget form.prechat .error:not([hidden])").first().waitFor();
  const email = page.locator("parley-widget form.prechat input[name=email]");
  out.wrong = {
    ...(await seen(page)),
    invalid: await email.getAttribute("aria-invalid"),
    describedBy: await page.evaluate(() => {
      const root = document.querySelector("parley-widget").shadowRoot;
      const input = root.querySelector("input[name=email]");
      return root.getElementById(input.getAttribute("aria-describedby")).textContent;
    }),
  };
  // Then right: the focus is back on the field.
  await page.keyboard.press("Control+A");
  await page.keyboard.type("ada@example.com");
  await page.keyboard.press("Enter");
  await page.locator("parley-widget [role=log]").waitFor();
  await page.locator("parley-widget .status", { hasText: "Connected" }).waitFor();
  await page.keyboard.type("Hello, where is my order?");
  await page.keyboard.press("Enter");
  await messageShown(page, "Hello, where is my order?");
  await control(job.control, "reply", "It left our warehouse today.");
  await messageShown(page, "It left our warehouse today.");
  out.chatted = await seen(page);
  await page.screenshot({ path: `${job.screenshots}/widget.png` });

  // The socket drops (the widget's test hook) while the engine records a reply: it arrives once.
  await page.evaluate(() => document.querySelector("parley-widget").parley.drop());
  await control(job.control, "reply", "Still here after a blip.");
  await messageShown(page, "Still here after a blip.");
  await page.locator("parley-widget .status", { hasText: "Connected" }).waitFor();
  await page.waitForTimeout(300);
  out.dropped = await seen(page);

  // The network goes away: the socket drops, a message waits, a reply is recorded meanwhile.
  await control(job.control, "cut");
  await page.locator("parley-widget .status", { hasText: "Reconnecting" }).waitFor();
  out.cut = (await seen(page)).status;
  await page.keyboard.type("Are you still there?");
  await page.keyboard.press("Enter");
  await control(job.control, "reply", "Yes: it arrives on <b>Friday</b>.");
  await page.waitForTimeout(600);
  await control(job.control, "restore");
  await messageShown(page, "Yes: it arrives on <b>Friday</b>.");
  await messageShown(page, "Are you still there?");
  await page.locator("parley-widget .status", { hasText: "Connected" }).waitFor();
  out.restored = await seen(page);

  // A reload continues the same conversation.
  await page.reload();
  await page.locator("parley-widget [role=log]").waitFor();
  await messageShown(page, "Are you still there?");
  await page.locator("parley-widget .status", { hasText: "Connected" }).waitFor();
  out.reloaded = await seen(page);
  await control(job.control, "reply", "Anything else?");
  await messageShown(page, "Anything else?");
  await control(job.control, "lose-answer");
  await page.keyboard.type("No, thanks!");
  await page.keyboard.press("Enter");
  await messageShown(page, "No, thanks!");
  await page.waitForFunction(() => {
    const root = document.querySelector("parley-widget").shadowRoot;
    return root.querySelector("input[name=message]").value === "";
  }, null, { timeout: WAIT_MS });
  out.retried = await seen(page);

  // End and rate, by keyboard.
  await tabTo(page, (e) => e.text === "End chat", "End chat");
  await page.keyboard.press("Enter");
  await page.locator("parley-widget form.rating").waitFor();
  out.ended = { ...(await seen(page)), focused: (await seen(page)).focused };
  for (let i = 0; i < 3; i += 1) await page.keyboard.press("ArrowRight"); // 1 -> 4
  await page.keyboard.press("Tab");
  await page.keyboard.type("Quick and kind.");
  await page.keyboard.press("Tab");
  await page.keyboard.press("Enter");
  await page.locator("parley-widget .thanks").waitFor();
  out.rated = await page.locator("parley-widget .thanks").textContent();
  // A new chat, from the ended one: the form again.
  await page.locator("parley-widget .new-chat").click();
  await page.locator("parley-widget form.prechat").waitFor();
  out.newChat = await page.locator("parley-widget form.prechat button[type=submit]").textContent();
  await page.keyboard.press("Escape");
  out.closed = { expanded: await launcher.getAttribute("aria-expanded"), hidden: await page.locator("parley-widget .panel").isHidden() };
  // After the end, a reload starts afresh with the form.
  await page.reload();
  await launcher.click();
  await page.locator("parley-widget form.prechat").waitFor();
  out.afterEnd = "form";
  await context.close();
}

async function phone(browser, job, out) {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT_MS);
  page.on("pageerror", (error) => out.console.push(`pageerror: ${error.message}`));
  await page.goto(job.page);
  await page.locator("parley-widget .launcher").tap();
  await page.locator("parley-widget form.prechat").waitFor();
  const box = await page.locator("parley-widget .panel").boundingBox();
  out.phone = { width: Math.round(box.width), height: Math.round(box.height), x: box.x, y: box.y };
  // This visitor picks voice & chat (the mode is recorded; voice itself is not offered yet).
  await page.locator("parley-widget input[name=email]").fill("grace@example.com");
  await page.locator("parley-widget label.choice", { hasText: "Voice & chat" }).tap();
  await page.locator("parley-widget form.prechat button[type=submit]").tap();
  await page.locator("parley-widget .status", { hasText: "Connected" }).waitFor();
  await page.locator("parley-widget input[name=message]").fill("Hi from my phone");
  await page.locator("parley-widget form.compose button[type=submit]").tap();
  await messageShown(page, "Hi from my phone");
  await control(job.control, "reply", "Hello! How can I help?");
  await messageShown(page, "Hello! How can I help?");
  out.phoneChat = await seen(page);
  await page.screenshot({ path: `${job.screenshots}/widget-phone.png` });
  await context.close();
}

/** The /widget/demo page, under its own Content-Security-Policy: the widget loads and opens. */
async function demo(browser, job, out) {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT_MS);
  const problems = [];
  page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
  page.on("console", (message) => message.type() === "error" && problems.push(message.text()));
  await page.goto(job.demo);
  await page.locator("parley-widget .launcher").click();
  await page.locator("parley-widget form.prechat").waitFor();
  out.demo = {
    title: await page.locator("parley-widget .title").textContent(),
    fields: await page.locator("parley-widget form.prechat label").allTextContents(),
    problems,
  };
  await context.close();
}

async function main() {
  const job = await readStdin();
  const { chromium } = require(job.playwright);
  const browser = await chromium.launch({ executablePath: job.chromium, headless: true, timeout: WAIT_MS });
  const out = { console: [] };
  try {
    await desktop(browser, job, out);
    await phone(browser, job, out);
    await demo(browser, job, out);
  } catch (error) {
    out.error = String((error && error.stack) || error);
  } finally {
    await browser.close();
  }
  process.stdout.write(JSON.stringify(out));
}

main().catch((error) => {
  process.stderr.write(String((error && error.stack) || error) + "\n");
  process.exit(1);
});
