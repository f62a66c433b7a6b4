// Drives headless Chromium for the dashboard's browser tests, one command at a time, so the test
// can write through the API between steps while the pages stay open. Reads JSON lines on stdin:
// first {playwright, chromium}, then {id, op, ...}; answers each with one JSON line on stdout,
// {id, result} or {id, error}. Every command is bounded (its `timeout`, or OP_MS).
"use strict";

const fs = require("node:fs/promises");
const readline = require("node:readline");

const OP_MS = 10000;
const POLL_MS = 50;

function within(ms, promise, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** `source` is a function's text, called in the page with `arg`: sent as one expression (CDP
 * evaluates it outside the page's CSP, so the page needs no 'unsafe-eval'). */
function expression(source, arg) {
  return `(${source})(${JSON.stringify(arg === undefined ? null : arg)})`;
}

const pages = new Map();
let browser = null;

const ops = {
  async page({ name, width = 1280, height = 800, init, permissions = [] }) {
    const context = await browser.newContext({ viewport: { width, height }, acceptDownloads: true, permissions });
    if (init) await context.addInitScript({ content: init });
    const page = await context.newPage();
    const log = [];
    page.on("console", (message) => log.push(`${message.type()}: ${message.text()}`));
    page.on("pageerror", (error) => log.push(`pageerror: ${error.message}`));
    pages.set(name, { context, page, log });
    return name;
  },
  async goto({ page, url }) {
    await page.goto(url);
    return page.url();
  },
  async reload({ page }) {
    await page.reload();
    return page.url();
  },
  async url({ page }) {
    return page.url();
  },
  async click({ page, selector }) {
    await page.click(selector);
    return true;
  },
  async fill({ page, selector, value }) {
    await page.fill(selector, value);
    return true;
  },
  async press({ page, selector, key }) {
    await page.press(selector, key);
    return true;
  },
  async select({ page, selector, value }) {
    return page.selectOption(selector, value);
  },
  async check({ page, selector, checked = true }) {
    await page.setChecked(selector, checked);
    return true;
  },
  async eval({ page, source, arg }) {
    return page.evaluate(expression(source, arg));
  },
  /** Polls `source(arg)` until it returns something truthy, and returns that. */
  async wait({ page, source, arg, timeout = OP_MS }) {
    const until = Date.now() + timeout;
    let last;
    for (;;) {
      last = await page.evaluate(expression(source, arg));
      if (last) return last;
      if (Date.now() > until) throw new Error(`not true within ${timeout} ms: ${source} (last: ${JSON.stringify(last)})`);
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  },
  async viewport({ page, width, height }) {
    await page.setViewportSize({ width, height });
    return true;
  },
  async screenshot({ page, path, fullPage = false }) {
    await page.screenshot({ path, fullPage });
    return path;
  },
  /** Clicks `selector` and returns the file it downloads: {name, text} (saved at `path`). */
  async download({ page, selector, path }) {
    const [download] = await Promise.all([page.waitForEvent("download"), page.click(selector)]);
    await download.saveAs(path);
    return { name: download.suggestedFilename(), text: await fs.readFile(path, "utf8") };
  },
  async log({ entry }) {
    return entry.log.splice(0);
  },
  async close({ entry, name }) {
    await entry.context.close();
    pages.delete(name);
    return true;
  },
};

async function run(command) {
  const { id, op, timeout = OP_MS } = command;
  try {
    if (!ops[op]) throw new Error(`no such op: ${op}`);
    const entry = pages.get(command.page);
    if (op !== "page" && !entry) throw new Error(`no page named ${command.page}`);
    const given = { ...command, entry, name: command.page, page: entry && entry.page };
    if (op === "page") given.name = command.name;
    const result = await within(timeout + 1000, ops[op](given), op);
    return { id, result: result === undefined ? null : result };
  } catch (error) {
    const entry = pages.get(command.page);
    const log = entry ? entry.log.slice(-20) : [];
    return { id, error: String((error && error.message) || error), log };
  }
}

async function main() {
  const lines = readline.createInterface({ input: process.stdin });
  let launched = false;
  for await (const line of lines) {
    if (!line.trim()) continue;
    const command = JSON.parse(line);
    if (!launched) {
      const { chromium } = require(command.playwright);
      browser = await chromium.launch({ executablePath: command.chromium, headless: true, timeout: OP_MS });
      launched = true;
      process.stdout.write(JSON.stringify({ ready: true }) + "\n");
      continue;
    }
    process.stdout.write(JSON.stringify(await run(command)) + "\n");
  }
  if (browser) await browser.close();
}

main().catch(async (error) => {
  process.stderr.write(String((error && error.stack) || error) + "\n");
  if (browser) await browser.close().catch(() => {});
  process.exit(1);
});
