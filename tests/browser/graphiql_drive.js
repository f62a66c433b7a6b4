// Opens Parley's GraphiQL in headless Chromium with no network beyond loopback, as
// tests/browser/test_graphiql.py asks: reads {playwright, chromium, url, key} as JSON on stdin,
// sets the key in the Headers tab, runs the page's starting query and then a subscription, and
// prints as JSON what the response pane shows, every request that left loopback (all refused), CSP violations and errors.
"use strict";

const { readStdin } = require("./driving.js");

const STEP_MS = 20000;
const LIVE = "subscription Live { conversationCount }";


function loopback(url) {
  const { protocol, hostname } = new URL(url);
  if (protocol === "data:" || protocol === "blob:" || protocol === "about:") return true;
  return ["127.0.0.1", "localhost", "[::1]"].includes(hostname);
}

// The CodeMirror editor inside `selector` (GraphiQL 3's editors are CodeMirror 5 instances).
function editorValue(page, selector) {
  return page.evaluate((css) => document.querySelector(css).CodeMirror.getValue(), selector);
}

async function main() {
  const { playwright, chromium: executablePath, url, key } = await readStdin();
  const { chromium } = require(playwright);
  const browser = await chromium.launch({ executablePath, headless: true, timeout: STEP_MS });
  const out = { outside: [], errors: [], console: [], violations: [] };
  try {
    const context = await browser.newContext();
    await context.route("**/*", (route) => {
      const asked = route.request().url();
      if (loopback(asked)) return route.continue();
      out.outside.push(asked);
      return route.abort("internetdisconnected");
    });
    await context.addInitScript(() => {
      window.__violations = [];
      document.addEventListener("securitypolicyviolation", (event) =>
        window.__violations.push(`${event.violatedDirective} ${event.blockedURI}`),
      );
    });
    const page = await context.newPage();
    page.on("pageerror", (error) => out.errors.push(`pageerror: ${error.message}`));
    page.on("console", (message) => {
      if (message.type() === "error") out.console.push(message.text());
    });
    await page.goto(url, { timeout: STEP_MS });
    const queryEditor = ".graphiql-query-editor .CodeMirror";
    await page.locator(queryEditor).waitFor({ state: "visible", timeout: STEP_MS });
    out.note = (await page.locator(".parley-note").innerText()).replace(/\s+/g, " ");
    out.query = await editorValue(page, queryEditor);

    // Before the key is set, the schema's introspection was refused: what does the page show?
    const responsePane = ".graphiql-response .CodeMirror";
    await page.waitForFunction(
      (css) => document.querySelector(css).CodeMirror.getValue().includes('"errors"'),
      responsePane,
      { timeout: STEP_MS },
    );
    out.beforeKey = await editorValue(page, responsePane);

    // The Headers tab is open, with a placeholder to replace: set the key there.
    const headersEditor = ".graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror";
    await page.getByRole("button", { name: "Headers", exact: true }).click();
    await page.locator(headersEditor).waitFor({ state: "visible", timeout: STEP_MS });
    out.headersBefore = await editorValue(page, headersEditor);
    await page.evaluate(
      ([css, text]) => document.querySelector(css).CodeMirror.setValue(text),
      [headersEditor, JSON.stringify({ Authorization: `Bearer ${key}` }, null, 2)],
    );

    await page.getByRole("button", { name: /Execute query/ }).click();
    await page.waitForFunction(
      (css) => document.querySelector(css).CodeMirror.getValue().includes('"data"'),
      responsePane,
      { timeout: STEP_MS },
    );
    out.response = JSON.parse(await editorValue(page, responsePane));

    // A subscription, over a socket that sends the same key in connection_init.
    await page.evaluate(
      ([css, text]) => document.querySelector(css).CodeMirror.setValue(text),
      [queryEditor, LIVE],
    );
    // GraphiQL reads an edit after a short debounce (then it is in the URL): a click before that
    // would run the previous document's kind of operation.
    await page.waitForFunction(
      (text) => new URLSearchParams(window.location.search).get("q") === text,
      LIVE,
      { timeout: STEP_MS },
    );
    await page.getByRole("button", { name: /Execute query/ }).click();
    await page.waitForFunction(
      (css) => document.querySelector(css).CodeMirror.getValue().includes("conversationCount"),
      responsePane,
      { timeout: STEP_MS },
    );
    out.live = JSON.parse(await editorValue(page, responsePane));
    out.violations = await page.evaluate(() => window.__violations);
    await context.close();
  } catch (error) {
    out.failure = String((error && error.stack) || error);
  } finally {
    await browser.close();
  }
  process.stdout.write(JSON.stringify(out));
}

main().catch((error) => {
  process.stderr.write(String((error && error.stack) || error) + "\n");
  process.exit(1);
});
